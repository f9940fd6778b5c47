/*
 * test_rules_extern.c - the externe-bron rules (TR135, TR346, TR378, TR381)
 * and the reference-data loaders. Each rule gets a passing and a failing
 * variant of a corpus sample, edited as text; every variant is first proved
 * schema-valid, then run through the rules with a fixed date. The loaders
 * are tried on good lists, broken lines and validity windows, and the
 * shipped data files must load and let the whole corpus pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iwmo.h"
#include "refdata.h"
#include "testutil.h"
#include "xmlutil.h"

static iwmo_schemaset *set;
static iwmo_limits limits;

/* ---- fictitious lists used by the rule tests --------------------------- */

static const char GEMEENTEN[] =
    "# test list\n"
    "0363\tAmsterdam\n"
    "0344\tUtrecht\t\t\n"
    "9991\tOudedorp\t\t2026-02-28\n"
    "9993\tNieuwstad\t2026-03-01\n";

static const char PRODUCTS_IWMO[] =
    "iwmo\t01\t01A01\t2026-01-01\t\t0363\n"
    "iwmo\t01\t01A00\t2024-01-01\t2025-12-31\t0363\n"
    "iwmo\t03\t03A01\t2026-08-01\t\t0363\n"
    "iwmo\t07\t07A02\n";

static const char PRODUCTS_IJW[] =
    "ijw\t45\t45A48\t2026-01-01\n"
    "ijw\t42\t42A01\n"
    "ijw\t42\t42A05\n";

static iwmo_refdata *make_ref(int gemeenten, int products)
{
    char err[256] = "";
    iwmo_refdata *r = iwmo_refdata_new();
    assert_non_null(r);
    if (gemeenten)
        assert_int_equal(iwmo_refdata_load_gemeenten(r, GEMEENTEN, strlen(GEMEENTEN), err,
                                                     sizeof(err)), 0);
    if (products) {
        assert_int_equal(iwmo_refdata_load_productcodes(r, IWMO_STD_IWMO, PRODUCTS_IWMO,
                                                        strlen(PRODUCTS_IWMO), err,
                                                        sizeof(err)), 0);
        assert_int_equal(iwmo_refdata_load_productcodes(r, IWMO_STD_IJW, PRODUCTS_IJW,
                                                        strlen(PRODUCTS_IJW), err,
                                                        sizeof(err)), 0);
    }
    return r;
}

static iwmo_rule_env env_with(const iwmo_refdata *ref)
{
    iwmo_rule_env e = {.today = iwmo_date_make(2026, 11, 24), .ref = ref};
    return e;
}

/* ---- variants ---------------------------------------------------------- */

typedef struct {
    const char *from;
    const char *to;
    int nth;                    /* 0 = first occurrence */
} edit;

typedef struct {
    char *text;
    iwmo_result res;
    iwmo_findings f;
} variant;

static char *apply_edit(char *src, const edit *e)
{
    char *p = strstr(src, e->from);
    for (int i = 0; p && i < e->nth; i++)
        p = strstr(p + 1, e->from);
    if (!p)
        fail_msg("edit target '%s' (#%d) not found", e->from, e->nth);
    size_t head = (size_t)(p - src), fl = strlen(e->from), tl = strlen(e->to);
    size_t rest = strlen(p + fl);
    char *out = malloc(head + tl + rest + 1);
    assert_non_null(out);
    memcpy(out, src, head);
    memcpy(out + head, e->to, tl);
    memcpy(out + head + tl, p + fl, rest + 1);
    free(src);
    return out;
}

/* Read a corpus sample, edit it, prove it schema-valid and run the rules. */
static void variant_run(variant *v, const char *sample, const edit *edits, size_t n,
                        const iwmo_rule_env *env)
{
    char path[4096];
    size_t len;
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/%s.xml", tu_source_dir(), sample);
    v->text = tu_read(path, &len);
    if (!v->text)
        fail_msg("missing corpus file %s", path);
    for (size_t i = 0; i < n; i++)
        v->text = apply_edit(v->text, &edits[i]);
    iwmo_check_message(set, &limits, v->text, strlen(v->text), &v->res);
    if (!v->res.valid)
        fail_msg("%s variant is not schema-valid: %s", sample,
                 v->res.findings.count ? v->res.findings.items[0].message : "?");
    iwmo_findings_init(&v->f, 0);
    iwmo_rules_check(env, v->res.doc, v->res.ident.msgtype, &v->f);
}

