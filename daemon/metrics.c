/*
 * metrics.c - see metrics.h. All counters live in one struct behind one
 * mutex: updates are a handful per message, scrapes are rare, so a mutex is
 * simpler than per-series atomics and costs nothing measurable. Label sets
 * are small fixed tables (standard x type x verdict, retourcodes); a series
 * that does not fit is counted under the label value "other".
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "metrics.h"

#define MAX_SERIES 512
#define MAX_CODES 256

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct series {
    char standard[8];
    int type;
    char verdict[16];
    unsigned long long n;
};

struct code {
    char code[32];
    unsigned long long n;
};

static struct {
    pthread_mutex_t mu;
    struct series msgs[MAX_SERIES];
    size_t nmsgs;
    struct code codes[MAX_CODES];
    size_t ncodes;
    unsigned long long bucket[NBUCKETS];
    unsigned long long count;
    double sum;
    long queue[MQ_COUNT];
    int db_up;
    unsigned long long db_errors, db_reconnects, retries, events_published, deadline_crossings;
    unsigned long events_dropped;
    time_t started, last_message;
    char last[64];
} m = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct MHD_Daemon *httpd;

/* ---- counting ------------------------------------------------------------- */

static void count_series(const char *standard, int type, const char *verdict)
{
    size_t i;
    for (i = 0; i < m.nmsgs; i++)
        if (m.msgs[i].type == type && !strcmp(m.msgs[i].standard, standard) &&
            !strcmp(m.msgs[i].verdict, verdict))
            break;
    if (i == m.nmsgs) {
        if (m.nmsgs == MAX_SERIES)
            i = MAX_SERIES - 1, standard = "other", verdict = "other";
        else
            m.nmsgs++;
        snprintf(m.msgs[i].standard, sizeof(m.msgs[i].standard), "%s", standard);
        snprintf(m.msgs[i].verdict, sizeof(m.msgs[i].verdict), "%s", verdict);
        m.msgs[i].type = type;
    }
    m.msgs[i].n++;
}

static void count_code(const char *code, size_t len)
{
    char c[32];
    snprintf(c, sizeof(c), "%.*s", (int)(len < sizeof(c) ? len : sizeof(c) - 1), code);
    size_t i;
    for (i = 0; i < m.ncodes; i++)
        if (!strcmp(m.codes[i].code, c))
            break;
    if (i == m.ncodes) {
        if (m.ncodes == MAX_CODES)
            i = MAX_CODES - 1, snprintf(c, sizeof(c), "other");
        else
            m.ncodes++;
        snprintf(m.codes[i].code, sizeof(m.codes[i].code), "%s", c);
    }
    m.codes[i].n++;
}

static void count_codes(const char *csv)
{
    while (csv && *csv) {
        size_t len = strcspn(csv, ",");
        if (len)
            count_code(csv, len);
        csv += len + (csv[len] == ',');
    }
}

static void observe(double seconds)
{
    for (size_t i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i])
            m.bucket[i]++;
    m.count++;
    m.sum += seconds;
}

void metrics_message(const char *standard, int type, const char *verdict, const char *codes_csv,
                     double seconds)
{
    const char *s = standard && *standard ? standard : "none";
    const char *v = verdict && *verdict ? verdict : "unknown";
    pthread_mutex_lock(&m.mu);
    count_series(s, type, v);
    count_codes(codes_csv);
    observe(seconds < 0 ? 0 : seconds);
    m.last_message = time(NULL);
    snprintf(m.last, sizeof(m.last), "%s %d %s", s, type, v);
    pthread_mutex_unlock(&m.mu);
}

#define LOCKED(stmt) do { pthread_mutex_lock(&m.mu); stmt; pthread_mutex_unlock(&m.mu); } while (0)

void metrics_queue_depth(int dir, long files)
{
    if (dir >= 0 && dir < MQ_COUNT)
        LOCKED(m.queue[dir] = files);
}

void metrics_db_up(int up) { LOCKED(m.db_up = up); }
void metrics_db_error(void) { LOCKED(m.db_errors++); }
void metrics_db_reconnect(void) { LOCKED(m.db_reconnects++); }
void metrics_retry(void) { LOCKED(m.retries++); }
void metrics_deadline_crossings(unsigned long n) { LOCKED(m.deadline_crossings += n); }

int metrics_db_is_up(void)
{
    int up;
    LOCKED(up = m.db_up);
    return up;
}

void metrics_events(long published, unsigned long dropped_since_start)
{
    LOCKED(m.events_published += published > 0 ? (unsigned long long)published : 0;
           m.events_dropped = dropped_since_start);
}

void metrics_last_message(char *out, size_t n)
{
    LOCKED(snprintf(out, n, "%s", m.last));
}

/* ---- exposition ----------------------------------------------------------- */

static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scalar(FILE *f, const char *name, const char *type, const char *help, unsigned long long v)
{
    head(f, name, type, help);
    fprintf(f, "%s %llu\n", name, v);
}

