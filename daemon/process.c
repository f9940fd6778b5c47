/*
 * process.c - the processing spine.
 *
 *   active/<claim> --check--> one transaction: message row, state, retour row
 *        |                    (retour bytes staged in outgoing/ before COMMIT)
 *        +--> after COMMIT: outgoing/<claim>@<file> renamed into the outbox,
 *             active/<claim> moved to done/, quarantine/ or rejected/
 *
 * A restart finds the claim either committed (then only the renames are
 * redone, each exactly once because a rename either happened or not) or not
 * committed (then staged files are discarded and the claim is processed
 * again from scratch). So kill -9 at any point finishes every message once.
 *
 * Group commit: process_batch takes up to PROCESS_BATCH_MAX claims through
 * ONE transaction, in order (a message sees the state of the ones before
 * it), with one fsync pass per step instead of one per message: staged
 * retours are fdatasync'ed and outgoing/ fsync'ed once before COMMIT; after
 * it every retour is renamed into the outbox and outbox/ + outgoing/
 * fsync'ed once, and only then are the originals moved and their
 * directories fsync'ed once. The order of the guarantees is unchanged, per
 * message and so per batch. A failed batch is rolled back, its staged files
 * are discarded and its claims are processed again one by one, so one bad
 * message cannot hold up the others.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fileio.h"
#include "log.h"
#include "metrics.h"
#include "crossrules.h"
#include "dsig.h"
#include "events.h"
#include "process.h"
#include "state.h"
#include "xmlutil.h"

typedef struct {
    const char *claim;
    char original[256];
    char *buf;
    size_t len;
    unsigned char sha[32];
    iwmo_result r;
    char sender[16], receiver[16], bericht_id[32], bericht_datum[16];
    const char *direction;
    const char *verdict;
    char *note;
    xmlDocPtr retour;
    checker_wrapping wr;        /* envelope / ZIP the message arrived in */
    char retour_id[16];
    char retour_file[96];
    int forward;
    int fd;                     /* staged file, open until the batch syncs it */
    char staged[512];           /* outgoing/<claim>@<file>, "" when nothing was staged */
    char deliver_as[256];       /* its name in the outbox */
    int live;                   /* checked, goes through the batch's transaction */
    int read_ahead;             /* its reads were answered before the batch (read_ahead) */
    int events_done;            /* its events were written with its state (a streamed 323) */
    dsig_verdict signature;     /* dsig.c: DSIG_OK, or DSIG_ABSENT when unsigned or not verified */
} work;

void crash_point(daemon_ctx *x, const char *name)
{
    if (x->crash_at && strcmp(x->crash_at, name) == 0) {
        log_msg(LOG_WARNING, "crash hook: killing myself at %s", name);
        kill(getpid(), SIGKILL);
    }
}

static void original_name(const char *claim, char *out, size_t n)
{
    const char *p = claim;
    for (int dashes = 0; *p && dashes < 3; p++)
        if (*p == '-')
            dashes++;
    snprintf(out, n, "%s", *p ? p : claim);
}

/* ---- end states --------------------------------------------------------- */

static const char *finish_dir(daemon_ctx *x, const char *verdict, const char *direction,
                              const char **suffix)
{
    *suffix = NULL;
    if (!strcmp(verdict, "refused") || !strcmp(verdict, "quarantined") || !strcmp(verdict, "invalid")) {
        *suffix = ".reason";
        return x->q.quarantine;
    }
    if (!strcmp(verdict, "rejected") && !strcmp(direction, "out")) {
        *suffix = ".report";
        return x->q.rejected;
    }
    return x->q.done;
}

/* After COMMIT (or on recovery): deliver staged files, then move the original. */
static proc_status finish_committed(daemon_ctx *x, const char *claim, const char *verdict,
                                    const char *direction, const char *note)
{
    if (queue_deliver(&x->q, claim, x->q.outbox) < 0) {
        log_msg(LOG_ERR, "%s: cannot deliver to the outbox; will retry", claim);
        return PROC_RETRY;
    }
    crash_point(x, "after-deliver");
    const char *suffix;
    const char *dir = finish_dir(x, verdict, direction, &suffix);
    if (queue_finish(&x->q, claim, dir, suffix ? suffix : "", suffix ? note : NULL) < 0) {
        log_msg(LOG_ERR, "%s: cannot move to %s; will retry", claim, dir);
        return PROC_RETRY;
    }
    return PROC_DONE;
}

/* ---- classification ----------------------------------------------------- */

