/*
 * declaratie_apply.c - the money state of declaraties (tables of
 * 0003_declaraties.sql), in integer cents throughout.
 *
 * Lines are written set-based: the clients of a 323 in one statement, its
 * prestaties a few thousand per statement, the rejections of a 325 in one.
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
#include "declaratie_pieces.h"
#include "events.h"
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

/*
 * The clients of the declaratie (created with their pseudonyms when new), in one
 * statement: BSN -> row id (as text) in ids.
 */
/* Each row's column id_col (copied) into m under its column key_col; clears res (NULL: -1). */
static int ids_into(actx *a, PGresult *res, int key_col, int id_col, smap *m)
{
    int rc = res ? 0 : -1;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        char *id = strdup(PQgetvalue(res, i, id_col));
        if (!id || smap_put(m, PQgetvalue(res, i, key_col), id) < 0) {
            free(id);
            snprintf(a->d->err, sizeof(a->d->err), "out of memory");
            rc = -1;
        }
    }
    PQclear(res);
    return rc;
}

/* One clients row per BSN of the literal (distinct): their ids into ids (BSN -> id text). */
static int client_rows_for(actx *a, sbuf *bsns, sbuf *pseudos, smap *ids)
{
    const char *p[] = {arr_end(bsns), arr_end(pseudos)};
    if (!p[0] || !p[1]) {
        snprintf(a->d->err, sizeof(a->d->err), "out of memory");
        return -1;
    }
    if (!bsns->items)
        return 0;
    /* One row per BSN (deduplicated by the caller: ON CONFLICT may touch a row only once). */
    PGresult *res = db_exec(a->d, "INSERT INTO clients (bsn, pseudonym) "
        "SELECT u.bsn, u.pseudonym FROM unnest($1::text[], $2::text[]) WITH ORDINALITY "
        "AS u(bsn, pseudonym, ord) ORDER BY u.ord "
        "ON CONFLICT (bsn) DO UPDATE SET bsn = EXCLUDED.bsn RETURNING id, bsn", 2, p, NULL, 0);
    return ids_into(a, res, 1, 0, ids);
}

static void add_client(actx *a, sbuf *bsns, sbuf *pseudos, const char *bsn)
{
    char pseudo[40];
    state_pseudonym(a->key, bsn, pseudo, sizeof(pseudo));
    arr_add(bsns, bsn);
    arr_add(pseudos, pseudo);
}

static int client_rows(actx *a, xmlNodePtr decl, smap *ids)
{
    sbuf bsns = {0}, pseudos = {0};
    smap seen = {0};
    int rc = 0;
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl && rc == 0; cl = xu_next(cl, "Client")) {
        char bsn[16];
        int added = 0;
        if (!smap_slot(&seen, xu_text(cl, "Bsn", bsn, sizeof(bsn)), &added))
            rc = -1;
        else if (added)
            add_client(a, &bsns, &pseudos, bsn);
    }
    if (rc < 0)
        snprintf(a->d->err, sizeof(a->d->err), "out of memory");
    else
        rc = client_rows_for(a, &bsns, &pseudos, ids);
    smap_free(&seen, NULL);
    sb_free(&bsns);
    sb_free(&pseudos);
    return rc;
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

/* Columns of the prestaties written in one statement, as array literals (one element per line). */
enum { C_CLIENT, C_TOEW, C_REF, C_VORIG, C_NR, C_CAT, C_CODE, C_BEGIN, C_EIND, C_VOLUME, C_EENHEID, C_TARIEF,
       C_BEDRAG, C_DC, C_STATUS, C_CODES, NCOLS };

#define BATCH 5000                      /* lines per statement: bounds the literals' memory */

typedef struct {
    sbuf col[NCOLS];
    int lines;
    const smap *toew;                   /* ToewijzingNummer -> id (text) of the relation */
} batch;

/*
 * The toewijzingen of the relation (standard, gemeente, aanbieder) with the numbers the
 * declaratie names, into b->toew; a line links to the one with its number, if any.
 */
