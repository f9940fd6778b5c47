/*
 * test_envelope.c - the exchange formats: StUF-GGk Di01/Du01 envelopes and
 * VECOZO ZIP deliveries.
 *
 * Round trips for every heenbericht of iWmo and iJw 3.2 (Di01 -> payload ->
 * check -> retour -> Du01), each envelope validated against the project's
 * envelope XSD and, where the reference material is present, the official
 * StUF-GGk schema; every envelope refusal with its chain error code; ZIP
 * deliveries good and bad (empty, two files, folder, encrypted, oversized,
 * bombs), each refused quickly. All data is fictitious.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <zip.h>
#include "iwmo.h"
#include "iwmo_envelope.h"
#include "testutil.h"

struct fixture {
    iwmo_schemaset *schemas;
    iwmo_envschema *ours;
    iwmo_envschema *official;   /* NULL when the reference material is absent */
    char ggk_dir[4096];         /* reference ggk/ directory, "" when absent */
    iwmo_limits lim;
};

static struct tm fixed_time(void)
{
    struct tm t = {0};
    t.tm_year = 2026 - 1900;
    t.tm_mon = 3;
    t.tm_mday = 2;
    t.tm_hour = 14;
    t.tm_min = 28;
    t.tm_sec = 4;
    return t;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    fx->schemas = tu_schemaset();
    fx->ours = iwmo_envschema_new(tu_schemas_dir());
    iwmo_limits_default(&fx->lim);
    const char *ref = tu_reference_dir();
    if (ref) {
        char xsd[4096];
        tu_path(fx->ggk_dir, sizeof(fx->ggk_dir), "%s/../ggk", ref);
        tu_path(xsd, sizeof(xsd), "%s/ggk0310_21/ggkberichten/ggk0310_msg.xsd", fx->ggk_dir);
        if (is_file(xsd))
            fx->official = iwmo_envschema_new_file(xsd);
        else
            fx->ggk_dir[0] = '\0';
    }
    if (!fx->official)
        fprintf(stderr, "note: StUF-GGk reference schemas absent; official-schema checks skipped\n");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    iwmo_schemaset_free(fx->schemas);
    iwmo_envschema_free(fx->ours);
    iwmo_envschema_free(fx->official);
    free(fx);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static void print_findings(const iwmo_findings *f)
{
    for (size_t i = 0; i < f->count; i++)
        fprintf(stderr, "  %ld: %s [%s] %s\n", f->items[i].line, f->items[i].code,
                f->items[i].rule, f->items[i].message);
}

/* Validate an envelope against one schema; returns 0 when valid. */
static int validate_with(iwmo_envschema *s, const char *xml, size_t len)
{
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    lim.max_bytes = len + 1;
    iwmo_findings f;
    iwmo_findings_init(&f, 20);
    xmlDocPtr doc = iwmo_parse_safe(xml, len, &lim, &f);
    int rc = doc ? iwmo_envschema_validate(s, doc, &f) : -1;
    if (rc != 0)
        print_findings(&f);
    xmlFreeDoc(doc);
    iwmo_findings_free(&f);
    return rc;
}

/* Our XSD always; the official one when present. */
static void assert_envelope_valid(struct fixture *fx, const char *xml, size_t len)
{
    assert_int_equal(validate_with(fx->ours, xml, len), 0);
    if (fx->official)
        assert_int_equal(validate_with(fx->official, xml, len), 0);
}

static char *read_corpus(const char *std, const char *name, size_t *len)
{
    char path[4096];
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/%s/%s.xml", tu_source_dir(), std, name);
    char *b = tu_read(path, len);
    assert_non_null(b);
    return b;
}

static iwmo_stuf_party app(const char *name)
{
    iwmo_stuf_party p = {0};
    snprintf(p.applicatie, sizeof(p.applicatie), "%s", name);
    snprintf(p.administratie, sizeof(p.administratie), "test");
    return p;
}

static char *wrap_di01(const char *payload, size_t len, const char *ref, size_t *out_len)
{
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    struct tm t = fixed_time();
    iwmo_stuf_party z = app("Gemeentesysteem Fictief"), o = app("Zorgsysteem Fictief");
    iwmo_wrap_opts opts = {.referentienummer = ref, .tijdstip = &t};
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    char *env = iwmo_envelope_wrap_di01(payload, len, &lim, &z, &o, &opts, out_len, &f);
    if (!env)
        print_findings(&f);
    iwmo_findings_free(&f);
    return env;
}

/* Unwrap and return the first finding's code ("" when accepted). */
static const char *unwrap_code(struct fixture *fx, const char *xml, size_t len,
                               const iwmo_limits *lim, char *code, size_t n)
{
    iwmo_envelope env;
    iwmo_findings f;
    iwmo_findings_init(&f, 20);
    int rc = iwmo_envelope_unwrap(fx->ours, xml, len, lim ? lim : &fx->lim, &env, &f);
    snprintf(code, n, "%s", f.count ? f.items[0].code : "");
    if (rc == 0)
        assert_int_equal(f.count, 0);
    else
        assert_true(f.count > 0);
    iwmo_envelope_free(&env);
    iwmo_findings_free(&f);
    return code;
}

/* Replace the first occurrence of from by to; returns a new string. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t head = (size_t)(at - s), fl = strlen(from), tl = strlen(to);
    char *out = malloc(strlen(s) - fl + tl + 1);
    memcpy(out, s, head);
    memcpy(out + head, to, tl);
    strcpy(out + head + tl, at + fl);
    return out;
}

/* base64 of s with OpenSSL's encoder (free()). */
static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc((n + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

/* A hand-made Di01 with the given functie and base64 body. */
static char *di01_with(const char *functie, const char *body)
{
    static const char fmt[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<GGK:envelopHeenbericht-ggk_Di01 xmlns:StUF=\"" IWMO_STUF_NS "\" xmlns:GGK=\"" IWMO_GGK_NS "\""
        " xmlns:xmime=\"" IWMO_XMIME_NS "\">\n"
        " <GGK:stuurgegevens><StUF:berichtcode>Di01</StUF:berichtcode>\n"
        "  <StUF:zender><StUF:organisatie>0363</StUF:organisatie><StUF:applicatie>Gem</StUF:applicatie></StUF:zender>\n"
        "  <StUF:ontvanger><StUF:organisatie>12345678</StUF:organisatie><StUF:applicatie>Zorg</StUF:applicatie></StUF:ontvanger>\n"
        "  <StUF:referentienummer>REF-TEST-1</StUF:referentienummer><StUF:tijdstipBericht>20260402142804</StUF:tijdstipBericht>\n"
        "  <StUF:functie>%s</StUF:functie></GGK:stuurgegevens>\n"
        " <GGK:parameters><GGK:referentienummerBericht>TW2026000101</GGK:referentienummerBericht>\n"
        "  <GGK:applicatieVersie>0001</GGK:applicatieVersie><GGK:applicatieSubversie>0000</GGK:applicatieSubversie>\n"
        "  <GGK:functieVersie>0003</GGK:functieVersie><GGK:functieSubversie>0002</GGK:functieSubversie>\n"
        "  <GGK:bericht StUF:bestandsnaam=\"x.xml\" xmime:contentType=\"application/xml\">%s</GGK:bericht>\n"
        " </GGK:parameters>\n</GGK:envelopHeenbericht-ggk_Di01>\n";
    size_t n = sizeof(fmt) + strlen(functie) + strlen(body);
    char *out = malloc(n);
    snprintf(out, n, fmt, functie, body);
    return out;
}

/* ---- round trips ----------------------------------------------------------- */

static void check_retour_envelope(struct fixture *fx, const iwmo_envelope *heen, const char *du01,
                                  size_t len, const iwmo_msgtype *rt)
{
    iwmo_envelope back;
    iwmo_findings f;
    iwmo_findings_init(&f, 20);
    int rc = iwmo_envelope_unwrap(fx->ours, du01, len, &fx->lim, &back, &f);
    print_findings(&f);
    assert_int_equal(rc, 0);
    assert_int_equal(back.kind, IWMO_ENV_DU01);
    assert_string_equal(back.functie, rt->name);
    assert_string_equal(back.cross_refnummer, heen->referentienummer);
    assert_string_equal(back.cross_refnummer_bericht, heen->referentienummer_bericht);
    assert_string_equal(back.zender.organisatie, heen->ontvanger.organisatie);
    assert_string_equal(back.ontvanger.organisatie, heen->zender.organisatie);
    assert_string_equal(back.zender.applicatie, heen->ontvanger.applicatie);
    assert_string_equal(back.referentienummer, "DU01-REF-0001");
    assert_string_equal(back.tijdstip, "20260402142804");

    iwmo_result r;
    iwmo_check_message(fx->schemas, &fx->lim, back.payload, back.payload_len, &r);
    print_findings(&r.findings);
    assert_true(r.schema_valid);
    assert_int_equal(iwmo_envelope_check(&back, r.doc, &r.ident, &f), 0);
    iwmo_result_free(&r);
    iwmo_envelope_free(&back);
    iwmo_findings_free(&f);
}

static char *build_retour(struct fixture *fx, const iwmo_envelope *heen, size_t *len,
                          const iwmo_msgtype **rt)
{
    iwmo_result r;
    iwmo_check_message(fx->schemas, &fx->lim, heen->payload, heen->payload_len, &r);
    print_findings(&r.findings);
    assert_true(r.valid);
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    assert_int_equal(iwmo_envelope_check(heen, r.doc, &r.ident, &f), 0);
    iwmo_findings_free(&f);
    iwmo_retour_opts o = {.identificatie = "RT2026000999", .dagtekening = iwmo_date_make(2026, 4, 2)};
    const char *why = NULL;
    xmlDocPtr retour = iwmo_retour_build(&r, &o, &why);
    assert_non_null(retour);
    *rt = iwmo_msgtype_find(r.ident.standard, r.ident.msgtype->retour_type);
    char *xml = iwmo_doc_serialise(retour, len);
    xmlFreeDoc(retour);
    iwmo_result_free(&r);
    return xml;
}

static void round_trip(struct fixture *fx, const iwmo_msgtype *t)
{
    size_t plen, elen, rlen, dlen;
    char *payload = read_corpus(iwmo_standard_name(t->standard), t->name, &plen);
    char *di01 = wrap_di01(payload, plen, "9c0f7b90-0000-4000-8000-00000000a001", &elen);
    assert_non_null(di01);
    assert_envelope_valid(fx, di01, elen);

    iwmo_envelope heen;
    iwmo_findings f;
    iwmo_findings_init(&f, 20);
    assert_int_equal(iwmo_envelope_unwrap(fx->ours, di01, elen, &fx->lim, &heen, &f), 0);
    assert_int_equal(heen.kind, IWMO_ENV_DI01);
    assert_ptr_equal(heen.msgtype, t);
    assert_int_equal(heen.payload_len, plen);
    assert_memory_equal(heen.payload, payload, plen);

    const iwmo_msgtype *rt;
    char *retour = build_retour(fx, &heen, &rlen, &rt);
    struct tm when = fixed_time();
    iwmo_wrap_opts o = {.referentienummer = "DU01-REF-0001", .tijdstip = &when};
    char *du01 = iwmo_envelope_wrap_du01(&heen, retour, rlen, &fx->lim, &o, &dlen, &f);
    print_findings(&f);
    assert_non_null(du01);
    assert_envelope_valid(fx, du01, dlen);
    check_retour_envelope(fx, &heen, du01, dlen, rt);

    iwmo_findings_free(&f);
    iwmo_envelope_free(&heen);
    free(du01);
    free(retour);
    free(di01);
    free(payload);
}

static void test_round_trips(void **state)
{
    struct fixture *fx = *state;
    int n = 0;
    for (size_t i = 0; iwmo_msgtype_at(i); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        if (t->is_retour)
            continue;
        round_trip(fx, t);
        n++;
    }
    assert_int_equal(n, 14);    /* seven heenberichten in each standard */
}

static void test_di01_fields(void **state)
{
    struct fixture *fx = *state;
    size_t plen, elen;
    char *payload = read_corpus("ijw", "JW305", &plen);
    char *di01 = wrap_di01(payload, plen, "REF-JW305", &elen);
    iwmo_envelope env;
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    assert_int_equal(iwmo_envelope_unwrap(fx->ours, di01, elen, &fx->lim, &env, &f), 0);
    assert_string_equal(env.functie, "JW305");
    assert_string_equal(env.zender.organisatie, "87654321");      /* AGB-code of the aanbieder */
    assert_string_equal(env.ontvanger.organisatie, "0363");       /* CBS code of the gemeente */
    assert_string_equal(env.referentienummer, "REF-JW305");
    assert_string_equal(env.bestandsnaam, "JW305.xml");
    assert_string_equal(env.content_type, "application/xml");
    assert_string_equal(env.functie_versie, "0003");
    assert_string_equal(env.functie_subversie, "0002");
    assert_true(env.referentienummer_bericht[0] != '\0');
    assert_int_equal(iwmo_envelope_detect(di01, elen), IWMO_ENV_DI01);
    assert_int_equal(iwmo_envelope_detect(payload, plen), IWMO_ENV_NONE);
    assert_int_equal(iwmo_envelope_detect("no xml", 6), IWMO_ENV_NONE);
    iwmo_envelope_free(&env);
    iwmo_findings_free(&f);
    free(di01);
    free(payload);
}

/* ---- the fixtures in tests/corpus/envelope ------------------------------------ */

/* Unwrap a fixture and, when it opens, check its routing; first code or "". */
static const char *fixture_code(struct fixture *fx, const char *file, char *code, size_t n)
{
    char path[4096];
    size_t len;
    tu_path(path, sizeof(path), "%s/tests/corpus/envelope/%s", tu_source_dir(), file);
    char *xml = tu_read(path, &len);
    assert_non_null(xml);
    assert_envelope_valid(fx, xml, len);
    iwmo_envelope env;
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    if (iwmo_envelope_unwrap(fx->ours, xml, len, &fx->lim, &env, &f) == 0) {
        iwmo_result r;
        iwmo_check_message(fx->schemas, &fx->lim, env.payload, env.payload_len, &r);
        assert_true(r.schema_valid);
        iwmo_envelope_check(&env, r.doc, &r.ident, &f);
        iwmo_result_free(&r);
    }
    snprintf(code, n, "%s", f.count ? f.items[0].code : "");
    iwmo_envelope_free(&env);
    iwmo_findings_free(&f);
    free(xml);
    return code;
}

static void test_corpus_fixtures(void **state)
{
    struct fixture *fx = *state;
    static const char *const cases[][2] = {
        {"di01-wmo301.xml", ""}, {"di01-jw305.xml", ""}, {"du01-wmo302.xml", ""},
        {"di01-unknown-functie.xml", "IB004"}, {"di01-payload-not-xml.xml", "BRS14"},
        {"di01-zender-mismatch.xml", "envelope-zender-mismatch"}};
    char code[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(fixture_code(fx, cases[i][0], code, sizeof(code)), cases[i][1]);
}

/* ---- the reference's examples ----------------------------------------------- */

static char *read_ref(struct fixture *fx, const char *rel, size_t *len)
{
    char path[4096];
    tu_path(path, sizeof(path), "%s/%s", fx->ggk_dir, rel);
    return tu_read(path, len);
}

static void test_official_examples(void **state)
{
    struct fixture *fx = *state;
    if (!fx->official) {
        fprintf(stderr, "skipped: no StUF-GGk reference material\n");
        return;
    }
    static const char *const good[] = {"ggk0310_21/ggkberichten/ggk_Di01.xml",
                                       "ggk0310_21/ggkberichten/ggk_Du01.xml",
                                       "voorbeeldberichten/envelopHeenbericht-ggk_Di01_v21.xml", NULL};
    char code[32];
    for (int i = 0; good[i]; i++) {
        size_t len;
        char *xml = read_ref(fx, good[i], &len);
        assert_non_null(xml);
        assert_envelope_valid(fx, xml, len);
        assert_int_not_equal(iwmo_envelope_detect(xml, len), IWMO_ENV_NONE);
        /* the examples carry a line of prose, not a message: BRS14 */
        assert_string_equal(unwrap_code(fx, xml, len, NULL, code, sizeof(code)), "BRS14");
        free(xml);
    }
}

static void test_broken_reference_du01(void **state)
{
    struct fixture *fx = *state;
    if (!fx->ggk_dir[0]) {
        fprintf(stderr, "skipped: no StUF-GGk reference material\n");
        return;
    }
    size_t len;
    char *xml = read_ref(fx, "voorbeeldberichten/envelopRetourbericht-ggk_Du01-v21.xml", &len);
    if (!xml) {
        fprintf(stderr, "skipped: broken Du01 example absent\n");
        return;
    }
    char code[32];
    assert_string_equal(unwrap_code(fx, xml, len, NULL, code, sizeof(code)), "IB001");
    assert_int_equal(iwmo_envelope_detect(xml, len), IWMO_ENV_NONE);
    free(xml);
}

/* ---- refusals ---------------------------------------------------------------- */

static void test_malformed_and_xsd(void **state)
{
    struct fixture *fx = *state;
    char code[32];
    char *x1 = b64("<a/>");
    char *good = di01_with("WMO301", x1);
    assert_string_equal(unwrap_code(fx, "", 0, NULL, code, sizeof(code)), "IB001");
    assert_string_equal(unwrap_code(fx, good, strlen(good) / 2, NULL, code, sizeof(code)), "IB001");
    char *xsd = replace(good, "<StUF:berichtcode>Di01<", "<StUF:berichtcode>Du01<");
    assert_string_equal(unwrap_code(fx, xsd, strlen(xsd), NULL, code, sizeof(code)), "IB001");
    char *noapp = replace(good, "<StUF:applicatie>Gem</StUF:applicatie>", "");
    assert_string_equal(unwrap_code(fx, noapp, strlen(noapp), NULL, code, sizeof(code)), "IB001");
    char *notb64 = replace(good, x1, "@@not base64@@");
    assert_string_equal(unwrap_code(fx, notb64, strlen(notb64), NULL, code, sizeof(code)), "IB001");
    char *doctype = replace(good, "<GGK:env", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><GGK:env");
    assert_string_equal(unwrap_code(fx, doctype, strlen(doctype), NULL, code, sizeof(code)), "IB001");
    static const char bomb[] =
        "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
        "<GGK:envelopHeenbericht-ggk_Di01 xmlns:GGK=\"" IWMO_GGK_NS "\">&d;&d;&d;</GGK:envelopHeenbericht-ggk_Di01>";
    assert_int_equal(iwmo_envelope_detect(bomb, strlen(bomb)), IWMO_ENV_NONE);
    assert_string_equal(unwrap_code(fx, bomb, strlen(bomb), NULL, code, sizeof(code)), "IB001");
    size_t plen;
    char *plain = read_corpus("iwmo", "WMO301", &plen);
    assert_string_equal(unwrap_code(fx, plain, plen, NULL, code, sizeof(code)), "IB001");
    free(plain); free(doctype); free(notb64); free(noapp); free(xsd); free(good); free(x1);
}

static void test_functie_refused(void **state)
{
    struct fixture *fx = *state;
    char code[32];
    char *x = b64("<a/>");
    char *unknown = di01_with("WMO399", x);
    assert_string_equal(unwrap_code(fx, unknown, strlen(unknown), NULL, code, sizeof(code)), "IB004");
    char *kind = di01_with("JW302", x);
    assert_string_equal(unwrap_code(fx, kind, strlen(kind), NULL, code, sizeof(code)), "IB004");
    free(kind); free(unknown); free(x);
}

static void test_sizes(void **state)
{
    struct fixture *fx = *state;
    char code[32];
    iwmo_limits small = fx->lim;
    small.max_bytes = 2000;
    char big[3001];
    memset(big, 'x', sizeof(big) - 1);
    memcpy(big, "<a>", 3);
    strcpy(big + sizeof(big) - 5, "</a>");
    char *enc = b64(big);
    char *env = di01_with("WMO301", enc);
    assert_string_equal(unwrap_code(fx, env, strlen(env), &small, code, sizeof(code)), "IB012");
    assert_string_equal(unwrap_code(fx, env, strlen(env), NULL, code, sizeof(code)), "");
    /* an envelope far over the bound is refused before parsing */
    size_t huge_len = 200 * 1024;
    char *huge = malloc(huge_len);
    memset(huge, ' ', huge_len);
    memcpy(huge, env, strlen(env));
    assert_string_equal(unwrap_code(fx, huge, huge_len, &small, code, sizeof(code)), "IB003");
    free(huge); free(env); free(enc);
}

static void test_payload_not_xml(void **state)
{
    struct fixture *fx = *state;
    char code[32];
    char *text = b64("Dit is geen XML maar een zin.");
    char *env = di01_with("WMO301", text);
    assert_string_equal(unwrap_code(fx, env, strlen(env), NULL, code, sizeof(code)), "BRS14");
    char *cut = b64("<Bericht><Header>");
    char *env2 = di01_with("WMO301", cut);
    assert_string_equal(unwrap_code(fx, env2, strlen(env2), NULL, code, sizeof(code)), "BRS14");
    char *env3 = di01_with("WMO301", "");
    assert_string_equal(unwrap_code(fx, env3, strlen(env3), NULL, code, sizeof(code)), "BRS14");
    free(env3); free(env2); free(cut); free(env); free(text);
}

/* Unwrap env, check the payload and return the first routing finding's code. */
static const char *routing_code(struct fixture *fx, const char *xml, char *code, size_t n)
{
    iwmo_envelope env;
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    assert_int_equal(iwmo_envelope_unwrap(fx->ours, xml, strlen(xml), &fx->lim, &env, &f), 0);
    iwmo_result r;
    iwmo_check_message(fx->schemas, &fx->lim, env.payload, env.payload_len, &r);
    int rc = iwmo_envelope_check(&env, r.doc, &r.ident, &f);
    snprintf(code, n, "%s", f.count ? f.items[0].code : "");
    assert_int_equal(rc, f.count ? -1 : 0);
    iwmo_result_free(&r);
    iwmo_envelope_free(&env);
    iwmo_findings_free(&f);
    return code;
}

static void test_routing_disagrees(void **state)
{
    struct fixture *fx = *state;
    char code[32];
    size_t plen, elen;
    char *payload = read_corpus("iwmo", "WMO301", &plen);
    char *env = wrap_di01(payload, plen, "REF-ROUTE", &elen);
    assert_string_equal(routing_code(fx, env, code, sizeof(code)), "");
    char *zender = replace(env, "<StUF:organisatie>0363<", "<StUF:organisatie>0599<");
    assert_string_equal(routing_code(fx, zender, code, sizeof(code)), "envelope-zender-mismatch");
    char *ontv = replace(env, "<StUF:organisatie>12345678<", "<StUF:organisatie>87654321<");
    assert_string_equal(routing_code(fx, ontv, code, sizeof(code)), "envelope-ontvanger-mismatch");
    char *functie = replace(env, "<StUF:functie>WMO301<", "<StUF:functie>WMO315<");
    assert_string_equal(routing_code(fx, functie, code, sizeof(code)), "envelope-functie-mismatch");
    free(functie); free(ontv); free(zender); free(env); free(payload);
}

static void test_wrap_refusals(void **state)
{
    struct fixture *fx = *state;
    size_t plen, out_len;
    char *p302 = read_corpus("iwmo", "WMO302", &plen);
    struct tm t = fixed_time();
    iwmo_stuf_party a = app("Applicatie A");
    iwmo_wrap_opts o = {.referentienummer = "R1", .tijdstip = &t};
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    assert_null(iwmo_envelope_wrap_di01(p302, plen, &fx->lim, &a, &a, &o, &out_len, &f));
    assert_string_equal(f.items[0].code, "IB004");
    iwmo_envelope heen = {.kind = IWMO_ENV_DI01, .msgtype = iwmo_msgtype_find(IWMO_STD_IWMO, 305)};
    strcpy(heen.functie, "WMO305");
    assert_null(iwmo_envelope_wrap_du01(&heen, p302, plen, &fx->lim, &o, &out_len, &f));
    assert_string_equal(f.items[1].code, "envelope-functie-mismatch");
    iwmo_wrap_opts none = {0};
    assert_null(iwmo_envelope_wrap_du01(&heen, p302, plen, &fx->lim, &none, &out_len, &f));
    assert_string_equal(f.items[2].code, "envelope-build-error");
    iwmo_findings_free(&f);
    free(p302);
}

/* ---- ZIP deliveries ----------------------------------------------------------- */

struct entry {
    const char *name;       /* ending in '/' for a folder */
    const char *data;
    size_t len;
    int encrypt;
};

/* Build a ZIP in memory with libzip; returns its bytes (free()). */
static char *make_zip(const struct entry *e, int n, size_t *len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    assert_non_null(za);
    zip_source_keep(src);
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        if (e[i].name[nl - 1] == '/') {
            assert_true(zip_dir_add(za, e[i].name, 0) >= 0);
            continue;
        }
        zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].len, 0);
        zip_int64_t idx = zip_file_add(za, e[i].name, s, 0);
        assert_true(idx >= 0);
        if (e[i].encrypt) {
            zip_uint16_t m = zip_encryption_method_supported(ZIP_EM_AES_256, 1) ? ZIP_EM_AES_256
                                                                                  : ZIP_EM_TRAD_PKWARE;
            assert_int_equal(zip_file_set_encryption(za, (zip_uint64_t)idx, m, "geheim"), 0);
        }
    }
    assert_int_equal(zip_close(za), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(src, &st), 0);
    char *out = malloc(st.size + 1);
    assert_int_equal(zip_source_open(src), 0);
    assert_int_equal(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    *len = st.size;
    return out;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Extract and return the first finding's code ("" on success), checking it was quick. */
static const char *zip_code(const char *zip, size_t len, const iwmo_limits *lim, char *code,
                            size_t n)
{
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    char *out = NULL, name[256];
    size_t out_len = 0;
    double t0 = now_s();
    int rc = iwmo_zip_extract(zip, len, lim, NULL, &out, &out_len, name, sizeof(name), &f);
    assert_true(now_s() - t0 < 5.0);
    snprintf(code, n, "%s", f.count ? f.items[0].code : "");
    if (f.count)
        fprintf(stderr, "  zip: %s %s\n", f.items[0].code, f.items[0].message);
    assert_int_equal(rc, f.count ? -1 : 0);
    free(out);
    iwmo_findings_free(&f);
    return code;
}

static void test_zip_good(void **state)
{
    (void)state;
    size_t plen, zlen, out_len;
    char *payload = read_corpus("ijw", "JW323", &plen);
    struct entry e[] = {{"JW323.xml", payload, plen, 0}};
    char *zip = make_zip(e, 1, &zlen);
    assert_true(iwmo_zip_detect(zip, zlen));
    assert_false(iwmo_zip_detect(payload, plen));
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    char *out, name[64];
    assert_int_equal(iwmo_zip_extract(zip, zlen, &lim, NULL, &out, &out_len, name, sizeof(name), &f), 0);
    assert_int_equal(out_len, plen);
    assert_memory_equal(out, payload, plen);
    assert_string_equal(name, "JW323.xml");
    free(out);
    iwmo_findings_free(&f);
    free(zip);
    free(payload);
}

static void test_zip_structure(void **state)
{
    (void)state;
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    char code[32];
    size_t zlen;
    static const char empty[22] = {'P', 'K', 5, 6};
    assert_string_equal(zip_code(empty, sizeof(empty), &lim, code, sizeof(code)), "IB905");
    assert_string_equal(zip_code("PK\3\4 not really", 16, &lim, code, sizeof(code)), "IB901");
    assert_string_equal(zip_code("plain text", 10, &lim, code, sizeof(code)), "IB901");

    struct entry two[] = {{"a.xml", "<a/>", 4, 0}, {"b.xml", "<b/>", 4, 0}};
    char *z = make_zip(two, 2, &zlen);
    assert_string_equal(zip_code(z, zlen, &lim, code, sizeof(code)), "IB902");
    free(z);
    struct entry folder[] = {{"map/", NULL, 0, 0}, {"map/a.xml", "<a/>", 4, 0}};
    z = make_zip(folder, 2, &zlen);
    assert_string_equal(zip_code(z, zlen, &lim, code, sizeof(code)), "BRS29");
    free(z);
    z = make_zip(folder + 1, 1, &zlen);
    assert_string_equal(zip_code(z, zlen, &lim, code, sizeof(code)), "BRS29");
    free(z);
}

static void test_zip_encrypted(void **state)
{
    (void)state;
    if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1) &&
        !zip_encryption_method_supported(ZIP_EM_TRAD_PKWARE, 1)) {
        fprintf(stderr, "skipped: this libzip cannot encrypt\n");
        return;
    }
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    char code[32];
    size_t zlen;
    struct entry e[] = {{"a.xml", "<a>geheim</a>", 13, 1}};
    char *z = make_zip(e, 1, &zlen);
    assert_string_equal(zip_code(z, zlen, &lim, code, sizeof(code)), "IB903");
    free(z);
}

/* An XML document of n bytes that compresses extremely well. */
static char *compressible(size_t n)
{
    char *s = malloc(n);
    memset(s, ' ', n);
    memcpy(s, "<a>", 3);
    memcpy(s + n - 4, "</a>", 4);
    return s;
}

/* Set the uncompressed size in the local and central headers to v (one entry). */
static void lie_about_size(char *zip, size_t len, unsigned v)
{
    for (size_t i = 0; i + 46 <= len; i++) {
        unsigned char *p = (unsigned char *)zip + i;
        int local = p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4;
        int central = p[0] == 'P' && p[1] == 'K' && p[2] == 1 && p[3] == 2;
        size_t off = local ? 22 : central ? 24 : 0;
        if (!off)
            continue;
        for (int b = 0; b < 4; b++)
            p[off + b] = (unsigned char)(v >> (8 * b));
    }
}

static void test_zip_sizes_and_bombs(void **state)
{
    (void)state;
    char code[32];
    size_t zlen;
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    lim.max_bytes = 1024 * 1024;

    char *big = compressible(1536 * 1024);
    struct entry over[] = {{"groot.xml", big, 1536 * 1024, 0}};
    char *z = make_zip(over, 1, &zlen);
    assert_string_equal(zip_code(z, zlen, &lim, code, sizeof(code)), "IB904");
    /* the directory says 100 bytes; reading still stops just past the limit */
    lie_about_size(z, zlen, 100);
    const char *c = zip_code(z, zlen, &lim, code, sizeof(code));
    assert_true(strcmp(c, "IB904") == 0 || strcmp(c, "IB901") == 0);
    free(z);
    free(big);

    /* within the size limit, but a ratio no message reaches */
    iwmo_limits dflt;
    iwmo_limits_default(&dflt);
    char *bomb = compressible(4 * 1024 * 1024);
    struct entry b[] = {{"bom.xml", bomb, 4 * 1024 * 1024, 0}};
    z = make_zip(b, 1, &zlen);
    assert_string_equal(zip_code(z, zlen, &dflt, code, sizeof(code)), "IB901");
    assert_string_equal(zip_code(z, zlen, &lim, code, sizeof(code)), "IB904");
    free(z);
    free(bomb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_di01_fields),
        cmocka_unit_test(test_corpus_fixtures),
        cmocka_unit_test(test_official_examples),
        cmocka_unit_test(test_broken_reference_du01),
        cmocka_unit_test(test_malformed_and_xsd),
        cmocka_unit_test(test_functie_refused),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_payload_not_xml),
        cmocka_unit_test(test_routing_disagrees),
        cmocka_unit_test(test_wrap_refusals),
        cmocka_unit_test(test_zip_good),
        cmocka_unit_test(test_zip_structure),
        cmocka_unit_test(test_zip_encrypted),
        cmocka_unit_test(test_zip_sizes_and_bombs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
