/*
 * verzoek.c - verzoeken om toewijzing (315) and om wijziging (317), the
 * gemeente's answer (319) and the 301 that honours a verzoek: the
 * cross-message rules and the state that follows a verzoek to its end.
 *
 *   315 received by a gemeente: TR347 TR374
 *   317 received by a gemeente: TR347 TR374 TR349 TR350 TR351 TR357 TR361
 *                               TR373 TR375 TR411 TR412
 *   319 received by an aanbieder: TR355 TR359 TR360 TR365
 *
 * State (daemon/sql/0004_verzoeken.sql): one verzoeken row per
 * AangevraagdProduct of a 315 and per Verzoek of a 317, written when the
 * gemeente accepts it or the aanbieder sends it; retours 316/318 set its
 * retour_status; answers 319 go to verzoek_antwoorden and set its state
 * (in_onderzoek, refused); a 301 whose ToegewezenProduct carries the
 * ReferentieAanbieder marks it honoured. state.c does not hand 301s to this
 * module, so 301s (sent or accepted) are read back from messages.raw the
 * next time a verzoek or answer of that aanbieder is checked or applied
 * (sync_301), each once (verzoek_scanned_301); verzoek_apply also takes a
 * 301 directly should state.c ever pass one.
 *
 * Readings:
 * - "Today" for an actual toewijzing (TR349-351) is the 317's Dagtekening.
 * - The toewijzing rules of a 317 are judged only when this gemeente's
 *   toewijzingen pass through us (at least one recorded), as TR019 is.
 *   An actual toewijzing: same gemeente, aanbieder and client, not rejected
 *   by a 302, not withdrawn (Einddatum = Ingangsdatum with RedenWijziging 01
 *   or 13), and ending on or after that date or open-ended.
 * - TR375/TR412 read "Einddatum" as the TeWijzigenProduct's own Einddatum,
 *   the toewijzing's when the request leaves it out. A toewijzing without
 *   any Product gives 9375 only; one with a category but no code 9412.
 * - TR361 places each product of the desired situation on a period: an
 *   unchanged product keeps its toewijzing's, a changed one runs from its
 *   toewijzing's Ingangsdatum to the requested (else the old) Einddatum, a
 *   new one from GewensteIngangsdatum to Einddatum (open when absent).
 * - TR373 compares with the toewijzing's Budget and total Omvang (Frequentie
 *   6) as read from the 301 that last carried it.
 * - TR347/TR374 only see verzoeken that passed through us; TR374 counts
 *   verzoeken of the same aanbieder and client to any of our gemeenten.
 * - Only inbound messages are judged (crossrules.c calls verzoek_check for
 *   those); the rules about what a gemeente sends in a 319 are therefore
 *   checked where that 319 is received, at the aanbieder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "state.h"
#include "stored.h"
#include "verzoek.h"
#include "xmlutil.h"

#define MAX_ITEMS 64

/* The message in hand: its parties, client and date. */
typedef struct {
    db *d;
    iwmo_result *r;
    xmlNodePtr root;
    const char *standard;
    char gemeente[16], aanbieder[16], bsn[16], dagtekening[16];
} vctx;

/* An actual toewijzing as recorded from a 301. */
typedef struct {
    int found;
    char cat[8], code[16], ingang[16], eind[16], msg[24];
} toewijzing;

static const char *opt(const char *s)
{
    return s && s[0] ? s : NULL;
}

