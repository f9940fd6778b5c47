/*
 * contract.c - the contract file: parsing (libyaml, every error names
 * file:line, unknown keys are errors), the terms that apply to one
 * toewijzing, and werkdagen arithmetic. The daemon side that applies the
 * terms to the database is in contract_eval.c; the rules themselves and the
 * choices behind them are in docs/rules.md.
 *
 * Precedence: a term comes from the most specific override that sets it,
 * where naming the aanbieder counts most, then the standard, then the
 * product code, then the categorie; otherwise from defaults. Two overrides
 * with the same scope are refused, so there is never a tie.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "contract.h"

enum { SCOPE_CATEGORIE = 1, SCOPE_CODE = 2, SCOPE_STANDARD = 4, SCOPE_AANBIEDER = 8 };
enum { T_DEADLINE = 1, T_DECL = 2, T_PAY = 4, T_WARN = 8 };
enum { STD_IWMO = 1, STD_IJW = 2 };

typedef struct {
    char standard[8], aanbieder[16], categorie[8], code[16];
    unsigned scope;                     /* SCOPE_* */
    unsigned set;                       /* T_*: the terms this override sets */
    contract_terms t;
    int line;
} override;

struct contract {
    char *path;
    char gemeente[8];                   /* default gemeente of the tariffs */
    unsigned standards;                 /* STD_* the contract watches */
    iwmo_date effective_from;
    contract_terms defaults;
    iwmo_date *holidays;                /* sorted */
    size_t nholidays;
    override *ov;
    size_t nov;
    contract_tariff *tariffs;
    size_t ntariffs;
};

/* ---- reading ---------------------------------------------------------------- */

struct rd {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errsize;
    int failed;
    contract *c;
};

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

static void fail(struct rd *r, const yaml_node_t *n, const char *fmt, const char *arg)
{
    if (r->failed)
        return;
    r->failed = 1;
    char msg[256];
    snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
    snprintf(r->err, r->errsize, "%s:%d: %s", r->path, line_of(n), msg);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

typedef void (*key_fn)(struct rd *r, yaml_node_t *v, void *obj, const char *key);

struct key {
    const char *name;
    key_fn fn;
};

/* Dispatch each key of a mapping to its handler; unknown keys are errors. */
static void walk(struct rd *r, yaml_node_t *map, const struct key *keys, void *obj, const char *where)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        fail(r, map, "'%s' must be a mapping", where);
        return;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top && !r->failed; p++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const char *name = scalar(k);
        const struct key *hit = NULL;
        for (const struct key *kk = keys; name && kk->name && !hit; kk++)
            if (strcmp(kk->name, name) == 0)
                hit = kk;
        if (!hit)
            fail(r, k, "unknown key '%s'", name ? name : "?");
        else
            hit->fn(r, yaml_document_get_node(r->doc, p->value), obj, name);
    }
}

/* Call fn for every item of a sequence. */
static void each_item(struct rd *r, yaml_node_t *seq, const char *what,
                      void (*fn)(struct rd *r, yaml_node_t *item))
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE) {
        fail(r, seq, "'%s' must be a list", what);
        return;
    }
    for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top && !r->failed; i++)
        fn(r, yaml_document_get_node(r->doc, *i));
}

static int pattern_ok(const char *s, size_t len, int alnum)
{
    if (strlen(s) != len)
        return 0;
    for (; *s; s++)
        if (!(alnum ? isalnum((unsigned char)*s) : isdigit((unsigned char)*s)))
            return 0;
    return 1;
}

/* A code with a fixed shape: len digits (or alphanumerics) into out. */
static void read_code(struct rd *r, yaml_node_t *v, char *out, size_t n, size_t len, int alnum, const char *key)
{
    const char *s = scalar(v);
    char msg[96];
    if (s && pattern_ok(s, len, alnum)) {
        snprintf(out, n, "%s", s);
        return;
    }
    snprintf(msg, sizeof(msg), "'%%s' wants %zu %s (quote it)", len, alnum ? "letters or digits" : "digits");
    fail(r, v, msg, key);
}

