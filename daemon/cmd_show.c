/*
 * cmd_show.c - `iwmoctl show --config FILE toewijzing NUMMER` and
 * `iwmoctl show --config FILE bericht ID`: a toewijzing's state with its
 * history, starts and stops, or a message's verdict, findings, deliveries and
 * events, from PostgreSQL. A BSN is shown masked (99999**19), also inside
 * finding texts, unless --reveal-bsn is given; revealing is written to stderr
 * and to the journal as an audit line naming the user. A message's stored
 * bytes are read back (decrypted when sealed) and checked against its sha256.
 */
#include <getopt.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "cmd_ops.h"
#include "log.h"
#include "sealbox.h"
#include "stored.h"

static const char usage_text[] =
    "usage: iwmoctl show --config FILE [--reveal-bsn] toewijzing NUMMER\n"
    "       iwmoctl show --config FILE [--reveal-bsn] bericht ID\n"
    "  toewijzing NUMMER  the toewijzing's current state, its history, starts and stops\n"
    "  bericht ID         every message with that BerichtIdentificatie (or message number):\n"
    "                     verdict, retourcodes, findings, deliveries and events\n"
    "  BSNs are masked (99999**19) unless --reveal-bsn is given; revealing one is\n"
    "  logged as an audit line. Exit status: 0 found, 1 not found or error, 2 usage.\n";

static int reveal;

static const char *val(PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "-" : PQgetvalue(r, row, col);
}

/* Print text with nine-digit runs masked unless --reveal-bsn. */
static void put_masked(const char *prefix, const char *text)
{
    char *m = reveal ? strdup(text) : ops_mask_text(text);
    printf("%s%s\n", prefix, m ? m : "");
    free(m);
}

static void audit(const char *what, const char *key)
{
    struct passwd *pw = getpwuid(getuid());
    log_audit("bsn-revealed", "audit: iwmoctl show --reveal-bsn %s %s by uid %d (%s)", what, key,
              (int)getuid(), pw ? pw->pw_name : "?");
}

static void rows(db *d, const char *title, const char *sql, const char *id)
{
    const char *p[] = {id};
    PGresult *r = db_exec(d, sql, 1, p, NULL, 0);
    if (!r)
        return;
    if (PQntuples(r))
        printf("  %s:\n", title);
    for (int i = 0; i < PQntuples(r); i++)
        put_masked("    ", PQgetvalue(r, i, 0));
    PQclear(r);
}

static void toewijzing_detail(db *d, PGresult *r, int i)
{
    char bsn[32];
    if (reveal)
        snprintf(bsn, sizeof(bsn), "%s", val(r, i, 5));
    else
        ops_mask_bsn(val(r, i, 5), bsn, sizeof(bsn));
    printf("toewijzing %s (%s, gemeente %s, aanbieder %s)\n", val(r, i, 1), val(r, i, 2), val(r, i, 3),
           val(r, i, 4));
    printf("  client:        bsn %s, pseudonym %s\n", bsn, val(r, i, 6));
    printf("  product:       categorie %s, code %s\n", val(r, i, 7), val(r, i, 8));
    printf("  period:        %s to %s (toegewezen %s), reden wijziging %s\n", val(r, i, 9), val(r, i, 10),
           val(r, i, 11), val(r, i, 12));
    printf("  version:       %s, retour status %s, last message #%s\n", val(r, i, 13), val(r, i, 14),
           val(r, i, 15));
    const char *id = val(r, i, 0);
    rows(d, "history", "SELECT format('v%s %s: %s to %s, reden %s, message #%s %s', h.version, "
         "to_char(h.recorded_at, 'YYYY-MM-DD HH24:MI:SS'), h.ingangsdatum, coalesce(h.einddatum::text, '-'), "
         "coalesce(h.reden_wijziging, '-'), h.message_id, coalesce(m.bericht_id, '-')) "
         "FROM toewijzing_history h JOIN messages m ON m.id = h.message_id WHERE h.toewijzing_id = $1 "
         "ORDER BY h.version", id);
    rows(d, "starts and stops", "SELECT format('%s %s %s/%s from %s%s, message #%s %s%s', kind, s.aanbieder, "
         "coalesce(s.product_categorie, '-'), coalesce(s.product_code, '-'), s.begindatum, "
         "coalesce(' to ' || s.einddatum, ''), s.message_id, coalesce(m.bericht_id, '-'), "
         "coalesce(' (deleted by #' || s.deleted_by || ')', '')) FROM ("
         "SELECT 'start' AS kind, aanbieder, product_categorie, product_code, begindatum, NULL::date AS einddatum, "
         "message_id, deleted_by, standard, gemeente, toewijzing_nummer FROM starts UNION ALL "
         "SELECT 'stop', aanbieder, product_categorie, product_code, begindatum, einddatum, message_id, deleted_by, "
         "standard, gemeente, toewijzing_nummer FROM stops) s JOIN messages m ON m.id = s.message_id "
         "JOIN toewijzingen t ON t.standard = s.standard AND t.gemeente = s.gemeente "
         "AND t.toewijzing_nummer = s.toewijzing_nummer WHERE t.id = $1 ORDER BY s.message_id", id);
}

