/*
 * crossrules.c - the cross-message ("berichtoverstijgend") technical rules
 * for the regieberichten, checked against the state of earlier messages.
 *
 *   305 (start)  received by a gemeente: TR019 TR063 TR071 TR074 TR326
 *   307 (stop)   received by a gemeente: TR019 TR063 TR074 TR382 TR413 TR414 TR415
 *   301 (toewijzing) received by an aanbieder: TR332 TR379
 *
 * The rules are the same in iWmo 3.2 and iJw 3.2. Only accepted messages
 * leave state behind (starts, stops, toewijzingen), and a row deleted with
 * StatusAanlevering 3 (deleted_by set) counts as never sent (OP033).
 *
 * Readings:
 * - StatusAanlevering 2 passes the XSD but CS058 rejects it (0001); a
 *   technically rejected message is answered with 0001 alone, so its content
 *   is not judged here at all.
 * - A deletion (3) is corrective: only TR063 and TR071 apply to it.
 * - TR019 holds for output- and inspanningsgericht work, which the message
 *   does not state. It is judged when the start/stop names a ToewijzingNummer
 *   and the gemeente's toewijzingen pass through us (at least one recorded);
 *   otherwise the gemeente works taakgericht or outside iwmod.
 * - TR382/TR413-415 relate stops to "the same start": the start's full key
 *   (ToewijzingNummer, Product, Begindatum) for the same client and relation.
 * - TR379: which verzoek a toewijzing honours is not recorded yet, so only
 *   "a ReferentieAanbieder while we never sent a 315/317 to that gemeente"
 *   is decided. TR385 needs declaratie state and is not checked.
 *
 * The client is found by BSN inside the SQL; the BSN never reaches a finding
 * or a log line.
 */
#include <stdlib.h>
#include <string.h>
#include "crossrules.h"
#include "declaratie.h"
#include "verzoek.h"
#include "xmlutil.h"

/*
 * The reads the rules make are first collected by a dry pass over them (every
 * read answered "found", no finding added) and answered together in one round
 * trip (db_ahead_*); the real pass then finds its answers there. A read the
 * dry pass did not foresee is asked on its own.
 */
/* The message being judged: who is gemeente and who aanbieder, and the client. */
typedef struct {
    db *d;
    iwmo_result *r;
    const char *standard;           /* "iwmo" or "ijw" */
    char gemeente[16], aanbieder[16], bsn[16];
    int dry;                        /* 1: register the reads only */
} xctx;

/* One StartProduct or StopProduct: its logical key and StatusAanlevering. */
typedef struct {
    xmlNodePtr node;
    char nr[32], cat[8], code[16], begin[16], eind[16], reden[8], status[4];
} aanlevering;

/* Text or SQL NULL for an absent element. */
static const char *opt(const char *s)
{
    return s[0] ? s : NULL;
}