static iwmo_date read_date(struct rd *r, yaml_node_t *v, const char *key)
{
    iwmo_date d = iwmo_date_parse(scalar(v));
    if (d == IWMO_NO_DATE)
        fail(r, v, "'%s' wants a date YYYY-MM-DD", key);
    return d;
}

static int read_int(struct rd *r, yaml_node_t *v, const char *key, long lo, long hi)
{
    const char *s = scalar(v);
    char *end, msg[96];
    long n = s && *s ? strtol(s, &end, 10) : 0;
    if (s && *s && !*end && n >= lo && n <= hi)
        return (int)n;
    snprintf(msg, sizeof(msg), "'%%s' wants a whole number from %ld to %ld", lo, hi);
    fail(r, v, msg, key);
    return 0;
}

static int read_bool(struct rd *r, yaml_node_t *v, const char *key)
{
    const char *s = scalar(v);
    if (s && strcmp(s, "true") == 0)
        return 1;
    if (!s || strcmp(s, "false") != 0)
        fail(r, v, "'%s' wants true or false", key);
    return 0;
}

static unsigned standard_bit(const char *s)
{
    return !s ? 0 : strcmp(s, "iwmo") == 0 ? STD_IWMO : strcmp(s, "ijw") == 0 ? STD_IJW : 0;
}

static void read_standard(struct rd *r, yaml_node_t *v, char *out, size_t n, const char *key)
{
    if (standard_bit(scalar(v)))
        snprintf(out, n, "%s", scalar(v));
    else
        fail(r, v, "'%s' wants iwmo or ijw", key);
}

/* Money as written in the contract: euros with at most two decimals ("31.50"), into cents. */
static long long read_money(struct rd *r, yaml_node_t *v, const char *key)
{
    const char *s = scalar(v), *p = s;
    long long euros = 0, cents = 0;
    int digits = 0, decimals = 0;
    for (; p && isdigit((unsigned char)*p) && digits < 10; p++, digits++)
        euros = euros * 10 + (*p - '0');
    if (p && *p == '.')
        for (p++; isdigit((unsigned char)*p) && decimals < 2; p++, decimals++)
            cents = cents * 10 + (*p - '0');
    if (!p || *p || digits == 0 || (s[digits] == '.' && decimals == 0)) {
        fail(r, v, "'%s' wants an amount in euros with at most two decimals, e.g. \"31.50\"", key);
        return 0;
    }
    return euros * 100 + (decimals == 1 ? cents * 10 : cents);
}

/* ---- terms (in defaults and in overrides) ------------------------------------- */

typedef struct {
    contract_terms *t;
    unsigned *set;
} terms_target;

static void k_deadline(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    terms_target *tt = o;
    tt->t->start_deadline_werkdagen = read_int(r, v, key, 1, 250);
    *tt->set |= T_DEADLINE;
}

static void k_decl_weeks(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    terms_target *tt = o;
    tt->t->declaration_due_weeks = read_int(r, v, key, 1, 104);
    *tt->set |= T_DECL;
}

static void k_pay_days(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    terms_target *tt = o;
    tt->t->payment_due_days = read_int(r, v, key, 1, 365);
    *tt->set |= T_PAY;
}

static void k_warn(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    terms_target *tt = o;
    tt->t->warn_declaratie_without_start = read_bool(r, v, key);
    *tt->set |= T_WARN;
}

#define TERM_KEYS {"start_deadline_werkdagen", k_deadline}, {"declaration_due_weeks", k_decl_weeks}, \
                  {"payment_due_days", k_pay_days}, {"warn_declaratie_without_start", k_warn}

static void k_defaults(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    static const struct key keys[] = {TERM_KEYS, {NULL, NULL}};
    contract *c = o;
    unsigned set = 0;
    terms_target tt = {&c->defaults, &set};
    walk(r, v, keys, &tt, key);
}

