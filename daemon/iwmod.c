/*
 * iwmod.c - the daemon. Watches the inbox (inotify plus a scan at start and
 * every second), claims each finished file into queue/active and processes
 * it (process.c). Runs until SIGTERM; --once drains the inbox and exits.
 *
 *   iwmod --config FILE [--once] [--check-config]
 *
 * Files whose names start with '.' are still being written and are never
 * taken: writers create ".name", write, close, then rename to "name".
 *
 * Under systemd (Type=notify) it reports READY=1 once the database, schemas
 * and inbox are up, a STATUS= line with the queue depth and the last message,
 * and WATCHDOG=1 keep-alives only while the database answers (notify.c). The
 * counters for /metrics and /healthz are updated here and in process.c
 * (metrics.c).
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
#include <time.h>
#include <unistd.h>
#include "contract.h"
#include "dsig.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "process.h"
#include "stored.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
static events_pub *publisher;           /* events.c: sends committed events after each message */
static char last_file[256];             /* the last file that reached its end state, for STATUS= */
static char last_time[16];
static int db_answers = 1;              /* the last health check got an answer (check_health) */

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
    if (!publisher || x->db_fault)
        return;                         /* the database refuses: they stay pending, no log line per pass */
    long n = events_publish_pending(publisher, &x->d);
    if (n < 0)
        log_msg(LOG_ERR, "events: %s; they stay pending", x->d.err);
    metrics_events(n, events_dropped(publisher));
}

/* Bookkeeping after one claim: retries for the metrics, the last file for STATUS=. */
static void note_claim(const char *claim, proc_status st)
{
    if (st == PROC_RETRY) {
        metrics_retry();
        return;
    }
    notify_watchdog();                  /* the database just committed: healthy, even in a long backlog */
    const char *p = claim;              /* the claim is time-pid-seq-name */
    for (int dashes = 0; *p && dashes < 3; p++)
        dashes += *p == '-';
    snprintf(last_file, sizeof(last_file), "%s", *p ? p : claim);
    time_t now = time(NULL);
    struct tm tm;
    strftime(last_time, sizeof(last_time), "%H:%M:%S", localtime_r(&now, &tm));
}

/*
 * Batch size, slow start: 1 after the start and after a failed batch, doubled
 * after each batch that committed, up to PROCESS_BATCH_MAX. So a process that
 * is restarted again and again (a crash loop, a flaky database) still
 * finishes a message in each life, and a backlog soon goes in full batches.
 */
static size_t batch_limit = 1;

/* Process a batch (process.c), then do the bookkeeping per claim and publish its events once. */
static int run_batch(daemon_ctx *x, char **claims, size_t n)
{
    proc_status st[PROCESS_BATCH_MAX];
    int retry = 0;
    process_batch(x, claims, n, st);
    for (size_t i = 0; i < n; i++) {
        note_claim(claims[i], st[i]);
        retry |= st[i] == PROC_RETRY;
    }
    publish_events(x);
    batch_limit = retry ? 1 : batch_limit * 2 > PROCESS_BATCH_MAX ? PROCESS_BATCH_MAX : batch_limit * 2;
    return retry;
}

/*
 * Wait until no transaction holds the commit-order lock. A process killed
 * right after sending COMMIT leaves that COMMIT to the server, which may not
 * have finished it when its claims are adopted; its transaction holds the
 * lock until it has, so after this the adopted claims' message rows (or their
 * absence) are final, and a committed claim's staged retour is never taken
 * for the leftover of an uncommitted attempt.
 */
static void wait_for_commits_in_flight(daemon_ctx *x)
{
    if (db_begin(&x->d) < 0 || events_lock_commit_order(&x->d) < 0 || db_commit(&x->d) < 0)
        db_rollback(&x->d);             /* the database is at fault: the batch will say so */
}

/* Take over the claims of instances that died (their flock is gone) before they finished them. */
static void adopt_orphans(daemon_ctx *x)
{
    long owners;
    long n = queue_adopt_orphans(&x->q, &owners);
    if (n <= 0)
        return;
    log_msg(LOG_NOTICE, "adopted %ld claim(s) left in %s by %ld instance(s) that no longer run",
            n, x->q.active_root, owners);
    wait_for_commits_in_flight(x);
}