static char *findings_text(const char *claim, const iwmo_findings *f, const char *headline)
{
    size_t cap = 256 + f->count * 600, o = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    o += (size_t)snprintf(s + o, cap - o, "%s\n", headline);
    for (size_t i = 0; i < f->count && o < cap; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s:%ld: %s: %s%s%s\n", claim, f->items[i].line,
                              f->items[i].code, f->items[i].rule,
                              f->items[i].rule[0] ? " " : "", f->items[i].message);
    return s;
}

static void read_header(work *w)
{
    xmlNodePtr h = xu_child(xmlDocGetRootElement(w->r.doc), "Header");
    xu_text(h, "Afzender", w->sender, sizeof(w->sender));
    xu_text(h, "Ontvanger", w->receiver, sizeof(w->receiver));
    xu_text(h, "BerichtIdentificatie/Identificatie", w->bericht_id, sizeof(w->bericht_id));
    xu_text(h, "BerichtIdentificatie/Dagtekening", w->bericht_datum, sizeof(w->bericht_datum));
}

/* Any finding at the technical levels (XSD 1, intra-message rules 2)? */
static int has_technical_rejection(const iwmo_result *r)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (r->findings.items[i].level == 1 || r->findings.items[i].level == 2)
            return 1;
    return 0;
}

/*
 * Does an inbound heenbericht change state? An accepted one does. A 323 is
 * judged per Prestatie (OP303): unless it was rejected technically, its
 * approved lines count even when others are rejected, and the declaratie
 * module reads each line's own codes.
 */
static int applies_state(const work *w)
{
    if (!strcmp(w->verdict, "accepted"))
        return 1;
    return w->r.ident.type == 323 && !has_technical_rejection(&w->r);
}

static int has_rejection(const iwmo_result *r)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (r->findings.items[i].level >= 1)
            return 1;
    return 0;
}

/* Retourberichten other than the 325 carry the heenbericht's header unchanged. */
static int copies_heen_header(const iwmo_msgtype *t)
{
    return t && t->is_retour && t->type != 325;
}

/* Decide direction and verdict for everything that needs no database. */
static void classify(daemon_ctx *x, work *w)
{
    w->direction = "none";
    if (!w->r.identified) {
        w->verdict = "refused";
        const char *dsig_headline = dsig_refusal_headline(&w->r);
        w->note = findings_text(w->claim, &w->r.findings,
                                dsig_headline ? dsig_headline : "refused: not a supported iWmo/iJw 3.2 message");
        return;
    }
    read_header(w);
    int to_us = config_is_ours(&x->cfg, w->receiver), from_us = config_is_ours(&x->cfg, w->sender);
    if (copies_heen_header(w->r.ident.msgtype)) {
        /* A retour repeats the header of the heenbericht it answers (IV028): its Afzender
         * is the party that sent the heenbericht. One whose Afzender is ours comes back to us. */
        to_us = from_us;
        from_us = 0;
    }
    if (!to_us && !from_us) {
        w->verdict = "quarantined";
        char line[256];
        snprintf(line, sizeof(line), "quarantined: addressed from %s to %s, neither of which is one of "
                 "our identities (identities in the config)", w->sender, w->receiver);
        w->note = strdup(line);
        return;
    }
    w->direction = to_us ? "in" : "out";
    if (to_us && dsig_refuse_unsigned(x->dsig, w->signature, &w->r)) {
        w->verdict = "refused";
        w->note = findings_text(w->claim, &w->r.findings, dsig_refusal_headline(&w->r));
        return;
    }
    if (!w->r.schema_valid) {
        w->verdict = "invalid";
        w->note = findings_text(w->claim, &w->r.findings,
                                to_us ? "invalid: fails its XSD; no retour is sent (IV028)"
                                      : "rejected: our own message fails its XSD and was not sent");
        if (!to_us)
            w->verdict = "rejected";
        return;
    }
    w->verdict = NULL;                  /* decided in the transaction */
}

/* ---- the transaction ---------------------------------------------------- */

/* Stage the retour (or forwarded message); the batch syncs it before COMMIT. */
static int stage(daemon_ctx *x, work *w, const char *filename, const char *data, size_t len)
{
    if (w->staged[0] || strlen(filename) >= sizeof(w->deliver_as)) {
        snprintf(x->d.err, sizeof(x->d.err), "%s: cannot stage %s", w->claim, filename);
        return -1;
    }
    queue_outgoing_name(w->claim, filename, w->staged, sizeof(w->staged));
    snprintf(w->deliver_as, sizeof(w->deliver_as), "%s", filename);
    if (queue_stage(&x->q, w->staged, data, len, &w->fd) < 0) {
        snprintf(x->d.err, sizeof(x->d.err), "%s: cannot stage %s: %s", w->claim, filename, strerror(errno));
        return -1;
    }
    return 0;
}

