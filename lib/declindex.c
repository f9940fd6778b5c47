/*
 * declindex.c - what a streamed 323 names (its BSNs, ReferentieNummers,
 * ToewijzingNummers, the VorigReferentieNummers of its credits, the start
 * of every Prestatie), gathered while its rules run piece by piece, so the
 * cross-message checks and the events need not read the file again for it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iwmo.h"
#include "xmlutil.h"

static uint32_t hash_of(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Slots hold offset + 1 into buf; 0 is empty. */
static int rehash(iwmo_strlist *l)
{
    size_t n = l->nslots ? l->nslots * 2 : 1024;
    uint32_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t off = 0; off < l->len; off += strlen(l->buf + off) + 1) {
        size_t i = hash_of(l->buf + off) & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)off + 1;
    }
    free(l->slots);
    l->slots = slots;
    l->nslots = n;
    return 0;
}

static int append(iwmo_strlist *l, const char *s, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        while (cap < l->len + n + 1)
            cap *= 2;
        char *b = realloc(l->buf, cap);
        if (!b)
            return -1;
        l->buf = b;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, s, n + 1);
    l->len += n + 1;
    l->n++;
    return 0;
}

/* Add s unless it is there already. 0 or -1 (no memory). */
int iwmo_strlist_add(iwmo_strlist *l, const char *s)
{
    if ((l->n + 1) * 2 > l->nslots && rehash(l) < 0)
        return -1;
    size_t i = hash_of(s) & (l->nslots - 1);
    for (; l->slots[i]; i = (i + 1) & (l->nslots - 1))
        if (!strcmp(l->buf + l->slots[i] - 1, s))
            return 0;
    size_t off = l->len;
    if (off > UINT32_MAX - 1 || append(l, s, strlen(s)) < 0)
        return -1;
    l->slots[i] = (uint32_t)off + 1;
    return 0;
}

const char *iwmo_strlist_next(const iwmo_strlist *l, const char *prev)
{
    if (!prev)
        return l->n ? l->buf : NULL;
    const char *next = prev + strlen(prev) + 1;
    return next < l->buf + l->len ? next : NULL;
}

static void strlist_free(iwmo_strlist *l)
{
    free(l->buf);
    free(l->slots);
    memset(l, 0, sizeof(*l));
}

static int add_begin(iwmo_decl_index *x, iwmo_date b)
{
    if (x->nbegins == x->capbegins) {
        size_t cap = x->capbegins ? 2 * x->capbegins : 1024;
        iwmo_date *n = realloc(x->begins, cap * sizeof(*n));
        if (!n)
            return -1;
        x->begins = n;
        x->capbegins = cap;
    }
    x->begins[x->nbegins++] = b;
    return 0;
}

static int add_prestatie(iwmo_decl_index *x, xmlNodePtr p)
{
    char ref[64], vorig[64], nr[64], dc[8];
    xu_text(p, "ProductReferentie/ReferentieNummer", ref, sizeof(ref));
    xu_text(p, "ProductReferentie/VorigReferentieNummer", vorig, sizeof(vorig));
    xu_text(p, "ToewijzingNummer", nr, sizeof(nr));
    int credit = !strcmp(xu_text(p, "IngediendBedrag/DebetCredit", dc, sizeof(dc)), "C");
    x->credits |= credit;
    x->debets |= !credit;
    if (iwmo_strlist_add(&x->refs, ref) < 0 || iwmo_strlist_add(&x->nrs, nr) < 0 ||
        (credit && vorig[0] && iwmo_strlist_add(&x->vorigs, vorig) < 0))
        return -1;
    return add_begin(x, xu_date(p, "ProductPeriode/Begindatum"));
}

int iwmo_decl_index_feed(iwmo_decl_index *x, xmlDocPtr piece)
{
    xmlNodePtr clienten = xu_path(xmlDocGetRootElement(piece), "Declaratie/Clienten");
    for (xmlNodePtr cl = xu_child(clienten, "Client"); cl; cl = xu_next(cl, "Client")) {
        char bsn[16];
        if (iwmo_strlist_add(&x->bsns, xu_text(cl, "Bsn", bsn, sizeof(bsn))) < 0)
            return -1;
        for (xmlNodePtr p = xu_path(cl, "Prestaties/Prestatie"); p; p = xu_next(p, "Prestatie"))
            if (add_prestatie(x, p) < 0)
                return -1;
    }
    return 0;
}

void iwmo_decl_index_free(iwmo_decl_index *x)
{
    if (!x)
        return;
    strlist_free(&x->bsns);
    strlist_free(&x->refs);
    strlist_free(&x->nrs);
    strlist_free(&x->vorigs);
    free(x->begins);
    free(x);
}
