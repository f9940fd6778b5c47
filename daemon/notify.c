/*
 * notify.c - see notify.h. A thin layer over libsystemd's sd_notify that
 * remembers the last STATUS and paces the watchdog keep-alives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include "notify.h"

static char last_status[512];
static long long last_ping_ms;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void notify_ready(void)
{
    sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
    sd_notify(0, "RELOADING=1");
}

void notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void notify_status(const char *fmt, ...)
{
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof(s), fmt, ap);
    va_end(ap);
    if (strcmp(s, last_status) == 0)
        return;
    memcpy(last_status, s, sizeof(s));
    sd_notifyf(0, "STATUS=%s", s);
}

long notify_watchdog_ms(void)
{
    uint64_t usec = 0;
    return sd_watchdog_enabled(0, &usec) > 0 ? (long)(usec / 1000) : 0;
}

void notify_watchdog(void)
{
    long interval = notify_watchdog_ms();
    long long now = now_ms();
    if (interval <= 0 || now - last_ping_ms < interval / 2)
        return;
    last_ping_ms = now;
    sd_notify(0, "WATCHDOG=1");
}
