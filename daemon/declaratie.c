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
 *
 * Cost: what the rules need from earlier messages is loaded up front with a
 * few set-based queries over all the numbers the message names (preload), so
 * a 323 takes the same handful of round trips whatever its number of
 * prestaties; each Prestatie is then judged in memory. The loads select the
 * same rows as the per-Prestatie conditions stated at each rule.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie.h"
#include "declaratie_int.h"
#include "declaratie_pieces.h"
#include "declaratie_toew.h"
#include "xmlutil.h"

typedef struct {
    db *d;
    iwmo_result *r;
    const char *standard;
    char gemeente[16], aanbieder[16], bsn[16];
    xmlNodePtr decl;
    iwmo_date per_begin, per_eind;
    int known;                      /* toewijzingen of this gemeente pass through us */
    smap refs;                      /* ReferentieNummers met so far (TR314) */
    smap cancelled;                 /* debets reversed by clean credits of this message */
    /* loaded up front (preload) */
    smap prior_refs;                /* the message's ReferentieNummers recorded before (TR314) */
    smap toew_bsns;                 /* its BSNs with a toewijzing of this relation (TR304) */
    toew_cache toew;                /* the toewijzingen it names */
    PGresult *cred;                 /* approved or credited debets its credits name (TR323, TR390) */
    int *cred_next;
    smap cred_by_ref;
    PGresult *open;                 /* approved debets on the toewijzingen it names (TR389) */
    int *open_next;
    smap open_by_key;
    PGresult *tarieven;             /* contract_tarieven of the relation (TR418) */
    int *tar_next;
    smap tar_by_product;
    /* a big declaratie checked piece by piece (declaratie_pieces.h) */
    int pieced;
    int tr304_late;                 /* no credits: TR304 of a Client judged with its debets */
    const iwmo_date *begins;        /* every Prestatie's Begindatum (TR318), streamed only */
    size_t nbegins;
    long long approved_cents;       /* signed total of the lines approved so far */
} dctx;

/* ---- small helpers ---------------------------------------------------------- */

/* Rows of a result chained per key: the map holds first index + 1, next[] the rest. */
typedef void (*row_key)(PGresult *res, int row, char *key, size_t n);

static int index_rows(dctx *x, PGresult *res, row_key key, smap *m, int **next)
{
    int n = PQntuples(res);
    if (!(*next = malloc((size_t)(n ? n : 1) * sizeof(int))))
        goto oom;
    for (int i = n - 1; i >= 0; i--) {         /* backwards: chains run in result order */
        char k[160];
        key(res, i, k, sizeof(k));
        void **slot = smap_slot(m, k, NULL);
        if (!slot)
            goto oom;
        (*next)[i] = (int)(intptr_t)*slot - 1;
        *slot = (void *)(intptr_t)(i + 1);
    }
    return 0;
oom:
    snprintf(x->d->err, sizeof(x->d->err), "out of memory");
    return -1;
}

static int chain_first(const smap *m, const char *key)
{
    return (int)(intptr_t)smap_get(m, key) - 1;
}