/* TR056: a re-delivered identical file is a duplicate; a reused identification is 9056. */
static int check_identity(daemon_ctx *x, work *w)
{
    int same = 0;
    int found = state_find_identity(&x->d, w->sender, w->r.ident.standard, w->r.ident.type,
                                    w->bericht_id, w->sha, &same);
    if (found < 0)
        return -1;
    if (found && same) {
        w->verdict = "duplicate";
        return 0;
    }
    if (found) {
        xmlNodePtr h = xu_child(xmlDocGetRootElement(w->r.doc), "Header");
        iwmo_findings_add_at(&w->r.findings, xu_child(h, "BerichtIdentificatie"), 3, "9056", "TR056",
                             "BerichtIdentificatie %s was used before by sender %s for another %s",
                             w->bericht_id, w->sender, w->r.ident.msgtype->name);
    }
    return 0;
}

static int build_and_stage_retour(daemon_ctx *x, work *w)
{
    if (state_next_retour_id(&x->d, w->retour_id, sizeof(w->retour_id)) < 0)
        return -1;
    iwmo_retour_opts o = {.identificatie = w->retour_id, .dagtekening = x->chk.env.today,
                          .xslt_versie = x->cfg.xslt_versie ? x->cfg.xslt_versie : "1.0.0"};
    const char *why;
    w->retour = iwmo_retour_build(&w->r, &o, &why);
    if (!w->retour)
        return 0;
    const iwmo_msgtype *rt = iwmo_msgtype_find(w->r.ident.standard, w->r.ident.msgtype->retour_type);
    snprintf(w->retour_file, sizeof(w->retour_file), "%s_%s_%s.xml", rt->name, w->sender, w->retour_id);
    return 0;
}

static int record(daemon_ctx *x, work *w, long long *id)
{
    message_row m = {w->claim, w->original, w->sha, w->buf, w->len, &w->r, w->direction,
                     w->sender[0] ? w->sender : NULL, w->receiver[0] ? w->receiver : NULL,
                     w->bericht_id[0] ? w->bericht_id : NULL,
                     iwmo_date_parse(w->bericht_datum) != IWMO_NO_DATE ? w->bericht_datum : NULL,
                     w->verdict, w->note};
    if (state_insert_message(&x->d, &m, id) < 0)
        return -1;
    if (w->wr.env.kind == IWMO_ENV_NONE && !w->wr.from_zip)
        return 0;
    char ids[24];
    snprintf(ids, sizeof(ids), "%lld", *id);
    const iwmo_envelope *e = &w->wr.env;
    const char *p[] = {e->kind == IWMO_ENV_DI01 ? "Di01" : e->kind == IWMO_ENV_DU01 ? "Du01" : NULL,
                       e->kind ? e->referentienummer : NULL, e->kind ? e->referentienummer_bericht : NULL,
                       w->wr.from_zip ? w->wr.zip_entry : NULL, ids};
    return db_run(&x->d, "UPDATE messages SET envelope = $1, envelope_ref = $2, envelope_ref_bericht = $3, "
                         "zip_entry = $4 WHERE id = $5", 5, p);
}

/* A heenbericht that came in a Di01 is answered with its retour in a Du01 (issue: GGk). */
static char *envelope_retour(daemon_ctx *x, work *w, const char *xml, size_t len, size_t *out_len)
{
    char ref[40];
    snprintf(ref, sizeof(ref), "iwmod-%s", w->retour_id);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    iwmo_wrap_opts o = {.referentienummer = ref, .tijdstip = &tm};
    iwmo_findings f;
    iwmo_findings_init(&f, 4);
    char *env = iwmo_envelope_wrap_du01(&w->wr.env, xml, len, &x->chk.limits, &o, out_len, &f);
    if (!env)
        log_msg(LOG_ERR, "file=%s cannot wrap the retour in a Du01: %s", w->original,
                f.count ? f.items[0].message : "unknown error");
    iwmo_findings_free(&f);
    return env;
}

static events_message events_of(daemon_ctx *x, work *w, long long id)
{
    events_message m = {w->claim, &w->r, w->direction, w->verdict, w->sender, w->receiver,
                        w->bericht_id, w->retour_file, id, x->cfg.pseudonym_key};
    return m;
}

