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
    struct elem_index *ix;      /* every element under root by name, built on first use (rules.c) */
} rule_ctx;

/* The elements named local under c->root (root itself excluded), in document order. */
typedef struct {
    xmlNodePtr *v;
    size_t n, cap;
} rule_nodes;
const rule_nodes *rule_all(const rule_ctx *c, const char *local);    /* v is never NULL */

/*
 * for every element named local under c->root, in document order: one walk of
 * the document serves every rule (a rule used to walk it once per name).
 */
#define FOR_ALL(c, var, local) \
    for (xmlNodePtr var = NULL, *var##_p = rule_all(c, local)->v, \
         *var##_end = var##_p + rule_all(c, local)->n; var##_p < var##_end && (var = *var##_p); var##_p++)

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

/* Like rule_fail; without an element (piece mode) the finding gets line instead. */
void rule_fail_at(rule_ctx *c, const rule *r, xmlNodePtr where, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The row of rule id (any table), or NULL. */
const rule *rule_find(const char *id);

/* Does r, on a 323, compare Clients or sum over the whole message (see rules_msgwide.c)? */
int rule_whole_323(const rule *r);

/* "WMO305" for iWmo 305: does r apply to the message being checked? */
int rule_applies(const rule *r, const iwmo_msgtype *t);

extern const rule_table rules_tr_table;      /* technische regels, xslt group */
extern const rule_table rules_cdcs_table;    /* condities, constraints (CD/CS) incl. elfproef */
extern const rule_table rules_extern_table;  /* externe-bron group: TR135, TR346, TR378, TR381 */

/*
 * The parts of the whole-message 323 rules that the DOM check (rules_tr.c)
 * and the piece-by-piece check (rules_msgwide.c) share: the keys they
 * compare and the texts they report. A report goes to element at, or
 * without one (at NULL) to line.
 */
#define RULE_KEY_MAX 1024

/* TR101: the i-th keyed class of message type msg ("Client"), NULL past the end. */
const char *tr101_class(int msg, size_t i);
/* TR101: 0 and e's key within its parents' keys in out when e is an instance of class i. */
int tr101_key(int msg, size_t i, xmlNodePtr e, char *out, size_t size);
void tr101_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, const char *cls,
                  long first_line);
void tr315_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, const char *value,
                  long first_line);
void tr316_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, const char *value,
                  long credited_line);
/* TR358: the TotaalBedrag element with the signed total in *total, or NULL when there is none. */
xmlNodePtr tr358_total(xmlNodePtr declaratie, long long *total);
long long tr358_sum(xmlNodePtr declaratie);      /* IngediendBedrag of its Prestaties, signed */
void tr358_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, long long total,
                  long long sum);
/* TR416: 0 and the delivery key in out for a debit Prestatie, -1 for a credit one. */
int tr416_key(xmlNodePtr prestatie, char *out, size_t size);
void tr416_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, long first_line);

#endif
