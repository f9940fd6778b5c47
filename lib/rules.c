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

void rule_fail(rule_ctx *c, const rule *r, xmlNodePtr where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    iwmo_findings_add_at(c->f, where ? where : c->root, r->info.level, r->info.retourcode,
                         r->info.id, "%s", msg);
    c->added++;
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
            if (rule_applies(r, t))
                r->check(&c, r);
        }
    }
    return c.added;
}