/* Process every claim in our active/ (left by a crash, adopted, or waiting for a retry). 0 = all done. */
static int drain_active(daemon_ctx *x)
{
    adopt_orphans(x);
    size_t n;
    entry *v = list_dir(x->q.active, 0, &n);
    int retry = 0;
    for (size_t i = 0; v && i < n && !stop_requested && !(retry && x->db_fault);) {
        char *claims[PROCESS_BATCH_MAX];
        size_t k = 0;
        for (; i < n && k < batch_limit; i++)
            claims[k++] = v[i].name;
        retry |= run_batch(x, claims, k);
    }
    free(v);
    return retry;
}

/*
 * Claim and process every acceptable file in the inbox, a batch at a time:
 * up to PROCESS_BATCH_MAX renames into active/, one fsync of active/ and of
 * the inbox, then one group commit. Returns 1 if any must be retried.
 */
static int drain_inbox(daemon_ctx *x)
{
    size_t n;
    entry *v = list_dir(x->q.inbox, 1, &n);
    int retry = 0;
    static char names[PROCESS_BATCH_MAX][512];
    for (size_t i = 0; v && i < n && !stop_requested && !(retry && x->db_fault);) {
        char *claims[PROCESS_BATCH_MAX];
        size_t k = 0;
        for (; i < n && k < batch_limit; i++) {
            char err[512];
            int rc = queue_claim_nosync(&x->q, v[i].name, names[k], sizeof(names[k]), err, sizeof(err));
            if (rc < 0)
                log_msg(LOG_ERR, "%s", err);
            if (rc == 0) {
                claims[k] = names[k];
                k++;
            }
        }
        if (!k)
            continue;
        queue_sync_dir(x->q.active);
        queue_sync_dir(x->q.inbox);
        crash_point(x, "after-claim");
        retry |= run_batch(x, claims, k);
    }
    free(v);
    return retry;
}

