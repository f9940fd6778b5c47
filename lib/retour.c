/*
 * retour.c - builds the retourbericht for a checked heenbericht.
 *
 * The retour mirrors the heenbericht: the header is repeated with the
 * retour's own identification, and (for cross-message or external-source
 * findings) each client with a rejected class is repeated whole, every class
 * carrying its retourcodes (0200 where nothing was found). The 325 answers a
 * 323 per IV087: only rejected prestaties, with the approved total.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iwmo.h"
#include "xmlutil.h"

#define MAX_CODES 16

struct builder {
    const iwmo_result *r;
    const iwmo_retour_opts *o;
    const iwmo_msgtype *rt;         /* the retour's type */
    xmlDocPtr doc;
    xmlNsPtr ns_msg;                /* the retour's own namespace */
    xmlNsPtr ns_base;               /* the basisschema namespace */
    char base_ns[128];
};

typedef struct {
    const char *v[MAX_CODES];
    int n;
} codes;

/* Elements that carry their own RetourCodes in a retour (the berichtklassen). */
static int is_class(xmlNodePtr n)
{
    static const char *const names[] = {
        "Client", "Relatie", "Contact", "ToegewezenProduct", "StartProduct", "StopProduct",
        "AangevraagdProduct", "Verzoek", "OngewijzigdProduct", "TeWijzigenProduct", "NieuwProduct",
        "Antwoord", "Woonplaatsbeginsel", "Prestatie", "Declaratie", NULL};
    if (!n || n->type != XML_ELEMENT_NODE)
        return 0;
    for (int i = 0; names[i]; i++)
        if (strcmp((const char *)n->name, names[i]) == 0)
            return 1;
    return 0;
}

/* The class a finding belongs to: nearest class ancestor-or-self; NULL = header/message level. */
static xmlNodePtr class_of(xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        if (xu_is(n, "Header"))
            return NULL;
        if (is_class(n))
            return n;
    }
    return NULL;
}

static void codes_add(codes *c, const char *code)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->v[i], code) == 0)
            return;
    if (c->n < MAX_CODES)
        c->v[c->n++] = code;
}

static int is_content_finding(const iwmo_finding *f)
{
    return f->level >= 3;
}

static int has_level(const iwmo_result *r, int level)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (r->findings.items[i].level == level)
            return 1;
    return 0;
}

/*
 * An index of the cross-message/external findings, so that "which codes does
 * this class get" and "is anything rejected below this element" cost O(1)
 * per question instead of a scan of every finding: a 40,000-line declaratie
 * can carry tens of thousands of findings. Built once, extended as findings
 * are added (the cross-message rules ask while they still add findings).
 */
typedef struct {
    size_t done;            /* findings indexed so far */
    size_t cap;             /* slots in both tables, a power of two */
    size_t used, aused;
    xmlNodePtr *key;        /* class table: the class node (HEADER for the header) */
    int *head;              /* first finding of that class, -1 none */
    int *next;              /* per finding: the next of the same class */
    size_t nextcap;
    xmlNodePtr *akey;       /* ancestor set: every element with a finding at or below it */
} class_index;

static xmlNode header_key_node;
#define HEADER_KEY (&header_key_node)

static size_t slot_of(const void *p, size_t cap)
{
    uintptr_t h = (uintptr_t)p >> 4;
    h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 7) & (cap - 1);
}

static size_t find_slot(xmlNodePtr *keys, size_t cap, xmlNodePtr k)
{
    size_t i = slot_of(k, cap);
    while (keys[i] && keys[i] != k)
        i = (i + 1) & (cap - 1);
    return i;
}

