/*
 * stream.c - a big declaratie (323) checked piece by piece instead of as one
 * tree, so its memory stays bounded whatever its size (issue 11).
 *
 * The check reads the bytes with libxml2's xmlTextReader, which keeps only the
 * nodes around the current one, with the message's XSD attached: one pass
 * finds every schema violation. What the rules and the daemon need to see is
 * then cut into pieces: each piece is a small document with the message's
 * root, its Header, the Declaratie's own elements and a run of its Clients,
 * with the line numbers of the file. The message's result keeps a skeleton
 * (the piece without Clients) as its document and the raw bytes to read the
 * pieces from again.
 *
 * Only a 323 of at least limits.stream_from bytes without a DOCTYPE goes this
 * way; everything else is parsed whole (lib/parse.c), which is also where a
 * DOCTYPE is refused.
 */
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlreader.h>
#include "iwmo.h"
#include "schemas_int.h"
#include "xmlutil.h"

/* No NOERROR: the reader's errors reach on_reader_error (nothing is printed). */
#define READER_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOXINCNODE | \
                        XML_PARSE_COMPACT | XML_PARSE_NOBLANKS)

/* Where the reader is, as far as copying goes. */
struct cutter {
    xmlTextReaderPtr rd;
    xmlDocPtr skel;             /* root, Header, Declaratie's own elements, empty Clienten */
    xmlNodePtr open[4];         /* the copies of the containers entered, by depth */
    const iwmo_limits *lim;
    iwmo_findings *f;           /* NULL: errors are not reported (a second reading) */
    int refused;                /* too deep */
    long refused_line;
    int errors;
};

static int is_container(int depth, const xmlChar *name)
{
    return depth == 0 || (depth == 1 && xmlStrEqual(name, BAD_CAST "Declaratie")) ||
           (depth == 2 && xmlStrEqual(name, BAD_CAST "Clienten"));
}

/* Copy the reader's current element (whole subtree when deep) under parent. */
static xmlNodePtr copy_here(struct cutter *c, xmlDocPtr doc, xmlNodePtr parent, int deep)
{
    xmlNodePtr src = deep ? xmlTextReaderExpand(c->rd) : xmlTextReaderCurrentNode(c->rd);
    if (!src)
        return NULL;
    xmlNodePtr cp = xmlDocCopyNode(src, doc, deep ? 1 : 2);
    if (!cp)
        return NULL;
    if (!parent) {
        xmlDocSetRootElement(doc, cp);
        return cp;
    }
    xmlAddChild(parent, cp);
    xu_use_parent_ns(cp);
    return cp;
}

static void on_reader_error(void *ctx, xmlErrorPtr err)
{
    struct cutter *c = ctx;
    if (!c->f || err->level == XML_ERR_WARNING)
        return;
    if (++c->errors > 5)
        return;
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "parse error");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    iwmo_findings_add(c->f, err->line, "malformed-xml", "", "not well-formed XML: %s", msg);
}

static int cutter_open(struct cutter *c, const char *buf, size_t len, const iwmo_limits *lim,
                       iwmo_findings *f)
{
    memset(c, 0, sizeof(*c));
    c->lim = lim;
    c->f = f;
    c->rd = xmlReaderForMemory(buf, (int)len, NULL, NULL, READER_OPTIONS);
    c->skel = xmlNewDoc(BAD_CAST "1.0");
    if (!c->rd || !c->skel)
        return -1;
    xmlTextReaderSetStructuredErrorHandler(c->rd, on_reader_error, c);
    return 0;
}

static void cutter_close(struct cutter *c)
{
    if (c->rd)
        xmlFreeTextReader(c->rd);
    if (c->skel)
        xmlFreeDoc(c->skel);
    c->rd = NULL;
    c->skel = NULL;
}

/*
 * Read on to the next Client (returns 1, the reader on its start tag), or to
 * the end (0), copying the skeleton's parts on the way; -1 when the reader
 * fails. With clients_too == 0, Clients are read through like the rest.
 */
