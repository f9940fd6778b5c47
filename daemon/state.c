/*
 * state.c - database effects of messages. BSNs go into clients.bsn only; all
 * other tables refer to a client by its row id.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie.h"
#include "state.h"
#include "stored.h"
#include "verzoek.h"
#include "xmlutil.h"

static char *findings_json(const iwmo_findings *f)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->count; i++) {
        const iwmo_finding *x = &f->items[i];
        json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:i}", "line", (json_int_t)x->line,
                                             "code", x->code, "rule", x->rule, "message", x->message,
                                             "level", x->level));
    }
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s;
}

/* Distinct retourcodes of the findings, as a PostgreSQL array literal. */
static void retourcodes_literal(const iwmo_findings *f, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n, "{");
    for (size_t i = 0; i < f->count && o + 8 < n; i++) {
        const char *c = f->items[i].code;
        if (strlen(c) != 4 || strstr(out, c))
            continue;
        o += (size_t)snprintf(out + o, n - o, "%s%s", o > 1 ? "," : "", c);
    }
    snprintf(out + o, n - o, "}");
}

/*
 * The next value of a sequence whose INCREMENT is ID_BLOCK (migration 0008):
 * one nextval reserves a block for this connection's process, so a message
 * costs no round trip for its id. which: 0 messages.id, 1 the retour
 * identification.
 */
#define ID_BLOCK 64

static int id_reserve(db *d, int which, long long *out)
{
    static const char *const sql[2] = {"SELECT nextval('messages_id_seq')",
                                       "SELECT nextval('retour_identificatie_seq')"};
    if (d->ids[which].next == 0 || d->ids[which].next > d->ids[which].last) {
        PGresult *r = db_exec(d, sql[which], 0, NULL, NULL, 0);
        if (!r)
            return -1;
        d->ids[which].next = atoll(PQgetvalue(r, 0, 0));
        d->ids[which].last = d->ids[which].next + ID_BLOCK - 1;
        PQclear(r);
    }
    *out = d->ids[which].next++;
    return 0;
}

int state_insert_message(db *d, const message_row *m, long long *id)
{
    size_t zlen = 0;
    unsigned char *z = NULL;
    if (stored_pack(d, m->raw, m->raw_len, &z, &zlen) < 0)
        snprintf(d->err, sizeof(d->err), "%s: cannot compress or encrypt the raw bytes", m->claim);
    char *fj = findings_json(&m->r->findings);
    char size[24], type[16], codes[512];
    snprintf(size, sizeof(size), "%zu", m->raw_len);
    snprintf(type, sizeof(type), "%d", m->r->ident.type);
    retourcodes_literal(&m->r->findings, codes, sizeof(codes));
    const char *std = m->r->ident.standard ? iwmo_standard_name(m->r->ident.standard) : NULL;
    char ids[24];
    int rc = z && fj && id_reserve(d, 0, id) == 0 ? 0 : -1;
    snprintf(ids, sizeof(ids), "%lld", *id);
    const char *p[] = {m->claim, m->original_name, (const char *)m->sha256, size, (const char *)z, std,
                       m->r->ident.type ? type : NULL, m->r->ident.release[0] ? m->r->ident.release : NULL,
                       m->direction, m->sender, m->receiver, m->bericht_id, m->bericht_datum, m->verdict,
                       codes, fj, m->note, ids};
    int lens[18] = {0, 0, 32, 0, (int)zlen};
    if (rc == 0)                        /* the id is known: the INSERT can go down the pipeline */
        rc = db_defer(d,
            "INSERT INTO messages (claim, original_name, sha256, size, raw, standard, msg_type, release, "
            "direction, sender, receiver, bericht_id, bericht_datum, verdict, retourcodes, findings, note, id) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::date,$14,$15::text[],$16::jsonb,$17,$18)",
            18, p, lens, (1u << 2) | (1u << 4));
    free(z);
    free(fj);
    return rc;
}

/* One address each: a read ahead is found again by its text's address (db_ahead_add). */
static const char IDENTITY_SQL[] =
    "SELECT bool_or(sha256 = decode($5, 'hex')) FROM messages WHERE sender = $1 AND standard = $2 "
    "AND msg_type = $3 AND bericht_id = $4 AND verdict IN ('accepted', 'rejected', 'sent', 'recorded') "
    "HAVING count(*) > 0";