static int exists(db *d, const char *sql, int n, const char *const *p)
{
    PGresult *res = db_exec(d, sql, n, p, NULL, 0);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

/* Add the finding when cond is 1; pass -1 (database error) through. */
static int fail_if(vctx *x, int cond, xmlNodePtr node, const char *code, const char *rule, const char *msg)
{
    if (cond > 0)
        iwmo_findings_add_at(&x->r->findings, node, 3, code, rule, "%s", msg);
    return cond < 0 ? -1 : 0;
}

static void read_ctx(vctx *x, db *d, iwmo_result *r)
{
    memset(x, 0, sizeof(*x));
    x->d = d;
    x->r = r;
    x->root = xmlDocGetRootElement(r->doc);
    x->standard = iwmo_standard_name(r->ident.standard);
    xmlNodePtr h = xu_child(x->root, "Header");
    /* 301, 319 and its retour 320 go from gemeente to aanbieder; 315/317 (and the 316/318 that
     * repeat their header) the other way. */
    int t = r->ident.type, from_gemeente = t == 301 || t == 319 || t == 320;
    xu_text(h, from_gemeente ? "Afzender" : "Ontvanger", x->gemeente, sizeof(x->gemeente));
    xu_text(h, from_gemeente ? "Ontvanger" : "Afzender", x->aanbieder, sizeof(x->aanbieder));
    xu_text(h, "BerichtIdentificatie/Dagtekening", x->dagtekening, sizeof(x->dagtekening));
    xu_text(xu_child(x->root, "Client"), "Bsn", x->bsn, sizeof(x->bsn));
}

/* ---- 301s: which verzoeken they honour -------------------------------------- */

/* Mark the verzoeken a 301 honours: those submitted before it with a ReferentieAanbieder it carries. */
static int note_301(db *d, const char *msg_id, const char *standard, xmlNodePtr root)
{
    char gem[16], aanb[16], ref[40];
    xmlNodePtr h = xu_child(root, "Header");
    xu_text(h, "Afzender", gem, sizeof(gem));
    xu_text(h, "Ontvanger", aanb, sizeof(aanb));
    for (xmlNodePtr tp = xu_first_desc(root, "ToegewezenProduct"); tp;
         tp = xu_next_desc(root, tp, "ToegewezenProduct")) {
        if (!xu_text(tp, "ReferentieAanbieder", ref, sizeof(ref))[0])
            continue;
        const char *p[] = {msg_id, standard, gem, aanb, ref};
        if (db_run(d, "UPDATE verzoeken SET honoured_by = $1::bigint, state = 'honoured', updated_at = now() "
                      "WHERE standard = $2 AND gemeente = $3 AND aanbieder = $4 AND referentie = $5 "
                      "AND honoured_by IS NULL AND message_id < $1::bigint", 5, p) < 0)
            return -1;
    }
    const char *q[] = {msg_id};
    return db_run(d, "INSERT INTO verzoek_scanned_301 (message_id) VALUES ($1) ON CONFLICT DO NOTHING", 1, q);
}

/* Read back the 301s to this aanbieder not scanned yet (sent by us or accepted by us). */
static int sync_301(db *d, const char *standard, const char *aanbieder)
{
    const char *p[] = {standard, aanbieder};
    PGresult *res = db_exec(d,
        "SELECT m.id, m.raw, m.size FROM messages m WHERE m.standard = $1 AND m.receiver = $2 "
        "AND m.msg_type = 301 AND m.verdict IN ('sent', 'accepted') AND NOT EXISTS "
        "(SELECT 1 FROM verzoek_scanned_301 s WHERE s.message_id = m.id) ORDER BY m.id", 2, p, NULL, 0);
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        xmlDocPtr doc = stored_doc(d, res, i);
        if (doc)
            rc = note_301(d, PQgetvalue(res, i, 0), standard, xmlDocGetRootElement(doc));
        else {
            const char *q[] = {PQgetvalue(res, i, 0)};
            rc = db_run(d, "INSERT INTO verzoek_scanned_301 (message_id) VALUES ($1) ON CONFLICT DO NOTHING",
                        1, q);
        }
        if (doc)
            xmlFreeDoc(doc);
    }
    PQclear(res);
    return rc;
}

/* ---- 315 and 317 received by a gemeente --------------------------------------- */

#define OPEN_VERZOEK \
    "retour_status <> 'rejected' AND state IN ('submitted', 'in_onderzoek') "

/* TR347: a ReferentieAanbieder is used once per aanbieder and standard (TR383 covers one message). */
static int tr347(vctx *x, xmlNodePtr item)
{
    char ref[40];
    const char *p[] = {x->standard, x->aanbieder, xu_text(item, "ReferentieAanbieder", ref, sizeof(ref))};
    return fail_if(x, exists(x->d, "SELECT 1 FROM verzoeken WHERE standard = $1 AND aanbieder = $2 "
                                   "AND referentie = $3 LIMIT 1", 3, p),
                   item, "9347", "TR347", "ReferentieAanbieder was used before by this aanbieder");
}

