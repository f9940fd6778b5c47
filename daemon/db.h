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
struct sealbox_ring;

typedef struct db_handle {
    PGconn *conn;
    char err[512];
    char sqlstate[6];           /* of the last failed statement; "" when there was no server answer */
    int defer;                  /* db_defer may pipeline (set by the spine inside its transaction) */
    int tx_failed;              /* with defer: the transaction's first error is in err (db.c) */
    int pending;                /* statements sent in pipeline mode, results not read yet */
    struct db_stmt *stmts;      /* statements prepared on this connection (db.c) */
    int nstmts;
    const struct sealbox_ring *ring;   /* keys for the stored message bytes (stored.h); NULL: none */
    struct { long long next, last; } ids[2];  /* reserved id blocks (state.c, id_reserve) */
    /* Rows a module holds back until the transaction ends (events.c): written by
     * before_commit just before COMMIT, dropped by after_rollback (and at close). */
    struct db_ahead *ahead;             /* reads answered ahead (db_ahead_*), NULL: none */
    void *held;
    void *piece_events;                 /* events.c: a streamed 323 whose lines bring their events */
    int (*before_commit)(struct db_handle *);
    void (*after_rollback)(struct db_handle *);
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

/* One read of db_exec_many: text parameters (NULL = SQL NULL). */
typedef struct {
    const char *sql;
    int n;
    const char *const *params;
} db_query;

/*
 * Run count reads in one round trip: they go down the pipeline after the
 * deferred writes (so they see them), in order, and res[i] receives each
 * result (caller PQclear()s). 0, or -1 with d->err and every res[i] NULL.
 */
int db_exec_many(db *d, int count, const db_query *q, PGresult **res);

/*
 * Reads answered ahead. db_ahead_add registers a read (text parameters);
 * db_ahead_run answers every registered one in one round trip; from then on
 * db_exec of the same text with the same parameters returns a copy of that
 * answer without asking the server. The caller guarantees that nothing
 * written in between can change those answers, and clears them
 * (db_ahead_clear; db_commit and db_rollback do it too).
 */
void db_ahead_add(db *d, const char *sql, int n, const char *const *params);
int db_ahead_run(db *d);
void db_ahead_clear(db *d);
int db_ahead_count(const db *d);
void db_ahead_truncate(db *d, int count);         /* forget the reads added after the first count */
/* Lookups (and de-duplication) consider only the reads added from index from on. */
void db_ahead_scope(db *d, int from);

#endif
