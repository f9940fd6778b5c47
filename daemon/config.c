/*
 * config.c - YAML configuration for iwmod. The whole file is loaded as a
 * libyaml document; each known key is read with its line, every unknown key
 * is refused so that a typo never silently falls back to a default.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <yaml.h>
#include <zmq.h>
#include "config.h"
#include "log.h"

struct reader {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errsize;
    int failed;
};

static void fail(struct reader *r, yaml_node_t *n, const char *fmt, const char *arg)
{
    if (r->failed)
        return;
    r->failed = 1;
    char msg[768];
    snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
    snprintf(r->err, r->errsize, "%s:%lu: %s", r->path,
             n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *dup_scalar(struct reader *r, yaml_node_t *n, const char *key)
{
    const char *s = scalar(n);
    if (!s || !*s) {
        fail(r, n, "'%s' wants a non-empty value", key);
        return NULL;
    }
    return strdup(s);
}

typedef void (*key_fn)(struct reader *r, yaml_node_t *value, config *cfg, const char *key);

struct key {
    const char *name;
    key_fn fn;
};

/* Walk a mapping, dispatching each key to its handler; unknown keys are errors. */
static void walk_mapping(struct reader *r, yaml_node_t *map, const struct key *keys, config *cfg,
                         const char *where)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        fail(r, map, "'%s' must be a mapping", where);
        return;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *name = scalar(k);
        const struct key *hit = NULL;
        for (const struct key *kk = keys; name && kk->name; kk++)
            if (strcmp(kk->name, name) == 0)
                hit = kk;
        if (!hit) {
            fail(r, k, "unknown key '%s'", name ? name : "?");
            return;
        }
        hit->fn(r, v, cfg, name);
    }
}

static int all_digits(const char *s, size_t len)
{
    if (strlen(s) != len)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static void read_codes(struct reader *r, yaml_node_t *seq, char **out, size_t *n, size_t len,
                       const char *what)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE) {
        fail(r, seq, "'%s' must be a list", what);
        return;
    }
    for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, *i);
        const char *s = scalar(item);
        if (!s || !all_digits(s, len)) {
            fail(r, item, len == 4 ? "'%s' wants 4-digit CBS gemeente codes"
                                   : "'%s' wants 8-digit AGB codes", what);
            return;
        }
        if (*n >= CONFIG_MAX_IDS) {
            fail(r, item, "too many codes in '%s'", what);
            return;
        }
        out[(*n)++] = strdup(s);
    }
}

static void k_gemeenten(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    read_codes(r, v, c->gemeenten, &c->ngemeenten, 4, key);
}

static void k_aanbieders(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    read_codes(r, v, c->aanbieders, &c->naanbieders, 8, key);
}

static void k_identities(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"gemeenten", k_gemeenten}, {"aanbieders", k_aanbieders}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

#define STRING_KEY(fn, field) \
    static void fn(struct reader *r, yaml_node_t *v, config *c, const char *key) \
    { free(c->field); c->field = dup_scalar(r, v, key); }

STRING_KEY(k_inbox, inbox)
STRING_KEY(k_outbox, outbox)
STRING_KEY(k_applicatie, envelope_applicatie)

static void k_envelope(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    const char *s = scalar(v);
    if (s && strcmp(s, "auto") == 0)
        c->envelope_always = 0;
    else if (s && strcmp(s, "always") == 0)
        c->envelope_always = 1;
    else
        fail(r, v, "'%s' wants auto (answer in the form the message came) or always", key);
}
STRING_KEY(k_queue, queue)
STRING_KEY(k_dsn, dsn)
STRING_KEY(k_schemas_dir, schemas_dir)
STRING_KEY(k_data_dir, data_dir)
STRING_KEY(k_pseudonym_key, pseudonym_key)
STRING_KEY(k_xslt_versie, xslt_versie)
STRING_KEY(k_events_bind, events_bind)
STRING_KEY(k_events_secret, events_curve_secret_file)
STRING_KEY(k_events_public, events_curve_public_file)
STRING_KEY(k_metrics_bind, metrics_bind)

