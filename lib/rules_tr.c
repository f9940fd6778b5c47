/*
 * rules_tr.c - the technical rules checked inside one message (the "xslt"
 * group of the iWmo 3.2 and iJw 3.2 standards, retourcode 0001). Each rule
 * is one table row and one check function that walks the DOM by local name.
 * Messages never quote a BSN, a name or a birth date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

/* ---- small helpers ------------------------------------------------------ */

static int msgno(const rule_ctx *c)
{
    return c->type->type;
}

static int is_iwmo(const rule_ctx *c)
{
    return c->type->standard == IWMO_STD_IWMO;
}

static long line_of(xmlNodePtr n)
{
    return n ? xmlGetLineNo(n) : 0;
}

static void fmt_date(iwmo_date d, char *buf, size_t n)
{
    iwmo_date_format(d, buf, n);
}

/* Amount in cents as euros, "-12.34", integer arithmetic only. */
static void fmt_cents(long long v, char *buf, size_t n)
{
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    snprintf(buf, n, "%s%llu.%02llu", v < 0 ? "-" : "", a / 100, a % 100);
}

/* An amount with its DebetCredit sibling: debit positive, credit negative. */
static int signed_amount(xmlNodePtr parent, const char *field, long long *out)
{
    char dc[8];
    long long v;
    if (xu_long(parent, field, &v) < 0)
        return -1;
    xu_text(parent, "DebetCredit", dc, sizeof(dc));
    *out = strcmp(dc, "C") == 0 ? -v : v;
    return 0;
}

/* Element child at path that holds a date after limit (or NULL). */
static xmlNodePtr date_after(xmlNodePtr n, const char *path, iwmo_date limit)
{
    xmlNodePtr e = xu_path(n, path);
    iwmo_date d = xu_date(e, NULL);
    return e && d != IWMO_NO_DATE && d > limit ? e : NULL;
}

/*
 * A list of (key, element) pairs sorted by key and then document order, for
 * the uniqueness rules: sorting keeps them fast on a large declaratie.
 */
typedef struct {
    char *key;
    xmlNodePtr node;
    size_t order;
} key_entry;

typedef struct {
    key_entry *v;
    size_t n, cap;
} key_list;

static int kl_add(key_list *l, const char *key, xmlNodePtr node)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        key_entry *nv = realloc(l->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = ncap;
    }
    char *k = strdup(key);
    if (!k)
        return -1;
    l->v[l->n] = (key_entry){k, node, l->n};
    l->n++;
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    const key_entry *x = a, *y = b;
    int d = strcmp(x->key, y->key);
    return d ? d : (x->order > y->order) - (x->order < y->order);
}

static void kl_sort(key_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), key_cmp);
}

static void kl_free(key_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].key);
    free(l->v);
}

