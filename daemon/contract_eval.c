/*
 * contract_eval.c - the contract's rules applied by the daemon (docs/rules.md).
 * At start and then once a minute, in one transaction:
 *   - every toewijzing without a start by its due date (start_deadline_werkdagen
 *     werkdagen after its clock start, view toewijzing_klok) is recorded once
 *     in deadline_crossings, with the event <standard>.deadline.start_overdue;
 *   - such a toewijzing is on the wachtlijst until a start (or its end) takes
 *     it off again, with <standard>.wachtlijst.cleared; the periods are kept;
 *   - approved prestaties get their declaration and payment terms
 *     (prestatie_termijnen, art. 12.3 and 12.5);
 *   - with warn_declaratie_without_start, a prestatie declared for a
 *     toewijzing without a start is recorded in contract_warnings (art. 12.1).
 *     This runs after the 323 was judged and committed, so it can never
 *     change a verdict: OP364 forbids rejecting on missing start messages.
 * At start and after a reload the file's tariffs replace the rows iwmod loaded
 * into contract_tarieven before (rows entered by hand stay).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "contract.h"
#include "events.h"
#include "log.h"

#define CONTRACT_LOCK "4242006"         /* one evaluation at a time, across daemons */
#define TICK_SECONDS 60
#define WARN_BATCH 10000
#define WARN_BATCH_TEXT "10000"

static contract *current;               /* NULL: no contract.file configured */
static int tariffs_pending;             /* load the tariffs at the next tick */
static int unload_pending;              /* the contract was switched off: remove its tariffs */
static int tick_due = 1;                /* evaluate at the next tick, whatever the time */
static time_t last_tick;

typedef struct {
    int crossed, cleared, billed, late, warned;
} eval_counts;

static void fmt(iwmo_date d, char out[16])
{
    iwmo_date_format(d, out, 16);
}

static iwmo_date today_of(const config *cfg)
{
    iwmo_date d = cfg->today ? iwmo_date_parse(cfg->today) : IWMO_NO_DATE;
    return d != IWMO_NO_DATE ? d : checker_system_today();
}

static int begin_locked(db *d)
{
    if (db_begin(d) < 0)
        return -1;
    if (db_run(d, "SELECT pg_advisory_xact_lock(" CONTRACT_LOCK ")", 0, NULL) == 0)
        return 0;
    db_rollback(d);
    return -1;
}

/* 1 when the table exists, 0 when not, -1 on error. */
static int table_exists(db *d, const char *name)
{
    const char *p[] = {name};
    PGresult *r = db_exec(d, "SELECT to_regclass($1) IS NOT NULL", 1, p, NULL, 0);
    if (!r)
        return -1;
    int yes = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return yes;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

/* Write one event <standard>.<what> with body (consumed). */
static int record_event(db *d, const char *standard, const char *what, json_t *body)
{
    char topic[96];
    snprintf(topic, sizeof(topic), "%s.%s", standard, what);
    set_str(body, "standard", standard);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!s) {
        snprintf(d->err, sizeof(d->err), "cannot encode the event %s", topic);
        return -1;
    }
    int rc = events_record(d, topic, s);
    free(s);
    return rc;
}

/* ---- tariffs ------------------------------------------------------------------------ */

static int insert_tariff(db *d, const contract *c, const contract_tariff *t)
{
    char from[16], to[16], cents[24], line[16];
    fmt(t->from, from);
    fmt(t->to, to);
    snprintf(cents, sizeof(cents), "%lld", t->cents);
    snprintf(line, sizeof(line), "%d", t->line);
    const char *p[] = {t->standard, t->gemeente, t->aanbieder[0] ? t->aanbieder : NULL, t->categorie, t->code,
                       from, t->to != IWMO_NO_DATE ? to : NULL, cents, t->eenheid[0] ? t->eenheid : NULL,
                       contract_path(c), line};
    return db_run(d,
        "WITH ins AS (INSERT INTO contract_tarieven (standard, gemeente, aanbieder, product_categorie, "
        "product_code, valid_from, valid_to, tarief_cents, eenheid) "
        "VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8::bigint, $9) RETURNING id) "
        "INSERT INTO contract_tarieven_geladen (tarief_id, file, line) SELECT id, $10, $11::int FROM ins", 11, p);
}

