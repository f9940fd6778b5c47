/*
 * db.h - iwmod's PostgreSQL access: connection, versioned migrations and
 * small helpers around libpq. All effects of one message happen inside one
 * transaction opened and closed by the caller.
 */
#ifndef IWMOD_DB_H
#define IWMOD_DB_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct {
    PGconn *conn;
    char err[512];
} db;

int db_open(db *d, const char *dsn);             /* 0 or -1 with d->err */
void db_close(db *d);
int db_ok(db *d);                                  /* connection usable (reconnects once if not) */

int db_schema_version(db *d);                      /* -1 on error, 0 before the first migration */
int db_known_version(void);                        /* the newest migration this build carries */
int db_migrate(db *d);                             /* apply what is missing; 0 or -1 */
int db_check_version(db *d);                       /* 0 when current; -1 when older or newer */

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

#endif