/* Index of the first entry whose key is not below key (sorted list). */
static size_t kl_lower(const key_list *l, const char *key)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(l->v[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Entry holding key in a sorted list (the first in document order), or NULL. */
static const key_entry *kl_find(const key_list *l, const char *key)
{
    size_t i = kl_lower(l, key);
    return i < l->n && strcmp(l->v[i].key, key) == 0 ? &l->v[i] : NULL;
}

/* The first entry with entry i's key when that is an earlier one; NULL for the first. */
static const key_entry *kl_earlier(const key_list *l, size_t i)
{
    if (i == 0 || strcmp(l->v[i - 1].key, l->v[i].key) != 0)
        return NULL;
    return kl_find(l, l->v[i].key);
}

/* Every element named local below the root, keyed by its text. */
static void kl_texts(key_list *l, xmlNodePtr root, const char *local)
{
    char v[128];
    for (xmlNodePtr e = xu_first_desc(root, local); e; e = xu_next_desc(root, e, local))
        if (kl_add(l, xu_text(e, NULL, v, sizeof(v)), e) < 0)
            return;
    kl_sort(l);
}

/* ---- TR002 -------------------------------------------------------------- */

/* TR002: a birth date may lie at most 120 years before the Dagtekening, unless it is marked unknown. */
static void check_tr002(rule_ctx *c, const rule *r)
{
    if (c->dagtekening == IWMO_NO_DATE)
        return;
    iwmo_date limit = iwmo_date_add_years(c->dagtekening, -120);
    iwmo_date unknown = iwmo_date_make(1900, 1, 1);
    /* Every Geboortedatum in the message: the client's and (301) a relation's. */
    FOR_ALL(c, g, "Geboortedatum") {
        char use[8];
        xmlNodePtr datum = xu_child(g, "Datum");
        iwmo_date d = xu_date(datum, NULL);
        xu_text(g, "DatumGebruik", use, sizeof(use));
        if (d == IWMO_NO_DATE || (strcmp(use, "3") == 0 && d == unknown))
            continue;
        if (d < limit)
            rule_fail(c, r, datum, "Geboortedatum lies more than 120 years before Dagtekening "
                      "and is not marked unknown (DatumGebruik 3 with 1900-01-01)");
    }
}

/* ---- TR006 -------------------------------------------------------------- */

/* TR006: every Contact carries a Telefoon, or an Adres with both Huis and Postcode. */
static void check_tr006(rule_ctx *c, const rule *r)
{
    FOR_ALL(c, k, "Contact") {
        int phone = xu_has(k, "Telefoon");
        int address = xu_has(k, "Adres/Huis") && xu_has(k, "Adres/Postcode");
        if (!phone && !address)
            rule_fail(c, r, k, "Contact has neither Telefoon nor an Adres with Huis and Postcode");
    }
}

/* ---- TR018 -------------------------------------------------------------- */

/* TR018: a StopProduct's Einddatum is on or after its Begindatum. */
static void check_tr018(rule_ctx *c, const rule *r)
{
    FOR_ALL(c, p, "StopProduct") {
        iwmo_date b = xu_date(p, "Begindatum");
        xmlNodePtr e = xu_child(p, "Einddatum");
        iwmo_date d = xu_date(e, NULL);
        if (b == IWMO_NO_DATE || d == IWMO_NO_DATE || d >= b)
            continue;
        char bs[16], ds[16];
        fmt_date(b, bs, sizeof(bs));
        fmt_date(d, ds, sizeof(ds));
        rule_fail(c, r, e, "StopProduct Einddatum %s is before Begindatum %s", ds, bs);
    }
}

/* ---- TR061 -------------------------------------------------------------- */

/* TR061: the client has at least one Contact of Soort 01, 02 or 03 (BRP, correspondence, stay). */
static void check_tr061(rule_ctx *c, const rule *r)
{
    /* Only the client's own addresses (Contactgegevens), not a relation's Contact. */
    FOR_ALL(c, cl, "Client") {
        xmlNodePtr list = xu_child(cl, "Contactgegevens");
        int found = 0;
        for (xmlNodePtr k = xu_child(list, "Contact"); k && !found; k = xu_next(k, "Contact")) {
            char soort[8];
            xu_text(k, "Soort", soort, sizeof(soort));
            found = !strcmp(soort, "01") || !strcmp(soort, "02") || !strcmp(soort, "03");
        }
        if (!found)
            rule_fail(c, r, list ? list : cl,
                      "Client has no Contact with Soort 01, 02 or 03 (BRP, correspondence or stay address)");
    }
}

/* ---- TR101 -------------------------------------------------------------- */

/*
 * The logical key of each message class (element names), per message type.
 * A class is identified by its key together with the keys of the keyed
 * classes above it. StatusAanlevering is not part of a key: a deletion and a
 * re-delivery with the same key in one message is a duplicate.
 */
typedef struct {
    int msg;
    const char *cls;
    const char *parent;         /* NULL: any parent */
    const char *fields[7];
} key_spec;

static const key_spec key_specs[] = {
    {301, "Client", NULL, {"Bsn"}},
    {301, "Relatie", "Relaties", {"Nummer"}},
    {301, "Contact", "Contactgegevens", {"Soort"}},
    {301, "ToegewezenProduct", NULL, {"ToewijzingNummer"}},
    {305, "Client", NULL, {"Bsn"}},
    {305, "StartProduct", NULL,
     {"ToewijzingNummer", "Product/Categorie", "Product/Code", "Begindatum"}},
    {307, "Client", NULL, {"Bsn"}},
    {307, "StopProduct", NULL,
     {"ToewijzingNummer", "Product/Categorie", "Product/Code", "Begindatum", "Einddatum",
      "RedenBeeindiging"}},
    {315, "Client", NULL, {"Bsn"}},
    {315, "AangevraagdProduct", NULL, {"ReferentieAanbieder"}},
    {317, "Client", NULL, {"Bsn"}},
    {317, "Verzoek", NULL, {"ReferentieAanbieder"}},
    {317, "OngewijzigdProduct", NULL, {"ToewijzingNummer"}},
    {317, "TeWijzigenProduct", NULL, {"ToewijzingNummer"}},
    {317, "NieuwProduct", NULL, {"GewensteIngangsdatum", "Product/Categorie", "Product/Code"}},
    {323, "Client", NULL, {"Bsn"}},
    {323, "Prestatie", NULL,
     {"ProductReferentie/ReferentieNummer", "ProductReferentie/VorigReferentieNummer"}},
    {325, "Client", NULL, {"Bsn"}},
    {325, "Prestatie", NULL,
     {"ProductReferentie/ReferentieNummer", "ProductReferentie/VorigReferentieNummer"}},
};
#define NKEYS (sizeof(key_specs) / sizeof(key_specs[0]))

static const key_spec *spec_of(int msg, xmlNodePtr n)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const key_spec *s = &key_specs[i];
        if (s->msg == msg && xu_is(n, s->cls) && (!s->parent || xu_is(n->parent, s->parent)))
            return s;
    }
    return NULL;
}