/* signing: the trust store and our key (dsig.c); a file that cannot be used is an error naming it. */
static int open_signing(const config *cfg, struct dsig_ctx **out, const char *config_path)
{
    dsig_opts o = {cfg->signing_verify_inbound, cfg->signing_trust, cfg->signing_key, cfg->signing_cert};
    char err[1024];
    if (dsig_open(&o, out, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s: signing: %s", config_path, err);
        return -1;
    }
    return 0;
}

/*
 * retention.raw_days: empty the stored bytes of messages received more than
 * that many days before today (clock.today when set), at start and then at
 * most once an hour. The same purge as `iwmoctl purge --before DATE`.
 */
static void purge_expired_raw(daemon_ctx *x, int force)
{
    static time_t last_run;
    time_t now = time(NULL);
    if (!x->cfg.retention_raw_days || (!force && last_run && now - last_run < 3600))
        return;
    last_run = now;
    char days[16], before[16];
    snprintf(days, sizeof(days), "%d", x->cfg.retention_raw_days);
    const char *p[] = {x->cfg.today, days};
    PGresult *r = db_exec(&x->d, "SELECT (coalesce($1::date, current_date) - $2::int)::text", 2, p, NULL, 0);
    long n[2];
    if (r)
        snprintf(before, sizeof(before), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!r || stored_purge(&x->d, before, 0, n) < 0) {
        log_msg(LOG_ERR, "retention: cannot purge stored message bytes: %s", x->d.err);
        return;
    }
    if (n[0] || n[1])
        log_msg(LOG_INFO, "retention: purged the stored bytes of %ld message(s) and %ld delivered file(s) "
                "received before %s (retention.raw_days %d)", n[0], n[1], before, x->cfg.retention_raw_days);
}

static int open_all(daemon_ctx *x, const char *config_path, int check_only)
{
    char err[1024];
    if (config_load(config_path, &x->cfg, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    log_set_level(x->cfg.log_level);
    log_set_journal(x->cfg.log_journal);
    checker_opts co = {x->cfg.schemas_dir, x->cfg.data_dir, x->cfg.today, x->cfg.max_bytes,
                       x->cfg.stream_from, x->cfg.stream_clients};
    if (checker_open(&x->chk, &co, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s: %s", config_path, err);
        return -1;
    }
    if (x->cfg.max_depth)
        x->chk.limits.max_depth = x->cfg.max_depth;
    if (contract_open(x) < 0)           /* contract.file: its terms, checked here too */
        return -1;
    if (open_signing(&x->cfg, &x->dsig, config_path) < 0)
        return -1;
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
    x->d.ring = &x->cfg.ring;           /* storage keys; the address survives a reload */
    publisher = events_open(&x->cfg, err, sizeof(err));
    if (!publisher) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    if (events_expire(publisher, &x->d, x->cfg.events_retention_days, 1) < 0)
        log_msg(LOG_ERR, "events: retention: %s", x->d.err);
    purge_expired_raw(x, 1);
    metrics_db_up(1);
    return 0;
}

static void close_all(daemon_ctx *x)
{
    metrics_stop();
    events_close(publisher);
    publisher = NULL;
    contract_close();
    dsig_close(x->dsig);
    x->dsig = NULL;
    dsig_shutdown();
    queue_close(&x->q);
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
        log_event(LOG_ERR, "reload-refused", "reload refused, keeping the running config: %s", err);
        return;
    }
    checker chk;
    checker_opts co = {fresh.schemas_dir, fresh.data_dir, fresh.today, fresh.max_bytes,
                       fresh.stream_from, fresh.stream_clients};
    if (checker_open(&chk, &co, err, sizeof(err)) < 0) {
        log_event(LOG_ERR, "reload-refused", "reload refused, keeping the running config: %s", err);
        config_free(&fresh);
        return;
    }
    struct dsig_ctx *dsig;
    if (open_signing(&fresh, &dsig, path) < 0) {
        log_event(LOG_ERR, "reload-refused", "reload refused, keeping the running config (signing)");
        checker_close(&chk);
        config_free(&fresh);
        return;
    }
    dsig_close(x->dsig);
    x->dsig = dsig;
    if (!fresh.pseudonym_key && x->cfg.pseudonym_key)
        fresh.pseudonym_key = strdup(x->cfg.pseudonym_key);
    checker_close(&x->chk);
    config_free(&x->cfg);
    x->cfg = fresh;
    x->chk = chk;
    log_set_level(x->cfg.log_level);
    log_set_journal(x->cfg.log_journal);
    log_event(LOG_NOTICE, "reloaded", "configuration reloaded from %s", path);
}

/* Files in dir that are waiting (dot files, .reason and .report notes not counted). */
static long count_files(const char *dir, int inbox)
{
    DIR *d = opendir(dir);
    long n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || (inbox && !queue_name_acceptable(e->d_name)) ||
            (len > 7 && !strcmp(e->d_name + len - 7, ".reason")) ||
            (len > 7 && !strcmp(e->d_name + len - 7, ".report")))
            continue;
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* Queue depths into the metrics and the STATUS= line. */
static void report_queue(daemon_ctx *x)
{
    const char *dirs[MQ_COUNT] = {x->q.inbox, x->q.active, x->q.outgoing, x->q.quarantine, x->q.rejected};
    long n[MQ_COUNT];
    for (int i = 0; i < MQ_COUNT; i++)
        n[i] = i == MQ_ACTIVE ? queue_count_claims(x->q.active_root) : count_files(dirs[i], i == MQ_INBOX);
    for (int i = 0; i < MQ_COUNT; i++)
        metrics_queue_depth(i, n[i]);
    char last[64];
    metrics_last_message(last, sizeof(last));
    notify_status("%s; queue %ld (inbox %ld, active %ld), quarantine %ld; last: %s%s%s%s%s%s",
                  metrics_db_is_up() ? "processing"
                  : db_answers      ? "database refuses writes, files stay queued"
                                    : "database unreachable, files stay queued",
                  n[MQ_INBOX] + n[MQ_ACTIVE], n[MQ_INBOX], n[MQ_ACTIVE], n[MQ_QUARANTINE],
                  last_file[0] ? last_file : "none yet", last_file[0] ? " at " : "", last_time,
                  last[0] ? " (" : "", last, last[0] ? ")" : "");
}

/*
 * Is the database ready: answering, and not refusing the last batch's writes
 * (x->db_fault, set by process.c until a batch commits)? Logs each change
 * once, counts it, feeds /healthz and the STATUS= line, and pets the watchdog
 * only while ready. Returns whether it answers at all (then the queue is
 * worked, and a retried claim probes whether writes go through again).
 */
static int check_health(daemon_ctx *x)
{
    static int was_up = 1;
    int broken = !x->d.conn || PQstatus(x->d.conn) != CONNECTION_OK;
    int answers = db_ok(&x->d) && db_run(&x->d, "SELECT 1", 0, NULL) == 0;
    int up = answers && !x->db_fault;
    db_answers = answers;
    if (!up) {
        metrics_db_error();
        if (was_up && !answers)
            log_event(LOG_ERR, "database-down", "database unreachable: %s; files stay queued", x->d.err);
        else if (was_up)
            log_event(LOG_ERR, "database-down", "database refuses writes: SQLSTATE %s, %s; files stay queued",
                      x->db_fault_sqlstate[0] ? x->db_fault_sqlstate : "none", x->db_fault_kind);
    } else if (!was_up || broken) {
        metrics_db_reconnect();
        log_event(LOG_NOTICE, "database-up", "database reachable again");
    }
    was_up = up;
    metrics_db_up(up);
    if (up)
        notify_watchdog();
    return answers;
}

/*
 * One pass over the queue while the database answers: claims waiting in
 * active/ first (after a fault the first of them probes the database), the
 * inbox only when that went through, then deadlines and events.
 */
static int work_queue(daemon_ctx *x)
{
    int retry = drain_active(x);
    if (x->db_fault)
        return 1;                       /* the files wait in the inbox; nothing more to claim */
    retry |= drain_inbox(x);
    if (x->db_fault)
        return 1;
    contract_tick(x);                   /* deadlines and billing terms, at most once a minute */
    publish_events(x);
    if (events_expire(publisher, &x->d, x->cfg.events_retention_days, 0) < 0)
        log_msg(LOG_ERR, "events: retention: %s", x->d.err);
    purge_expired_raw(x, 0);
    return retry;
}

/* How long to wait for inotify: the back-off, but short enough for the watchdog. */
static int wait_ms(int backoff)
{
    int ms = backoff ? backoff : 1000;
    long wd = notify_watchdog_ms();
    if (wd > 0 && ms > wd / 4)
        ms = wd / 4 > 100 ? (int)(wd / 4) : 100;
    return ms;
}

/*
 * Sleep until the inbox changes, or for the whole back-off while the database
 * is at fault: files arriving then wait for the next attempt, so an outage
 * costs one reconnect per back-off step, not one per file. A signal ends
 * either wait early.
 */
static void wait_for_work(int in, int backoff, int db_down)
{
    struct pollfd pfd = {in, POLLIN, 0};
    if (backoff && db_down)
        poll(NULL, 0, wait_ms(backoff));
    else if (poll(&pfd, 1, wait_ms(backoff)) <= 0)
        return;
    char buf[4096];
    while (read(in, buf, sizeof(buf)) > 0)
        ;
}

static int run_loop(daemon_ctx *x, const char *config_path)
{
    char err[1024];
    if (x->cfg.metrics_bind && metrics_start(x->cfg.metrics_bind, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s: %s", config_path, err);
        return 1;
    }
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, x->q.inbox, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        log_msg(LOG_ERR, "cannot watch %s: %s", x->q.inbox, strerror(errno));
        return 1;
    }
    log_event(LOG_NOTICE, "started", "iwmod started; watching %s", x->q.inbox);
    check_health(x);
    report_queue(x);
    notify_ready();
    if (x->cfg.events_bind)             /* let subscribers waiting to reconnect rejoin first */
        poll(NULL, 0, x->cfg.events_start_delay_ms);
    publish_events(x);
    int backoff = 0;
    while (!stop_requested) {
        if (reload_requested) {
            reload_requested = 0;
            notify_reloading();
            reload(x, config_path);
            contract_reload(x);
            notify_ready();
        }
        int retry = check_health(x) ? work_queue(x) : 1;
        backoff = retry ? (backoff ? (backoff < 30000 ? backoff * 2 : 30000) : 500) : 0;
        report_queue(x);
        wait_for_work(in, backoff, x->db_fault || !metrics_db_is_up());
    }
    close(in);
    notify_stopping();
    log_event(LOG_NOTICE, "stopping", "iwmod stopping on request");
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
    umask(027);                         /* backstop: every file is created with an explicit mode too */
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
        contract_tick(&x);
        publish_events(&x);
    }
    else
        rc = run_loop(&x, config_path);
    close_all(&x);
    return rc;
}
