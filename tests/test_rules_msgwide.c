/*
 * test_rules_msgwide.c - the 323 rules that need the whole message give the
 * same verdict when the message is checked in pieces (one Client per piece,
 * iwmo_rules_check with env.pieces set plus iwmo_msgwide) as when it is
 * checked as one DOM: the same rules, retourcodes, levels, lines and texts.
 * Every case puts the two Clients or Prestaties concerned in different pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include "iwmo.h"
#include "testutil.h"

static iwmo_schemaset *set;         /* made on first use, freed at the end of main */

/* ---- building 323 messages ------------------------------------------------ */

/* The spelling of one standard's 323: namespaces, prefixes, a product. */
typedef struct {
    const char *ns, *m, *bns, *b;   /* message namespace and prefix ("" = default), basisschema */
    int berichtcode;
    const char *xsd, *cat;
} dialect;

static const dialect WMO = {"http://www.istandaarden.nl/iwmo/3_2/wmo323/schema", "m",
                            "http://www.istandaarden.nl/iwmo/3_2/basisschema/schema", "b",
                            484, "1.0.0", "08"};
static const dialect JW = {"http://www.istandaarden.nl/ijw/3_2/jw323/schema", "",
                           "http://www.istandaarden.nl/ijw/3_2/basisschema/schema", "ijw",
                           490, "0.1.0", "45"};

/* One Prestatie: a debit line, or a credit line when vorig is set. Eenheid 83 (euros). */
typedef struct {
    const char *ref, *vorig;
    const char *toewijzing;
    const char *code;               /* ProductCode */
    const char *to;                 /* ProductPeriode Einddatum, in October 2026 */
    long bedrag;                    /* cents */
} prestatie;

typedef struct {
    const char *bsn;
    prestatie p[3];                 /* ref NULL ends the list */
} client;

typedef struct {
    const dialect *d;
    client c[4];                    /* bsn NULL ends the list */
    long total_off;                 /* added to the true total (TR358) */
} message;

/* <p:name> (open), </p:name> (close), or "" as the prefix of a default namespace. */
static void open_el(FILE *o, const char *prefix, const char *name)
{
    fprintf(o, "<%s%s%s>", prefix, prefix[0] ? ":" : "", name);
}

static void close_el(FILE *o, const char *prefix, const char *name)
{
    fprintf(o, "</%s%s%s>\n", prefix, prefix[0] ? ":" : "", name);
}

/* <p:name>value</p:name> */
static void leaf(FILE *o, const char *prefix, const char *name, const char *value)
{
    open_el(o, prefix, name);
    fputs(value, o);
    close_el(o, prefix, name);
}

static void leaf_long(FILE *o, const char *prefix, const char *name, long value)
{
    char v[32];
    snprintf(v, sizeof(v), "%ld", value);
    leaf(o, prefix, name, v);
}

/* A ProductPeriode or DeclaratiePeriode: message element with basisschema dates. */
static void period(FILE *o, const dialect *d, const char *name, const char *to)
{
    open_el(o, d->m, name);
    leaf(o, d->b, "Begindatum", "2026-10-01");
    leaf(o, d->b, "Einddatum", to);
    close_el(o, d->m, name);
}

/* An amount: message element with basisschema amount and DebetCredit. */
static void amount(FILE *o, const dialect *d, const char *name, const char *field, long cents,
                   int credit)
{
    open_el(o, d->m, name);
    leaf_long(o, d->b, field, cents);
    leaf(o, d->b, "DebetCredit", credit ? "C" : "D");
    close_el(o, d->m, name);
}