static int index_grow(class_index *x)
{
    size_t ncap = x->cap ? x->cap * 2 : 256;
    xmlNodePtr *key = calloc(ncap, sizeof(*key)), *akey = calloc(ncap, sizeof(*akey));
    int *head = malloc(ncap * sizeof(*head));
    if (!key || !akey || !head) {
        free(key); free(akey); free(head);
        return -1;
    }
    for (size_t i = 0; i < x->cap; i++) {
        if (x->key[i]) {
            size_t j = find_slot(key, ncap, x->key[i]);
            key[j] = x->key[i];
            head[j] = x->head[i];
        }
        if (x->akey[i])
            akey[find_slot(akey, ncap, x->akey[i])] = x->akey[i];
    }
    free(x->key); free(x->akey); free(x->head);
    x->key = key; x->akey = akey; x->head = head; x->cap = ncap;
    return 0;
}

static int index_add(class_index *x, const iwmo_result *r, size_t i)
{
    const iwmo_finding *f = &r->findings.items[i];
    if (i >= x->nextcap) {
        size_t n = x->nextcap ? x->nextcap * 2 : 64;
        while (n <= i)
            n *= 2;
        int *nx = realloc(x->next, n * sizeof(*nx));
        if (!nx)
            return -1;
        x->next = nx;
        x->nextcap = n;
    }
    x->next[i] = -1;
    if (!is_content_finding(f))
        return 0;
    if (2 * (x->used + 1) > x->cap || 2 * (x->aused + 64) > x->cap)
        if (index_grow(x) < 0)
            return -1;
    xmlNodePtr cls = class_of(f->node);
    xmlNodePtr k = cls ? cls : HEADER_KEY;
    size_t s = find_slot(x->key, x->cap, k);
    if (!x->key[s]) {
        x->key[s] = k;
        x->head[s] = -1;
        x->used++;
    }
    int *link = &x->head[s];            /* append, keeping the findings' order */
    while (*link >= 0)
        link = &x->next[*link];
    *link = (int)i;
    for (xmlNodePtr p = f->node; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        if (2 * (x->aused + 1) > x->cap && index_grow(x) < 0)
            return -1;
        size_t a = find_slot(x->akey, x->cap, p);
        if (x->akey[a])
            break;                      /* its ancestors are in already */
        x->akey[a] = p;
        x->aused++;
    }
    return 0;
}

/* The index of r, brought up to date with its findings (NULL when out of memory). */
static class_index *index_of(const iwmo_result *r)
{
    iwmo_result *rw = (iwmo_result *)r;     /* the index is a cache; the result itself is unchanged */
    class_index *x = rw->class_index;
    if (!x) {
        x = calloc(1, sizeof(*x));
        if (!x)
            return NULL;
        rw->class_index = x;
    }
    for (; x->done < r->findings.count; x->done++)
        if (index_add(x, r, x->done) < 0)
            return NULL;
    return x;
}

void iwmo_class_index_free(iwmo_result *r)
{
    class_index *x = r->class_index;
    if (!x)
        return;
    free(x->key); free(x->akey); free(x->head); free(x->next);
    free(x);
    r->class_index = NULL;
}

/* Codes of the cross-message/external findings that belong to class cls (NULL = header). */
static codes codes_for(const iwmo_result *r, xmlNodePtr cls)
{
    codes c = {0};
    class_index *x = index_of(r);
    if (!x || !x->cap)
        return c;
    size_t s = find_slot(x->key, x->cap, cls ? cls : HEADER_KEY);
    for (int i = x->key[s] ? x->head[s] : -1; i >= 0; i = x->next[i])
        codes_add(&c, r->findings.items[i].code);
    return c;
}

/* Does any cross-message/external finding sit inside the subtree of n? */
static int subtree_has_findings(const iwmo_result *r, xmlNodePtr n)
{
    class_index *x = index_of(r);
    return x && x->cap && x->akey[find_slot(x->akey, x->cap, n)] == n;
}

static xmlNodePtr el(struct builder *b, xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, b->ns_msg, BAD_CAST name, text ? BAD_CAST text : NULL);
}

static xmlNodePtr bel(struct builder *b, xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, b->ns_base, BAD_CAST name, text ? BAD_CAST text : NULL);
}

static void add_retourcodes(struct builder *b, xmlNodePtr parent, const codes *c)
{
    if (c->n == 0)
        return;
    xmlNodePtr rc = el(b, parent, "RetourCodes", NULL);
    for (int i = 0; i < c->n; i++)
        el(b, rc, "RetourCode", c->v[i]);
}