/* A streamed 323: its events before its lines, whose recording brings the prestatie events. */
static int streamed_events(daemon_ctx *x, work *w, long long id)
{
    events_message m = events_of(x, w, id);
    w->events_done = 1;
    return events_record_message_streamed(&x->d, &m);
}

/* Inbound heenbericht: identity, verdict, state, retour. */
static int transact_inbound(daemon_ctx *x, work *w, long long id_out[1])
{
    if (check_identity(x, w) < 0)
        return -1;
    if (w->verdict && !strcmp(w->verdict, "duplicate"))
        return record(x, w, id_out);
    if (cross_rules_check(&x->d, &w->r, x->cfg.pseudonym_key) < 0)
        return -1;
    w->verdict = has_rejection(&w->r) ? "rejected" : "accepted";
    if (build_and_stage_retour(x, w) < 0 || record(x, w, id_out) < 0)
        return -1;
    if (w->r.pieces_buf && streamed_events(x, w, *id_out) < 0)
        return -1;
    if (applies_state(w) && state_apply(&x->d, *id_out, &w->r, x->cfg.pseudonym_key) < 0)
        return -1;
    if (!w->retour)
        return 0;
    size_t len;
    char *xml = iwmo_doc_serialise(w->retour, &len);
    if (xml && w->wr.env.kind == IWMO_ENV_DI01) {
        size_t elen;
        char *env = envelope_retour(x, w, xml, len, &elen);
        free(xml);
        xml = env;
        len = elen;
    }
    if (dsig_sign_in_place(x->dsig, &xml, &len, x->d.err, sizeof(x->d.err)) < 0) {
        free(xml);                      /* never sent unsigned: retried like a database fault */
        return -1;
    }
    int rc = xml && state_insert_delivery(&x->d, *id_out, "retour", w->r.ident.msgtype->retour_type,
                                          w->retour_id, w->retour_file, xml, len) == 0 &&
             stage(x, w, w->retour_file, xml, len) == 0 ? 0 : -1;
    free(xml);
    return rc;
}

/* exchange.envelope: always -> our own heenbericht goes out in a Di01 for the GGk. */
static char *envelope_outbound(daemon_ctx *x, work *w, long long id, size_t *out_len)
{
    char ref[40];
    snprintf(ref, sizeof(ref), "iwmod-M%011lld", id);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    const char *app = x->cfg.envelope_applicatie ? x->cfg.envelope_applicatie : "iwmod";
    iwmo_stuf_party zender = {0}, ontvanger = {0};
    snprintf(zender.applicatie, sizeof(zender.applicatie), "%s", app);
    snprintf(ontvanger.applicatie, sizeof(ontvanger.applicatie), "%s", "GGk");
    iwmo_wrap_opts o = {.referentienummer = ref, .tijdstip = &tm};
    iwmo_findings f;
    iwmo_findings_init(&f, 4);
    char *env = iwmo_envelope_wrap_di01(w->buf, w->len, &x->chk.limits, &zender, &ontvanger, &o, out_len, &f);
    if (!env)
        log_msg(LOG_ERR, "file=%s cannot wrap our message in a Di01: %s", w->original,
                f.count ? f.items[0].message : "unknown error");
    iwmo_findings_free(&f);
    return env;
}

/* Our own outgoing message: record its state and forward it, or reject it. */
static int transact_outbound(daemon_ctx *x, work *w, long long id_out[1])
{
    if (has_rejection(&w->r)) {
        w->verdict = "rejected";
        if (!w->note)
            w->note = findings_text(w->claim, &w->r.findings, "rejected: our own message breaks the "
                                    "rules and was not sent");
        return record(x, w, id_out);
    }
    w->verdict = "sent";
    if (record(x, w, id_out) < 0 || state_apply(&x->d, *id_out, &w->r, x->cfg.pseudonym_key) < 0)
        return -1;
    const char *out = w->buf;
    size_t len = w->len;
    char *env = NULL;
    if (x->cfg.envelope_always && w->wr.env.kind == IWMO_ENV_NONE && !w->wr.from_zip) {
        env = envelope_outbound(x, w, *id_out, &len);
        if (env)
            out = env;
        else
            len = w->len;               /* logged; the message still goes out, bare */
    }
    int rc = state_insert_delivery(&x->d, *id_out, "forward", 0, NULL, w->original, out, len) == 0 &&
             stage(x, w, w->original, out, len) == 0 ? 0 : -1;
    free(env);
    return rc;
}