static void put_prestatie(FILE *o, const dialect *d, const prestatie *p)
{
    char code[16];
    snprintf(code, sizeof(code), "%s%s", d->cat, p->code);
    open_el(o, d->m, "Prestatie");
    open_el(o, d->m, "ProductReferentie");
    leaf(o, d->b, "ReferentieNummer", p->ref);
    if (p->vorig)
        leaf(o, d->b, "VorigReferentieNummer", p->vorig);
    close_el(o, d->m, "ProductReferentie");
    leaf(o, d->m, "ToewijzingNummer", p->toewijzing);
    leaf(o, d->m, "ProductCategorie", d->cat);
    leaf(o, d->m, "ProductCode", code);
    period(o, d, "ProductPeriode", p->to);
    leaf_long(o, d->m, "GeleverdVolume", p->bedrag);
    leaf(o, d->m, "Eenheid", "83");
    amount(o, d, "IngediendBedrag", "Bedrag", p->bedrag, p->vorig != NULL);
    close_el(o, d->m, "Prestatie");
}

static void put_header(FILE *o, const dialect *d)
{
    fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(o, "<%s%sBericht xmlns%s%s=\"%s\" xmlns:%s=\"%s\">\n", d->m, d->m[0] ? ":" : "",
            d->m[0] ? ":" : "", d->m, d->ns, d->b, d->bns);
    open_el(o, d->m, "Header");
    leaf_long(o, d->m, "BerichtCode", d->berichtcode);
    leaf(o, d->m, "BerichtVersie", "3");
    leaf(o, d->m, "BerichtSubversie", "2");
    leaf(o, d->m, "Afzender", "12345678");
    leaf(o, d->m, "Ontvanger", "0363");
    open_el(o, d->m, "BerichtIdentificatie");
    leaf(o, d->b, "Identificatie", "DC2026000777");
    leaf(o, d->b, "Dagtekening", "2026-11-05");
    close_el(o, d->m, "BerichtIdentificatie");
    open_el(o, d->m, "XsdVersie");
    leaf(o, d->b, "BasisschemaXsdVersie", d->xsd);
    leaf(o, d->b, "BerichtXsdVersie", d->xsd);
    close_el(o, d->m, "XsdVersie");
    close_el(o, d->m, "Header");
}

static long signed_sum(const message *msg)
{
    long sum = 0;
    for (const client *c = msg->c; c < msg->c + 4 && c->bsn; c++)
        for (const prestatie *p = c->p; p < c->p + 3 && p->ref; p++)
            sum += p->vorig ? -p->bedrag : p->bedrag;
    return sum + msg->total_off;
}

static char *build_323(const message *msg)
{
    const dialect *d = msg->d;
    char *buf = NULL;
    size_t len;
    FILE *o = open_memstream(&buf, &len);
    assert_non_null(o);
    put_header(o, d);
    open_el(o, d->m, "Declaratie");
    leaf(o, d->m, "DeclaratieNummer", "D2026100777");
    period(o, d, "DeclaratiePeriode", "2026-10-31");
    leaf(o, d->m, "DeclaratieDagtekening", "2026-11-05");
    long total = signed_sum(msg);
    amount(o, d, "TotaalIngediendBedrag", "TotaalBedrag", total < 0 ? -total : total, total < 0);
    open_el(o, d->m, "Clienten");
    for (const client *c = msg->c; c < msg->c + 4 && c->bsn; c++) {
        open_el(o, d->m, "Client");
        leaf(o, d->m, "Bsn", c->bsn);
        open_el(o, d->m, "Prestaties");
        for (const prestatie *p = c->p; p < c->p + 3 && p->ref; p++)
            put_prestatie(o, d, p);
        close_el(o, d->m, "Prestaties");
        close_el(o, d->m, "Client");
    }
    close_el(o, d->m, "Clienten");
    close_el(o, d->m, "Declaratie");
    close_el(o, d->m, "Bericht");
    fclose(o);
    return buf;
}

/* ---- splitting into pieces of one Client ------------------------------- */

static int named(xmlNodePtr n, const char *local)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

/* A copy of n (deep, or without children) added below parent; element lines are kept. */
static xmlNodePtr copy_under(xmlDocPtr doc, xmlNodePtr parent, xmlNodePtr n, int deep)
{
    xmlNodePtr c = xmlDocCopyNode(n, doc, deep ? 1 : 2);
    assert_non_null(c);
    assert_int_equal(xmlGetLineNo(c), xmlGetLineNo(n));
    return xmlAddChild(parent, c);
}