static const char CLIENT_SQL[] = "SELECT id FROM clients WHERE bsn = $1";

/* The TR056 lookup's parameters: $5 is the sha256 in hex (text, so it can be read ahead). */
static void identity_params(const char *sender, iwmo_standard s, int type, const char *bericht_id,
                            const unsigned char *sha256, char t[16], char hex[65], const char *p[5])
{
    snprintf(t, 16, "%d", type);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha256[i]);
    const char *v[] = {sender, iwmo_standard_name(s), t, bericht_id, hex};
    memcpy(p, v, sizeof(v));
}

int state_find_identity(db *d, const char *sender, iwmo_standard s, int type, const char *bericht_id,
                        const unsigned char *sha256, int *same_content)
{
    char t[16], hex[65];
    const char *p[5];
    identity_params(sender, s, type, bericht_id, sha256, t, hex, p);
    PGresult *r = db_exec(d, IDENTITY_SQL, 5, p, NULL, 0);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    *same_content = found && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return found;
}

void state_read_ahead(db *d, const char *sender, iwmo_standard s, int type, const char *bericht_id,
                      const unsigned char *sha256, const char *bsn)
{
    char t[16], hex[65];
    const char *p[5];
    identity_params(sender, s, type, bericht_id, sha256, t, hex, p);
    db_ahead_add(d, IDENTITY_SQL, 5, p);
    if (bsn && *bsn)
        db_ahead_add(d, CLIENT_SQL, 1, &bsn);
}

void state_pseudonym(const char *key, const char *bsn, char *out, size_t n)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)bsn, strlen(bsn), mac, &maclen);
    size_t o = 0;
    for (unsigned int i = 0; i < 16 && o + 3 <= n; i++)
        o += (size_t)snprintf(out + o, n - o, "%02x", mac[i]);
}