/* The ids of the relation's toewijzingen with the numbers of the literal, into toew. */
static int toewijzing_ids_for(actx *a, sbuf *nrs, smap *toew)
{
    const char *p[] = {a->standard, a->gemeente, a->aanbieder, arr_end(nrs)};
    if (!p[3]) {
        snprintf(a->d->err, sizeof(a->d->err), "out of memory");
        return -1;
    }
    PGresult *res = db_exec(a->d, "SELECT toewijzing_nummer, id FROM toewijzingen WHERE standard = $1 "
                                  "AND gemeente = $2 AND aanbieder = $3 "
                                  "AND toewijzing_nummer = ANY($4::text[])", 4, p, NULL, 0);
    return ids_into(a, res, 0, 1, toew);
}

/*
 * The toewijzingen of the relation (standard, gemeente, aanbieder) with the numbers the
 * declaratie names, into toew; a line links to the one with its number, if any.
 */
static int toewijzing_ids(actx *a, xmlNodePtr decl, smap *toew)
{
    sbuf nrs = {0};
    smap seen = {0};
    int rc = 0;
    for (xmlNodePtr n = xu_first_desc(decl, "Prestatie"); n && rc == 0; n = xu_next_desc(decl, n, "Prestatie")) {
        char nr[32];
        int added = 0;
        if (!smap_slot(&seen, xu_text(n, "ToewijzingNummer", nr, sizeof(nr)), &added))
            rc = -1;
        else if (added)
            arr_add(&nrs, nr);
    }
    if (rc < 0)
        snprintf(a->d->err, sizeof(a->d->err), "out of memory");
    else
        rc = toewijzing_ids_for(a, &nrs, toew);
    smap_free(&seen, NULL);
    sb_free(&nrs);
    return rc;
}

static void batch_add(actx *a, batch *b, const char *client_id, const prestatie *p, const codeset *c)
{
    char codes[160];
    cs_literal(c, codes, sizeof(codes));
    arr_add(&b->col[C_CLIENT], client_id);
    arr_add(&b->col[C_TOEW], smap_get(b->toew, p->nr));
    arr_add(&b->col[C_REF], p->ref);
    arr_add(&b->col[C_VORIG], p->vorig[0] ? p->vorig : NULL);
    arr_add(&b->col[C_NR], p->nr);
    arr_add(&b->col[C_CAT], p->cat);
    arr_add(&b->col[C_CODE], p->code);
    arr_add(&b->col[C_BEGIN], p->begin_s);
    arr_add(&b->col[C_EIND], p->eind_s);
    arr_addll(&b->col[C_VOLUME], p->volume);
    arr_add(&b->col[C_EENHEID], p->eenheid);
    if (p->has_tarief)
        arr_addll(&b->col[C_TARIEF], p->tarief);
    else
        arr_add(&b->col[C_TARIEF], NULL);
    arr_addll(&b->col[C_BEDRAG], p->bedrag);
    arr_add(&b->col[C_DC], p->dc);
    arr_add(&b->col[C_STATUS], !strcmp(a->side, "aanbieder") ? "awaiting" : c->n ? "rejected" : "approved");
    arr_add(&b->col[C_CODES], codes);
    b->lines++;
}

/* Write the batched lines in document order (ids ascend as before). 0 or -1. */
static int batch_flush(actx *a, batch *b)
{
    if (!b->lines)
        return 0;
    const char *p[1 + NCOLS] = {a->decl_id};
    for (int i = 0; i < NCOLS; i++)
        if (!(p[1 + i] = arr_end(&b->col[i]))) {
            snprintf(a->d->err, sizeof(a->d->err), "out of memory");
            return -1;
        }
    /* No join here: a generic plan (the statement is prepared) stays as cheap as the first.
     * Deferred in the spine's transaction: the next piece is read while the server writes. */
    int rc = db_defer(a->d,
        "INSERT INTO prestaties (declaratie_id, client_id, toewijzing_id, referentie_nummer, "
        "vorig_referentie_nummer, toewijzing_nummer, product_categorie, product_code, periode_begin, "
        "periode_eind, geleverd_volume, eenheid, product_tarief_cents, bedrag_cents, debet_credit, "
        "status, retourcodes) SELECT $1::bigint, u.client_id, u.toewijzing_id, u.ref, u.vorig, u.nr, "
        "u.cat, u.code, u.b, u.e, u.volume, u.eenheid, u.tarief, u.bedrag, u.dc, u.status, "
        "u.codes::text[] FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], "
        "$7::text[], $8::text[], $9::date[], $10::date[], $11::bigint[], $12::text[], $13::bigint[], "
        "$14::bigint[], $15::text[], $16::text[], $17::text[]) WITH ORDINALITY AS u(client_id, "
        "toewijzing_id, ref, vorig, nr, cat, code, b, e, volume, eenheid, tarief, bedrag, dc, status, "
        "codes, ord) ORDER BY u.ord", 1 + NCOLS, p, NULL, 0);
    for (int i = 0; i < NCOLS; i++)
        sb_reset(&b->col[i]);
    b->lines = 0;
    return rc;
}

