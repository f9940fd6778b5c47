/*
 * checker.h - everything a command needs to check messages: the compiled
 * schemas, limits, the rules' clock and the reference lists, set up once from
 * the command line (iwmoctl) or the config (iwmod).
 */
#ifndef IWMOD_CHECKER_H
#define IWMOD_CHECKER_H

#include "iwmo.h"
#include "iwmo_envelope.h"

typedef struct {
    const char *schemas_dir;    /* NULL: found automatically */
    const char *data_dir;       /* NULL: found automatically */
    const char *today;          /* "YYYY-MM-DD"; NULL: the system date */
    size_t max_bytes;           /* 0: default */
    size_t stream_from;         /* 0: default (limits.stream_from) */
    size_t stream_clients;      /* 0: default (limits.stream_clients) */
} checker_opts;

typedef struct {
    iwmo_schemaset *schemas;
    iwmo_envschema *envschema;  /* StUF-GGk envelope XSD, compiled on first use */
    char schemas_dir[4096];
    iwmo_refdata *ref;
    iwmo_limits limits;
    iwmo_rule_env env;
} checker;

/* Returns 0, or -1 with a message in err (bad date, unreadable or malformed data file). */
int checker_open(checker *c, const checker_opts *o, char *err, size_t errsize);
void checker_close(checker *c);

/* Read and check one file ("-" = stdin) through schemas and rules. */
void checker_run(checker *c, const char *path, iwmo_result *r);

/* r as the refusal of a file of size bytes over the limit (OP179), for files never read. */
void checker_too_large(const checker *c, size_t size, iwmo_result *r);

/* How a message arrived: bare, in a StUF-GGk envelope, and/or in a VECOZO ZIP. */
typedef struct {
    iwmo_envelope env;          /* env.kind IWMO_ENV_NONE for a bare message */
    int from_zip;
    char zip_entry[256];
    char *zip_payload;          /* owned: the entry's bytes */
} checker_wrapping;

/*
 * Unpack a ZIP delivery and a StUF-GGk envelope when present, then check the
 * message inside (schemas, rules) and the envelope's routing against it. A
 * refusal at either layer is a finding in r with the chain's error code.
 */
void checker_run_buffer(checker *c, const char *buf, size_t len, iwmo_result *r,
                        checker_wrapping *wr);
/* The same, never piece by piece: for bytes freed while r is still in use. */
void checker_run_buffer_whole(checker *c, const char *buf, size_t len, iwmo_result *r,
                              checker_wrapping *wr);
void checker_wrapping_free(checker_wrapping *wr);

/* The system date in local time. */
iwmo_date checker_system_today(void);

#endif