static void variant_free(variant *v)
{
    iwmo_findings_free(&v->f);
    iwmo_result_free(&v->res);
    free(v->text);
}

static const iwmo_finding *finding_of(const variant *v, const char *rule)
{
    for (size_t i = 0; i < v->f.count; i++)
        if (strcmp(v->f.items[i].rule, rule) == 0)
            return &v->f.items[i];
    return NULL;
}

static size_t count_of(const variant *v, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < v->f.count; i++)
        n += strcmp(v->f.items[i].rule, rule) == 0;
    return n;
}

/* Line of the nth occurrence of needle in the variant's text. */
static long line_of(const variant *v, const char *needle, int nth)
{
    const char *p = strstr(v->text, needle);
    for (int i = 0; p && i < nth; i++)
        p = strstr(p + 1, needle);
    assert_non_null(p);
    long line = 1;
    for (const char *q = v->text; q < p; q++)
        line += *q == '\n';
    return line;
}

/* No BSN, birth date or name from the message may appear in a finding. */
static void assert_no_personal_data(const variant *v, const char *msg)
{
    static const char *const personal[] = {"Bsn", "Datum", "Achternaam", "Voornamen"};
    xmlNodePtr root = xmlDocGetRootElement(v->res.doc);
    char text[256];
    for (size_t k = 0; k < sizeof(personal) / sizeof(personal[0]); k++)
        for (xmlNodePtr e = xu_first_desc(root, personal[k]); e;
             e = xu_next_desc(root, e, personal[k]))
            if (*xu_text(e, NULL, text, sizeof(text)) && strstr(msg, text))
                fail_msg("finding '%s' shows %s", msg, personal[k]);
}

static void expect_fail(const variant *v, const char *rule, const char *code, long line)
{
    const iwmo_finding *f = finding_of(v, rule);
    if (!f)
        fail_msg("expected a %s finding, got %zu findings", rule, v->f.count);
    assert_string_equal(f->code, code);
    assert_int_equal(f->level, 4);
    assert_true(f->line > 0);
    if (line)
        assert_int_equal(f->line, line);
    assert_no_personal_data(v, f->message);
}