/* Replace the rows loaded from a contract file by c's tariffs (c NULL: remove them). */
static int sync_tariffs(db *d, const contract *c)
{
    size_t n = c ? contract_tariff_count(c) : 0;
    int exists = table_exists(d, "contract_tarieven");
    if (exists <= 0) {
        if (exists == 0 && n)
            log_msg(LOG_WARNING, "contract: the database has no contract_tarieven table; the %zu tariff(s) "
                    "of %s are not loaded", n, contract_path(c));
        return exists < 0 ? -1 : 0;
    }
    if (begin_locked(d) < 0)
        return -1;
    int rc = db_run(d, "DELETE FROM contract_tarieven WHERE id IN (SELECT tarief_id FROM contract_tarieven_geladen)",
                    0, NULL);
    if (rc == 0)
        rc = db_run(d, "DELETE FROM contract_tarieven_geladen", 0, NULL);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = insert_tariff(d, c, contract_tariff_at(c, i));
    if (rc < 0 || db_commit(d) < 0) {
        db_rollback(d);
        return -1;
    }
    if (c)
        log_msg(LOG_INFO, "contract: %zu tariff(s) from %s loaded into contract_tarieven", n, contract_path(c));
    return 0;
}

/* ---- start deadlines ------------------------------------------------------------------ */

typedef struct {
    const char *id, *standard, *gemeente, *aanbieder, *nummer, *cat, *code, *client;
    iwmo_date clock_start, first_start;
} klok_row;

/* Toewijzingen that may have crossed: not rejected or withdrawn, no crossing yet, the
 * clock started at least the shortest deadline ago, no start on the clock's first day. */
static const char CANDIDATES[] =
    "SELECT k.toewijzing_id, k.standard, k.gemeente, k.aanbieder, k.toewijzing_nummer, "
    "coalesce(k.product_categorie, ''), coalesce(k.product_code, ''), c.pseudonym, k.clock_start, "
    "coalesce(k.first_start::text, '') "
    "FROM toewijzing_klok k JOIN clients c ON c.id = k.client_id "
    "WHERE k.retour_status <> 'rejected' AND k.reden_wijziging IS DISTINCT FROM '13' "
    "AND k.clock_start <= $1::date AND ($2::date IS NULL OR k.clock_start >= $2::date) "
    "AND (k.einddatum IS NULL OR k.einddatum >= k.clock_start) "
    "AND (k.first_start IS NULL OR k.first_start > k.clock_start) "
    "AND NOT EXISTS (SELECT 1 FROM deadline_crossings x WHERE x.toewijzing_id = k.toewijzing_id "
    "AND x.kind = 'start_overdue') ORDER BY k.toewijzing_id";

static void read_klok(PGresult *r, int i, klok_row *k)
{
    k->id = PQgetvalue(r, i, 0);
    k->standard = PQgetvalue(r, i, 1);
    k->gemeente = PQgetvalue(r, i, 2);
    k->aanbieder = PQgetvalue(r, i, 3);
    k->nummer = PQgetvalue(r, i, 4);
    k->cat = PQgetvalue(r, i, 5);
    k->code = PQgetvalue(r, i, 6);
    k->client = PQgetvalue(r, i, 7);
    k->clock_start = iwmo_date_parse(PQgetvalue(r, i, 8));
    k->first_start = iwmo_date_parse(PQgetvalue(r, i, 9));
}

static int crossing_event(db *d, const klok_row *k, int werkdagen, const char *clock, const char *due)
{
    json_t *o = json_object();
    set_str(o, "gemeente", k->gemeente);
    set_str(o, "aanbieder", k->aanbieder);
    set_str(o, "toewijzing_nummer", k->nummer);
    set_str(o, "product_categorie", k->cat);
    set_str(o, "product_code", k->code);
    set_str(o, "client", k->client);
    set_str(o, "clock_start", clock);
    set_str(o, "due_date", due);
    json_object_set_new(o, "deadline_werkdagen", json_integer(werkdagen));
    return record_event(d, k->standard, "deadline.start_overdue", o);
}

