/*
 * log.h - iwmod's log lines. On a terminal or a plain pipe: "<N>level: message"
 * on stderr (the <N> prefix lets journald keep the priority when stderr is
 * captured anyway). Under systemd (stderr is the journal stream named by
 * JOURNAL_STREAM, or log.journal: true) each line goes to journald with
 * sd_journal_send and structured fields: PRIORITY, MESSAGE_ID (one fixed id
 * per kind of event, see log.c and docs/operations.md), and for processed
 * messages IWMO_FILE, IWMO_TYPE, IWMO_BERICHT_ID, IWMO_VERDICT and
 * IWMO_RETOURCODES.
 *
 * Log lines never carry a BSN, name or birth date; a client appears only as
 * its keyed pseudonym.
 */
#ifndef IWMOD_LOG_H
#define IWMOD_LOG_H

#include <syslog.h>

enum { LOG_JOURNAL_AUTO = 0, LOG_JOURNAL_ON = 1, LOG_JOURNAL_OFF = 2 };

void log_set_level(int level);

/* AUTO: journald when stderr is the journal stream (JOURNAL_STREAM); ON: always try
 * journald (stderr when that fails); OFF: stderr only. */
void log_set_journal(int mode);
int log_to_journal(void);               /* the mode in force: 1 journald, 0 stderr */

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A daemon event with its own MESSAGE_ID: kind is one of "started", "stopping",
 * "reloaded", "reload-refused", "database-down", "database-up", "watchdog". */
void log_event(int level, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An audit record ("bsn-revealed"): always on stderr, and also sent to journald
 * when there is one, whatever the mode. */
void log_audit(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The fields of one processed message; NULL or "" fields are left out. */
typedef struct {
    const char *file;                   /* IWMO_FILE: the name the file arrived under */
    const char *type;                   /* IWMO_TYPE: e.g. WMO305, JW323 */
    const char *bericht_id;             /* IWMO_BERICHT_ID: BerichtIdentificatie */
    const char *verdict;                /* IWMO_VERDICT; also picks the MESSAGE_ID */
    const char *retourcodes;            /* IWMO_RETOURCODES: comma separated, e.g. 0001,9056 */
} log_fields;

/* The one line per processed message, with its fields. */
void log_message(int level, const log_fields *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The MESSAGE_ID (32 hex digits) of a kind or verdict, or NULL. */
const char *log_message_id(const char *kind);

#endif
