/*
 * declaratie.c - the cross-message ("berichtoverstijgend") rules of an
 * inbound 323, the same in iWmo 3.2 and iJw 3.2. Every Prestatie is judged on
 * its own; a finding sits at the Prestatie, Client or Declaratie concerned and
 * the retour builder turns that into the 325 (IV087).
 *
 *   Declaratie: TR333 (9333) TR318 (8214)
 *   Client:     TR304 (8187)
 *   Prestatie:  TR314 (8021) TR319 (9319) TR323 (8017) TR390 (9390) TR389 (9389)
 *               TR338 (9338) TR304 (8187) TR384 (9384) TR339 (9339) TR340 (9340)
 *               TR307 (9307) TR308 (9308) TR387 (9387) TR388 (9388) TR341 (9341)
 *               TR321 (9321) TR322 (9322) TR369 (9369) TR418 (0611, level 4)
 *
 * Readings:
 * - The toewijzing rules (TR304 TR307 TR308 TR321 TR322 TR338-TR341 TR369
 *   TR384 TR387 TR388) are judged only when the gemeente's toewijzingen of
 *   this standard pass through iwmod (at least one recorded), as for TR019.
 * - TR304: a client without any toewijzing of this gemeente to this provider
 *   is rejected at the Client (all its prestaties fall with it); a Prestatie
 *   whose ToewijzingNummer belongs to another client gets 8187 itself. A
 *   number unknown to the relation is TR338.
 * - A credit line only reverses an approved debet: it is judged on TR314,
 *   TR319, TR323, TR390 and TR338/TR304, not on the toewijzing's current
 *   content (which may have changed since the debet).
 * - TR323: the debet must be approved, of the same relation and client, and
 *   carry the same ToewijzingNummer, product and ProductPeriode (the key
 *   fields). TR390: that debet was credited already.
 * - TR389: an approved debet with the same ToewijzingNummer, product and
 *   ProductPeriode blocks a new one, unless a credit in this message that
 *   passed its own checks cancels it (the usual correction).
 * - TR314 and TR333 count what was recorded before, except declaraties that
 *   were rejected as a whole (their numbers may be used again); TR314 also
 *   rejects the second use of a number inside the message.
 * - TR318: the previous period is the latest recorded declaratie of this
 *   provider to this gemeente that was not rejected as a whole. A period not
 *   after it fails; a later period that skips months fails when a Prestatie
 *   lies in a skipped month (care was given then). Reported at Declaratie.
 * - TR319: ProductPeriode ends no later than the DeclaratiePeriode (CS337
 *   already keeps it inside one month).
 * - TR321/TR322 follow IV077 with the more lenient (inspanningsgericht) count
 *   of calendar weeks for Frequentie per week, 6x the week volume for iWmo
 *   category 01; minutes may be declared on hours (IV081). TR322 and TR369
 *   add the approved, not credited debets on the toewijzing to the clean
 *   debets met so far in this message. TR369 compares money: the approved
 *   amounts in cents (for Eenheid 83 the volume itself) against the Budget.
 * - TR418 applies when contract_tarieven has a row for the gemeente (and this
 *   provider or all), product, unit and the ProductPeriode's start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie.h"
#include "declaratie_int.h"
#include "declaratie_toew.h"
#include "xmlutil.h"

typedef struct {
    char **v;
    size_t n, cap;
} strlist;

typedef struct {
    long long toew_id, volume, cents;
} tally;

typedef struct {
    db *d;
    iwmo_result *r;
    const char *standard;
    char gemeente[16], aanbieder[16], bsn[16];
    xmlNodePtr decl;
    iwmo_date per_begin, per_eind;
    int known;                      /* toewijzingen of this gemeente pass through us */
    strlist refs;                   /* ReferentieNummers met so far (TR314) */
    strlist cancelled;              /* debets reversed by clean credits of this message */
    tally *tallies;
    size_t ntallies, tcap;
} dctx;

/* ---- small helpers ---------------------------------------------------------- */

static int sl_has(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return 1;
    return 0;
}