/* Record the crossing unless it is there already; the event only with a new row. */
static int record_crossing(db *d, const klok_row *k, int werkdagen, iwmo_date due, iwmo_date today, int *added)
{
    char clock[16], duedate[16], seen[16], n[16];
    fmt(k->clock_start, clock);
    fmt(due, duedate);
    fmt(today, seen);
    snprintf(n, sizeof(n), "%d", werkdagen);
    const char *p[] = {k->id, clock, n, duedate, seen};
    PGresult *r = db_exec(d,
        "INSERT INTO deadline_crossings (toewijzing_id, kind, clock_start, werkdagen, due_date, seen_on) "
        "VALUES ($1, 'start_overdue', $2::date, $3::int, $4::date, $5::date) "
        "ON CONFLICT (toewijzing_id, kind) DO NOTHING RETURNING id", 5, p, NULL, 0);
    if (!r)
        return -1;
    *added = PQntuples(r) > 0;
    PQclear(r);
    return *added ? crossing_event(d, k, werkdagen, clock, duedate) : 0;
}

static int eval_deadlines(db *d, const contract *c, iwmo_date today, eval_counts *n)
{
    char cutoff[16], eff[16];
    fmt(today - 1 - contract_min_deadline(c), cutoff);  /* a werkdag is at least a day */
    fmt(contract_effective_from(c), eff);
    const char *p[] = {cutoff, contract_effective_from(c) != IWMO_NO_DATE ? eff : NULL};
    PGresult *r = db_exec(d, CANDIDATES, 2, p, NULL, 0);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        klok_row k;
        read_klok(r, i, &k);
        if (!contract_covers(c, k.standard))
            continue;
        contract_terms t = contract_terms_for(c, k.standard, k.aanbieder, k.cat, k.code);
        iwmo_date due = contract_add_werkdagen(c, k.clock_start, t.start_deadline_werkdagen);
        if (today <= due || (k.first_start != IWMO_NO_DATE && k.first_start <= due))
            continue;
        int added = 0;
        rc = record_crossing(d, &k, t.start_deadline_werkdagen, due, today, &added);
        n->crossed += added;
    }
    PQclear(r);
    return rc;
}

/* ---- the wachtlijst ------------------------------------------------------------------- */

/* A crossing's first period starts the day after the due date; a toewijzing whose
 * start was deleted afterwards comes back on the list from today. */
static const char ENTER[] =
    "INSERT INTO wachtlijst (toewijzing_id, crossing_id, since) "
    "SELECT x.toewijzing_id, x.id, CASE WHEN EXISTS (SELECT 1 FROM wachtlijst w "
    "WHERE w.toewijzing_id = x.toewijzing_id) THEN $1::date ELSE x.due_date + 1 END "
    "FROM deadline_crossings x JOIN toewijzing_klok k ON k.toewijzing_id = x.toewijzing_id "
    "WHERE x.kind = 'start_overdue' "
    "AND NOT EXISTS (SELECT 1 FROM wachtlijst w WHERE w.toewijzing_id = x.toewijzing_id AND w.cleared_at IS NULL) "
    "AND (NOT EXISTS (SELECT 1 FROM wachtlijst w WHERE w.toewijzing_id = x.toewijzing_id) "
    "OR (k.first_start_id IS NULL AND k.retour_status <> 'rejected' AND k.reden_wijziging IS DISTINCT FROM '13' "
    "AND (k.einddatum IS NULL OR k.einddatum >= $1::date)))";

static const char CLEAR[] =
    "UPDATE wachtlijst w SET cleared_at = now(), cleared_by = k.first_start_id, started_on = k.first_start, "
    "cleared_reason = CASE WHEN k.first_start_id IS NOT NULL THEN 'started' "
    "WHEN k.retour_status = 'rejected' THEN 'rejected' WHEN k.reden_wijziging = '13' THEN 'withdrawn' "
    "ELSE 'ended' END "
    "FROM toewijzing_klok k JOIN clients c ON c.id = k.client_id "
    "WHERE w.cleared_at IS NULL AND k.toewijzing_id = w.toewijzing_id AND (k.first_start_id IS NOT NULL "
    "OR k.retour_status = 'rejected' OR k.reden_wijziging = '13' OR k.einddatum < $1::date) "
    "RETURNING k.standard, k.gemeente, k.aanbieder, k.toewijzing_nummer, c.pseudonym, w.cleared_reason, "
    "w.since::text, coalesce(w.started_on::text, '')";