/* ---- overrides -------------------------------------------------------------------- */

/* The term handlers cast their object to terms_target: keep it the first member. */
typedef struct {
    terms_target tt;
    override *ov;
} ov_target;

static void k_ov_aanbieder(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    ov_target *x = o;
    read_code(r, v, x->ov->aanbieder, sizeof(x->ov->aanbieder), 8, 0, key);
    x->ov->scope |= SCOPE_AANBIEDER;
}

static void k_ov_standard(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    ov_target *x = o;
    read_standard(r, v, x->ov->standard, sizeof(x->ov->standard), key);
    x->ov->scope |= SCOPE_STANDARD;
}

static void k_ov_categorie(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    ov_target *x = o;
    read_code(r, v, x->ov->categorie, sizeof(x->ov->categorie), 2, 0, key);
    x->ov->scope |= SCOPE_CATEGORIE;
}

static void k_ov_code(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    ov_target *x = o;
    read_code(r, v, x->ov->code, sizeof(x->ov->code), 5, 1, key);
    x->ov->scope |= SCOPE_CODE;
}

static int same_scope(const override *a, const override *b)
{
    return a->scope == b->scope && !strcmp(a->standard, b->standard) && !strcmp(a->aanbieder, b->aanbieder) &&
           !strcmp(a->categorie, b->categorie) && !strcmp(a->code, b->code);
}

static void check_override(struct rd *r, yaml_node_t *item, const override *ov)
{
    if (!ov->scope)
        fail(r, item, "%san override names aanbieder, standard, categorie and/or code", "");
    else if (!ov->set)
        fail(r, item, "%san override sets at least one term", "");
    for (size_t i = 0; i < r->c->nov && !r->failed; i++)
        if (same_scope(&r->c->ov[i], ov)) {
            char msg[64];
            snprintf(msg, sizeof(msg), "%%sthe same scope as the override at line %d", r->c->ov[i].line);
            fail(r, item, msg, "");
        }
}

static void one_override(struct rd *r, yaml_node_t *item)
{
    static const struct key keys[] = {
        {"aanbieder", k_ov_aanbieder}, {"standard", k_ov_standard}, {"categorie", k_ov_categorie},
        {"code", k_ov_code}, TERM_KEYS, {NULL, NULL}};
    override ov = {.line = line_of(item)};
    ov_target x = {{&ov.t, &ov.set}, &ov};
    walk(r, item, keys, &x, "overrides");
    if (r->failed)
        return;
    check_override(r, item, &ov);
    if (r->failed)
        return;
    override *nv = realloc(r->c->ov, (r->c->nov + 1) * sizeof(*nv));
    if (!nv) {
        fail(r, item, "%sout of memory", "");
        return;
    }
    r->c->ov = nv;
    r->c->ov[r->c->nov++] = ov;
}

static void k_overrides(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    (void)o;
    each_item(r, v, key, one_override);
}

/* ---- holidays --------------------------------------------------------------------- */

static void one_holiday(struct rd *r, yaml_node_t *item)
{
    iwmo_date d = read_date(r, item, "holidays");
    if (r->failed)
        return;
    iwmo_date *nv = realloc(r->c->holidays, (r->c->nholidays + 1) * sizeof(*nv));
    if (!nv) {
        fail(r, item, "%sout of memory", "");
        return;
    }
    r->c->holidays = nv;
    r->c->holidays[r->c->nholidays++] = d;
}

static int by_date(const void *a, const void *b)
{
    iwmo_date x = *(const iwmo_date *)a, y = *(const iwmo_date *)b;
    return x < y ? -1 : x > y;
}

static void k_holidays(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    contract *c = o;
    each_item(r, v, key, one_holiday);
    if (c->holidays)
        qsort(c->holidays, c->nholidays, sizeof(*c->holidays), by_date);
}

/* ---- tariffs (Bijlage 2) ---------------------------------------------------------- */

