/*
 * metrics.h - iwmod's counters and the HTTP endpoint that exposes them in the
 * Prometheus text format (/metrics) together with a health check (/healthz:
 * 200 while the database is reachable, 503 otherwise). The endpoint runs in
 * its own thread (libmicrohttpd); the main loop updates the counters under a
 * mutex and never waits for a scrape. Names and meanings: docs/operations.md.
 */
#ifndef IWMOD_METRICS_H
#define IWMOD_METRICS_H

#include <stddef.h>

/* Queue directories whose depth is reported (done/ is not: it only grows). */
enum { MQ_INBOX, MQ_ACTIVE, MQ_OUTGOING, MQ_QUARANTINE, MQ_REJECTED, MQ_COUNT };

/* Start serving on bind ("127.0.0.1:9601", "[::1]:9601", "localhost:9601").
 * 0, or -1 with err. Without a call the counters are still kept. */
int metrics_start(const char *bind, char *err, size_t errsize);
void metrics_stop(void);

/* One processed message: standard "iwmo"/"ijw" (NULL when not identified),
 * type (0 when unknown), verdict as stored, the distinct retourcodes as
 * "0001,9056" (NULL or "" for none) and the time from claim to end state. */
void metrics_message(const char *standard, int type, const char *verdict, const char *codes_csv,
                     double seconds);

void metrics_queue_depth(int dir, long files);
void metrics_db_up(int up);             /* the main loop's latest health check */
int metrics_db_is_up(void);
void metrics_db_error(void);            /* a failed statement or connection */
void metrics_db_reconnect(void);        /* the connection came back */
void metrics_retry(void);               /* a claim left in active/ for a retry */
void metrics_events(long published, unsigned long dropped_since_start);
void metrics_deadline_crossings(unsigned long n);   /* for the contract rules; 0 until they call it */

/* "iwmo 305 accepted" for the last message counted, or "" before the first. */
void metrics_last_message(char *out, size_t n);

/* The exposition text, as served on /metrics; caller frees. */
char *metrics_render(void);

#endif
