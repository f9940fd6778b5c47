/*
 * db.c - connection, migrations (embedded from the SQL files in daemon/sql at build
 * time) and libpq helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

struct migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct migration iwmod_migrations[];
extern const int iwmod_migration_count;

/* d->err on one line: libpq's messages span several, and d->err goes into log lines. */
static void one_line(db *d)
{
    size_t n = strlen(d->err);
    while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
    for (char *p = d->err; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
}

static void set_err(db *d, const char *what)
{
    d->sqlstate[0] = '\0';
    const char *msg = d->conn ? PQerrorMessage(d->conn) : "no connection";
    snprintf(d->err, sizeof(d->err), "%s: %s", what, msg);
    one_line(d);
}

/*
 * Statements are prepared once per connection (PQprepare) and then executed
 * by name: the server parses and plans each text once instead of on every
 * call. Keyed by the SQL text; at most STMT_MAX of them (texts beyond that
 * are executed unnamed, as before). A reconnect forgets them all.
 */
#define STMT_MAX 160

struct db_stmt {
    unsigned long hash;
    char *sql;
    const char *seen;           /* the caller's pointer to the text last time (usually a literal) */
    char name[16];
};

/* Reads answered ahead (db_ahead_*). */
#define AHEAD_PARAMS 12

struct ahead_read {
    const char *sql;
    int n;
    char *p[AHEAD_PARAMS];      /* copies; NULL = SQL NULL */
    PGresult *res;              /* NULL until db_ahead_run */
};

struct db_ahead {
    struct ahead_read *r;
    int count, cap;
    int from;                   /* lookups consider r[from..count) (db_ahead_scope) */
};

static unsigned long text_hash(const char *s)
{
    unsigned long h = 1469598103934665603UL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return h;
}

static void forget_statements(db *d)
{
    for (int i = 0; i < d->nstmts; i++)
        free(d->stmts[i].sql);
    free(d->stmts);
    d->stmts = NULL;
    d->nstmts = 0;
}

/* The prepared name for sql, or NULL when it was not prepared yet. */
/* Most texts are string literals: the same pointer again is found without hashing the text. */
static const char *cached(db *d, const char *sql)
{
    for (int i = 0; i < d->nstmts; i++)
        if (d->stmts[i].seen == sql && strcmp(d->stmts[i].sql, sql) == 0)
            return d->stmts[i].name;
    unsigned long h = text_hash(sql);
    for (int i = 0; i < d->nstmts; i++)
        if (d->stmts[i].hash == h && strcmp(d->stmts[i].sql, sql) == 0) {
            d->stmts[i].seen = sql;
            return d->stmts[i].name;
        }
    return NULL;
}

/* The prepared name for sql, preparing it now if needed; NULL = run it unnamed. */
static const char *statement(db *d, const char *sql, int n)
{
    const char *name = cached(d, sql);
    if (name)
        return name;
    unsigned long h = text_hash(sql);
    if (d->nstmts >= STMT_MAX || PQtransactionStatus(d->conn) == PQTRANS_INERROR)
        return NULL;
    if (!d->stmts && !(d->stmts = calloc(STMT_MAX, sizeof(*d->stmts))))
        return NULL;
    struct db_stmt *s = &d->stmts[d->nstmts];
    snprintf(s->name, sizeof(s->name), "iw%d", d->nstmts);
    PGresult *r = PQprepare(d->conn, s->name, sql, n, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || !(s->sql = strdup(sql)))
        return NULL;                    /* e.g. a syntax error: the unnamed run reports it */
    s->hash = h;
    s->seen = sql;
    d->nstmts++;
    return s->name;
}

/*
 * The session settings every connection needs, again after each reconnect.
 * Terse errors: a DETAIL line may quote a key's value (a BSN), and d->err
 * goes into log lines.
 */
static void set_session(db *d)
{
    PQsetErrorVerbosity(d->conn, PQERRORS_TERSE);
    PGresult *r = PQexec(d->conn, "SET client_min_messages = warning; SET TIME ZONE 'Europe/Amsterdam'");
    PQclear(r);
}

int db_open(db *d, const char *dsn)
{
    memset(d, 0, sizeof(*d));
    d->conn = PQconnectdb(dsn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "cannot connect to the database");
        return -1;
    }
    set_session(d);
    return 0;
}