static codes one_code(const char *code)
{
    codes c = {0};
    codes_add(&c, code);
    return c;
}

/* Copy src under parent, moving it from the heenbericht's namespace into the retour's. */
static xmlNodePtr copy_plain(struct builder *b, xmlNodePtr parent, xmlNodePtr src)
{
    int base = src->ns && strcmp((const char *)src->ns->href, b->base_ns) == 0;
    xmlNodePtr dst = xmlNewChild(parent, base ? b->ns_base : b->ns_msg, src->name, NULL);
    for (xmlNodePtr c = src->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            copy_plain(b, dst, c);
        else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !xmlIsBlankNode(c))
            xmlAddChild(dst, xmlNewText(c->content));
    }
    return dst;
}

/* Copy src and, in every class inside it, append that class's retourcodes (0200 when clean). */
static void copy_with_codes(struct builder *b, xmlNodePtr parent, xmlNodePtr src)
{
    int base = src->ns && strcmp((const char *)src->ns->href, b->base_ns) == 0;
    xmlNodePtr dst = xmlNewChild(parent, base ? b->ns_base : b->ns_msg, src->name, NULL);
    for (xmlNodePtr c = src->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            copy_with_codes(b, dst, c);
        else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !xmlIsBlankNode(c))
            xmlAddChild(dst, xmlNewText(c->content));
    }
    if (is_class(src)) {
        codes c = codes_for(b->r, src);
        if (c.n == 0)
            codes_add(&c, "0200");
        add_retourcodes(b, dst, &c);
    }
}

static void add_xsd_version(struct builder *b, xmlNodePtr parent, const char *name)
{
    xmlNodePtr v = el(b, parent, name, NULL);
    const char *ver = iwmo_xsd_version(b->rt->standard);
    bel(b, v, "BasisschemaXsdVersie", ver);
    bel(b, v, "BerichtXsdVersie", ver);
}

static void add_own_identification(struct builder *b, xmlNodePtr parent, const char *name,
                                   const char *datename, int nested)
{
    char date[16];
    iwmo_date_format(b->o->dagtekening, date, sizeof(date));
    if (nested) {
        xmlNodePtr id = el(b, parent, name, NULL);
        bel(b, id, "Identificatie", b->o->identificatie);
        bel(b, id, "Dagtekening", date);
    } else {
        el(b, parent, name, b->o->identificatie);
        el(b, parent, datename, date);
    }
}

static xmlNodePtr start_doc(struct builder *b)
{
    char retour_ns[128];
    iwmo_msgtype_namespace(b->rt, retour_ns, sizeof(retour_ns));
    iwmo_basisschema_namespace(b->rt->standard, b->base_ns, sizeof(b->base_ns));
    b->doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(b->doc, NULL, BAD_CAST "Bericht", NULL);
    xmlDocSetRootElement(b->doc, root);
    b->ns_msg = xmlNewNs(root, BAD_CAST retour_ns, NULL);
    b->ns_base = xmlNewNs(root, BAD_CAST b->base_ns, BAD_CAST "b");
    xmlSetNs(root, b->ns_msg);
    return root;
}

static void header_prefix(struct builder *b, xmlNodePtr h)
{
    char code[8];
    snprintf(code, sizeof(code), "%d", b->rt->berichtcode);
    el(b, h, "BerichtCode", code);
    el(b, h, "BerichtVersie", "3");
    el(b, h, "BerichtSubversie", "2");
}

/* ---- 302, 306, 308, 316, 318, 320 -------------------------------------- */

