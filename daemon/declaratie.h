/*
 * declaratie.h - invoice-line approval: the cross-message rules of the 323
 * (each Prestatie judged on its own) and the money state of prestaties,
 * debet/credit pairs and approved volumes, for the gemeente (323 in) and the
 * provider (325 in).
 */
#ifndef IWMOD_DECLARATIE_H
#define IWMOD_DECLARATIE_H

#include "db.h"
#include "iwmo.h"

/* Cross-message rules of an inbound 323: level-3 findings at the Prestatie, Client or
 * Declaratie concerned. Inside the message's transaction; 0 or -1 (d->err). */
int declaratie_check(db *d, iwmo_result *r, const char *pseudonym_key);

/* Record an inbound 323 (approved and rejected prestaties, totals) or 325. 0 or -1. */
int declaratie_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key);

#endif