static int read_to_client(struct cutter *c, int clients_too)
{
    int rc;
    while ((rc = xmlTextReaderRead(c->rd)) == 1) {
        if (xmlTextReaderNodeType(c->rd) != XML_READER_TYPE_ELEMENT)
            continue;
        int depth = xmlTextReaderDepth(c->rd);
        if (depth + 1 > c->lim->max_depth) {
            c->refused = 1;
            c->refused_line = xmlTextReaderGetParserLineNumber(c->rd);
            return -1;
        }
        if (depth > 3 || (depth > 0 && !c->open[depth - 1]))
            continue;                   /* inside a part copied whole, or outside the skeleton */
        const xmlChar *name = xmlTextReaderConstLocalName(c->rd);
        if (depth == 3 && xmlStrEqual(name, BAD_CAST "Client")) {
            if (clients_too)
                return 1;
            continue;
        }
        if (depth < 3)
            c->open[depth] = NULL;
        xmlNodePtr parent = depth ? c->open[depth - 1] : NULL;
        int container = is_container(depth, name);
        xmlNodePtr cp = copy_here(c, c->skel, parent, !container);
        if (!cp)
            return -1;
        if (container)
            c->open[depth] = cp;
    }
    return rc < 0 ? -1 : 0;
}

/* ---- the check ------------------------------------------------------------ */

int iwmo_stream_wanted(const char *buf, size_t len, const iwmo_limits *lim)
{
    if (!lim->stream_from || len < lim->stream_from || len > (size_t)0x7fffffff)
        return 0;
    size_t head = len < 8192 ? len : 8192;
    if (!memmem(buf, head, "/wmo323/schema", 14) && !memmem(buf, head, "/jw323/schema", 13))
        return 0;
    return !memmem(buf, len, "<!DOCTYPE", 9) && !memmem(buf, len, "<!ENTITY", 8);
}

static void explain_malformed(const char *buf, size_t len, const iwmo_limits *lim, iwmo_findings *f);

/* ---- one reading: a SAX2 tree builder that hands out pieces ---------------------- */

/*
 * The pieces come from libxml2's SAX2 tree builder: when the next Client
 * starts and the Clienten element holds clients_per_piece complete Clients
 * (or when Clienten ends), the document as built so far is the piece; after
 * fn its Clients are freed and building goes on. No node is copied. With a
 * schema plugged in (xmlSchemaSAXPlug) the same reading validates; a piece
 * is handed out only after the validator has seen all of it.
 */
struct piece_parse {
    size_t per_piece, in_piece;
    iwmo_piece_fn fn;
    void *ctx;
    int rc;
    int max_depth;
    long too_deep;              /* the line where the depth limit was passed; 0 when not */
};

static int is_clienten(xmlNodePtr n)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST "Clienten");
}

static int flush_piece(xmlParserCtxtPtr ctxt, struct piece_parse *pp, xmlNodePtr clienten)
{
    if (pp->in_piece && pp->rc == 0 && pp->fn)
        pp->rc = pp->fn(ctxt->myDoc, pp->ctx);
    while (clienten && clienten->children) {
        xmlNodePtr n = clienten->children;
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    pp->in_piece = 0;
    if (pp->rc != 0)
        xmlStopParser(ctxt);
    return pp->rc;
}

static void piece_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                                const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attr,
                                int nb_defaulted, const xmlChar **attrs)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct piece_parse *pp = ctxt->_private;
    if (ctxt->nameNr + 1 > pp->max_depth) {
        pp->too_deep = xmlSAX2GetLineNumber(ctx);
        xmlStopParser(ctxt);
        return;
    }
    if (pp->in_piece >= pp->per_piece && is_clienten(ctxt->node) &&
        xmlStrEqual(localname, BAD_CAST "Client") && flush_piece(ctxt, pp, ctxt->node) != 0)
        return;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attr, nb_defaulted, attrs);
}

static void piece_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct piece_parse *pp = ctxt->_private;
    if (xmlStrEqual(localname, BAD_CAST "Clienten") && is_clienten(ctxt->node))
        flush_piece(ctxt, pp, ctxt->node);
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
    if (xmlStrEqual(localname, BAD_CAST "Client") && is_clienten(ctxt->node))
        pp->in_piece++;
}