/* TR374: no new verzoek while one for this client from this aanbieder is still open. */
static int tr374(vctx *x, xmlNodePtr item)
{
    const char *p[] = {x->standard, x->aanbieder, x->bsn};
    int open = exists(x->d, "SELECT 1 FROM verzoeken WHERE standard = $1 AND aanbieder = $2 "
                            "AND client_id = (SELECT id FROM clients WHERE bsn = $3) AND " OPEN_VERZOEK
                            "LIMIT 1", 3, p);
    return fail_if(x, open, item, "9374", "TR374",
                   "an earlier verzoek for this client from this aanbieder is still open");
}

static int check_315(vctx *x)
{
    xmlNodePtr cl = xu_child(x->root, "Client");
    for (xmlNodePtr ap = xu_first_desc(cl, "AangevraagdProduct"); ap; ap = xu_next(ap, "AangevraagdProduct"))
        if (tr347(x, ap) < 0 || tr374(x, ap) < 0)
            return -1;
    return 0;
}

/* The actual toewijzing with this number for the gemeente, aanbieder and client. -1 on error. */
static int find_toewijzing(vctx *x, const char *nr, toewijzing *t)
{
    memset(t, 0, sizeof(*t));
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, x->bsn, nr, x->dagtekening};
    PGresult *res = db_exec(x->d,
        "SELECT coalesce(product_categorie, ''), coalesce(product_code, ''), ingangsdatum::text, "
        "coalesce(einddatum::text, ''), message_id FROM toewijzingen WHERE standard = $1 AND gemeente = $2 "
        "AND aanbieder = $3 AND client_id = (SELECT id FROM clients WHERE bsn = $4) "
        "AND toewijzing_nummer = $5 AND retour_status <> 'rejected' "
        "AND NOT (einddatum IS NOT DISTINCT FROM ingangsdatum AND reden_wijziging IN ('01', '13')) "
        "AND (einddatum IS NULL OR einddatum >= $6::date)", 6, p, NULL, 0);
    if (!res)
        return -1;
    if ((t->found = PQntuples(res) > 0)) {
        snprintf(t->cat, sizeof(t->cat), "%s", PQgetvalue(res, 0, 0));
        snprintf(t->code, sizeof(t->code), "%s", PQgetvalue(res, 0, 1));
        snprintf(t->ingang, sizeof(t->ingang), "%s", PQgetvalue(res, 0, 2));
        snprintf(t->eind, sizeof(t->eind), "%s", PQgetvalue(res, 0, 3));
        snprintf(t->msg, sizeof(t->msg), "%s", PQgetvalue(res, 0, 4));
    }
    PQclear(res);
    return 0;
}

/* TR350 (OngewijzigdProduct) / TR351 (TeWijzigenProduct): the number names an actual toewijzing. */
static int tr350_351(vctx *x, xmlNodePtr item, const toewijzing *t)
{
    int changed = xu_is(item, "TeWijzigenProduct");
    return fail_if(x, !t->found, item, changed ? "9351" : "9350", changed ? "TR351" : "TR350",
                   "ToewijzingNummer names no actual toewijzing of this client");
}

/* TR349: every actual toewijzing of the client appears as unchanged or to-be-changed product. */
static int tr349(vctx *x, xmlNodePtr verzoek)
{
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, x->bsn, x->dagtekening};
    PGresult *res = db_exec(x->d,
        "SELECT toewijzing_nummer FROM toewijzingen WHERE standard = $1 AND gemeente = $2 AND aanbieder = $3 "
        "AND client_id = (SELECT id FROM clients WHERE bsn = $4) AND retour_status <> 'rejected' "
        "AND NOT (einddatum IS NOT DISTINCT FROM ingangsdatum AND reden_wijziging IN ('01', '13')) "
        "AND (einddatum IS NULL OR einddatum >= $5::date) ORDER BY toewijzing_nummer", 5, p, NULL, 0);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *nr = PQgetvalue(res, i, 0);
        int listed = 0;
        char v[32];
        for (xmlNodePtr n = xu_first_desc(verzoek, "ToewijzingNummer"); n && !listed;
             n = xu_next_desc(verzoek, n, "ToewijzingNummer"))
            listed = strcmp(xu_text(n, NULL, v, sizeof(v)), nr) == 0;
        if (!listed)
            iwmo_findings_add_at(&x->r->findings, verzoek, 3, "9349", "TR349",
                                 "actual toewijzing %s is missing from the verzoek", nr);
    }
    PQclear(res);
    return 0;
}