static void build_plain_retour(struct builder *b, xmlNodePtr root, xmlNodePtr heen_root)
{
    xmlNodePtr heen_header = xu_child(heen_root, "Header");
    xmlNodePtr h = el(b, root, "Header", NULL);
    header_prefix(b, h);
    static const char *const copied[] = {"Afzender", "Ontvanger", "BerichtIdentificatie", "XsdVersie", NULL};
    for (int i = 0; copied[i]; i++) {
        xmlNodePtr src = xu_child(heen_header, copied[i]);
        if (src)
            copy_plain(b, h, src);
    }
    add_own_identification(b, h, "IdentificatieRetour", "DagtekeningRetour", 0);
    int technical = has_level(b->r, 2);
    if (technical && b->o->xslt_versie)
        el(b, h, "XsltVersie", b->o->xslt_versie);
    add_xsd_version(b, h, "XsdVersieRetour");

    codes hc = technical ? one_code("0001") : codes_for(b->r, NULL);
    int content = 0;
    for (size_t i = 0; i < b->r->findings.count; i++)
        content |= is_content_finding(&b->r->findings.items[i]);
    if (hc.n || !content) {
        add_retourcodes(b, h, &hc);      /* header only: accepted, 0001, or a header error */
        return;
    }
    codes ok = one_code("0200");
    add_retourcodes(b, h, &ok);
    for (xmlNodePtr c = heen_root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !xu_is(c, "Header") && subtree_has_findings(b->r, c))
            copy_with_codes(b, root, c);
}

/* ---- 325 ---------------------------------------------------------------- */

/* Signed cents of an IngediendBedrag / TotaalIngediendBedrag element. */
static long long signed_amount(xmlNodePtr bedrag, const char *amount_name)
{
    long long v = 0;
    char dc[4];
    if (xu_long(bedrag, amount_name, &v) < 0)
        return 0;
    xu_text(bedrag, "DebetCredit", dc, sizeof(dc));
    return strcmp(dc, "C") == 0 ? -v : v;
}

static void add_total(struct builder *b, xmlNodePtr parent, const char *name, long long cents)
{
    char amount[32];
    snprintf(amount, sizeof(amount), "%lld", cents < 0 ? -cents : cents);
    xmlNodePtr t = el(b, parent, name, NULL);
    bel(b, t, "TotaalBedrag", amount);
    bel(b, t, "DebetCredit", cents < 0 ? "C" : "D");
}

static int prestatie_rejected(const iwmo_result *r, xmlNodePtr client, xmlNodePtr p)
{
    return codes_for(r, client).n > 0 || codes_for(r, p).n > 0;
}

/* Total of approved prestaties (signed cents). */
static long long approved_total(const iwmo_result *r, xmlNodePtr decl)
{
    long long sum = 0;
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl; cl = xu_next(cl, "Client"))
        for (xmlNodePtr p = xu_first_desc(cl, "Prestatie"); p; p = xu_next(p, "Prestatie"))
            if (!prestatie_rejected(r, cl, p))
                sum += signed_amount(xu_child(p, "IngediendBedrag"), "Bedrag");
    return sum;
}

static void add_rejected_client(struct builder *b, xmlNodePtr clienten, xmlNodePtr cl)
{
    codes cc = codes_for(b->r, cl);
    xmlNodePtr c = el(b, clienten, "Client", NULL);
    copy_plain(b, c, xu_child(cl, "Bsn"));
    xmlNodePtr ps = el(b, c, "Prestaties", NULL);
    for (xmlNodePtr p = xu_first_desc(cl, "Prestatie"); p; p = xu_next(p, "Prestatie")) {
        codes pc = codes_for(b->r, p);
        if (cc.n == 0 && pc.n == 0)
            continue;                   /* approved: not repeated (OP303/TR342) */
        xmlNodePtr dst = copy_plain(b, ps, p);
        if (pc.n == 0)
            codes_add(&pc, "0233");     /* not judged: its client was rejected */
        add_retourcodes(b, dst, &pc);
    }
    codes ok = one_code("0200");
    add_retourcodes(b, c, cc.n ? &cc : &ok);
}

