/*
 * events.h - iwmod's events for downstream consumers. Each message's events
 * are written to the `events` table inside the message's own transaction (a
 * transactional outbox); after COMMIT the publisher sends every pending row
 * on a ZeroMQ PUB socket (topic frame, JSON body frame) and marks it
 * published. Topics, fields and guarantees: docs/events.md.
 */
#ifndef IWMOD_EVENTS_H
#define IWMOD_EVENTS_H

#include <stddef.h>
#include "config.h"
#include "db.h"
#include "iwmo.h"

/* What the spine knows about one message once its transaction has decided it. */
typedef struct {
    const char *claim;                  /* queue name, e.g. for the quarantined file */
    const iwmo_result *r;               /* the checked message (doc may be NULL) */
    const char *direction;              /* in, out, none */
    const char *verdict;                /* as stored in messages.verdict */
    const char *sender, *receiver, *bericht_id;   /* "" when unknown */
    const char *retour_file;            /* "" when no retour was sent */
    long long message_id;               /* messages.id */
    const char *pseudonym_key;
} events_message;

/*
 * Take, first thing in a transaction, the lock that events_record takes
 * anyway: it orders the commits of every iwmod sharing the database, so a
 * transaction reads the state (TR056 identities, clients, toewijzingen) only
 * after every other instance's transaction that could change it committed.
 * Held until COMMIT or ROLLBACK. 0 or -1 with d->err.
 */
int events_lock_commit_order(db *d);

/* Write the message's events (inside the caller's transaction). 0, or -1 with d->err. */
int events_record_message(db *d, const events_message *m);

/*
 * A streamed 323 (lib/stream.c) read piece by piece: its message events now,
 * before its lines are recorded; the events of its prestaties then come from
 * declaratie_record, piece by piece (events_record_piece), so the file is not
 * read again for them. events_streamed_done ends that, in every outcome.
 */
int events_record_message_streamed(db *d, const events_message *m);
int events_record_piece(db *d, const iwmo_result *piece);
void events_streamed_done(db *d);

/* Write one event: topic plus body (seq, event_id, time and topic are added). 0 or -1. */
int events_record(db *d, const char *topic, const char *body_json);

typedef struct events_pub events_pub;

/* Open the publisher: binds cfg->events_bind (with CURVE when configured), or
 * none when it is unset. NULL with err on failure. */
events_pub *events_open(const config *cfg, char *err, size_t errsize);
void events_close(events_pub *p);

/* Send every pending event in seq order and mark it published. Returns the
 * number handled, or -1 on a database error (the rest stay pending). */
long events_publish_pending(events_pub *p, db *d);

/* Delete published events older than retention_days; at most once an hour
 * unless force. Returns the number deleted, or -1. */
long events_expire(events_pub *p, db *d, int retention_days, int force);

/* Events dropped because a subscriber was too slow (since start). */
unsigned long events_dropped(const events_pub *p);

/* A stored body (jsonb text) as one compact JSON line without newline; caller frees. */
char *events_compact(const char *body_text);

/* Set up CURVE on a client (SUB) socket for cfg's server key, with a fresh
 * client key pair. 0 or -1 with err. */
int events_curve_client(void *sock, const config *cfg, char *err, size_t errsize);

#endif