/*
 * Approved credits of the declaratie mark the approved debets they reverse as credited.
 * The credits are read first (usually there are none) and then drive the update through
 * the index on referentie_nummer: the planner never sees the fresh lines of a big
 * declaratie as the outer side of a nested loop (statistics lag behind a bulk insert).
 */
static int mark_credited(actx *a)
{
    const char *p[] = {a->decl_id, NULL, NULL};
    PGresult *res = db_exec(a->d, "SELECT id, vorig_referentie_nummer FROM prestaties "
                                  "WHERE declaratie_id = $1 AND debet_credit = 'C' AND status = 'approved' "
                                  "AND vorig_referentie_nummer IS NOT NULL ORDER BY id", 1, p, NULL, 0);
    if (!res)
        return -1;
    sbuf ids = {0}, vorigs = {0};
    for (int i = 0; i < PQntuples(res); i++) {
        arr_add(&ids, PQgetvalue(res, i, 0));
        arr_add(&vorigs, PQgetvalue(res, i, 1));
    }
    int n = PQntuples(res), rc = 0;
    PQclear(res);
    p[1] = arr_end(&ids);
    p[2] = arr_end(&vorigs);
    if (!p[1] || !p[2]) {
        snprintf(a->d->err, sizeof(a->d->err), "out of memory");
        rc = -1;
    } else if (n) {
        rc = db_run(a->d,
            "UPDATE prestaties p SET status = 'credited', credited_by = c.id "
            "FROM unnest($2::bigint[], $3::text[]) AS c(id, vorig), declaraties cd, declaraties pd "
            "WHERE cd.id = $1 AND pd.id = p.declaratie_id AND pd.side = cd.side "
            "AND pd.standard = cd.standard AND pd.gemeente = cd.gemeente AND pd.aanbieder = cd.aanbieder "
            "AND p.referentie_nummer = c.vorig AND p.debet_credit = 'D' AND p.status = 'approved'", 3, p);
    }
    sb_free(&ids);
    sb_free(&vorigs);
    return rc;
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

/* The client and toewijzing ids the lines link to (loaded once for a streamed 323). */
typedef struct {
    smap clients, toew;
} line_ids;

static void line_ids_free(line_ids *ids)
{
    smap_free(&ids->clients, free);
    smap_free(&ids->toew, free);
}

/* Every Prestatie of decl with its codes (those of the Declaratie, its Client and its own). */
static int record_lines(actx *a, xmlNodePtr decl, const codeset *dc, const line_ids *ids)
{
    batch b = {.toew = &ids->toew};
    int rc = 0;
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl && rc == 0; cl = xu_next(cl, "Client")) {
        char bsn[16];
        const char *client_id = smap_get(&ids->clients, xu_text(cl, "Bsn", bsn, sizeof(bsn)));
        codeset cc = *dc;
        cs_class(&cc, a->r, cl);
        for (xmlNodePtr n = xu_first_desc(cl, "Prestatie"); n && rc == 0; n = xu_next(n, "Prestatie")) {
            prestatie p;
            prestatie_read(n, &p);
            codeset c = cc;
            cs_class(&c, a->r, n);
            batch_add(a, &b, client_id, &p, &c);
            if (b.lines >= BATCH)
                rc = batch_flush(a, &b);
        }
    }
    if (rc == 0)
        rc = batch_flush(a, &b);
    for (int i = 0; i < NCOLS; i++)
        sb_free(&b.col[i]);
    return rc;
}

static int record_prestaties(actx *a, xmlNodePtr decl, const codeset *dc)
{
    line_ids ids = {{0}, {0}};
    int rc = client_rows(a, decl, &ids.clients) < 0 || toewijzing_ids(a, decl, &ids.toew) < 0 ? -1 : 0;
    if (rc == 0)
        rc = record_lines(a, decl, dc, &ids);
    line_ids_free(&ids);
    return rc;
}