static int transact_message(daemon_ctx *x, work *w, long long *id_out)
{
    if (w->verdict)                     /* decided without the database: just record */
        return record(x, w, id_out);
    if (!strcmp(w->direction, "out"))
        return transact_outbound(x, w, id_out);
    if (w->r.ident.msgtype->is_retour) {
        w->verdict = "recorded";
        return record(x, w, id_out) < 0 ? -1 : state_apply(&x->d, *id_out, &w->r, x->cfg.pseudonym_key);
    }
    return transact_inbound(x, w, id_out);
}

/* The message's events, in its own transaction (the outbox; published after COMMIT). */
static int transact(daemon_ctx *x, work *w)
{
    long long id = 0;
    w->events_done = 0;
    int rc = transact_message(x, w, &id);
    events_streamed_done(&x->d);
    if (rc < 0)
        return -1;
    events_message m = events_of(x, w, id);
    return w->events_done ? 0 : events_record_message(&x->d, &m);
}

/* ---- one claim ---------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* One log line (and journal entry with IWMO_* fields) and the metrics for a processed message. */
static void log_outcome(const work *w, const struct timespec *t0)
{
    char codes[128] = "";
    size_t o = 0;
    for (size_t i = 0; i < w->r.findings.count && o + 6 < sizeof(codes); i++)
        if (!strstr(codes, w->r.findings.items[i].code))
            o += (size_t)snprintf(codes + o, sizeof(codes) - o, "%s%s", o ? "," : "",
                                  w->r.findings.items[i].code);
    int level = strcmp(w->verdict, "accepted") && strcmp(w->verdict, "sent") && strcmp(w->verdict, "recorded")
                    ? LOG_WARNING : LOG_INFO;
    const char *type = w->r.ident.msgtype ? w->r.ident.msgtype->name : NULL;
    log_fields lf = {w->original, type, w->bericht_id, w->verdict, codes};
    log_message(level, &lf,
            "file=%s type=%s%s bericht=%s from=%s to=%s direction=%s verdict=%s codes=%s retour=%s",
            w->original, w->r.ident.msgtype ? w->r.ident.msgtype->name : "-", "",
            w->bericht_id[0] ? w->bericht_id : "-", w->sender[0] ? w->sender : "-",
            w->receiver[0] ? w->receiver : "-", w->direction, w->verdict, codes[0] ? codes : "-",
            w->retour_file[0] ? w->retour_file : "-");
    metrics_message(w->r.identified ? iwmo_standard_name(w->r.ident.standard) : NULL,
                    w->r.identified ? w->r.ident.type : 0, w->verdict, codes, seconds_since(t0));
}

/* Free what a work item holds; safe to call again (a failed batch frees before retrying). */
static void work_free(work *w)
{
    if (w->fd > 0)
        close(w->fd);
    w->fd = -1;
    checker_wrapping_free(&w->wr);
    free(w->buf);
    w->buf = NULL;
    free(w->note);
    w->note = NULL;
    if (w->retour)
        xmlFreeDoc(w->retour);
    w->retour = NULL;
    iwmo_result_free(&w->r);
}

/*
 * A claim that cannot be read as a message: quarantined at once with its
 * reason, never retried (it would fail the same way) and never recorded.
 */
static proc_status quarantine_unread(daemon_ctx *x, work *w, const struct timespec *t0, const char *code,
                                     const char *reason)
{
    log_fields lf = {w->original, NULL, NULL, "quarantined", code};
    log_message(LOG_WARNING, &lf, "file=%s verdict=quarantined reason=%s", w->original, code);
    metrics_message(NULL, 0, "quarantined", code, seconds_since(t0));
    return queue_finish(&x->q, w->claim, x->q.quarantine, ".reason", reason) < 0 ? PROC_RETRY : PROC_DONE;
}

/* Why the claim at path cannot be read by us: the owner and mode, in the quarantine reason. */
static void unreadable_reason(const char *path, int err, char *out, size_t n)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        st.st_uid = (uid_t)-1, st.st_mode = 0;
    snprintf(out, n, "quarantined: unreadable: %s (owner uid %ld, mode %04o; iwmod runs as uid %ld); make "
             "the writer leave files readable for iwmod, then 'iwmoctl reprocess'\n", strerror(err),
             (long)st.st_uid, (unsigned)(st.st_mode & 07777), (long)geteuid());
}