static int cleared_event(db *d, PGresult *r, int i)
{
    json_t *o = json_object();
    static const char *const keys[] = {NULL, "gemeente", "aanbieder", "toewijzing_nummer", "client",
                                       "reason", "since", "started_on"};
    for (int k = 1; k < 8; k++)
        set_str(o, keys[k], PQgetvalue(r, i, k));
    return record_event(d, PQgetvalue(r, i, 0), "wachtlijst.cleared", o);
}

static int eval_wachtlijst(db *d, iwmo_date today, eval_counts *n)
{
    char td[16];
    fmt(today, td);
    const char *p[] = {td};
    if (db_run(d, ENTER, 1, p) < 0)
        return -1;
    PGresult *r = db_exec(d, CLEAR, 1, p, NULL, 0);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        rc = cleared_event(d, r, i);
    n->cleared += PQntuples(r);
    PQclear(r);
    return rc;
}

/* ---- billing terms (art. 12.3, 12.5) --------------------------------------------------- */

static const char UNBILLED[] =
    "SELECT DISTINCT d.standard, d.aanbieder, p.product_categorie, p.product_code "
    "FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id "
    "WHERE p.status IN ('approved', 'credited') "
    "AND NOT EXISTS (SELECT 1 FROM prestatie_termijnen x WHERE x.prestatie_id = p.id)";

static const char BILL[] =
    "INSERT INTO prestatie_termijnen (prestatie_id, declaratie_id, periode_eind, declaration_due, "
    "received_on, declared_late, payment_due) "
    "SELECT p.id, d.id, d.periode_eind, d.periode_eind + 7 * $5::int, m.received_at::date, "
    "m.received_at::date > d.periode_eind + 7 * $5::int, m.received_at::date + $6::int "
    "FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id JOIN messages m ON m.id = d.message_id "
    "WHERE p.status IN ('approved', 'credited') AND d.standard = $1 AND d.aanbieder = $2 "
    "AND p.product_categorie = $3 AND p.product_code = $4 "
    "AND NOT EXISTS (SELECT 1 FROM prestatie_termijnen x WHERE x.prestatie_id = p.id) "
    "ON CONFLICT (prestatie_id) DO NOTHING RETURNING declared_late";

static int bill_group(db *d, const contract *c, PGresult *g, int i, eval_counts *n)
{
    const char *std = PQgetvalue(g, i, 0);
    if (!contract_covers(c, std))
        return 0;
    contract_terms t = contract_terms_for(c, std, PQgetvalue(g, i, 1), PQgetvalue(g, i, 2), PQgetvalue(g, i, 3));
    char weeks[16], days[16];
    snprintf(weeks, sizeof(weeks), "%d", t.declaration_due_weeks);
    snprintf(days, sizeof(days), "%d", t.payment_due_days);
    const char *p[] = {std, PQgetvalue(g, i, 1), PQgetvalue(g, i, 2), PQgetvalue(g, i, 3), weeks, days};
    PGresult *r = db_exec(d, BILL, 6, p, NULL, 0);
    if (!r)
        return -1;
    n->billed += PQntuples(r);
    for (int k = 0; k < PQntuples(r); k++)
        n->late += strcmp(PQgetvalue(r, k, 0), "t") == 0;
    PQclear(r);
    return 0;
}

/* Are the declaratie module's tables there (0003)? 1, 0, or -1. */
static int have_declaraties(db *d)
{
    int a = table_exists(d, "declaraties"), b = a > 0 ? table_exists(d, "prestaties") : a;
    return a < 0 || b < 0 ? -1 : a && b;
}

