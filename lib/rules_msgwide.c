/*
 * rules_msgwide.c - the 323 rules that need the whole message (TR101 keys,
 * TR315, TR316, TR358, TR416), run over a message seen in pieces. Each piece
 * is read once and dropped: only keys (in compact hash sets), line numbers
 * and amounts are kept, so a declaratie of 50,000 Prestaties costs a few MB.
 * The keys and the finding texts are those of the DOM check (rules_tr.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

/* ---- a set of short strings with the line of their first occurrence ----- */

/* 8 bytes a slot: the hash is not kept but computed again when the table grows. */
typedef struct {
    uint32_t off;               /* offset + 1 of the key in the pool; 0 = empty slot */
    uint32_t line;
} ks_slot;

typedef struct {
    ks_slot *slots;
    size_t cap;                 /* a power of two, or 0 */
    size_t n;
    char *pool;                 /* the keys, each ending in '\0' */
    size_t pool_len, pool_cap;
} keyset;

static uint32_t ks_hash(const char *s)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t line_u32(long line)
{
    return line < 0 ? 0 : line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

/* The slot holding key, or the empty slot where it belongs. */
static ks_slot *ks_slot_for(const keyset *s, const char *key, uint32_t h)
{
    size_t mask = s->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ks_slot *sl = &s->slots[i];
        if (!sl->off || strcmp(s->pool + sl->off - 1, key) == 0)
            return sl;
    }
}

static int ks_rehash(keyset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 64;
    ks_slot *old = s->slots;
    size_t ocap = s->cap;
    s->slots = calloc(ncap, sizeof(*s->slots));
    if (!s->slots) {
        s->slots = old;
        return -1;
    }
    s->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].off) {
            const char *key = s->pool + old[i].off - 1;
            *ks_slot_for(s, key, ks_hash(key)) = old[i];
        }
    free(old);
    return 0;
}

/* Copy key into the pool; its offset + 1, or 0 on no memory. */
static uint32_t ks_store(keyset *s, const char *key)
{
    size_t len = strlen(key) + 1;
    if (s->pool_len + len > UINT32_MAX - 1)
        return 0;
    if (s->pool_len + len > s->pool_cap) {
        size_t ncap = s->pool_cap ? s->pool_cap + s->pool_cap / 2 : 4096;
        while (ncap < s->pool_len + len)
            ncap *= 2;
        char *np = realloc(s->pool, ncap);
        if (!np)
            return 0;
        s->pool = np;
        s->pool_cap = ncap;
    }
    memcpy(s->pool + s->pool_len, key, len);
    s->pool_len += len;
    return (uint32_t)(s->pool_len - len + 1);
}

/*
 * Add key seen at line. Returns 1 when it is new, 0 when it was there (its
 * first line in *first), -1 on no memory. *off (optional) gets the stored key.
 */
static int ks_put(keyset *s, const char *key, long line, long *first, uint32_t *off)
{
    if ((s->n + 1) * 4 > s->cap * 3 && ks_rehash(s) < 0)
        return -1;
    uint32_t h = ks_hash(key);
    ks_slot *sl = ks_slot_for(s, key, h);
    if (sl->off) {
        *first = sl->line;
        if (off)
            *off = sl->off;
        return 0;
    }
    uint32_t o = ks_store(s, key);
    if (!o)
        return -1;
    *sl = (ks_slot){o, line_u32(line)};
    s->n++;
    if (off)
        *off = o;
    return 1;
}

/* The first line of key, or 0 when the set does not hold it. */
static long ks_line(const keyset *s, const char *key)
{
    if (!s->cap)
        return 0;
    ks_slot *sl = ks_slot_for(s, key, ks_hash(key));
    return sl->off ? (long)sl->line : 0;
}

static const char *ks_key(const keyset *s, uint32_t off)
{
    return s->pool + off - 1;
}

static void ks_free(keyset *s)
{
    free(s->slots);
    free(s->pool);
}

/* ---- the accumulator ----------------------------------------------------- */

#define MAX_KEYED 4             /* keyed classes (TR101) of one message type */

typedef enum { DUP_TR101, DUP_TR315, DUP_TR416 } dup_kind;

