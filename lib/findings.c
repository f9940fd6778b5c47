/*
 * findings.c - a growable list of findings (what is wrong with a message,
 * where, and under which rule and retourcode).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iwmo.h"

void iwmo_findings_init(iwmo_findings *f, size_t max_findings)
{
    memset(f, 0, sizeof(*f));
    f->max_findings = max_findings;
}

static int findings_grow(iwmo_findings *f)
{
    size_t cap = f->cap ? f->cap * 2 : 8;
    iwmo_finding *n = realloc(f->items, cap * sizeof(*n));
    if (!n)
        return -1;
    f->items = n;
    f->cap = cap;
    return 0;
}

/*
 * The cap (max_findings) only bounds parser and schema errors, which can be
 * endless on a broken file. A rule finding is a verdict on part of the message
 * (a rejected Prestatie is not paid), so rule findings are never dropped.
 */
static iwmo_finding *findings_vadd(iwmo_findings *f, long line, const char *code,
                                   const char *rule, int level, const char *fmt, va_list ap)
{
    if (level <= 1 && f->max_findings && f->count >= f->max_findings) {
        f->dropped++;
        return NULL;
    }
    if (f->count == f->cap && findings_grow(f) < 0) {
        f->dropped++;
        return NULL;
    }
    iwmo_finding *it = &f->items[f->count];
    memset(it, 0, sizeof(*it));
    it->line = line;
    snprintf(it->code, sizeof(it->code), "%s", code ? code : "");
    snprintf(it->rule, sizeof(it->rule), "%s", rule ? rule : "");
    if (vasprintf(&it->message, fmt, ap) < 0)
        it->message = NULL;
    if (!it->message) {
        f->dropped++;
        return NULL;
    }
    f->count++;
    return it;
}

void iwmo_findings_add(iwmo_findings *f, long line, const char *code,
                       const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    findings_vadd(f, line, code, rule, 0, fmt, ap);
    va_end(ap);
}

void iwmo_findings_add_at(iwmo_findings *f, xmlNodePtr node, int level, const char *code,
                          const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    iwmo_finding *it = findings_vadd(f, node ? xmlGetLineNo(node) : 0, code, rule, level, fmt, ap);
    va_end(ap);
    if (it) {
        it->node = node;
        it->level = level;
    }
}

void iwmo_findings_free(iwmo_findings *f)
{
    for (size_t i = 0; i < f->count; i++)
        free(f->items[i].message);
    free(f->items);
    f->items = NULL;
    f->count = f->cap = 0;
}
