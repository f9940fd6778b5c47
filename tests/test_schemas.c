/*
 * test_schemas.c - every one of the 28 message types: the team's valid sample
 * passes the project's schemas, and each invalid variant (missing element,
 * wrong order, impossible date, bad code, pattern violation) fails with 0001
 * and a line number. Where the official XSDs are available, the project's
 * schemas and the official ones give the same verdict on every variant and
 * on seeded random structural mutations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/xmlschemas.h>
#include "iwmo.h"
#include "mutate.h"
#include "testutil.h"

#define RANDOM_MUTATIONS 60

static iwmo_schemaset *set;
static iwmo_limits limits;

static char *corpus_file(const iwmo_msgtype *t, size_t *len)
{
    char path[4096];
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/%s/%s.xml", tu_source_dir(),
            iwmo_standard_name(t->standard), t->name);
    char *b = tu_read(path, len);
    if (!b)
        fail_msg("missing corpus file %s", path);
    return b;
}

static int ours_valid(const char *buf, size_t len, iwmo_result *r)
{
    iwmo_check_message(set, &limits, buf, len, r);
    return r->valid;
}

static void test_every_type_has_a_valid_sample(void **state)
{
    (void)state;
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        size_t len;
        char *buf = corpus_file(t, &len);
        iwmo_result r;
        if (!ours_valid(buf, len, &r))
            fail_msg("%s: expected valid, first finding line %ld: %s %s", t->name,
                     r.findings.count ? r.findings.items[0].line : 0,
                     r.findings.count ? r.findings.items[0].code : "",
                     r.findings.count ? r.findings.items[0].message : "");
        assert_ptr_equal(r.ident.msgtype, t);
        assert_string_equal(r.ident.release, "3.2");
        iwmo_result_free(&r);
        free(buf);
    }
}

static void test_invalid_variants_are_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        size_t len;
        char *buf = corpus_file(t, &len);
        for (mutation m = 0; m < MUT_COUNT; m++) {
            xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET);
            assert_non_null(doc);
            if (mutate_apply(doc, m) < 0)
                fail_msg("%s: mutation %s found nothing to change", t->name, mutation_name(m));
            size_t mlen;
            char *mbuf = mutate_serialise(doc, &mlen);
            xmlFreeDoc(doc);
            iwmo_result r;
            if (ours_valid(mbuf, mlen, &r))
                fail_msg("%s: variant %s accepted", t->name, mutation_name(m));
            assert_true(r.findings.count > 0);
            assert_string_equal(r.findings.items[0].code, "0001");
            assert_true(r.findings.items[0].line > 0);
            iwmo_result_free(&r);
            free(mbuf);
        }
        free(buf);
    }
}

/* ---- conformance with the official XSDs -------------------------------- */

static xmlSchemaPtr official_schema(const iwmo_msgtype *t)
{
    const char *ref = tu_reference_dir();
    char path[4096];
    tu_path(path, sizeof(path), "%s/%s-3.2/xsd/%s.xsd", ref, iwmo_standard_name(t->standard), t->name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;        /* e.g. the iWmo retours, which are not published */
    fclose(fp);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    assert_non_null(s);
    return s;
}

static int official_valid(xmlSchemaPtr s, const char *buf, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET);
    if (!doc)
        return 0;
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s);
    xmlSchemaSetValidStructuredErrors(vc, NULL, NULL);
    xmlSchemaSetValidErrors(vc, NULL, NULL, NULL);
    int ok = xmlSchemaValidateDoc(vc, doc) == 0;
    xmlSchemaFreeValidCtxt(vc);
    xmlFreeDoc(doc);
    return ok;
}

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx; (void)msg;
}

/* Compare verdicts on one variant; returns 1 when both agree. */
static int agree(xmlSchemaPtr off, const iwmo_msgtype *t, const char *buf, size_t len,
                 const char *what)
{
    iwmo_result r;
    int a = ours_valid(buf, len, &r);
    int b = official_valid(off, buf, len);
    if (a != b)
        print_error("%s %s: project schema says %s, official says %s (%s)\n", t->name, what,
                    a ? "valid" : "invalid", b ? "valid" : "invalid",
                    r.findings.count ? r.findings.items[0].message : "no findings");
    iwmo_result_free(&r);
    return a == b;
}

static void test_conformance_with_official_xsds(void **state)
{
    (void)state;
    if (!tu_reference_dir()) {
        print_message("official XSDs not found (ISTANDAARDEN_DIR or ../shared/reference): skipped\n");
        skip();
    }
    xmlSetGenericErrorFunc(NULL, silent);
    int compared = 0, disagreed = 0, official_valid_variants = 0;
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        xmlSchemaPtr off = official_schema(t);
        if (!off)
            continue;
        size_t len;
        char *buf = corpus_file(t, &len);
        disagreed += !agree(off, t, buf, len, "sample");
        compared++;
        for (unsigned k = 0; k < MUT_COUNT + RANDOM_MUTATIONS; k++) {
            xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET);
            int applied = k < MUT_COUNT ? mutate_apply(doc, (mutation)k) : mutate_random(doc, k * 7919u + (unsigned)i);
            if (applied == 0) {
                size_t mlen;
                char *mbuf = mutate_serialise(doc, &mlen);
                char what[64];
                snprintf(what, sizeof(what), "variant %u", k);
                disagreed += !agree(off, t, mbuf, mlen, what);
                official_valid_variants += official_valid(off, mbuf, mlen);
                compared++;
                free(mbuf);
            }
            xmlFreeDoc(doc);
        }
        free(buf);
        xmlSchemaFree(off);
    }
    xmlSetGenericErrorFunc(NULL, NULL);
    print_message("conformance: %d documents compared with the official XSDs, %d disagreements "
                  "(%d variants valid under both)\n", compared, disagreed, official_valid_variants);
    assert_true(compared >= 21 * (1 + MUT_COUNT));
    assert_int_equal(disagreed, 0);
}

static int setup(void **state)
{
    (void)state;
    set = tu_schemaset();
    iwmo_limits_default(&limits);
    return set ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    iwmo_schemaset_free(set);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_has_a_valid_sample),
        cmocka_unit_test(test_invalid_variants_are_rejected),
        cmocka_unit_test(test_conformance_with_official_xsds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
