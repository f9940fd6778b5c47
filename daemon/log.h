/*
 * log.h - iwmod's log lines: "LEVEL: message" on stderr (journald adds the
 * rest when run under systemd). Log lines never carry a BSN, name or birth
 * date; a client appears only as its keyed pseudonym.
 */
#ifndef IWMOD_LOG_H
#define IWMOD_LOG_H

#include <syslog.h>

void log_set_level(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
