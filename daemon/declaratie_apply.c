/*
 * declaratie_apply.c - the money state of declaraties (tables of
 * 0003_declaraties.sql), in integer cents throughout.
 *
 *   323 received (gemeente): every Prestatie with its verdict: approved, or
 *       rejected with the codes of its own class, its Client and the
 *       Declaratie; an approved credit marks the debet it reverses credited.
 *       A 323 rejected at the header (e.g. 9056) is not recorded: it granted
 *       nothing and has no DeclaratieAntwoord.
 *   323 sent (provider): every Prestatie awaiting the 325.
 *   325 received (provider): listed prestaties rejected with their codes,
 *       the rest approved; a header or DeclaratieAntwoord code other than
 *       0200/8001 rejects them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie.h"
#include "declaratie_int.h"
#include "state.h"
#include "xmlutil.h"

#define MAXC 16

typedef struct {
    char v[MAXC][8];
    int n;
} codeset;

typedef struct {
    db *d;
    const iwmo_result *r;
    const char *key, *side, *standard;
    char msg_id[24], decl_id[24];
    char gemeente[16], aanbieder[16];
} actx;

static void cs_add(codeset *c, const char *code)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->v[i], code))
            return;
    if (c->n < MAXC)
        snprintf(c->v[c->n++], sizeof(c->v[0]), "%s", code);
}

/* Codes of a class as found by the rules (iwmo_class_codes), added to c. */
static void cs_class(codeset *c, const iwmo_result *r, xmlNodePtr cls)
{
    const char *v[MAXC];
    int n = iwmo_class_codes(r, cls, v, MAXC);
    for (int i = 0; i < n; i++)
        cs_add(c, v[i]);
}

/* A PostgreSQL text[] literal of the codes (retourcodes are alphanumeric). */
static void cs_literal(const codeset *c, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n, "{");
    for (int i = 0; i < c->n && o + 8 < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "," : "", c->v[i]);
    snprintf(out + o, n - o, "}");
}

/* RetourCode values directly under the RetourCodes child of n. */
static void cs_retour(codeset *c, xmlNodePtr n)
{
    xmlNodePtr rc = xu_child(n, "RetourCodes");
    char code[8];
    for (xmlNodePtr x = xu_child(rc, "RetourCode"); x; x = xu_next(x, "RetourCode"))
        if (xu_text(x, NULL, code, sizeof(code))[0])
            cs_add(c, code);
}