/* Append n's own key, after the keys of the keyed classes above it. */
static void full_key(int msg, xmlNodePtr n, char *out, size_t size)
{
    const key_spec *s = spec_of(msg, n);
    if (n->parent && n->parent->type == XML_ELEMENT_NODE)
        full_key(msg, n->parent, out, size);
    if (!s)
        return;
    for (size_t i = 0; i < 7 && s->fields[i]; i++) {
        char v[128];
        size_t o = strlen(out);
        xu_text(n, s->fields[i], v, sizeof(v));
        snprintf(out + o, size - o, "%s\x1f", v);
    }
    size_t o = strlen(out);
    snprintf(out + o, size - o, "\x1e");
}

/* The i-th key spec of message type msg, or NULL past the end. */
static const key_spec *nth_spec(int msg, size_t i)
{
    for (size_t k = 0; k < NKEYS; k++)
        if (key_specs[k].msg == msg && i-- == 0)
            return &key_specs[k];
    return NULL;
}

const char *tr101_class(int msg, size_t i)
{
    const key_spec *s = nth_spec(msg, i);
    return s ? s->cls : NULL;
}

int tr101_key(int msg, size_t i, xmlNodePtr e, char *out, size_t size)
{
    const key_spec *s = nth_spec(msg, i);
    out[0] = '\0';
    if (!s || spec_of(msg, e) != s)
        return -1;
    full_key(msg, e, out, size);
    return 0;
}

void tr101_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, const char *cls,
                  long first_line)
{
    rule_fail_at(c, r, at, line, "duplicate %s: same logical key as the %s on line %ld",
                 cls, cls, first_line);
}

/* Report every instance of the i-th keyed class whose full key was already seen earlier. */
static void report_duplicates(rule_ctx *c, const rule *r, size_t i)
{
    key_list l = {0};
    const char *cls = tr101_class(msgno(c), i);
    FOR_ALL(c, e, cls) {
        char key[RULE_KEY_MAX];
        if (tr101_key(msgno(c), i, e, key, sizeof(key)) < 0)
            continue;
        if (kl_add(&l, key, e) < 0)
            break;
    }
    kl_sort(&l);
    for (size_t k = 1; k < l.n; k++) {
        const key_entry *first = kl_earlier(&l, k);
        if (first)
            tr101_report(c, r, l.v[k].node, 0, cls, line_of(first->node));
    }
    kl_free(&l);
}

/* TR101: no message class occurs twice with the same logical key (within its parents' keys). */
static void check_tr101(rule_ctx *c, const rule *r)
{
    for (size_t i = 0; tr101_class(msgno(c), i); i++)
        report_duplicates(c, r, i);
}

/* ---- TR134 -------------------------------------------------------------- */

/*
 * The dates that must exist and not lie after the Dagtekening. The rule file
 * names only the message types; these are the elements that record something
 * that has already happened when the message is sent: birth dates, the date
 * an assignment was decided, the start and end of a delivery that is being
 * reported, the declaration's own date, the start of a declared period and,
 * in the answer, the declaration's Dagtekening.
 */
typedef struct {
    int msg;
    const char *cls;
    const char *path;
} date_spec;

static const date_spec past_dates[] = {
    {301, "Geboortedatum", "Datum"},
    {301, "ToegewezenProduct", "Toewijzingsdatum"},
    {305, "Geboortedatum", "Datum"},
    {305, "StartProduct", "Begindatum"},
    {307, "Geboortedatum", "Datum"},
    {307, "StopProduct", "Begindatum"},
    {307, "StopProduct", "Einddatum"},
    {315, "Geboortedatum", "Datum"},
    {323, "Declaratie", "DeclaratieDagtekening"},
    {323, "ProductPeriode", "Begindatum"},
    {325, "DeclaratieIdentificatie", "Dagtekening"},
    {325, "ProductPeriode", "Begindatum"},
};
#define NPAST (sizeof(past_dates) / sizeof(past_dates[0]))