static void ignore_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
}

static int sax_line(void *ctx, const char **file, unsigned long *line)
{
    *file = NULL;
    *line = (unsigned long)xmlSAX2GetLineNumber(ctx);
    return 0;
}

static void on_schema_error(void *ctx, xmlErrorPtr err)
{
    if (err->level != XML_ERR_WARNING)
        iwmo_schema_error_finding(ctx, err, 0);
}

#define PIECE_CHUNK 65536

/* How one reading ended. */
typedef struct {
    int well_formed;
    char encoding[64];          /* the declared encoding when it is not UTF-8 */
    long too_deep;
    int rc;                     /* fn's first non-zero result */
} reading;

/*
 * Read buf once, handing out pieces to fn; with v, validate against its
 * schema on the way (violations into xsd).
 */
static reading read_pieces(const char *buf, size_t len, int max_depth, size_t per_piece,
                           iwmo_piece_fn fn, void *ctx, xmlSchemaValidCtxtPtr v, iwmo_findings *xsd)
{
    reading out = {0};
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!ctxt)
        return out;
    struct piece_parse pp = {per_piece ? per_piece : 1, 0, fn, ctx, 0, max_depth, 0};
    xmlCtxtUseOptions(ctxt, READER_OPTIONS);
    ctxt->_private = &pp;
    ctxt->sax->startElementNs = piece_start_element;
    ctxt->sax->endElementNs = piece_end_element;
    ctxt->sax->serror = ignore_error;
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    xmlSchemaSAXPlugPtr plug = NULL;
    if (v) {
        xmlSchemaSetValidStructuredErrors(v, on_schema_error, xsd);
        xmlSchemaValidateSetLocator(v, sax_line, ctxt);
        plug = xmlSchemaSAXPlug(v, &ctxt->sax, &ctxt->userData);
    }
    if (!v || plug) {
        for (size_t off = 0; off < len && !ctxt->disableSAX && pp.rc == 0;) {
            size_t n = len - off > PIECE_CHUNK ? PIECE_CHUNK : len - off;
            if (xmlParseChunk(ctxt, buf + off, (int)n, off + n == len) != 0)
                break;
            off += n;
        }
        out.well_formed = ctxt->wellFormed && ctxt->myDoc && !pp.too_deep;
    }
    if (out.well_formed && pp.rc == 0)     /* a last piece the end tag did not hand out */
        flush_piece(ctxt, &pp, xu_path(xmlDocGetRootElement(ctxt->myDoc), "Declaratie/Clienten"));
    const xmlChar *enc = ctxt->myDoc ? ctxt->myDoc->encoding : NULL;
    if (enc && xmlStrcasecmp(enc, BAD_CAST "UTF-8") && xmlStrcasecmp(enc, BAD_CAST "UTF8"))
        snprintf(out.encoding, sizeof(out.encoding), "%s", (const char *)enc);
    if (plug)
        xmlSchemaSAXUnplug(plug);
    if (v) {
        xmlSchemaValidateSetLocator(v, NULL, NULL);
        xmlSchemaSetValidStructuredErrors(v, NULL, NULL);
    }
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    out.too_deep = pp.too_deep;
    out.rc = pp.rc;
    return out;
}

int iwmo_pieces_each(const iwmo_result *r, size_t clients_per_piece, iwmo_piece_fn fn, void *ctx)
{
    if (!r->pieces_buf)
        return -1;
    reading rd = read_pieces(r->pieces_buf, r->pieces_len, 1 << 30, clients_per_piece, fn, ctx, NULL, NULL);
    return rd.rc ? rd.rc : rd.well_formed ? 0 : -1;
}

/* ---- the check -------------------------------------------------------------------- */

