/*
 * test_retour.c - the retourbericht of every heenbericht type of both
 * standards: accepted (header only; 325: 0200/8001 with totals), rejected by
 * an intra-message rule (header only with 0001), and rejected in one class by
 * a cross-message or external rule (the client repeated with 0200 on clean
 * classes and the rule's code on the failing one; 325: only the rejected
 * prestatie, with the approved total). Each retour is compared with a golden
 * file and validated against the project's schemas, and for iJw against the
 * official XSDs when they are available. IWMOD_UPDATE_GOLDEN=1 rewrites the
 * golden files.
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
#include "testutil.h"

static iwmo_schemaset *set;
static iwmo_limits limits;

/* Per heenbericht: the class that gets the content finding, and a plausible code. */
static const struct {
    int type;
    const char *cls;
    const char *code;
} targets[] = {
    {301, "ToegewezenProduct", "9332"}, {305, "StartProduct", "9063"},
    {307, "StopProduct", "9069"},       {315, "AangevraagdProduct", "9347"},
    {317, "Verzoek", "9351"},           {319, "Antwoord", "9359"},
    {323, "Prestatie", "0611"},
};

static xmlNodePtr find_el(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
        xmlNodePtr hit = n->type == XML_ELEMENT_NODE ? find_el(n->children, name) : NULL;
        if (hit)
            return hit;
    }
    return NULL;
}

static void load_checked(const iwmo_msgtype *t, iwmo_result *r)
{
    char path[4096];
    size_t len;
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/%s/%s.xml", tu_source_dir(),
            iwmo_standard_name(t->standard), t->name);
    char *buf = tu_read(path, &len);
    assert_non_null(buf);
    iwmo_check_message(set, &limits, buf, len, r);
    free(buf);
    assert_true(r->valid);
}

static char *build(const iwmo_result *r, size_t *len)
{
    iwmo_retour_opts o = {.identificatie = "RET000000001", .dagtekening = iwmo_date_parse("2026-11-24"),
                          .xslt_versie = "1.0.0"};
    const char *why = NULL;
    xmlDocPtr d = iwmo_retour_build(r, &o, &why);
    assert_non_null(d);
    assert_null(why);
    char *xml = iwmo_doc_serialise(d, len);
    xmlFreeDoc(d);
    return xml;
}

static int official_accepts(const iwmo_msgtype *rt, const char *xml, size_t len)
{
    const char *ref = tu_reference_dir();
    char path[4096];
    if (!ref || rt->standard != IWMO_STD_IJW)
        return -1;
    tu_path(path, sizeof(path), "%s/ijw-3.2/xsd/%s.xsd", ref, rt->name);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!s)
        return -1;
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s);
    int ok = doc && xmlSchemaValidateDoc(vc, doc) == 0;
    xmlSchemaFreeValidCtxt(vc);
    xmlFreeDoc(doc);
    xmlSchemaFree(s);
    return ok;
}

/* The retour must be a valid message of the retour type, and match its golden file. */
static void check_retour(const iwmo_msgtype *t, const char *xml, size_t len, const char *variant)
{
    const iwmo_msgtype *rt = iwmo_msgtype_find(t->standard, t->retour_type);
    iwmo_result rr;
    iwmo_rule_env env = {.today = iwmo_date_parse("2026-11-24"), .ref = NULL};
    iwmo_check_message(set, &limits, xml, len, &rr);
    iwmo_check_rules(&env, &rr);        /* a retour must pass the rules on retours too (TR342) */
    if (!rr.valid)
        fail_msg("%s %s retour invalid: line %ld %s", t->name, variant,
                 rr.findings.count ? rr.findings.items[0].line : 0,
                 rr.findings.count ? rr.findings.items[0].message : "");
    assert_ptr_equal(rr.ident.msgtype, rt);
    iwmo_result_free(&rr);
    int off = official_accepts(rt, xml, len);
    if (off == 0)
        fail_msg("%s %s retour rejected by the official %s.xsd", t->name, variant, rt->name);

    char path[4096];
    tu_path(path, sizeof(path), "%s/tests/corpus/golden/%s/%s-%s.xml", tu_source_dir(),
            iwmo_standard_name(t->standard), rt->name, variant);
    if (getenv("IWMOD_UPDATE_GOLDEN")) {
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        fwrite(xml, 1, len, fp);
        fclose(fp);
    }
    size_t glen;
    char *golden = tu_read(path, &glen);
    if (!golden)
        fail_msg("missing golden file %s (run with IWMOD_UPDATE_GOLDEN=1)", path);
    if (glen != len || memcmp(golden, xml, len) != 0)
        fail_msg("%s differs from the built retour:\n%s", path, xml);
    free(golden);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void each_heenbericht(void (*fn)(const iwmo_msgtype *t, size_t target))
{
    int seen = 0;
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        if (t->is_retour)
            continue;
        for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++)
            if (targets[k].type == t->type) {
                fn(t, k);
                seen++;
            }
    }
    assert_int_equal(seen, 14);
}