/* TR134: recorded past dates (see past_dates) are not later than the Dagtekening. */
static void check_tr134(rule_ctx *c, const rule *r)
{
    if (c->dagtekening == IWMO_NO_DATE)
        return;
    char dt[16];
    fmt_date(c->dagtekening, dt, sizeof(dt));
    for (size_t i = 0; i < NPAST; i++) {
        const date_spec *s = &past_dates[i];
        if (s->msg != msgno(c))
            continue;
        FOR_ALL(c, n, s->cls) {
            xmlNodePtr e = date_after(n, s->path, c->dagtekening);
            if (!e)
                continue;
            if (!strcmp(s->cls, "Geboortedatum")) {
                rule_fail(c, r, e, "Geboortedatum lies after Dagtekening %s", dt);
            } else {
                char ds[16];
                fmt_date(xu_date(e, NULL), ds, sizeof(ds));
                rule_fail(c, r, e, "%s %s %s lies after Dagtekening %s", s->cls, s->path, ds, dt);
            }
        }
    }
}

/* ---- TR137 -------------------------------------------------------------- */

/*
 * TR137: a declared period ends on or after its Begindatum and not after the
 * Dagtekening. Applied to ProductPeriode and (323) DeclaratiePeriode: both
 * describe care that must have been delivered before it is declared.
 */
static void check_tr137(rule_ctx *c, const rule *r)
{
    static const char *const periods[] = {"ProductPeriode", "DeclaratiePeriode"};
    for (size_t i = 0; i < 2; i++) {
        FOR_ALL(c, p, periods[i]) {
            xmlNodePtr e = xu_child(p, "Einddatum");
            iwmo_date b = xu_date(p, "Begindatum"), d = xu_date(e, NULL);
            char bs[16], ds[16], dt[16];
            fmt_date(b, bs, sizeof(bs));
            fmt_date(d, ds, sizeof(ds));
            fmt_date(c->dagtekening, dt, sizeof(dt));
            if (d != IWMO_NO_DATE && b != IWMO_NO_DATE && d < b)
                rule_fail(c, r, e, "%s Einddatum %s is before Begindatum %s", periods[i], ds, bs);
            else if (d != IWMO_NO_DATE && c->dagtekening != IWMO_NO_DATE && d > c->dagtekening)
                rule_fail(c, r, e, "%s Einddatum %s lies after Dagtekening %s", periods[i], ds, dt);
        }
    }
}

/* ---- TR302, TR386, TR410: overlapping periods of the same product ------- */

typedef struct {
    xmlNodePtr node;
    char cat[8];
    char code[16];
    iwmo_date from, to;         /* to = IWMO_NO_DATE: open end */
} product_period;

/* iWmo lets products of categories 11 to 14 overlap, also at category level. */
static int may_stack(const rule_ctx *c, const product_period *p)
{
    return is_iwmo(c) && (!strcmp(p->cat, "11") || !strcmp(p->cat, "12") ||
                          !strcmp(p->cat, "13") || !strcmp(p->cat, "14"));
}

static int same_product(const rule_ctx *c, const product_period *a, const product_period *b)
{
    if (may_stack(c, a) || may_stack(c, b))
        return 0;
    if (!a->cat[0] || !b->cat[0])
        return 1;               /* no product at all: clashes with any other */
    if (strcmp(a->cat, b->cat) != 0)
        return 0;
    if (!a->code[0] || !b->code[0])
        return 1;               /* no code: compared at category level */
    return strcmp(a->code, b->code) == 0;
}

static int periods_overlap(const product_period *a, const product_period *b)
{
    int a_before_b_ends = b->to == IWMO_NO_DATE || a->from <= b->to;
    int b_before_a_ends = a->to == IWMO_NO_DATE || b->from <= a->to;
    return a_before_b_ends && b_before_a_ends;
}

/*
 * TR302 leaves out deleted assignments: Einddatum equal to Ingangsdatum with
 * RedenWijziging 13 (deleted) or 01 (administrative correction).
 */
static int is_withdrawn(xmlNodePtr p)
{
    char why[8];
    iwmo_date from = xu_date(p, "Ingangsdatum"), to = xu_date(p, "Einddatum");
    xu_text(p, "RedenWijziging", why, sizeof(why));
    return from != IWMO_NO_DATE && from == to && (!strcmp(why, "13") || !strcmp(why, "01"));
}

static size_t collect_products(rule_ctx *c, const char *cls, const char *from, const char *to,
                               int skip_withdrawn, product_period **out)
{
    size_t n = 0, cap = 0;
    product_period *v = NULL;
    FOR_ALL(c, p, cls) {
        if ((skip_withdrawn && is_withdrawn(p)) || xu_date(p, from) == IWMO_NO_DATE)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            product_period *nv = realloc(v, ncap * sizeof(*v));
            if (!nv)
                break;
            v = nv;
            cap = ncap;
        }
        v[n].node = p;
        xu_text(p, "Product/Categorie", v[n].cat, sizeof(v[n].cat));
        xu_text(p, "Product/Code", v[n].code, sizeof(v[n].code));
        v[n].from = xu_date(p, from);
        v[n].to = xu_date(p, to);
        n++;
    }
    *out = v;
    return n;
}