static void expect_pass(const variant *v, const char *rule)
{
    const iwmo_finding *f = finding_of(v, rule);
    if (f)
        fail_msg("unexpected %s finding at line %ld: %s", rule, f->line, f->message);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the rule table ---------------------------------------------------- */

static void test_rule_rows(void **state)
{
    (void)state;
    static const char *const want[][2] = {
        {"TR135", "8848"}, {"TR346", "9346"}, {"TR378", "S300"}, {"TR381", "S329"}};
    for (size_t k = 0; k < N(want); k++) {
        const iwmo_rule_info *found = NULL;
        for (size_t i = 0; iwmo_rule_at(i); i++)
            if (strcmp(iwmo_rule_at(i)->id, want[k][0]) == 0)
                found = iwmo_rule_at(i);
        if (!found)
            fail_msg("rule %s is not in the table", want[k][0]);
        assert_string_equal(found->retourcode, want[k][1]);
        assert_int_equal(found->level, 4);
        assert_non_null(strstr(found->applies, "JW323"));
        assert_true(strlen(found->summary) > 10);
    }
}

/* ---- TR135 ------------------------------------------------------------- */

static void test_tr135_dagtekening(void **state)
{
    (void)state;
    iwmo_rule_env env = env_with(NULL);
    variant v;

    variant_run(&v, "iwmo/WMO301", NULL, 0, &env);
    expect_pass(&v, "TR135");
    variant_free(&v);

    edit today[] = {{"<iwmo:Dagtekening>2026-03-02", "<iwmo:Dagtekening>2026-11-24", 0}};
    variant_run(&v, "iwmo/WMO301", today, N(today), &env);
    expect_pass(&v, "TR135");
    variant_free(&v);

    edit future[] = {{"<iwmo:Dagtekening>2026-03-02", "<iwmo:Dagtekening>2026-11-25", 0}};
    variant_run(&v, "iwmo/WMO301", future, N(future), &env);
    expect_fail(&v, "TR135", "8848", line_of(&v, "Dagtekening>2026-11-25", 0));
    assert_non_null(strstr(finding_of(&v, "TR135")->message, "2026-11-25"));
    variant_free(&v);

    edit jw[] = {{"<ijw:Dagtekening>2026-11-05", "<ijw:Dagtekening>2027-01-01", 0}};
    variant_run(&v, "ijw/JW323", jw, N(jw), &env);
    expect_fail(&v, "TR135", "8848", line_of(&v, "Dagtekening>2027-01-01", 0));
    variant_free(&v);
}

/* ---- TR346 ------------------------------------------------------------- */

static void test_tr346_amount(void **state)
{
    (void)state;
    iwmo_rule_env env = env_with(NULL);
    variant v;

    variant_run(&v, "iwmo/WMO323", NULL, 0, &env);
    expect_pass(&v, "TR346");
    variant_free(&v);

    edit off_by_one[] = {{"<b:Bedrag>40950</b:Bedrag>", "<b:Bedrag>40951</b:Bedrag>", 0}};
    variant_run(&v, "iwmo/WMO323", off_by_one, N(off_by_one), &env);
    expect_fail(&v, "TR346", "9346", line_of(&v, "<m:IngediendBedrag>", 0));
    assert_int_equal(count_of(&v, "TR346"), 1);
    assert_non_null(strstr(finding_of(&v, "TR346")->message, "40950"));
    variant_free(&v);

    /* Eenheid 83 (euro): no tariff, the amount is not recomputed. */
    edit euro[] = {{"<b:Bedrag>4575</b:Bedrag>", "<b:Bedrag>4600</b:Bedrag>", 0}};
    variant_run(&v, "iwmo/WMO323", euro, N(euro), &env);
    expect_pass(&v, "TR346");
    variant_free(&v);

    /* The largest values the schema allows: no overflow, a clean finding. */
    edit huge[] = {{"<m:GeleverdVolume>13<", "<m:GeleverdVolume>99999999<", 0},
                   {"<m:ProductTarief>3150<", "<m:ProductTarief>99999999<", 0}};
    variant_run(&v, "iwmo/WMO323", huge, N(huge), &env);
    expect_fail(&v, "TR346", "9346", line_of(&v, "<m:IngediendBedrag>", 0));
    variant_free(&v);
}

static void test_tr346_minutes_on_hourly_rate(void **state)
{
    (void)state;
    iwmo_rule_env env = env_with(NULL);
    variant v;

    /* 240 minutes x 215 cents: exact. */
    variant_run(&v, "ijw/JW323", NULL, 0, &env);
    expect_pass(&v, "TR346");
    variant_free(&v);

    /*
     * Hourly rate 129.50: 2.1583 a minute, rounded 2.16 in ProductTarief; 7 minutes cost
     * 129.50 x 7 / 60 = 15.108, rounded 15.11 - not 7 x 2.16 = 15.12, and still right.
     */
    edit rounded[] = {{"<GeleverdVolume>240<", "<GeleverdVolume>7<", 0},
                      {"<ProductTarief>215<", "<ProductTarief>216<", 0},
                      {"<ijw:Bedrag>51600<", "<ijw:Bedrag>1511<", 0}};
    variant_run(&v, "ijw/JW323", rounded, N(rounded), &env);
    expect_pass(&v, "TR346");
    variant_free(&v);

    edit wrong[] = {{"<GeleverdVolume>240<", "<GeleverdVolume>7<", 0},
                    {"<ProductTarief>215<", "<ProductTarief>216<", 0},
                    {"<ijw:Bedrag>51600<", "<ijw:Bedrag>1500<", 0}};
    variant_run(&v, "ijw/JW323", wrong, N(wrong), &env);
    expect_fail(&v, "TR346", "9346", line_of(&v, "<IngediendBedrag>", 4));
    variant_free(&v);

    /* The rounding allowance is for minutes only: the same figures in hours fail. */
    edit hours[] = {{"<GeleverdVolume>240<", "<GeleverdVolume>7<", 0},
                    {"<Eenheid>01<", "<Eenheid>04<", 0},
                    {"<ProductTarief>215<", "<ProductTarief>216<", 0},
                    {"<ijw:Bedrag>51600<", "<ijw:Bedrag>1511<", 0}};
    variant_run(&v, "ijw/JW323", hours, N(hours), &env);
    expect_fail(&v, "TR346", "9346", line_of(&v, "<IngediendBedrag>", 4));
    variant_free(&v);
}

/* ---- TR378 ------------------------------------------------------------- */

static void test_tr378_gemeente(void **state)
{
    (void)state;
    iwmo_refdata *ref = make_ref(1, 0);
    iwmo_rule_env env = env_with(ref);
    variant v;

    variant_run(&v, "iwmo/WMO301", NULL, 0, &env);
    expect_pass(&v, "TR378");
    variant_free(&v);

    edit unknown[] = {{"<Afzender>0363<", "<Afzender>9999<", 0}};
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &env);
    expect_fail(&v, "TR378", "S300", line_of(&v, "<Afzender>", 0));
    variant_free(&v);

    /* The receiver is the gemeente in a 323. */
    edit receiver[] = {{"<m:Ontvanger>0363<", "<m:Ontvanger>0001<", 0}};
    variant_run(&v, "iwmo/WMO323", receiver, N(receiver), &env);
    expect_fail(&v, "TR378", "S300", line_of(&v, "<m:Ontvanger>", 0));
    variant_free(&v);

    iwmo_refdata_free(ref);
}