static void k_today(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    const char *s = scalar(v);
    int y, m, d;
    char tail;
    if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(s) != 10) {
        fail(r, v, "'%s' wants a date YYYY-MM-DD", key);
        return;
    }
    free(c->today);
    c->today = strdup(s);
}

static long positive_number(struct reader *r, yaml_node_t *v, const char *key)
{
    const char *s = scalar(v);
    char *end;
    long n = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || n <= 0) {
        fail(r, v, "'%s' wants a positive whole number", key);
        return 0;
    }
    return n;
}

static void k_retention_days(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    c->events_retention_days = (int)positive_number(r, v, key);
}

static void k_start_delay_ms(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    const char *s = scalar(v);
    char *end;
    long n = s ? strtol(s, &end, 10) : -1;
    if (!s || *end || n < 0 || n > 60000) {
        fail(r, v, "'%s' wants a whole number of milliseconds from 0 to 60000", key);
        return;
    }
    c->events_start_delay_ms = (int)n;
}

static void k_max_bytes(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    c->max_bytes = (size_t)positive_number(r, v, key);
}

static void k_max_depth(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    c->max_depth = (int)positive_number(r, v, key);
}

static void k_stream_from(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    c->stream_from = (size_t)positive_number(r, v, key);
}

static void k_stream_clients(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    c->stream_clients = (size_t)positive_number(r, v, key);
}

static void k_level(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct { const char *name; int prio; } levels[] = {
        {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
        {"info", LOG_INFO}, {"debug", LOG_DEBUG}, {NULL, 0}};
    const char *s = scalar(v);
    for (int i = 0; s && levels[i].name; i++)
        if (strcmp(s, levels[i].name) == 0) {
            c->log_level = levels[i].prio;
            return;
        }
    fail(r, v, "'%s' wants one of error, warning, notice, info, debug", key);
}

static void k_exchange(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"inbox", k_inbox}, {"outbox", k_outbox}, {"envelope", k_envelope},
                                      {"applicatie", k_applicatie}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_database(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"dsn", k_dsn}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_schemas(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"dir", k_schemas_dir}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_data(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"dir", k_data_dir}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_clock(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"today", k_today}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_limits(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"max_bytes", k_max_bytes}, {"max_depth", k_max_depth},
                                        {"stream_from", k_stream_from},
                                        {"stream_clients", k_stream_clients}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_journal(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    const char *s = scalar(v);
    if (s && !strcmp(s, "auto"))
        c->log_journal = LOG_JOURNAL_AUTO;
    else if (s && (!strcmp(s, "true") || !strcmp(s, "yes")))
        c->log_journal = LOG_JOURNAL_ON;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "no")))
        c->log_journal = LOG_JOURNAL_OFF;
    else
        fail(r, v, "'%s' wants auto, true or false", key);
}

static void k_log(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"level", k_level}, {"journal", k_journal}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_privacy(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"pseudonym_key", k_pseudonym_key}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static void k_rules(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"xslt_versie", k_xslt_versie}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

/* ---- events: ------------------------------------------------------------ */

int config_endpoint_local(const char *ep)
{
    static const char *const local[] = {"tcp://127.0.0.1:", "tcp://[::1]:", "tcp://localhost:", NULL};
    if (strncmp(ep, "ipc://", 6) == 0 && ep[6])
        return 1;
    for (int i = 0; local[i]; i++)
        if (strncmp(ep, local[i], strlen(local[i])) == 0 && ep[strlen(local[i])])
            return 1;
    return 0;
}

static yaml_node_t *value_of(struct reader *r, yaml_node_t *map, const char *name)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(r->doc, p->key));
        if (k && strcmp(k, name) == 0)
            return yaml_document_get_node(r->doc, p->value);
    }
    return NULL;
}