/* A repeated key found while feeding: reported by iwmo_msgwide_finish. */
typedef struct {
    dup_kind kind;
    uint32_t cls;               /* TR101: the keyed class */
    uint32_t off;               /* TR315: the value in the vorig set */
    uint32_t line, first;
} dup;

/* A VorigReferentieNummer, in document order, for TR316. */
typedef struct {
    uint32_t off;               /* the value in the vorig set */
    uint32_t line;
} credit;

struct iwmo_msgwide {
    const iwmo_msgtype *t;
    int active;                 /* the type has whole-message rules (323) */
    int fed;                    /* a piece was read: the header values are taken */
    int nomem;
    int has_total;
    long long total, sum;
    long total_line;
    size_t nkeyed;
    keyset keyed[MAX_KEYED];    /* TR101, per keyed class */
    keyset refs;                /* TR316: ReferentieNummer */
    keyset vorigs;              /* TR315: VorigReferentieNummer */
    keyset deliveries;          /* TR416: debit delivery keys */
    credit *credits;
    size_t ncredits, credits_cap;
    dup *dups;
    size_t ndups, dups_cap;
};

iwmo_msgwide *iwmo_msgwide_new(const iwmo_msgtype *t)
{
    iwmo_msgwide *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->t = t;
    m->active = t && t->type == 323;
    while (m->active && m->nkeyed < MAX_KEYED && tr101_class(t->type, m->nkeyed))
        m->nkeyed++;
    return m;
}

void iwmo_msgwide_free(iwmo_msgwide *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nkeyed; i++)
        ks_free(&m->keyed[i]);
    ks_free(&m->refs);
    ks_free(&m->vorigs);
    ks_free(&m->deliveries);
    free(m->credits);
    free(m->dups);
    free(m);
}

/* Grow an array of elements of size sz to hold one more. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, ncap * sz);
    if (!nv)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

static int add_dup(iwmo_msgwide *m, dup d)
{
    if (grow((void **)&m->dups, &m->dups_cap, m->ndups, sizeof(*m->dups)) < 0)
        return -1;
    m->dups[m->ndups++] = d;
    return 0;
}

/* Put key seen at e into s (its stored copy in *off); a repeat becomes dup d. */
static int note_key(iwmo_msgwide *m, keyset *s, const char *key, xmlNodePtr e, dup d,
                    uint32_t *off)
{
    long first, line = xmlGetLineNo(e);
    int r = ks_put(s, key, line, &first, off);
    if (r != 0)
        return r < 0 ? -1 : 0;
    d.off = *off;
    d.line = line_u32(line);
    d.first = line_u32(first);
    return add_dup(m, d);
}

/* TR101: the keyed classes (Client by Bsn, Prestatie within its Client). */
static int feed_keys(iwmo_msgwide *m, xmlNodePtr root)
{
    int msg = m->t->type;
    for (size_t i = 0; i < m->nkeyed; i++) {
        const char *cls = tr101_class(msg, i);
        for (xmlNodePtr e = xu_first_desc(root, cls); e; e = xu_next_desc(root, e, cls)) {
            char key[RULE_KEY_MAX];
            uint32_t off;
            if (tr101_key(msg, i, e, key, sizeof(key)) == 0 &&
                note_key(m, &m->keyed[i], key, e, (dup){.kind = DUP_TR101, .cls = (uint32_t)i},
                         &off) < 0)
                return -1;
        }
    }
    return 0;
}

/* TR315 and TR316: every ReferentieNummer and VorigReferentieNummer. */
static int feed_references(iwmo_msgwide *m, xmlNodePtr root)
{
    char v[128];
    long first;
    for (xmlNodePtr e = xu_first_desc(root, "ReferentieNummer"); e;
         e = xu_next_desc(root, e, "ReferentieNummer"))
        if (ks_put(&m->refs, xu_text(e, NULL, v, sizeof(v)), xmlGetLineNo(e), &first, NULL) < 0)
            return -1;
    for (xmlNodePtr e = xu_first_desc(root, "VorigReferentieNummer"); e;
         e = xu_next_desc(root, e, "VorigReferentieNummer")) {
        uint32_t off;
        if (note_key(m, &m->vorigs, xu_text(e, NULL, v, sizeof(v)), e,
                     (dup){.kind = DUP_TR315}, &off) < 0)
            return -1;
        if (grow((void **)&m->credits, &m->credits_cap, m->ncredits, sizeof(*m->credits)) < 0)
            return -1;
        m->credits[m->ncredits++] = (credit){off, line_u32(xmlGetLineNo(e))};
    }
    return 0;
}