static int eval_billing(db *d, const contract *c, eval_counts *n)
{
    PGresult *g = db_exec(d, UNBILLED, 0, NULL, NULL, 0);
    if (!g)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(g) && rc == 0; i++)
        rc = bill_group(d, c, g, i, n);
    PQclear(g);
    return rc;
}

/* ---- art. 12.1: a warning, never a rejection --------------------------------------- */

static const char DECLARED[] =
    "SELECT p.id, d.standard, d.gemeente, d.aanbieder, p.product_categorie, p.product_code, "
    "p.toewijzing_nummer, p.toewijzing_id, d.declaratie_nummer, c.pseudonym, p.referentie_nummer, "
    "p.periode_begin::text, p.periode_eind::text, "
    "p.debet_credit = 'D' AND p.status <> 'rejected' AND NOT EXISTS (SELECT 1 FROM starts s "
    "WHERE s.standard = d.standard AND s.gemeente = d.gemeente AND s.aanbieder = d.aanbieder "
    "AND s.client_id = p.client_id AND s.toewijzing_nummer = p.toewijzing_nummer AND s.deleted_by IS NULL) "
    "FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id JOIN clients c ON c.id = p.client_id "
    "WHERE p.id > $1::bigint ORDER BY p.id LIMIT " WARN_BATCH_TEXT;

static int warning_event(db *d, PGresult *r, int i)
{
    static const char *const keys[] = {NULL, NULL, "gemeente", "aanbieder", "product_categorie", "product_code",
                                       "toewijzing_nummer", NULL, "declaratie_nummer", "client",
                                       "product_referentie", "periode_begin", "periode_eind"};
    json_t *o = json_object();
    for (int k = 2; k < 13; k++)
        if (keys[k])
            set_str(o, keys[k], PQgetvalue(r, i, k));
    set_str(o, "warning", "art. 12.1: declared without a start (OP364: not rejected)");
    return record_event(d, PQgetvalue(r, i, 1), "323.prestatie.without_start", o);
}

static int warn_one(db *d, const contract *c, PGresult *r, int i, eval_counts *n)
{
    const char *std = PQgetvalue(r, i, 1);
    if (strcmp(PQgetvalue(r, i, 13), "t") != 0 || !contract_covers(c, std) ||
        !contract_terms_for(c, std, PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5))
             .warn_declaratie_without_start)
        return 0;
    const char *p[] = {PQgetvalue(r, i, 0), PQgetisnull(r, i, 7) ? NULL : PQgetvalue(r, i, 7)};
    PGresult *w = db_exec(d, "INSERT INTO contract_warnings (kind, prestatie_id, toewijzing_id) "
                             "VALUES ('declaratie_without_start', $1::bigint, $2::bigint) "
                             "ON CONFLICT (kind, prestatie_id) DO NOTHING RETURNING id", 2, p, NULL, 0);
    if (!w)
        return -1;
    int added = PQntuples(w) > 0;
    PQclear(w);
    n->warned += added;
    return added ? warning_event(d, r, i) : 0;
}