static void test_tr378_validity_window(void **state)
{
    (void)state;
    iwmo_refdata *ref = make_ref(1, 0);
    iwmo_rule_env env = env_with(ref);
    variant v;

    /* 9991 ends on 2026-02-28: fine on a 315 dated 2026-01-12 ... */
    edit before[] = {{"<Ontvanger>0363<", "<Ontvanger>9991<", 0}};
    variant_run(&v, "ijw/JW315", before, N(before), &env);
    expect_pass(&v, "TR378");
    variant_free(&v);

    /* ... but not on a 301 dated 2026-03-02 whose toewijzingen start 2026-03-09. */
    edit after[] = {{"<Afzender>0363<", "<Afzender>9991<", 0}};
    variant_run(&v, "iwmo/WMO301", after, N(after), &env);
    expect_fail(&v, "TR378", "S300", line_of(&v, "<Afzender>", 0));
    variant_free(&v);

    /* Herindeling: a late 315 may still use the list of its ToewijzingIngangsdatum. */
    edit late[] = {{"<Ontvanger>0363<", "<Ontvanger>9991<", 0},
                   {"<ijw:Dagtekening>2026-01-12<", "<ijw:Dagtekening>2026-03-05<", 0}};
    variant_run(&v, "ijw/JW315", late, N(late), &env);
    expect_pass(&v, "TR378");
    variant_free(&v);

    /* 9993 starts on 2026-03-01: too early for the 315, right for the 301. */
    edit early[] = {{"<Ontvanger>0363<", "<Ontvanger>9993<", 0}};
    variant_run(&v, "ijw/JW315", early, N(early), &env);
    expect_fail(&v, "TR378", "S300", line_of(&v, "<Ontvanger>", 0));
    variant_free(&v);

    edit fresh[] = {{"<Afzender>0363<", "<Afzender>9993<", 0}};
    variant_run(&v, "iwmo/WMO301", fresh, N(fresh), &env);
    expect_pass(&v, "TR378");
    variant_free(&v);

    assert_true(refdata_gemeente_valid(ref, "9991", iwmo_date_make(2026, 2, 28)));
    assert_false(refdata_gemeente_valid(ref, "9991", iwmo_date_make(2026, 3, 1)));
    assert_false(refdata_gemeente_valid(ref, "9993", iwmo_date_make(2026, 2, 28)));
    assert_true(refdata_gemeente_valid(ref, "0344", iwmo_date_make(1990, 1, 1)));
    iwmo_refdata_free(ref);
}