/* The piece holding Client `which` of doc: root, Header, Declaratie fields and that Client. */
static xmlDocPtr piece_of(xmlDocPtr doc, xmlNodePtr which)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlDocPtr p = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr proot = xmlDocCopyNode(root, p, 2);
    xmlDocSetRootElement(p, proot);
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (named(n, "Header"))
            copy_under(p, proot, n, 1);
        if (!named(n, "Declaratie"))
            continue;
        xmlNodePtr decl = copy_under(p, proot, n, 0);
        for (xmlNodePtr k = n->children; k; k = k->next) {
            if (named(k, "Clienten"))
                copy_under(p, copy_under(p, decl, k, 0), which, 1);
            else if (k->type == XML_ELEMENT_NODE)
                copy_under(p, decl, k, 1);
        }
    }
    return p;
}

/* ---- the two modes ------------------------------------------------------ */

static iwmo_rule_env env_of(int pieces)
{
    iwmo_rule_env e = {.today = iwmo_date_make(2026, 11, 24), .ref = NULL, .pieces = pieces};
    return e;
}

/* Parse and schema-check buf; the caller frees the result. */
static void check_valid(const char *buf, iwmo_result *r)
{
    iwmo_limits limits;
    iwmo_limits_default(&limits);
    if (!set)
        set = tu_schemaset();
    assert_non_null(set);
    iwmo_check_message(set, &limits, buf, strlen(buf), r);
    if (!r->valid)
        fail_msg("generated 323 not schema-valid: line %ld %s",
                 r->findings.count ? r->findings.items[0].line : 0L,
                 r->findings.count ? r->findings.items[0].message : "");
}

static void dom_mode(iwmo_result *r, iwmo_findings *f)
{
    iwmo_rule_env env = env_of(0);
    iwmo_findings_init(f, 0);
    iwmo_rules_check(&env, r->doc, r->ident.msgtype, f);
}

/* Returns the number of pieces. */
static int piece_mode(iwmo_result *r, iwmo_findings *f)
{
    iwmo_rule_env env = env_of(1);
    const iwmo_msgtype *t = r->ident.msgtype;
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    xmlNodePtr clienten = NULL;
    for (xmlNodePtr n = root->children; n; n = n->next)
        for (xmlNodePtr k = named(n, "Declaratie") ? n->children : NULL; k; k = k->next)
            if (named(k, "Clienten"))
                clienten = k;
    assert_non_null(clienten);
    iwmo_msgwide *m = iwmo_msgwide_new(t);
    assert_non_null(m);
    iwmo_findings_init(f, 0);
    int pieces = 0;
    for (xmlNodePtr c = clienten->children; c; c = c->next) {
        if (!named(c, "Client"))
            continue;
        xmlDocPtr p = piece_of(r->doc, c);
        iwmo_rules_check(&env, p, t, f);
        assert_int_equal(iwmo_msgwide_feed(m, p), 0);
        /* the piece is gone before the message is finished, as in the daemon */
        xmlFreeDoc(p);
        pieces++;
    }
    size_t before = f->count;
    int added = iwmo_msgwide_finish(m, &env, f);
    assert_int_equal((size_t)added, f->count - before);
    for (size_t i = before; i < f->count; i++) {
        assert_null(f->items[i].node);
        assert_true(f->items[i].line > 0);
    }
    iwmo_msgwide_free(m);
    return pieces;
}

static int finding_cmp(const void *a, const void *b)
{
    const iwmo_finding *x = a, *y = b;
    int d = strcmp(x->rule, y->rule);
    if (!d)
        d = strcmp(x->code, y->code);
    if (!d)
        d = (x->line > y->line) - (x->line < y->line);
    if (!d)
        d = strcmp(x->message, y->message);
    return d ? d : x->level - y->level;
}

static void sort_findings(iwmo_findings *f)
{
    if (f->count > 1)
        qsort(f->items, f->count, sizeof(*f->items), finding_cmp);
}

