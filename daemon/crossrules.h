/*
 * crossrules.h - the cross-message ("berichtoverstijgend") technical rules
 * for the regieberichten: an inbound 301, 305 or 307 checked against what
 * the database already holds. Violations are level-3 findings at the class
 * concerned, with the rule's own retourcode, so the retour builder repeats
 * the client with that code on that class.
 */
#ifndef IWMOD_CROSSRULES_H
#define IWMOD_CROSSRULES_H

#include "db.h"
#include "iwmo.h"

/* Register the reads a 301, 305 or 307 will make as reads ahead (db_ahead_add). */
void cross_rules_read_ahead(db *d, iwmo_result *r);

/* Runs inside the message's transaction. Returns 0, or -1 on a database error (d->err). */
int cross_rules_check(db *d, iwmo_result *r, const char *pseudonym_key);

#endif
