/*
 * rules.c - runs the rule tables over a schema-valid message and turns
 * violations into findings at the element concerned.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

static const rule_table *const tables[] = {
    &rules_tr_table,
    &rules_cdcs_table,
    &rules_extern_table,
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

int rule_applies(const rule *r, const iwmo_msgtype *t)
{
    const char *hay = r->info.applies;
    size_t n = strlen(t->name);
    for (const char *p = strstr(hay, t->name); p; p = strstr(p + 1, t->name)) {
        int starts = p == hay || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends)
            return 1;
    }
    return 0;
}

/* Add the finding of r at where, or (where NULL and no root) at line only. */
static void rule_vfail(rule_ctx *c, const rule *r, xmlNodePtr where, long line,
                       const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    xmlNodePtr at = where ? where : c->root;
    size_t before = c->f->count;
    iwmo_findings_add_at(c->f, at, r->info.level, r->info.retourcode, r->info.id, "%s", msg);
    if (!at && c->f->count > before)
        c->f->items[before].line = line;
    c->added++;
}

void rule_fail(rule_ctx *c, const rule *r, xmlNodePtr where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_vfail(c, r, where, 0, fmt, ap);
    va_end(ap);
}

void rule_fail_at(rule_ctx *c, const rule *r, xmlNodePtr where, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_vfail(c, r, where, line, fmt, ap);
    va_end(ap);
}

const rule *rule_find(const char *id)
{
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t k = 0; k < tables[t]->count; k++)
            if (strcmp(tables[t]->rows[k].info.id, id) == 0)
                return &tables[t]->rows[k];
    return NULL;
}

/*
 * The 323 rules that look across Clients or sum over the message. The other
 * 323 rules look inside one Client or Prestatie, or at the Header and the
 * Declaratie fields that every piece repeats.
 */
static const char *const whole_323_ids[] = {"TR101", "TR315", "TR316", "TR358", "TR416"};

int rule_whole_323(const rule *r)
{
    for (size_t i = 0; i < sizeof(whole_323_ids) / sizeof(whole_323_ids[0]); i++)
        if (strcmp(r->info.id, whole_323_ids[i]) == 0)
            return 1;
    return 0;
}

/* In piece mode a 323 leaves its whole-message rules to iwmo_msgwide. */
static int left_to_msgwide(const rule_ctx *c, const rule *r)
{
    return c->env->pieces && c->type->type == 323 && rule_whole_323(r);
}

const iwmo_rule_info *iwmo_rule_at(size_t i)
{
    for (size_t t = 0; t < NTABLES; t++) {
        if (i < tables[t]->count)
            return &tables[t]->rows[i].info;
        i -= tables[t]->count;
    }
    return NULL;
}

/* ---- the elements of the document by name ---------------------------------- */

struct elem_index {
    const xmlChar **names;      /* open addressing on the name's text */
    rule_nodes *lists;
    size_t cap, used;
    rule_nodes none;
};

static size_t name_hash(const xmlChar *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 + *s;
    return h;
}

static size_t name_slot(const struct elem_index *x, const xmlChar *name)
{
    size_t i = name_hash(name) & (x->cap - 1);
    while (x->names[i] && !xmlStrEqual(x->names[i], name))
        i = (i + 1) & (x->cap - 1);
    return i;
}

static int index_grow(struct elem_index *x)
{
    struct elem_index bigger = {calloc(x->cap * 2, sizeof(*x->names)),
                                calloc(x->cap * 2, sizeof(*x->lists)), x->cap * 2, x->used, {0}};
    if (!bigger.names || !bigger.lists) {
        free(bigger.names);
        free(bigger.lists);
        return -1;
    }
    for (size_t i = 0; i < x->cap; i++)
        if (x->names[i]) {
            size_t k = name_slot(&bigger, x->names[i]);
            bigger.names[k] = x->names[i];
            bigger.lists[k] = x->lists[i];
        }
    free(x->names);
    free(x->lists);
    *x = bigger;
    return 0;
}

static int index_add(struct elem_index *x, xmlNodePtr n)
{
    if ((x->used + 1) * 2 > x->cap && index_grow(x) < 0)
        return -1;
    size_t k = name_slot(x, n->name);
    rule_nodes *l = &x->lists[k];
    if (!x->names[k]) {
        x->names[k] = n->name;
        x->used++;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        xmlNodePtr *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = n;
    return 0;
}

static void index_free(struct elem_index *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->cap; i++)
        free(x->lists[i].v);
    free(x->names);
    free(x->lists);
    free(x);
}

static struct elem_index *index_build(xmlNodePtr root)
{
    struct elem_index *x = calloc(1, sizeof(*x));
    if (!x || !(x->names = calloc(64, sizeof(*x->names))) || !(x->lists = calloc(64, sizeof(*x->lists)))) {
        if (x) {
            free(x->names);
            free(x);
        }
        return NULL;
    }
    x->cap = 64;
    for (xmlNodePtr n = root ? xu_preorder_next(root, root) : NULL; n; n = xu_preorder_next(root, n))
        if (index_add(x, n) < 0) {
            index_free(x);
            return NULL;
        }
    return x;
}

/* The index is a cache: building it on first use does not change what the rules see. */
const rule_nodes *rule_all(const rule_ctx *c, const char *local)
{
    static xmlNodePtr no_nodes[1];
    static const rule_nodes none = {no_nodes, 0, 0};
    if (!c->ix)
        ((rule_ctx *)c)->ix = index_build(c->root);
    if (!c->ix)
        return &none;                   /* out of memory: the rules see no elements */
    size_t k = name_slot(c->ix, BAD_CAST local);
    return c->ix->names[k] ? &c->ix->lists[k] : &none;
}

int iwmo_rules_check(const iwmo_rule_env *env, xmlDocPtr doc, const iwmo_msgtype *t,
                     iwmo_findings *f)
{
    rule_ctx c = {.env = env, .doc = doc, .type = t, .f = f};
    c.root = xmlDocGetRootElement(doc);
    c.header = xu_child(c.root, "Header");
    c.dagtekening = xu_date(c.header, "BerichtIdentificatie/Dagtekening");
    for (size_t i = 0; i < NTABLES; i++) {
        for (size_t k = 0; k < tables[i]->count; k++) {
            const rule *r = &tables[i]->rows[k];
            if (rule_applies(r, t) && !left_to_msgwide(&c, r))
                r->check(&c, r);
        }
    }
    index_free(c.ix);
    return c.added;
}