typedef struct {
    contract_tariff *t;
    unsigned seen;                      /* 1 categorie, 2 code, 4 from, 8 tarief */
} tariff_target;

static void k_t_standard(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    read_standard(r, v, x->t->standard, sizeof(x->t->standard), key);
}

static void k_t_gemeente(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    read_code(r, v, x->t->gemeente, sizeof(x->t->gemeente), 4, 0, key);
}

static void k_t_aanbieder(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    read_code(r, v, x->t->aanbieder, sizeof(x->t->aanbieder), 8, 0, key);
}

static void k_t_categorie(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    read_code(r, v, x->t->categorie, sizeof(x->t->categorie), 2, 0, key);
    x->seen |= 1;
}

static void k_t_code(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    read_code(r, v, x->t->code, sizeof(x->t->code), 5, 1, key);
    x->seen |= 2;
}

static void k_t_eenheid(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    read_code(r, v, x->t->eenheid, sizeof(x->t->eenheid), 2, 0, key);
}

static void k_t_from(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    x->t->from = read_date(r, v, key);
    x->seen |= 4;
}

static void k_t_to(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    x->t->to = read_date(r, v, key);
}

static void k_t_tarief(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    tariff_target *x = o;
    x->t->cents = read_money(r, v, key);
    x->seen |= 8;
}

/* Same product, unit, provider and gemeente with overlapping periods: which one applies? */
static int tariffs_overlap(const contract_tariff *a, const contract_tariff *b)
{
    iwmo_date aend = a->to == IWMO_NO_DATE ? 99999999 : a->to, bend = b->to == IWMO_NO_DATE ? 99999999 : b->to;
    return !strcmp(a->standard, b->standard) && !strcmp(a->gemeente, b->gemeente) &&
           !strcmp(a->aanbieder, b->aanbieder) && !strcmp(a->categorie, b->categorie) &&
           !strcmp(a->code, b->code) && !strcmp(a->eenheid, b->eenheid) && a->from <= bend && b->from <= aend;
}

/* Fill in what the tariff takes from the contract section and check it is whole. */
static void finish_tariff(struct rd *r, yaml_node_t *item, tariff_target *x)
{
    contract_tariff *t = x->t;
    if ((x->seen & 15) != 15)
        fail(r, item, "%sa tariff needs categorie, code, from and tarief", "");
    else if (t->to != IWMO_NO_DATE && t->to < t->from)
        fail(r, item, "%sthe tariff's 'to' lies before its 'from'", "");
    if (!t->gemeente[0])
        snprintf(t->gemeente, sizeof(t->gemeente), "%s", r->c->gemeente);
    if (!t->standard[0] && r->c->standards != (STD_IWMO | STD_IJW))
        snprintf(t->standard, sizeof(t->standard), "%s", r->c->standards == STD_IJW ? "ijw" : "iwmo");
    if (!t->gemeente[0])
        fail(r, item, "%sa tariff needs a gemeente (here or in contract.gemeente)", "");
    else if (!t->standard[0])
        fail(r, item, "%sa tariff needs a standard (here, or one standard in contract.standards)", "");
    for (size_t i = 0; i < r->c->ntariffs && !r->failed; i++)
        if (tariffs_overlap(&r->c->tariffs[i], t)) {
            char msg[80];
            snprintf(msg, sizeof(msg), "%%sthis tariff overlaps the one at line %d", r->c->tariffs[i].line);
            fail(r, item, msg, "");
        }
}

static void one_tariff(struct rd *r, yaml_node_t *item)
{
    static const struct key keys[] = {
        {"standard", k_t_standard}, {"gemeente", k_t_gemeente}, {"aanbieder", k_t_aanbieder},
        {"categorie", k_t_categorie}, {"code", k_t_code}, {"eenheid", k_t_eenheid},
        {"from", k_t_from}, {"to", k_t_to}, {"tarief", k_t_tarief}, {NULL, NULL}};
    contract_tariff t = {.from = IWMO_NO_DATE, .to = IWMO_NO_DATE, .line = line_of(item)};
    tariff_target x = {&t, 0};
    walk(r, item, keys, &x, "tariffs");
    if (!r->failed)
        finish_tariff(r, item, &x);
    if (r->failed)
        return;
    contract_tariff *nv = realloc(r->c->tariffs, (r->c->ntariffs + 1) * sizeof(*nv));
    if (!nv) {
        fail(r, item, "%sout of memory", "");
        return;
    }
    r->c->tariffs = nv;
    r->c->tariffs[r->c->ntariffs++] = t;
}

