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
    char name[16];
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
static const char *cached(db *d, const char *sql)
{
    unsigned long h = text_hash(sql);
    for (int i = 0; i < d->nstmts; i++)
        if (d->stmts[i].hash == h && strcmp(d->stmts[i].sql, sql) == 0)
            return d->stmts[i].name;
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

static void result_err(db *d, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(d->sqlstate, sizeof(d->sqlstate), "%s", state ? state : "");
    snprintf(d->err, sizeof(d->err), "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(d->conn));
    one_line(d);
    if (!d->err[0])
        snprintf(d->err, sizeof(d->err), "database error (no message)");
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
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && rc == 0) {
            result_err(d, st == PGRES_PIPELINE_ABORTED ? NULL : r);
            rc = -1;
        }
        PQclear(r);
    }
    d->pending = 0;
    if (!PQexitPipelineMode(d->conn) && rc == 0) {
        result_err(d, NULL);
        rc = -1;
    }
    return rc;
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

PGresult *db_exec(db *d, const char *sql, int n, const char *const *params,
                  const int *lens, unsigned binary_mask)
{
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
    return d->defer ? db_defer(d, "BEGIN", 0, NULL, NULL, 0) : db_run(d, "BEGIN", 0, NULL);
}

/* With deferred statements pending, COMMIT goes down the same pipeline: one round trip. */
int db_commit(db *d)
{
    if (d->pending && db_defer(d, "COMMIT", 0, NULL, NULL, 0) < 0)
        return -1;
    if (d->pending)
        return db_flush(d);
    return db_run(d, "COMMIT", 0, NULL);
}

void db_rollback(db *d)
{
    db_flush(d);
    PGresult *r = PQexec(d->conn, "ROLLBACK");
    PQclear(r);
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