static void check_overlaps(rule_ctx *c, const rule *r, const char *cls, const char *from,
                           const char *to, int skip_withdrawn)
{
    product_period *v;
    size_t n = collect_products(c, cls, from, to, skip_withdrawn, &v);
    for (size_t i = 1; i < n; i++) {
        for (size_t k = 0; k < i; k++) {
            if (same_product(c, &v[i], &v[k]) && periods_overlap(&v[i], &v[k])) {
                rule_fail(c, r, v[i].node, "%s (Categorie '%s', Code '%s') overlaps in period "
                          "with the %s on line %ld for the same product", cls, v[i].cat,
                          v[i].code, cls, line_of(v[k].node));
                break;
            }
        }
    }
    free(v);
}

/* TR302: one product is assigned more than once only for periods that do not overlap. */
static void check_tr302(rule_ctx *c, const rule *r)
{
    check_overlaps(c, r, "ToegewezenProduct", "Ingangsdatum", "Einddatum", 1);
}

/* TR386: one product is requested more than once only for periods that do not overlap. */
static void check_tr386(rule_ctx *c, const rule *r)
{
    check_overlaps(c, r, "AangevraagdProduct", "ToewijzingIngangsdatum", "ToewijzingEinddatum", 0);
}

/* TR410: among the NieuwProduct classes a product recurs only for periods that do not overlap. */
static void check_tr410(rule_ctx *c, const rule *r)
{
    check_overlaps(c, r, "NieuwProduct", "GewensteIngangsdatum", "Einddatum", 0);
}

/* ---- declaration rules: TR315, TR316, TR335, TR342, TR358, TR416 -------- */

void tr315_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, const char *value,
                  long first_line)
{
    rule_fail_at(c, r, at, line, "VorigReferentieNummer '%s' already used on line %ld", value,
                 first_line);
}

void tr316_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, const char *value,
                  long credited_line)
{
    rule_fail_at(c, r, at, line, "VorigReferentieNummer '%s' credits the Prestatie on line %ld "
                 "of this same message", value, credited_line);
}

/* TR315: no two Prestaties in the message name the same VorigReferentieNummer. */
static void check_tr315(rule_ctx *c, const rule *r)
{
    key_list l = {0};
    kl_texts(&l, c->root, "VorigReferentieNummer");
    for (size_t i = 1; i < l.n; i++) {
        const key_entry *first = kl_earlier(&l, i);
        if (first)
            tr315_report(c, r, l.v[i].node, 0, l.v[i].key, line_of(first->node));
    }
    kl_free(&l);
}

/* TR316: a Prestatie does not credit (VorigReferentieNummer) a Prestatie of the same message. */
static void check_tr316(rule_ctx *c, const rule *r)
{
    key_list refs = {0};
    kl_texts(&refs, c->root, "ReferentieNummer");
    FOR_ALL(c, a, "VorigReferentieNummer") {
        char v[128];
        const key_entry *hit = kl_find(&refs, xu_text(a, NULL, v, sizeof(v)));
        if (hit)
            tr316_report(c, r, a, 0, v, line_of(hit->node));
    }
    kl_free(&refs);
}

/* TR335: a Prestatie's period ends at most 5 years before the DeclaratieDagtekening. */
static void check_tr335(rule_ctx *c, const rule *r)
{
    iwmo_date dd = xu_date(c->root, "Declaratie/DeclaratieDagtekening");
    if (dd == IWMO_NO_DATE)
        return;
    iwmo_date limit = iwmo_date_add_years(dd, -5);
    FOR_ALL(c, p, "ProductPeriode") {
        xmlNodePtr e = xu_child(p, "Einddatum");
        iwmo_date d = xu_date(e, NULL);
        if (d == IWMO_NO_DATE || d >= limit)
            continue;
        char ds[16], dds[16];
        fmt_date(d, ds, sizeof(ds));
        fmt_date(dd, dds, sizeof(dds));
        rule_fail(c, r, e, "ProductPeriode Einddatum %s lies more than 5 years before "
                  "DeclaratieDagtekening %s", ds, dds);
    }
}

/* Does a RetourCodes list hold a refusal: any code other than 0200 (no remark) and 8001
 * (declaratie fully granted, IV087)? */