static void accepted(const iwmo_msgtype *t, size_t k)
{
    (void)k;
    iwmo_result r;
    load_checked(t, &r);
    size_t len;
    char *xml = build(&r, &len);
    if (t->type == 323) {
        assert_int_equal(count(xml, "<RetourCode>0200</RetourCode>"), 1);
        assert_int_equal(count(xml, "<RetourCode>8001</RetourCode>"), 1);
        assert_int_equal(count(xml, "<Prestatie>"), 0);
    } else {
        assert_int_equal(count(xml, "RetourCode"), 0);     /* IV028: header only, no codes */
        assert_int_equal(count(xml, "<Client>"), 0);
    }
    check_retour(t, xml, len, "accepted");
    free(xml);
    iwmo_result_free(&r);
}

static void technical(const iwmo_msgtype *t, size_t k)
{
    (void)k;
    iwmo_result r;
    load_checked(t, &r);
    xmlNodePtr root = xmlDocGetRootElement(r.doc);
    iwmo_findings_add_at(&r.findings, find_el(root, "Header"), 2, "0001", "TR018", "test");
    size_t len;
    char *xml = build(&r, &len);
    assert_int_equal(count(xml, "<RetourCode>"), 1);
    assert_int_equal(count(xml, "<RetourCode>0001</RetourCode>"), 1);
    assert_int_equal(count(xml, "<XsltVersie>1.0.0</XsltVersie>"), 1);
    assert_int_equal(count(xml, "<Client>"), 0);
    assert_int_equal(count(xml, "DeclaratieAntwoord"), 0);
    check_retour(t, xml, len, "technical");
    free(xml);
    iwmo_result_free(&r);
}

static void rejected_class(const iwmo_msgtype *t, size_t k)
{
    iwmo_result r;
    load_checked(t, &r);
    xmlNodePtr target = find_el(xmlDocGetRootElement(r.doc), targets[k].cls);
    assert_non_null(target);
    iwmo_findings_add_at(&r.findings, target, 3, targets[k].code, "TR000", "test");
    size_t len;
    char *xml = build(&r, &len);
    char want[64];
    snprintf(want, sizeof(want), "<RetourCode>%s</RetourCode>", targets[k].code);
    assert_int_equal(count(xml, want), 1);
    assert_true(count(xml, "<RetourCode>0200</RetourCode>") >= 1);   /* header and clean classes */
    if (t->type == 323)
        assert_int_equal(count(xml, "<Prestatie>"), 1);              /* only the rejected one */
    check_retour(t, xml, len, "rejected");
    free(xml);
    iwmo_result_free(&r);
}

static void test_accepted(void **state)
{
    (void)state;
    each_heenbericht(accepted);
}

static void test_technical_rejection(void **state)
{
    (void)state;
    each_heenbericht(technical);
}

static void test_class_rejection(void **state)
{
    (void)state;
    each_heenbericht(rejected_class);
}

static long long total_of(const char *xml, const char *element)
{
    const char *p = strstr(xml, element);
    assert_non_null(p);
    p = strstr(p, "TotaalBedrag>");
    assert_non_null(p);
    long long v = atoll(p + strlen("TotaalBedrag>"));
    const char *dc = strstr(p, "DebetCredit>");
    return dc && dc[strlen("DebetCredit>")] == 'C' ? -v : v;
}

