/*
 * schemas.c - the set of compiled XSDs, one per message type, compiled on
 * first use and kept for the life of the set, and validation of a parsed
 * message against the schema of its type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlschemas.h>
#include "iwmo.h"
#include "schemas_int.h"

struct compiled {
    int tried;
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vctxt;
};

struct iwmo_schemaset {
    char *dir;
    size_t ntypes;
    struct compiled *by_type;   /* indexed like iwmo_msgtype_at() */
};

iwmo_schemaset *iwmo_schemaset_new(const char *dir)
{
    iwmo_schemaset *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->dir = strdup(dir);
    s->ntypes = iwmo_msgtype_count();
    s->by_type = calloc(s->ntypes, sizeof(*s->by_type));
    if (!s->dir || !s->by_type) {
        iwmo_schemaset_free(s);
        return NULL;
    }
    return s;
}

void iwmo_schemaset_free(iwmo_schemaset *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->by_type && i < s->ntypes; i++) {
        if (s->by_type[i].vctxt)
            xmlSchemaFreeValidCtxt(s->by_type[i].vctxt);
        if (s->by_type[i].schema)
            xmlSchemaFree(s->by_type[i].schema);
    }
    free(s->by_type);
    free(s->dir);
    free(s);
}

const char *iwmo_schemaset_dir(const iwmo_schemaset *s)
{
    return s->dir;
}

static size_t type_index(const iwmo_msgtype *t)
{
    for (size_t i = 0; i < iwmo_msgtype_count(); i++)
        if (iwmo_msgtype_at(i) == t)
            return i;
    return (size_t)-1;
}

static void schema_path(const iwmo_schemaset *s, const iwmo_msgtype *t, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/3.2/%s.xsd", s->dir, iwmo_standard_name(t->standard), t->name);
}

static void ignore_errors(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
}

static struct compiled *compile(iwmo_schemaset *s, const iwmo_msgtype *t)
{
    size_t i = type_index(t);
    if (i >= s->ntypes)
        return NULL;
    struct compiled *c = &s->by_type[i];
    if (c->tried)
        return c->vctxt ? c : NULL;
    c->tried = 1;
    char path[4096];
    schema_path(s, t, path, sizeof(path));
    xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt(path);
    if (!pctxt)
        return NULL;
    xmlSchemaSetParserStructuredErrors(pctxt, ignore_errors, NULL);
    c->schema = xmlSchemaParse(pctxt);
    xmlSchemaFreeParserCtxt(pctxt);
    if (c->schema)
        c->vctxt = xmlSchemaNewValidCtxt(c->schema);
    return c->vctxt ? c : NULL;
}

/* Copy msg to out without the "{namespace}" parts libxml2 puts before names. */
static void strip_namespaces(const char *msg, char *out, size_t n)
{
    size_t o = 0;
    int in_brace = 0;
    for (const char *p = msg; *p && o + 1 < n; p++) {
        if (*p == '{')
            in_brace = 1;
        else if (*p == '}' && in_brace)
            in_brace = 0;
        else if (!in_brace && *p != '\n')
            out[o++] = *p;
    }
    out[o] = '\0';
    while (o > 0 && out[o - 1] == ' ')
        out[--o] = '\0';
}

/* Elements whose values are personal data: never repeated in a finding. */
static int is_personal_name(const char *name)
{
    static const char *const names[] = {"Bsn", "Achternaam", "Voorvoegsel", "Voornamen", "Voorletters",
                                        "Datum", "Geboortedatum", "Straatnaam", "Huisnummer",
                                        "Postcode", "Telefoonnummer", "Emailadres", NULL};
    for (int i = 0; name && names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/*
 * Is the value in this error personal data? By the element when the error
 * names its node; a streaming reader may not, so then by the element name the
 * message starts with ("Element 'Bsn': ...", namespaces already stripped).
 */
static int is_personal(const xmlNode *n, const char *msg)
{
    if (n && is_personal_name((const char *)n->name))
        return 1;
    const char *p = strncmp(msg, "Element '", 9) == 0 ? msg + 9 : NULL;
    const char *q = p ? strchr(p, '\'') : NULL;
    char name[64];
    if (!q || (size_t)(q - p) >= sizeof(name))
        return !n;                      /* cannot tell without a node: withhold the values */
    memcpy(name, p, (size_t)(q - p));
    name[q - p] = '\0';
    return is_personal_name(name);
}

/* Replace every quoted value ('...') after "value " in msg (of size n) by a placeholder. */
static void redact_values(char *msg, size_t n)
{
    char out[1024];
    size_t o = 0;
    const char *p = msg;
    while (*p && o + 1 < sizeof(out)) {
        const char *hit = strstr(p, "value '");
        const char *close = hit ? strchr(hit + 7, '\'') : NULL;
        if (!hit || !close) {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", p);
            break;
        }
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*svalue '(withheld)'", (int)(hit - p), p);
        p = close + 1;
    }
    out[o < sizeof(out) ? o : sizeof(out) - 1] = '\0';
    snprintf(msg, n, "%s", out);
}

void iwmo_schema_error_finding(iwmo_findings *f, xmlErrorPtr err, int keep_node)
{
    char msg[1024];
    strip_namespaces(err->message ? err->message : "schema violation", msg, sizeof(msg));
    xmlNodePtr node = err->node;
    if (node && node->type != XML_ELEMENT_NODE)
        node = node->parent;
    if (is_personal(node, msg))
        redact_values(msg, sizeof(msg));
    size_t before = f->count;
    iwmo_findings_add_at(f, node, 1, "0001", "XSD", "%s", msg);
    if (f->count > before && f->items[f->count - 1].line <= 0)
        f->items[f->count - 1].line = err->line;
    if (f->count > before && !keep_node)
        f->items[f->count - 1].node = NULL;     /* a streaming reader frees its nodes */
}

static void on_schema_error(void *ctx, xmlErrorPtr err)
{
    if (err->level != XML_ERR_WARNING)
        iwmo_schema_error_finding(ctx, err, 1);
}

xmlSchemaValidCtxtPtr iwmo_schemaset_vctxt(iwmo_schemaset *s, const iwmo_msgtype *t)
{
    struct compiled *c = compile(s, t);
    return c ? c->vctxt : NULL;
}

int iwmo_schema_validate(iwmo_schemaset *s, const iwmo_msgtype *t, xmlDocPtr doc,
                         iwmo_findings *f)
{
    struct compiled *c = compile(s, t);
    if (!c) {
        char path[4096];
        schema_path(s, t, path, sizeof(path));
        iwmo_findings_add(f, 0, "schema-unavailable", "",
                          "cannot load or compile the schema %s", path);
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(c->vctxt, on_schema_error, f);
    int rc = xmlSchemaValidateDoc(c->vctxt, doc);
    xmlSchemaSetValidStructuredErrors(c->vctxt, NULL, NULL);
    if (rc < 0) {
        iwmo_findings_add(f, 0, "internal-error", "", "schema validation failed internally");
        return -1;
    }
    return rc == 0 ? 0 : 1;
}