/* Both lists hold the same findings: rule, retourcode, level, line and text. */
static void assert_same_findings(iwmo_findings *dom, iwmo_findings *pcs, const char *what)
{
    sort_findings(dom);
    sort_findings(pcs);
    for (size_t i = 0; i < dom->count || i < pcs->count; i++) {
        const iwmo_finding *a = i < dom->count ? &dom->items[i] : NULL;
        const iwmo_finding *b = i < pcs->count ? &pcs->items[i] : NULL;
        if (!a || !b || finding_cmp(a, b) != 0)
            fail_msg("%s: DOM has %s line %ld '%s', pieces have %s line %ld '%s'", what,
                     a ? a->rule : "-", a ? a->line : 0L, a ? a->message : "",
                     b ? b->rule : "-", b ? b->line : 0L, b ? b->message : "");
    }
}

/* Count the findings of rule in f, checking each is an intra-message rejection. */
static size_t count_rule(const iwmo_findings *f, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->items[i].rule, rule) != 0)
            continue;
        assert_string_equal(f->items[i].code, "0001");
        assert_int_equal(f->items[i].level, 2);
        assert_null(strstr(f->items[i].message, "99999"));     /* never a BSN */
        n++;
    }
    return n;
}

/*
 * Check msg in both modes: the findings agree, rule fails exactly `expect`
 * times, and (passing cases) nothing else is found.
 */
static void run_both(const message *msg, const char *rule, size_t expect, const char *what)
{
    char *buf = build_323(msg);
    iwmo_result r;
    iwmo_findings dom, pcs;
    check_valid(buf, &r);
    dom_mode(&r, &dom);
    int pieces = piece_mode(&r, &pcs);
    assert_true(pieces >= 2);
    if (getenv("MSGWIDE_VERBOSE"))
        for (size_t i = 0; i < pcs.count; i++)
            print_message("  %s: %s line %ld %s\n", what, pcs.items[i].rule, pcs.items[i].line,
                          pcs.items[i].message);
    assert_same_findings(&dom, &pcs, what);
    if (count_rule(&dom, rule) != expect)
        fail_msg("%s: %zu %s findings, expected %zu", what, count_rule(&dom, rule), rule, expect);
    if (expect == 0 && dom.count)
        fail_msg("%s: unexpected %s: %s", what, dom.items[0].rule, dom.items[0].message);
    iwmo_findings_free(&dom);
    iwmo_findings_free(&pcs);
    iwmo_result_free(&r);
    free(buf);
}

/* ---- the cases ------------------------------------------------------------ */

#define DEBIT(ref, tw, code, to, amount) {ref, NULL, tw, code, to, amount}
#define CREDIT(ref, vorig, tw, code, to, amount) {ref, vorig, tw, code, to, amount}

/* Three clients, debit and credit lines, nothing wrong. */
static message valid_message(const dialect *d)
{
    message m = {d, {
        {"999990019", {DEBIT("P2026000201", "200001", "A01", "2026-10-31", 4575),
                       CREDIT("P2026000202", "P2026000090", "200001", "A01", "2026-10-31", 1200)}},
        {"999990032", {DEBIT("P2026000203", "200002", "A01", "2026-10-31", 8000)}},
        {"999990044", {DEBIT("P2026000204", "200003", "A02", "2026-10-15", 2500),
                       DEBIT("P2026000205", "200003", "A02", "2026-10-31", 2600)}},
    }, 0};
    return m;
}

static void test_valid_message_has_no_findings(void **state)
{
    (void)state;
    message w = valid_message(&WMO), j = valid_message(&JW);
    run_both(&w, "TR101", 0, "valid WMO323");
    run_both(&j, "TR101", 0, "valid JW323");
}

static void test_tr101_client_bsn(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    m.c[2].bsn = "999990019";                 /* the first client's Bsn, two pieces later */
    run_both(&m, "TR101", 1, "TR101 same Bsn");
    m = valid_message(&JW);
    m.c[1].bsn = "999990019";
    run_both(&m, "TR101", 1, "TR101 same Bsn (JW)");
    /* the same ReferentieNummer under another Client is another key */
    m = valid_message(&WMO);
    m.c[1].p[0].ref = "P2026000201";
    run_both(&m, "TR101", 0, "TR101 same Prestatie key, other client");
}