/* TR357: a GewensteIngangsdatum on or before the Dagtekening is the toewijzing's Ingangsdatum. */
static int tr357(vctx *x, xmlNodePtr tw, const toewijzing *t)
{
    char gewenst[16];
    xu_text(tw, "GewensteIngangsdatum", gewenst, sizeof(gewenst));
    int bad = strcmp(gewenst, x->dagtekening) <= 0 && strcmp(gewenst, t->ingang) != 0;
    return fail_if(x, bad, tw, "9357", "TR357",
                   "GewensteIngangsdatum is not after the Dagtekening but differs from the Ingangsdatum");
}

/* TR375 / TR411 / TR412: whether Omvang is asked follows the toewijzing's Product. */
static int tr375_411_412(vctx *x, xmlNodePtr tw, const toewijzing *t)
{
    char eind[16];
    if (!xu_text(tw, "Einddatum", eind, sizeof(eind))[0])
        snprintf(eind, sizeof(eind), "%s", t->eind);
    int omvang = xu_has(tw, "Omvang");
    int after_2020 = !eind[0] || strcmp(eind, "2020-12-31") > 0;
    if (t->code[0])
        return fail_if(x, !omvang, tw, "9411", "TR411", "the toewijzing has a product Code but Omvang is absent");
    if (!t->cat[0])
        return fail_if(x, omvang && after_2020, tw, "9375", "TR375",
                       "Omvang is filled for a toewijzing without Product ending after 2020");
    return fail_if(x, omvang && after_2020, tw, "9412", "TR412",
                   "Omvang is filled for a toewijzing without product Code ending after 2020");
}

/* The ToegewezenProduct with this number in a stored 301 (NULL when absent). */
static xmlNodePtr toegewezen(xmlDocPtr doc, const char *nr)
{
    char v[32];
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr tp = xu_first_desc(root, "ToegewezenProduct"); tp;
         tp = xu_next_desc(root, tp, "ToegewezenProduct"))
        if (strcmp(xu_text(tp, "ToewijzingNummer", v, sizeof(v)), nr) == 0)
            return tp;
    return NULL;
}

/* Does the request change the Budget, or a total Omvang (Frequentie 6), of toegewezen product tp? */
static int changes_total(xmlNodePtr tw, xmlNodePtr tp)
{
    char a[32], b[32], f[4];
    if (xu_has(tw, "Budget") &&
        strcmp(xu_text(tw, "Budget", a, sizeof(a)), xu_text(tp, "Budget", b, sizeof(b))) != 0)
        return 1;
    if (strcmp(xu_text(tw, "Omvang/Frequentie", f, sizeof(f)), "6") != 0)
        return 0;
    const char *parts[] = {"Omvang/Volume", "Omvang/Eenheid", "Omvang/Frequentie"};
    for (int i = 0; i < 3; i++)
        if (strcmp(xu_text(tw, parts[i], a, sizeof(a)), xu_text(tp, parts[i], b, sizeof(b))) != 0)
            return 1;
    return 0;
}

/* TR373: a changed Budget or total Omvang applies from the toewijzing's own Ingangsdatum. */
static int tr373(vctx *x, xmlNodePtr tw, const toewijzing *t, const char *nr)
{
    char gewenst[16];
    if (!strcmp(xu_text(tw, "GewensteIngangsdatum", gewenst, sizeof(gewenst)), t->ingang))
        return 0;
    const char *p[] = {t->msg};
    PGresult *res = db_exec(x->d, "SELECT id, raw, size FROM messages WHERE id = $1", 1, p, NULL, 0);
    if (!res)
        return -1;
    xmlDocPtr doc = PQntuples(res) ? stored_doc(x->d, res, 0) : NULL;
    PQclear(res);
    xmlNodePtr tp = doc ? toegewezen(doc, nr) : NULL;
    int bad = tp && changes_total(tw, tp);
    if (doc)
        xmlFreeDoc(doc);
    return fail_if(x, bad, tw, "9373", "TR373",
                   "Budget or total Omvang changes but GewensteIngangsdatum is not the Ingangsdatum");
}

