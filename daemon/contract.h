/*
 * contract.h - the gemeente's own contract terms (docs/rules.md): the start
 * deadline in werkdagen (Bijlage 1 art. 1.5), the public holidays that are
 * not werkdagen, the declaration and payment terms (art. 12.3, 12.5), the
 * tariffs of Bijlage 2 and the opt-in art. 12.1 warning. They live in their
 * own YAML file (config key contract.file, example config/contract.yaml):
 * defaults, overridden per aanbieder, standard and/or product.
 *
 * The daemon side watches the deadlines: once a minute it records every
 * toewijzing that has no start by its due date in deadline_crossings (once,
 * idempotent across restarts), puts it on the wachtlijst and writes the event
 * <standard>.deadline.start_overdue in the same transaction; a later start
 * takes it off the wachtlijst again, keeping the history. Nothing here ever
 * changes the verdict on a message.
 */
#ifndef IWMOD_CONTRACT_H
#define IWMOD_CONTRACT_H

#include <stddef.h>
#include "db.h"
#include "iwmo.h"
#include "process.h"

/* The terms that apply to one toewijzing or prestatie. */
typedef struct {
    int start_deadline_werkdagen;       /* art. 1.5: start within N werkdagen */
    int declaration_due_weeks;          /* art. 12.3: declare within N weeks after the period */
    int payment_due_days;               /* art. 12.5: pay approved lines within N days of receipt */
    int warn_declaratie_without_start;  /* art. 12.1, opt-in, a warning only (OP364) */
} contract_terms;

/* One tariff of Bijlage 2, in whole cents. */
typedef struct {
    char standard[8], gemeente[8], aanbieder[16], categorie[8], code[16], eenheid[8];
    iwmo_date from, to;                 /* to: IWMO_NO_DATE when open-ended */
    long long cents;
    int line;
} contract_tariff;

typedef struct contract contract;

/* Parse a contract file. NULL with "file:line: message" in err. */
contract *contract_load(const char *path, char *err, size_t errsize);
void contract_free(contract *c);

/* A contract of defaults only (no file): 10 werkdagen, 4 weeks, 30 days, no holidays. */
contract *contract_defaults(void);

/* The terms for a toewijzing (standard "iwmo"/"ijw"; aanbieder, categorie and
 * code may be "" or NULL): defaults, then the most specific override that
 * sets each term (aanbieder > standard > code > categorie). */
contract_terms contract_terms_for(const contract *c, const char *standard, const char *aanbieder,
                                  const char *categorie, const char *code);

/* Does the contract watch this standard (contract.standards)? */
int contract_covers(const contract *c, const char *standard);

/* Toewijzingen whose clock starts before this date are not watched (IWMO_NO_DATE: all). */
iwmo_date contract_effective_from(const contract *c);

/* The smallest start deadline anywhere in the file (for pre-filtering). */
int contract_min_deadline(const contract *c);

/* Does any scope switch the art. 12.1 warning on? */
int contract_any_warning(const contract *c);

/* Werkdagen: Monday to Friday, not a listed holiday. */
int contract_is_werkdag(const contract *c, iwmo_date d);

/* The n-th werkdag after from (from itself never counts); n = 0 gives from. */
iwmo_date contract_add_werkdagen(const contract *c, iwmo_date from, int n);

/* Is any holiday listed in this year? */
int contract_has_holidays_in(const contract *c, int year);

size_t contract_tariff_count(const contract *c);
const contract_tariff *contract_tariff_at(const contract *c, size_t i);

const char *contract_path(const contract *c);

/* ---- the daemon ------------------------------------------------------------
 * contract_open loads
 * x->cfg.contract_file (when set); -1 and a logged file:line error when it is
 * wrong. contract_tick evaluates at once on its first call (after open or a
 * reload, which also load the tariffs into the database) and then at most
 * once a minute. contract_reload re-reads the file on SIGHUP and keeps the
 * old terms when the new file is wrong. */
int contract_open(daemon_ctx *x);
void contract_tick(daemon_ctx *x);
void contract_reload(daemon_ctx *x);
void contract_close(void);

/* One evaluation pass against d with today as the date: tariffs (when
 * push_tariffs), deadlines, wachtlijst, billing terms, the art. 12.1 warning.
 * 0, or -1 with d->err (the pass is rolled back). */
int contract_evaluate(db *d, const contract *c, iwmo_date today, int push_tariffs);

#endif