static int has_refusal(xmlNodePtr codes)
{
    char v[8];
    for (xmlNodePtr k = xu_child(codes, "RetourCode"); k; k = xu_next(k, "RetourCode")) {
        xu_text(k, NULL, v, sizeof(v));
        if (strcmp(v, "0200") != 0 && strcmp(v, "8001") != 0)
            return 1;
    }
    return 0;
}

/* TR342 when the whole DeclaratieAntwoord is refused: no Prestaties, nothing granted. */
static void tr342_refused(rule_ctx *c, const rule *r, xmlNodePtr da)
{
    long long granted;
    xmlNodePtr tt = xu_child(da, "TotaalToegekendBedrag");
    if (signed_amount(tt, "TotaalBedrag", &granted) == 0 && granted != 0)
        rule_fail(c, r, xu_child(tt, "TotaalBedrag"),
                  "DeclaratieAntwoord is refused as a whole, so TotaalToegekendBedrag must be 0");
    xmlNodePtr p = xu_first_desc(da, "Prestatie");
    if (p)
        rule_fail(c, r, p, "DeclaratieAntwoord is refused as a whole, so no Prestatie may be included");
}

/*
 * TR342: an answer lists only refused Prestaties. When the DeclaratieAntwoord
 * itself is refused (a retourcode other than 0200), nothing is assessed:
 * no Prestaties, TotaalToegekendBedrag 0. Otherwise every Prestatie carries a
 * refusal code and the listed amounts explain the difference between the
 * submitted and the granted totals exactly.
 */
static void check_tr342(rule_ctx *c, const rule *r)
{
    xmlNodePtr da = xu_child(c->root, "DeclaratieAntwoord");
    if (!da)
        return;
    if (has_refusal(xu_child(da, "RetourCodes"))) {
        tr342_refused(c, r, da);
        return;
    }
    long long sum = 0, in, granted, v;
    for (xmlNodePtr p = xu_first_desc(da, "Prestatie"); p; p = xu_next_desc(da, p, "Prestatie")) {
        if (!has_refusal(xu_child(p, "RetourCodes")))
            rule_fail(c, r, p, "Prestatie is not refused (only retourcode 0200) but is included "
                      "in the answer");
        if (signed_amount(xu_child(p, "IngediendBedrag"), "Bedrag", &v) == 0)
            sum += v;
    }
    xmlNodePtr ti = xu_child(da, "TotaalIngediendBedrag"), tt = xu_child(da, "TotaalToegekendBedrag");
    if (signed_amount(ti, "TotaalBedrag", &in) < 0 || signed_amount(tt, "TotaalBedrag", &granted) < 0)
        return;
    if (sum != in - granted) {
        char s1[32], s2[32];
        fmt_cents(sum, s1, sizeof(s1));
        fmt_cents(in - granted, s2, sizeof(s2));
        rule_fail(c, r, xu_child(tt, "TotaalBedrag"), "refused Prestaties add up to %s but "
                  "TotaalIngediendBedrag minus TotaalToegekendBedrag is %s", s1, s2);
    }
}

/* TR352: a change request names at least one OngewijzigdProduct or TeWijzigenProduct. */
static void check_tr352(rule_ctx *c, const rule *r)
{
    FOR_ALL(c, v, "Verzoek")
        if (!xu_first_desc(v, "OngewijzigdProduct") && !xu_first_desc(v, "TeWijzigenProduct"))
            rule_fail(c, r, v, "Verzoek has neither an OngewijzigdProduct nor a TeWijzigenProduct");
}

/* TR353: a change request changes something: at least one TeWijzigenProduct or NieuwProduct. */
static void check_tr353(rule_ctx *c, const rule *r)
{
    FOR_ALL(c, v, "Verzoek")
        if (!xu_first_desc(v, "TeWijzigenProduct") && !xu_first_desc(v, "NieuwProduct"))
            rule_fail(c, r, v, "Verzoek has neither a TeWijzigenProduct nor a NieuwProduct");
}

xmlNodePtr tr358_total(xmlNodePtr declaratie, long long *total)
{
    xmlNodePtr ti = xu_child(declaratie, "TotaalIngediendBedrag");
    if (signed_amount(ti, "TotaalBedrag", total) < 0)
        return NULL;
    return xu_child(ti, "TotaalBedrag");
}

long long tr358_sum(xmlNodePtr declaratie)
{
    long long sum = 0, v;
    for (xmlNodePtr p = xu_first_desc(declaratie, "Prestatie"); p;
         p = xu_next_desc(declaratie, p, "Prestatie"))
        if (signed_amount(xu_child(p, "IngediendBedrag"), "Bedrag", &v) == 0)
            sum += v;
    return sum;
}

