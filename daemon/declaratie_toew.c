/*
 * declaratie_toew.c - toewijzing facts for the 323 rules. The toewijzingen
 * table keeps numbers, products and dates; Omvang and Budget are read back
 * from the stored (compressed) 301 that last set the toewijzing. A 323 loads
 * all the toewijzingen it names at once (toew_cache): a few queries per
 * message, each stored 301 inflated and parsed once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie_toew.h"
#include "stored.h"
#include "xmlutil.h"

int toew_gemeente_known(db *d, const char *standard, const char *gemeente)
{
    const char *p[] = {standard, gemeente};
    PGresult *r = db_exec(d, "SELECT 1 FROM toewijzingen WHERE standard = $1 AND gemeente = $2 LIMIT 1",
                          2, p, NULL, 0);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* Omvang and Budget of the first ToegewezenProduct of each wanted number in a 301 document. */
static void read_omvang(xmlDocPtr doc, const toew_cache *c, long long message_id)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char buf[32];
    for (xmlNodePtr tp = xu_first_desc(root, "ToegewezenProduct"); tp;
         tp = xu_next_desc(root, tp, "ToegewezenProduct")) {
        toew_entry *e = toew_cache_get(c, xu_text(tp, "ToewijzingNummer", buf, sizeof(buf)));
        if (!e || e->message_id != message_id || e->omvang_read)
            continue;
        toewijzing *t = &e->t;
        e->omvang_read = 1;
        xmlNodePtr om = xu_child(tp, "Omvang");
        t->has_omvang = om && xu_long(om, "Volume", &t->volume) == 0;
        xu_text(om, "Eenheid", t->eenheid, sizeof(t->eenheid));
        xu_text(om, "Frequentie", t->frequentie, sizeof(t->frequentie));
        t->has_budget = xu_long(tp, "Budget", &t->budget_cents) == 0;
    }
}

/* Fill Omvang and Budget from the stored 301s (ids: a bigint[] literal); unreadable ones leave them unset. */
static int load_omvang(db *d, toew_cache *c, const char *ids)
{
    const char *p[] = {ids};
    PGresult *r = db_exec(d, "SELECT id, raw, size FROM messages WHERE id = ANY($1::bigint[])", 1, p,
                          NULL, 0);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        xmlDocPtr doc = stored_doc(d, r, i);
        if (doc) {
            read_omvang(doc, c, atoll(PQgetvalue(r, i, 0)));
            xmlFreeDoc(doc);
        }
    }
    PQclear(r);
    return 0;
}

static int flush_omvang(db *d, toew_cache *c, sbuf *ids)
{
    const char *lit = arr_end(ids);
    if (!lit) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        return -1;
    }
    int rc = load_omvang(d, c, lit);
    sb_reset(ids);
    return rc;
}

/* The 301s behind this aanbieder's entries, a few hundred per query. */
static int load_all_omvang(db *d, toew_cache *c, const char *aanbieder)
{
    smap seen = {0};
    sbuf ids = {0};
    int rc = 0;
    for (size_t i = 0; i < c->by_nr.cap && rc == 0; i++) {
        toew_entry *e = c->by_nr.keys[i] ? c->by_nr.vals[i] : NULL;
        if (!e || strcmp(e->t.aanbieder, aanbieder) != 0)
            continue;
        char id[24];
        snprintf(id, sizeof(id), "%lld", e->message_id);
        int added = 0;
        if (!smap_slot(&seen, id, &added)) {
            snprintf(d->err, sizeof(d->err), "out of memory");
            rc = -1;
            break;
        }
        if (added)
            arr_add(&ids, id);
        if (ids.items >= 256)
            rc = flush_omvang(d, c, &ids);
    }
    if (rc == 0 && ids.items)
        rc = flush_omvang(d, c, &ids);
    smap_free(&seen, NULL);
    sb_free(&ids);
    return rc;
}

/* Approved debets recorded on the entries of this aanbieder (TR322, TR369). */
static int load_use(db *d, toew_cache *c, const char *aanbieder)
{
    smap by_id = {0};
    sbuf ids = {0};
    int rc = 0;
    for (size_t i = 0; i < c->by_nr.cap && rc == 0; i++) {
        toew_entry *e = c->by_nr.keys[i] ? c->by_nr.vals[i] : NULL;
        if (!e || strcmp(e->t.aanbieder, aanbieder) != 0)
            continue;
        char id[24];
        snprintf(id, sizeof(id), "%lld", e->t.id);
        arr_add(&ids, id);
        rc = smap_put(&by_id, id, e);
    }
    const char *lit = rc == 0 ? arr_end(&ids) : NULL;
    if (!lit) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        rc = -1;
    } else if (ids.items) {
        const char *p[] = {lit};
        c->use = db_exec(d, "SELECT p.toewijzing_id, p.referentie_nummer, p.eenheid, p.geleverd_volume, "
            "p.bedrag_cents FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id "
            "WHERE p.toewijzing_id = ANY($1::bigint[]) AND d.side = 'gemeente' "
            "AND p.debet_credit = 'D' AND p.status = 'approved'", 1, p, NULL, 0);
        int n = c->use ? PQntuples(c->use) : 0;
        if (!c->use || !(c->use_next = malloc((size_t)(n ? n : 1) * sizeof(int)))) {
            if (c->use)
                snprintf(d->err, sizeof(d->err), "out of memory");
            rc = -1;
        }
        for (int i = 0; rc == 0 && i < n; i++) {
            toew_entry *e = smap_get(&by_id, PQgetvalue(c->use, i, 0));
            if (!e)
                continue;
            c->use_next[i] = e->use_head;
            e->use_head = i;
        }
    }
    smap_free(&by_id, NULL);
    sb_free(&ids);
    return rc;
}