static void test_tr101_prestatie_within_repeated_client(void **state)
{
    (void)state;
    /* same Bsn and the same Prestatie key in two pieces: the Client and the Prestatie repeat */
    message m = valid_message(&WMO);
    m.c[1].bsn = "999990019";
    m.c[1].p[0] = (prestatie)DEBIT("P2026000201", "200009", "A03", "2026-10-31", 8000);
    run_both(&m, "TR101", 2, "TR101 Client and Prestatie");
}

static void test_tr315_vorig_unique(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    m.c[2].p[1] = (prestatie)CREDIT("P2026000205", "P2026000090", "200003", "A02", "2026-10-31", 2600);
    m.total_off = 0;
    run_both(&m, "TR315", 1, "TR315 same Vorig");
    m.c[2].p[1].vorig = "P2026000091";
    run_both(&m, "TR315", 0, "TR315 other Vorig");
}

static void test_tr316_no_credit_of_own_line(void **state)
{
    (void)state;
    /* a later piece credits an earlier one */
    message m = valid_message(&WMO);
    m.c[2].p[1] = (prestatie)CREDIT("P2026000205", "P2026000203", "200003", "A02", "2026-10-31", 2600);
    run_both(&m, "TR316", 1, "TR316 credits an earlier piece");
    /* an earlier piece credits a later one */
    m = valid_message(&JW);
    m.c[0].p[1].vorig = "P2026000204";
    run_both(&m, "TR316", 1, "TR316 credits a later piece");
    m.c[0].p[1].vorig = "P2026000199";
    run_both(&m, "TR316", 0, "TR316 credits an older message");
}

static void test_tr358_total(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    m.total_off = 1;
    run_both(&m, "TR358", 1, "TR358 one cent off");
    m = valid_message(&JW);
    m.total_off = -100;
    run_both(&m, "TR358", 1, "TR358 one euro short (JW)");
    /* a credit total: the credits of one piece outweigh the debits of the others */
    m = valid_message(&WMO);
    m.c[0].p[1].bedrag = 30000;
    run_both(&m, "TR358", 0, "TR358 credit total");
}

static void test_tr416_one_debit_per_delivery(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    m.c[2].p[1] = (prestatie)DEBIT("P2026000205", "200002", "A01", "2026-10-31", 2600);
    run_both(&m, "TR416", 1, "TR416 same delivery in another piece");
    m.c[2].p[1].to = "2026-10-30";
    run_both(&m, "TR416", 0, "TR416 other period");
}

/* A Bsn in three pieces is two repeats; a total that every piece repeats is checked once. */
static void test_findings_are_not_repeated(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    m.c[1].bsn = "999990019";
    m.c[2].bsn = "999990019";
    m.total_off = 5;
    run_both(&m, "TR101", 2, "TR101 three times the same Bsn");
    run_both(&m, "TR358", 1, "TR358 once for three pieces");
}

/* Other message types keep every rule in piece mode; a 323 feed of another type is a no-op. */
static void test_other_types_unchanged(void **state)
{
    (void)state;
    const iwmo_msgtype *t305 = iwmo_msgtype_find(IWMO_STD_IWMO, 305);
    assert_non_null(t305);
    iwmo_msgwide *m = iwmo_msgwide_new(t305);
    assert_non_null(m);
    char path[4096];
    size_t len;
    tu_path(path, sizeof(path), "%s/tests/corpus/valid/iwmo/WMO305.xml", tu_source_dir());
    char *buf = tu_read(path, &len);
    assert_non_null(buf);
    /* the same Client twice: TR101 in either mode */
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr cl = NULL;
    for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next)
        if (named(n, "Client"))
            cl = n;
    assert_non_null(cl);
    /* copied within doc, so the names come from its dictionary like parsed ones */
    xmlAddNextSibling(cl, xmlDocCopyNode(cl, doc, 1));
    iwmo_findings f;
    iwmo_rule_env env = env_of(1);
    iwmo_findings_init(&f, 0);
    iwmo_rules_check(&env, doc, t305, &f);
    assert_int_equal(iwmo_msgwide_feed(m, doc), 0);
    assert_true(count_rule(&f, "TR101") >= 1);
    size_t before = f.count;
    assert_int_equal(iwmo_msgwide_finish(m, &env, &f), 0);
    assert_int_equal(f.count, before);
    iwmo_findings_free(&f);
    iwmo_msgwide_free(m);
    xmlFreeDoc(doc);
    free(buf);
}