void db_close(db *d)
{
    db_ahead_clear(d);
    if (d->ahead)
        free(d->ahead->r);
    free(d->ahead);
    d->ahead = NULL;
    if (d->after_rollback)
        d->after_rollback(d);
    if (d->conn) {
        db_flush(d);
        PQfinish(d->conn);
    }
    d->conn = NULL;
    forget_statements(d);
}

int db_ok(db *d)
{
    if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
        return 1;
    if (!d->conn)
        return 0;
    forget_statements(d);
    d->pending = 0;
    PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "database connection lost");
        return 0;
    }
    set_session(d);
    return 1;
}

/* SQLSTATE classes and codes that say the database, not the message, is at fault. */
static const struct { const char *prefix; const char *what; } faults[] = {
    {"08", "connection failure"},
    {"25006", "read-only transaction (a standby, or default_transaction_read_only)"},
    {"42501", "insufficient privilege"},
    {"53", "insufficient resources (disk full, out of memory, too many connections)"},
    {"54", "program limit exceeded"},
    {"55", "object not in prerequisite state (locked, in use)"},
    {"57", "operator intervention (shutdown, cancel, crash recovery)"},
    {"58", "system error (I/O)"},
    {"40", "transaction rollback (serialization failure or deadlock)"},
    {"XX", "internal error"},
    {"F0", "configuration file error"},
};

const char *db_infrastructure_fault(const db *d)
{
    if (!d->conn || PQstatus(d->conn) != CONNECTION_OK)
        return "connection failure (no answer from the server)";
    if (!d->sqlstate[0])
        return "no SQLSTATE: the connection or the file system (staging the retours) failed";
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        if (strncmp(d->sqlstate, faults[i].prefix, strlen(faults[i].prefix)) == 0)
            return faults[i].what;
    return NULL;
}

/*
 * Inside the spine's transaction the first failure is the one that counts:
 * later statements only fail because of it ("current transaction is
 * aborted", 25P02), and a caller that treated one failure as a plain "no"
 * must not hide what went wrong. So the first error of a transaction stays
 * in d->err and d->sqlstate until db_begin or db_rollback.
 */
static void result_err(db *d, const PGresult *r)
{
    if (d->defer && d->tx_failed)
        return;
    d->tx_failed = d->defer;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(d->sqlstate, sizeof(d->sqlstate), "%s", state ? state : "");
    snprintf(d->err, sizeof(d->err), "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(d->conn));
    one_line(d);
    if (!d->err[0])
        snprintf(d->err, sizeof(d->err), "database error (no message)");
}

/* Check one pipelined result; the first failure sets d->err. */
static int result_ok(db *d, PGresult *r, int rc)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return rc;
    if (rc == 0)
        result_err(d, st == PGRES_PIPELINE_ABORTED ? NULL : r);
    return -1;
}

/* Leave pipeline mode after its sync was read; rc as it was, or -1 when that fails. */
static int exit_pipeline(db *d, int rc)
{
    d->pending = 0;
    if (!PQexitPipelineMode(d->conn) && rc == 0) {
        result_err(d, NULL);
        rc = -1;
    }
    return rc;
}

