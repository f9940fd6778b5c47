/*
 * checker.c - sets up schemas, limits, clock and reference lists, and runs
 * one file through the whole check.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "checker.h"
#include "fileio.h"

iwmo_date checker_system_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return iwmo_date_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

typedef int (*loader)(iwmo_refdata *, const char *, size_t, char *, size_t);

static int load_gemeenten(iwmo_refdata *r, const char *b, size_t n, char *e, size_t es)
{
    return iwmo_refdata_load_gemeenten(r, b, n, e, es);
}

static int load_products_iwmo(iwmo_refdata *r, const char *b, size_t n, char *e, size_t es)
{
    return iwmo_refdata_load_productcodes(r, IWMO_STD_IWMO, b, n, e, es);
}

static int load_products_ijw(iwmo_refdata *r, const char *b, size_t n, char *e, size_t es)
{
    return iwmo_refdata_load_productcodes(r, IWMO_STD_IJW, b, n, e, es);
}

/* Load dir/name when it exists; a missing file is fine, a malformed one is not. */
static int load_list(iwmo_refdata *ref, const char *dir, const char *name, loader fn,
                     char *err, size_t errsize)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return 0;
    if (access(path, F_OK) != 0)
        return 0;
    char *buf;
    size_t len;
    if (read_file_bounded(path, 64u * 1024u * 1024u, &buf, &len) < 0) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    char why[256] = "";
    int rc = fn(ref, buf, len, why, sizeof(why));
    free(buf);
    if (rc < 0)
        snprintf(err, errsize, "%s:%s", path, why);
    return rc;
}

static int load_refdata(checker *c, const char *dir, char *err, size_t errsize)
{
    c->ref = iwmo_refdata_new();
    if (!c->ref) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    if (load_list(c->ref, dir, "cbs-gemeenten.tsv", load_gemeenten, err, errsize) < 0 ||
        load_list(c->ref, dir, "productcodes-iwmo.tsv", load_products_iwmo, err, errsize) < 0 ||
        load_list(c->ref, dir, "productcodes-ijw.tsv", load_products_ijw, err, errsize) < 0)
        return -1;
    return 0;
}

int checker_open(checker *c, const checker_opts *o, char *err, size_t errsize)
{
    memset(c, 0, sizeof(*c));
    iwmo_limits_default(&c->limits);
    if (o->max_bytes)
        c->limits.max_bytes = o->max_bytes;
    if (o->stream_from)
        c->limits.stream_from = o->stream_from;
    if (o->stream_clients)
        c->limits.stream_clients = o->stream_clients;
    c->env.today = o->today ? iwmo_date_parse(o->today) : checker_system_today();
    if (c->env.today == IWMO_NO_DATE) {
        snprintf(err, errsize, "'%s' is not a date (YYYY-MM-DD)", o->today);
        return -1;
    }
    c->schemas = iwmo_schemaset_new(find_schemas_dir(o->schemas_dir));
    if (!c->schemas) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    if (load_refdata(c, find_data_dir(o->data_dir), err, errsize) < 0) {
        checker_close(c);
        return -1;
    }
    c->env.ref = c->ref;
    snprintf(c->schemas_dir, sizeof(c->schemas_dir), "%s", find_schemas_dir(o->schemas_dir));
    return 0;
}

void checker_close(checker *c)
{
    iwmo_schemaset_free(c->schemas);
    iwmo_refdata_free(c->ref);
    if (c->envschema)
        iwmo_envschema_free(c->envschema);
    c->envschema = NULL;
    c->schemas = NULL;
    c->ref = NULL;
}

void checker_too_large(const checker *c, size_t size, iwmo_result *r)
{
    memset(r, 0, sizeof(*r));
    iwmo_findings_init(&r->findings, c->limits.max_findings);
    iwmo_findings_add(&r->findings, 0, "too-large", "OP179", "file of %zu bytes exceeds the limit of %zu bytes",
                      size, c->limits.max_bytes);
}

