/*
 * declaratie_pieces.c - see declaratie_pieces.h. A finding is tied to an
 * element; between a piece and r->doc the element is found again by its
 * Client (its Bsn is unique once the intra-message rules passed) and its
 * place in document order inside that Client, or, outside the Clients, by
 * its place in document order from the root (the skeleton and every piece
 * share everything before the first Client).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declaratie_int.h"
#include "declaratie_pieces.h"
#include "xmlutil.h"

static long index_in(xmlNodePtr top, xmlNodePtr n)
{
    long i = 0;
    for (xmlNodePtr c = top; c; c = xu_preorder_next(top, c), i++)
        if (c == n)
            return i;
    return -1;
}

static xmlNodePtr node_at(xmlNodePtr top, long idx)
{
    xmlNodePtr c = top;
    for (long i = 0; c && i < idx; i++)
        c = xu_preorder_next(top, c);
    return c;
}

/* The Client (child of Clienten) that holds n, or NULL. */
static xmlNodePtr client_of(xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        if (xu_is(n, "Client") && xu_is(n->parent, "Clienten"))
            return n;
    return NULL;
}

static void bsn_of(xmlNodePtr cl, char *out, size_t n)
{
    xu_text(cl, "Bsn", out, n);
}

static int add_moved(iwmo_findings *to, const iwmo_finding *f, xmlNodePtr node)
{
    size_t before = to->count;
    iwmo_findings_add_at(to, node, f->level, f->code, f->rule, "%s", f->message ? f->message : "");
    if (to->count == before)
        return -1;
    to->items[to->count - 1].line = f->line;
    return 0;
}

/* The Clients of a document by Bsn. */
static int map_clients(xmlDocPtr doc, smap *m)
{
    xmlNodePtr clienten = xu_path(xmlDocGetRootElement(doc), "Declaratie/Clienten");
    for (xmlNodePtr cl = xu_child(clienten, "Client"); cl; cl = xu_next(cl, "Client")) {
        char bsn[16];
        bsn_of(cl, bsn, sizeof(bsn));
        if (smap_put(m, bsn, cl) < 0)
            return -1;
    }
    return 0;
}

/* Where finding f (on r->doc) lands in the piece, or NULL when not in it. */
static xmlNodePtr place_in_piece(xmlNodePtr node, xmlDocPtr piece, const smap *piece_clients)
{
    xmlNodePtr cl = client_of(node);
    if (!cl)
        return node_at(xmlDocGetRootElement(piece), index_in(xmlDocGetRootElement(node->doc), node));
    char bsn[16];
    bsn_of(cl, bsn, sizeof(bsn));
    xmlNodePtr there = smap_get(piece_clients, bsn);
    return there ? node_at(there, index_in(cl, node)) : NULL;
}

static int findings_into_piece(const iwmo_result *r, iwmo_result *pr, const smap *piece_clients)
{
    for (size_t i = 0; i < r->findings.count; i++) {
        const iwmo_finding *f = &r->findings.items[i];
        xmlNodePtr at = f->node ? place_in_piece(f->node, pr->doc, piece_clients) : NULL;
        if (f->node && !at)
            continue;                   /* about a Client of another piece */
        if (add_moved(&pr->findings, f, at) < 0)
            return -1;
    }
    return 0;
}

/* Where a Client's copy goes in r->doc: before the first copy of a later Client. */
static void insert_in_order(xmlNodePtr clienten, xmlNodePtr copy, long ordinal)
{
    copy->_private = (void *)(intptr_t)ordinal;
    for (xmlNodePtr c = xu_child(clienten, "Client"); c; c = xu_next(c, "Client"))
        if ((intptr_t)c->_private > ordinal) {
            xmlAddPrevSibling(c, copy);
            return;
        }
    xmlAddChild(clienten, copy);
}

/*
 * The findings the piece's checks added (from index `fresh` on) for one of
 * its Clients go to that Client's copy in r->doc, made now (at its place in
 * document order) when there is none yet.
 */
