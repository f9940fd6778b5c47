/*
 * verzoek.h - verzoeken om toewijzing (315) and om wijziging (317) and their
 * answers (319; retours 316, 318, 320): cross-message rules and the state
 * that tracks a request from submission to toewijzing.
 */
#ifndef IWMOD_VERZOEK_H
#define IWMOD_VERZOEK_H

#include "db.h"
#include "iwmo.h"

/* Cross-message rules of an inbound 315, 317 or 319. 0 or -1 (d->err). */
int verzoek_check(db *d, iwmo_result *r, const char *pseudonym_key);

/* Record an accepted 315/317/319 or an inbound 316/318/320. 0 or -1. */
int verzoek_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key);

#endif
