/*
 * fuzz_common.c - see fuzz_common.h. Everything here runs once per process,
 * from LLVMFuzzerInitialize, so the per-input path stays cheap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

void fuzz_limits(iwmo_limits *lim)
{
    iwmo_limits_default(lim);
    lim->max_bytes = 256 * 1024;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *b = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *nb = realloc(b, (cap = cap ? cap * 2 : 65536) + 1);
            if (!nb)
                break;
            b = nb;
        }
        got = fread(b + n, 1, cap - n, fp);
        n += got;
    } while (got > 0);
    fclose(fp);
    if (b)
        b[n] = '\0';
    *len = n;
    return b;
}

/* Compile every type's XSD now: validating an empty document triggers the compile. */
static void warm_up(iwmo_schemaset *s)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlDocSetRootElement(doc, xmlNewNode(NULL, BAD_CAST "Leeg"));
    for (size_t i = 0; iwmo_msgtype_at(i); i++) {
        iwmo_findings f;
        iwmo_findings_init(&f, 1);
        if (iwmo_schema_validate(s, iwmo_msgtype_at(i), doc, &f) < 0) {
            fprintf(stderr, "fuzz: schema %s unusable\n", iwmo_msgtype_at(i)->name);
            abort();
        }
        iwmo_findings_free(&f);
    }
    xmlFreeDoc(doc);
}

iwmo_schemaset *fuzz_schemaset(void)
{
    static iwmo_schemaset *s;
    if (!s) {
        s = iwmo_schemaset_new(IWMOD_SOURCE_DIR "/schemas");
        if (!s)
            abort();
        warm_up(s);
    }
    return s;
}

typedef int (*list_loader)(iwmo_refdata *, const char *, size_t, char *, size_t);

static int load_gemeenten(iwmo_refdata *r, const char *b, size_t n, char *e, size_t es)
{
    return iwmo_refdata_load_gemeenten(r, b, n, e, es);
}

static int load_iwmo(iwmo_refdata *r, const char *b, size_t n, char *e, size_t es)
{
    return iwmo_refdata_load_productcodes(r, IWMO_STD_IWMO, b, n, e, es);
}

static int load_ijw(iwmo_refdata *r, const char *b, size_t n, char *e, size_t es)
{
    return iwmo_refdata_load_productcodes(r, IWMO_STD_IJW, b, n, e, es);
}

static void load_list(iwmo_refdata *r, const char *name, list_loader load)
{
    char path[4096], err[256];
    size_t len;
    snprintf(path, sizeof(path), "%s/data/%s", IWMOD_SOURCE_DIR, name);
    char *b = slurp(path, &len);
    if (!b || load(r, b, len, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz: cannot load %s: %s\n", path, b ? err : "unreadable");
        abort();
    }
    free(b);
}

iwmo_refdata *fuzz_refdata(void)
{
    static iwmo_refdata *r;
    if (!r) {
        r = iwmo_refdata_new();
        load_list(r, "cbs-gemeenten.tsv", load_gemeenten);
        load_list(r, "productcodes-iwmo.example.tsv", load_iwmo);
        load_list(r, "productcodes-ijw.example.tsv", load_ijw);
    }
    return r;
}

void fuzz_fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz: property broken: %s (input of %zu bytes)\n", what, size);
    (void)data;
    abort();
}

iwmo_rule_env fuzz_rule_env(void)
{
    iwmo_rule_env env = {.today = iwmo_date_parse(FUZZ_TODAY), .ref = fuzz_refdata()};
    return env;
}