/* One Z85 key: the first line that is 40 valid Z85 characters (other lines are ignored). */
static int read_key_file(const char *path, int secret, char out[41], const char **why)
{
    struct stat st;
    FILE *fp = fopen(path, "r");
    *why = "cannot be read";
    if (!fp)
        return -1;
    if (secret && fstat(fileno(fp), &st) == 0 && (st.st_mode & 077)) {
        fclose(fp);
        *why = "may be read by others (chmod 600 it)";
        return -1;
    }
    char line[256];
    uint8_t raw[32];
    int found = 0;
    while (!found && fgets(line, sizeof(line), fp)) {
        line[strcspn(line, " \t\r\n")] = '\0';
        found = strlen(line) == 40 && zmq_z85_decode(raw, line);
    }
    fclose(fp);
    *why = "does not hold a 40-character Z85 CURVE key";
    if (!found)
        return -1;
    memcpy(out, line, 41);             /* 40 characters and the NUL */
    return 0;
}

static void check_curve(struct reader *r, yaml_node_t *map, config *c)
{
    yaml_node_t *sn = value_of(r, map, "curve_secret_key_file"), *pn = value_of(r, map, "curve_public_key_file");
    if (!sn && !pn)
        return;
    if (!sn || !pn) {
        fail(r, sn ? sn : pn, "%sCURVE wants both curve_secret_key_file and curve_public_key_file", "");
        return;
    }
    if (!zmq_has("curve")) {
        fail(r, sn, "%sthis libzmq was built without CURVE support (zmq_has(\"curve\") is 0); "
                    "remove the curve keys or install a libzmq with CURVE", "");
        return;
    }
    const char *why;
    char derived[41];
    if (read_key_file(c->events_curve_secret_file, 1, c->events_curve_secret, &why) < 0)
        fail(r, sn, "curve_secret_key_file %s", why);
    else if (read_key_file(c->events_curve_public_file, 0, c->events_curve_public, &why) < 0)
        fail(r, pn, "curve_public_key_file %s", why);
    else if (zmq_curve_public(derived, c->events_curve_secret) < 0 || strcmp(derived, c->events_curve_public))
        fail(r, pn, "%scurve_public_key_file does not belong to curve_secret_key_file", "");
}

static void check_bind(struct reader *r, yaml_node_t *map, config *c)
{
    yaml_node_t *bn = value_of(r, map, "bind");
    if (!c->events_bind)
        return;
    if (strncmp(c->events_bind, "tcp://", 6) && strncmp(c->events_bind, "ipc://", 6)) {
        fail(r, bn, "events.bind '%s' wants a tcp:// or ipc:// endpoint", c->events_bind);
        return;
    }
    if (!config_endpoint_local(c->events_bind) && !c->events_curve_secret[0])
        fail(r, bn, "events.bind '%s' is not loopback (127.0.0.1, [::1], localhost) or ipc://; "
                    "binding it without CURVE is refused (set curve_secret_key_file and "
                    "curve_public_key_file)", c->events_bind);
}

static void k_events(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {
        {"bind", k_events_bind},  {"retention_days", k_retention_days}, {"start_delay_ms", k_start_delay_ms},
        {"curve_secret_key_file", k_events_secret}, {"curve_public_key_file", k_events_public}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
    if (r->failed)
        return;
    check_curve(r, v, c);
    if (!r->failed)
        check_bind(r, v, c);
}

/* ---- metrics: -------------------------------------------------------------- */

int config_http_local(const char *bind)
{
    static const char *const local[] = {"127.0.0.1:", "[::1]:", "localhost:", NULL};
    for (int i = 0; local[i]; i++) {
        size_t n = strlen(local[i]);
        if (strncmp(bind, local[i], n) == 0) {
            char *end;
            long port = strtol(bind + n, &end, 10);
            return bind[n] && !*end && port >= 1 && port <= 65535;
        }
    }
    return 0;
}

static void k_metrics(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"bind", k_metrics_bind}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
    if (!r->failed && c->metrics_bind && !config_http_local(c->metrics_bind))
        fail(r, value_of(r, v, "bind"), "metrics.bind '%s' must be a loopback host:port "
             "(127.0.0.1:PORT, [::1]:PORT or localhost:PORT); put a proxy in front to expose it",
             c->metrics_bind);
}