/* 1 when the query returns a row, 0 when not, -1 on a database error. */
static int exists(xctx *x, const char *sql, int n, const char *const *p)
{
    if (x->dry) {
        db_ahead_add(x->d, sql, n, p);
        return 1;
    }
    PGresult *res = db_exec(x->d, sql, n, p, NULL, 0);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

/* 1 when the query returns no row, 0 when it does, -1 on a database error. */
static int absent(xctx *x, const char *sql, int n, const char *const *p)
{
    int found = exists(x, sql, n, p);
    return found < 0 ? -1 : !found;
}

/* Add the finding when cond is 1 (not on the dry pass); pass -1 (database error) through. */
static int fail_if(xctx *x, int cond, xmlNodePtr node, const char *code, const char *rule,
                   const char *message)
{
    if (cond > 0 && !x->dry)
        iwmo_findings_add_at(&x->r->findings, node, 3, code, rule, "%s", message);
    return cond < 0 ? -1 : 0;
}

/*
 * Parameters of the start/stop queries (key_params): $1..$4 the relation and
 * the client, $5..$8 a start's logical key, $9 and $10 the rest of a stop's.
 * LIVE_START_KEY and LIVE_STOP_KEY select the rows not deleted since with
 * that key.
 */
#define OF_CLIENT \
    "standard = $1 AND gemeente = $2 AND aanbieder = $3 " \
    "AND client_id = (SELECT id FROM clients WHERE bsn = $4) "
#define LIVE_START_KEY OF_CLIENT \
    "AND toewijzing_nummer IS NOT DISTINCT FROM $5 AND product_categorie IS NOT DISTINCT FROM $6 " \
    "AND product_code IS NOT DISTINCT FROM $7 AND begindatum = $8::date AND deleted_by IS NULL "
#define LIVE_STOP_KEY LIVE_START_KEY \
    "AND einddatum = $9::date AND reden_beeindiging IS NOT DISTINCT FROM $10 "

static void key_params(const xctx *x, const aanlevering *a, const char *p[10])
{
    const char *v[10] = {x->standard, x->gemeente, x->aanbieder, x->bsn, opt(a->nr), opt(a->cat),
                         opt(a->code), a->begin, a->eind, opt(a->reden)};
    memcpy(p, v, sizeof(v));
}

static void read_aanlevering(xmlNodePtr n, aanlevering *a)
{
    memset(a, 0, sizeof(*a));
    a->node = n;
    xu_text(n, "ToewijzingNummer", a->nr, sizeof(a->nr));
    xu_text(n, "Product/Categorie", a->cat, sizeof(a->cat));
    xu_text(n, "Product/Code", a->code, sizeof(a->code));
    xu_text(n, "Begindatum", a->begin, sizeof(a->begin));
    xu_text(n, "Einddatum", a->eind, sizeof(a->eind));
    xu_text(n, "RedenBeeindiging", a->reden, sizeof(a->reden));
    xu_text(n, "StatusAanlevering", a->status, sizeof(a->status));
}

/* ---- 305 and 307 --------------------------------------------------------- */

/* TR019: a ToewijzingNummer must name a live toewijzing of this gemeente, aanbieder and client. */
static int tr019(xctx *x, const aanlevering *a)
{
    if (!a->nr[0])
        return 0;
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, x->bsn, a->nr};
    int known = exists(x, "SELECT 1 FROM toewijzingen WHERE standard = $1 AND gemeente = $2 LIMIT 1",
                       2, p);
    if (known <= 0)
        return known;
    int none = absent(x, "SELECT 1 FROM toewijzingen WHERE " OF_CLIENT
                            "AND toewijzing_nummer = $5 AND reden_wijziging IS DISTINCT FROM '13'", 5, p);
    return fail_if(x, none, a->node, "9019", "TR019",
                   "ToewijzingNummer names no toewijzing of this gemeente to this aanbieder for this client");
}

/* TR063: a deletion needs an earlier, not yet deleted aanlevering with the same key. */
static int tr063(xctx *x, const aanlevering *a, int is_stop)
{
    const char *p[10];
    key_params(x, a, p);
    int none = is_stop ? absent(x, "SELECT 1 FROM stops WHERE " LIVE_STOP_KEY, 10, p)
                       : absent(x, "SELECT 1 FROM starts WHERE " LIVE_START_KEY, 8, p);
    return fail_if(x, none, a->node, "9063", "TR063",
                   is_stop ? "no earlier StopProduct with this key to delete"
                           : "no earlier StartProduct with this key to delete");
}

/* TR074: a first aanlevering's key must not have been received before. */
static int tr074(xctx *x, const aanlevering *a, int is_stop)
{
    const char *p[10];
    key_params(x, a, p);
    int found = is_stop ? exists(x, "SELECT 1 FROM stops WHERE " LIVE_STOP_KEY, 10, p)
                        : exists(x, "SELECT 1 FROM starts WHERE " LIVE_START_KEY, 8, p);
    return fail_if(x, found, a->node, "9074", "TR074",
                   is_stop ? "a StopProduct with this key was received before"
                           : "a StartProduct with this key was received before");
}

/* TR071: a start cannot be deleted once a stop for it was received. */
static int tr071(xctx *x, const aanlevering *a)
{
    const char *p[10];
    key_params(x, a, p);
    return fail_if(x, exists(x, "SELECT 1 FROM stops WHERE " LIVE_START_KEY, 8, p), a->node, "9071",
                   "TR071", "the StartProduct to delete already has a StopProduct");
}

/* TR326: no new start while the same toegewezen product has a start without a stop. */
static int tr326(xctx *x, const aanlevering *a)
{
    const char *p[10];
    key_params(x, a, p);
    int found = exists(x,
        "SELECT 1 FROM starts s WHERE " OF_CLIENT
        "AND toewijzing_nummer IS NOT DISTINCT FROM $5 AND product_categorie IS NOT DISTINCT FROM $6 "
        "AND product_code IS NOT DISTINCT FROM $7 AND deleted_by IS NULL AND NOT EXISTS ("
        "  SELECT 1 FROM stops t WHERE t.standard = s.standard AND t.gemeente = s.gemeente "
        "  AND t.aanbieder = s.aanbieder AND t.client_id = s.client_id "
        "  AND t.toewijzing_nummer IS NOT DISTINCT FROM s.toewijzing_nummer "
        "  AND t.product_categorie IS NOT DISTINCT FROM s.product_categorie "
        "  AND t.product_code IS NOT DISTINCT FROM s.product_code "
        "  AND t.begindatum = s.begindatum AND t.deleted_by IS NULL)", 7, p);
    return fail_if(x, found, a->node, "9326", "TR326",
                   "the toegewezen product still has a current StartProduct without a StopProduct");
}

