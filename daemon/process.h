/*
 * process.h - one claimed file from queue/active to its end state: checked,
 * recorded in one transaction with all its effects, answered, moved on.
 */
#ifndef IWMOD_PROCESS_H
#define IWMOD_PROCESS_H

#include "checker.h"
#include "config.h"
#include "db.h"
#include "queue.h"

typedef struct {
    config cfg;
    queue q;
    db d;
    checker chk;
    struct dsig_ctx *dsig;      /* signing: (dsig.c); NULL when neither verifying nor signing */
    const char *crash_at;       /* test hook: IWMOD_CRASH_AT=<point> kills the process there */
    int db_fault;               /* the last batch failed for an infrastructure fault; cleared by a COMMIT */
    char db_fault_text[640];    /* what was logged for it (logged once, not per retry) */
    char db_fault_sqlstate[6];  /* its SQLSTATE ("" when the server did not answer) */
    const char *db_fault_kind;  /* its description (db_infrastructure_fault) */
} daemon_ctx;

typedef enum {
    PROC_DONE = 0,              /* the claim reached its end state */
    PROC_RETRY = 1              /* infrastructure fault: the file stays in active/ */
} proc_status;

proc_status process_claim(daemon_ctx *x, const char *claim);

/* Claims processed together in one transaction (group commit). */
#define PROCESS_BATCH_MAX 128

/*
 * Process n claims (oldest first) as one group commit: one transaction, one
 * fsync pass per step. st[i] is claim i's outcome. A batch whose transaction
 * fails is retried claim by claim.
 */
void process_batch(daemon_ctx *x, char *const *claims, size_t n, proc_status *st);

/* Test hook: die with SIGKILL when IWMOD_CRASH_AT names this point. */
void crash_point(daemon_ctx *x, const char *name);

#endif
