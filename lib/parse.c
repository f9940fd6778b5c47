/*
 * parse.c - safe parsing of untrusted XML with libxml2.
 *
 * The parser never reaches the network, never loads a DTD and refuses any
 * DOCTYPE before its internal subset is read, so external entities (XXE) and
 * entity expansion bombs are stopped before a single entity is declared.
 * Element depth is bounded while parsing; errors carry their line number.
 */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include "iwmo.h"

struct parse_state {
    iwmo_findings *f;
    int max_depth;
    int refused;            /* we stopped the parser on purpose */
    int errors;
};

static struct parse_state *state_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

static void refuse(void *ctx, const char *code, const char *rule, const char *msg)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = state_of(ctx);
    if (!st->refused)
        iwmo_findings_add(st->f, xmlSAX2GetLineNumber(ctx), code, rule, "%s", msg);
    st->refused = 1;
    xmlStopParser(ctxt);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
    (void)name; (void)ext_id; (void)sys_id;
    refuse(ctx, "doctype-forbidden", "",
           "document has a DOCTYPE; iStandaarden messages carry none, and DTDs and "
           "entities are never processed");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *pub, const xmlChar *sys, xmlChar *content)
{
    (void)name; (void)type; (void)pub; (void)sys; (void)content;
    refuse(ctx, "doctype-forbidden", "", "entity declarations are not allowed");
}

static xmlParserInputPtr on_resolve_entity(void *ctx, const xmlChar *pub, const xmlChar *sys)
{
    (void)pub; (void)sys;
    refuse(ctx, "doctype-forbidden", "", "external entities are not allowed");
    return NULL;
}

static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_ns, const xmlChar **ns,
                             int nb_attr, int nb_defaulted, const xmlChar **attrs)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = state_of(ctx);
    if (ctxt->nameNr + 1 > st->max_depth) {
        char msg[96];
        snprintf(msg, sizeof(msg), "elements nested deeper than the limit of %d", st->max_depth);
        refuse(ctx, "too-deep", "", msg);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attr, nb_defaulted, attrs);
}

static void trim_newline(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static void on_error(void *ctx, xmlErrorPtr err)
{
    struct parse_state *st = state_of(ctx);
    if (st->refused || err->level == XML_ERR_WARNING)
        return;
    st->errors++;
    if (st->errors > 5)
        return;             /* the first errors say enough; the rest are noise */
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "parse error");
    trim_newline(msg);
    iwmo_findings_add(st->f, err->line, "malformed-xml", "", "not well-formed XML: %s", msg);
}

static int encoding_is_utf8(const xmlChar *enc)
{
    return enc == NULL || xmlStrcasecmp(enc, BAD_CAST "UTF-8") == 0 ||
           xmlStrcasecmp(enc, BAD_CAST "UTF8") == 0;
}

static void install_handlers(xmlParserCtxtPtr ctxt)
{
    xmlSAXHandlerPtr sax = ctxt->sax;
    sax->internalSubset = on_doctype;
    sax->externalSubset = on_doctype;
    sax->entityDecl = on_entity_decl;
    sax->resolveEntity = on_resolve_entity;
    sax->startElementNs = on_start_element;
    sax->serror = on_error;
    sax->error = NULL;
    sax->warning = NULL;
}

#define PARSE_CHUNK 65536

/* Parse buf in chunks; stops at the first fatal error (a refusal stops the parser). */
static void feed_chunks(xmlParserCtxtPtr ctxt, const char *buf, size_t len)
{
    size_t off = 0;
    do {
        size_t n = len - off > PARSE_CHUNK ? PARSE_CHUNK : len - off;
        int last = off + n == len;
        if (xmlParseChunk(ctxt, buf + off, (int)n, last) != 0 || ctxt->disableSAX)
            break;
        off += n;
    } while (off < len);
}

xmlDocPtr iwmo_parse_safe(const char *buf, size_t len, const iwmo_limits *lim,
                          iwmo_findings *f)
{
    if (len > (size_t)0x7fffffff) {
        iwmo_findings_add(f, 0, "too-large", "OP179", "file too large to parse");
        return NULL;
    }
    /* A push parser: libxml2's memory parser copies the whole input first,
     * which for a 25 MB declaratie is 25 MB more at the peak; fed in chunks it
     * keeps only the unparsed rest of the current chunk. */
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!ctxt) {
        iwmo_findings_add(f, 0, "internal-error", "", "cannot create an XML parser");
        return NULL;
    }
    struct parse_state st = {.f = f, .max_depth = lim->max_depth};
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                      XML_PARSE_BIG_LINES | XML_PARSE_NOXINCNODE | XML_PARSE_COMPACT | XML_PARSE_NOBLANKS);
    ctxt->_private = &st;
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    install_handlers(ctxt);

    feed_chunks(ctxt, buf, len);
    xmlDocPtr doc = ctxt->myDoc;
    int ok = ctxt->wellFormed && !st.refused;
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);

    if (ok && doc && !encoding_is_utf8(doc->encoding)) {
        iwmo_findings_add(f, 1, "encoding-not-utf8", "OP192",
                          "declared encoding '%s'; messages must be UTF-8", (const char *)doc->encoding);
        ok = 0;
    }
    if (!ok || !doc) {
        if (doc)
            xmlFreeDoc(doc);
        if (!st.refused && st.errors == 0)
            iwmo_findings_add(f, 0, "malformed-xml", "", "not well-formed XML");
        return NULL;
    }
    return doc;
}