static void k_tariffs(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    (void)o;
    each_item(r, v, key, one_tariff);
}

/* ---- the contract section --------------------------------------------------------- */

static void k_name(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    (void)o;
    if (!scalar(v))
        fail(r, v, "'%s' wants a text", key);
}

static void k_gemeente(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    contract *c = o;
    read_code(r, v, c->gemeente, sizeof(c->gemeente), 4, 0, key);
}

static void one_standard(struct rd *r, yaml_node_t *item)
{
    unsigned bit = standard_bit(scalar(item));
    if (!bit)
        fail(r, item, "%s'standards' lists iwmo and/or ijw", "");
    r->c->standards |= bit;
}

static void k_standards(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    contract *c = o;
    c->standards = 0;
    each_item(r, v, key, one_standard);
    if (!r->failed && !c->standards)
        fail(r, v, "'%s' must name at least one standard", key);
}

static void k_effective_from(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    contract *c = o;
    c->effective_from = read_date(r, v, key);
}

static void k_contract(struct rd *r, yaml_node_t *v, void *o, const char *key)
{
    static const struct key keys[] = {
        {"name", k_name}, {"gemeente", k_gemeente}, {"standards", k_standards},
        {"effective_from", k_effective_from}, {NULL, NULL}};
    walk(r, v, keys, o, key);
}

/* The contract section first, whatever the order in the file: tariffs use its defaults. */
static void read_root(struct rd *r, yaml_node_t *root)
{
    static const struct key rest[] = {
        {"contract", NULL}, {"defaults", k_defaults}, {"holidays", k_holidays},
        {"overrides", k_overrides}, {"tariffs", k_tariffs}, {NULL, NULL}};
    if (!root || root->type != YAML_MAPPING_NODE) {
        fail(r, root, "%sthe contract file must be a mapping", "");
        return;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !r->failed; p++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const char *name = scalar(k);
        const struct key *hit = NULL;
        for (const struct key *kk = rest; name && kk->name && !hit; kk++)
            if (strcmp(kk->name, name) == 0)
                hit = kk;
        if (!hit)
            fail(r, k, "unknown key '%s'", name ? name : "?");
        else if (strcmp(name, "contract") == 0)
            k_contract(r, yaml_document_get_node(r->doc, p->value), r->c, name);
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !r->failed; p++) {
        const char *name = scalar(yaml_document_get_node(r->doc, p->key));
        for (const struct key *kk = rest; kk->name; kk++)
            if (kk->fn && strcmp(kk->name, name) == 0)
                kk->fn(r, yaml_document_get_node(r->doc, p->value), r->c, name);
    }
}

static contract *contract_new(const char *path)
{
    contract *c = calloc(1, sizeof(*c));
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return NULL;
    }
    c->standards = STD_IWMO | STD_IJW;
    c->effective_from = IWMO_NO_DATE;
    c->defaults = (contract_terms){10, 4, 30, 0};     /* art. 1.5, 12.3, 12.5; 12.1 off */
    return c;
}

contract *contract_load(const char *path, char *err, size_t errsize)
{
    contract *c = contract_new(path);
    FILE *fp = c ? fopen(path, "rb") : NULL;
    if (!fp) {
        snprintf(err, errsize, "%s: cannot open", path);
        contract_free(c);
        return NULL;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    struct rd r = {.path = path, .doc = &doc, .err = err, .errsize = errsize, .c = c};
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errsize, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML syntax error");
        r.failed = 1;
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root)
            fail(&r, NULL, "%sthe file is empty", "");
        else
            read_root(&r, root);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    if (r.failed) {
        contract_free(c);
        return NULL;
    }
    return c;
}

