/*
 * db.h - iwmod's PostgreSQL access: connection, versioned migrations and
 * small helpers around libpq. All effects of one message happen inside one
 * transaction opened and closed by the caller.
 */
#ifndef IWMOD_DB_H
#define IWMOD_DB_H

#include <libpq-fe.h>
#include <stddef.h>

struct db_stmt;

typedef struct {
    PGconn *conn;
    char err[512];
    char sqlstate[6];           /* of the last failed statement; "" when there was no server answer */
    int defer;                  /* db_defer may pipeline (set by the spine inside its transaction) */
    int pending;                /* statements sent in pipeline mode, results not read yet */
    struct db_stmt *stmts;      /* statements prepared on this connection (db.c) */
    int nstmts;
} db;

int db_open(db *d, const char *dsn);             /* 0 or -1 with d->err */
void db_close(db *d);
int db_ok(db *d);                                  /* connection usable (reconnects once if not) */

int db_schema_version(db *d);                      /* -1 on error, 0 before the first migration */
int db_known_version(void);                        /* the newest migration this build carries */
int db_migrate(db *d);                             /* apply what is missing; 0 or -1 */
int db_check_version(db *d);                       /* 0 when current; -1 when older or newer */

/*
 * Is the last failure a fault of the database rather than of the data
 * (connection lost, read-only, privilege revoked, disk full, shutdown,
 * deadlock, ...)? Returns a short description of the fault, or NULL for an
 * error that the statement's own data caused (SQLSTATE classes 22, 23, ...).
 * Such faults are never a verdict on a message: its file stays queued.
 */
const char *db_infrastructure_fault(const db *d);

int db_begin(db *d);
int db_commit(db *d);
void db_rollback(db *d);

/*
 * Run a parameterised statement; params are text (NULL = SQL NULL) except
 * those whose index has its bit set in binary_mask (lengths in lens).
 * Returns the result (caller PQclear()s) or NULL with d->err set.
 */
PGresult *db_exec(db *d, const char *sql, int n, const char *const *params,
                  const int *lens, unsigned binary_mask);

/* Same, for statements whose result is not needed: 0 or -1. */
int db_run(db *d, const char *sql, int n, const char *const *params);

/*
 * A write whose result is not needed. With d->defer set it is only sent
 * (libpq pipeline mode) and its outcome is read by the next db_flush, which
 * every other call here (db_exec, db_run, db_commit, db_rollback) does
 * first, so statements still run in order and later reads see earlier
 * writes. Without d->defer it runs at once, like db_exec. 0 or -1.
 */
int db_defer(db *d, const char *sql, int n, const char *const *params, const int *lens,
             unsigned binary_mask);

/* Read the results of every deferred statement; 0, or -1 with d->err (the first error). */
int db_flush(db *d);

#endif