/* TR416: the delivery key of every debit Prestatie. */
static int feed_deliveries(iwmo_msgwide *m, xmlNodePtr root)
{
    for (xmlNodePtr p = xu_first_desc(root, "Prestatie"); p; p = xu_next_desc(root, p, "Prestatie")) {
        char key[RULE_KEY_MAX];
        uint32_t off;
        if (tr416_key(p, key, sizeof(key)) == 0 &&
            note_key(m, &m->deliveries, key, p, (dup){.kind = DUP_TR416}, &off) < 0)
            return -1;
    }
    return 0;
}

/* TR358: the total once (every piece repeats it), the Prestaties' amounts of each piece. */
static void feed_amounts(iwmo_msgwide *m, xmlNodePtr root)
{
    xmlNodePtr d = xu_child(root, "Declaratie");
    if (!m->fed) {
        xmlNodePtr at = tr358_total(d, &m->total);
        m->has_total = at != NULL;
        m->total_line = at ? xmlGetLineNo(at) : 0;
    }
    m->sum += tr358_sum(d);
}

int iwmo_msgwide_feed(iwmo_msgwide *m, xmlDocPtr piece)
{
    xmlNodePtr root = xmlDocGetRootElement(piece);
    if (!m->active || !root)
        return 0;
    if (feed_keys(m, root) < 0 || feed_references(m, root) < 0 || feed_deliveries(m, root) < 0)
        m->nomem = 1;
    feed_amounts(m, root);
    m->fed = 1;
    return m->nomem ? -1 : 0;
}

/* ---- the findings ------------------------------------------------------- */

/* Report the repeats of one kind (and, for TR101, one class) in document order. */
static void report_dups(rule_ctx *c, const iwmo_msgwide *m, const rule *r, dup_kind k,
                        size_t cls)
{
    for (size_t i = 0; i < m->ndups; i++) {
        const dup *d = &m->dups[i];
        if (d->kind != k || (k == DUP_TR101 && d->cls != cls))
            continue;
        if (k == DUP_TR101)
            tr101_report(c, r, NULL, d->line, tr101_class(m->t->type, cls), d->first);
        else if (k == DUP_TR315)
            tr315_report(c, r, NULL, d->line, ks_key(&m->vorigs, d->off), d->first);
        else
            tr416_report(c, r, NULL, d->line, d->first);
    }
}

static void report_tr316(rule_ctx *c, const iwmo_msgwide *m, const rule *r)
{
    for (size_t i = 0; i < m->ncredits; i++) {
        const char *v = ks_key(&m->vorigs, m->credits[i].off);
        long hit = ks_line(&m->refs, v);
        if (hit)
            tr316_report(c, r, NULL, m->credits[i].line, v, hit);
    }
}

static void report_tr358(rule_ctx *c, const iwmo_msgwide *m, const rule *r)
{
    if (m->has_total && m->sum != m->total)
        tr358_report(c, r, NULL, m->total_line, m->total, m->sum);
}

/* The row of rule id when it applies to the message, else NULL. */
static const rule *applying(const iwmo_msgwide *m, const char *id)
{
    const rule *r = rule_find(id);
    return r && rule_applies(r, m->t) ? r : NULL;
}

int iwmo_msgwide_finish(iwmo_msgwide *m, const iwmo_rule_env *env, iwmo_findings *f)
{
    rule_ctx c = {.env = env, .type = m->t, .f = f};
    const rule *r;
    if (!m->active || !m->fed)
        return 0;
    if ((r = applying(m, "TR101")))
        for (size_t i = 0; i < m->nkeyed; i++)
            report_dups(&c, m, r, DUP_TR101, i);
    if ((r = applying(m, "TR315")))
        report_dups(&c, m, r, DUP_TR315, 0);
    if ((r = applying(m, "TR316")))
        report_tr316(&c, m, r);
    if ((r = applying(m, "TR358")))
        report_tr358(&c, m, r);
    if ((r = applying(m, "TR416")))
        report_dups(&c, m, r, DUP_TR416, 0);
    return c.added;
}
