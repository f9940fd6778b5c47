/*
 * notify.h - telling systemd how iwmod is doing (sd_notify): READY=1 once the
 * database, the schemas and the inbox are up, STATUS= lines with the queue
 * depth and the last message, WATCHDOG=1 keep-alives while the database is
 * reachable, RELOADING=1 and STOPPING=1. Without NOTIFY_SOCKET (not started
 * by systemd with Type=notify) every call does nothing.
 */
#ifndef IWMOD_NOTIFY_H
#define IWMOD_NOTIFY_H

void notify_ready(void);
void notify_reloading(void);            /* follow with notify_ready() when done */
void notify_stopping(void);

/* STATUS=...; sent only when it differs from the last one sent. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The manager's watchdog interval in milliseconds (WatchdogSec=), 0 without one. */
long notify_watchdog_ms(void);

/* WATCHDOG=1, at most every half interval. Call only while healthy. */
void notify_watchdog(void);

#endif