static int message_direction(db *d, const char *msg_id, char *out, size_t n)
{
    const char *p[] = {msg_id};
    PGresult *res = db_exec(d, "SELECT direction FROM messages WHERE id = $1", 1, p, NULL, 0);
    if (!res)
        return -1;
    snprintf(out, n, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return 0;
}

/* The client's row id (created with its pseudonym when new). */
static int client_row(actx *a, const char *bsn, char *id, size_t n)
{
    char pseudo[40];
    state_pseudonym(a->key, bsn, pseudo, sizeof(pseudo));
    const char *p[] = {bsn, pseudo};
    PGresult *res = db_exec(a->d, "INSERT INTO clients (bsn, pseudonym) VALUES ($1, $2) "
                                  "ON CONFLICT (bsn) DO UPDATE SET bsn = EXCLUDED.bsn RETURNING id",
                            2, p, NULL, 0);
    if (!res)
        return -1;
    snprintf(id, n, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

/* Signed cents of a bedrag element pair (amount_name + DebetCredit). */
static long long signed_cents(xmlNodePtr n, const char *amount_name)
{
    long long v = 0;
    char dc[4];
    xu_long(n, amount_name, &v);
    return !strcmp(xu_text(n, "DebetCredit", dc, sizeof(dc)), "C") ? -v : v;
}

/* ---- 323 -------------------------------------------------------------------- */

static int insert_declaratie(actx *a, xmlNodePtr root, xmlNodePtr decl, const codeset *dc)
{
    char nr[32], bid[32], begin[16], eind[16], total[32], codes[160];
    xmlNodePtr h = xu_child(root, "Header");
    snprintf(total, sizeof(total), "%lld", signed_cents(xu_child(decl, "TotaalIngediendBedrag"), "TotaalBedrag"));
    cs_literal(dc, codes, sizeof(codes));
    const char *p[] = {a->side, a->standard, a->gemeente, a->aanbieder,
                       xu_text(decl, "DeclaratieNummer", nr, sizeof(nr)),
                       xu_text(h, "BerichtIdentificatie/Identificatie", bid, sizeof(bid)),
                       xu_text(decl, "DeclaratiePeriode/Begindatum", begin, sizeof(begin)),
                       xu_text(decl, "DeclaratiePeriode/Einddatum", eind, sizeof(eind)), total,
                       strcmp(a->side, "aanbieder") ? "approved" : "awaiting", codes, a->msg_id};
    PGresult *res = db_exec(a->d,
        "INSERT INTO declaraties (side, standard, gemeente, aanbieder, declaratie_nummer, bericht_id, "
        "periode_begin, periode_eind, ingediend_cents, status, retourcodes, message_id) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7::date,$8::date,$9,$10,$11::text[],$12) RETURNING id",
        12, p, NULL, 0);
    if (!res)
        return -1;
    snprintf(a->decl_id, sizeof(a->decl_id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

static int insert_prestatie(actx *a, const char *client_id, const prestatie *p, const codeset *c)
{
    char vol[24], tarief[24], bedrag[24], codes[160];
    snprintf(vol, sizeof(vol), "%lld", p->volume);
    snprintf(tarief, sizeof(tarief), "%lld", p->tarief);
    snprintf(bedrag, sizeof(bedrag), "%lld", p->bedrag);
    cs_literal(c, codes, sizeof(codes));
    const char *status = !strcmp(a->side, "aanbieder") ? "awaiting" : c->n ? "rejected" : "approved";
    const char *q[] = {a->decl_id, client_id, p->ref, p->vorig[0] ? p->vorig : NULL, p->nr, p->cat,
                       p->code, p->begin_s, p->eind_s, vol, p->eenheid, p->has_tarief ? tarief : NULL,
                       bedrag, p->dc, status, codes};
    return db_run(a->d,
        "INSERT INTO prestaties (declaratie_id, client_id, toewijzing_id, referentie_nummer, "
        "vorig_referentie_nummer, toewijzing_nummer, product_categorie, product_code, periode_begin, "
        "periode_eind, geleverd_volume, eenheid, product_tarief_cents, bedrag_cents, debet_credit, "
        "status, retourcodes) SELECT $1, $2, (SELECT t.id FROM toewijzingen t WHERE t.standard = d.standard "
        "AND t.gemeente = d.gemeente AND t.aanbieder = d.aanbieder AND t.toewijzing_nummer = $5), "
        "$3, $4, $5, $6, $7, $8::date, $9::date, $10, $11, $12, $13, $14, $15, $16::text[] "
        "FROM declaraties d WHERE d.id = $1", 16, q);
}

/* Approved credits of the declaratie mark the approved debets they reverse as credited. */
static int mark_credited(actx *a)
{
    const char *p[] = {a->decl_id};
    return db_run(a->d,
        "UPDATE prestaties p SET status = 'credited', credited_by = c.id "
        "FROM prestaties c JOIN declaraties cd ON cd.id = c.declaratie_id, declaraties pd "
        "WHERE c.declaratie_id = $1 AND c.debet_credit = 'C' AND c.status = 'approved' "
        "AND pd.id = p.declaratie_id AND pd.side = cd.side AND pd.standard = cd.standard "
        "AND pd.gemeente = cd.gemeente AND pd.aanbieder = cd.aanbieder "
        "AND p.referentie_nummer = c.vorig_referentie_nummer AND p.debet_credit = 'D' "
        "AND p.status = 'approved'", 1, p);
}

/* Granted total (signed cents of approved lines) and the declaratie's status. */
static int finish_declaratie(actx *a)
{
    const char *p[] = {a->decl_id};
    return db_run(a->d,
        "UPDATE declaraties d SET toegekend_cents = coalesce((SELECT sum(CASE WHEN p.debet_credit = 'D' "
        "THEN p.bedrag_cents ELSE -p.bedrag_cents END) FROM prestaties p WHERE p.declaratie_id = d.id "
        "AND p.status IN ('approved', 'credited')), 0), status = CASE "
        "WHEN NOT EXISTS (SELECT 1 FROM prestaties p WHERE p.declaratie_id = d.id "
        "  AND p.status IN ('approved', 'credited')) AND EXISTS (SELECT 1 FROM prestaties p "
        "  WHERE p.declaratie_id = d.id) THEN 'rejected' "
        "WHEN EXISTS (SELECT 1 FROM prestaties p WHERE p.declaratie_id = d.id AND p.status = 'rejected') "
        "THEN 'partial' ELSE 'approved' END WHERE d.id = $1", 1, p);
}

static int record_client(actx *a, xmlNodePtr cl, const codeset *dc)
{
    char bsn[16], client_id[24];
    if (client_row(a, xu_text(cl, "Bsn", bsn, sizeof(bsn)), client_id, sizeof(client_id)) < 0)
        return -1;
    for (xmlNodePtr n = xu_first_desc(cl, "Prestatie"); n; n = xu_next(n, "Prestatie")) {
        prestatie p;
        prestatie_read(n, &p);
        codeset c = *dc;
        cs_class(&c, a->r, cl);
        cs_class(&c, a->r, n);
        if (insert_prestatie(a, client_id, &p, &c) < 0)
            return -1;
    }
    return 0;
}

static int record_323(actx *a, xmlNodePtr root)
{
    xmlNodePtr h = xu_child(root, "Header"), decl = xu_child(root, "Declaratie");
    codeset hc = {0}, dc = {0};
    cs_class(&hc, a->r, NULL);
    if (!decl || hc.n)
        return 0;                       /* rejected at the header: nothing granted, nothing kept */
    xu_text(h, "Ontvanger", a->gemeente, sizeof(a->gemeente));
    xu_text(h, "Afzender", a->aanbieder, sizeof(a->aanbieder));
    cs_class(&dc, a->r, decl);
    if (insert_declaratie(a, root, decl, &dc) < 0)
        return -1;
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl; cl = xu_next(cl, "Client"))
        if (record_client(a, cl, &dc) < 0)
            return -1;
    if (!strcmp(a->side, "aanbieder"))
        return 0;                       /* awaiting the 325 */
    return mark_credited(a) < 0 ? -1 : finish_declaratie(a);
}

/* ---- 325 received by the provider ---------------------------------------------- */

static int find_sent(actx *a, xmlNodePtr h)
{
    char bid[32];
    const char *p[] = {a->standard, a->aanbieder, a->gemeente,
                       xu_text(h, "DeclaratieIdentificatie/Identificatie", bid, sizeof(bid))};
    PGresult *res = db_exec(a->d, "SELECT id FROM declaraties WHERE side = 'aanbieder' AND standard = $1 "
                                  "AND aanbieder = $2 AND gemeente = $3 AND bericht_id = $4 "
                                  "ORDER BY id DESC LIMIT 1", 4, p, NULL, 0);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    if (found)
        snprintf(a->decl_id, sizeof(a->decl_id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

/* Codes that reject the whole declaratie: anything but 0200 and 8001. */
static void whole_rejection(xmlNodePtr h, xmlNodePtr da, codeset *out)
{
    codeset all = {0};
    cs_retour(&all, h);
    cs_retour(&all, da);
    for (int i = 0; i < all.n; i++)
        if (strcmp(all.v[i], "0200") != 0 && strcmp(all.v[i], "8001") != 0)
            cs_add(out, all.v[i]);
}

static int set_status(actx *a, const char *status, const char *ref, const codeset *c)
{
    char codes[160];
    cs_literal(c, codes, sizeof(codes));
    const char *p[] = {a->decl_id, status, codes, ref};
    return db_run(a->d, "UPDATE prestaties SET status = $2, retourcodes = $3::text[] "
                        "WHERE declaratie_id = $1 AND status = 'awaiting' "
                        "AND ($4::text IS NULL OR referentie_nummer = $4)", 4, p);
}

static int reject_listed(actx *a, xmlNodePtr da)
{
    for (xmlNodePtr n = xu_first_desc(da, "Prestatie"); n; n = xu_next_desc(da, n, "Prestatie")) {
        char ref[32];
        codeset c = {0};
        cs_retour(&c, n);
        if (set_status(a, "rejected", xu_text(n, "ProductReferentie/ReferentieNummer", ref, sizeof(ref)),
                       &c) < 0)
            return -1;
    }
    return 0;
}

static int record_325(actx *a, xmlNodePtr root)
{
    xmlNodePtr h = xu_child(root, "Header"), da = xu_child(root, "DeclaratieAntwoord");
    xu_text(h, "Afzender", a->gemeente, sizeof(a->gemeente));
    xu_text(h, "Ontvanger", a->aanbieder, sizeof(a->aanbieder));
    int found = find_sent(a, h);
    if (found <= 0)
        return found;                   /* not a declaratie we recorded sending */
    codeset whole = {0}, none = {0};
    whole_rejection(h, da, &whole);
    if (!da && !whole.n)
        cs_add(&whole, "0001");
    if (whole.n ? set_status(a, "rejected", NULL, &whole) < 0
                : reject_listed(a, da) < 0 || set_status(a, "approved", NULL, &none) < 0)
        return -1;
    char codes[160];
    cs_literal(&whole, codes, sizeof(codes));
    const char *p[] = {a->decl_id, codes, a->msg_id};
    if (mark_credited(a) < 0 || finish_declaratie(a) < 0)
        return -1;
    return db_run(a->d, "UPDATE declaraties SET retourcodes = $2::text[], antwoord_message_id = $3 "
                        "WHERE id = $1", 3, p);
}

int declaratie_record(db *d, long long message_id, const iwmo_result *r, const char *key)
{
    if (!r->doc || (r->ident.type != 323 && r->ident.type != 325))
        return 0;
    actx a = {.d = d, .r = r, .key = key, .standard = iwmo_standard_name(r->ident.standard)};
    char dir[8];
    snprintf(a.msg_id, sizeof(a.msg_id), "%lld", message_id);
    if (message_direction(d, a.msg_id, dir, sizeof(dir)) < 0)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    if (r->ident.type == 325)
        return strcmp(dir, "in") ? 0 : record_325(&a, root);
    a.side = strcmp(dir, "out") ? "gemeente" : "aanbieder";
    return record_323(&a, root);
}