void checker_run(checker *c, const char *path, iwmo_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    if (read_file_bounded(path, c->limits.max_bytes, &buf, &len) < 0 && errno == EFBIG) {
        checker_too_large(c, len, r);
        return;
    }
    if (!buf) {
        int err = errno;
        memset(r, 0, sizeof(*r));
        iwmo_findings_init(&r->findings, c->limits.max_findings);
        iwmo_findings_add(&r->findings, 0, "unreadable", "", "cannot read %s: %s",
                          strcmp(path, "-") == 0 ? "<stdin>" : path,
                          err == EINVAL ? "not a regular file" : strerror(err));
        return;
    }
    checker_wrapping wr;
    checker_run_buffer_whole(c, buf, len, r, &wr);
    checker_wrapping_free(&wr);
    free(buf);
}

/* Start r as a refused result holding the findings of an outer layer. */
static void refused(iwmo_result *r, const iwmo_limits *lim, iwmo_findings *outer)
{
    memset(r, 0, sizeof(*r));
    r->findings = *outer;
    r->findings.max_findings = lim->max_findings;
}

void checker_run_buffer(checker *c, const char *buf, size_t len, iwmo_result *r,
                        checker_wrapping *wr)
{
    memset(wr, 0, sizeof(*wr));
    iwmo_findings outer;
    iwmo_findings_init(&outer, c->limits.max_findings);
    if (iwmo_zip_detect(buf, len)) {
        if (iwmo_zip_extract(buf, len, &c->limits, NULL, &wr->zip_payload, &len, wr->zip_entry,
                             sizeof(wr->zip_entry), &outer) < 0) {
            refused(r, &c->limits, &outer);
            return;
        }
        wr->from_zip = 1;
        buf = wr->zip_payload;
    }
    if (iwmo_envelope_detect(buf, len) != IWMO_ENV_NONE) {
        if (!c->envschema)              /* compiled on the first envelope only */
            c->envschema = iwmo_envschema_new(c->schemas_dir);
        if (!c->envschema) {
            iwmo_findings_add(&outer, 0, "schema-unavailable", "", "the StUF-GGk envelope schema "
                              "(ggk/ggk-envelop.xsd) is not installed in the schema directory");
            refused(r, &c->limits, &outer);
            return;
        }
        if (iwmo_envelope_unwrap(c->envschema, buf, len, &c->limits, &wr->env, &outer) < 0) {
            refused(r, &c->limits, &outer);
            return;
        }
        buf = wr->env.payload;
        len = wr->env.payload_len;
    }
    iwmo_findings_free(&outer);
    /* A big 323 is checked piece by piece (lib/stream.c); buf outlives r in every caller. */
    if (!iwmo_stream_wanted(buf, len, &c->limits) ||
        iwmo_check_streamed(c->schemas, &c->limits, &c->env, buf, len, r) < 0)
        iwmo_check_message(c->schemas, &c->limits, buf, len, r);
    if (wr->env.kind != IWMO_ENV_NONE && r->identified &&
        iwmo_envelope_check(&wr->env, r->doc, &r->ident, &r->findings) < 0) {
        r->identified = 0;              /* the envelope contradicts its payload: refuse it */
        r->valid = 0;
        return;
    }
    iwmo_check_rules(&c->env, r);
}

void checker_run_buffer_whole(checker *c, const char *buf, size_t len, iwmo_result *r,
                              checker_wrapping *wr)
{
    size_t stream_from = c->limits.stream_from;
    c->limits.stream_from = 0;
    checker_run_buffer(c, buf, len, r, wr);
    c->limits.stream_from = stream_from;
}

void checker_wrapping_free(checker_wrapping *wr)
{
    iwmo_envelope_free(&wr->env);
    free(wr->zip_payload);
    wr->zip_payload = NULL;
}
