/*
 * test_rules_cdcs.c - the condities (CD) and constraints (CS) of
 * lib/rules_cdcs.c. Every rule gets at least one schema-valid variant of a
 * corpus sample that passes it and one that fails it; variants are made by
 * text edits on the samples and checked against the project's XSDs first,
 * so that the rule and not the schema is what rejects them. The unmodified
 * samples must pass every CD/CS rule. All data is fictitious.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iwmo.h"
#include "testutil.h"

static iwmo_schemaset *set;
static iwmo_limits limits;
static iwmo_rule_env env;

/* One text edit: replace the first `from` (through the end of `until`, when given) by `to`. */
typedef struct {
    const char *from;
    const char *to;
    const char *until;
} edit;

#define MAX_EDITS 4

/* A rule, a sample, and the edits for a passing and a failing variant. */
typedef struct {
    const char *rule;
    const char *sample;     /* "iwmo/WMO301" */
    edit pass[MAX_EDITS];   /* empty: the sample itself */
    edit fail[MAX_EDITS];
} rcase;

#define E(a, b) {a, b, NULL}
#define CUT(a, z, b) {a, b, z}

/* Dates, amounts and codes below are made up; Bsn values are elfproef test numbers. */
static const rcase cases[] = {
    /* ---- WMO301 / JW301 ---- */
    {"CD005", "iwmo/WMO301", {{0}}, {E("<iwmo:LandCode>NL</iwmo:LandCode>", "")}},
    {"CD007", "iwmo/WMO301", {{0}}, {E("<iwmo:Taal>Pools</iwmo:Taal>", "")}},
    {"CD007", "iwmo/WMO301", {E("<iwmo:Vorm>1</iwmo:Vorm>", "<iwmo:Vorm>2</iwmo:Vorm>"),
                              E("<iwmo:Taal>Pools</iwmo:Taal>", "")},
     {E("<iwmo:Vorm>1</iwmo:Vorm>", "<iwmo:Vorm>2</iwmo:Vorm>")}},
    {"CD009", "iwmo/WMO301",
     {E("<Soort>01</Soort>", "<Soort>04</Soort>"),
      E("</Adres>", "</Adres><Periode><iwmo:Begindatum>2026-03-09</iwmo:Begindatum></Periode>")},
     {E("</Adres>", "</Adres><Periode><iwmo:Begindatum>2026-03-09</iwmo:Begindatum></Periode>")}},
    {"CD025", "iwmo/WMO301", {{0}}, {CUT("<iwmo:Huis>", "</iwmo:Huis>", "")}},
    {"CD034", "iwmo/WMO301", {E("<Soort>01</Soort>", "<Soort>02</Soort>"),
                              E("<iwmo:Postcode>1011AB</iwmo:Postcode>", ""),
                              E("<iwmo:LandCode>NL</iwmo:LandCode>", "")},
     {E("<iwmo:Postcode>1011AB</iwmo:Postcode>", "")}},
    {"CS089", "iwmo/WMO301", {{0}}, {E("1011AB", "0111AB")}},
    {"CS089", "iwmo/WMO301", {E("<iwmo:LandCode>NL", "<iwmo:LandCode>BE"), E("1011AB", "1000")},
     {E("1011AB", "1011 AB")}},
    {"CS003", "iwmo/WMO301", {E("<Einddatum>2026-12-31", "<Einddatum>2026-03-09")},
     {E("<Einddatum>2026-12-31", "<Einddatum>2026-03-08")}},
    {"CS003", "iwmo/WMO301",
     {E("</Adres>", "</Adres><Periode><iwmo:Begindatum>2026-01-01</iwmo:Begindatum>"
                    "<iwmo:Einddatum>2026-01-01</iwmo:Einddatum></Periode>"),
      E("<Soort>01</Soort>", "<Soort>04</Soort>")},
     {E("</Adres>", "</Adres><Periode><iwmo:Begindatum>2026-01-02</iwmo:Begindatum>"
                    "<iwmo:Einddatum>2026-01-01</iwmo:Einddatum></Periode>"),
      E("<Soort>01</Soort>", "<Soort>04</Soort>")}},
    {"CS050", "iwmo/WMO301",
     {E("<iwmo:Voornamen>Maria", "<iwmo:Partnernaam><iwmo:Achternaam>Bakker</iwmo:Achternaam>"
                                 "</iwmo:Partnernaam><iwmo:Voornamen>Maria"),
      E("<iwmo:NaamGebruik>1", "<iwmo:NaamGebruik>3")},
     {E("<iwmo:NaamGebruik>1", "<iwmo:NaamGebruik>2")}},
    {"CS050", "iwmo/WMO301",
     {{0}},
     {E("<iwmo:Voornamen>Maria", "<iwmo:Partnernaam><iwmo:Achternaam>Bakker</iwmo:Achternaam>"
                                 "</iwmo:Partnernaam><iwmo:Voornamen>Maria"),
      E("<iwmo:NaamGebruik>1", "<iwmo:NaamGebruik>6")}},
    {"CS318", "iwmo/WMO301",
     {CUT("<iwmo:Voorletters>P</iwmo:Voorletters>", "</iwmo:NaamGebruik>",
          "<iwmo:Voorletters>P</iwmo:Voorletters><iwmo:NaamGebruik>6</iwmo:NaamGebruik>")},
     {E("<iwmo:NaamGebruik>1", "<iwmo:NaamGebruik>6")}},
    {"CS139", "iwmo/WMO301",
     {E("1948-05-14</iwmo:Datum>", "1948-05-01</iwmo:Datum><iwmo:DatumGebruik>1</iwmo:DatumGebruik>")},
     {E("1948-05-14</iwmo:Datum>", "1948-05-14</iwmo:Datum><iwmo:DatumGebruik>1</iwmo:DatumGebruik>")}},
    {"CS139", "iwmo/WMO301",
     {E("1948-05-14</iwmo:Datum>", "1948-01-01</iwmo:Datum><iwmo:DatumGebruik>2</iwmo:DatumGebruik>")},
     {E("1948-05-14</iwmo:Datum>", "1948-05-01</iwmo:Datum><iwmo:DatumGebruik>2</iwmo:DatumGebruik>")}},
    {"CS139", "iwmo/WMO301",
     {E("1948-05-14</iwmo:Datum>", "1900-01-01</iwmo:Datum><iwmo:DatumGebruik>3</iwmo:DatumGebruik>")},
     {E("1948-05-14</iwmo:Datum>", "1948-01-01</iwmo:Datum><iwmo:DatumGebruik>3</iwmo:DatumGebruik>")}},
    {"CS002", "iwmo/WMO301", {{0}}, {E("999990019", "999990018")}},
    {"CD041", "iwmo/WMO301", {{0}}, {CUT("<Omvang>", "</Omvang>", "")}},
    {"CD075", "iwmo/WMO301", {CUT("<Omvang>", "</Omvang>", "<Budget>50000</Budget>")},
     {CUT("<Omvang>", "</Omvang>", "<Budget>50000</Budget>"),
      E("<Einddatum>2026-12-31</Einddatum>", "")}},
    {"CD076", "iwmo/WMO301", {{0}}, {E("<Einddatum>2026-12-31</Einddatum>", "")}},
    {"CD077", "iwmo/WMO301", {CUT("<Omvang>", "</Omvang>", "<Budget>50000</Budget>")},
     {E("</Omvang>", "</Omvang><Budget>50000</Budget>")}},
    {"CD078", "iwmo/WMO301", {CUT("<Omvang>", "</Omvang>", "<Budget>50000</Budget>")},
     {E("</Omvang>", "</Omvang><Budget>50000</Budget>")}},
    {"CD079", "iwmo/WMO301",
     {CUT("<Product>", "</Product>", ""), CUT("<Omvang>", "</Omvang>", "<Budget>50000</Budget>")},
     {CUT("<Product>", "</Product>", "")}},
    {"CD080", "iwmo/WMO301",
     {E("<iwmo:Code>01A01</iwmo:Code>", ""), E("<Ingangsdatum>2026-03-09", "<Ingangsdatum>2020-03-09"),
      E("<Einddatum>2026-12-31", "<Einddatum>2020-12-31")},
     {E("<iwmo:Code>01A01</iwmo:Code>", "")}},
    {"CS335", "iwmo/WMO301",
     {E("<Einddatum>2026-12-31</Einddatum>",
        "<Einddatum>2026-03-09</Einddatum><RedenWijziging>13</RedenWijziging>")},
     {E("<Einddatum>2026-12-31</Einddatum>",
        "<Einddatum>2026-12-31</Einddatum><RedenWijziging>13</RedenWijziging>")}},
    {"CS336", "iwmo/WMO301",
     {E("<Einddatum>2026-12-31</Einddatum>",
        "<Einddatum>2026-12-31</Einddatum><RedenWijziging>02</RedenWijziging>")},
     {E("<Einddatum>2026-12-31</Einddatum>",
        "<Einddatum>2026-12-31</Einddatum><RedenWijziging>01</RedenWijziging>")}},
    {"CS338", "iwmo/WMO301", {{0}},
     {CUT("<iwmo:Eenheid>16</iwmo:Eenheid>", "</iwmo:Frequentie>",
          "<iwmo:Eenheid>16</iwmo:Eenheid><iwmo:Frequentie>1</iwmo:Frequentie>")}},
    {"CS338", "iwmo/WMO301",
     {CUT("<iwmo:Eenheid>16</iwmo:Eenheid>", "</iwmo:Frequentie>",
          "<iwmo:Eenheid>01</iwmo:Eenheid><iwmo:Frequentie>1</iwmo:Frequentie>")},
     {CUT("<iwmo:Eenheid>16</iwmo:Eenheid>", "</iwmo:Frequentie>",
          "<iwmo:Eenheid>84</iwmo:Eenheid><iwmo:Frequentie>1</iwmo:Frequentie>")}},
    /* ---- WMO305 / WMO307 / JW305 ---- */
    {"CS058", "iwmo/WMO305",
     {E("<wmo305:StatusAanlevering>1", "<wmo305:StatusAanlevering>3")},
     {E("<wmo305:StatusAanlevering>1", "<wmo305:StatusAanlevering>2")}},
    {"CS058", "iwmo/WMO307", {{0}},
     {E("<StatusAanlevering>1", "<StatusAanlevering>9")}},
    {"CS002", "ijw/JW305", {{0}}, {E("999990111", "999990112")}},
    {"CS139", "iwmo/WMO307",
     {E("1948-05-14</b:Datum>", "1948-01-01</b:Datum><b:DatumGebruik>2</b:DatumGebruik>")},
     {E("1948-05-14</b:Datum>", "1948-05-14</b:Datum><b:DatumGebruik>2</b:DatumGebruik>")}},
    /* ---- WMO315 ---- */
    {"CD043", "iwmo/WMO315", {{0}},
     {E("<vot:BeschikkingIngangsdatum>2026-05-15</vot:BeschikkingIngangsdatum>", "")}},
    {"CD043", "iwmo/WMO315", {{0}},
     {E("<vot:BeschikkingNummer>5550001</vot:BeschikkingNummer>", "")}},
    {"CD066", "iwmo/WMO315", {{0}},
     {E("<iwmo:Type>02</iwmo:Type>", "<iwmo:Type>02</iwmo:Type><iwmo:Naam>Dr. Test</iwmo:Naam>")}},
    {"CD067", "iwmo/WMO315",
     {E("<iwmo:Type>02</iwmo:Type>", "<iwmo:Type>02</iwmo:Type><iwmo:Naam>Dr. Test</iwmo:Naam>"),
      E("<iwmo:ZorgverlenerCode>01999999</iwmo:ZorgverlenerCode>", "")},
     {E("<iwmo:ZorgverlenerCode>01999999</iwmo:ZorgverlenerCode>", "")}},
    {"CD068", "iwmo/WMO315", {{0}},
     {E("<iwmo:Type>06</iwmo:Type>",
        "<iwmo:Type>06</iwmo:Type><iwmo:ZorgverlenerCode>01999999</iwmo:ZorgverlenerCode>")}},
    {"CD095", "iwmo/WMO315", {{0}}, {E("<iwmo:Code>02A03</iwmo:Code>", "")}},
    {"CS343", "iwmo/WMO315",
     {CUT("<iwmo:Eenheid>04</iwmo:Eenheid>", "</iwmo:Frequentie>",
          "<iwmo:Eenheid>14</iwmo:Eenheid><iwmo:Frequentie>4</iwmo:Frequentie>")},
     {CUT("<iwmo:Eenheid>04</iwmo:Eenheid>", "</iwmo:Frequentie>",
          "<iwmo:Eenheid>14</iwmo:Eenheid><iwmo:Frequentie>1</iwmo:Frequentie>")}},
    {"CS003", "iwmo/WMO315", {{0}},
     {E("<vot:ToewijzingEinddatum>2026-11-30", "<vot:ToewijzingEinddatum>2026-05-31")}},
    /* ---- WMO317 ---- */
    {"CD096", "iwmo/WMO317", {{0}}, {E("<iwmo:Code>03A01</iwmo:Code>", "")}},
    {"CD076", "iwmo/WMO317", {{0}}, {E("<Einddatum>2026-12-31</Einddatum>", "")}},
    /* ---- WMO319 / JW319 ---- */
    {"CD085", "iwmo/WMO319", {{0}},
     {E("<wmo319:RedenAfwijzingVerzoek>3</wmo319:RedenAfwijzingVerzoek>", "")}},
    {"CD086", "iwmo/WMO319",
     {E("<wmo319:VerzoekAntwoord>1", "<wmo319:VerzoekAntwoord>2"),
      E("<wmo319:RedenAfwijzingVerzoek>3</wmo319:RedenAfwijzingVerzoek>", "")},
     {E("<wmo319:VerzoekAntwoord>1", "<wmo319:VerzoekAntwoord>2")}},
    {"CD086", "ijw/JW319", {{0}}, {E("<jw319:VerzoekAntwoord>1", "<jw319:VerzoekAntwoord>2")}},
    /* ---- WMO323 / WMO325 ---- */
    {"CD060", "iwmo/WMO323", {{0}},
     {E("<b:VorigReferentieNummer>P2026000088</b:VorigReferentieNummer>", "")}},
    {"CD060", "iwmo/WMO323", {{0}},
     {E("<b:ReferentieNummer>P2026000101</b:ReferentieNummer>",
        "<b:ReferentieNummer>P2026000101</b:ReferentieNummer>"
        "<b:VorigReferentieNummer>P2026000077</b:VorigReferentieNummer>")}},
    {"CD087", "iwmo/WMO323", {{0}}, {E("<m:ProductTarief>3150</m:ProductTarief>", "")}},
    {"CD087", "iwmo/WMO323", {{0}},
     {E("<m:Eenheid>83</m:Eenheid>", "<m:Eenheid>83</m:Eenheid><m:ProductTarief>1</m:ProductTarief>")}},
    {"CS325", "iwmo/WMO323", {E("<b:Bedrag>40950</b:Bedrag>", "<b:Bedrag>0</b:Bedrag>")},
     {E("<b:Bedrag>37800</b:Bedrag>", "<b:Bedrag>0</b:Bedrag>")}},
    {"CS325", "iwmo/WMO325", {{0}},
     {CUT("<iwmo:TotaalBedrag>145305</iwmo:TotaalBedrag>", "</iwmo:DebetCredit>",
          "<iwmo:TotaalBedrag>0</iwmo:TotaalBedrag><iwmo:DebetCredit>C</iwmo:DebetCredit>")}},
    {"CS337", "iwmo/WMO323",
     {CUT("<m:ProductPeriode>", "</m:ProductPeriode>",
          "<m:ProductPeriode><b:Begindatum>2026-10-15</b:Begindatum>"
          "<b:Einddatum>2026-10-20</b:Einddatum></m:ProductPeriode>")},
     {CUT("<m:ProductPeriode>", "</m:ProductPeriode>",
          "<m:ProductPeriode><b:Begindatum>2026-10-15</b:Begindatum>"
          "<b:Einddatum>2026-11-02</b:Einddatum></m:ProductPeriode>")}},
    {"CS340", "iwmo/WMO323",
     {CUT("<m:DeclaratiePeriode>", "</m:DeclaratiePeriode>",
          "<m:DeclaratiePeriode><b:Begindatum>2024-02-01</b:Begindatum>"
          "<b:Einddatum>2024-02-29</b:Einddatum></m:DeclaratiePeriode>")},
     {CUT("<m:DeclaratiePeriode>", "</m:DeclaratiePeriode>",
          "<m:DeclaratiePeriode><b:Begindatum>2026-10-01</b:Begindatum>"
          "<b:Einddatum>2026-10-30</b:Einddatum></m:DeclaratiePeriode>")}},
    {"CS340", "iwmo/WMO323",
     {CUT("<m:DeclaratiePeriode>", "</m:DeclaratiePeriode>",
          "<m:DeclaratiePeriode><b:Begindatum>2026-12-01</b:Begindatum>"
          "<b:Einddatum>2026-12-31</b:Einddatum></m:DeclaratiePeriode>")},
     {CUT("<m:DeclaratiePeriode>", "</m:DeclaratiePeriode>",
          "<m:DeclaratiePeriode><b:Begindatum>2026-10-02</b:Begindatum>"
          "<b:Einddatum>2026-10-31</b:Einddatum></m:DeclaratiePeriode>")}},
    {"CS100", "iwmo/WMO323",
     {CUT("<m:DeclaratiePeriode>", "</m:DeclaratiePeriode>",
          "<m:DeclaratiePeriode><b:Begindatum>2021-01-01</b:Begindatum>"
          "<b:Einddatum>2021-01-31</b:Einddatum></m:DeclaratiePeriode>")},
     {CUT("<m:DeclaratiePeriode>", "</m:DeclaratiePeriode>",
          "<m:DeclaratiePeriode><b:Begindatum>2020-12-01</b:Begindatum>"
          "<b:Einddatum>2020-12-31</b:Einddatum></m:DeclaratiePeriode>")}},
    {"CS339", "iwmo/WMO323", {{0}}, {E("<b:Bedrag>4575</b:Bedrag>", "<b:Bedrag>4576</b:Bedrag>")}},
    {"CS002", "iwmo/WMO323", {{0}}, {E("999990044", "999990045")}},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---- helpers -------------------------------------------------------------- */

static char *read_sample(const char *sample, size_t *len)
{
    char path[4096];
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/%s.xml", tu_source_dir(), sample);
    char *b = tu_read(path, len);
    if (!b)
        fail_msg("missing corpus file %s", path);
    return b;
}

/* Apply one edit to buf (freed); returns the new buffer. Fails the test when from is absent. */
static char *apply_edit(char *buf, const edit *e, const char *what)
{
    char *at = strstr(buf, e->from);
    if (!at)
        fail_msg("%s: text to edit not found: %s", what, e->from);
    char *end = at + strlen(e->from);
    if (e->until) {
        char *u = strstr(at, e->until);
        if (!u)
            fail_msg("%s: end of edit not found: %s", what, e->until);
        end = u + strlen(e->until);
    }
    size_t head = (size_t)(at - buf), tail = strlen(end), mid = strlen(e->to);
    char *out = malloc(head + mid + tail + 1);
    assert_non_null(out);
    memcpy(out, buf, head);
    memcpy(out + head, e->to, mid);
    memcpy(out + head + mid, end, tail + 1);
    free(buf);
    return out;
}

/* The sample with the edits applied. */
static char *make_variant(const char *sample, const edit *edits, const char *what, size_t *len)
{
    char *buf = read_sample(sample, len);
    for (int i = 0; i < MAX_EDITS && edits[i].from; i++)
        buf = apply_edit(buf, &edits[i], what);
    *len = strlen(buf);
    return buf;
}

static int is_cdcs(const char *rule)
{
    return strncmp(rule, "CD", 2) == 0 || strncmp(rule, "CS", 2) == 0;
}

/*
 * Check buf against the schema (it must be valid), then run the rules.
 * Returns the CD/CS findings matching rule (any CD/CS rule when rule is NULL)
 * in out, which the caller frees.
 */
static size_t rule_findings(const char *buf, size_t len, const char *rule, const char *what,
                            iwmo_result *r, iwmo_findings *out)
{
    iwmo_check_message(set, &limits, buf, len, r);
    if (!r->valid)
        fail_msg("%s: variant is not schema-valid: %s", what,
                 r->findings.count ? r->findings.items[0].message : "(no finding)");
    iwmo_findings_init(out, 0);
    iwmo_rules_check(&env, r->doc, r->ident.msgtype, out);
    size_t n = 0;
    for (size_t i = 0; i < out->count; i++) {
        const char *id = out->items[i].rule;
        if (rule ? strcmp(id, rule) == 0 : is_cdcs(id))
            n++;
    }
    return n;
}

/* The first finding of rule in f, or NULL. */
static const iwmo_finding *find_rule(const iwmo_findings *f, const char *rule)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->items[i].rule, rule) == 0)
            return &f->items[i];
    return NULL;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_samples_pass_all_cdcs_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        char sample[64];
        snprintf(sample, sizeof(sample), "%s/%s", iwmo_standard_name(t->standard), t->name);
        size_t len;
        char *buf = read_sample(sample, &len);
        iwmo_result r;
        iwmo_findings f;
        rule_findings(buf, len, NULL, sample, &r, &f);
        for (size_t k = 0; k < f.count; k++) {
            const iwmo_finding *x = &f.items[k];
            if (!is_cdcs(x->rule))
                continue;
            fail_msg("%s:%ld: %s %s", sample, x->line, x->rule, x->message);
        }
        iwmo_findings_free(&f);
        iwmo_result_free(&r);
        free(buf);
    }
}