static void build_325(struct builder *b, xmlNodePtr root, xmlNodePtr heen_root)
{
    xmlNodePtr hh = xu_child(heen_root, "Header");
    xmlNodePtr decl = xu_child(heen_root, "Declaratie");
    xmlNodePtr h = el(b, root, "Header", NULL);
    header_prefix(b, h);
    copy_plain(b, h, xu_child(hh, "Ontvanger"));
    xmlNodeSetName(xmlGetLastChild(h), BAD_CAST "Afzender");
    copy_plain(b, h, xu_child(hh, "Afzender"));
    xmlNodeSetName(xmlGetLastChild(h), BAD_CAST "Ontvanger");
    add_own_identification(b, h, "BerichtIdentificatie", NULL, 1);
    add_xsd_version(b, h, "XsdVersie");
    copy_plain(b, h, xu_child(hh, "BerichtIdentificatie"));
    xmlNodeSetName(xmlGetLastChild(h), BAD_CAST "DeclaratieIdentificatie");
    int technical = has_level(b->r, 2);
    if (technical && b->o->xslt_versie)
        el(b, h, "XsltVersie", b->o->xslt_versie);
    copy_plain(b, h, xu_child(hh, "XsdVersie"));
    xmlNodeSetName(xmlGetLastChild(h), BAD_CAST "XsdVersieDeclaratie");

    codes hc = technical ? one_code("0001") : codes_for(b->r, NULL);
    if (hc.n) {
        add_retourcodes(b, h, &hc);
        return;
    }
    codes ok = one_code("0200");
    add_retourcodes(b, h, &ok);

    xmlNodePtr da = el(b, root, "DeclaratieAntwoord", NULL);
    copy_plain(b, da, xu_child(decl, "DeclaratieNummer"));
    xmlNodePtr total_in = xu_child(decl, "TotaalIngediendBedrag");
    add_total(b, da, "TotaalIngediendBedrag", signed_amount(total_in, "TotaalBedrag"));
    codes dc = codes_for(b->r, decl);
    if (dc.n) {                         /* the declaratie as a whole is rejected */
        add_total(b, da, "TotaalToegekendBedrag", 0);
        add_retourcodes(b, da, &dc);
        return;
    }
    add_total(b, da, "TotaalToegekendBedrag",
              b->r->pieces_buf ? b->r->pieces_approved_cents : approved_total(b->r, decl));
    if (!subtree_has_findings(b->r, decl)) {
        codes full = one_code("8001");
        add_retourcodes(b, da, &full);
        return;
    }
    xmlNodePtr clienten = el(b, da, "Clienten", NULL);
    for (xmlNodePtr cl = xu_first_desc(decl, "Client"); cl; cl = xu_next(cl, "Client"))
        if (subtree_has_findings(b->r, cl))
            add_rejected_client(b, clienten, cl);
    add_retourcodes(b, da, &ok);
}

xmlDocPtr iwmo_retour_build(const iwmo_result *r, const iwmo_retour_opts *o, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!r->identified || !r->ident.msgtype) {
        *why = "the file was refused before it could be identified; the sender gets an error, not a retour";
        return NULL;
    }
    if (r->ident.msgtype->is_retour) {
        *why = "the message is itself a retourbericht";
        return NULL;
    }
    if (!r->schema_valid) {
        *why = "the message fails its XSD: no retour is sent (IV028), the sender gets an error";
        return NULL;
    }
    iwmo_class_index_free((iwmo_result *)r);    /* findings may have moved since: index afresh */
    struct builder b = {.r = r, .o = o};
    b.rt = iwmo_msgtype_find(r->ident.standard, r->ident.msgtype->retour_type);
    xmlNodePtr root = start_doc(&b);
    xmlNodePtr heen_root = xmlDocGetRootElement(r->doc);
    if (b.rt->type == 325)
        build_325(&b, root, heen_root);
    else
        build_plain_retour(&b, root, heen_root);
    *why = NULL;
    return b.doc;
}

int iwmo_class_codes(const iwmo_result *r, xmlNodePtr cls, const char **out, int max)
{
    codes c = codes_for(r, cls);
    int n = c.n < max ? c.n : max;
    for (int i = 0; i < n; i++)
        out[i] = c.v[i];
    return n;
}