/* Read and check one uncommitted claim. 1 = goes into the transaction; 0 = *st is final. */
static int prepare(daemon_ctx *x, work *w, const struct timespec *t0, proc_status *st)
{
    queue_discard_outgoing(&x->q, w->claim);   /* leftovers of an uncommitted attempt */
    original_name(w->claim, w->original, sizeof(w->original));
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", x->q.active, w->claim);
    int rc = read_file_bounded(path, x->chk.limits.max_bytes, &w->buf, &w->len), err = errno;
    if (rc < 0 && (err == EINVAL || err == ELOOP)) {
        /* A FIFO, symlink, directory or device dropped into the inbox: never read, never retried. */
        *st = quarantine_unread(x, w, t0, "not-a-regular-file",
                                "quarantined: not a regular file (a symlink, FIFO, directory or device); "
                                "iwmod reads only regular files\n");
        return 0;
    }
    if (rc < 0 && (err == EACCES || err == EPERM)) {
        char reason[512];
        unreadable_reason(path, err, reason, sizeof(reason));
        *st = quarantine_unread(x, w, t0, "unreadable", reason);
        return 0;
    }
    if (rc < 0 && err == EFBIG) {
        /* Over the size limit by its size alone: refused (OP179) and recorded, never read. */
        checker_too_large(&x->chk, w->len, &w->r);
        w->len = 0;
        w->buf = strdup("");
    } else if (rc == 0) {
        w->signature = dsig_check_buffer(x->dsig, &x->chk, w->buf, w->len, &w->r, &w->wr);
        if (w->r.pieces_buf)
            log_msg(LOG_INFO, "file=%s checked piece by piece (%zu bytes)", w->original, w->len);
    }
    if (!w->buf) {
        log_msg(LOG_ERR, "file=%s cannot read the claimed file %s: %s; it stays queued", w->original, path,
                strerror(err));
        *st = PROC_RETRY;
        return 0;
    }
    EVP_Digest(w->buf, w->len, w->sha, NULL, EVP_sha256(), NULL);
    classify(x, w);
    return 1;
}

/* Append v as a double-quoted element of a PostgreSQL array literal (room checked by the caller). */
static size_t array_elem(char *out, size_t o, const char *v)
{
    out[o++] = '"';
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            out[o++] = '\\';
        out[o++] = *v;
    }
    out[o++] = '"';
    return o;
}

/* Which of the claims were committed in an earlier life? One query for the batch. */
static PGresult *committed_claims(daemon_ctx *x, char *const *claims, size_t n)
{
    size_t cap = 4, o = 0;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(claims[i]) + 4;
    char *arr = malloc(cap);
    if (!arr) {
        snprintf(x->d.err, sizeof(x->d.err), "out of memory");
        return NULL;
    }
    arr[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            arr[o++] = ',';
        o = array_elem(arr, o, claims[i]);
    }
    arr[o++] = '}';
    arr[o] = '\0';
    const char *p[] = {arr};
    PGresult *r = db_exec(&x->d, "SELECT claim, verdict, direction, note FROM messages "
                                 "WHERE claim = ANY($1::text[])", 1, p, NULL, 0);
    free(arr);
    return r;
}

/* Everything after a failed transaction: nothing of it may remain. */
static void discard_batch(daemon_ctx *x, work *ws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!ws[i].live)
            continue;
        if (ws[i].fd >= 0)
            close(ws[i].fd);
        ws[i].fd = -1;
        queue_discard_outgoing(&x->q, ws[i].claim);
    }
}

/* fdatasync every staged file and fsync outgoing/ once; 0 or -1 with d->err. */
static int sync_staged(daemon_ctx *x, work *ws, size_t n)
{
    int *fds = malloc((n ? n : 1) * sizeof(int));
    size_t k = 0;
    if (!fds)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ws[i].live && ws[i].fd >= 0) {
            fds[k++] = ws[i].fd;
            ws[i].fd = -1;
        }
    int rc = k ? queue_sync_staged(&x->q, fds, k) : 0;
    if (rc < 0)
        snprintf(x->d.err, sizeof(x->d.err), "cannot sync the staged retours: %s", strerror(errno));
    free(fds);
    return rc;
}

