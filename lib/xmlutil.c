/* xmlutil.c - see xmlutil.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "xmlutil.h"

int xu_is(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && (!local || strcmp((const char *)n->name, local) == 0);
}

xmlNodePtr xu_child(xmlNodePtr n, const char *local)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (xu_is(c, local))
            return c;
    return NULL;
}

xmlNodePtr xu_next(xmlNodePtr n, const char *local)
{
    for (xmlNodePtr c = n ? n->next : NULL; c; c = c->next)
        if (xu_is(c, local))
            return c;
    return NULL;
}

xmlNodePtr xu_path(xmlNodePtr n, const char *path)
{
    char part[128];
    const char *p = path;
    while (n && *p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len >= sizeof(part))
            return NULL;
        memcpy(part, p, len);
        part[len] = '\0';
        n = xu_child(n, part);
        p += len + (slash ? 1 : 0);
    }
    return n;
}

/* Preorder successor of cur inside root's subtree, over element nodes. */
xmlNodePtr xu_preorder_next(xmlNodePtr root, xmlNodePtr cur)
{
    for (xmlNodePtr c = cur->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    while (cur && cur != root) {
        for (xmlNodePtr s = cur->next; s; s = s->next)
            if (s->type == XML_ELEMENT_NODE)
                return s;
        cur = cur->parent;
    }
    return NULL;
}

/*
 * A parsed document keeps its element names in a dictionary, so a name to
 * look for can be turned into the dictionary's pointer once and compared by
 * address while walking; a name the dictionary lacks occurs nowhere. The
 * DOM calls that add nodes to such a document intern their names too.
 */
xmlNodePtr xu_next_desc(xmlNodePtr root, xmlNodePtr cur, const char *local)
{
    xmlDictPtr dict = cur->doc ? cur->doc->dict : NULL;
    if (local && dict) {
        const xmlChar *want = xmlDictExists(dict, BAD_CAST local, -1);
        if (!want)
            return NULL;
        for (xmlNodePtr n = xu_preorder_next(root, cur); n; n = xu_preorder_next(root, n))
            if (n->name == want && n->type == XML_ELEMENT_NODE)
                return n;
        return NULL;
    }
    for (xmlNodePtr n = xu_preorder_next(root, cur); n; n = xu_preorder_next(root, n))
        if (xu_is(n, local))
            return n;
    return NULL;
}

xmlNodePtr xu_first_desc(xmlNodePtr root, const char *local)
{
    return root ? xu_next_desc(root, root, local) : NULL;
}

const char *xu_text(xmlNodePtr n, const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    if (path)
        n = xu_path(n, path);
    if (!n || size == 0)
        return buf;
    size_t o = 0;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
            continue;
        for (const xmlChar *s = c->content; *s && o + 1 < size; s++)
            buf[o++] = (char)*s;
    }
    buf[o] = '\0';
    size_t start = 0;
    while (start < o && isspace((unsigned char)buf[start]))
        start++;
    while (o > start && isspace((unsigned char)buf[o - 1]))
        buf[--o] = '\0';
    if (start)
        memmove(buf, buf + start, o - start + 1);
    return buf;
}

int xu_has(xmlNodePtr n, const char *path)
{
    return xu_path(n, path) != NULL;
}

iwmo_date xu_date(xmlNodePtr n, const char *path)
{
    char buf[32];
    xmlNodePtr e = path ? xu_path(n, path) : n;
    if (!e)
        return IWMO_NO_DATE;
    return iwmo_date_parse(xu_text(e, NULL, buf, sizeof(buf)));
}

int xu_long(xmlNodePtr n, const char *path, long long *out)
{
    char buf[32];
    xmlNodePtr e = path ? xu_path(n, path) : n;
    if (!e)
        return -1;
    xu_text(e, NULL, buf, sizeof(buf));
    char *end;
    if (!buf[0])
        return -1;
    long long v = strtoll(buf, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/*
 * A copy made with xmlDocCopyNode declares the namespaces it uses itself;
 * once it hangs under a parent that declares them too, point its nodes at
 * the parent's declarations and drop its own, so that it serialises as the
 * original did.
 */
void xu_use_parent_ns(xmlNodePtr top)
{
    xmlNsPtr own = top->nsDef;
    for (xmlNsPtr ns = own; ns; ns = ns->next)
        if (!xmlSearchNsByHref(top->doc, top->parent, ns->href))
            return;                     /* declared only here: keep them all */
    for (xmlNodePtr n = top; n; n = xu_preorder_next(top, n)) {
        for (xmlNsPtr ns = own; n->ns && ns; ns = ns->next)
            if (n->ns == ns)
                n->ns = xmlSearchNsByHref(top->doc, top->parent, ns->href);
    }
    top->nsDef = NULL;
    xmlFreeNsList(own);
}