static int keep_client(iwmo_result *r, const iwmo_result *pr, size_t fresh, xmlNodePtr cl, long ordinal,
                       smap *kept)
{
    char bsn[16];
    bsn_of(cl, bsn, sizeof(bsn));
    xmlNodePtr copy = smap_get(kept, bsn);
    if (!copy) {
        xmlNodePtr clienten = xu_path(xmlDocGetRootElement(r->doc), "Declaratie/Clienten");
        if (!clienten || !(copy = xmlDocCopyNode(cl, r->doc, 1)))
            return -1;
        insert_in_order(clienten, copy, ordinal);
        xu_use_parent_ns(copy);
        if (smap_put(kept, bsn, copy) < 0)
            return -1;
    }
    for (size_t i = fresh; i < pr->findings.count; i++) {
        const iwmo_finding *f = &pr->findings.items[i];
        if (f->node && client_of(f->node) == cl && add_moved(&r->findings, f, node_at(copy, index_in(cl, f->node))) < 0)
            return -1;
    }
    return 0;
}

/* Does a finding from index `fresh` on concern n or an element inside it? */
static int has_fresh_finding(const iwmo_result *pr, size_t fresh, xmlNodePtr n)
{
    for (size_t i = fresh; i < pr->findings.count; i++)
        for (xmlNodePtr a = pr->findings.items[i].node; a; a = a->parent)
            if (a == n)
                return 1;
    return 0;
}

static int keep_rejected(iwmo_result *r, const iwmo_result *pr, size_t fresh, long first, smap *kept)
{
    xmlNodePtr clienten = xu_path(xmlDocGetRootElement(pr->doc), "Declaratie/Clienten");
    long ordinal = first;
    for (xmlNodePtr cl = xu_child(clienten, "Client"); cl; cl = xu_next(cl, "Client"), ordinal++)
        if (has_fresh_finding(pr, fresh, cl) && keep_client(r, pr, fresh, cl, ordinal, kept) < 0)
            return -1;
    return 0;
}

struct each_ctx {
    iwmo_result *r;
    int keep;
    smap kept;
    piece_fn fn;
    void *ctx;
    int stopped;                        /* fn or the bookkeeping stopped the reading */
    long clients;                       /* Clients in the pieces before this one */
};

/* One piece: its result, fn, and what it found kept. */
static int one_piece(xmlDocPtr piece, void *ctx)
{
    struct each_ctx *e = ctx;
    iwmo_result *r = e->r;
    iwmo_result pr = {.ident = r->ident, .well_formed = 1, .identified = 1,
                      .schema_valid = r->schema_valid, .valid = r->valid, .doc = piece};
    iwmo_findings_init(&pr.findings, r->findings.max_findings);
    smap clients = {0};
    int rc = map_clients(piece, &clients) < 0 || findings_into_piece(r, &pr, &clients) < 0 ? -1 : 0;
    size_t fresh = pr.findings.count;
    if (rc == 0)
        rc = e->fn(&pr, e->ctx);
    if (rc == 0 && e->keep)
        rc = keep_rejected(r, &pr, fresh, e->clients, &e->kept);
    e->clients += (long)clients.n;
    smap_free(&clients, NULL);
    pr.doc = NULL;
    iwmo_result_free(&pr);
    e->stopped = rc != 0;
    return rc;
}

int pieces_each(iwmo_result *r, int keep, piece_fn fn, void *ctx, char *err, size_t errsize)
{
    struct each_ctx e = {r, keep, {0}, fn, ctx, 0, 0};
    if (keep && map_clients(r->doc, &e.kept) < 0) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    int rc = iwmo_pieces_each(r, r->pieces_clients, one_piece, &e);
    smap_free(&e.kept, NULL);
    if (rc != 0 && !e.stopped)
        snprintf(err, errsize, "cannot read the declaratie again piece by piece");
    return rc;
}

/* 0: header or Declaratie, 1: a Client or a credit line, 2: a debet line. */
static int round_of(const iwmo_finding *f)
{
    if (!f->node || !client_of(f->node))
        return 0;
    if (xu_is(f->node, "Client"))
        return 1;
    xmlNodePtr p = f->node;
    while (p && !xu_is(p, "Prestatie"))
        p = p->parent;
    char dc[4];
    return p && !strcmp(xu_text(p, "IngediendBedrag/DebetCredit", dc, sizeof(dc)), "C") ? 1 : 2;
}

int pieces_order_findings(iwmo_result *r)
{
    size_t n = r->findings.count;
    if (n < 2)
        return 0;
    iwmo_finding *sorted = malloc((n ? n : 1) * sizeof(*sorted));
    if (!sorted)
        return -1;
    size_t o = 0;
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < n; i++)
            if (round_of(&r->findings.items[i]) == round)
                sorted[o++] = r->findings.items[i];
    memcpy(r->findings.items, sorted, n * sizeof(*sorted));
    free(sorted);
    iwmo_class_index_free(r);
    return 0;
}