/* One product of the desired situation, for TR361. */
typedef struct {
    xmlNodePtr node;
    char cat[8], code[16];
    iwmo_date from, to;              /* to = IWMO_NO_DATE: open-ended */
} period;

static int overlap(const period *a, const period *b)
{
    int a_before = a->to != IWMO_NO_DATE && a->to < b->from;
    int b_before = b->to != IWMO_NO_DATE && b->to < a->from;
    return !a_before && !b_before;
}

static int free_category(const char *cat)
{
    return !strcmp(cat, "11") || !strcmp(cat, "12") || !strcmp(cat, "13") || !strcmp(cat, "14");
}

/* Would these two products collide when their periods overlap? */
static int same_product(const vctx *x, const period *a, const period *b)
{
    if (!strcmp(x->standard, "iwmo") && (free_category(a->cat) || free_category(b->cat)))
        return 0;                   /* iWmo: categories 11-14 may overlap */
    if (!a->cat[0] || !b->cat[0])
        return 1;
    if (strcmp(a->cat, b->cat) != 0)
        return 0;
    return !a->code[0] || !b->code[0] || !strcmp(a->code, b->code);
}

/* TR361: a product occurs more than once only with periods that do not overlap. */
static void tr361(vctx *x, const period *items, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = 0; j < i; j++)
            if (same_product(x, &items[i], &items[j]) && overlap(&items[i], &items[j])) {
                iwmo_findings_add_at(&x->r->findings, items[i].node, 3, "9361", "TR361",
                                     "the product occurs again with an overlapping period");
                break;
            }
}

static void period_of_toewijzing(period *pe, xmlNodePtr n, const toewijzing *t)
{
    char eind[16];
    pe->node = n;
    snprintf(pe->cat, sizeof(pe->cat), "%s", t->cat);
    snprintf(pe->code, sizeof(pe->code), "%s", t->code);
    pe->from = iwmo_date_parse(t->ingang);
    if (!xu_is(n, "TeWijzigenProduct") || !xu_text(n, "Einddatum", eind, sizeof(eind))[0])
        snprintf(eind, sizeof(eind), "%s", t->eind);
    pe->to = iwmo_date_parse(eind);
}

static void period_of_new(period *pe, xmlNodePtr n)
{
    pe->node = n;
    xu_text(n, "Product/Categorie", pe->cat, sizeof(pe->cat));
    xu_text(n, "Product/Code", pe->code, sizeof(pe->code));
    pe->from = xu_date(n, "GewensteIngangsdatum");
    pe->to = xu_date(n, "Einddatum");
}

/* Rules on one OngewijzigdProduct or TeWijzigenProduct; adds its period when known. */
static int check_existing(vctx *x, xmlNodePtr n, period *items, int *count)
{
    char nr[32];
    toewijzing t;
    if (find_toewijzing(x, xu_text(n, "ToewijzingNummer", nr, sizeof(nr)), &t) < 0 ||
        tr350_351(x, n, &t) < 0)
        return -1;
    if (!t.found)
        return 0;
    if (*count < MAX_ITEMS)
        period_of_toewijzing(&items[(*count)++], n, &t);
    if (!xu_is(n, "TeWijzigenProduct"))
        return 0;
    return tr357(x, n, &t) < 0 || tr375_411_412(x, n, &t) < 0 || tr373(x, n, &t, nr) < 0 ? -1 : 0;
}

static int gemeente_has_toewijzingen(vctx *x)
{
    const char *p[] = {x->standard, x->gemeente};
    return exists(x->d, "SELECT 1 FROM toewijzingen WHERE standard = $1 AND gemeente = $2 LIMIT 1", 2, p);
}

/* The toewijzing rules of a 317: TR349-351, TR357, TR361, TR373, TR375, TR411, TR412. */
static int check_317_toewijzingen(vctx *x, xmlNodePtr verzoek)
{
    int known = gemeente_has_toewijzingen(x);
    if (known <= 0)
        return known;
    period items[MAX_ITEMS];
    int count = 0;
    static const char *const kinds[] = {"OngewijzigdProduct", "TeWijzigenProduct"};
    for (int k = 0; k < 2; k++)
        for (xmlNodePtr n = xu_first_desc(verzoek, kinds[k]); n; n = xu_next_desc(verzoek, n, kinds[k]))
            if (check_existing(x, n, items, &count) < 0)
                return -1;
    for (xmlNodePtr n = xu_first_desc(verzoek, "NieuwProduct"); n && count < MAX_ITEMS;
         n = xu_next_desc(verzoek, n, "NieuwProduct"))
        period_of_new(&items[count++], n);
    tr361(x, items, count);
    return tr349(x, verzoek);
}