int db_flush(db *d)
{
    if (!d->conn || PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF)
        return 0;
    int rc = 0;
    if (!PQpipelineSync(d->conn)) {
        result_err(d, NULL);
        rc = -1;
    }
    int nulls = 0;
    for (;;) {
        PGresult *r = PQgetResult(d->conn);
        if (!r) {
            if (++nulls >= 2)           /* nothing more queued: the sync never came */
                break;
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        rc = result_ok(d, r, rc);
        PQclear(r);
    }
    return exit_pipeline(d, rc);
}

/*
 * Parameter formats for libpq: NULL (all text) when no parameter is binary, so
 * a statement may have any number of parameters; binary ones must be among the
 * first 32 (binary_mask has a bit per parameter).
 */
static const int *formats_for(db *d, int n, unsigned binary_mask, int formats[32])
{
    if (!binary_mask)
        return NULL;
    if (n > 32) {
        snprintf(d->err, sizeof(d->err), "binary parameters in a statement of more than 32");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        formats[i] = (binary_mask >> i) & 1;
    return formats;
}

int db_defer(db *d, const char *sql, int n, const char *const *params, const int *lens,
             unsigned binary_mask)
{
    if (!d->defer) {
        PGresult *r = db_exec(d, sql, n, params, lens, binary_mask);
        PQclear(r);
        return r ? 0 : -1;
    }
    int formats[32] = {0};
    const int *fmt = formats_for(d, n, binary_mask, formats);
    if (binary_mask && !fmt)
        return -1;
    const char *name = cached(d, sql);
    if (!name && d->nstmts < STMT_MAX) {
        /* Preparing is synchronous: drain the pipeline first (once per text and connection). */
        if (db_flush(d) < 0)
            return -1;
        name = statement(d, sql, n);
    }
    if (PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(d->conn)) {
        result_err(d, NULL);
        return -1;
    }
    int ok = name ? PQsendQueryPrepared(d->conn, name, n, params, lens, fmt, 0)
                  : PQsendQueryParams(d->conn, sql, n, NULL, params, lens, fmt, 0);
    if (!ok) {
        result_err(d, NULL);
        db_flush(d);
        return -1;
    }
    /* Results are a few bytes each; bound them anyway so neither side ever waits on a full socket. */
    return ++d->pending >= 256 ? db_flush(d) : 0;
}

/* The next result in pipeline mode: a statement's result, then the NULL that ends it. */
static PGresult *next_result(db *d)
{
    PGresult *r = PQgetResult(d->conn);
    if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
        PGresult *end = PQgetResult(d->conn);
        PQclear(end);
    }
    return r;
}

/* Send the reads down the pipeline (prepared by db_exec_many; unnamed if that failed). */
static int send_reads(db *d, int count, const db_query *q)
{
    if (PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(d->conn))
        return -1;
    for (int i = 0; i < count; i++) {
        const char *name = cached(d, q[i].sql);
        int ok = name ? PQsendQueryPrepared(d->conn, name, q[i].n, q[i].params, NULL, NULL, 0)
                      : PQsendQueryParams(d->conn, q[i].sql, q[i].n, NULL, q[i].params, NULL, NULL, 0);
        if (!ok)
            return -1;
    }
    return 0;
}

int db_exec_many(db *d, int count, const db_query *q, PGresult **res)
{
    memset(res, 0, sizeof(*res) * (size_t)count);
    for (int i = 0; i < count; i++) {   /* prepare every text first: preparing is synchronous */
        if (cached(d, q[i].sql) || d->nstmts >= STMT_MAX)
            continue;
        if (db_flush(d) < 0)            /* a deferred write failed: that is the answer */
            return -1;
        statement(d, q[i].sql, q[i].n); /* on failure it runs unnamed and reports the error */
    }
    if (send_reads(d, count, q) < 0 || !PQpipelineSync(d->conn)) {
        result_err(d, NULL);
        d->pending = 0;
        PQexitPipelineMode(d->conn);
        return -1;
    }
    int rc = 0;
    for (; d->pending > 0; d->pending--) {
        PGresult *r = next_result(d);
        rc = result_ok(d, r, rc);
        PQclear(r);
    }
    for (int i = 0; i < count; i++) {
        res[i] = next_result(d);
        rc = result_ok(d, res[i], rc);
    }
    PGresult *sync = PQgetResult(d->conn);   /* PGRES_PIPELINE_SYNC */
    PQclear(sync);
    rc = exit_pipeline(d, rc);
    for (int i = 0; rc < 0 && i < count; i++) {
        PQclear(res[i]);
        res[i] = NULL;
    }
    return rc;
}

/* ---- reads answered ahead ------------------------------------------------- */

static int same_read(const struct ahead_read *a, const char *sql, int n, const char *const *p)
{
    if (a->sql != sql || a->n != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (!a->p[i] != !p[i] || (p[i] && strcmp(a->p[i], p[i]) != 0))
            return 0;
    return 1;
}

static struct ahead_read *ahead_find(const db *d, const char *sql, int n, const char *const *p)
{
    for (int i = d->ahead ? d->ahead->from : 0; d->ahead && i < d->ahead->count; i++)
        if (same_read(&d->ahead->r[i], sql, n, p))
            return &d->ahead->r[i];
    return NULL;
}

void db_ahead_add(db *d, const char *sql, int n, const char *const *params)
{
    if (n > AHEAD_PARAMS || ahead_find(d, sql, n, params))
        return;
    if (!d->ahead && !(d->ahead = calloc(1, sizeof(*d->ahead))))
        return;
    struct db_ahead *a = d->ahead;
    if (a->count == a->cap) {
        int cap = a->cap ? a->cap * 2 : 64;
        struct ahead_read *nr = realloc(a->r, (size_t)cap * sizeof(*nr));
        if (!nr)
            return;                     /* not read ahead: asked when needed */
        a->r = nr;
        a->cap = cap;
    }
    struct ahead_read *e = &a->r[a->count++];
    memset(e, 0, sizeof(*e));
    e->sql = sql;
    e->n = n;
    for (int i = 0; i < n; i++)
        e->p[i] = params[i] ? strdup(params[i]) : NULL;
}

int db_ahead_run(db *d)
{
    struct db_ahead *a = d->ahead;
    if (!a || !a->count)
        return 0;
    db_query *q = calloc((size_t)a->count, sizeof(*q));
    PGresult **res = calloc((size_t)a->count, sizeof(*res));
    int k = 0, rc = q && res ? 0 : -1;
    for (int i = 0; rc == 0 && i < a->count; i++)
        if (!a->r[i].res)
            q[k++] = (db_query){a->r[i].sql, a->r[i].n, (const char *const *)a->r[i].p};
    if (rc == 0 && k)
        rc = db_exec_many(d, k, q, res);
    for (int i = 0, j = 0; rc == 0 && i < a->count; i++)
        if (!a->r[i].res)
            a->r[i].res = res[j++];
    if (rc < 0 && !(q && res))
        snprintf(d->err, sizeof(d->err), "out of memory for the reads ahead");
    free(q);
    free(res);
    return rc;
}

void db_ahead_truncate(db *d, int count)
{
    struct db_ahead *a = d->ahead;
    for (int i = count; a && i < a->count; i++) {
        for (int k = 0; k < a->r[i].n; k++)
            free(a->r[i].p[k]);
        PQclear(a->r[i].res);
    }
    if (a && count < a->count)
        a->count = count;
    if (a && a->from > a->count)
        a->from = a->count;
}

void db_ahead_scope(db *d, int from)
{
    if (d->ahead)
        d->ahead->from = from < d->ahead->count ? from : d->ahead->count;
}

void db_ahead_clear(db *d)
{
    db_ahead_truncate(d, 0);
}

int db_ahead_count(const db *d)
{
    return d->ahead ? d->ahead->count : 0;
}

/* A copy of the answer read ahead for this read, or NULL. */
static PGresult *ahead_answer(const db *d, const char *sql, int n, const char *const *params)
{
    const struct ahead_read *e = ahead_find(d, sql, n, params);
    return e && e->res ? PQcopyResult(e->res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES) : NULL;
}

PGresult *db_exec(db *d, const char *sql, int n, const char *const *params,
                  const int *lens, unsigned binary_mask)
{
    PGresult *known = !lens && !binary_mask && db_ahead_count(d) ? ahead_answer(d, sql, n, params) : NULL;
    if (known)
        return known;
    if (db_flush(d) < 0)
        return NULL;
    int formats[32] = {0};
    const int *fmt = formats_for(d, n, binary_mask, formats);
    if (binary_mask && !fmt)
        return NULL;
    const char *name = statement(d, sql, n);
    PGresult *r = name ? PQexecPrepared(d->conn, name, n, params, lens, fmt, 0)
                       : PQexecParams(d->conn, sql, n, NULL, params, lens, fmt, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        result_err(d, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

int db_run(db *d, const char *sql, int n, const char *const *params)
{
    PGresult *r = db_exec(d, sql, n, params, NULL, 0);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int db_begin(db *d)
{
    d->tx_failed = 0;
    return d->defer ? db_defer(d, "BEGIN", 0, NULL, NULL, 0) : db_run(d, "BEGIN", 0, NULL);
}

/* With deferred statements pending, COMMIT goes down the same pipeline: one round trip. */
int db_commit(db *d)
{
    db_ahead_clear(d);
    if (d->before_commit && d->before_commit(d) < 0)
        return -1;
    if (d->pending && db_defer(d, "COMMIT", 0, NULL, NULL, 0) < 0)
        return -1;
    if (d->pending)
        return db_flush(d);
    return db_run(d, "COMMIT", 0, NULL);
}

void db_rollback(db *d)
{
    db_ahead_clear(d);
    if (d->after_rollback)
        d->after_rollback(d);
    db_flush(d);
    PGresult *r = PQexec(d->conn, "ROLLBACK");
    PQclear(r);
    d->tx_failed = 0;
}

int db_known_version(void)
{
    return iwmod_migrations[iwmod_migration_count - 1].version;
}

int db_schema_version(db *d)
{
    PGresult *r = db_exec(d, "SELECT to_regclass('iwmod_schema_version') IS NOT NULL", 0, NULL, NULL, 0);
    if (!r)
        return -1;
    int exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!exists)
        return 0;
    r = db_exec(d, "SELECT coalesce(max(version), 0) FROM iwmod_schema_version", 0, NULL, NULL, 0);
    if (!r)
        return -1;
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static int apply_one(db *d, const struct migration *m)
{
    char ver[16];
    snprintf(ver, sizeof(ver), "%d", m->version);
    const char *p[] = {ver, m->name};
    PGresult *r = PQexec(d->conn, m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(d->err, sizeof(d->err), "migration %s failed: %s", m->name, PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return db_run(d, "INSERT INTO iwmod_schema_version (version, name) VALUES ($1, $2)", 2, p);
}

/* Is migration version v recorded as applied? 1 yes, 0 no, -1 error. */
static int applied(db *d, int v)
{
    char ver[16];
    snprintf(ver, sizeof(ver), "%d", v);
    const char *p[] = {ver};
    PGresult *r = db_exec(d, "SELECT 1 FROM iwmod_schema_version WHERE version = $1", 1, p, NULL, 0);
    if (!r)
        return -1;
    int yes = PQntuples(r) > 0;
    PQclear(r);
    return yes;
}

/*
 * Apply every migration this build carries that the database lacks, in
 * version order. Missing ones are found by set, not by "newer than the
 * highest", so a migration that landed after a later-numbered one is still
 * applied on databases that already had the later one.
 */
int db_migrate(db *d)
{
    if (db_begin(d) < 0)
        return -1;
    /* One migrator at a time, even with two daemons starting together. */
    if (db_run(d, "SELECT pg_advisory_xact_lock(4242001)", 0, NULL) < 0 ||
        db_run(d, "CREATE TABLE IF NOT EXISTS iwmod_schema_version (version integer PRIMARY KEY, "
                  "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL) < 0)
        goto fail;
    int have = db_schema_version(d);
    if (have < 0)
        goto fail;
    if (have > db_known_version()) {
        snprintf(d->err, sizeof(d->err), "database schema version %d is newer than this iwmod (%d)",
                 have, db_known_version());
        goto fail;
    }
    for (int i = 0; i < iwmod_migration_count; i++) {
        int a = applied(d, iwmod_migrations[i].version);
        if (a < 0 || (a == 0 && apply_one(d, &iwmod_migrations[i]) < 0))
            goto fail;
    }
    return db_commit(d);
fail:
    db_rollback(d);
    return -1;
}

int db_check_version(db *d)
{
    int have = db_schema_version(d);
    if (have < 0)
        return -1;
    if (have > db_known_version()) {
        snprintf(d->err, sizeof(d->err), "database schema version %d is newer than this iwmod (%d); "
                 "upgrade iwmod", have, db_known_version());
        return -1;
    }
    for (int i = 0; i < iwmod_migration_count; i++) {
        int a = have ? applied(d, iwmod_migrations[i].version) : 0;
        if (a < 0)
            return -1;
        if (a == 0) {
            snprintf(d->err, sizeof(d->err), "database schema lacks migration %s; run 'iwmoctl migrate'",
                     iwmod_migrations[i].name);
            return -1;
        }
    }
    return 0;
}