/* contract: { file: PATH } - the terms themselves are read by contract.c. */
STRING_KEY(k_contract_file, contract_file)

static void k_contract(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"file", k_contract_file}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

/* signing: { verify_inbound, trust, key, cert } - the files themselves are read by dsig.c. */
STRING_KEY(k_signing_trust, signing_trust)
STRING_KEY(k_signing_key, signing_key)
STRING_KEY(k_signing_cert, signing_cert)

static void k_verify_inbound(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    const char *s = scalar(v);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes")))
        c->signing_verify_inbound = 1;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "no")))
        c->signing_verify_inbound = 0;
    else
        fail(r, v, "'%s' wants true or false", key);
}

static void k_signing(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"verify_inbound", k_verify_inbound}, {"trust", k_signing_trust},
                                      {"key", k_signing_key}, {"cert", k_signing_cert}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
    if (r->failed)
        return;
    if (c->signing_verify_inbound && !c->signing_trust)
        fail(r, v, "%ssigning.verify_inbound: true wants signing.trust (the trusted CA certificates)", "");
    else if (!c->signing_key != !c->signing_cert)
        fail(r, value_of(r, v, c->signing_key ? "key" : "cert"),
             "%ssigning wants both key and cert (the private key and its certificate), or neither", "");
}

/* ---- storage: and retention: ------------------------------------------------ */

STRING_KEY(k_encryption_key_file, encryption_key_file)

static void k_decryption_key_files(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        fail(r, v, "'%s' must be a list of key file paths", key);
        return;
    }
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, *i);
        if (c->ndecryption_key_files >= SEALBOX_MAX_KEYS - 1) {
            fail(r, item, "'%s' holds too many keys (at most 7)", key);
            return;
        }
        char *path = dup_scalar(r, item, key);
        if (!path)
            return;
        c->decryption_key_files[c->ndecryption_key_files++] = path;
    }
}

/* Read one AES key file: 64 hex characters and a newline, readable by its owner only. */
static void load_aes_key(struct reader *r, yaml_node_t *n, const char *path, int current, config *c)
{
    char msg[600], line[256] = "";
    struct stat st;
    sealbox_key k;
    FILE *fp = fopen(path, "r");
    if (!fp)
        snprintf(msg, sizeof(msg), "key file %s cannot be read: %s", path, strerror(errno));
    else if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode))
        snprintf(msg, sizeof(msg), "key file %s is not a regular file", path);
    else if (st.st_mode & 077)
        snprintf(msg, sizeof(msg), "key file %s has mode %04o: others may read it (chmod 600 or 400 it)",
                 path, (unsigned)(st.st_mode & 07777));
    else if (!fgets(line, sizeof(line), fp) || sealbox_key_from_hex(line, &k) < 0)
        snprintf(msg, sizeof(msg), "key file %s does not hold 64 hex characters (32 bytes; make one with "
                 "'openssl rand -hex 32')", path);
    else if (sealbox_ring_add(&c->ring, &k, current) < 0)
        snprintf(msg, sizeof(msg), "too many keys (at most %d)", SEALBOX_MAX_KEYS);
    else
        msg[0] = '\0';
    if (fp)
        fclose(fp);
    OPENSSL_cleanse(line, sizeof(line));
    OPENSSL_cleanse(&k, sizeof(k));
    if (msg[0])
        fail(r, n, "%s", msg);
}

static void k_storage(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"encryption_key_file", k_encryption_key_file},
                                      {"decryption_key_files", k_decryption_key_files}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
    if (!r->failed && c->encryption_key_file)
        load_aes_key(r, value_of(r, v, "encryption_key_file"), c->encryption_key_file, 1, c);
    yaml_node_t *list = value_of(r, v, "decryption_key_files");
    for (size_t i = 0; !r->failed && i < c->ndecryption_key_files; i++)
        load_aes_key(r, yaml_document_get_node(r->doc, list->data.sequence.items.start[i]),
                     c->decryption_key_files[i], 0, c);
}