static void test_325_totals(void **state)
{
    (void)state;
    for (int std = IWMO_STD_IWMO; std <= IWMO_STD_IJW; std++) {
        const iwmo_msgtype *t = iwmo_msgtype_find((iwmo_standard)std, 323);
        iwmo_result r;
        load_checked(t, &r);
        xmlNodePtr p = find_el(xmlDocGetRootElement(r.doc), "Prestatie");
        xmlNodePtr bedrag = find_el(p->children, "IngediendBedrag");
        xmlChar *amount = xmlNodeGetContent(find_el(bedrag->children, "Bedrag"));
        xmlChar *dc = xmlNodeGetContent(find_el(bedrag->children, "DebetCredit"));
        long long line = atoll((const char *)amount) * (dc[0] == 'C' ? -1 : 1);
        xmlFree(amount);
        xmlFree(dc);
        iwmo_findings_add_at(&r.findings, p, 3, "0611", "TR418", "test");
        size_t len;
        char *xml = build(&r, &len);
        long long in = total_of(xml, "<TotaalIngediendBedrag>");
        long long granted = total_of(xml, "<TotaalToegekendBedrag>");
        assert_true(line != 0);
        assert_int_equal(granted, in - line);
        free(xml);

        /* A declaratie-level rejection grants nothing and repeats no client. */
        r.findings.items[0].node = find_el(xmlDocGetRootElement(r.doc), "Declaratie");
        xml = build(&r, &len);
        assert_int_equal(total_of(xml, "<TotaalToegekendBedrag>"), 0);
        assert_int_equal(count(xml, "<Client>"), 0);
        free(xml);
        iwmo_result_free(&r);
    }
}

/* More rejected lines than the findings cap: every one is still rejected and listed. */
static void test_many_rejected_prestaties(void **state)
{
    (void)state;
    iwmo_result r;
    load_checked(iwmo_msgtype_find(IWMO_STD_IJW, 323), &r);
    xmlNodePtr first = find_el(xmlDocGetRootElement(r.doc), "Prestatie");
    for (int i = 0; i < 400; i++)
        xmlAddNextSibling(first, xmlCopyNode(first, 1));
    int n = 0;
    for (xmlNodePtr p = first; p; p = xmlNextElementSibling(p), n++)
        iwmo_findings_add_at(&r.findings, p, 3, "0611", "TR418", "test");
    assert_true(n > 400);
    assert_int_equal(r.findings.count, (size_t)n);          /* rule findings are never capped */
    const char *v[4];
    assert_int_equal(iwmo_class_codes(&r, first, v, 4), 1);
    size_t len;
    char *xml = build(&r, &len);
    assert_int_equal(count(xml, "<Prestatie>"), n);
    assert_int_equal(count(xml, "<RetourCode>0611</RetourCode>"), n);
    free(xml);
    iwmo_result_free(&r);
}

static void test_no_retour_when_not_due(void **state)
{
    (void)state;
    iwmo_retour_opts o = {.identificatie = "X", .dagtekening = 0};
    const char *why = NULL;
    iwmo_result r;
    const char *junk = "<not-a-message/>";
    iwmo_check_message(set, &limits, junk, strlen(junk), &r);
    assert_null(iwmo_retour_build(&r, &o, &why));
    assert_non_null(why);
    iwmo_result_free(&r);

    /* A retourbericht is not answered. */
    load_checked(iwmo_msgtype_find(IWMO_STD_IJW, 306), &r);
    assert_null(iwmo_retour_build(&r, &o, &why));
    assert_non_null(strstr(why, "retourbericht"));
    iwmo_result_free(&r);

    /* An XSD-invalid heenbericht gets an error, not a retour (IV028). */
    load_checked(iwmo_msgtype_find(IWMO_STD_IWMO, 305), &r);
    r.schema_valid = 0;
    assert_null(iwmo_retour_build(&r, &o, &why));
    assert_non_null(strstr(why, "XSD"));
    iwmo_result_free(&r);
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
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_technical_rejection),
        cmocka_unit_test(test_class_rejection),
        cmocka_unit_test(test_325_totals),
        cmocka_unit_test(test_many_rejected_prestaties),
        cmocka_unit_test(test_no_retour_when_not_due),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