/* A key of the fields that identify a debet: ToewijzingNummer, product and ProductPeriode. */
static void debet_key(char *k, size_t n, const char *nr, const char *cat, const char *code, iwmo_date b,
                      iwmo_date e)
{
    snprintf(k, n, "%s\x1f%s\x1f%s\x1f%ld\x1f%ld", nr, cat, code, (long)b, (long)e);
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
    for (size_t i = 0; i < x->nbegins; i++)
        if (x->begins[i] != IWMO_NO_DATE && x->begins[i] >= from && x->begins[i] < to)
            return 1;
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

/* TR304: the client has a toewijzing of this gemeente to this provider (toew_bsns, see preload). */
static int tr304_client(dctx *x, xmlNodePtr client)
{
    if (!x->known)
        return 0;
    return fail_if(x, !smap_has(&x->toew_bsns, x->bsn), client, "8187", "TR304",
                   "the client has no toewijzing of this gemeente to this provider");
}

/* ---- Prestatie: numbers, periods, debet/credit ----------------------------------- */

/* TR314: ReferentieNummer unique for the provider, in this message and before (prior_refs). */
static int tr314(dctx *x, const prestatie *p)
{
    int used = smap_has(&x->refs, p->ref) || smap_has(&x->prior_refs, p->ref);
    return fail_if(x, used, p->node, "8021", "TR314", "ReferentieNummer was delivered before");
}

/* TR319: the ProductPeriode lies in the current or an earlier DeclaratiePeriode. */
static int tr319(dctx *x, const prestatie *p)
{
    int bad = p->eind != IWMO_NO_DATE && x->per_eind != IWMO_NO_DATE && p->eind > x->per_eind;
    return fail_if(x, bad, p->node, "9319", "TR319", "ProductPeriode ends after the DeclaratiePeriode");
}

/* Do row i of a debet result (nr, cat, code, begin, eind in columns c..c+4) carry p's key fields? */
static int same_key(PGresult *res, int i, int c, const prestatie *p)
{
    return !strcmp(PQgetvalue(res, i, c), p->nr) && !strcmp(PQgetvalue(res, i, c + 1), p->cat) &&
           !strcmp(PQgetvalue(res, i, c + 2), p->code) &&
           iwmo_date_parse(PQgetvalue(res, i, c + 3)) == p->begin &&
           iwmo_date_parse(PQgetvalue(res, i, c + 4)) == p->eind;
}

/*
 * TR323 and TR390: a credit reverses an approved, not yet credited debet with the same key:
 * the latest (highest id) approved or credited debet of the relation and client with
 * ReferentieNummer = VorigReferentieNummer and the same key fields (cred, see preload).
 */
static int tr323_tr390(dctx *x, const prestatie *p)
{
    if (!p->vorig[0])
        return fail_if(x, 1, p->node, "8017", "TR323", "a credit Prestatie needs a VorigReferentieNummer");
    long long best = -1;
    int row = -1;
    for (int i = x->cred ? chain_first(&x->cred_by_ref, p->vorig) : -1; i >= 0; i = x->cred_next[i]) {
        long long id = atoll(PQgetvalue(x->cred, i, 0));
        if (id > best && !strcmp(PQgetvalue(x->cred, i, 8), x->bsn) && same_key(x->cred, i, 2, p)) {
            best = id;
            row = i;
        }
    }
    int none = row < 0;
    int credited = !none && !strcmp(PQgetvalue(x->cred, row, 7), "credited");
    if (fail_if(x, none, p->node, "8017", "TR323", "no approved debet Prestatie with these key fields "
                "carries the VorigReferentieNummer") < 0)
        return -1;
    return fail_if(x, credited, p->node, "9390", "TR390", "the debet Prestatie was credited before");
}

/* TR389: no second debet for the same toewijzing, product and ProductPeriode unless credited. */
static int tr389(dctx *x, const prestatie *p)
{
    char k[160];
    debet_key(k, sizeof(k), p->nr, p->cat, p->code, p->begin, p->eind);
    int open = 0;
    for (int i = x->open ? chain_first(&x->open_by_key, k) : -1; i >= 0; i = x->open_next[i])
        open |= !smap_has(&x->cancelled, PQgetvalue(x->open, i, 0));
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
static void approved_use(dctx *x, const toew_entry *e, long long *volume, long long *cents)
{
    PGresult *u = x->toew.use;
    *volume = *cents = 0;
    for (int i = e->use_head; i >= 0; i = x->toew.use_next[i]) {
        if (smap_has(&x->cancelled, PQgetvalue(u, i, 1)))
            continue;
        long long v = toew_norm(&e->t, PQgetvalue(u, i, 2), atoll(PQgetvalue(u, i, 3)));
        *volume += v > 0 ? v : 0;
        *cents += atoll(PQgetvalue(u, i, 4));
    }
}

/* TR321 (this period), TR322 (whole toewijzing) and TR369 (budget). */
static int volume_rules(dctx *x, const prestatie *p, const toewijzing *t, const toew_entry *e)
{
    long long used_v = 0, used_c = 0;
    approved_use(x, e, &used_v, &used_c);
    long long mine = toew_norm(t, p->eenheid, p->volume);
    int hh = !strcmp(x->standard, "iwmo") && !strcmp(t->cat, "01");
    long long per = toew_max_in_period(t, p->begin, p->eind, hh), all = toew_max_total(t);
    int over_per = t->has_omvang && mine >= 0 && per >= 0 && mine > toew_norm(t, t->eenheid, per);
    int over_all = t->has_omvang && mine >= 0 && all >= 0 &&
                   used_v + e->tally_volume + mine > toew_norm(t, t->eenheid, all);
    int over_budget = t->has_budget && used_c + e->tally_cents + p->bedrag > t->budget_cents;
    if (fail_if(x, over_per, p->node, "9321", "TR321", "GeleverdVolume exceeds the volume assigned "
                "for this period") < 0 ||
        fail_if(x, over_all, p->node, "9322", "TR322", "the declared volumes together exceed the "
                "assigned volume") < 0)
        return -1;
    return fail_if(x, over_budget, p->node, "9369", "TR369",
                   "the declared amounts together exceed the assigned budget");
}

/*
 * The contract row for the Prestatie: tariff and unit; 1 found, 0 none. Among the rows of
 * its product valid at the ProductPeriode's start, the provider's own wins over one for all
 * providers, then the latest valid_from (then the lowest id).
 */
static int contract_of(dctx *x, const prestatie *p, long long *tarief, char *eenheid, size_t n)
{
    char k[40];
    snprintf(k, sizeof(k), "%s\x1f%s", p->cat, p->code);
    PGresult *t = x->tarieven;
    int best = -1;
    for (int i = t ? chain_first(&x->tar_by_product, k) : -1; i >= 0; i = x->tar_next[i]) {
        iwmo_date from = iwmo_date_parse(PQgetvalue(t, i, 4)), to = iwmo_date_parse(PQgetvalue(t, i, 5));
        if (p->begin == IWMO_NO_DATE || from > p->begin || (to != IWMO_NO_DATE && to < p->begin))
            continue;
        if (best >= 0) {
            int gen = !strcmp(PQgetvalue(t, i, 1), "t"), bgen = !strcmp(PQgetvalue(t, best, 1), "t");
            iwmo_date bfrom = iwmo_date_parse(PQgetvalue(t, best, 4));
            if (gen > bgen || (gen == bgen && from <= bfrom))
                continue;               /* rows come in id order: ties keep the first */
        }
        best = i;
    }
    if (best < 0)
        return 0;
    *tarief = atoll(PQgetvalue(t, best, 6));
    snprintf(eenheid, n, "%s", PQgetvalue(t, best, 7));
    return 1;
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
static int debet_vs_toewijzing(dctx *x, const prestatie *p, const toewijzing *t, const toew_entry *e,
                               const char *ce)
{
    if (!strcmp(t->reden, "13"))
        return tr384(x, p, t);
    if (tr339_tr340(x, p, t) < 0 || tr307_tr308(x, p, t) < 0 ||
        tr387(x, p, t) < 0 || tr388(x, p, t) < 0 || tr341(x, p, t, ce) < 0)
        return -1;
    return volume_rules(x, p, t, e);
}

/* ---- one Prestatie ------------------------------------------------------------------ */

static int remember(dctx *x, const prestatie *p, toew_entry *e, int linked)
{
    int clean = is_clean(x, p->node);
    if (clean && !strcmp(p->dc, "C") && p->vorig[0] && smap_add(&x->cancelled, p->vorig) < 0)
        goto oom;
    if (clean && !strcmp(p->dc, "D") && linked) {
        long long v = toew_norm(&e->t, p->eenheid, p->volume);
        e->tally_volume += v > 0 ? v : 0;
        e->tally_cents += p->bedrag;
    }
    if (smap_add(&x->refs, p->ref) < 0)
        goto oom;
    return 0;
oom:
    snprintf(x->d->err, sizeof(x->d->err), "out of memory");
    return -1;
}

static int check_prestatie(dctx *x, const prestatie *p)
{
    int credit = !strcmp(p->dc, "C");
    if (tr314(x, p) < 0 || tr319(x, p) < 0 || (credit ? tr323_tr390(x, p) : tr389(x, p)) < 0)
        return -1;
    toewijzing t = {0};
    toew_entry *e = NULL;
    int found = 0, linked = 0;
    if (x->known) {
        e = toew_cache_get(&x->toew, p->nr);
        found = e != NULL;
        if (found) {
            t = e->t;
            t.same_client = !strcmp(e->bsn, x->bsn);
        }
        if (tr338_tr304(x, p, &t, found) < 0)
            return -1;
        linked = found && !strcmp(t.aanbieder, x->aanbieder) && t.same_client;
    }
    long long tarief = 0;
    char ce[4] = "";
    int contract = credit ? 0 : contract_of(x, p, &tarief, ce, sizeof(ce));
    if (!credit && tr418(x, p, contract, tarief, ce) < 0)
        return -1;
    if (!credit && linked && debet_vs_toewijzing(x, p, &t, e, ce) < 0)
        return -1;
    return remember(x, p, e, linked);
}

/* Credits first (they may free room for the debets), then debets; document order within. */
static int check_clients(dctx *x, int pass)
{
    for (xmlNodePtr cl = xu_first_desc(x->decl, "Client"); cl; cl = xu_next(cl, "Client")) {
        xu_text(cl, "Bsn", x->bsn, sizeof(x->bsn));
        if ((pass == 0 || x->tr304_late) && tr304_client(x, cl) < 0)
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

/* ---- preload: what earlier messages say about the numbers this one names ----------- */

static void key_ref(PGresult *res, int i, char *k, size_t n)
{
    snprintf(k, n, "%s", PQgetvalue(res, i, 1));
}

static void key_open(PGresult *res, int i, char *k, size_t n)
{
    debet_key(k, n, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
              iwmo_date_parse(PQgetvalue(res, i, 4)), iwmo_date_parse(PQgetvalue(res, i, 5)));
}

static void key_product(PGresult *res, int i, char *k, size_t n)
{
    snprintf(k, n, "%s\x1f%s", PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
}

/* Column 0 of every row into a set. */
static int fill_set(dctx *x, PGresult *res, smap *set)
{
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = smap_add(set, PQgetvalue(res, i, 0));
    PQclear(res);
    if (rc < 0)
        snprintf(x->d->err, sizeof(x->d->err), "out of memory");
    return rc;
}

/* The numbers the message names, each once, as text[] literals. */
typedef struct {
    sbuf bsns, refs, vorigs, nrs;
    int debets, credits;
    smap seen[4];
} names;

static int add_once(smap *seen, sbuf *lit, const char *v)
{
    int added = 0;
    if (!smap_slot(seen, v, &added))
        return -1;
    if (added)
        arr_add(lit, v);
    return 0;
}

/* Add the numbers of x->decl's Clients (the whole message, or one piece of it). */
static int collect_names(dctx *x, names *nm)
{
    int rc = 0;
    for (xmlNodePtr cl = xu_first_desc(x->decl, "Client"); cl && rc == 0; cl = xu_next(cl, "Client")) {
        char bsn[16];
        rc = add_once(&nm->seen[0], &nm->bsns, xu_text(cl, "Bsn", bsn, sizeof(bsn)));
        for (xmlNodePtr n = xu_first_desc(cl, "Prestatie"); n && rc == 0; n = xu_next(n, "Prestatie")) {
            prestatie p;
            prestatie_read(n, &p);
            int credit = !strcmp(p.dc, "C");
            nm->debets |= !credit;
            nm->credits |= credit;
            if (add_once(&nm->seen[1], &nm->refs, p.ref) < 0 || add_once(&nm->seen[2], &nm->nrs, p.nr) < 0 ||
                (credit && p.vorig[0] && add_once(&nm->seen[3], &nm->vorigs, p.vorig) < 0))
                rc = -1;
        }
    }
    if (rc < 0)
        snprintf(x->d->err, sizeof(x->d->err), "out of memory");
    return rc;
}

/* Close the literals. */
static int names_end(dctx *x, names *nm)
{
    for (int i = 0; i < 4; i++)
        smap_free(&nm->seen[i], NULL);
    if (!arr_end(&nm->bsns) || !arr_end(&nm->refs) || !arr_end(&nm->nrs) || !arr_end(&nm->vorigs)) {
        snprintf(x->d->err, sizeof(x->d->err), "out of memory");
        return -1;
    }
    return 0;
}

static void names_free(names *nm)
{
    for (int i = 0; i < 4; i++)
        smap_free(&nm->seen[i], NULL);
    sb_free(&nm->bsns);
    sb_free(&nm->refs);
    sb_free(&nm->vorigs);
    sb_free(&nm->nrs);
}

/*
 * Everything the per-Prestatie rules read from the database, in a few queries over the
 * message's numbers. Nothing is written between here and the last rule (the message is
 * recorded after its checks), so the rows are those each rule would have selected itself.
 */
static int preload(dctx *x, names *nm)
{
    const char *rel[] = {x->standard, x->gemeente, x->aanbieder, NULL};
    /* TR304: the client has a toewijzing of this gemeente to this provider. */
    rel[3] = nm->bsns.s;
    if (x->known && fill_set(x, db_exec(x->d, "SELECT DISTINCT c.bsn FROM toewijzingen t "
            "JOIN clients c ON c.id = t.client_id WHERE t.standard = $1 AND t.gemeente = $2 "
            "AND t.aanbieder = $3 AND c.bsn = ANY($4::text[])", 4, rel, NULL, 0), &x->toew_bsns) < 0)
        return -1;
    /* TR314: numbers this provider delivered before, in declaraties not rejected as a whole. */
    const char *q314[] = {x->standard, x->aanbieder, nm->refs.s};
    if (fill_set(x, db_exec(x->d, "SELECT DISTINCT p.referentie_nummer FROM prestaties p "
            "JOIN declaraties d ON d.id = p.declaratie_id WHERE d.side = 'gemeente' AND d.standard = $1 "
            "AND d.aanbieder = $2 AND d.status <> 'rejected' AND p.referentie_nummer = ANY($3::text[])",
            3, q314, NULL, 0), &x->prior_refs) < 0)
        return -1;
    /* TR338 and the rules against the toewijzing. */
    if (x->known && toew_cache_load(x->d, &x->toew, x->standard, x->gemeente, x->aanbieder,
                                    nm->nrs.s) < 0)
        return -1;
    /* TR323/TR390: approved or credited debets of the relation named by a VorigReferentieNummer. */
    if (nm->vorigs.items) {
        rel[3] = nm->vorigs.s;
        x->cred = db_exec(x->d, "SELECT p.id, p.referentie_nummer, p.toewijzing_nummer, "
            "p.product_categorie, p.product_code, p.periode_begin, p.periode_eind, p.status, c.bsn "
            "FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id "
            "JOIN clients c ON c.id = p.client_id WHERE d.side = 'gemeente' AND d.standard = $1 "
            "AND d.gemeente = $2 AND d.aanbieder = $3 AND d.status <> 'rejected' "
            "AND p.debet_credit = 'D' AND p.status IN ('approved', 'credited') "
            "AND p.referentie_nummer = ANY($4::text[]) ORDER BY p.id", 4, rel, NULL, 0);
        if (!x->cred || index_rows(x, x->cred, key_ref, &x->cred_by_ref, &x->cred_next) < 0)
            return -1;
    }
    if (!nm->debets)
        return 0;
    /* TR389: approved debets of the relation on the toewijzingen named. */
    rel[3] = nm->nrs.s;
    x->open = db_exec(x->d, "SELECT p.referentie_nummer, p.toewijzing_nummer, p.product_categorie, "
        "p.product_code, p.periode_begin, p.periode_eind FROM prestaties p "
        "JOIN declaraties d ON d.id = p.declaratie_id WHERE d.side = 'gemeente' AND d.standard = $1 "
        "AND d.gemeente = $2 AND d.aanbieder = $3 AND d.status <> 'rejected' AND p.debet_credit = 'D' "
        "AND p.status = 'approved' AND p.toewijzing_nummer = ANY($4::text[])", 4, rel, NULL, 0);
    if (!x->open || index_rows(x, x->open, key_open, &x->open_by_key, &x->open_next) < 0)
        return -1;
    /* TR418: the relation's contract tariffs. */
    x->tarieven = db_exec(x->d, "SELECT id, aanbieder IS NULL, product_categorie, product_code, "
        "valid_from, coalesce(valid_to::text, ''), tarief_cents, coalesce(eenheid, '') "
        "FROM contract_tarieven WHERE standard = $1 AND gemeente = $2 "
        "AND (aanbieder = $3 OR aanbieder IS NULL) ORDER BY id", 3, rel, NULL, 0);
    return !x->tarieven ? -1 : index_rows(x, x->tarieven, key_product, &x->tar_by_product, &x->tar_next);
}

static int run_checks(dctx *x)
{
    x->known = toew_gemeente_known(x->d, x->standard, x->gemeente);
    if (x->known < 0 || tr333(x) < 0 || tr318(x) < 0)
        return -1;
    if (!is_clean(x, x->decl))
        return 0;                       /* the declaratie falls as a whole */
    names nm = {0};
    int rc = collect_names(x, &nm) < 0 || names_end(x, &nm) < 0 || preload(x, &nm) < 0 ? -1 : 0;
    names_free(&nm);
    return rc < 0 || check_clients(x, 0) < 0 || check_clients(x, 1) < 0 ? -1 : 0;
}

/* ---- the same, piece by piece ------------------------------------------------------- */

struct piece_pass {
    dctx *x;
    int pass;
};

/* Point the checks at one piece: its result and its Declaratie. */
static void enter_piece(dctx *x, iwmo_result *piece)
{
    x->r = piece;
    x->decl = xu_child(xmlDocGetRootElement(piece->doc), "Declaratie");
}

static int names_of_piece(iwmo_result *piece, void *ctx)
{
    return iwmo_decl_index_feed(ctx, piece->doc);
}

/* The names gathered while the rules read the pieces (lib/declindex.c). */
static void names_from_index(dctx *x, const iwmo_decl_index *ix, names *nm)
{
    const iwmo_strlist *lists[] = {&ix->bsns, &ix->refs, &ix->nrs, &ix->vorigs};
    sbuf *lits[] = {&nm->bsns, &nm->refs, &nm->nrs, &nm->vorigs};
    for (int i = 0; i < 4; i++)
        for (const char *v = iwmo_strlist_next(lists[i], NULL); v; v = iwmo_strlist_next(lists[i], v))
            arr_add(lits[i], v);
    nm->debets = ix->debets;
    nm->credits = ix->credits;
    x->begins = ix->begins;
    x->nbegins = ix->nbegins;
}

/* Signed cents of the lines of the piece that nothing rejected. */
static long long approved_in(const iwmo_result *piece, xmlNodePtr decl)
{
    long long sum = 0;
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl; cl = xu_next(cl, "Client"))
        for (xmlNodePtr n = xu_first_desc(cl, "Prestatie"); n; n = xu_next(n, "Prestatie")) {
            const char *codes[1];
            if (iwmo_class_codes(piece, cl, codes, 1) || iwmo_class_codes(piece, n, codes, 1))
                continue;
            prestatie p;
            prestatie_read(n, &p);
            sum += !strcmp(p.dc, "C") ? -p.bedrag : p.bedrag;
        }
    return sum;
}

static int check_piece(iwmo_result *piece, void *ctx)
{
    struct piece_pass *pp = ctx;
    enter_piece(pp->x, piece);
    if (check_clients(pp->x, pp->pass) < 0)
        return -1;
    if (pp->pass == 1)
        pp->x->approved_cents += approved_in(piece, pp->x->decl);
    return 0;
}

/*
 * A streamed 323: the numbers first (one reading), then the credits (a second reading,
 * only when there are any), then the debets. Each Client with a finding is kept in
 * r->doc, which the 325 is built from; r->pieces_approved_cents gets the granted total.
 */
static int run_checks_pieced(dctx *x)
{
    iwmo_result *r = x->r;
    xmlNodePtr decl = x->decl;
    names nm = {0};
    struct piece_pass pp = {x, 0};
    int rc = 0;
    if (!r->pieces_index) {             /* the rules did not gather them: read the pieces once */
        r->pieces_index = calloc(1, sizeof(*r->pieces_index));
        rc = !r->pieces_index ? -1 : pieces_each(r, 0, names_of_piece, r->pieces_index, x->d->err,
                                                 sizeof(x->d->err));
        if (rc != 0)
            snprintf(x->d->err, sizeof(x->d->err), "cannot gather the numbers of a streamed declaratie");
    }
    if (rc == 0)
        names_from_index(x, r->pieces_index, &nm);
    x->r = r;
    x->decl = decl;
    x->known = rc < 0 ? -1 : toew_gemeente_known(x->d, x->standard, x->gemeente);
    if (x->known < 0 || tr333(x) < 0 || tr318(x) < 0 || names_end(x, &nm) < 0) {
        names_free(&nm);
        return -1;
    }
    if (!is_clean(x, x->decl)) {
        names_free(&nm);
        return 0;                       /* the declaratie falls as a whole */
    }
    rc = preload(x, &nm);
    x->tr304_late = !nm.credits;
    if (rc == 0 && nm.credits)
        rc = pieces_each(r, 1, check_piece, &pp, x->d->err, sizeof(x->d->err));
    pp.pass = 1;
    if (rc == 0)
        rc = pieces_each(r, 1, check_piece, &pp, x->d->err, sizeof(x->d->err));
    names_free(&nm);
    x->r = r;
    r->pieces_approved_cents = x->approved_cents;
    if (rc == 0 && pieces_order_findings(r) < 0) {
        snprintf(x->d->err, sizeof(x->d->err), "out of memory");
        rc = -1;
    }
    return rc;
}

static void dctx_free(dctx *x)
{
    smap_free(&x->refs, NULL);
    smap_free(&x->cancelled, NULL);
    smap_free(&x->prior_refs, NULL);
    smap_free(&x->toew_bsns, NULL);
    toew_cache_free(&x->toew);
    PQclear(x->cred);
    free(x->cred_next);
    smap_free(&x->cred_by_ref, NULL);
    PQclear(x->open);
    free(x->open_next);
    smap_free(&x->open_by_key, NULL);
    PQclear(x->tarieven);
    free(x->tar_next);
    smap_free(&x->tar_by_product, NULL);
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
    x.pieced = r->pieces_buf != NULL;
    int rc = x.pieced ? run_checks_pieced(&x) : run_checks(&x);
    dctx_free(&x);
    return rc;
}

int declaratie_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key)
{
    return declaratie_record(d, message_id, r, pseudonym_key);
}
