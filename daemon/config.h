/*
 * config.h - iwmod's configuration, read from YAML (libyaml). Unknown keys
 * and bad values are errors naming file:line, like relayd/smtpd configs.
 */
#ifndef IWMOD_CONFIG_H
#define IWMOD_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_IDS 64

typedef struct {
    char *gemeenten[CONFIG_MAX_IDS];    /* CBS codes, 4 digits */
    size_t ngemeenten;
    char *aanbieders[CONFIG_MAX_IDS];   /* AGB codes, 8 digits */
    size_t naanbieders;
    char *inbox;
    char *outbox;
    char *queue;                        /* holds active/ done/ quarantine/ rejected/ outgoing/ */
    char *dsn;
    char *schemas_dir;                  /* NULL: found automatically */
    char *data_dir;                     /* NULL: found automatically */
    char *today;                        /* NULL: the system date */
    size_t max_bytes;
    int max_depth;
    int log_level;                      /* syslog priority: 3 err .. 7 debug */
    char *pseudonym_key;                /* secret for client pseudonyms (HMAC) */
    char *xslt_versie;                  /* XsltVersie reported with 0001 rejections */
} config;

/* Parse path into cfg. Returns 0, or -1 with "file:line: message" in err. */
int config_load(const char *path, config *cfg, char *err, size_t errsize);
void config_free(config *cfg);

/* Is code one of our gemeenten / aanbieders? */
int config_is_ours(const config *cfg, const char *code);

#endif
