/* log.c - see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static int max_level = LOG_INFO;

void log_set_level(int level)
{
    max_level = level;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *const names[] = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"};
    if (level > max_level)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "<%d>%s: %s\n", level, names[level & 7], line);
    fflush(stderr);
}
