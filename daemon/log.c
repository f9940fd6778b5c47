/*
 * log.c - see log.h. The journald path builds one iovec per field and hands
 * it to sd_journal_sendv; when journald cannot be reached the line goes to
 * stderr instead, so nothing is lost silently.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include "log.h"

static int max_level = LOG_INFO;
static int journal;                     /* 1: send to journald */

/* Fixed ids, generated once for iwmod; never change one (journalctl MESSAGE_ID=...). */
static const struct {
    const char *kind;
    const char *id;
} message_ids[] = {
    {"accepted", "d2f84025193d4f1d9e81ef6b5acc85aa"},
    {"rejected", "ec103100bebb4287ac010d6194c3bc1a"},
    {"invalid", "248ed52df6974effb2229d007351163d"},
    {"refused", "33cc9c0290c946c1a54bd4f1e01ae2a4"},
    {"quarantined", "3a544b4a0f744fcc8168f1607b5bdf7d"},
    {"duplicate", "d00d904c41464258839f77d0cc3a946c"},
    {"sent", "9337587cf19f4089a2069f647f8f5628"},
    {"recorded", "9481b49277b44302906fae5e223f37d6"},
    {"started", "01b119d1d07a47e8946937acff994c44"},
    {"stopping", "9f56562fa41649ca9f3f315a1829c6ae"},
    {"reloaded", "2428c6b6a82b4780a94a403935fa1b0e"},
    {"reload-refused", "1db5d4f1548c40b8b4d881278c3fa9f7"},
    {"database-down", "488d29f0dfee4990bcde725c09130cca"},
    {"database-up", "2f8c5411fa00458bbc2776c1e557c35f"},
    {"bsn-revealed", "91781302c0444c129b0a38a0fadf3f0b"},
    {NULL, NULL},
};

const char *log_message_id(const char *kind)
{
    for (int i = 0; kind && message_ids[i].kind; i++)
        if (strcmp(kind, message_ids[i].kind) == 0)
            return message_ids[i].id;
    return NULL;
}

void log_set_level(int level)
{
    max_level = level;
}

/* Is stderr the stream systemd connected to the journal (JOURNAL_STREAM=dev:ino)? */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_set_journal(int mode)
{
    journal = mode == LOG_JOURNAL_ON || (mode == LOG_JOURNAL_AUTO && stderr_is_journal());
}

int log_to_journal(void)
{
    return journal;
}

static void to_stderr(int level, const char *line)
{
    static const char *const names[] = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"};
    fprintf(stderr, "<%d>%s: %s\n", level, names[level & 7], line);
    fflush(stderr);
}

/* Append "NAME=value" to the iovec list when value is set; the text lives in buf. */
static void add_field(struct iovec *iov, int *n, char *buf, size_t *used, size_t cap,
                      const char *name, const char *value)
{
    if (!value || !*value || *used >= cap)
        return;
    int k = snprintf(buf + *used, cap - *used, "%s=%s", name, value);
    if (k < 0 || (size_t)k >= cap - *used)
        return;
    iov[*n].iov_base = buf + *used;
    iov[(*n)++].iov_len = (size_t)k;
    *used += (size_t)k + 1;
}

/* Send one entry to journald; -1 when it is not there. */
static int to_journal(int level, const char *kind, const log_fields *f, const char *line)
{
    char buf[4096], prio[4];
    size_t used = 0;
    struct iovec iov[10];
    int n = 0;
    snprintf(prio, sizeof(prio), "%d", level & 7);
    add_field(iov, &n, buf, &used, sizeof(buf), "MESSAGE", line);
    add_field(iov, &n, buf, &used, sizeof(buf), "PRIORITY", prio);
    add_field(iov, &n, buf, &used, sizeof(buf), "SYSLOG_IDENTIFIER", program_invocation_short_name);
    add_field(iov, &n, buf, &used, sizeof(buf), "MESSAGE_ID", log_message_id(kind));
    if (f) {
        add_field(iov, &n, buf, &used, sizeof(buf), "IWMO_FILE", f->file);
        add_field(iov, &n, buf, &used, sizeof(buf), "IWMO_TYPE", f->type);
        add_field(iov, &n, buf, &used, sizeof(buf), "IWMO_BERICHT_ID", f->bericht_id);
        add_field(iov, &n, buf, &used, sizeof(buf), "IWMO_VERDICT", f->verdict);
        add_field(iov, &n, buf, &used, sizeof(buf), "IWMO_RETOURCODES", f->retourcodes);
    }
    return sd_journal_sendv(iov, n) < 0 ? -1 : 0;
}

static void emit(int level, const char *kind, const log_fields *f, const char *fmt, va_list ap)
{
    if (level > max_level)
        return;
    char line[2048];
    vsnprintf(line, sizeof(line), fmt, ap);
    if (!journal || to_journal(level, kind, f, line) < 0)
        to_stderr(level, line);
}

void log_msg(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, NULL, NULL, fmt, ap);
    va_end(ap);
}

void log_event(int level, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, kind, NULL, fmt, ap);
    va_end(ap);
}

void log_message(int level, const log_fields *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, f ? f->verdict : NULL, f, fmt, ap);
    va_end(ap);
}

void log_audit(const char *kind, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (journal && to_journal(LOG_NOTICE, kind, NULL, line) == 0)
        return;
    to_stderr(LOG_NOTICE, line);
    if (!journal)                       /* a terminal user: keep a record in journald too, when there is one */
        to_journal(LOG_NOTICE, kind, NULL, line);
}