static void k_raw_days(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    c->retention_raw_days = (int)positive_number(r, v, key);
}

static void k_retention(struct reader *r, yaml_node_t *v, config *c, const char *key)
{
    static const struct key keys[] = {{"raw_days", k_raw_days}, {NULL, NULL}};
    walk_mapping(r, v, keys, c, key);
}

static const struct key top_keys[] = {
    {"identities", k_identities}, {"exchange", k_exchange}, {"queue", k_queue},
    {"database", k_database},     {"schemas", k_schemas},   {"data", k_data},
    {"clock", k_clock},           {"limits", k_limits},     {"log", k_log},
    {"privacy", k_privacy},       {"rules", k_rules},       {"events", k_events},
    {"metrics", k_metrics},       {"contract", k_contract}, {"signing", k_signing},
    {"storage", k_storage},       {"retention", k_retention},
    {NULL, NULL},
};

static void require(struct reader *r, const void *field, const char *name)
{
    if (!field && !r->failed) {
        r->failed = 1;
        snprintf(r->err, r->errsize, "%s: missing required key '%s'", r->path, name);
    }
}

static void check_required(struct reader *r, config *c)
{
    require(r, c->inbox, "exchange.inbox");
    require(r, c->outbox, "exchange.outbox");
    require(r, c->queue, "queue");
    require(r, c->dsn, "database.dsn");
    if (!r->failed && c->ngemeenten + c->naanbieders == 0) {
        r->failed = 1;
        snprintf(r->err, r->errsize, "%s: identities names no gemeente and no aanbieder", r->path);
    }
}

int config_load(const char *path, config *cfg, char *err, size_t errsize)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->log_level = LOG_INFO;
    cfg->events_retention_days = 30;
    cfg->events_start_delay_ms = 500;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errsize, "%s: cannot open", path);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    struct reader r = {.path = path, .doc = &doc, .err = err, .errsize = errsize};
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errsize, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML syntax error");
        yaml_parser_delete(&parser);
        fclose(fp);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
        fail(&r, NULL, "%sthe file is empty", "");
    else
        walk_mapping(&r, root, top_keys, cfg, "top level");
    check_required(&r, cfg);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    if (r.failed) {
        config_free(cfg);
        return -1;
    }
    return 0;
}

void config_free(config *c)
{
    for (size_t i = 0; i < c->ngemeenten; i++)
        free(c->gemeenten[i]);
    for (size_t i = 0; i < c->naanbieders; i++)
        free(c->aanbieders[i]);
    free(c->inbox);
    free(c->outbox);
    free(c->envelope_applicatie);
    free(c->queue);
    free(c->dsn);
    free(c->schemas_dir);
    free(c->data_dir);
    free(c->today);
    free(c->pseudonym_key);
    free(c->xslt_versie);
    free(c->events_bind);
    free(c->events_curve_secret_file);
    free(c->events_curve_public_file);
    free(c->metrics_bind);
    free(c->contract_file);
    free(c->signing_trust);
    free(c->signing_key);
    free(c->signing_cert);
    free(c->encryption_key_file);
    for (size_t i = 0; i < c->ndecryption_key_files; i++)
        free(c->decryption_key_files[i]);
    OPENSSL_cleanse(&c->ring, sizeof(c->ring));
    memset(c, 0, sizeof(*c));
}

int config_is_ours(const config *c, const char *code)
{
    for (size_t i = 0; i < c->ngemeenten; i++)
        if (strcmp(c->gemeenten[i], code) == 0)
            return 1;
    for (size_t i = 0; i < c->naanbieders; i++)
        if (strcmp(c->aanbieders[i], code) == 0)
            return 1;
    return 0;
}