static int show_toewijzing(db *d, const char *nummer)
{
    const char *p[] = {nummer};
    PGresult *r = db_exec(d, "SELECT t.id, t.toewijzing_nummer, t.standard, t.gemeente, t.aanbieder, c.bsn, "
                             "c.pseudonym, t.product_categorie, t.product_code, t.ingangsdatum, t.einddatum, "
                             "t.toewijzingsdatum, t.reden_wijziging, t.version, t.retour_status, t.message_id "
                             "FROM toewijzingen t JOIN clients c ON c.id = t.client_id "
                             "WHERE t.toewijzing_nummer = $1 ORDER BY t.id", 1, p, NULL, 0);
    if (!r) {
        fprintf(stderr, "iwmoctl show: %s\n", d->err);
        return 1;
    }
    int n = PQntuples(r);
    if (n == 0)
        fprintf(stderr, "iwmoctl show: no toewijzing %s\n", nummer);
    if (n && reveal)
        audit("toewijzing", nummer);
    for (int i = 0; i < n; i++)
        toewijzing_detail(d, r, i);
    PQclear(r);
    return n ? 0 : 1;
}

/* How the message's raw bytes are stored, and whether they read back to the recorded sha256. */
static void stored_detail(db *d, const char *id)
{
    const char *p[] = {id};
    PGresult *r = db_exec(d, "SELECT id, raw, size, encode(sha256, 'hex') FROM messages WHERE id = $1::bigint",
                          1, p, NULL, 0);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return;
    }
    size_t blen = 0, len = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &blen);
    char keyid[2 * SEALBOX_ID_BYTES + 1] = "", how[64] = "compressed, not encrypted";
    if (b && sealbox_is_sealed(b, blen)) {
        sealbox_key_id_hex(b, blen, keyid);
        snprintf(how, sizeof(how), "encrypted under key %s", keyid);
    }
    const char *why;
    char *raw = stored_unpack(d, r, 0, 1, 2, &len, &why);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (raw && EVP_Digest(raw, len, md, &mdlen, EVP_sha256(), NULL))
        for (unsigned int k = 0; k < mdlen; k++)
            snprintf(hex + 2 * k, 3, "%02x", md[k]);
    if (!raw)
        printf("  stored:        %s; cannot be read back: %s\n", blen ? how : "nothing", why);
    else
        printf("  stored:        %s; reads back to %zu bytes, sha256 %s\n", how, len,
               strcmp(hex, PQgetvalue(r, 0, 3)) ? "DIFFERS from the recorded one" : "as recorded");
    free(raw);
    PQfreemem(b);
    PQclear(r);
}