/* ---- the same messages through the streaming check (lib/stream.c) ------------ */

/* The whole check of buf, parsed whole or (stream != 0) read piece by piece, 1 Client a piece. */
static void check_all(const char *buf, size_t len, int stream, iwmo_result *r)
{
    iwmo_limits lim;
    iwmo_limits_default(&lim);
    lim.stream_from = 1;
    lim.stream_clients = 1;
    iwmo_rule_env env = env_of(0);
    if (!set)
        set = tu_schemaset();
    assert_non_null(set);
    if (!stream)
        iwmo_check_message(set, &lim, buf, len, r);
    else if (stream == 1)               /* schema first, the rules in a second reading */
        assert_int_equal(iwmo_check_message_streamed(set, &lim, buf, len, r), 0);
    else                                /* schema and rules in one reading */
        assert_int_equal(iwmo_check_streamed(set, &lim, &env, buf, len, r), 0);
    iwmo_check_rules(&env, r);
}

static void stream_one_way(const char *buf, size_t len, int way, const char *what);

/* Parsed whole and streamed (both ways): the same verdict and the same findings. */
static void stream_both(const char *buf, size_t len, const char *what)
{
    for (int way = 1; way <= 2; way++)
        stream_one_way(buf, len, way, what);
}

static void stream_one_way(const char *buf, size_t len, int way, const char *what)
{
    iwmo_result whole, streamed;
    check_all(buf, len, 0, &whole);
    check_all(buf, len, way, &streamed);
    if (streamed.well_formed)
        assert_non_null(streamed.pieces_buf);
    assert_int_equal(whole.well_formed, streamed.well_formed);
    assert_int_equal(whole.identified, streamed.identified);
    assert_int_equal(whole.schema_valid, streamed.schema_valid);
    assert_int_equal(whole.valid, streamed.valid);
    assert_same_findings(&whole.findings, &streamed.findings, what);
    iwmo_result_free(&whole);
    iwmo_result_free(&streamed);
}

static void test_streamed_check_agrees(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    char *buf = build_323(&m);
    stream_both(buf, strlen(buf), "valid, streamed");
    free(buf);
    m.c[2].bsn = "999990019";                   /* TR101 across pieces */
    buf = build_323(&m);
    stream_both(buf, strlen(buf), "TR101, streamed");
    free(buf);
    m = valid_message(&JW);
    m.total_off = 1;                            /* TR358 */
    buf = build_323(&m);
    stream_both(buf, strlen(buf), "TR358, streamed");
    free(buf);
}