static int sl_add(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(s);
    if (!l->v[l->n])
        return -1;
    l->n++;
    return 0;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static tally *tally_of(dctx *x, long long id)
{
    for (size_t i = 0; i < x->ntallies; i++)
        if (x->tallies[i].toew_id == id)
            return &x->tallies[i];
    if (x->ntallies == x->tcap) {
        size_t cap = x->tcap ? x->tcap * 2 : 16;
        tally *t = realloc(x->tallies, cap * sizeof(*t));
        if (!t)
            return NULL;
        x->tallies = t;
        x->tcap = cap;
    }
    x->tallies[x->ntallies] = (tally){id, 0, 0};
    return &x->tallies[x->ntallies++];
}

/* 1 when the query returns a row, 0 when not, -1 on a database error. */
static int exists(db *d, const char *sql, int n, const char *const *p)
{
    PGresult *res = db_exec(d, sql, n, p, NULL, 0);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

/* Add the finding (level 3) when cond is 1; pass -1 through. */
static int fail_if(dctx *x, int cond, xmlNodePtr node, const char *code, const char *rule,
                   const char *message)
{
    if (cond > 0)
        iwmo_findings_add_at(&x->r->findings, node, 3, code, rule, "%s", message);
    return cond < 0 ? -1 : 0;
}

static int is_clean(const dctx *x, xmlNodePtr node)
{
    const char *codes[1];
    return iwmo_class_codes(x->r, node, codes, 1) == 0;
}

static iwmo_date month_first(iwmo_date d)
{
    int y, m, dd;
    iwmo_date_split(d, &y, &m, &dd);
    return iwmo_date_make(y, m, 1);
}

static iwmo_date month_last(iwmo_date d)
{
    int y, m, dd;
    iwmo_date_split(d, &y, &m, &dd);
    return m == 12 ? iwmo_date_make(y + 1, 1, 1) - 1 : iwmo_date_make(y, m + 1, 1) - 1;
}

void prestatie_read(xmlNodePtr n, prestatie *p)
{
    memset(p, 0, sizeof(*p));
    p->node = n;
    xu_text(n, "ProductReferentie/ReferentieNummer", p->ref, sizeof(p->ref));
    xu_text(n, "ProductReferentie/VorigReferentieNummer", p->vorig, sizeof(p->vorig));
    xu_text(n, "ToewijzingNummer", p->nr, sizeof(p->nr));
    xu_text(n, "ProductCategorie", p->cat, sizeof(p->cat));
    xu_text(n, "ProductCode", p->code, sizeof(p->code));
    xu_text(n, "Eenheid", p->eenheid, sizeof(p->eenheid));
    xu_text(n, "IngediendBedrag/DebetCredit", p->dc, sizeof(p->dc));
    xu_text(n, "ProductPeriode/Begindatum", p->begin_s, sizeof(p->begin_s));
    xu_text(n, "ProductPeriode/Einddatum", p->eind_s, sizeof(p->eind_s));
    p->begin = iwmo_date_parse(p->begin_s);
    p->eind = iwmo_date_parse(p->eind_s);
    xu_long(n, "GeleverdVolume", &p->volume);
    xu_long(n, "IngediendBedrag/Bedrag", &p->bedrag);
    p->has_tarief = xu_long(n, "ProductTarief", &p->tarief) == 0;
}

/* ---- Declaratie --------------------------------------------------------------- */

/* TR333: DeclaratieNummer not used before by this provider in this standard. */
static int tr333(dctx *x)
{
    char nr[32];
    const char *p[] = {x->standard, x->aanbieder, xu_text(x->decl, "DeclaratieNummer", nr, sizeof(nr))};
    int used = exists(x->d, "SELECT 1 FROM declaraties WHERE side = 'gemeente' AND standard = $1 "
                            "AND aanbieder = $2 AND declaratie_nummer = $3 AND status <> 'rejected'", 3, p);
    return fail_if(x, used, x->decl, "9333", "TR333",
                   "DeclaratieNummer was used before by this provider");
}

/* Does a Prestatie of this declaratie start in [from, to)? (care given in a skipped month) */
static int care_between(dctx *x, iwmo_date from, iwmo_date to)
{
    for (xmlNodePtr n = xu_first_desc(x->decl, "Prestatie"); n; n = xu_next_desc(x->decl, n, "Prestatie")) {
        iwmo_date b = xu_date(n, "ProductPeriode/Begindatum");
        if (b != IWMO_NO_DATE && b >= from && b < to)
            return 1;
    }
    return 0;
}

/* TR318: the DeclaratiePeriode follows the previous one month by month while care goes on. */
static int tr318(dctx *x)
{
    const char *p[] = {x->standard, x->gemeente, x->aanbieder};
    PGresult *res = db_exec(x->d, "SELECT coalesce(max(periode_begin)::text, '') FROM declaraties "
                                  "WHERE side = 'gemeente' AND standard = $1 AND gemeente = $2 "
                                  "AND aanbieder = $3 AND status <> 'rejected'", 3, p, NULL, 0);
    if (!res)
        return -1;
    iwmo_date last = iwmo_date_parse(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (last == IWMO_NO_DATE || x->per_begin == IWMO_NO_DATE)
        return 0;
    iwmo_date next = month_last(last) + 1;
    int bad = x->per_begin < next || (x->per_begin > next && care_between(x, next, x->per_begin));
    return fail_if(x, bad, x->decl, "8214", "TR318",
                   "DeclaratiePeriode is not the month after the previous DeclaratiePeriode");
}

/* ---- Client ------------------------------------------------------------------- */

/* TR304: the client has a toewijzing of this gemeente to this provider. */
static int tr304_client(dctx *x, xmlNodePtr client)
{
    if (!x->known)
        return 0;
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, x->bsn};
    int found = exists(x->d, "SELECT 1 FROM toewijzingen t JOIN clients c ON c.id = t.client_id "
                             "WHERE t.standard = $1 AND t.gemeente = $2 AND t.aanbieder = $3 "
                             "AND c.bsn = $4 LIMIT 1", 4, p);
    return fail_if(x, found < 0 ? -1 : !found, client, "8187", "TR304",
                   "the client has no toewijzing of this gemeente to this provider");
}

/* ---- Prestatie: numbers, periods, debet/credit ----------------------------------- */

/* TR314: ReferentieNummer unique for the provider, in this message and before. */
static int tr314(dctx *x, const prestatie *p)
{
    const char *q[] = {x->standard, x->aanbieder, p->ref};
    int used = sl_has(&x->refs, p->ref) ? 1 :
        exists(x->d, "SELECT 1 FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id "
                     "WHERE d.side = 'gemeente' AND d.standard = $1 AND d.aanbieder = $2 "
                     "AND p.referentie_nummer = $3 AND d.status <> 'rejected' LIMIT 1", 3, q);
    return fail_if(x, used, p->node, "8021", "TR314", "ReferentieNummer was delivered before");
}

/* TR319: the ProductPeriode lies in the current or an earlier DeclaratiePeriode. */
static int tr319(dctx *x, const prestatie *p)
{
    int bad = p->eind != IWMO_NO_DATE && x->per_eind != IWMO_NO_DATE && p->eind > x->per_eind;
    return fail_if(x, bad, p->node, "9319", "TR319", "ProductPeriode ends after the DeclaratiePeriode");
}

/* Debets of the relation ($1..$3) with the Prestatie's key fields ($4..$8). */
#define KEY_WHERE \
    "d.side = 'gemeente' AND d.standard = $1 AND d.gemeente = $2 AND d.aanbieder = $3 " \
    "AND d.status <> 'rejected' AND p.debet_credit = 'D' AND p.toewijzing_nummer = $4 " \
    "AND p.product_categorie = $5 AND p.product_code = $6 AND p.periode_begin = $7::date " \
    "AND p.periode_eind = $8::date "

/* TR323 and TR390: a credit reverses an approved, not yet credited debet with the same key. */
static int tr323_tr390(dctx *x, const prestatie *p)
{
    if (!p->vorig[0])
        return fail_if(x, 1, p->node, "8017", "TR323", "a credit Prestatie needs a VorigReferentieNummer");
    const char *q[] = {x->standard, x->gemeente, x->aanbieder, p->nr, p->cat, p->code,
                       p->begin_s, p->eind_s, p->vorig, x->bsn};
    PGresult *res = db_exec(x->d, "SELECT p.status FROM prestaties p JOIN declaraties d "
        "ON d.id = p.declaratie_id WHERE " KEY_WHERE "AND p.referentie_nummer = $9 "
        "AND p.status IN ('approved', 'credited') "
        "AND p.client_id = (SELECT id FROM clients WHERE bsn = $10) ORDER BY p.id DESC LIMIT 1",
        10, q, NULL, 0);
    if (!res)
        return -1;
    int none = PQntuples(res) == 0;
    int credited = !none && !strcmp(PQgetvalue(res, 0, 0), "credited");
    PQclear(res);
    if (fail_if(x, none, p->node, "8017", "TR323", "no approved debet Prestatie with these key fields "
                "carries the VorigReferentieNummer") < 0)
        return -1;
    return fail_if(x, credited, p->node, "9390", "TR390", "the debet Prestatie was credited before");
}

/* TR389: no second debet for the same toewijzing, product and ProductPeriode unless credited. */
static int tr389(dctx *x, const prestatie *p)
{
    const char *q[] = {x->standard, x->gemeente, x->aanbieder, p->nr, p->cat, p->code,
                       p->begin_s, p->eind_s};
    PGresult *res = db_exec(x->d, "SELECT p.referentie_nummer FROM prestaties p JOIN declaraties d "
        "ON d.id = p.declaratie_id WHERE " KEY_WHERE "AND p.status = 'approved'", 8, q, NULL, 0);
    if (!res)
        return -1;
    int open = 0;
    for (int i = 0; i < PQntuples(res); i++)
        open |= !sl_has(&x->cancelled, PQgetvalue(res, i, 0));
    PQclear(res);
    return fail_if(x, open, p->node, "9389", "TR389",
                   "an approved debet for this toewijzing, product and period has no credit");
}

/* ---- Prestatie against its toewijzing --------------------------------------------- */

/* TR338 and TR304: the ToewijzingNummer names a toewijzing of this relation and client. */
static int tr338_tr304(dctx *x, const prestatie *p, const toewijzing *t, int found)
{
    int unrelated = !found || strcmp(t->aanbieder, x->aanbieder) != 0;
    if (fail_if(x, unrelated, p->node, "9338", "TR338",
                "ToewijzingNummer names no toewijzing of this gemeente to this provider") < 0)
        return -1;
    return fail_if(x, !unrelated && !t->same_client, p->node, "8187", "TR304",
                   "the toewijzing belongs to another client");
}

/* TR384: no declaring on a deleted toewijzing (RedenWijziging 13). */
static int tr384(dctx *x, const prestatie *p, const toewijzing *t)
{
    return fail_if(x, !strcmp(t->reden, "13"), p->node, "9384", "TR384",
                   "the toewijzing was deleted (RedenWijziging 13)");
}

/* TR339 and TR340: category and code as assigned, where the toewijzing names them. */
static int tr339_tr340(dctx *x, const prestatie *p, const toewijzing *t)
{
    if (fail_if(x, t->cat[0] && strcmp(t->cat, p->cat) != 0, p->node, "9339", "TR339",
                "ProductCategorie differs from the toegewezen product") < 0)
        return -1;
    return fail_if(x, t->code[0] && strcmp(t->code, p->code) != 0, p->node, "9340", "TR340",
                   "ProductCode differs from the toegewezen product");
}

/* TR307 and TR308: the ProductPeriode lies between Ingangsdatum and Einddatum of the toewijzing. */
static int tr307_tr308(dctx *x, const prestatie *p, const toewijzing *t)
{
    int open = t->eind == IWMO_NO_DATE;
    if (fail_if(x, p->begin < t->ingang || (!open && p->begin > t->eind), p->node, "9307", "TR307",
                "ProductPeriode starts outside the toewijzing") < 0)
        return -1;
    return fail_if(x, p->eind < t->ingang || (!open && p->eind > t->eind), p->node, "9308", "TR308",
                   "ProductPeriode ends outside the toewijzing");
}

/* TR387: the period starts on the 1st, or on a later Ingangsdatum in that month. */
static int tr387(dctx *x, const prestatie *p, const toewijzing *t)
{
    iwmo_date want = month_first(p->begin);
    if (t->ingang > want && t->ingang <= month_last(want))
        want = t->ingang;
    return fail_if(x, p->begin != want, p->node, "9387", "TR387",
                   "ProductPeriode does not start on the first of the month or on the Ingangsdatum");
}

/* TR388: the period ends on the last day, or on an earlier Einddatum in that month. */
static int tr388(dctx *x, const prestatie *p, const toewijzing *t)
{
    iwmo_date want = month_last(p->begin);
    if (t->eind != IWMO_NO_DATE && t->eind < want && t->eind >= month_first(want))
        want = t->eind;
    return fail_if(x, p->eind != want, p->node, "9388", "TR388",
                   "ProductPeriode does not end on the last of the month or on the Einddatum");
}

/* TR341: the unit is the toewijzing's (minutes on hours allowed); without Omvang, the contract's. */
static int tr341(dctx *x, const prestatie *p, const toewijzing *t, const char *contract_eenheid)
{
    if (t->has_omvang)
        return fail_if(x, toew_norm(t, p->eenheid, 0) < 0, p->node, "9341", "TR341",
                       "Eenheid does not fit the unit of the toegewezen product");
    return fail_if(x, contract_eenheid[0] && strcmp(contract_eenheid, p->eenheid) != 0, p->node,
                   "9341", "TR341", "Eenheid does not fit the unit of the contract");
}

/* Approved, not credited debets on the toewijzing: volume (normalised) and cents. */
static int approved_use(dctx *x, const toewijzing *t, long long *volume, long long *cents)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", t->id);
    const char *q[] = {id};
    PGresult *res = db_exec(x->d, "SELECT p.referentie_nummer, p.eenheid, p.geleverd_volume, p.bedrag_cents "
        "FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id WHERE p.toewijzing_id = $1 "
        "AND d.side = 'gemeente' AND p.debet_credit = 'D' AND p.status = 'approved'", 1, q, NULL, 0);
    if (!res)
        return -1;
    *volume = *cents = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (sl_has(&x->cancelled, PQgetvalue(res, i, 0)))
            continue;
        long long v = toew_norm(t, PQgetvalue(res, i, 1), atoll(PQgetvalue(res, i, 2)));
        *volume += v > 0 ? v : 0;
        *cents += atoll(PQgetvalue(res, i, 3));
    }
    PQclear(res);
    return 0;
}