void tr358_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, long long total,
                  long long sum)
{
    char s1[32], s2[32];
    fmt_cents(total, s1, sizeof(s1));
    fmt_cents(sum, s2, sizeof(s2));
    rule_fail_at(c, r, at, line, "TotaalIngediendBedrag %s differs from the sum of the "
                 "Prestaties' IngediendBedrag %s (debit minus credit)", s1, s2);
}

/* TR358: TotaalIngediendBedrag equals the Prestaties' IngediendBedrag, debit minus credit. */
static void check_tr358(rule_ctx *c, const rule *r)
{
    xmlNodePtr d = xu_child(c->root, "Declaratie");
    long long total, sum;
    xmlNodePtr at = tr358_total(d, &total);
    if (at && (sum = tr358_sum(d)) != total)
        tr358_report(c, r, at, 0, total, sum);
}

/* TR377: RedenAfwijzingVerzoek 8 (residence rule) comes with a Woonplaatsbeginsel class. */
static void check_tr377(rule_ctx *c, const rule *r)
{
    xmlNodePtr a = xu_child(c->root, "Antwoord");
    char why[8];
    xu_text(a, "RedenAfwijzingVerzoek", why, sizeof(why));
    if (!strcmp(why, "8") && !xu_has(a, "Woonplaatsbeginsel"))
        rule_fail(c, r, xu_child(a, "RedenAfwijzingVerzoek"),
                  "RedenAfwijzingVerzoek 8 requires a Woonplaatsbeginsel");
}

/* TR380: a NieuwProduct's GewensteIngangsdatum lies after the Dagtekening. */
static void check_tr380(rule_ctx *c, const rule *r)
{
    /*
     * A TeWijzigenProduct may keep a past date (TR357 covers it, and the FAQ
     * allows it); the future date is required of new products only.
     */
    if (c->dagtekening == IWMO_NO_DATE)
        return;
    FOR_ALL(c, p, "NieuwProduct") {
        xmlNodePtr e = xu_child(p, "GewensteIngangsdatum");
        iwmo_date d = xu_date(e, NULL);
        if (d == IWMO_NO_DATE || d > c->dagtekening)
            continue;
        char ds[16], dt[16];
        fmt_date(d, ds, sizeof(ds));
        fmt_date(c->dagtekening, dt, sizeof(dt));
        rule_fail(c, r, e, "NieuwProduct GewensteIngangsdatum %s is not after Dagtekening %s", ds, dt);
    }
}

/* TR383: each AangevraagdProduct has its own ReferentieAanbieder. */
static void check_tr383(rule_ctx *c, const rule *r)
{
    key_list l = {0};
    char v[128];
    FOR_ALL(c, a, "AangevraagdProduct") {
        xmlNodePtr ra = xu_child(a, "ReferentieAanbieder");
        if (ra && kl_add(&l, xu_text(ra, NULL, v, sizeof(v)), ra) < 0)
            break;
    }
    kl_sort(&l);
    for (size_t i = 1; i < l.n; i++) {
        const key_entry *first = kl_earlier(&l, i);
        if (first)
            rule_fail(c, r, l.v[i].node, "ReferentieAanbieder '%s' already used by the "
                  "AangevraagdProduct on line %ld", l.v[i].key, line_of(first->node));
    }
    kl_free(&l);
}

/* TR409: without RedenAfwijzingVerzoek 8 there is no Woonplaatsbeginsel class. */
static void check_tr409(rule_ctx *c, const rule *r)
{
    /* An absent RedenAfwijzingVerzoek is "not 8" too. */
    xmlNodePtr a = xu_child(c->root, "Antwoord");
    char why[8];
    xu_text(a, "RedenAfwijzingVerzoek", why, sizeof(why));
    xmlNodePtr w = xu_child(a, "Woonplaatsbeginsel");
    if (w && strcmp(why, "8") != 0)
        rule_fail(c, r, w, "Woonplaatsbeginsel is only allowed with RedenAfwijzingVerzoek 8");
}

int tr416_key(xmlNodePtr p, char *out, size_t size)
{
    static const char *const keys[] = {"ToewijzingNummer", "ProductCategorie", "ProductCode",
                                       "ProductPeriode/Begindatum", "ProductPeriode/Einddatum"};
    char dc[8];
    out[0] = '\0';
    if (strcmp(xu_text(p, "IngediendBedrag/DebetCredit", dc, sizeof(dc)), "D") != 0)
        return -1;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char v[64];
        size_t o = strlen(out);
        snprintf(out + o, size - o, "%s\x1f", xu_text(p, keys[i], v, sizeof(v)));
    }
    return 0;
}

