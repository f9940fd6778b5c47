/*
 * mutate.h - turn a valid message into invalid variants for the schema and
 * conformance tests: element removal, reordering, bad dates, bad code values,
 * pattern violations, and seeded random structural changes.
 */
#ifndef IWMOD_MUTATE_H
#define IWMOD_MUTATE_H

#include <libxml/tree.h>

typedef enum {
    MUT_MISSING_REQUIRED,   /* drop Header/BerichtIdentificatie */
    MUT_WRONG_ORDER,        /* BerichtVersie after BerichtSubversie */
    MUT_BAD_DATE,           /* Dagtekening 2027-06-31 */
    MUT_BAD_CODE,           /* a coded element gets a value outside its list */
    MUT_PATTERN,            /* Afzender violates its pattern */
    MUT_COUNT
} mutation;

const char *mutation_name(mutation m);

/* Apply m to doc in place; 0 when applied, -1 when the document has nothing to mutate. */
int mutate_apply(xmlDocPtr doc, mutation m);

/* Apply one random structural change chosen from seed; 0 when applied. */
int mutate_random(xmlDocPtr doc, unsigned seed);

/* Serialise doc to a malloc'd buffer. */
char *mutate_serialise(xmlDocPtr doc, size_t *len);

#endif