static void test_each_case_passes_and_fails(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const rcase *k = &cases[i];
        char what[96];
        size_t len;
        iwmo_result r;
        iwmo_findings f;

        snprintf(what, sizeof(what), "%s on %s (pass)", k->rule, k->sample);
        char *buf = make_variant(k->sample, k->pass, what, &len);
        if (rule_findings(buf, len, k->rule, what, &r, &f) != 0)
            fail_msg("%s: unexpected finding: %s", what, find_rule(&f, k->rule)->message);
        iwmo_findings_free(&f);
        iwmo_result_free(&r);
        free(buf);

        snprintf(what, sizeof(what), "%s on %s (fail)", k->rule, k->sample);
        buf = make_variant(k->sample, k->fail, what, &len);
        if (rule_findings(buf, len, k->rule, what, &r, &f) == 0)
            fail_msg("%s: rule did not fire", what);
        const iwmo_finding *x = find_rule(&f, k->rule);
        assert_string_equal(x->code, "0001");
        assert_int_equal(x->level, 2);
        assert_true(x->line > 0);
        assert_non_null(x->message);
        iwmo_findings_free(&f);
        iwmo_result_free(&r);
        free(buf);
    }
}

/* Every CD/CS rule in the table has at least one case, and every case names a known rule. */
static void test_every_rule_is_covered(void **state)
{
    (void)state;
    size_t rules = 0;
    for (size_t i = 0; iwmo_rule_at(i); i++) {
        const iwmo_rule_info *info = iwmo_rule_at(i);
        if (!is_cdcs(info->id))
            continue;
        rules++;
        int seen = 0;
        for (size_t k = 0; k < NCASES; k++)
            seen |= strcmp(cases[k].rule, info->id) == 0;
        if (!seen)
            fail_msg("rule %s has no test case", info->id);
        assert_int_equal(info->level, 2);
        assert_string_equal(info->retourcode, "0001");
        assert_true(strlen(info->applies) > 0 && strlen(info->summary) > 0);
    }
    for (size_t k = 0; k < NCASES; k++) {
        int known = 0;
        for (size_t i = 0; iwmo_rule_at(i); i++)
            known |= strcmp(iwmo_rule_at(i)->id, cases[k].rule) == 0;
        if (!known)
            fail_msg("case names unknown rule %s", cases[k].rule);
    }
    print_message("%zu CD/CS rules, %zu cases\n", rules, NCASES);
    assert_true(rules >= 30);
}