/* TR382: a stop must carry the key of a start we received (code 9069). */
static int tr382(xctx *x, const aanlevering *a)
{
    const char *p[10];
    key_params(x, a, p);
    return fail_if(x, absent(x, "SELECT 1 FROM starts WHERE " LIVE_START_KEY, 8, p), a->node,
                   "9069", "TR382", "no StartProduct with the key of this StopProduct");
}

/* TR413: after a temporary stop (reden 20) of a start, another stop cannot be temporary too. */
static int tr413(xctx *x, const aanlevering *a)
{
    if (strcmp(a->reden, "20") != 0)
        return 0;
    const char *p[10];
    key_params(x, a, p);
    return fail_if(x, exists(x, "SELECT 1 FROM stops WHERE " LIVE_START_KEY
                                   "AND reden_beeindiging = '20'", 8, p),
                   a->node, "9413", "TR413", "this start already has a temporary stop (RedenBeeindiging 20)");
}

/* TR414: a further stop of a start may not end before its current (latest) stop. */
static int tr414(xctx *x, const aanlevering *a)
{
    const char *p[10];
    key_params(x, a, p);
    return fail_if(x, exists(x, "SELECT 1 FROM (SELECT einddatum FROM stops WHERE " LIVE_START_KEY
                                   "ORDER BY id DESC LIMIT 1) cur WHERE cur.einddatum > $9::date", 9, p),
                   a->node, "9414", "TR414", "Einddatum is before the Einddatum of the current StopProduct");
}

/* TR415: once a start has a definitive stop (reden other than 20), no stop may follow. */
static int tr415(xctx *x, const aanlevering *a)
{
    const char *p[10];
    key_params(x, a, p);
    return fail_if(x, exists(x, "SELECT 1 FROM stops WHERE " LIVE_START_KEY
                                   "AND reden_beeindiging IS DISTINCT FROM '20'", 8, p),
                   a->node, "9415", "TR415", "this start already has a definitive StopProduct");
}

/* A deletion (3) is only checked for its target (TR063, TR071); a first delivery (1) for the rest. */
static int check_start(xctx *x, const aanlevering *a)
{
    if (!strcmp(a->status, "3"))
        return tr063(x, a, 0) < 0 || tr071(x, a) < 0 ? -1 : 0;
    if (strcmp(a->status, "1") != 0)
        return 0;
    return tr019(x, a) < 0 || tr074(x, a, 0) < 0 || tr326(x, a) < 0 ? -1 : 0;
}

static int check_stop(xctx *x, const aanlevering *a)
{
    if (!strcmp(a->status, "3"))
        return tr063(x, a, 1);
    if (strcmp(a->status, "1") != 0)
        return 0;
    return tr019(x, a) < 0 || tr074(x, a, 1) < 0 || tr382(x, a) < 0 || tr413(x, a) < 0 ||
           tr414(x, a) < 0 || tr415(x, a) < 0 ? -1 : 0;
}

static int check_start_stop(xctx *x, xmlNodePtr client, int is_stop)
{
    const char *item = is_stop ? "StopProduct" : "StartProduct";
    for (xmlNodePtr n = xu_first_desc(client, item); n; n = xu_next_desc(client, n, item)) {
        aanlevering a;
        read_aanlevering(n, &a);
        if ((is_stop ? check_stop(x, &a) : check_start(x, &a)) < 0)
            return -1;
    }
    return 0;
}

/* ---- 301 received by an aanbieder ---------------------------------------- */

/* TR332: a number the gemeente gave another toewijzing (aanbieder, client, product) is taken. */
static int tr332(xctx *x, xmlNodePtr tp)
{
    char nr[32], cat[8], code[16];
    const char *p[] = {x->standard, x->gemeente, xu_text(tp, "ToewijzingNummer", nr, sizeof(nr)),
                       x->aanbieder, x->bsn, opt(xu_text(tp, "Product/Categorie", cat, sizeof(cat))),
                       opt(xu_text(tp, "Product/Code", code, sizeof(code)))};
    int other = exists(x,
        "SELECT 1 FROM toewijzingen WHERE standard = $1 AND gemeente = $2 AND toewijzing_nummer = $3 "
        "AND (aanbieder <> $4 OR client_id IS DISTINCT FROM (SELECT id FROM clients WHERE bsn = $5) "
        "OR product_categorie IS DISTINCT FROM $6 OR product_code IS DISTINCT FROM $7)", 7, p);
    return fail_if(x, other, tp, "9332", "TR332",
                   "ToewijzingNummer is already used by this gemeente for another toewijzing");
}