/* After COMMIT: retours into the outbox (one fsync pass), then the originals to their end states. */
static void finish_batch(daemon_ctx *x, work *ws, size_t n, proc_status *st)
{
    int delivered = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ws[i].live || !ws[i].staged[0])
            continue;
        if (queue_rename(x->q.outgoing, ws[i].staged, x->q.outbox, ws[i].deliver_as) < 0) {
            log_msg(LOG_ERR, "%s: cannot deliver to the outbox: %s; will retry", ws[i].claim, strerror(errno));
            st[i] = PROC_RETRY;         /* committed: the next attempt only finishes it */
            continue;
        }
        delivered = 1;
    }
    if (delivered) {
        queue_sync_dir(x->q.outbox);
        queue_sync_dir(x->q.outgoing);
    }
    crash_point(x, "after-deliver");
    const char *dirs[3] = {x->q.done, x->q.quarantine, x->q.rejected};
    int moved[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        work *w = &ws[i];
        if (!w->live || st[i] == PROC_RETRY)
            continue;
        const char *suffix;
        const char *dir = finish_dir(x, w->verdict, w->direction, &suffix);
        char note[1024];
        snprintf(note, sizeof(note), "%s%s", w->claim, suffix ? suffix : "");
        if ((suffix && w->note && queue_write_file(dir, note, w->note, strlen(w->note), 0640) < 0) ||
            queue_rename(x->q.active, w->claim, dir, w->claim) < 0) {
            log_msg(LOG_ERR, "%s: cannot move to %s; will retry", w->claim, dir);
            st[i] = PROC_RETRY;
            continue;
        }
        for (int k = 0; k < 3; k++)
            moved[k] |= dir == dirs[k];
    }
    for (int k = 0; k < 3; k++)
        if (moved[k])
            queue_sync_dir(dirs[k]);
    queue_sync_dir(x->q.active);
}

/* ---- reads ahead for a batch ------------------------------------------- */

/* The client's BSN of a checked message, "" when it has none. */
static const char *work_bsn(const work *w, char *buf, size_t n)
{
    xmlNodePtr root = w->r.doc ? xmlDocGetRootElement(w->r.doc) : NULL;
    return xu_text(root ? xu_child(root, "Client") : NULL, "Bsn", buf, n);
}

/* An inbound start or stop whose rules and identity check read the database. */
static int reads_ahead(const work *w)
{
    return w->live && !w->verdict && !strcmp(w->direction, "in") && w->r.ident.msgtype &&
           !w->r.ident.msgtype->is_retour && (w->r.ident.type == 305 || w->r.ident.type == 307);
}

/* No earlier message of the batch names this client (bsns[k]) or uses this identification. */
static int first_in_batch(const work *ws, char (*bsns)[16], size_t i)
{
    for (size_t k = 0; k < i; k++) {
        if (!ws[k].live)
            continue;
        if (*bsns[i] && !strcmp(bsns[k], bsns[i]))
            return 0;
        if (!strcmp(ws[k].sender, ws[i].sender) && !strcmp(ws[k].bericht_id, ws[i].bericht_id))
            return 0;
    }
    return 1;
}

/*
 * The reads of the batch's starts and stops in one round trip before any of
 * them is judged. That is only right when nothing the batch writes before a
 * message can change its answers: the reads are per client and per
 * identification, so a message is read ahead only when no earlier message of
 * the batch names its client or its identification, and none is when the
 * batch holds a 301 (a first toewijzing changes what TR019 assumes). The
 * others read for themselves, and never see these answers (db_ahead_scope).
 */
static void read_ahead(daemon_ctx *x, work *ws, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ws[i].live && ws[i].r.ident.type == 301)
            return;
    char (*bsns)[16] = calloc(n, sizeof(*bsns));
    if (!bsns)
        return;                         /* not read ahead: each message reads for itself */
    for (size_t i = 0; i < n; i++)
        if (ws[i].live)
            work_bsn(&ws[i], bsns[i], sizeof(bsns[i]));
    for (size_t i = 0; i < n; i++) {
        if (!reads_ahead(&ws[i]) || !first_in_batch(ws, bsns, i))
            continue;
        ws[i].read_ahead = 1;
        state_read_ahead(&x->d, ws[i].sender, ws[i].r.ident.standard, ws[i].r.ident.type, ws[i].bericht_id,
                         ws[i].sha, bsns[i]);
        cross_rules_read_ahead(&x->d, &ws[i].r);
    }
    free(bsns);
    if (db_ahead_run(&x->d) < 0)        /* the transaction fails on its next statement anyway */
        db_ahead_clear(&x->d);
}

/* The first live claim of a batch, to name in a log line. */
static const char *first_live(const work *ws, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ws[i].live)
            return ws[i].original;
    return "?";
}

/*
 * A batch's transaction failed. An infrastructure fault (db_infrastructure_fault)
 * marks the database not ready and is logged once until a batch commits again;
 * the files stay queued and are retried with back-off, never quarantined. Any
 * other error is the data of one message: the batch is retried claim by claim
 * so that the others go through. Returns 1 for an infrastructure fault.
 */