/* Why the file could not be read, in the words of the whole parse (lib/parse.c). */
static void refuse_unread(const reading *rd, const char *buf, size_t len, const iwmo_limits *lim,
                          iwmo_findings *f)
{
    iwmo_findings_free(f);              /* what the schema said of a broken file is beside the point */
    iwmo_findings_init(f, lim->max_findings);
    if (rd->too_deep)
        iwmo_findings_add(f, rd->too_deep, "too-deep", "", "elements nested deeper than the limit of %d",
                          lim->max_depth);
    else if (rd->well_formed && rd->encoding[0])
        iwmo_findings_add(f, 1, "encoding-not-utf8", "OP192",
                          "declared encoding '%s'; messages must be UTF-8", rd->encoding);
    else
        explain_malformed(buf, len, lim, f);
    if (!f->count)
        iwmo_findings_add(f, 0, "malformed-xml", "", "not well-formed XML");
}

/* Read a broken file once more with the reader, whose errors say what is wrong. */
static void explain_malformed(const char *buf, size_t len, const iwmo_limits *lim, iwmo_findings *f)
{
    struct cutter c;
    if (cutter_open(&c, buf, len, lim, f) == 0)
        read_to_client(&c, 0);
    cutter_close(&c);
}

/* The rules, piece by piece, while the schema check reads the same pieces. */
struct rules_pass {
    iwmo_rule_env env;
    iwmo_result *r;
    iwmo_findings found;            /* the rules' findings; kept only for a schema-valid message */
    iwmo_msgwide *mw;
    iwmo_decl_index *names;
};

static void settle_findings(iwmo_findings *f, size_t from);

static int rules_of_piece(xmlDocPtr piece, void *ctx)
{
    struct rules_pass *rp = ctx;
    if (rp->r->findings.count)
        return 0;                       /* a schema violation: the rules will not count */
    size_t from = rp->found.count;
    iwmo_rules_check(&rp->env, piece, rp->r->ident.msgtype, &rp->found);
    int rc = iwmo_msgwide_feed(rp->mw, piece) < 0 || iwmo_decl_index_feed(rp->names, piece) < 0 ? -1 : 0;
    settle_findings(&rp->found, from);
    return rc;
}

static int rules_open(struct rules_pass *rp, const iwmo_rule_env *env, iwmo_result *r)
{
    memset(rp, 0, sizeof(*rp));
    rp->env = *env;
    rp->env.pieces = 1;
    rp->r = r;
    iwmo_findings_init(&rp->found, 0);
    rp->mw = iwmo_msgwide_new(r->ident.msgtype);
    rp->names = calloc(1, sizeof(*rp->names));
    return rp->mw && rp->names ? 0 : -1;
}

/* Free what the rules pass holds (the names are NULL once r has them). */
static void rules_drop(struct rules_pass *rp)
{
    iwmo_findings_free(&rp->found);
    iwmo_msgwide_free(rp->mw);
    iwmo_decl_index_free(rp->names);
}

/* Move what the rules found into r (after the message-wide rules); the names when clean. */
static void rules_close(struct rules_pass *rp, int complete)
{
    iwmo_result *r = rp->r;
    if (complete)
        iwmo_msgwide_finish(rp->mw, &rp->env, &rp->found);
    else
        iwmo_findings_add(&r->findings, 0, "internal-error", "", "the declaratie could not be read "
                          "piece by piece for its rules");
    for (size_t i = 0; complete && i < rp->found.count; i++) {
        iwmo_findings_add(&r->findings, rp->found.items[i].line, rp->found.items[i].code,
                          rp->found.items[i].rule, "%s", rp->found.items[i].message);
        r->findings.items[r->findings.count - 1].level = rp->found.items[i].level;
    }
    if (complete && r->findings.count == 0) {
        r->pieces_index = rp->names;
        rp->names = NULL;
    }
    rules_drop(rp);
    r->pieces_ruled = 1;
}

/* Root and Header alone, read first: the schema must be known before reading. */
static int peek_skeleton(const char *buf, size_t len, const iwmo_limits *lim, iwmo_result *r)
{
    struct cutter c;
    int rc = cutter_open(&c, buf, len, lim, NULL);
    if (rc == 0)
        rc = read_to_client(&c, 1);
    if (rc == 1 && xmlDocGetRootElement(c.skel) && iwmo_identify_doc(c.skel, &r->ident, &r->findings) == 0 &&
        r->ident.type == 323) {
        r->doc = c.skel;                /* the skeleton stands for the message */
        c.skel = NULL;
    }
    cutter_close(&c);
    return r->doc ? 0 : -1;
}

