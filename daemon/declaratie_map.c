/*
 * declaratie_map.c - the small containers behind the set-based 323 path: a
 * string-keyed hash map (open addressing) and a growing text buffer that
 * builds PostgreSQL array literals, so a whole message's keys go to the
 * database in one parameter (= ANY($n::text[]), unnest(...)).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie_int.h"

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603UL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return h;
}

static int smap_grow(smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = calloc(cap, sizeof(*keys));
    void **vals = calloc(cap, sizeof(*vals));
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash_str(m->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

static size_t smap_find(const smap *m, const char *k)
{
    size_t j = hash_str(k) & (m->cap - 1);
    while (m->keys[j] && strcmp(m->keys[j], k) != 0)
        j = (j + 1) & (m->cap - 1);
    return j;
}

void **smap_slot(smap *m, const char *k, int *added)
{
    if (added)
        *added = 0;
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) < 0)
        return NULL;
    size_t j = smap_find(m, k);
    if (!m->keys[j]) {
        if (!(m->keys[j] = strdup(k)))
            return NULL;
        m->vals[j] = NULL;
        m->n++;
        if (added)
            *added = 1;
    }
    return &m->vals[j];
}

int smap_put(smap *m, const char *k, void *v)
{
    void **slot = smap_slot(m, k, NULL);
    if (!slot)
        return -1;
    *slot = v;
    return 0;
}

int smap_add(smap *m, const char *k)
{
    return smap_slot(m, k, NULL) ? 0 : -1;
}

int smap_has(const smap *m, const char *k)
{
    return m->cap && m->keys[smap_find(m, k)] != NULL;
}

void *smap_get(const smap *m, const char *k)
{
    if (!m->cap)
        return NULL;
    size_t j = smap_find(m, k);
    return m->keys[j] ? m->vals[j] : NULL;
}

void smap_free(smap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] && free_val)
            free_val(m->vals[i]);
        free(m->keys[i]);
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* ---- text buffers and array literals ----------------------------------------- */

static int sb_reserve(sbuf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->n + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void sb_puts(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (sb_reserve(b, n) < 0)
        return;
    memcpy(b->s + b->n, s, n + 1);
    b->n += n;
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

/* One element of an array literal: quoted, with " and \ escaped; NULL for SQL NULL. */
void arr_add(sbuf *b, const char *v)
{
    sb_puts(b, b->items++ ? "," : "{");
    if (!v) {
        sb_puts(b, "NULL");
        return;
    }
    if (sb_reserve(b, 2 * strlen(v) + 2) < 0)
        return;
    b->s[b->n++] = '"';
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            b->s[b->n++] = '\\';
        b->s[b->n++] = *v;
    }
    b->s[b->n++] = '"';
    b->s[b->n] = '\0';
}

void arr_addll(sbuf *b, long long v)
{
    char s[24];
    snprintf(s, sizeof(s), "%lld", v);
    arr_add(b, s);
}

/* Close the literal; "{}" when nothing was added. NULL when memory ran out. */
const char *arr_end(sbuf *b)
{
    sb_puts(b, b->items ? "}" : "{}");
    return b->oom ? NULL : b->s;
}

void sb_reset(sbuf *b)
{
    b->n = 0;
    b->items = 0;
    if (b->s)
        b->s[0] = '\0';
}

void sb_free(sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}