static int check_317(vctx *x)
{
    xmlNodePtr verzoek = xu_child(xu_child(x->root, "Client"), "Verzoek");
    if (!verzoek || tr347(x, verzoek) < 0 || tr374(x, verzoek) < 0)
        return verzoek ? -1 : 0;
    return check_317_toewijzingen(x, verzoek);
}

/* ---- 319 received by an aanbieder ------------------------------------------- */

#define OF_REF "standard = $1 AND gemeente = $2 AND aanbieder = $3 AND referentie = $4 "

/* TR355: the answer's ReferentieAanbieder is that of a verzoek we sent to this gemeente. */
static int tr355(vctx *x, xmlNodePtr antw, const char *const p[4])
{
    int found = exists(x->d, "SELECT 1 FROM verzoeken WHERE " OF_REF "LIMIT 1", 4, p);
    return fail_if(x, found < 0 ? -1 : !found, antw, "9355", "TR355",
                   "ReferentieAanbieder names no verzoek sent to this gemeente");
}

/* TR359: no answer once a 301 has honoured the verzoek. */
static int tr359(vctx *x, xmlNodePtr antw, const char *const p[4])
{
    return fail_if(x, exists(x->d, "SELECT 1 FROM verzoeken WHERE " OF_REF "AND honoured_by IS NOT NULL",
                             4, p),
                   antw, "9359", "TR359", "a toewijzing with this ReferentieAanbieder was already received");
}

/* TR360: "in onderzoek" (2) only as the first answer to a verzoek. */
static int tr360(vctx *x, xmlNodePtr antw, const char *const p[4], const char *antwoord)
{
    if (strcmp(antwoord, "2") != 0)
        return 0;
    return fail_if(x, exists(x->d, "SELECT 1 FROM verzoek_antwoorden WHERE " OF_REF
                                   "AND retour_status <> 'rejected'", 4, p),
                   antw, "9360", "TR360", "in onderzoek is only allowed as the first answer");
}

/* TR365: a second answer follows only an earlier "in onderzoek" (2). */
static int tr365(vctx *x, xmlNodePtr antw, const char *const p[4])
{
    return fail_if(x, exists(x->d, "SELECT 1 FROM verzoek_antwoorden WHERE " OF_REF
                                   "AND retour_status <> 'rejected' AND verzoek_antwoord <> '2'", 4, p),
                   antw, "9365", "TR365", "an earlier answer to this verzoek was not in onderzoek");
}

static int check_319(vctx *x)
{
    xmlNodePtr antw = xu_child(x->root, "Antwoord");
    char ref[40], antwoord[4];
    xu_text(antw, "ReferentieAanbieder", ref, sizeof(ref));
    xu_text(antw, "VerzoekAntwoord", antwoord, sizeof(antwoord));
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, ref};
    return tr355(x, antw, p) < 0 || tr359(x, antw, p) < 0 || tr360(x, antw, p, antwoord) < 0 ||
           tr365(x, antw, p) < 0 ? -1 : 0;
}

int verzoek_check(db *d, iwmo_result *r, const char *pseudonym_key)
{
    (void)pseudonym_key;
    int type = r->ident.type;
    if (!r->doc || (type != 315 && type != 317 && type != 319))
        return 0;
    vctx x;
    read_ctx(&x, d, r);
    if (sync_301(d, x.standard, x.aanbieder) < 0)
        return -1;
    return type == 315 ? check_315(&x) : type == 317 ? check_317(&x) : check_319(&x);
}

/* ---- state -------------------------------------------------------------------- */