static void test_tr378_skipped_without_list(void **state)
{
    (void)state;
    edit unknown[] = {{"<Afzender>0363<", "<Afzender>9999<", 0}};
    iwmo_rule_env none = env_with(NULL);
    variant v;
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &none);
    expect_pass(&v, "TR378");
    variant_free(&v);

    iwmo_refdata *empty = make_ref(0, 1);
    iwmo_rule_env e = env_with(empty);
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &e);
    expect_pass(&v, "TR378");
    variant_free(&v);
    iwmo_refdata_free(empty);
}

/* ---- TR381 ------------------------------------------------------------- */

static void test_tr381_product_code(void **state)
{
    (void)state;
    iwmo_refdata *ref = make_ref(1, 1);
    iwmo_rule_env env = env_with(ref);
    variant v;

    variant_run(&v, "iwmo/WMO301", NULL, 0, &env);
    expect_pass(&v, "TR381");
    variant_free(&v);

    /* 01A01 is a category 01 code; category 07 has codes of its own. */
    edit wrong_cat[] = {{"<iwmo:Code>07A02<", "<iwmo:Code>01A01<", 0}};
    variant_run(&v, "iwmo/WMO301", wrong_cat, N(wrong_cat), &env);
    expect_fail(&v, "TR381", "S329", line_of(&v, "<iwmo:Code>01A01<", 1));
    assert_int_equal(count_of(&v, "TR381"), 1);
    variant_free(&v);

    edit unknown[] = {{"<iwmo:Code>01A01<", "<iwmo:Code>01Z99<", 0}};
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &env);
    expect_fail(&v, "TR381", "S329", line_of(&v, "<iwmo:Code>01Z99<", 0));
    variant_free(&v);

    edit jw[] = {{"<ProductCode>45A48<", "<ProductCode>45A49<", 2}};
    variant_run(&v, "ijw/JW323", jw, N(jw), &env);
    expect_fail(&v, "TR381", "S329", line_of(&v, "<ProductCode>45A49<", 0));
    assert_int_equal(count_of(&v, "TR381"), 1);
    variant_free(&v);

    iwmo_refdata_free(ref);
}

static void test_tr381_dates(void **state)
{
    (void)state;
    iwmo_refdata *ref = make_ref(1, 1);
    iwmo_rule_env env = env_with(ref);
    variant v;

    /* 01A00 ended 2025-12-31: no new toewijzing from 2026-03-09 may use it ... */
    edit retired[] = {{"<iwmo:Code>01A01<", "<iwmo:Code>01A00<", 0}};
    variant_run(&v, "iwmo/WMO301", retired, N(retired), &env);
    expect_fail(&v, "TR381", "S329", line_of(&v, "<iwmo:Code>01A00<", 0));
    variant_free(&v);

    /* ... but a declaration on an older toewijzing still may. */
    edit declared[] = {{"<m:ProductCode>01A01<", "<m:ProductCode>01A00<", 0}};
    variant_run(&v, "iwmo/WMO323", declared, N(declared), &env);
    expect_pass(&v, "TR381");
    variant_free(&v);

    /* 03A01 starts 2026-08-01: the 317's new product wants it from 2026-07-01. */
    variant_run(&v, "iwmo/WMO317", NULL, 0, &env);
    expect_fail(&v, "TR381", "S329", line_of(&v, "<iwmo:Code>03A01<", 0));
    variant_free(&v);

    edit later[] = {{"<GewensteIngangsdatum>2026-07-01<", "<GewensteIngangsdatum>2026-08-01<", 1}};
    variant_run(&v, "iwmo/WMO317", later, N(later), &env);
    expect_pass(&v, "TR381");
    variant_free(&v);

    iwmo_refdata_free(ref);
}

