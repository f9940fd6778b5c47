/*
 * checker.h - everything a command needs to check messages: the compiled
 * schemas, limits, the rules' clock and the reference lists, set up once from
 * the command line (iwmoctl) or the config (iwmod).
 */
#ifndef IWMOD_CHECKER_H
#define IWMOD_CHECKER_H

#include "iwmo.h"

typedef struct {
    const char *schemas_dir;    /* NULL: found automatically */
    const char *data_dir;       /* NULL: found automatically */
    const char *today;          /* "YYYY-MM-DD"; NULL: the system date */
    size_t max_bytes;           /* 0: default */
} checker_opts;

typedef struct {
    iwmo_schemaset *schemas;
    iwmo_refdata *ref;
    iwmo_limits limits;
    iwmo_rule_env env;
} checker;

/* Returns 0, or -1 with a message in err (bad date, unreadable or malformed data file). */
int checker_open(checker *c, const checker_opts *o, char *err, size_t errsize);
void checker_close(checker *c);

/* Read and check one file ("-" = stdin) through schemas and rules. */
void checker_run(checker *c, const char *path, iwmo_result *r);

/* The system date in local time. */
iwmo_date checker_system_today(void);

#endif