contract *contract_defaults(void)
{
    return contract_new("(defaults)");
}

void contract_free(contract *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->holidays);
    free(c->ov);
    free(c->tariffs);
    free(c);
}

/* ---- using the terms ---------------------------------------------------------------- */

static int field_matches(const char *want, const char *have)
{
    return !want[0] || (have && strcmp(want, have) == 0);
}

static int override_applies(const override *o, const char *std, const char *agb, const char *cat, const char *code)
{
    return field_matches(o->standard, std) && field_matches(o->aanbieder, agb) &&
           field_matches(o->categorie, cat) && field_matches(o->code, code);
}

contract_terms contract_terms_for(const contract *c, const char *standard, const char *aanbieder,
                                  const char *categorie, const char *code)
{
    contract_terms t = c->defaults;
    int best[4] = {-1, -1, -1, -1};     /* per term: the scope of the override that set it */
    for (size_t i = 0; i < c->nov; i++) {
        const override *o = &c->ov[i];
        if (!override_applies(o, standard, aanbieder, categorie, code))
            continue;
        int s = (int)o->scope;
        if ((o->set & T_DEADLINE) && s > best[0])
            best[0] = s, t.start_deadline_werkdagen = o->t.start_deadline_werkdagen;
        if ((o->set & T_DECL) && s > best[1])
            best[1] = s, t.declaration_due_weeks = o->t.declaration_due_weeks;
        if ((o->set & T_PAY) && s > best[2])
            best[2] = s, t.payment_due_days = o->t.payment_due_days;
        if ((o->set & T_WARN) && s > best[3])
            best[3] = s, t.warn_declaratie_without_start = o->t.warn_declaratie_without_start;
    }
    return t;
}

int contract_covers(const contract *c, const char *standard)
{
    return (c->standards & standard_bit(standard)) != 0;
}

iwmo_date contract_effective_from(const contract *c)
{
    return c->effective_from;
}

int contract_min_deadline(const contract *c)
{
    int m = c->defaults.start_deadline_werkdagen;
    for (size_t i = 0; i < c->nov; i++)
        if ((c->ov[i].set & T_DEADLINE) && c->ov[i].t.start_deadline_werkdagen < m)
            m = c->ov[i].t.start_deadline_werkdagen;
    return m;
}

int contract_any_warning(const contract *c)
{
    int any = c->defaults.warn_declaratie_without_start;
    for (size_t i = 0; i < c->nov; i++)
        any |= (c->ov[i].set & T_WARN) && c->ov[i].t.warn_declaratie_without_start;
    return any;
}

int contract_is_werkdag(const contract *c, iwmo_date d)
{
    long dow = ((d % 7) + 7 + 3) % 7;  /* day 0 (1970-01-01) was a Thursday; 0 = Monday */
    if (dow >= 5)
        return 0;
    return !(c->nholidays && bsearch(&d, c->holidays, c->nholidays, sizeof(d), by_date));
}

iwmo_date contract_add_werkdagen(const contract *c, iwmo_date from, int n)
{
    iwmo_date d = from;
    for (int k = 0; k < n;)
        if (contract_is_werkdag(c, ++d))
            k++;
    return d;
}

int contract_has_holidays_in(const contract *c, int year)
{
    for (size_t i = 0; i < c->nholidays; i++) {
        int y, m, d;
        iwmo_date_split(c->holidays[i], &y, &m, &d);
        if (y == year)
            return 1;
    }
    return 0;
}

size_t contract_tariff_count(const contract *c)
{
    return c->ntariffs;
}

const contract_tariff *contract_tariff_at(const contract *c, size_t i)
{
    return i < c->ntariffs ? &c->tariffs[i] : NULL;
}

const char *contract_path(const contract *c)
{
    return c->path;
}