static void test_tr381_scope(void **state)
{
    (void)state;
    iwmo_refdata *ref = make_ref(1, 1);
    iwmo_rule_env env = env_with(ref);
    variant v;

    /* Category 01 rows belong to 0363 only: for 0344 the lists say nothing about 01 ... */
    edit other[] = {{"<Afzender>0363<", "<Afzender>0344<", 0},
                    {"<iwmo:Code>01A01<", "<iwmo:Code>01Z99<", 0}};
    variant_run(&v, "iwmo/WMO301", other, N(other), &env);
    expect_pass(&v, "TR381");
    variant_free(&v);

    /* ... while the category 07 row has no gemeente and covers everyone. */
    edit other07[] = {{"<Afzender>0363<", "<Afzender>0344<", 0},
                      {"<iwmo:Code>07A02<", "<iwmo:Code>07Z99<", 0}};
    variant_run(&v, "iwmo/WMO301", other07, N(other07), &env);
    expect_fail(&v, "TR381", "S329", line_of(&v, "<iwmo:Code>07Z99<", 0));
    variant_free(&v);

    /* No list: skipped, whatever the code. */
    edit unknown[] = {{"<iwmo:Code>01A01<", "<iwmo:Code>01Z99<", 0}};
    iwmo_rule_env none = env_with(NULL);
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &none);
    expect_pass(&v, "TR381");
    variant_free(&v);

    iwmo_refdata *gem_only = make_ref(1, 0);
    iwmo_rule_env g = env_with(gem_only);
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &g);
    expect_pass(&v, "TR381");
    variant_free(&v);

    /* Only iJw codes loaded: iWmo messages are not judged. */
    iwmo_refdata *ijw_only = iwmo_refdata_new();
    char err[128];
    assert_int_equal(iwmo_refdata_load_productcodes(ijw_only, IWMO_STD_IJW, PRODUCTS_IJW,
                                                    strlen(PRODUCTS_IJW), err, sizeof(err)), 0);
    iwmo_rule_env j = env_with(ijw_only);
    variant_run(&v, "iwmo/WMO301", unknown, N(unknown), &j);
    expect_pass(&v, "TR381");
    variant_free(&v);

    iwmo_refdata_free(ijw_only);
    iwmo_refdata_free(gem_only);
    iwmo_refdata_free(ref);
}

/* ---- loaders ----------------------------------------------------------- */

static void expect_load_error(int products, iwmo_standard s, const char *text,
                              const char *line_prefix)
{
    char err[256] = "";
    iwmo_refdata *r = make_ref(1, 1);
    size_t ng = iwmo_refdata_gemeente_count(r), np = iwmo_refdata_productcode_count(r);
    int rc = products ? iwmo_refdata_load_productcodes(r, s, text, strlen(text), err, sizeof(err))
                      : iwmo_refdata_load_gemeenten(r, text, strlen(text), err, sizeof(err));
    assert_int_equal(rc, -1);
    if (strncmp(err, line_prefix, strlen(line_prefix)) != 0)
        fail_msg("error '%s' does not start with '%s'", err, line_prefix);
    /* A failed load changes nothing. */
    assert_int_equal(iwmo_refdata_gemeente_count(r), ng);
    assert_int_equal(iwmo_refdata_productcode_count(r), np);
    iwmo_refdata_free(r);
}