static void render_messages(FILE *f)
{
    head(f, "iwmod_messages_total", "counter", "Messages processed, by standard, type and verdict.");
    for (size_t i = 0; i < m.nmsgs; i++)
        fprintf(f, "iwmod_messages_total{standard=\"%s\",type=\"%d\",verdict=\"%s\"} %llu\n",
                m.msgs[i].standard, m.msgs[i].type, m.msgs[i].verdict, m.msgs[i].n);
    head(f, "iwmod_retourcodes_total", "counter", "Findings by retourcode or refusal name, once per message.");
    for (size_t i = 0; i < m.ncodes; i++)
        fprintf(f, "iwmod_retourcodes_total{code=\"%s\"} %llu\n", m.codes[i].code, m.codes[i].n);
}

static void render_latency(FILE *f)
{
    head(f, "iwmod_processing_seconds", "histogram", "Time from claim to end state per message.");
    for (size_t i = 0; i < NBUCKETS; i++)
        fprintf(f, "iwmod_processing_seconds_bucket{le=\"%g\"} %llu\n", buckets[i], m.bucket[i]);
    fprintf(f, "iwmod_processing_seconds_bucket{le=\"+Inf\"} %llu\n", m.count);
    fprintf(f, "iwmod_processing_seconds_sum %.6f\niwmod_processing_seconds_count %llu\n", m.sum, m.count);
}

static void render_queue(FILE *f)
{
    static const char *const names[MQ_COUNT] = {"inbox", "active", "outgoing", "quarantine", "rejected"};
    head(f, "iwmod_queue_files", "gauge", "Files waiting in each queue directory (done/ is not counted).");
    for (int i = 0; i < MQ_COUNT; i++)
        fprintf(f, "iwmod_queue_files{dir=\"%s\"} %ld\n", names[i], m.queue[i]);
}

static void render_rest(FILE *f)
{
    scalar(f, "iwmod_database_up", "gauge", "1 while the database answers, else 0.", (unsigned long long)m.db_up);
    scalar(f, "iwmod_database_errors_total", "counter", "Failed database health checks.", m.db_errors);
    scalar(f, "iwmod_database_reconnects_total", "counter", "Database connections restored.", m.db_reconnects);
    scalar(f, "iwmod_processing_retries_total", "counter", "Claims left in queue/active for a retry.", m.retries);
    scalar(f, "iwmod_events_published_total", "counter", "Events sent on the PUB socket (or marked sent).",
           m.events_published);
    scalar(f, "iwmod_events_dropped_total", "counter", "Event sends dropped for slow subscribers.",
           (unsigned long long)m.events_dropped);
    scalar(f, "iwmod_deadline_crossings_total", "counter",
           "Messages past a contract deadline (0 until the contract rules report them).", m.deadline_crossings);
    scalar(f, "iwmod_last_message_timestamp_seconds", "gauge", "Unix time of the last message processed.",
           (unsigned long long)m.last_message);
    scalar(f, "iwmod_start_time_seconds", "gauge", "Unix time iwmod started.", (unsigned long long)m.started);
}

char *metrics_render(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    pthread_mutex_lock(&m.mu);
    render_messages(f);
    render_latency(f);
    render_queue(f);
    render_rest(f);
    pthread_mutex_unlock(&m.mu);
    fclose(f);
    return text;
}

/* ---- the HTTP side --------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state)
{
    (void)cls, (void)version, (void)data, (void)size, (void)state;
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET only\n"), "text/plain");
    if (!strcmp(url, "/metrics")) {
        char *text = metrics_render();
        return text ? reply(c, MHD_HTTP_OK, text, "text/plain; version=0.0.4; charset=utf-8") : MHD_NO;
    }
    if (!strcmp(url, "/healthz")) {
        int up = metrics_db_is_up();
        return reply(c, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                     strdup(up ? "ok\n" : "database unreachable\n"), "text/plain");
    }
    return reply(c, MHD_HTTP_NOT_FOUND, strdup("try /metrics or /healthz\n"), "text/plain");
}

/* "host:port" with host 127.0.0.1, localhost or [::1] into a socket address. */
static int parse_bind(const char *bind, struct sockaddr_storage *ss, int *v6)
{
    const char *colon = strrchr(bind, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || *end || port < 1 || port > 65535)
        return -1;
    memset(ss, 0, sizeof(*ss));
    size_t hl = (size_t)(colon - bind);
    *v6 = hl == 5 && !strncmp(bind, "[::1]", 5);
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6, a->sin6_port = htons((uint16_t)port), a->sin6_addr = in6addr_loopback;
        return 0;
    }
    if (!(hl == 9 && !strncmp(bind, "127.0.0.1", 9)) && !(hl == 9 && !strncmp(bind, "localhost", 9)))
        return -1;
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET, a->sin_port = htons((uint16_t)port), a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 0;
}

int metrics_start(const char *bind, char *err, size_t errsize)
{
    struct sockaddr_storage ss;
    int v6;
    LOCKED(m.started = time(NULL));
    if (parse_bind(bind, &ss, &v6) < 0) {
        snprintf(err, errsize, "metrics.bind '%s' is not a loopback host:port", bind);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (v6 ? MHD_USE_IPv6 : 0);
    httpd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
                             (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16U,
                             MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
    if (!httpd) {
        snprintf(err, errsize, "metrics: cannot listen on %s (address in use?)", bind);
        return -1;
    }
    return 0;
}

void metrics_stop(void)
{
    if (httpd)
        MHD_stop_daemon(httpd);
    httpd = NULL;
}