int toew_cache_load(db *d, toew_cache *c, const char *standard, const char *gemeente,
                    const char *aanbieder, const char *nrs)
{
    const char *p[] = {standard, gemeente, nrs};
    PGresult *r = db_exec(d,
        "SELECT t.toewijzing_nummer, t.id, t.aanbieder, c.bsn, coalesce(t.product_categorie, ''), "
        "coalesce(t.product_code, ''), coalesce(t.reden_wijziging, ''), t.ingangsdatum, "
        "coalesce(t.einddatum::text, ''), t.message_id FROM toewijzingen t "
        "JOIN clients c ON c.id = t.client_id "
        "WHERE t.standard = $1 AND t.gemeente = $2 AND t.toewijzing_nummer = ANY($3::text[])", 3, p,
        NULL, 0);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        toew_entry *e = calloc(1, sizeof(*e));
        if (!e || smap_put(&c->by_nr, PQgetvalue(r, i, 0), e) < 0) {
            free(e);
            PQclear(r);
            snprintf(d->err, sizeof(d->err), "out of memory");
            return -1;
        }
        toewijzing *t = &e->t;
        t->id = atoll(PQgetvalue(r, i, 1));
        snprintf(t->aanbieder, sizeof(t->aanbieder), "%s", PQgetvalue(r, i, 2));
        snprintf(e->bsn, sizeof(e->bsn), "%s", PQgetvalue(r, i, 3));
        snprintf(t->cat, sizeof(t->cat), "%s", PQgetvalue(r, i, 4));
        snprintf(t->code, sizeof(t->code), "%s", PQgetvalue(r, i, 5));
        snprintf(t->reden, sizeof(t->reden), "%s", PQgetvalue(r, i, 6));
        t->ingang = iwmo_date_parse(PQgetvalue(r, i, 7));
        t->eind = iwmo_date_parse(PQgetvalue(r, i, 8));
        e->message_id = atoll(PQgetvalue(r, i, 9));
        e->use_head = -1;
    }
    PQclear(r);
    return load_all_omvang(d, c, aanbieder) < 0 || load_use(d, c, aanbieder) < 0 ? -1 : 0;
}

toew_entry *toew_cache_get(const toew_cache *c, const char *nr)
{
    return smap_get(&c->by_nr, nr);
}

void toew_cache_free(toew_cache *c)
{
    smap_free(&c->by_nr, free);
    PQclear(c->use);
    free(c->use_next);
    memset(c, 0, sizeof(*c));
}

long long toew_norm(const toewijzing *t, const char *eenheid, long long volume)
{
    if (!strcmp(t->eenheid, "04") && !strcmp(eenheid, "01"))
        return volume;                  /* minutes on an hourly toewijzing */
    if (strcmp(t->eenheid, eenheid) != 0)
        return -1;
    return !strcmp(t->eenheid, "04") ? volume * 60 : volume;
}

/* Calendar weeks (Monday to Sunday) that [b, e] touches. 1970-01-01 was a Thursday. */
static long weeks_touched(iwmo_date b, iwmo_date e)
{
    long mb = b - ((b % 7 + 7 + 3) % 7), me = e - ((e % 7 + 7 + 3) % 7);
    return (me - mb) / 7 + 1;
}

/* Calendar months that [b, e] touches. */
static long months_touched(iwmo_date b, iwmo_date e)
{
    int yb, mb, db, ye, me, de;
    iwmo_date_split(b, &yb, &mb, &db);
    iwmo_date_split(e, &ye, &me, &de);
    return (long)(ye - yb) * 12 + (me - mb) + 1;
}

/* Volume allowed over [b, e] for the toewijzing's Frequentie; -1 when not decidable. */
static long long allowed(const toewijzing *t, iwmo_date b, iwmo_date e)
{
    if (!t->has_omvang || b == IWMO_NO_DATE || e == IWMO_NO_DATE || e < b)
        return -1;
    if (!strcmp(t->frequentie, "1"))
        return t->volume * (e - b + 1);
    if (!strcmp(t->frequentie, "2"))
        return t->volume * weeks_touched(b, e);
    if (!strcmp(t->frequentie, "4"))
        return t->volume * months_touched(b, e);
    if (!strcmp(t->frequentie, "6"))
        return t->volume;
    return -1;
}

long long toew_max_in_period(const toewijzing *t, iwmo_date b, iwmo_date e, int wmo_hh)
{
    if (wmo_hh && !strcmp(t->frequentie, "2"))
        return t->has_omvang ? 6 * t->volume : -1;
    if (t->ingang != IWMO_NO_DATE && b < t->ingang)
        b = t->ingang;
    if (t->eind != IWMO_NO_DATE && e > t->eind)
        e = t->eind;
    return allowed(t, b, e);
}

long long toew_max_total(const toewijzing *t)
{
    if (!strcmp(t->frequentie, "6"))
        return t->has_omvang ? t->volume : -1;
    if (t->eind == IWMO_NO_DATE)
        return -1;
    return allowed(t, t->ingang, t->eind);
}
