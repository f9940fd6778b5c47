/*
 * declaratie_toew.h - what the 323 rules need to know about a toewijzing: its
 * row in toewijzingen plus the Omvang and Budget of the 301 that last set it
 * (read back from that message's stored raw bytes, once per 323), and the volume
 * arithmetic of TR321/TR322 (IV077).
 */
#ifndef IWMOD_DECLARATIE_TOEW_H
#define IWMOD_DECLARATIE_TOEW_H

#include "db.h"
#include "declaratie_int.h"
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

/* One toewijzing as loaded for a whole 323 (same_client is left 0: it depends on the Prestatie). */
typedef struct {
    toewijzing t;
    char bsn[16];               /* its client */
    long long message_id;       /* the 301 that last set it */
    int omvang_read;
    long long tally_volume, tally_cents;   /* clean debets of this message met so far */
    int use_head;               /* first approved debet on it (index into toew_cache.use), -1 none */
} toew_entry;

/* The toewijzingen a 323 names, loaded with a few set-based queries. */
typedef struct {
    smap by_nr;                 /* ToewijzingNummer -> toew_entry* */
    PGresult *use;              /* approved debets: referentie_nummer, eenheid, volume, cents */
    int *use_next;
} toew_cache;

/*
 * Load the gemeente's toewijzingen whose numbers are in nrs (a text[] literal); for
 * those of this aanbieder also Omvang and Budget (each stored 301 inflated and parsed
 * once) and the approved debets recorded on them. 0 or -1 (d->err).
 */
int toew_cache_load(db *d, toew_cache *c, const char *standard, const char *gemeente,
                    const char *aanbieder, const char *nrs);
toew_entry *toew_cache_get(const toew_cache *c, const char *nr);
void toew_cache_free(toew_cache *c);

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