/* TR321 (this period), TR322 (whole toewijzing) and TR369 (budget). */
static int volume_rules(dctx *x, const prestatie *p, const toewijzing *t)
{
    long long used_v = 0, used_c = 0;
    tally *tl = tally_of(x, t->id);
    if (!tl || approved_use(x, t, &used_v, &used_c) < 0)
        return -1;
    long long mine = toew_norm(t, p->eenheid, p->volume);
    int hh = !strcmp(x->standard, "iwmo") && !strcmp(t->cat, "01");
    long long per = toew_max_in_period(t, p->begin, p->eind, hh), all = toew_max_total(t);
    int over_per = t->has_omvang && mine >= 0 && per >= 0 && mine > toew_norm(t, t->eenheid, per);
    int over_all = t->has_omvang && mine >= 0 && all >= 0 &&
                   used_v + tl->volume + mine > toew_norm(t, t->eenheid, all);
    int over_budget = t->has_budget && used_c + tl->cents + p->bedrag > t->budget_cents;
    if (fail_if(x, over_per, p->node, "9321", "TR321", "GeleverdVolume exceeds the volume assigned "
                "for this period") < 0 ||
        fail_if(x, over_all, p->node, "9322", "TR322", "the declared volumes together exceed the "
                "assigned volume") < 0)
        return -1;
    return fail_if(x, over_budget, p->node, "9369", "TR369",
                   "the declared amounts together exceed the assigned budget");
}

