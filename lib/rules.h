/*
 * rules.h - the rule engine's internal interface. A rule is one table row
 * (id, retourcode, level, the messages it applies to, a summary) and one
 * check function. Rule files (rules_tr.c, rules_cdcs.c, rules_extern.c) each
 * export a table; rules.c runs them. Adding a rule is one row + one function.
 */
#ifndef IWMO_RULES_H
#define IWMO_RULES_H

#include "iwmo.h"
#include "xmlutil.h"

typedef struct rule_ctx {
    const iwmo_rule_env *env;
    xmlDocPtr doc;
    xmlNodePtr root;
    xmlNodePtr header;
    const iwmo_msgtype *type;
    iwmo_date dagtekening;      /* Header/BerichtIdentificatie/Dagtekening */
    iwmo_findings *f;
    int added;
} rule_ctx;

typedef struct rule {
    iwmo_rule_info info;
    void (*check)(rule_ctx *c, const struct rule *r);
} rule;

typedef struct {
    const rule *rows;
    size_t count;
} rule_table;

/* Report a violation of r at element where (its line; the class it sits in gets the code). */
void rule_fail(rule_ctx *c, const rule *r, xmlNodePtr where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "WMO305" for iWmo 305: does r apply to the message being checked? */
int rule_applies(const rule *r, const iwmo_msgtype *t);

extern const rule_table rules_tr_table;      /* technische regels, xslt group */
extern const rule_table rules_cdcs_table;    /* condities, constraints (CD/CS) incl. elfproef */
extern const rule_table rules_extern_table;  /* externe-bron group: TR135, TR346, TR378, TR381 */

#endif