/* TR379 (the decidable part): a ReferentieAanbieder needs a 315 or 317 we sent to this gemeente. */
static int tr379(xctx *x, xmlNodePtr tp)
{
    if (!xu_has(tp, "ReferentieAanbieder"))
        return 0;
    const char *p[] = {x->standard, x->aanbieder, x->gemeente};
    int none = absent(x, "SELECT 1 FROM messages WHERE standard = $1 AND sender = $2 AND receiver = $3 "
                            "AND direction = 'out' AND verdict = 'sent' AND msg_type IN (315, 317) LIMIT 1",
                      3, p);
    return fail_if(x, none, tp, "9379", "TR379",
                   "ReferentieAanbieder is filled but no verzoek (315 or 317) was sent to this gemeente");
}

/* TR385: a toewijzing with approved, not credited prestaties may not be withdrawn (RedenWijziging 13). */
static int tr385(xctx *x, xmlNodePtr tp)
{
    char reden[8], nr[32];
    if (strcmp(xu_text(tp, "RedenWijziging", reden, sizeof(reden)), "13") != 0)
        return 0;
    const char *p[] = {x->standard, x->gemeente, x->aanbieder, xu_text(tp, "ToewijzingNummer", nr, sizeof(nr))};
    int billed = exists(x,
        "SELECT 1 FROM prestaties p JOIN declaraties d ON d.id = p.declaratie_id WHERE d.standard = $1 "
        "AND d.gemeente = $2 AND d.aanbieder = $3 AND p.toewijzing_nummer = $4 AND p.status = 'approved' "
        "AND p.debet_credit = 'D' LIMIT 1", 4, p);
    return fail_if(x, billed, tp, "9385", "TR385",
                   "the toewijzing has approved prestaties that were not credited and cannot be withdrawn");
}

static int check_toewijzingen(xctx *x, xmlNodePtr client)
{
    for (xmlNodePtr tp = xu_first_desc(client, "ToegewezenProduct"); tp;
         tp = xu_next_desc(client, tp, "ToegewezenProduct"))
        if (tr332(x, tp) < 0 || tr379(x, tp) < 0 || tr385(x, tp) < 0)
            return -1;
    return 0;
}

/* ---- entry point ---------------------------------------------------------- */

static int judge(xctx *x, xmlNodePtr client, int type)
{
    return type == 301 ? check_toewijzingen(x, client) : check_start_stop(x, client, type == 307);
}

/* A technical rejection (0001) is answered as such; its content is not judged. */
static int technically_rejected(const iwmo_result *r)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (r->findings.items[i].level >= 1 && r->findings.items[i].level <= 2)
            return 1;
    return 0;
}

/* The gemeente, aanbieder and client of a 301, 305 or 307 worth judging; 0 when there is none. */
static int judged_regiebericht(db *d, iwmo_result *r, xctx *x, xmlNodePtr *client)
{
    int type = r->ident.type;
    if (!r->doc || technically_rejected(r) || (type != 301 && type != 305 && type != 307))
        return 0;
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    xmlNodePtr header = xu_child(root, "Header");
    *client = xu_child(root, "Client");
    if (!*client)
        return 0;
    *x = (xctx){.d = d, .r = r, .standard = iwmo_standard_name(r->ident.standard)};
    /* A 301 goes from gemeente to aanbieder; a 305 or 307 the other way. */
    xu_text(header, type == 301 ? "Afzender" : "Ontvanger", x->gemeente, sizeof(x->gemeente));
    xu_text(header, type == 301 ? "Ontvanger" : "Afzender", x->aanbieder, sizeof(x->aanbieder));
    xu_text(*client, "Bsn", x->bsn, sizeof(x->bsn));
    return 1;
}

void cross_rules_read_ahead(db *d, iwmo_result *r)
{
    xctx x;
    xmlNodePtr client;
    if (!judged_regiebericht(d, r, &x, &client))
        return;
    x.dry = 1;
    judge(&x, client, r->ident.type);
}

int cross_rules_check(db *d, iwmo_result *r, const char *pseudonym_key)
{
    int type = r->ident.type;
    if (!r->doc || technically_rejected(r))
        return 0;
    if (type == 323)
        return declaratie_check(d, r, pseudonym_key);
    if (type == 315 || type == 317 || type == 319)
        return verzoek_check(d, r, pseudonym_key);
    xctx x;
    xmlNodePtr client;
    if (!judged_regiebericht(d, r, &x, &client))
        return 0;
    int mark = db_ahead_count(d);       /* what the batch read ahead stays; this message's own goes */
    x.dry = 1;
    judge(&x, client, type);
    x.dry = 0;
    int rc = db_ahead_run(d);
    if (rc == 0)
        rc = judge(&x, client, type);
    db_ahead_truncate(d, mark);
    return rc;
}