static int report_failure(daemon_ctx *x, const work *ws, size_t n, size_t live)
{
    const char *fault = db_infrastructure_fault(&x->d);
    char line[sizeof(x->db_fault_text)];
    if (fault)
        snprintf(line, sizeof(line), "database fault, SQLSTATE %s (%s): %.400s; the files stay queued and are "
                 "retried with back-off, never quarantined for it", x->d.sqlstate[0] ? x->d.sqlstate : "none",
                 fault, x->d.err);
    else if (live > 1)
        snprintf(line, sizeof(line), "batch of %zu: database error SQLSTATE %s: %.400s; retrying its claims one by one",
                 live, x->d.sqlstate, x->d.err);
    else
        snprintf(line, sizeof(line), "file=%.160s database error SQLSTATE %s: %.400s; the file stays queued",
                 first_live(ws, n), x->d.sqlstate, x->d.err);
    if (strcmp(line, x->db_fault_text) != 0)
        log_msg(LOG_ERR, "%s", line);
    snprintf(x->db_fault_text, sizeof(x->db_fault_text), "%s", line);
    x->db_fault = fault != NULL;
    x->db_fault_kind = fault;
    memcpy(x->db_fault_sqlstate, x->d.sqlstate, sizeof(x->db_fault_sqlstate));
    return fault != NULL;
}

void process_batch(daemon_ctx *x, char *const *claims, size_t n, proc_status *st)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    x->d.sqlstate[0] = '\0';
    for (size_t i = 0; i < n; i++)
        st[i] = PROC_RETRY;
    work *ws = calloc(n ? n : 1, sizeof(*ws));
    PGresult *r = ws ? committed_claims(x, claims, n) : NULL;
    if (!r) {
        report_failure(x, ws, 0, n);
        free(ws);
        return;
    }
    char *finished = calloc(n ? n : 1, 1);
    for (int row = 0; finished && row < PQntuples(r); row++)
        for (size_t i = 0; i < n; i++)
            if (!finished[i] && strcmp(claims[i], PQgetvalue(r, row, 0)) == 0) {
                log_msg(LOG_NOTICE, "%s: committed before a restart; finishing its delivery", claims[i]);
                st[i] = finish_committed(x, claims[i], PQgetvalue(r, row, 1), PQgetvalue(r, row, 2),
                                         PQgetisnull(r, row, 3) ? NULL : PQgetvalue(r, row, 3));
                finished[i] = 1;
            }
    PQclear(r);
    size_t live = 0;
    for (size_t i = 0; finished && i < n; i++) {
        ws[i].claim = claims[i];
        ws[i].fd = -1;
        if (!finished[i] && prepare(x, &ws[i], &t0, &st[i]))
            ws[i].live = 1, live++;
    }
    free(finished);
    if (!live)
        goto out;

    x->d.defer = 1;                     /* writes whose results are not needed go down one pipeline */
    int ok = db_begin(&x->d) == 0 && events_lock_commit_order(&x->d) == 0;
    if (ok && live > 1)
        read_ahead(x, ws, n);
    for (size_t i = 0; ok && i < n; i++)
        if (ws[i].live) {
            db_ahead_scope(&x->d, ws[i].read_ahead ? 0 : db_ahead_count(&x->d));
            ok = transact(x, &ws[i]) == 0;
        }
    if (ok)
        ok = sync_staged(x, ws, n) == 0;
    if (ok) {
        crash_point(x, "before-commit");
        ok = db_commit(&x->d) == 0;
    }
    x->d.defer = 0;
    if (!ok) {
        int infrastructure = report_failure(x, ws, n, live);
        metrics_db_error();
        db_rollback(&x->d);
        discard_batch(x, ws, n);
        for (size_t i = 0; live > 1 && !infrastructure && i < n; i++)
            if (ws[i].live) {
                work_free(&ws[i]);
                ws[i].live = 0;
                process_batch(x, &claims[i], 1, &st[i]);
            }
        goto out;
    }
    crash_point(x, "after-commit");
    x->db_fault = 0;
    x->db_fault_text[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (ws[i].live)
            st[i] = PROC_DONE;
    finish_batch(x, ws, n, st);
    for (size_t i = 0; i < n; i++)
        if (ws[i].live)
            log_outcome(&ws[i], &t0);
    crash_point(x, "before-publish");   /* events committed, not yet sent (iwmod.c sends them) */
out:
    for (size_t i = 0; i < n; i++)
        work_free(&ws[i]);
    free(ws);
}

proc_status process_claim(daemon_ctx *x, const char *claim)
{
    proc_status st;
    char *c = (char *)claim;
    process_batch(x, &c, 1, &st);
    return st;
}