/* CS002 through a message: known elfproef test numbers pass, near misses fail. */
static void test_elfproef(void **state)
{
    (void)state;
    static const char *good[] = {"999990019", "999990020", "999990032", "999990044",
                                 "999990111", "123456782"};
    static const char *bad[] = {"999990018", "999990021", "123456789", "999999999",
                                "111111111", "999990030"};
    for (size_t g = 0; g < 2; g++) {
        const char **list = g == 0 ? good : bad;
        for (size_t i = 0; i < 6; i++) {
            edit e[MAX_EDITS] = {E("999990019", list[i])};
            size_t len;
            iwmo_result r;
            iwmo_findings f;
            char *buf = make_variant("iwmo/WMO301", e, list[i], &len);
            size_t n = rule_findings(buf, len, "CS002", list[i], &r, &f);
            if (g == 0 && n != 0)
                fail_msg("good test number %s rejected", list[i]);
            if (g == 1 && n == 0)
                fail_msg("bad number %s accepted", list[i]);
            if (n)      /* privacy: the finding never repeats the number */
                assert_null(strstr(find_rule(&f, "CS002")->message, list[i]));
            iwmo_findings_free(&f);
            iwmo_result_free(&r);
            free(buf);
        }
    }
}

/* A rule with several rows reports each offending element at its own line. */
static void test_findings_point_at_the_element(void **state)
{
    (void)state;
    edit e[MAX_EDITS] = {E("999990019", "999990018"), E("999990032", "999990033")};
    size_t len;
    iwmo_result r;
    iwmo_findings f;
    char *buf = make_variant("iwmo/WMO323", e, "two bad Bsn", &len);
    assert_int_equal(rule_findings(buf, len, "CS002", "two bad Bsn", &r, &f), 2);
    long lines[2];
    size_t n = 0;
    for (size_t i = 0; i < f.count; i++)
        if (strcmp(f.items[i].rule, "CS002") == 0)
            lines[n++] = f.items[i].line;
    assert_true(lines[0] > 0 && lines[1] > lines[0]);
    iwmo_findings_free(&f);
    iwmo_result_free(&r);
    free(buf);
}

static int setup(void **state)
{
    (void)state;
    set = tu_schemaset();
    iwmo_limits_default(&limits);
    env.today = iwmo_date_make(2026, 11, 24);
    env.ref = NULL;
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
        cmocka_unit_test(test_samples_pass_all_cdcs_rules),
        cmocka_unit_test(test_each_case_passes_and_fails),
        cmocka_unit_test(test_every_rule_is_covered),
        cmocka_unit_test(test_elfproef),
        cmocka_unit_test(test_findings_point_at_the_element),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