/* The contract row for the Prestatie: tariff and unit; 1 found, 0 none, -1 error. */
static int contract_of(dctx *x, const prestatie *p, long long *tarief, char *eenheid, size_t n)
{
    const char *q[] = {x->standard, x->gemeente, x->aanbieder, p->cat, p->code, p->begin_s};
    PGresult *res = db_exec(x->d, "SELECT tarief_cents, coalesce(eenheid, '') FROM contract_tarieven "
        "WHERE standard = $1 AND gemeente = $2 AND (aanbieder = $3 OR aanbieder IS NULL) "
        "AND product_categorie = $4 AND product_code = $5 AND valid_from <= $6::date "
        "AND (valid_to IS NULL OR valid_to >= $6::date) "
        "ORDER BY aanbieder IS NULL, valid_from DESC LIMIT 1", 6, q, NULL, 0);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    if (found) {
        *tarief = atoll(PQgetvalue(res, 0, 0));
        snprintf(eenheid, n, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return found;
}

/* TR418: ProductTarief equals the contract tariff (level 4: a bilateral agreement, IV088). */
static int tr418(dctx *x, const prestatie *p, int found, long long tarief, const char *eenheid)
{
    int applies = found && p->has_tarief && (!eenheid[0] || !strcmp(eenheid, p->eenheid));
    if (applies && p->tarief != tarief)
        iwmo_findings_add_at(&x->r->findings, p->node, 4, "0611", "TR418",
                             "ProductTarief differs from the contract tariff");
    return 0;
}

/* Every toewijzing rule of a debet Prestatie; a deleted toewijzing only gets TR384. */
static int debet_vs_toewijzing(dctx *x, const prestatie *p, const toewijzing *t, const char *ce)
{
    if (!strcmp(t->reden, "13"))
        return tr384(x, p, t);
    if (tr339_tr340(x, p, t) < 0 || tr307_tr308(x, p, t) < 0 ||
        tr387(x, p, t) < 0 || tr388(x, p, t) < 0 || tr341(x, p, t, ce) < 0)
        return -1;
    return volume_rules(x, p, t);
}

/* ---- one Prestatie ------------------------------------------------------------------ */

static int remember(dctx *x, const prestatie *p, const toewijzing *t, int linked)
{
    int clean = is_clean(x, p->node);
    if (clean && !strcmp(p->dc, "C") && p->vorig[0] && sl_add(&x->cancelled, p->vorig) < 0)
        return -1;
    if (clean && !strcmp(p->dc, "D") && linked) {
        tally *tl = tally_of(x, t->id);
        long long v = toew_norm(t, p->eenheid, p->volume);
        if (!tl)
            return -1;
        tl->volume += v > 0 ? v : 0;
        tl->cents += p->bedrag;
    }
    return sl_add(&x->refs, p->ref);
}

static int check_prestatie(dctx *x, const prestatie *p)
{
    int credit = !strcmp(p->dc, "C");
    if (tr314(x, p) < 0 || tr319(x, p) < 0 || (credit ? tr323_tr390(x, p) : tr389(x, p)) < 0)
        return -1;
    toewijzing t = {0};
    int found = 0, linked = 0;
    if (x->known) {
        found = toew_lookup(x->d, x->standard, x->gemeente, p->nr, x->bsn, &t);
        if (found < 0 || tr338_tr304(x, p, &t, found) < 0)
            return -1;
        linked = found && !strcmp(t.aanbieder, x->aanbieder) && t.same_client;
    }
    long long tarief = 0;
    char ce[4] = "";
    int contract = credit ? 0 : contract_of(x, p, &tarief, ce, sizeof(ce));
    if (contract < 0 || (!credit && tr418(x, p, contract, tarief, ce) < 0))
        return -1;
    if (!credit && linked && debet_vs_toewijzing(x, p, &t, ce) < 0)
        return -1;
    return remember(x, p, &t, linked);
}

/* Credits first (they may free room for the debets), then debets; document order within. */
static int check_clients(dctx *x, int pass)
{
    for (xmlNodePtr cl = xu_first_desc(x->decl, "Client"); cl; cl = xu_next(cl, "Client")) {
        xu_text(cl, "Bsn", x->bsn, sizeof(x->bsn));
        if (pass == 0 && tr304_client(x, cl) < 0)
            return -1;
        if (!is_clean(x, cl))
            continue;
        for (xmlNodePtr n = xu_first_desc(cl, "Prestatie"); n; n = xu_next(n, "Prestatie")) {
            prestatie p;
            prestatie_read(n, &p);
            if (!strcmp(p.dc, pass == 0 ? "C" : "D") && check_prestatie(x, &p) < 0)
                return -1;
        }
    }
    return 0;
}

static int run_checks(dctx *x)
{
    x->known = toew_gemeente_known(x->d, x->standard, x->gemeente);
    if (x->known < 0 || tr333(x) < 0 || tr318(x) < 0)
        return -1;
    if (!is_clean(x, x->decl))
        return 0;                       /* the declaratie falls as a whole */
    return check_clients(x, 0) < 0 || check_clients(x, 1) < 0 ? -1 : 0;
}

int declaratie_check(db *d, iwmo_result *r, const char *pseudonym_key)
{
    (void)pseudonym_key;
    if (!r->doc || r->ident.type != 323)
        return 0;
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    xmlNodePtr header = xu_child(root, "Header");
    dctx x = {.d = d, .r = r, .standard = iwmo_standard_name(r->ident.standard),
              .decl = xu_child(root, "Declaratie")};
    if (!x.decl)
        return 0;
    xu_text(header, "Ontvanger", x.gemeente, sizeof(x.gemeente));
    xu_text(header, "Afzender", x.aanbieder, sizeof(x.aanbieder));
    x.per_begin = xu_date(x.decl, "DeclaratiePeriode/Begindatum");
    x.per_eind = xu_date(x.decl, "DeclaratiePeriode/Einddatum");
    int rc = run_checks(&x);
    sl_free(&x.refs);
    sl_free(&x.cancelled);
    free(x.tallies);
    return rc;
}

int declaratie_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key)
{
    return declaratie_record(d, message_id, r, pseudonym_key);
}
