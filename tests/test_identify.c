/*
 * test_identify.c - refusals before and during parsing: empty, BOM, UTF-16,
 * malformed and truncated XML, XXE (the named file is never opened), entity
 * bombs, depth and size limits, unknown namespaces, older releases, Vektis
 * EI flat files and headers that contradict their namespace.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "iwmo.h"

#define NS_WMO305 "http://www.istandaarden.nl/iwmo/3_2/wmo305/schema"

/* Run the raw checks, the parser and identification; return the first finding's code. */
static const char *first_code(const char *xml, size_t len, iwmo_limits *lim, char *buf, long *line)
{
    iwmo_limits def;
    if (!lim) {
        iwmo_limits_default(&def);
        lim = &def;
    }
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    if (iwmo_precheck_bytes(xml, len, lim, &f) == 0) {
        xmlDocPtr doc = iwmo_parse_safe(xml, len, lim, &f);
        if (doc) {
            iwmo_ident id;
            iwmo_identify_doc(doc, &id, &f);
            xmlFreeDoc(doc);
        }
    }
    strcpy(buf, f.count ? f.items[0].code : "");
    if (line)
        *line = f.count ? f.items[0].line : -1;
    iwmo_findings_free(&f);
    return buf;
}

static const char *code_of(const char *xml)
{
    static char buf[64];
    return first_code(xml, strlen(xml), NULL, buf, NULL);
}

static const char *header305(int code, int versie, int sub)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<Bericht xmlns=\"" NS_WMO305 "\">\n"
             "  <Header>\n"
             "    <BerichtCode>%d</BerichtCode>\n"
             "    <BerichtVersie>%d</BerichtVersie>\n"
             "    <BerichtSubversie>%d</BerichtSubversie>\n"
             "  </Header>\n"
             "</Bericht>\n", code, versie, sub);
    return buf;
}

static void test_empty_and_encodings(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(first_code("", 0, NULL, buf, NULL), "empty-file");
    assert_string_equal(code_of("\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>"), "bom-forbidden");
    assert_string_equal(first_code("\xFF\xFE<\0a\0/\0>\0", 10, NULL, buf, NULL), "encoding-not-utf8");
    assert_string_equal(code_of("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                                "<Bericht xmlns=\"" NS_WMO305 "\"/>"), "encoding-not-utf8");
    assert_string_equal(code_of("hello, this is text"), "not-xml");
    assert_string_equal(first_code("<a>\0</a>", 8, NULL, buf, NULL), "not-xml");
}

static void test_malformed_reports_line(void **state)
{
    (void)state;
    char buf[64];
    long line;
    const char *xml = "<?xml version=\"1.0\"?>\n<a>\n<b>\n</a>\n";
    assert_string_equal(first_code(xml, strlen(xml), NULL, buf, &line), "malformed-xml");
    assert_true(line >= 3);
    const char *truncated = header305(418, 3, 2);
    size_t half = strlen(truncated) / 2;
    assert_string_equal(first_code(truncated, half, NULL, buf, NULL), "malformed-xml");
}

static void test_xxe_never_opens_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/iwmo-xxe-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char secret[256];
    snprintf(secret, sizeof(secret), "%s/secret.txt", dir);
    int fd = open(secret, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "TOPSECRET", 9), 9);
    close(fd);
    int in = inotify_init1(IN_NONBLOCK);
    assert_true(in >= 0);
    assert_true(inotify_add_watch(in, secret, IN_OPEN | IN_ACCESS) >= 0);

    char xml[1024];
    snprintf(xml, sizeof(xml),
             "<?xml version=\"1.0\"?>\n<!DOCTYPE Bericht [<!ENTITY x SYSTEM \"file://%s\">]>\n"
             "<Bericht xmlns=\"" NS_WMO305 "\">&x;</Bericht>\n", secret);
    char buf[64];
    long line;
    assert_string_equal(first_code(xml, strlen(xml), NULL, buf, &line), "doctype-forbidden");
    assert_int_equal(line, 2);
    char ev[4096];
    assert_true(read(in, ev, sizeof(ev)) < 0);   /* no open, no read of the named file */
    close(in);
    unlink(secret);
    rmdir(dir);
}

static void test_billion_laughs_is_quick(void **state)
{
    (void)state;
    const char *bomb =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n<lolz>&lol9;</lolz>\n";
    assert_string_equal(code_of(bomb), "doctype-forbidden");
    /* An undeclared entity reference without a DOCTYPE is simply malformed. */
    assert_string_equal(code_of("<a>&lol9;</a>"), "malformed-xml");
}

