/*
 * iwmod.c - the daemon. Watches the inbox (inotify plus a scan at start and
 * every second), claims each finished file into queue/active and processes
 * it (process.c). Runs until SIGTERM; --once drains the inbox and exits.
 *
 *   iwmod --config FILE [--once] [--check-config]
 *
 * Files whose names start with '.' are still being written and are never
 * taken: writers create ".name", write, close, then rename to "name".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "events.h"
#include "log.h"
#include "process.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
static events_pub *publisher;           /* events.c: sends committed events after each message */

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    reload_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

typedef struct {
    char name[256];
    struct timespec mtime;
} entry;

static int by_mtime_then_name(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The directory's acceptable names, oldest first. Caller frees. */
static entry *list_dir(const char *dir, int only_acceptable, size_t *n)
{
    DIR *d = opendir(dir);
    size_t cap = 64;
    entry *v = malloc(cap * sizeof(*v));
    *n = 0;
    if (!d || !v) {
        if (d)
            closedir(d);
        return v;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || (only_acceptable && !queue_name_acceptable(e->d_name)) ||
            strlen(e->d_name) >= sizeof(v->name))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (*n == cap) {
            entry *nv = realloc(v, (cap *= 2) * sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        snprintf(v[*n].name, sizeof(v->name), "%s", e->d_name);
        v[(*n)++].mtime = st.st_mtim;
    }
    closedir(d);
    qsort(v, *n, sizeof(*v), by_mtime_then_name);
    return v;
}

/* Send every committed, unsent event; failures leave them pending for the next try. */
static void publish_events(daemon_ctx *x)
{
    if (publisher && events_publish_pending(publisher, &x->d) < 0)
        log_msg(LOG_ERR, "events: %s; they stay pending", x->d.err);
}

/* Process every claim in active/ (left by a crash, or waiting for a retry). 0 = all done. */
static int drain_active(daemon_ctx *x)
{
    size_t n;
    entry *v = list_dir(x->q.active, 0, &n);
    int retry = 0;
    for (size_t i = 0; v && i < n && !stop_requested; i++) {
        retry |= process_claim(x, v[i].name) == PROC_RETRY;
        publish_events(x);
    }
    free(v);
    return retry;
}

/* Claim and process every acceptable file in the inbox. Returns 1 if any must be retried. */
static int drain_inbox(daemon_ctx *x)
{
    size_t n;
    entry *v = list_dir(x->q.inbox, 1, &n);
    int retry = 0;
    for (size_t i = 0; v && i < n && !stop_requested; i++) {
        char claim[512], err[512];
        int rc = queue_claim(&x->q, v[i].name, claim, sizeof(claim), err, sizeof(err));
        if (rc < 0)
            log_msg(LOG_ERR, "%s", err);
        if (rc != 0)
            continue;
        crash_point(x, "after-claim");
        retry |= process_claim(x, claim) == PROC_RETRY;
        publish_events(x);
    }
    free(v);
    return retry;
}

static int open_all(daemon_ctx *x, const char *config_path, int check_only)
{
    char err[1024];
    if (config_load(config_path, &x->cfg, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    log_set_level(x->cfg.log_level);
    checker_opts co = {x->cfg.schemas_dir, x->cfg.data_dir, x->cfg.today, x->cfg.max_bytes};
    if (checker_open(&x->chk, &co, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s: %s", config_path, err);
        return -1;
    }
    if (x->cfg.max_depth)
        x->chk.limits.max_depth = x->cfg.max_depth;
    if (check_only)
        return 0;
    if (!x->cfg.pseudonym_key) {
        log_msg(LOG_WARNING, "privacy.pseudonym_key is not set; using a built-in key (set your own)");
        x->cfg.pseudonym_key = strdup("iwmod-built-in-pseudonym-key");
    }
    if (queue_open(&x->q, x->cfg.inbox, x->cfg.outbox, x->cfg.queue, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    if (db_open(&x->d, x->cfg.dsn) < 0 || db_check_version(&x->d) < 0) {
        log_msg(LOG_ERR, "%s", x->d.err);
        return -1;
    }
    publisher = events_open(&x->cfg, err, sizeof(err));
    if (!publisher) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    if (events_expire(publisher, &x->d, x->cfg.events_retention_days, 1) < 0)
        log_msg(LOG_ERR, "events: retention: %s", x->d.err);
    return 0;
}

static void close_all(daemon_ctx *x)
{
    events_close(publisher);
    publisher = NULL;
    db_close(&x->d);
    checker_close(&x->chk);
    config_free(&x->cfg);
}

/* SIGHUP: read the config again; keep the old one when the new one is wrong. */
static void reload(daemon_ctx *x, const char *path)
{
    config fresh;
    char err[1024];
    if (config_load(path, &fresh, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "reload refused, keeping the running config: %s", err);
        return;
    }
    checker chk;
    checker_opts co = {fresh.schemas_dir, fresh.data_dir, fresh.today, fresh.max_bytes};
    if (checker_open(&chk, &co, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "reload refused, keeping the running config: %s", err);
        config_free(&fresh);
        return;
    }
    if (!fresh.pseudonym_key && x->cfg.pseudonym_key)
        fresh.pseudonym_key = strdup(x->cfg.pseudonym_key);
    checker_close(&x->chk);
    config_free(&x->cfg);
    x->cfg = fresh;
    x->chk = chk;
    log_set_level(x->cfg.log_level);
    log_msg(LOG_NOTICE, "configuration reloaded from %s", path);
}

static int run_loop(daemon_ctx *x, const char *config_path)
{
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, x->q.inbox, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        log_msg(LOG_ERR, "cannot watch %s: %s", x->q.inbox, strerror(errno));
        return 1;
    }
    log_msg(LOG_NOTICE, "iwmod started; watching %s", x->q.inbox);
    if (x->cfg.events_bind)             /* let subscribers waiting to reconnect rejoin first */
        poll(NULL, 0, x->cfg.events_start_delay_ms);
    publish_events(x);
    int backoff = 0;
    while (!stop_requested) {
        if (reload_requested) {
            reload_requested = 0;
            reload(x, config_path);
        }
        if (!db_ok(&x->d))
            log_msg(LOG_ERR, "%s", x->d.err);
        int retry = drain_active(x) | drain_inbox(x);
        publish_events(x);
        if (events_expire(publisher, &x->d, x->cfg.events_retention_days, 0) < 0)
            log_msg(LOG_ERR, "events: retention: %s", x->d.err);
        backoff = retry ? (backoff ? (backoff < 30000 ? backoff * 2 : 30000) : 500) : 0;
        struct pollfd pfd = {in, POLLIN, 0};
        if (poll(&pfd, 1, backoff ? backoff : 1000) > 0) {
            char buf[4096];
            while (read(in, buf, sizeof(buf)) > 0)
                ;
        }
    }
    close(in);
    log_msg(LOG_NOTICE, "iwmod stopping on request");
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: iwmod --config FILE [--once] [--check-config]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, 'o'},
        {"check-config", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL;
    int once = 0, check = 0, c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'o': once = 1; break;
        case 'k': check = 1; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (!config_path || optind != argc) {
        usage();
        return 2;
    }
    daemon_ctx x = {0};
    x.crash_at = getenv("IWMOD_CRASH_AT");
    install_signals();
    if (open_all(&x, config_path, check) < 0) {
        close_all(&x);
        return 1;
    }
    int rc = 0;
    if (check)
        printf("%s: configuration is valid\n", config_path);
    else if (once) {
        publish_events(&x);
        rc = (drain_active(&x) | drain_inbox(&x)) ? 1 : 0;
    }
    else
        rc = run_loop(&x, config_path);
    close_all(&x);
    return rc;
}