static int client_row(db *d, const char *bsn, const char *key, char *id, size_t n)
{
    char pseudo[40];
    state_pseudonym(key, bsn, pseudo, sizeof(pseudo));
    const char *p[] = {bsn, pseudo};
    PGresult *r = db_exec(d,
        "INSERT INTO clients (bsn, pseudonym) VALUES ($1, $2) ON CONFLICT (bsn) DO UPDATE "
        "SET bsn = EXCLUDED.bsn RETURNING id", 2, p, NULL, 0);
    if (!r)
        return -1;
    snprintf(id, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* inbound ('in') or outbound ('out'), from the message row. */
static int direction_of(db *d, const char *msg_id, char *out, size_t n)
{
    const char *p[] = {msg_id};
    PGresult *r = db_exec(d, "SELECT direction FROM messages WHERE id = $1", 1, p, NULL, 0);
    if (!r)
        return -1;
    snprintf(out, n, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return 0;
}

/* One verzoek: AangevraagdProduct (315) or Verzoek (317); accepted at once when we received it. */
static int insert_verzoek(vctx *x, const char *msg_id, const char *client, xmlNodePtr item, int inbound)
{
    char ref[40], cat[8], code[16];
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, client,
                       xu_text(item, "ReferentieAanbieder", ref, sizeof(ref)),
                       xu_is(item, "Verzoek") ? "wijziging" : "toewijzing",
                       opt(xu_text(item, "Product/Categorie", cat, sizeof(cat))),
                       opt(xu_text(item, "Product/Code", code, sizeof(code))), msg_id,
                       inbound ? "accepted" : "awaiting"};
    return db_run(x->d,
        "INSERT INTO verzoeken (standard, gemeente, aanbieder, client_id, referentie, soort, "
        "product_categorie, product_code, message_id, retour_status) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", 10, p);
}

static int apply_verzoek(vctx *x, const char *msg_id, const char *key, int inbound)
{
    char client[24];
    if (client_row(x->d, x->bsn, key, client, sizeof(client)) < 0)
        return -1;
    xmlNodePtr cl = xu_child(x->root, "Client");
    const char *item = x->r->ident.type == 315 ? "AangevraagdProduct" : "Verzoek";
    for (xmlNodePtr n = xu_first_desc(cl, item); n; n = xu_next_desc(cl, n, item))
        if (insert_verzoek(x, msg_id, client, n, inbound) < 0)
            return -1;
    return 0;
}

/* Derive a verzoek's state from its 301 and the answers not rejected by a 320. */
static int refresh_state(db *d, const char *const p[4])
{
    return db_run(d,
        "WITH a AS (SELECT verzoek_antwoord, reden_afwijzing, message_id FROM verzoek_antwoorden WHERE " OF_REF
        "  AND retour_status <> 'rejected' ORDER BY (verzoek_antwoord = '1') DESC, id DESC LIMIT 1) "
        "UPDATE verzoeken SET updated_at = now(), "
        "  state = CASE WHEN honoured_by IS NOT NULL THEN 'honoured' "
        "    WHEN (SELECT verzoek_antwoord FROM a) = '1' THEN 'refused' "
        "    WHEN (SELECT verzoek_antwoord FROM a) = '2' THEN 'in_onderzoek' ELSE 'submitted' END, "
        "  verzoek_antwoord = (SELECT verzoek_antwoord FROM a), "
        "  reden_afwijzing = (SELECT reden_afwijzing FROM a), answered_by = (SELECT message_id FROM a) "
        "WHERE " OF_REF, 4, p);
}

/* A 319: record the answer and update the verzoek it names. */
static int apply_319(vctx *x, const char *msg_id, int inbound)
{
    xmlNodePtr antw = xu_child(x->root, "Antwoord");
    char ref[40], antwoord[4], reden[8];
    const char *p[] = {x->standard, x->gemeente, x->aanbieder,
                       xu_text(antw, "ReferentieAanbieder", ref, sizeof(ref)),
                       xu_text(antw, "VerzoekAntwoord", antwoord, sizeof(antwoord)),
                       opt(xu_text(antw, "RedenAfwijzingVerzoek", reden, sizeof(reden))), msg_id,
                       inbound ? "accepted" : "awaiting"};
    if (db_run(x->d, "INSERT INTO verzoek_antwoorden (standard, gemeente, aanbieder, referentie, "
                     "verzoek_antwoord, reden_afwijzing, message_id, retour_status) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8, p) < 0)
        return -1;
    return refresh_state(x->d, p);
}

/* Does this class (or, with deep, anything inside it) carry a code other than 0200? */
static int rejects(xmlNodePtr n, int deep)
{
    char code[8];
    for (xmlNodePtr c = xu_first_desc(n, "RetourCode"); c; c = xu_next_desc(n, c, "RetourCode"))
        if ((deep || c->parent->parent == n) && strcmp(xu_text(c, NULL, code, sizeof(code)), "0200") != 0)
            return 1;
    return 0;
}

/* 316/318: the retour on our 315/317. Header or client codes reject all; else per AangevraagdProduct. */
static int apply_retour_verzoek(vctx *x)
{
    char bid[32], ref[40];
    xmlNodePtr h = xu_child(x->root, "Header");
    const char *heen = x->r->ident.type == 316 ? "315" : "317";
    xu_text(h, "BerichtIdentificatie/Identificatie", bid, sizeof(bid));
    int all = rejects(xu_child(h, "RetourCodes"), 1) || rejects(xu_child(x->root, "Client"), x->r->ident.type == 318);
#define OF_HEEN "message_id IN (SELECT id FROM messages WHERE bericht_id = $1 AND standard = $2 " \
                "AND sender = $3 AND msg_type = $4::int AND direction = 'out') AND retour_status = 'awaiting' "
    for (xmlNodePtr ap = xu_first_desc(x->root, "AangevraagdProduct"); ap && !all;
         ap = xu_next_desc(x->root, ap, "AangevraagdProduct")) {
        const char *p[] = {bid, x->standard, x->aanbieder, heen, rejects(ap, 0) ? "rejected" : "accepted",
                           xu_text(ap, "ReferentieAanbieder", ref, sizeof(ref))};
        if (db_run(x->d, "UPDATE verzoeken SET retour_status = $5, updated_at = now() WHERE " OF_HEEN
                         "AND referentie = $6", 6, p) < 0)
            return -1;
    }
    const char *p[] = {bid, x->standard, x->aanbieder, heen, all ? "rejected" : "accepted"};
    return db_run(x->d, "UPDATE verzoeken SET retour_status = $5, updated_at = now() WHERE " OF_HEEN, 5, p);
#undef OF_HEEN
}

/* 320: the retour on our 319; a rejected answer no longer counts. */
static int apply_320(vctx *x)
{
    char bid[32], ref[40];
    xmlNodePtr h = xu_child(x->root, "Header");
    int bad = rejects(xu_child(h, "RetourCodes"), 1) || rejects(xu_child(x->root, "Antwoord"), 1);
    const char *p[] = {xu_text(h, "BerichtIdentificatie/Identificatie", bid, sizeof(bid)), x->standard,
                       x->gemeente, bad ? "rejected" : "accepted"};
    PGresult *res = db_exec(x->d,
        "UPDATE verzoek_antwoorden SET retour_status = $4 WHERE retour_status = 'awaiting' AND message_id IN "
        "(SELECT id FROM messages WHERE bericht_id = $1 AND standard = $2 AND sender = $3 AND msg_type = 319 "
        "AND direction = 'out') RETURNING aanbieder, referentie", 4, p, NULL, 0);
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        snprintf(ref, sizeof(ref), "%s", PQgetvalue(res, i, 1));
        const char *q[] = {x->standard, x->gemeente, PQgetvalue(res, i, 0), ref};
        rc = refresh_state(x->d, q);
    }
    PQclear(res);
    return rc;
}

int verzoek_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key)
{
    int type = r->ident.type;
    if (!r->doc || ((type < 315 || type > 320) && type != 301))
        return 0;
    vctx x;
    read_ctx(&x, d, (iwmo_result *)r);
    char ids[24], dir[8];
    snprintf(ids, sizeof(ids), "%lld", message_id);
    if (type == 301)
        return note_301(d, ids, x.standard, x.root);
    if (type == 316 || type == 318)
        return apply_retour_verzoek(&x);
    if (type == 320)
        return apply_320(&x);
    if (direction_of(d, ids, dir, sizeof(dir)) < 0 || sync_301(d, x.standard, x.aanbieder) < 0)
        return -1;
    if (type == 319)
        return apply_319(&x, ids, !strcmp(dir, "in"));
    return apply_verzoek(&x, ids, pseudonym_key, !strcmp(dir, "in"));
}
