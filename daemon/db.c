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

static void set_err(db *d, const char *what)
{
    const char *msg = d->conn ? PQerrorMessage(d->conn) : "no connection";
    snprintf(d->err, sizeof(d->err), "%s: %s", what, msg);
    size_t n = strlen(d->err);
    while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
}

int db_open(db *d, const char *dsn)
{
    memset(d, 0, sizeof(*d));
    d->conn = PQconnectdb(dsn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "cannot connect to the database");
        return -1;
    }
    PGresult *r = PQexec(d->conn, "SET client_min_messages = warning; SET TIME ZONE 'Europe/Amsterdam'");
    PQclear(r);
    return 0;
}

void db_close(db *d)
{
    if (d->conn)
        PQfinish(d->conn);
    d->conn = NULL;
}

int db_ok(db *d)
{
    if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
        return 1;
    if (!d->conn)
        return 0;
    PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "database connection lost");
        return 0;
    }
    return 1;
}

PGresult *db_exec(db *d, const char *sql, int n, const char *const *params,
                  const int *lens, unsigned binary_mask)
{
    int small[32] = {0};
    int *formats = n <= 32 ? small : calloc((size_t)n, sizeof(int));
    if (!formats) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        return NULL;
    }
    for (int i = 0; i < n && i < 32; i++)
        formats[i] = (binary_mask >> i) & 1;    /* binary parameters are among the first 32 */
    PGresult *r = PQexecParams(d->conn, sql, n, NULL, params, lens, formats, 0);
    if (formats != small)
        free(formats);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(d->err, sizeof(d->err), "%s", PQresultErrorMessage(r));
        size_t k = strlen(d->err);
        while (k && d->err[k - 1] == '\n')
            d->err[--k] = '\0';
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
    return db_run(d, "BEGIN", 0, NULL);
}

int db_commit(db *d)
{
    return db_run(d, "COMMIT", 0, NULL);
}

void db_rollback(db *d)
{
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