/* One batch after the mark; *more when the batch was full. */
static int warn_batch(db *d, const contract *c, eval_counts *n, int *more)
{
    PGresult *r = db_exec(d, "SELECT coalesce((SELECT last_id FROM contract_progress "
                             "WHERE name = 'declaratie_without_start'), 0)", 0, NULL, NULL, 0);
    if (!r)
        return -1;
    char mark[32];
    snprintf(mark, sizeof(mark), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *p[] = {mark};
    if (!(r = db_exec(d, DECLARED, 1, p, NULL, 0)))
        return -1;
    int rows = PQntuples(r), rc = 0;
    for (int i = 0; i < rows && rc == 0; i++)
        rc = warn_one(d, c, r, i, n);
    const char *q[] = {rows ? PQgetvalue(r, rows - 1, 0) : mark};
    if (rc == 0 && rows)
        rc = db_run(d, "INSERT INTO contract_progress (name, last_id) VALUES ('declaratie_without_start', $1) "
                       "ON CONFLICT (name) DO UPDATE SET last_id = EXCLUDED.last_id", 1, q);
    *more = rows == WARN_BATCH;
    PQclear(r);
    return rc;
}

static int eval_warnings(db *d, const contract *c, eval_counts *n)
{
    if (!contract_any_warning(c))
        return 0;
    int more = 1, rc = 0;
    while (more && rc == 0)
        rc = warn_batch(d, c, n, &more);
    return rc;
}

/* ---- one pass ---------------------------------------------------------------------------- */

static void log_counts(const eval_counts *n)
{
    if (n->crossed)
        log_msg(LOG_NOTICE, "contract: %d toewijzing(en) without a start past the deadline; on the wachtlijst",
                n->crossed);
    if (n->cleared)
        log_msg(LOG_INFO, "contract: %d toewijzing(en) left the wachtlijst", n->cleared);
    if (n->late)
        log_msg(LOG_WARNING, "contract: %d approved prestatie(s) were declared after the art. 12.3 term",
                n->late);
    if (n->warned)
        log_msg(LOG_WARNING, "contract: %d prestatie(s) declared for a toewijzing without a start "
                "(art. 12.1; a warning only, OP364)", n->warned);
}

int contract_evaluate(db *d, const contract *c, iwmo_date today, int push_tariffs)
{
    if (push_tariffs && sync_tariffs(d, c) < 0)
        return -1;
    eval_counts n = {0};
    int billing = have_declaraties(d);
    if (billing < 0 || begin_locked(d) < 0)
        return -1;
    int rc = eval_deadlines(d, c, today, &n);
    if (rc == 0)
        rc = eval_wachtlijst(d, today, &n);
    if (rc == 0 && billing)
        rc = eval_billing(d, c, &n);
    if (rc == 0 && billing)
        rc = eval_warnings(d, c, &n);
    if (rc < 0 || db_commit(d) < 0) {
        db_rollback(d);
        return -1;
    }
    log_counts(&n);
    return 0;
}

/* ---- the daemon's hooks ------------------------------------------------------------------- */

static void adopt(daemon_ctx *x, contract *c)
{
    contract_free(current);
    current = c;
    tariffs_pending = 1;
    unload_pending = 0;
    tick_due = 1;
    int y, m, dd;
    iwmo_date_split(today_of(&x->cfg), &y, &m, &dd);
    if (!contract_has_holidays_in(c, y))
        log_msg(LOG_WARNING, "contract: %s lists no holidays in %d; only weekends are skipped there",
                contract_path(c), y);
}

int contract_open(daemon_ctx *x)
{
    contract_close();
    if (!x->cfg.contract_file) {
        unload_pending = 1;             /* rows a former contract file loaded go too */
        return 0;
    }
    char err[1024];
    contract *c = contract_load(x->cfg.contract_file, err, sizeof(err));
    if (!c) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    adopt(x, c);
    return 0;
}

void contract_reload(daemon_ctx *x)
{
    char err[1024];
    if (!x->cfg.contract_file) {
        if (current)
            log_msg(LOG_NOTICE, "contract: no contract.file any more; its terms and tariffs are dropped");
        unload_pending |= current != NULL;
        contract_close();
        return;
    }
    contract *c = contract_load(x->cfg.contract_file, err, sizeof(err));
    if (!c) {
        log_msg(LOG_ERR, "contract reload refused, keeping the running terms: %s", err);
        return;
    }
    adopt(x, c);
    log_msg(LOG_NOTICE, "contract terms reloaded from %s", x->cfg.contract_file);
}

void contract_tick(daemon_ctx *x)
{
    if (!current && !unload_pending)
        return;
    time_t now = time(NULL);
    if (!tick_due && now >= last_tick && now - last_tick < TICK_SECONDS)
        return;
    tick_due = 0;
    last_tick = now;
    if (!db_ok(&x->d))
        return;                         /* the main loop reports the database */
    if (!current) {
        if (sync_tariffs(&x->d, NULL) == 0)
            unload_pending = 0;
        return;
    }
    if (contract_evaluate(&x->d, current, today_of(&x->cfg), tariffs_pending) < 0)
        log_msg(LOG_ERR, "contract: %s; trying again in a minute", x->d.err);
    else
        tariffs_pending = 0;
}

void contract_close(void)
{
    contract_free(current);
    current = NULL;
}
