/*
 * declaratie_toew.h - what the 323 rules need to know about a toewijzing: its
 * row in toewijzingen plus the Omvang and Budget of the 301 that last set it
 * (read back from that message's stored raw bytes), and the volume
 * arithmetic of TR321/TR322 (IV077).
 */
#ifndef IWMOD_DECLARATIE_TOEW_H
#define IWMOD_DECLARATIE_TOEW_H

#include "db.h"
#include "iwmo.h"

typedef struct {
    long long id;
    char aanbieder[16];
    int same_client;            /* the toewijzing is for the client the Prestatie is listed under */
    char cat[8], code[16], reden[8];
    iwmo_date ingang, eind;     /* eind IWMO_NO_DATE when open */
    int has_omvang;
    long long volume;
    char eenheid[4], frequentie[4];
    int has_budget;
    long long budget_cents;
} toewijzing;

/* 1 when the gemeente's toewijzingen of this standard pass through iwmod, 0 when not, -1 error. */
int toew_gemeente_known(db *d, const char *standard, const char *gemeente);

/* Look up toewijzing nr of the gemeente; 1 found, 0 not, -1 error. */
int toew_lookup(db *d, const char *standard, const char *gemeente, const char *nr, const char *bsn,
                toewijzing *t);

/*
 * Express a volume in the toewijzing's comparison unit: minutes when the toewijzing
 * counts hours (IV081 lets a provider declare minutes then), else the unit itself.
 * -1 when the units do not fit (TR341).
 */
long long toew_norm(const toewijzing *t, const char *eenheid, long long volume);

/* Most that may be declared for the ProductPeriode [b, e] (TR321), in the toewijzing's
 * unit; -1 when it cannot be decided. wmo_hh: iWmo category 01 per week (6x the volume). */
long long toew_max_in_period(const toewijzing *t, iwmo_date b, iwmo_date e, int wmo_hh);

/* Most that may be declared over the whole toewijzing (TR322); -1 when unbounded. */
long long toew_max_total(const toewijzing *t);

#endif