static void test_load_good_lists(void **state)
{
    (void)state;
    char err[128] = "";
    iwmo_refdata *r = iwmo_refdata_new();
    assert_int_equal(iwmo_refdata_gemeente_count(r), 0);
    const char crlf[] = "\xEF\xBB\xBF# comment\r\n\r\n0363\tAmsterdam\r\n  # indented comment\n"
                        "0014\tGroningen\t2000-01-01\t2099-12-31";
    assert_int_equal(iwmo_refdata_load_gemeenten(r, crlf, strlen(crlf), err, sizeof(err)), 0);
    assert_int_equal(iwmo_refdata_gemeente_count(r), 2);
    assert_true(refdata_gemeente_valid(r, "0363", iwmo_date_make(2026, 1, 1)));
    assert_true(refdata_gemeente_valid(r, "0014", iwmo_date_make(2099, 12, 31)));
    assert_false(refdata_gemeente_valid(r, "0014", iwmo_date_make(2100, 1, 1)));
    assert_false(refdata_gemeente_valid(r, "0015", iwmo_date_make(2026, 1, 1)));
    /* Loading adds. */
    assert_int_equal(iwmo_refdata_load_gemeenten(r, GEMEENTEN, strlen(GEMEENTEN), err,
                                                 sizeof(err)), 0);
    assert_int_equal(iwmo_refdata_gemeente_count(r), 6);
    assert_int_equal(iwmo_refdata_load_productcodes(r, IWMO_STD_IWMO, PRODUCTS_IWMO,
                                                    strlen(PRODUCTS_IWMO), err, sizeof(err)), 0);
    assert_int_equal(iwmo_refdata_productcode_count(r), 4);
    assert_int_equal(refdata_productcode_count_for(r, IWMO_STD_IJW), 0);
    assert_int_equal(refdata_product_check(r, IWMO_STD_IWMO, "0363", "01", "01A00",
                                           iwmo_date_make(2025, 12, 31), 1),
                     REFDATA_PRODUCT_FITS);
    assert_int_equal(refdata_product_check(r, IWMO_STD_IWMO, "0363", "01", "01A00",
                                           iwmo_date_make(2026, 1, 1), 1),
                     REFDATA_PRODUCT_NOT_VALID);
    assert_int_equal(refdata_product_check(r, IWMO_STD_IWMO, "0363", "01", "01A00",
                                           iwmo_date_make(2026, 1, 1), 0),
                     REFDATA_PRODUCT_FITS);
    assert_int_equal(refdata_product_check(r, IWMO_STD_IWMO, "0363", "02", "02A01",
                                           iwmo_date_make(2026, 1, 1), 1),
                     REFDATA_PRODUCT_UNCOVERED);
    assert_int_equal(refdata_product_check(r, IWMO_STD_IWMO, "0363", "02", "07A02",
                                           iwmo_date_make(2026, 1, 1), 1),
                     REFDATA_PRODUCT_WRONG);
    iwmo_refdata_free(r);
    assert_int_equal(iwmo_refdata_gemeente_count(NULL), 0);
    iwmo_refdata_free(NULL);
}

static void test_load_malformed_lines(void **state)
{
    (void)state;
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363\tAmsterdam\n12a4\tX\n", "2: ");
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363\tAmsterdam\n\n# c\n0344\n", "4: ");
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363\t\n", "1: ");
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363\tA\t2026-02-30\n", "1: ");
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363\tA\t2026-02-01\t2026-01-31\n", "1: ");
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363\tA\t\t\tsurplus\n", "1: ");
    expect_load_error(0, IWMO_STD_UNKNOWN, "0363 Amsterdam\n", "1: ");
    expect_load_error(1, IWMO_STD_IWMO, "iwmo\t01\t01A01\nijw\t45\t45A01\n", "2: ");
    expect_load_error(1, IWMO_STD_IWMO, "iwmo\t19\t19A01\n", "1: ");
    expect_load_error(1, IWMO_STD_IJW, "ijw\t39\t39A01\n", "1: ");
    expect_load_error(1, IWMO_STD_IWMO, "iwmo\t01\tABCDEF\n", "1: ");
    expect_load_error(1, IWMO_STD_IWMO, "iwmo\t01\t01A01\t\t\t363\n", "1: ");
    expect_load_error(1, IWMO_STD_IWMO, "iwmo\t01\t01A01\tsoon\n", "1: ");
    expect_load_error(1, IWMO_STD_IWMO, "# a\n# b\nwmo\t01\t01A01\n", "3: ");
    expect_load_error(1, IWMO_STD_IWMO, "iwmo\t01\n", "1: ");

    char nul[] = "0363\tA\n0344\tB\0\n";
    char err[128];
    iwmo_refdata *r = iwmo_refdata_new();
    assert_int_equal(iwmo_refdata_load_gemeenten(r, nul, sizeof(nul) - 1, err, sizeof(err)), -1);
    assert_int_equal(strncmp(err, "2: ", 3), 0);
    assert_int_equal(iwmo_refdata_gemeente_count(r), 0);
    iwmo_refdata_free(r);
}

