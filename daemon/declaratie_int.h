/*
 * declaratie_int.h - shared between the 323 checks (declaratie.c) and the
 * money state (declaratie_apply.c): one Prestatie as read from a 323 or 325.
 */
#ifndef IWMOD_DECLARATIE_INT_H
#define IWMOD_DECLARATIE_INT_H

#include "db.h"
#include "iwmo.h"

typedef struct {
    xmlNodePtr node;
    char ref[32], vorig[32], nr[32], cat[8], code[16], eenheid[4], dc[4];
    char begin_s[16], eind_s[16];
    iwmo_date begin, eind;
    long long volume, bedrag, tarief;
    int has_tarief;
} prestatie;

/* Read a Prestatie element (323 or 325). */
void prestatie_read(xmlNodePtr n, prestatie *p);

/* ---- containers (declaratie_map.c) ---- */

/* A hash map from strings (copied) to pointers; zero-initialised is empty. */
typedef struct {
    char **keys;
    void **vals;
    size_t cap, n;
} smap;

void **smap_slot(smap *m, const char *k, int *added);  /* the value slot, created NULL; NULL = no memory */
int smap_put(smap *m, const char *k, void *v);           /* 0 or -1 */
int smap_add(smap *m, const char *k);                    /* as a set: 0 or -1 */
int smap_has(const smap *m, const char *k);
void *smap_get(const smap *m, const char *k);
void smap_free(smap *m, void (*free_val)(void *));

/* A growing text buffer, used for PostgreSQL array literals; zero-initialised is empty. */
typedef struct {
    char *s;
    size_t n, cap;
    size_t items;
    int oom;
} sbuf;

void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arr_add(sbuf *b, const char *v);       /* quoted element; NULL adds SQL NULL */
void arr_addll(sbuf *b, long long v);
const char *arr_end(sbuf *b);               /* the literal, or NULL when memory ran out */
void sb_reset(sbuf *b);
void sb_free(sbuf *b);

/* Record a 323 or 325 (declaratie_apply's work). */
int declaratie_record(db *d, long long message_id, const iwmo_result *r, const char *key);

#endif
