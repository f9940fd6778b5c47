/*
 * xmlutil.h - small DOM helpers for the rules and retours: elements are
 * found by local name (messages mix the message and basisschema
 * namespaces), values are read trimmed, dates and amounts parsed.
 */
#ifndef IWMO_XMLUTIL_H
#define IWMO_XMLUTIL_H

#include <libxml/tree.h>
#include "iwmo.h"

xmlNodePtr xu_child(xmlNodePtr n, const char *local);           /* first element child */
xmlNodePtr xu_next(xmlNodePtr n, const char *local);            /* next element sibling of that name */
xmlNodePtr xu_path(xmlNodePtr n, const char *path);             /* "BerichtIdentificatie/Dagtekening" */

/* Depth-first iteration over the descendants of root named local (NULL = any element). */
xmlNodePtr xu_first_desc(xmlNodePtr root, const char *local);
xmlNodePtr xu_next_desc(xmlNodePtr root, xmlNodePtr cur, const char *local);
/* The element after cur in document order inside root's subtree, or NULL. */
xmlNodePtr xu_preorder_next(xmlNodePtr root, xmlNodePtr cur);
/* After adding a copied subtree under a parent: use the parent's namespace declarations. */
void xu_use_parent_ns(xmlNodePtr top);

/* Trimmed text of n (or of n's descendant at path when path != NULL) into buf; "" when absent. */
const char *xu_text(xmlNodePtr n, const char *path, char *buf, size_t size);
int xu_has(xmlNodePtr n, const char *path);
iwmo_date xu_date(xmlNodePtr n, const char *path);              /* IWMO_NO_DATE when absent */
int xu_long(xmlNodePtr n, const char *path, long long *out);    /* 0 ok, -1 absent or not a number */
int xu_is(xmlNodePtr n, const char *local);                     /* element with that local name */

#endif