/* The ids for every line of a streamed 323, from the numbers its rules gathered. */
static int line_ids_listed(actx *a, const iwmo_decl_index *ix, line_ids *ids)
{
    sbuf bsns = {0}, pseudos = {0}, nrs = {0};
    for (const char *v = iwmo_strlist_next(&ix->bsns, NULL); v; v = iwmo_strlist_next(&ix->bsns, v))
        add_client(a, &bsns, &pseudos, v);
    for (const char *v = iwmo_strlist_next(&ix->nrs, NULL); v; v = iwmo_strlist_next(&ix->nrs, v))
        arr_add(&nrs, v);
    int rc = client_rows_for(a, &bsns, &pseudos, &ids->clients) < 0 ||
             toewijzing_ids_for(a, &nrs, &ids->toew) < 0 ? -1 : 0;
    sb_free(&bsns);
    sb_free(&pseudos);
    sb_free(&nrs);
    return rc;
}

struct record_piece {
    actx *a;
    const codeset *dc;
    const line_ids *ids;
};

static int record_one_piece(iwmo_result *piece, void *ctx)
{
    struct record_piece *rp = ctx;
    const iwmo_result *whole = rp->a->r;
    rp->a->r = piece;
    xmlNodePtr decl = xu_child(xmlDocGetRootElement(piece->doc), "Declaratie");
    int rc = rp->ids ? record_lines(rp->a, decl, rp->dc, rp->ids) : record_prestaties(rp->a, decl, rp->dc);
    rp->a->r = whole;
    if (rc == 0)
        rc = events_record_piece(rp->a->d, piece);  /* a streamed 323's prestatie events */
    return rc;
}

/* The lines of a declaratie checked piece by piece: the pieces are read again. */
static int record_pieces(actx *a, const codeset *dc)
{
    line_ids ids = {{0}, {0}};
    const iwmo_decl_index *ix = a->r->pieces_index;
    struct record_piece rp = {a, dc, ix ? &ids : NULL};
    int rc = ix ? line_ids_listed(a, ix, &ids) : 0;
    if (rc == 0)
        rc = pieces_each((iwmo_result *)a->r, 0, record_one_piece, &rp, a->d->err, sizeof(a->d->err));
    line_ids_free(&ids);
    return rc;
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
    if ((a->r->pieces_buf ? record_pieces(a, &dc) : record_prestaties(a, decl, &dc)) < 0)
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

/*
 * The prestaties the 325 lists, rejected with their codes in one statement. A number
 * listed twice keeps its first codes (as when each listing updated the line in turn).
 */
static int reject_listed(actx *a, xmlNodePtr da)
{
    sbuf refs = {0}, codes = {0};
    smap seen = {0};
    int rc = 0;
    for (xmlNodePtr n = xu_first_desc(da, "Prestatie"); n && rc == 0; n = xu_next_desc(da, n, "Prestatie")) {
        char ref[32], lit[160];
        codeset c = {0};
        int added = 0;
        if (!smap_slot(&seen, xu_text(n, "ProductReferentie/ReferentieNummer", ref, sizeof(ref)), &added))
            rc = -1;
        if (!added)
            continue;
        cs_retour(&c, n);
        cs_literal(&c, lit, sizeof(lit));
        arr_add(&refs, ref);
        arr_add(&codes, lit);
    }
    const char *p[] = {a->decl_id, arr_end(&refs), arr_end(&codes)};
    if (rc < 0 || !p[1] || !p[2]) {
        snprintf(a->d->err, sizeof(a->d->err), "out of memory");
        rc = -1;
    } else if (refs.items) {
        rc = db_run(a->d, "UPDATE prestaties p SET status = 'rejected', retourcodes = u.codes::text[] "
                          "FROM unnest($2::text[], $3::text[]) AS u(ref, codes) "
                          "WHERE p.declaratie_id = $1 AND p.status = 'awaiting' "
                          "AND p.referentie_nummer = u.ref", 3, p);
    }
    smap_free(&seen, NULL);
    sb_free(&refs);
    sb_free(&codes);
    return rc;
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