static char *read_data(const char *name, size_t *len)
{
    char path[4096];
    tu_path(path, sizeof(path), "%s/data/%s", tu_source_dir(), name);
    char *b = tu_read(path, len);
    if (!b)
        fail_msg("missing data file %s", path);
    return b;
}

/* Load the shipped lists the way the daemon does. */
static iwmo_refdata *shipped_ref(void)
{
    static const struct { const char *name; int products; iwmo_standard s; } files[] = {
        {"cbs-gemeenten.tsv", 0, IWMO_STD_UNKNOWN},
        {"productcodes-iwmo.example.tsv", 1, IWMO_STD_IWMO},
        {"productcodes-ijw.example.tsv", 1, IWMO_STD_IJW},
    };
    iwmo_refdata *r = iwmo_refdata_new();
    for (size_t i = 0; i < N(files); i++) {
        size_t len;
        char err[256] = "";
        char *b = read_data(files[i].name, &len);
        int rc = files[i].products
                     ? iwmo_refdata_load_productcodes(r, files[i].s, b, len, err, sizeof(err))
                     : iwmo_refdata_load_gemeenten(r, b, len, err, sizeof(err));
        free(b);
        if (rc != 0)
            fail_msg("data/%s:%s", files[i].name, err);
    }
    return r;
}

static void test_shipped_data_loads(void **state)
{
    (void)state;
    iwmo_refdata *r = shipped_ref();
    assert_int_equal(iwmo_refdata_gemeente_count(r), 342);
    assert_true(refdata_productcode_count_for(r, IWMO_STD_IWMO) > 0);
    assert_true(refdata_productcode_count_for(r, IWMO_STD_IJW) > 0);
    iwmo_date d = iwmo_date_make(2026, 11, 24);
    assert_true(refdata_gemeente_valid(r, "0363", d));
    assert_true(refdata_gemeente_valid(r, "1992", d));
    assert_false(refdata_gemeente_valid(r, "0000", d));
    iwmo_refdata_free(r);
}

/* ---- the whole corpus -------------------------------------------------- */

static void test_corpus_passes_external_rules(void **state)
{
    (void)state;
    iwmo_refdata *ref = shipped_ref();
    iwmo_rule_env env = env_with(ref);
    size_t bad = 0;
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        char sample[64];
        snprintf(sample, sizeof(sample), "%s/%s", iwmo_standard_name(t->standard), t->name);
        variant v;
        variant_run(&v, sample, NULL, 0, &env);
        for (size_t k = 0; k < v.f.count; k++) {
            if (v.f.items[k].level != 4)
                continue;
            print_message("%s:%ld: %s %s: %s\n", sample, v.f.items[k].line, v.f.items[k].code,
                          v.f.items[k].rule, v.f.items[k].message);
            bad++;
        }
        variant_free(&v);
    }
    iwmo_refdata_free(ref);
    assert_int_equal(bad, 0);
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
        cmocka_unit_test(test_rule_rows),
        cmocka_unit_test(test_tr135_dagtekening),
        cmocka_unit_test(test_tr346_amount),
        cmocka_unit_test(test_tr346_minutes_on_hourly_rate),
        cmocka_unit_test(test_tr378_gemeente),
        cmocka_unit_test(test_tr378_validity_window),
        cmocka_unit_test(test_tr378_skipped_without_list),
        cmocka_unit_test(test_tr381_product_code),
        cmocka_unit_test(test_tr381_dates),
        cmocka_unit_test(test_tr381_scope),
        cmocka_unit_test(test_load_good_lists),
        cmocka_unit_test(test_load_malformed_lines),
        cmocka_unit_test(test_shipped_data_loads),
        cmocka_unit_test(test_corpus_passes_external_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
