/* stored.c - compressed, optionally sealed message bytes in PostgreSQL; see stored.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <zlib.h>
#include "iwmo.h"
#include "log.h"
#include "sealbox.h"
#include "stored.h"

/*
 * zlib format, as compress2() writes it, but with a window and hash table
 * sized to the input: compress2 sets up 256 KB of state for every call, which
 * for a 2 KB message cost more than compressing it. Level 1: XML compresses
 * well even so, and this runs for every message and every retour.
 * uncompress() reads both.
 */
static int deflate_sized(const char *in, size_t len, unsigned char *z, uLongf *cap)
{
    int bits = 9;                       /* window 2^bits bytes, 512 B .. 32 KB */
    while (bits < 15 && ((size_t)1 << bits) < len)
        bits++;
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, Z_BEST_SPEED, Z_DEFLATED, bits, bits - 7 < 1 ? 1 : bits - 7, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)len;
    s.next_out = z;
    s.avail_out = (uInt)*cap;
    int rc = deflate(&s, Z_FINISH);
    *cap = s.total_out;
    deflateEnd(&s);
    return rc == Z_STREAM_END ? 0 : -1;
}

int stored_pack(const db *d, const char *in, size_t len, unsigned char **out, size_t *outlen)
{
    uLongf cap = compressBound((uLong)len);
    unsigned char *z = malloc(cap ? cap : 1);
    if (!z || len > UINT32_MAX || deflate_sized(in, len, z, &cap) < 0) {
        free(z);
        return -1;
    }
    int rc = sealbox_seal(d->ring, z, cap, out, outlen);
    free(z);
    return rc;
}

/* Inflate z into a buffer of the recorded size (plus a NUL). */
static char *inflate_exact(const unsigned char *z, size_t zlen, size_t size, size_t *len, const char **why)
{
    char *buf = malloc(size + 1);
    uLongf n = (uLongf)size;
    if (!buf || uncompress((Bytef *)buf, &n, z, (uLong)zlen) != Z_OK || n != size) {
        free(buf);
        *why = "the stored bytes are not the compressed message";
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *stored_unpack(const db *d, PGresult *r, int row, int col_raw, int col_size, size_t *len,
                    const char **why)
{
    size_t blen = 0, zlen = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col_raw), &blen);
    unsigned char *z = NULL;
    char *out = NULL;
    *why = NULL;
    if (!b)
        *why = "out of memory";
    else if (blen == 0)
        *why = "raw bytes purged";
    else if (sealbox_open(d->ring, b, blen, &z, &zlen, why) == 0)
        out = inflate_exact(z, zlen, strtoull(PQgetvalue(r, row, col_size), NULL, 10), len, why);
    PQfreemem(b);
    free(z);
    return out;
}

xmlDocPtr stored_doc(const db *d, PGresult *r, int row)
{
    size_t len = 0;
    const char *why;
    char *buf = stored_unpack(d, r, row, 1, 2, &len, &why);
    if (!buf) {
        log_msg(strcmp(why, "raw bytes purged") ? LOG_WARNING : LOG_DEBUG,
                "message #%s: stored bytes cannot be read back: %s", PQgetvalue(r, row, 0), why);
        return NULL;
    }
    iwmo_limits lim;
    iwmo_findings f;
    iwmo_limits_default(&lim);
    iwmo_findings_init(&f, 4);
    xmlDocPtr doc = iwmo_parse_safe(buf, len, &lim, &f);
    iwmo_findings_free(&f);
    free(buf);
    return doc;
}

static const char purge_sql[] =
    "WITH m AS (UPDATE messages SET raw = '\\x'::bytea, purged_at = now() "
    "           WHERE received_at < $1::date AND purged_at IS NULL RETURNING id), "
    "d AS (UPDATE deliveries SET content = '\\x'::bytea, purged_at = now() "
    "      WHERE purged_at IS NULL AND message_id IN (SELECT id FROM m) RETURNING id) "
    "SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM d)";

static const char count_sql[] =
    "SELECT count(*), (SELECT count(*) FROM deliveries d JOIN messages m ON m.id = d.message_id "
    "                  WHERE m.received_at < $1::date AND d.purged_at IS NULL AND m.purged_at IS NULL) "
    "FROM messages WHERE received_at < $1::date AND purged_at IS NULL";

int stored_purge(db *d, const char *before, int dry, long counts[2])
{
    const char *p[] = {before};
    PGresult *r = db_exec(d, dry ? count_sql : purge_sql, 1, p, NULL, 0);
    if (!r)
        return -1;
    counts[0] = atol(PQgetvalue(r, 0, 0));
    counts[1] = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}
