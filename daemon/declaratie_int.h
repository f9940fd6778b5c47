/*
 * declaratie_int.h - shared between the 323 checks (declaratie.c) and the
 * money state (declaratie_apply.c): one Prestatie as read from a 323 or 325.
 */
#ifndef IWMOD_DECLARATIE_INT_H
#define IWMOD_DECLARATIE_INT_H

#include "db.h"
#include "iwmo.h"

typedef struct {
    xmlNodePtr node;
    char ref[32], vorig[32], nr[32], cat[8], code[16], eenheid[4], dc[4];
    char begin_s[16], eind_s[16];
    iwmo_date begin, eind;
    long long volume, bedrag, tarief;
    int has_tarief;
} prestatie;

/* Read a Prestatie element (323 or 325). */
void prestatie_read(xmlNodePtr n, prestatie *p);

/* Record a 323 or 325 (declaratie_apply's work). */
int declaratie_record(db *d, long long message_id, const iwmo_result *r, const char *key);

#endif
