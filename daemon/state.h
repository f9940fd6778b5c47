/*
 * state.h - what iwmod remembers in PostgreSQL: messages, clients,
 * toewijzingen (with history), starts and stops, deliveries. Every function
 * runs inside the caller's transaction and returns 0, or -1 with d->err set.
 */
#ifndef IWMOD_STATE_H
#define IWMOD_STATE_H

#include <libxml/tree.h>
#include "db.h"
#include "iwmo.h"

typedef struct {
    const char *claim;
    const char *original_name;
    const unsigned char *sha256;        /* 32 bytes */
    const char *raw;
    size_t raw_len;
    const iwmo_result *r;
    const char *direction;              /* in, out, none */
    const char *sender, *receiver, *bericht_id, *bericht_datum;
    const char *verdict;
    const char *note;
} message_row;

/* Insert the message; *id receives its row id. */
int state_insert_message(db *d, const message_row *m, long long *id);

/* Earlier message with the same sender, standard, type and BerichtIdentificatie:
 * returns 1 and sets *same_content when found, 0 when not, -1 on error. */
int state_find_identity(db *d, const char *sender, iwmo_standard s, int type, const char *bericht_id,
                        const unsigned char *sha256, int *same_content);

/* Register the TR056 lookup and the client's id as reads ahead (db_ahead_add); bsn may be NULL. */
void state_read_ahead(db *d, const char *sender, iwmo_standard s, int type, const char *bericht_id,
                      const unsigned char *sha256, const char *bsn);

/* Apply an accepted (or sent) message's effects: 301 toewijzingen, 305 starts, 307 stops, 302 answers. */
int state_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key);

/* Record a file put in the outbox. */
int state_insert_delivery(db *d, long long message_id, const char *kind, int retour_type,
                          const char *identificatie, const char *filename, const char *content, size_t len);

/* Next retour identification: 'R' + 11 digits, unique for this installation. */
int state_next_retour_id(db *d, char *out, size_t n);

/* The client's keyed pseudonym (hex of HMAC-SHA256 over the BSN). */
void state_pseudonym(const char *key, const char *bsn, char *out, size_t n);

#endif
