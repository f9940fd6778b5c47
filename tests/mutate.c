/* mutate.c - see mutate.h. */
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlsave.h>
#include "mutate.h"

static xmlNodePtr find_element(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(n->name, BAD_CAST name) == 0)
            return n;
        xmlNodePtr hit = find_element(n->children, name);
        if (hit)
            return hit;
    }
    return NULL;
}

static xmlNodePtr doc_find(xmlDocPtr doc, const char *name)
{
    return find_element(xmlDocGetRootElement(doc), name);
}

static int set_text(xmlDocPtr doc, const char *name, const char *value)
{
    xmlNodePtr n = doc_find(doc, name);
    if (!n)
        return -1;
    xmlNodeSetContent(n, BAD_CAST value);
    return 0;
}

const char *mutation_name(mutation m)
{
    static const char *names[] = {"missing-required", "wrong-order", "bad-date", "bad-code", "pattern"};
    return m < MUT_COUNT ? names[m] : "?";
}

static int bad_code(xmlDocPtr doc)
{
    static const struct { const char *el, *val; } cands[] = {
        {"Geslacht", "7"}, {"DebetCredit", "X"}, {"StatusAanlevering", "7"},
        {"DatumGebruik", "9"}, {"RetourCode", "0000"}, {"Eenheid", "99"},
        {"VerzoekAntwoord", "9"},
    };
    for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
        if (set_text(doc, cands[i].el, cands[i].val) == 0)
            return 0;
    return -1;
}

int mutate_apply(xmlDocPtr doc, mutation m)
{
    xmlNodePtr a, b;
    switch (m) {
    case MUT_MISSING_REQUIRED:
        a = doc_find(doc, "BerichtIdentificatie");
        if (!a)
            return -1;
        xmlUnlinkNode(a);
        xmlFreeNode(a);
        return 0;
    case MUT_WRONG_ORDER:
        a = doc_find(doc, "BerichtVersie");
        b = doc_find(doc, "BerichtSubversie");
        if (!a || !b)
            return -1;
        xmlUnlinkNode(a);
        xmlAddNextSibling(b, a);
        return 0;
    case MUT_BAD_DATE:
        return set_text(doc, "Dagtekening", "2027-06-31");
    case MUT_BAD_CODE:
        return bad_code(doc);
    case MUT_PATTERN:
        return set_text(doc, "Afzender", "12ab");
    default:
        return -1;
    }
}

static size_t collect(xmlNodePtr n, xmlNodePtr *out, size_t cap, size_t k)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (k < cap)
            out[k] = n;
        k++;
        k = collect(n->children, out, cap, k);
    }
    return k;
}

int mutate_random(xmlDocPtr doc, unsigned seed)
{
    xmlNodePtr nodes[4096];
    xmlNodePtr root = xmlDocGetRootElement(doc);
    size_t n = collect(root ? root->children : NULL, nodes, 4096, 0);
    if (n == 0)
        return -1;
    if (n > 4096)
        n = 4096;
    srand(seed);
    xmlNodePtr el = nodes[(size_t)rand() % n];
    switch (rand() % 5) {
    case 0:                             /* drop the element */
        xmlUnlinkNode(el);
        xmlFreeNode(el);
        break;
    case 1:                             /* repeat it */
        xmlAddNextSibling(el, xmlCopyNode(el, 1));
        break;
    case 2: {                           /* swap with its next element sibling */
        xmlNodePtr nx = xmlNextElementSibling(el);
        if (!nx)
            return -1;
        xmlUnlinkNode(el);
        xmlAddNextSibling(nx, el);
        break;
    }
    case 3:                             /* empty its content */
        xmlNodeSetContent(el, BAD_CAST "");
        break;
    default: {                          /* an overlong value */
        char big[300];
        memset(big, '9', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        xmlNodeSetContent(el, BAD_CAST big);
        break;
    }
    }
    return 0;
}

char *mutate_serialise(xmlDocPtr doc, size_t *len)
{
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
    char *out = malloc((size_t)n + 1);
    memcpy(out, mem, (size_t)n);
    out[n] = '\0';
    xmlFree(mem);
    *len = (size_t)n;
    return out;
}