int iwmo_check_streamed(iwmo_schemaset *s, const iwmo_limits *lim, const iwmo_rule_env *env,
                        const char *buf, size_t len, iwmo_result *r)
{
    memset(r, 0, sizeof(*r));
    iwmo_findings_init(&r->findings, lim->max_findings);
    if (iwmo_precheck_bytes(buf, len, lim, &r->findings) < 0)
        return 0;
    if (peek_skeleton(buf, len, lim, r) < 0) {
        iwmo_findings_free(&r->findings);
        memset(r, 0, sizeof(*r));
        return -1;                      /* not a 323 after all, or broken early: parse it whole */
    }
    r->well_formed = 1;
    r->identified = 1;
    r->pieces_clients = lim->stream_clients ? lim->stream_clients : 256;
    xmlSchemaValidCtxtPtr v = iwmo_schemaset_vctxt(s, r->ident.msgtype);
    if (!v) {
        iwmo_findings_add(&r->findings, 0, "schema-unavailable", "", "cannot load or compile the "
                          "schema of %s", r->ident.msgtype->name);
        return 0;
    }
    struct rules_pass rp;
    int ruled = env && rules_open(&rp, env, r) == 0;
    reading rd = read_pieces(buf, len, lim->max_depth, r->pieces_clients, ruled ? rules_of_piece : NULL,
                             ruled ? &rp : NULL, v, &r->findings);
    int wf = rd.well_formed && !rd.encoding[0];
    int valid = wf && r->findings.count == 0 && xmlSchemaIsValid(v) == 1;
    if (!wf) {
        refuse_unread(&rd, buf, len, lim, &r->findings);
        r->well_formed = 0;
        r->identified = 0;
        xmlFreeDoc(r->doc);
        r->doc = NULL;
    } else {
        r->pieces_buf = buf;
        r->pieces_len = len;
        if (!valid && !r->findings.count)
            iwmo_findings_add(&r->findings, 0, "0001", "XSD", "the message does not match its schema");
        r->schema_valid = valid;
    }
    if (env && (!ruled || valid))       /* the rules count for a schema-valid message only */
        rules_close(&rp, ruled && rd.rc == 0);
    else if (ruled)
        rules_drop(&rp);
    r->valid = valid && r->findings.count == 0;
    return 0;
}

int iwmo_check_message_streamed(iwmo_schemaset *s, const iwmo_limits *lim,
                                const char *buf, size_t len, iwmo_result *r)
{
    return iwmo_check_streamed(s, lim, NULL, buf, len, r);
}

/* ---- the rules, piece by piece ------------------------------------------------- */

static int same_finding(const iwmo_finding *a, const iwmo_finding *b)
{
    return a->line == b->line && !strcmp(a->code, b->code) && !strcmp(a->rule, b->rule) &&
           !strcmp(a->message ? a->message : "", b->message ? b->message : "");
}

/*
 * Findings added since `from` lose their node (the piece is freed next); one
 * that repeats an earlier finding (a Header rule, found again in every piece)
 * is dropped.
 */
static void settle_findings(iwmo_findings *f, size_t from)
{
    size_t o = from;
    for (size_t i = from; i < f->count; i++) {
        int dup = 0;
        for (size_t k = 0; k < o && !dup; k++)
            dup = same_finding(&f->items[k], &f->items[i]);
        if (dup) {
            free(f->items[i].message);
            continue;
        }
        f->items[i].node = NULL;
        f->items[o++] = f->items[i];
    }
    f->count = o;
}

/* The rules of a streamed result checked without them (iwmo_check_message_streamed). */
void iwmo_check_rules_pieced(const iwmo_rule_env *env, iwmo_result *r)
{
    if (r->pieces_ruled)
        return;
    struct rules_pass rp;
    if (rules_open(&rp, env, r) < 0) {
        rules_close(&rp, 0);
        return;
    }
    int rc = iwmo_pieces_each(r, r->pieces_clients, rules_of_piece, &rp);
    rules_close(&rp, rc == 0);
}