static int client_id(db *d, const char *bsn, const char *key, char *id, size_t n)
{
    char pseudo[40];
    state_pseudonym(key, bsn, pseudo, sizeof(pseudo));
    const char *p[] = {bsn, pseudo};
    /* Most clients are known: found (often read ahead) without writing a row version. */
    PGresult *r = db_exec(d, CLIENT_SQL, 1, p, NULL, 0);
    if (r && PQntuples(r) > 0) {
        snprintf(id, n, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        return 0;
    }
    PQclear(r);
    /* New here; the upsert also returns the id when another process inserted it meanwhile. */
    r = db_exec(d, "INSERT INTO clients (bsn, pseudonym) VALUES ($1, $2) ON CONFLICT (bsn) DO UPDATE "
                   "SET bsn = EXCLUDED.bsn RETURNING id", 2, p, NULL, 0);
    if (!r)
        return -1;
    snprintf(id, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* A write whose result is not needed: pipelined inside the spine's transaction (db_defer). */
static int later(db *d, const char *sql, int n, const char *const *p)
{
    return db_defer(d, sql, n, p, NULL, 0);
}

struct apply {
    db *d;
    const char *msg_id;
    const char *standard;
    const char *sender;
    const char *receiver;
    const char *client;
};

#define TXT(node, path, buf) (xu_text((node), (path), (buf), sizeof(buf))[0] ? (buf) : NULL)

static int apply_toewijzing(struct apply *a, xmlNodePtr tp)
{
    char nr[32], cat[8], code[16], tdat[16], ing[16], eind[16], reden[8];
    const char *p[] = {a->standard, a->sender, a->receiver, TXT(tp, "ToewijzingNummer", nr), a->client,
                       TXT(tp, "Product/Categorie", cat), TXT(tp, "Product/Code", code),
                       TXT(tp, "Toewijzingsdatum", tdat), TXT(tp, "Ingangsdatum", ing),
                       TXT(tp, "Einddatum", eind), TXT(tp, "RedenWijziging", reden), a->msg_id};
    return db_defer(a->d,
        "WITH t AS (INSERT INTO toewijzingen AS t (standard, gemeente, aanbieder, toewijzing_nummer, client_id, "
        "product_categorie, product_code, toewijzingsdatum, ingangsdatum, einddatum, reden_wijziging, message_id) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8::date,$9::date,$10::date,$11,$12) "
        "ON CONFLICT (standard, gemeente, toewijzing_nummer) DO UPDATE SET "
        "aanbieder = EXCLUDED.aanbieder, client_id = EXCLUDED.client_id, "
        "product_categorie = EXCLUDED.product_categorie, product_code = EXCLUDED.product_code, "
        "toewijzingsdatum = EXCLUDED.toewijzingsdatum, ingangsdatum = EXCLUDED.ingangsdatum, "
        "einddatum = EXCLUDED.einddatum, reden_wijziging = EXCLUDED.reden_wijziging, "
        "message_id = EXCLUDED.message_id, version = t.version + 1, retour_status = 'awaiting' "
        "RETURNING id, version) "
        "INSERT INTO toewijzing_history (toewijzing_id, version, ingangsdatum, einddatum, "
        "reden_wijziging, message_id) SELECT id, version, $9::date, $10::date, $11, $12 FROM t",
        12, p, NULL, 0);
}

/* Start or stop product: insert on StatusAanlevering 1, mark the earlier row on 3. */
static int apply_start_stop(struct apply *a, xmlNodePtr sp, int is_stop)
{
    char nr[32], cat[8], code[16], begin[16], eind[16], reden[8], status[4];
    TXT(sp, "StatusAanlevering", status);
    const char *p[] = {a->standard, a->receiver, a->sender, a->client, TXT(sp, "ToewijzingNummer", nr),
                       TXT(sp, "Product/Categorie", cat), TXT(sp, "Product/Code", code),
                       TXT(sp, "Begindatum", begin), a->msg_id, TXT(sp, "Einddatum", eind),
                       TXT(sp, "RedenBeeindiging", reden)};
    if (strcmp(status, "3") == 0)
        return later(a->d, is_stop
            ? "UPDATE stops SET deleted_by = $9 WHERE id = (SELECT id FROM stops WHERE standard = $1 "
              "AND gemeente = $2 AND aanbieder = $3 AND client_id = $4 AND toewijzing_nummer IS NOT DISTINCT FROM $5 "
              "AND product_categorie IS NOT DISTINCT FROM $6 AND product_code IS NOT DISTINCT FROM $7 "
              "AND begindatum = $8::date AND deleted_by IS NULL AND $10::date IS NOT NULL "
              "AND $11::text IS NOT DISTINCT FROM $11 ORDER BY id DESC LIMIT 1)"
            : "UPDATE starts SET deleted_by = $9 WHERE id = (SELECT id FROM starts WHERE standard = $1 "
              "AND gemeente = $2 AND aanbieder = $3 AND client_id = $4 AND toewijzing_nummer IS NOT DISTINCT FROM $5 "
              "AND product_categorie IS NOT DISTINCT FROM $6 AND product_code IS NOT DISTINCT FROM $7 "
              "AND begindatum = $8::date AND deleted_by IS NULL ORDER BY id DESC LIMIT 1)",
            is_stop ? 11 : 9, p);
    if (is_stop)
        return later(a->d,
            "INSERT INTO stops (standard, gemeente, aanbieder, client_id, toewijzing_nummer, product_categorie, "
            "product_code, begindatum, message_id, einddatum, reden_beeindiging) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8::date,$9,$10::date,$11)", 11, p);
    return later(a->d,
        "INSERT INTO starts (standard, gemeente, aanbieder, client_id, toewijzing_nummer, product_categorie, "
        "product_code, begindatum, message_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8::date,$9)", 9, p);
}

/* A 302 answers one of our 301s: header only = all accepted, else per ToegewezenProduct. */
static int apply_302(struct apply *a, xmlNodePtr root)
{
    char bid[32], nr[32], code[8];
    xmlNodePtr header = xu_child(root, "Header");
    /* The 302 repeats our 301's header: its Afzender is the gemeente that sent the 301. */
    const char *p[] = {TXT(header, "BerichtIdentificatie/Identificatie", bid), a->standard, a->sender};
    int rejected_any = xu_first_desc(root, "ToegewezenProduct") != NULL;
    int header_rejects = 0;
    for (xmlNodePtr c = xu_first_desc(xu_child(header, "RetourCodes"), "RetourCode"); c; c = xu_next(c, "RetourCode"))
        header_rejects |= strcmp(xu_text(c, NULL, code, sizeof(code)), "0200") != 0;
    if (later(a->d, header_rejects || rejected_any
        ? "UPDATE toewijzingen SET retour_status = 'rejected' WHERE message_id IN (SELECT id FROM messages "
          "WHERE bericht_id = $1 AND standard = $2 AND sender = $3 AND msg_type = 301) AND $2 IS NOT NULL"
        : "UPDATE toewijzingen SET retour_status = 'accepted' WHERE message_id IN (SELECT id FROM messages "
          "WHERE bericht_id = $1 AND standard = $2 AND sender = $3 AND msg_type = 301)", 3, p) < 0)
        return -1;
    if (header_rejects)
        return 0;
    for (xmlNodePtr tp = xu_first_desc(root, "ToegewezenProduct"); tp; tp = xu_next_desc(root, tp, "ToegewezenProduct")) {
        char rc[8];
        int ok = strcmp(xu_text(tp, "RetourCodes/RetourCode", rc, sizeof(rc)), "0200") == 0;
        const char *q[] = {ok ? "accepted" : "rejected", a->standard, a->sender, TXT(tp, "ToewijzingNummer", nr)};
        if (later(a->d, "UPDATE toewijzingen SET retour_status = $1 WHERE standard = $2 AND gemeente = $3 "
                         "AND toewijzing_nummer = $4", 4, q) < 0)
            return -1;
    }
    return 0;
}

int state_apply(db *d, long long message_id, const iwmo_result *r, const char *key)
{
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    xmlNodePtr header = xu_child(root, "Header");
    char ids[24], sender[16], receiver[16], bsn[16], client[24] = "";
    snprintf(ids, sizeof(ids), "%lld", message_id);
    struct apply a = {d, ids, iwmo_standard_name(r->ident.standard),
                      xu_text(header, "Afzender", sender, sizeof(sender)),
                      xu_text(header, "Ontvanger", receiver, sizeof(receiver)), client};
    int type = r->ident.type;
    if (type == 302)
        return apply_302(&a, root);
    if (type == 323 || type == 325)
        return declaratie_apply(d, message_id, r, key);
    if (type >= 315 && type <= 320)
        return verzoek_apply(d, message_id, r, key);
    if (type != 301 && type != 305 && type != 307)
        return 0;                       /* verzoeken and declaraties: issue 5 */
    xmlNodePtr cl = xu_child(root, "Client");
    if (!cl || client_id(d, xu_text(cl, "Bsn", bsn, sizeof(bsn)), key, client, sizeof(client)) < 0)
        return cl ? -1 : 0;
    const char *item = type == 301 ? "ToegewezenProduct" : type == 305 ? "StartProduct" : "StopProduct";
    for (xmlNodePtr n = xu_first_desc(cl, item); n; n = xu_next_desc(cl, n, item)) {
        int rc = type == 301 ? apply_toewijzing(&a, n) : apply_start_stop(&a, n, type == 307);
        if (rc < 0)
            return -1;
    }
    /* A 301 may honour a verzoek (ReferentieAanbieder): let the verzoek module see it. */
    return type == 301 ? verzoek_apply(d, message_id, r, key) : 0;
}

int state_insert_delivery(db *d, long long message_id, const char *kind, int retour_type,
                          const char *identificatie, const char *filename, const char *content, size_t len)
{
    size_t zlen = 0;
    unsigned char *z = NULL;
    if (stored_pack(d, content, len, &z, &zlen) < 0) {
        snprintf(d->err, sizeof(d->err), "%s: cannot compress or encrypt the delivered file", filename);
        return -1;
    }
    char ids[24], rt[16];
    snprintf(ids, sizeof(ids), "%lld", message_id);
    snprintf(rt, sizeof(rt), "%d", retour_type);
    const char *p[] = {ids, kind, retour_type ? rt : NULL, identificatie, filename, (const char *)z};
    int lens[6] = {0, 0, 0, 0, 0, (int)zlen};
    int rc = db_defer(d, "INSERT INTO deliveries (message_id, kind, retour_type, identificatie, filename, "
                         "content) VALUES ($1, $2, $3, $4, $5, $6)", 6, p, lens, 1u << 5);
    free(z);
    return rc;
}

int state_next_retour_id(db *d, char *out, size_t n)
{
    long long v;
    if (id_reserve(d, 1, &v) < 0)
        return -1;
    snprintf(out, n, "R%011lld", v);
    return 0;
}
