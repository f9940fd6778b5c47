/*
 * cmd_events.c - `iwmoctl events`: a consumer's two ways in.
 *
 *   iwmoctl events --config FILE --since SEQ [--topic PREFIX] [--count N]
 *       replay from the events table: every event with seq > SEQ, in order
 *   iwmoctl events --config FILE [--topic PREFIX] [--count N] [--connect ENDPOINT]
 *       subscribe to the daemon's PUB socket (events.bind, or ENDPOINT) and
 *       print live events until interrupted or N have arrived
 *
 * Both print one compact JSON body per line, flushed at once.
 *
 *   iwmoctl events --keygen PREFIX
 *       write a CURVE key pair for events.curve_*_key_file: PREFIX.key
 *       (secret, mode 0600) and PREFIX.pub (Z85 text, one line each)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>
#include "cmd.h"
#include "config.h"
#include "db.h"
#include "events.h"

#define USAGE "usage: iwmoctl events --config FILE [--since SEQ] [--topic PREFIX] [--count N] " \
              "[--connect ENDPOINT]\n       iwmoctl events --keygen PREFIX\n"

typedef struct {
    const char *config;
    const char *since;                  /* NULL: subscribe live */
    const char *topic;                  /* prefix; "" = everything */
    const char *connect;                /* NULL: events.bind */
    const char *keygen;                 /* write a key pair instead */
    long count;                         /* 0 = no limit */
} events_opts;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int whole_number(const char *s, long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0 || errno)
        return -1;
    *out = (long)v;
    return 0;
}

static int parse(int argc, char **argv, events_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"since", required_argument, NULL, 's'},
        {"topic", required_argument, NULL, 't'},  {"count", required_argument, NULL, 'n'},
        {"connect", required_argument, NULL, 'e'}, {"keygen", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    long ignored;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 's': o->since = optarg; break;
        case 't': o->topic = optarg; break;
        case 'e': o->connect = optarg; break;
        case 'k': o->keygen = optarg; break;
        case 'n':
            if (whole_number(optarg, &o->count) < 0 || o->count == 0) {
                fprintf(stderr, USAGE);
                return -1;
            }
            break;
        default: fprintf(stderr, USAGE); return -1;
        }
    }
    if ((!o->config && !o->keygen) || optind != argc || (o->since && whole_number(o->since, &ignored) < 0)) {
        fprintf(stderr, USAGE);
        return -1;
    }
    return 0;
}

/* ---- replay --------------------------------------------------------------- */

static int print_body(const char *body)
{
    char *line = events_compact(body);
    if (!line)
        return -1;
    printf("%s\n", line);
    free(line);
    return fflush(stdout) == 0 ? 0 : -1;
}

static int replay(const config *cfg, const events_opts *o)
{
    db d;
    char limit[24];
    snprintf(limit, sizeof(limit), "%ld", o->count ? o->count : -1);
    const char *p[] = {o->since, o->topic, limit};
    if (db_open(&d, cfg->dsn) < 0) {
        fprintf(stderr, "iwmoctl events: %s\n", d.err);
        db_close(&d);
        return 1;
    }
    PGresult *r = db_exec(&d, "SELECT body::text FROM events WHERE seq > $1::bigint "
                              "AND left(topic, length($2)) = $2 ORDER BY seq "
                              "LIMIT CASE WHEN $3::bigint < 0 THEN NULL ELSE $3::bigint END", 3, p, NULL, 0);
    int rc = r ? 0 : 1;
    if (!r)
        fprintf(stderr, "iwmoctl events: %s\n", d.err);
    for (int i = 0; r && i < PQntuples(r) && rc == 0; i++)
        rc = print_body(PQgetvalue(r, i, 0)) < 0 ? 1 : 0;
    PQclear(r);
    db_close(&d);
    return rc;
}

/* ---- live ------------------------------------------------------------------ */

static void *open_sub(void *ctx, const config *cfg, const events_opts *o)
{
    const char *ep = o->connect ? o->connect : cfg->events_bind;
    char err[256];
    void *s = zmq_socket(ctx, ZMQ_SUB);
    int one = 1;
    if (!s)
        return NULL;
    if ((strchr(ep, '[') && zmq_setsockopt(s, ZMQ_IPV6, &one, sizeof(one)) < 0) ||
        events_curve_client(s, cfg, err, sizeof(err)) < 0 ||
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, o->topic, strlen(o->topic)) < 0 || zmq_connect(s, ep) < 0) {
        fprintf(stderr, "iwmoctl events: cannot subscribe to %s: %s\n", ep, zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* One message: topic frame then body frame. 1 printed, 0 interrupted, -1 error. */
static int receive_one(void *s)
{
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    int rc = -1;
    if (zmq_msg_recv(&topic, s, 0) >= 0 && zmq_msg_more(&topic) && zmq_msg_recv(&body, s, 0) >= 0) {
        char *text = strndup(zmq_msg_data(&body), zmq_msg_size(&body));
        rc = text && print_body(text) == 0 ? 1 : -1;
        free(text);
    } else if (zmq_errno() == EINTR || interrupted)
        rc = 0;
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return rc;
}

static int live(const config *cfg, const events_opts *o)
{
    if (!o->connect && !cfg->events_bind) {
        fprintf(stderr, "iwmoctl events: %s sets no events.bind; use --since or --connect\n", o->config);
        return 1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    void *ctx = zmq_ctx_new();
    void *s = ctx ? open_sub(ctx, cfg, o) : NULL;
    int rc = s ? 0 : 1, got;
    for (long n = 0; s && !interrupted && (!o->count || n < o->count); n++)
        if ((got = receive_one(s)) <= 0) {
            rc = got < 0 ? 1 : 0;
            break;
        }
    int zero = 0;
    if (s) {
        zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_close(s);
    }
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}

/* ---- keys ------------------------------------------------------------------ */

static int write_key(const char *prefix, const char *ext, const char *key, mode_t mode)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s%s", prefix, ext);
    mode_t old = umask(0077);
    FILE *fp = fopen(path, "wx");
    umask(old);
    int ok = fp && chmod(path, mode) == 0 && fprintf(fp, "%s\n", key) > 0;
    if (fp && fclose(fp) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "iwmoctl events: cannot write %s (it must not exist yet)\n", path);
    return ok ? 0 : -1;
}

static int keygen(const char *prefix)
{
    char pub[41], sec[41];
    if (!zmq_has("curve") || zmq_curve_keypair(pub, sec) < 0) {
        fprintf(stderr, "iwmoctl events: this libzmq has no CURVE support (zmq_has(\"curve\") is 0)\n");
        return 1;
    }
    if (write_key(prefix, ".key", sec, 0600) < 0 || write_key(prefix, ".pub", pub, 0644) < 0)
        return 1;
    printf("%s.key (secret) and %s.pub written\n", prefix, prefix);
    return 0;
}

int cmd_events(int argc, char **argv)
{
    events_opts o = {.topic = ""};
    if (parse(argc, argv, &o) < 0)
        return 2;
    if (o.keygen)
        return keygen(o.keygen);
    config cfg;
    char err[1024];
    if (config_load(o.config, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl events: %s\n", err);
        return 1;
    }
    int rc = o.since ? replay(&cfg, &o) : live(&cfg, &o);
    config_free(&cfg);
    return rc;
}