static void test_streamed_broken_files(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    char *buf = build_323(&m);
    size_t len = strlen(buf);
    stream_both(buf, len * 2 / 3, "cut off");   /* malformed: same line and reason */
    char *bad = strstr(buf, "999990032");       /* a BSN the schema refuses */
    assert_non_null(bad);
    memcpy(bad, "99999003X", 9);
    stream_both(buf, len, "schema-invalid BSN");
    iwmo_result r;
    check_all(buf, len, 2, &r);
    assert_false(r.schema_valid);
    for (size_t i = 0; i < r.findings.count; i++)
        assert_null(strstr(r.findings.items[i].message, "99999003X"));   /* the value is withheld */
    iwmo_result_free(&r);
    free(buf);

    buf = build_323(&m);                        /* nested past the depth limit inside a Client */
    char *bsn = strstr(buf, "999990032");
    assert_non_null(bsn);
    size_t deep_len = strlen(buf) + 70 * 8;
    char *deep = malloc(deep_len);
    assert_non_null(deep);
    size_t o = (size_t)snprintf(deep, deep_len, "%.*s", (int)(bsn - buf), buf);
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(deep + o, deep_len - o, "<x>");
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(deep + o, deep_len - o, "</x>");
    snprintf(deep + o, deep_len - o, "%s", bsn);
    stream_both(deep, strlen(deep), "too deep");
    free(deep);
    free(buf);

    buf = build_323(&m);                        /* declared in another encoding: refused as a whole */
    char *enc = strstr(buf, "UTF-8");
    assert_non_null(enc);
    size_t n = strlen(buf) + 16;
    char *latin = malloc(n);
    assert_non_null(latin);
    snprintf(latin, n, "%.*sISO-8859-1%s", (int)(enc - buf), buf, enc + 5);
    check_all(latin, strlen(latin), 2, &r);
    assert_false(r.well_formed);
    assert_int_equal(r.findings.count, 1);
    assert_string_equal(r.findings.items[0].rule, "OP192");
    iwmo_result_free(&r);
    check_all(latin, strlen(latin), 0, &r);
    assert_false(r.well_formed);                /* refused whole as well */
    iwmo_result_free(&r);
    free(latin);
    free(buf);
}

static int count_piece(xmlDocPtr piece, void *ctx)
{
    xmlNodePtr root = xmlDocGetRootElement(piece);
    assert_non_null(root);
    int *clients = ctx;
    for (xmlNodePtr n = root->last->last->children; n; n = n->next)
        (*clients)++;
    return 0;
}

static void test_pieces_and_when_to_stream(void **state)
{
    (void)state;
    message m = valid_message(&WMO);
    char *buf = build_323(&m);
    size_t len = strlen(buf);
    iwmo_result r;
    check_all(buf, len, 1, &r);
    int clients = 0;
    assert_int_equal(iwmo_pieces_each(&r, 2, count_piece, &clients), 0);
    assert_int_equal(clients, 3);               /* every Client once, in pieces of 2 */
    assert_non_null(r.pieces_index);
    assert_int_equal(r.pieces_index->bsns.n, 3);
    assert_int_equal(r.pieces_index->refs.n, 5);
    assert_true(r.pieces_index->credits && r.pieces_index->debets);
    iwmo_result_free(&r);

    iwmo_limits lim;
    iwmo_limits_default(&lim);
    assert_int_equal(iwmo_stream_wanted(buf, len, &lim), 0);     /* below 4 MB */
    lim.stream_from = 1;
    assert_int_equal(iwmo_stream_wanted(buf, len, &lim), 1);
    lim.stream_from = 0;
    assert_int_equal(iwmo_stream_wanted(buf, len, &lim), 0);     /* never */
    lim.stream_from = 1;
    char *dt = malloc(len + 64);
    assert_non_null(dt);
    char *root = strstr(buf, "<" );
    root = strstr(root + 1, "<");               /* after the XML declaration */
    snprintf(dt, len + 64, "%.*s<!DOCTYPE x>%s", (int)(root - buf), buf, root);
    assert_int_equal(iwmo_stream_wanted(dt, strlen(dt), &lim), 0);   /* parsed whole, and refused there */
    free(dt);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_message_has_no_findings),
        cmocka_unit_test(test_tr101_client_bsn),
        cmocka_unit_test(test_tr101_prestatie_within_repeated_client),
        cmocka_unit_test(test_tr315_vorig_unique),
        cmocka_unit_test(test_tr316_no_credit_of_own_line),
        cmocka_unit_test(test_tr358_total),
        cmocka_unit_test(test_tr416_one_debit_per_delivery),
        cmocka_unit_test(test_findings_are_not_repeated),
        cmocka_unit_test(test_other_types_unchanged),
        cmocka_unit_test(test_streamed_check_agrees),
        cmocka_unit_test(test_streamed_broken_files),
        cmocka_unit_test(test_pieces_and_when_to_stream),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    iwmo_schemaset_free(set);
    return failed;
}