static void test_limits(void **state)
{
    (void)state;
    char buf[64];
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    assert_int_equal(lim.max_bytes, 25u * 1024u * 1024u);
    lim.max_bytes = 100;
    const char *xml = header305(418, 3, 2);
    assert_string_equal(first_code(xml, strlen(xml), &lim, buf, NULL), "too-large");

    iwmo_limits_default(&lim);
    lim.max_depth = 10;
    char deep[2048] = "";
    for (int i = 0; i < 20; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < 20; i++)
        strcat(deep, "</a>");
    assert_string_equal(first_code(deep, strlen(deep), &lim, buf, NULL), "too-deep");
}

static void test_namespaces_and_releases(void **state)
{
    (void)state;
    assert_string_equal(code_of("<Bericht xmlns=\"urn:example:other\"/>"), "unknown-namespace");
    assert_string_equal(code_of("<Bericht/>"), "unknown-namespace");
    assert_string_equal(code_of("<Bericht xmlns=\"http://www.istandaarden.nl/iwmo/2_4/wmo301/schema\"/>"),
                        "unsupported-release");
    assert_string_equal(code_of("<Bericht xmlns=\"http://www.istandaarden.nl/ijw/3_1/jw305/schema\"/>"),
                        "unsupported-release");
    assert_string_equal(code_of("<Bericht xmlns=\"http://www.istandaarden.nl/iwmo/3_2/wmo303/schema\"/>"),
                        "unknown-message-type");
    assert_string_equal(code_of("<Other xmlns=\"" NS_WMO305 "\"/>"), "unknown-root");

    iwmo_standard s;
    int type;
    char rel[8];
    assert_int_equal(iwmo_parse_namespace("http://www.istandaarden.nl/ijw/3_2/jw323/schema", &s, &type, rel, sizeof(rel)), 0);
    assert_int_equal(s, IWMO_STD_IJW);
    assert_int_equal(type, 323);
    assert_string_equal(rel, "3.2");
}

static void test_legacy_release_message_names_it(void **state)
{
    (void)state;
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    iwmo_findings f;
    iwmo_findings_init(&f, 10);
    const char *xml = "<Bericht xmlns=\"http://www.istandaarden.nl/iwmo/2_4/wmo303/schema\"/>";
    xmlDocPtr doc = iwmo_parse_safe(xml, strlen(xml), &lim, &f);
    assert_non_null(doc);
    iwmo_ident id;
    assert_int_equal(iwmo_identify_doc(doc, &id, &f), -1);
    assert_string_equal(id.release, "2.4");
    assert_non_null(strstr(f.items[0].message, "2.4"));
    assert_non_null(strstr(f.items[0].message, "323"));
    xmlFreeDoc(doc);
    iwmo_findings_free(&f);
}

static void test_vektis_ei(void **state)
{
    (void)state;
    char line[400];
    memset(line, ' ', sizeof(line));
    memcpy(line, "0141601", 7);
    line[310] = '\r';
    line[311] = '\n';
    line[312] = '\0';
    assert_string_equal(code_of(line), "legacy-ei-303");
    memcpy(line, "0199901", 7);
    assert_string_equal(code_of(line), "vektis-ei-flat-file");
}

static void test_header_namespace_conflict(void **state)
{
    (void)state;
    char buf[64];
    long line;
    assert_string_equal(code_of(header305(418, 3, 2)), "");
    const char *xml = header305(438, 3, 2);   /* JW305's code in an iWmo 305 */
    assert_string_equal(first_code(xml, strlen(xml), NULL, buf, &line), "header-mismatch");
    assert_int_equal(line, 4);
    assert_string_equal(code_of(header305(418, 2, 2)), "header-mismatch");
    assert_string_equal(code_of(header305(418, 3, 1)), "header-mismatch");
}

static void test_msgtype_table(void **state)
{
    (void)state;
    assert_int_equal(iwmo_msgtype_count(), 28);
    assert_int_equal(iwmo_msgtype_find(IWMO_STD_IWMO, 301)->berichtcode, 414);
    assert_int_equal(iwmo_msgtype_find(IWMO_STD_IJW, 323)->berichtcode, 490);
    assert_int_equal(iwmo_msgtype_find(IWMO_STD_IJW, 323)->retour_type, 325);
    assert_null(iwmo_msgtype_find(IWMO_STD_IWMO, 303));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_encodings),
        cmocka_unit_test(test_malformed_reports_line),
        cmocka_unit_test(test_xxe_never_opens_file),
        cmocka_unit_test(test_billion_laughs_is_quick),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_namespaces_and_releases),
        cmocka_unit_test(test_legacy_release_message_names_it),
        cmocka_unit_test(test_vektis_ei),
        cmocka_unit_test(test_header_namespace_conflict),
        cmocka_unit_test(test_msgtype_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