void tr416_report(rule_ctx *c, const rule *r, xmlNodePtr at, long line, long first_line)
{
    rule_fail_at(c, r, at, line, "second debit Prestatie for the same ToewijzingNummer, "
                 "product and ProductPeriode (first on line %ld)", first_line);
}

/*
 * TR416: one debit Prestatie per ToewijzingNummer, ProductCategorie,
 * ProductCode and ProductPeriode in a message. Scope: the whole message (the
 * rule names no client); "the same period" read as equal begin and end dates.
 */
static void check_tr416(rule_ctx *c, const rule *r)
{
    key_list l = {0};
    FOR_ALL(c, p, "Prestatie") {
        char key[RULE_KEY_MAX];
        if (tr416_key(p, key, sizeof(key)) < 0)
            continue;
        if (kl_add(&l, key, p) < 0)
            break;
    }
    kl_sort(&l);
    for (size_t i = 1; i < l.n; i++) {
        const key_entry *first = kl_earlier(&l, i);
        if (first)
            tr416_report(c, r, l.v[i].node, 0, line_of(first->node));
    }
    kl_free(&l);
}

/* ---- the table ------------------------------------------------------------ */

static const rule rows[] = {
    {{"TR002", "0001", 2, "WMO301 WMO305 WMO307 WMO315 JW301 JW305 JW307 JW315",
      "birth date at most 120 years before Dagtekening unless marked unknown"}, check_tr002},
    {{"TR006", "0001", 2, "WMO301 JW301",
      "each Contact has a phone number or a house number with postcode"}, check_tr006},
    {{"TR018", "0001", 2, "WMO307 JW307",
      "StopProduct end date not before its start date"}, check_tr018},
    {{"TR061", "0001", 2, "WMO301 JW301",
      "client has a BRP, correspondence or stay address"}, check_tr061},
    {{"TR101", "0001", 2, "WMO301 WMO305 WMO307 WMO315 WMO317 WMO323 WMO325 "
      "JW301 JW305 JW307 JW315 JW317 JW323 JW325",
      "no class twice with the same logical key"}, check_tr101},
    {{"TR134", "0001", 2, "WMO301 WMO305 WMO307 WMO315 WMO323 WMO325 "
      "JW301 JW305 JW307 JW315 JW323 JW325",
      "dates of past events not after Dagtekening"}, check_tr134},
    {{"TR137", "0001", 2, "WMO323 WMO325 JW323 JW325",
      "declared period ends on or after its start and not after Dagtekening"}, check_tr137},
    {{"TR302", "0001", 2, "WMO301 JW301",
      "same product assigned twice only for periods that do not overlap"}, check_tr302},
    {{"TR315", "0001", 2, "WMO323 JW323",
      "VorigReferentieNummer unique in the message"}, check_tr315},
    {{"TR316", "0001", 2, "WMO323 JW323",
      "no crediting of a Prestatie declared in the same message"}, check_tr316},
    {{"TR335", "0001", 2, "WMO323 JW323",
      "Prestatie period ends at most 5 years before DeclaratieDagtekening"}, check_tr335},
    {{"TR342", "0001", 2, "WMO325 JW325",
      "declaration answer lists only refused Prestaties, whose amounts explain the difference"},
     check_tr342},
    {{"TR352", "0001", 2, "WMO317 JW317",
      "change request has an unchanged or a changed product"}, check_tr352},
    {{"TR353", "0001", 2, "WMO317 JW317",
      "change request has a changed or a new product"}, check_tr353},
    {{"TR358", "0001", 2, "WMO323 JW323",
      "declared total equals the sum of the Prestaties, debit minus credit"}, check_tr358},
    {{"TR377", "0001", 2, "JW319",
      "refusal for the residence rule comes with Woonplaatsbeginsel"}, check_tr377},
    {{"TR380", "0001", 2, "WMO317 JW317",
      "new product's wished start date after Dagtekening"}, check_tr380},
    {{"TR383", "0001", 2, "WMO315 JW315",
      "ReferentieAanbieder unique per requested product"}, check_tr383},
    {{"TR386", "0001", 2, "WMO315 JW315",
      "same product requested twice only for periods that do not overlap"}, check_tr386},
    {{"TR409", "0001", 2, "JW319",
      "Woonplaatsbeginsel only with refusal for the residence rule"}, check_tr409},
    {{"TR410", "0001", 2, "WMO317 JW317",
      "same new product twice only for periods that do not overlap"}, check_tr410},
    {{"TR416", "0001", 2, "WMO323 JW323",
      "one debit Prestatie per assignment, product and period"}, check_tr416},
};

const rule_table rules_tr_table = {rows, sizeof(rows) / sizeof(rows[0])};
