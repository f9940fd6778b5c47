/*
 * config.h - iwmod's configuration, read from YAML (libyaml). Unknown keys
 * and bad values are errors naming file:line, like relayd/smtpd configs.
 */
#ifndef IWMOD_CONFIG_H
#define IWMOD_CONFIG_H

#include <stddef.h>
#include "sealbox.h"

#define CONFIG_MAX_IDS 64

typedef struct {
    char *gemeenten[CONFIG_MAX_IDS];    /* CBS codes, 4 digits */
    size_t ngemeenten;
    char *aanbieders[CONFIG_MAX_IDS];   /* AGB codes, 8 digits */
    size_t naanbieders;
    char *inbox;
    char *outbox;
    int envelope_always;                /* exchange.envelope: always -> our own heenberichten go out in a Di01 */
    char *envelope_applicatie;          /* exchange.applicatie: our StUF applicatie name */
    char *queue;                        /* holds active/ done/ quarantine/ rejected/ outgoing/ */
    char *dsn;
    char *schemas_dir;                  /* NULL: found automatically */
    char *data_dir;                     /* NULL: found automatically */
    char *today;                        /* NULL: the system date */
    size_t max_bytes;
    int max_depth;
    size_t stream_from;         /* limits.stream_from: a 323 this big is checked piece by piece */
    size_t stream_clients;      /* limits.stream_clients: Clients per piece */
    int log_level;                      /* syslog priority: 3 err .. 7 debug */
    char *pseudonym_key;                /* secret for client pseudonyms (HMAC) */
    char *xslt_versie;                  /* XsltVersie reported with 0001 rejections */
    /* events: (docs/events.md) */
    char *events_bind;                  /* PUB endpoint; NULL: events are only kept for replay */
    int events_retention_days;          /* published events older than this are deleted */
    int events_start_delay_ms;          /* pause between bind and the first send at start */
    char *events_curve_secret_file;     /* CURVE server keys (Z85 text files); both or neither */
    char *events_curve_public_file;
    char events_curve_secret[41];       /* their contents, checked at load; "" without CURVE */
    char events_curve_public[41];
    /* metrics: and log.journal (docs/operations.md) */
    char *metrics_bind;                 /* "127.0.0.1:9601"; NULL: no HTTP endpoint */
    int log_journal;                    /* LOG_JOURNAL_AUTO, _ON or _OFF (log.h) */
    char *contract_file;                /* contract.file: the contract terms (docs/rules.md); NULL: none */
    /* signing: XML-DSig (daemon/dsig.c, docs/operations.md) */
    int signing_verify_inbound;         /* messages addressed to us must carry a valid signature */
    char *signing_trust;                /* trusted CA certificates: a PEM file or a directory of them */
    char *signing_key;                  /* PEM private key that signs our retours; both or neither */
    char *signing_cert;                 /* its certificate */
    /* storage: encryption at rest of the stored message bytes (docs/privacy.md) */
    char *encryption_key_file;          /* current key: new values are sealed with it; NULL: off */
    char *decryption_key_files[SEALBOX_MAX_KEYS - 1];   /* older keys, for reading only */
    size_t ndecryption_key_files;
    sealbox_ring ring;                  /* the keys themselves, read and checked at load */
    /* retention: */
    int retention_raw_days;             /* purge stored bytes older than this; 0: never (by hand only) */
} config;

/* Parse path into cfg. Returns 0, or -1 with "file:line: message" in err. */
int config_load(const char *path, config *cfg, char *err, size_t errsize);
void config_free(config *cfg);

/* Is endpoint a loopback tcp address or ipc://, the only ones allowed without CURVE? */
int config_endpoint_local(const char *endpoint);

/* Is bind ("host:port") on loopback: 127.0.0.1, [::1] or localhost? */
int config_http_local(const char *bind);

/* Is code one of our gemeenten / aanbieders? */
int config_is_ours(const config *cfg, const char *code);

#endif
