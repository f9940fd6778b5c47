/*
 * declaratie_toew.c - toewijzing facts for the 323 rules. The toewijzingen
 * table keeps numbers, products and dates; Omvang and Budget are read back
 * from the stored (compressed) 301 that last set the toewijzing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "declaratie_toew.h"
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

/* Inflate the stored raw bytes of a message; NULL when they cannot be read. */
static char *raw_message(PGresult *r, size_t *len)
{
    size_t zlen = 0;
    unsigned char *z = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &zlen);
    uLongf n = (uLongf)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
    char *out = z ? malloc(n ? n : 1) : NULL;
    if (out && uncompress((Bytef *)out, &n, z, (uLong)zlen) != Z_OK) {
        free(out);
        out = NULL;
    }
    PQfreemem(z);
    *len = n;
    return out;
}

/* Omvang and Budget of ToegewezenProduct nr in a 301 document. */
static void read_omvang(xmlDocPtr doc, const char *nr, toewijzing *t)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char buf[32];
    for (xmlNodePtr tp = xu_first_desc(root, "ToegewezenProduct"); tp;
         tp = xu_next_desc(root, tp, "ToegewezenProduct")) {
        if (strcmp(xu_text(tp, "ToewijzingNummer", buf, sizeof(buf)), nr) != 0)
            continue;
        xmlNodePtr om = xu_child(tp, "Omvang");
        t->has_omvang = om && xu_long(om, "Volume", &t->volume) == 0;
        xu_text(om, "Eenheid", t->eenheid, sizeof(t->eenheid));
        xu_text(om, "Frequentie", t->frequentie, sizeof(t->frequentie));
        t->has_budget = xu_long(tp, "Budget", &t->budget_cents) == 0;
        return;
    }
}

/* Fill Omvang and Budget from message message_id; a message that cannot be read leaves them unset. */
static int load_omvang(db *d, const char *message_id, const char *nr, toewijzing *t)
{
    const char *p[] = {message_id};
    PGresult *r = db_exec(d, "SELECT raw, size FROM messages WHERE id = $1", 1, p, NULL, 0);
    if (!r)
        return -1;
    size_t len = 0;
    char *buf = PQntuples(r) ? raw_message(r, &len) : NULL;
    PQclear(r);
    if (!buf)
        return 0;
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    iwmo_findings f;
    iwmo_findings_init(&f, 4);
    xmlDocPtr doc = iwmo_parse_safe(buf, len, &lim, &f);
    if (doc) {
        read_omvang(doc, nr, t);
        xmlFreeDoc(doc);
    }
    iwmo_findings_free(&f);
    free(buf);
    return 0;
}

int toew_lookup(db *d, const char *standard, const char *gemeente, const char *nr, const char *bsn,
                toewijzing *t)
{
    memset(t, 0, sizeof(*t));
    const char *p[] = {standard, gemeente, nr, bsn};
    PGresult *r = db_exec(d,
        "SELECT t.id, t.aanbieder, c.bsn = $4, coalesce(t.product_categorie, ''), "
        "coalesce(t.product_code, ''), coalesce(t.reden_wijziging, ''), t.ingangsdatum, "
        "coalesce(t.einddatum::text, ''), t.message_id FROM toewijzingen t "
        "JOIN clients c ON c.id = t.client_id "
        "WHERE t.standard = $1 AND t.gemeente = $2 AND t.toewijzing_nummer = $3", 4, p, NULL, 0);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    t->id = atoll(PQgetvalue(r, 0, 0));
    snprintf(t->aanbieder, sizeof(t->aanbieder), "%s", PQgetvalue(r, 0, 1));
    t->same_client = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
    snprintf(t->cat, sizeof(t->cat), "%s", PQgetvalue(r, 0, 3));
    snprintf(t->code, sizeof(t->code), "%s", PQgetvalue(r, 0, 4));
    snprintf(t->reden, sizeof(t->reden), "%s", PQgetvalue(r, 0, 5));
    t->ingang = iwmo_date_parse(PQgetvalue(r, 0, 6));
    t->eind = iwmo_date_parse(PQgetvalue(r, 0, 7));
    char mid[24];
    snprintf(mid, sizeof(mid), "%s", PQgetvalue(r, 0, 8));
    PQclear(r);
    return load_omvang(d, mid, nr, t) < 0 ? -1 : 1;
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