static void bericht_detail(db *d, PGresult *r, int i)
{
    printf("bericht %s (message #%s)\n", val(r, i, 1), val(r, i, 0));
    printf("  file:          %s (claim %s)\n", val(r, i, 2), val(r, i, 3));
    printf("  message:       %s %s release %s, direction %s, from %s to %s, dagtekening %s\n", val(r, i, 4),
           val(r, i, 5), val(r, i, 6), val(r, i, 7), val(r, i, 8), val(r, i, 9), val(r, i, 10));
    printf("  verdict:       %s, retourcodes %s\n", val(r, i, 11), val(r, i, 12));
    printf("  received:      %s, %s bytes%s%s\n", val(r, i, 13), val(r, i, 14),
           PQgetisnull(r, i, 15) ? "" : ", raw bytes purged at ", PQgetisnull(r, i, 15) ? "" : val(r, i, 15));
    if (!PQgetisnull(r, i, 16))
        put_masked("  note:          ", val(r, i, 16));
    const char *id = val(r, i, 0);
    stored_detail(d, id);
    rows(d, "findings", "SELECT format('line %s: %s %s %s', f->>'line', f->>'code', f->>'rule', f->>'message') "
         "FROM messages, jsonb_array_elements(findings) f WHERE id = $1::bigint", id);
    rows(d, "deliveries", "SELECT format('%s %s %s at %s', kind, coalesce(identificatie, '-'), filename, "
         "to_char(created_at, 'YYYY-MM-DD HH24:MI:SS')) FROM deliveries WHERE message_id = $1::bigint ORDER BY id",
         id);
    rows(d, "events", "SELECT format('seq %s %s%s', seq, topic, CASE WHEN published_at IS NULL THEN ' (pending)' "
         "ELSE '' END) FROM events WHERE body->>'message_id' = $1 ORDER BY seq", id);
}

static int show_bericht(db *d, const char *key)
{
    const char *p[] = {key};
    PGresult *r = db_exec(d, "SELECT id, bericht_id, original_name, claim, standard, msg_type, release, direction, "
                             "sender, receiver, bericht_datum, verdict, array_to_string(retourcodes, ','), "
                             "to_char(received_at, 'YYYY-MM-DD HH24:MI:SS'), size, "
                             "to_char(purged_at, 'YYYY-MM-DD HH24:MI:SS'), note FROM messages "
                             "WHERE bericht_id = $1 OR id::text = $1 ORDER BY id", 1, p, NULL, 0);
    if (!r) {
        fprintf(stderr, "iwmoctl show: %s\n", d->err);
        return 1;
    }
    int n = PQntuples(r);
    if (n == 0)
        fprintf(stderr, "iwmoctl show: no bericht %s\n", key);
    if (n && reveal)
        audit("bericht", key);
    for (int i = 0; i < n; i++)
        bericht_detail(d, r, i);
    PQclear(r);
    return n ? 0 : 1;
}

int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
        {"reveal-bsn", no_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    optind = 1;
    reveal = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'h')
            return fputs(usage_text, stdout), 0;
        if (c == 'r')
            reveal = 1;
        else if (c == 'c')
            path = optarg;
        else
            return fputs(usage_text, stderr), 2;
    }
    if (!path || argc - optind != 2 || (strcmp(argv[optind], "toewijzing") && strcmp(argv[optind], "bericht")))
        return fputs(usage_text, stderr), 2;
    ops_ctx o;
    if (ops_open(&o, "iwmoctl show", path, 1) != 0)
        return 1;
    log_set_journal(o.cfg.log_journal);
    int rc = strcmp(argv[optind], "toewijzing") == 0 ? show_toewijzing(&o.d, argv[optind + 1])
                                                      : show_bericht(&o.d, argv[optind + 1]);
    ops_close(&o);
    return rc;
}
