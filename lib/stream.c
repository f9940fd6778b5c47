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
    if (err->domain == XML_FROM_SCHEMASV) {
        iwmo_schema_error_finding(c->f, err, 0);
        return;
    }
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

/* Identify from the skeleton; 0 when it is a 323 whose header agrees. */
static int identify_skeleton(struct cutter *c, iwmo_result *r)
{
    if (!xmlDocGetRootElement(c->skel))
        return -1;
    if (iwmo_identify_doc(c->skel, &r->ident, &r->findings) < 0)
        return -1;
    return r->ident.type == 323 ? 0 : -1;
}

/* The encoding the file declares when it is not UTF-8, else "". */
static void other_encoding(struct cutter *c, char *out, size_t n)
{
    const xmlChar *enc = xmlTextReaderConstEncoding(c->rd);
    out[0] = '\0';
    if (enc && xmlStrcasecmp(enc, BAD_CAST "UTF-8") && xmlStrcasecmp(enc, BAD_CAST "UTF8"))
        snprintf(out, n, "%s", (const char *)enc);
}

static void explain_malformed(const char *buf, size_t len, const iwmo_limits *lim, iwmo_findings *f);

/* Why the file could not be read, in the words of the whole parse (lib/parse.c). */
static void refuse_unread(struct cutter *c, const char *enc, const char *buf, size_t len,
                          const iwmo_limits *lim, iwmo_findings *f)
{
    iwmo_findings_free(f);              /* what the schema said of a broken file is beside the point */
    iwmo_findings_init(f, lim->max_findings);
    if (enc[0])
        iwmo_findings_add(f, 1, "encoding-not-utf8", "OP192",
                          "declared encoding '%s'; messages must be UTF-8", enc);
    else if (c->refused)
        iwmo_findings_add(f, c->refused_line, "too-deep", "", "elements nested deeper than the limit of %d",
                          lim->max_depth);
    else
        explain_malformed(buf, len, lim, f);
    if (!f->count)
        iwmo_findings_add(f, 0, "malformed-xml", "", "not well-formed XML");
}

/*
 * With the schema plugged in, libxml2 2.9's reader drops the parser's own
 * errors; read a broken file once more without it to say what is wrong.
 */
static void explain_malformed(const char *buf, size_t len, const iwmo_limits *lim, iwmo_findings *f)
{
    struct cutter c;
    if (cutter_open(&c, buf, len, lim, f) == 0)
        read_to_client(&c, 0);
    cutter_close(&c);
}

int iwmo_check_message_streamed(iwmo_schemaset *s, const iwmo_limits *lim,
                                const char *buf, size_t len, iwmo_result *r)
{
    memset(r, 0, sizeof(*r));
    iwmo_findings_init(&r->findings, lim->max_findings);
    if (iwmo_precheck_bytes(buf, len, lim, &r->findings) < 0)
        return 0;
    /* First the root and the Header alone: the schema must be known before reading. */
    struct cutter c;
    int rc = cutter_open(&c, buf, len, lim, NULL);
    if (rc == 0)
        rc = read_to_client(&c, 1);
    if (rc < 1 || identify_skeleton(&c, r) < 0) {
        cutter_close(&c);
        iwmo_findings_free(&r->findings);
        memset(&r->ident, 0, sizeof(r->ident));
        return -1;                      /* not a 323 after all, or broken early: parse it whole */
    }
    r->doc = c.skel;                    /* the skeleton stands for the message */
    c.skel = NULL;
    cutter_close(&c);
    r->well_formed = 1;
    r->identified = 1;
    xmlSchemaValidCtxtPtr v = iwmo_schemaset_vctxt(s, r->ident.msgtype);
    if (!v) {
        iwmo_findings_add(&r->findings, 0, "schema-unavailable", "", "cannot load or compile the "
                          "schema of %s", r->ident.msgtype->name);
        return 0;
    }
    if (cutter_open(&c, buf, len, lim, &r->findings) < 0 ||
        xmlTextReaderSchemaValidateCtxt(c.rd, v, 0) != 0) {
        cutter_close(&c);
        iwmo_findings_add(&r->findings, 0, "internal-error", "", "cannot set up the streaming reader");
        return 0;
    }
    rc = read_to_client(&c, 0);
    char enc[64] = "";
    int parsed = rc == 0 && !c.refused && c.errors == 0;
    if (parsed)
        other_encoding(&c, enc, sizeof(enc));
    int wf = parsed && !enc[0];
    int valid = wf && xmlTextReaderIsValid(c.rd) == 1;
    xmlFreeTextReader(c.rd);
    c.rd = NULL;
    xmlSchemaSetValidStructuredErrors(v, NULL, NULL);
    if (!wf)
        refuse_unread(&c, enc, buf, len, lim, &r->findings);
    cutter_close(&c);
    if (!wf) {
        r->well_formed = 0;
        r->identified = 0;
        xmlFreeDoc(r->doc);
        r->doc = NULL;
        return 0;
    }
    r->pieces_buf = buf;
    r->pieces_len = len;
    r->pieces_clients = lim->stream_clients ? lim->stream_clients : 256;
    if (!valid && !r->findings.count)
        iwmo_findings_add(&r->findings, 0, "0001", "XSD", "the message does not match its schema");
    r->schema_valid = valid;
    r->valid = valid && r->findings.count == 0;
    return 0;
}

/* ---- reading the pieces ------------------------------------------------------ */

/*
 * The pieces come from a plain SAX2 tree builder (the bytes passed their
 * schema already): whenever the Clienten element has clients_per_piece
 * complete Clients, the document as built so far is the piece; after fn the
 * Clients are freed and building goes on. No node is copied.
 */
struct piece_parse {
    size_t per_piece, in_piece;
    iwmo_piece_fn fn;
    void *ctx;
    int rc;
};

static int flush_piece(xmlParserCtxtPtr ctxt, struct piece_parse *pp, xmlNodePtr clienten)
{
    if (pp->in_piece && pp->rc == 0)
        pp->rc = pp->fn(ctxt->myDoc, pp->ctx);
    while (clienten && clienten->children) {
        xmlNodePtr n = clienten->children;
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    pp->in_piece = 0;
    return pp->rc;
}

static void piece_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct piece_parse *pp = ctxt->_private;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
    if (!xmlStrEqual(localname, BAD_CAST "Client") || !xu_is(ctxt->node, "Clienten"))
        return;
    if (++pp->in_piece >= pp->per_piece && flush_piece(ctxt, pp, ctxt->node) != 0)
        xmlStopParser(ctxt);
}

static void ignore_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
}

#define PIECE_CHUNK 65536

int iwmo_pieces_each(const iwmo_result *r, size_t clients_per_piece, iwmo_piece_fn fn, void *ctx)
{
    if (!r->pieces_buf)
        return -1;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!ctxt)
        return -1;
    struct piece_parse pp = {clients_per_piece ? clients_per_piece : 1, 0, fn, ctx, 0};
    xmlCtxtUseOptions(ctxt, READER_OPTIONS);
    ctxt->_private = &pp;
    ctxt->sax->endElementNs = piece_end_element;
    ctxt->sax->serror = ignore_error;
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    for (size_t off = 0; off < r->pieces_len && !ctxt->disableSAX && pp.rc == 0;) {
        size_t n = r->pieces_len - off > PIECE_CHUNK ? PIECE_CHUNK : r->pieces_len - off;
        if (xmlParseChunk(ctxt, r->pieces_buf + off, (int)n, off + n == r->pieces_len) != 0)
            break;
        off += n;
    }
    int ok = ctxt->wellFormed && ctxt->myDoc;
    if (ok && pp.rc == 0)               /* the last, shorter piece */
        flush_piece(ctxt, &pp, xu_path(xmlDocGetRootElement(ctxt->myDoc), "Declaratie/Clienten"));
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    return pp.rc ? pp.rc : ok ? 0 : -1;
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

struct rules_pass {
    iwmo_rule_env env;
    iwmo_result *r;
    iwmo_msgwide *mw;
    iwmo_decl_index *names;
};

static int rules_of_piece(xmlDocPtr piece, void *ctx)
{
    struct rules_pass *rp = ctx;
    size_t from = rp->r->findings.count;
    iwmo_rules_check(&rp->env, piece, rp->r->ident.msgtype, &rp->r->findings);
    int rc = iwmo_msgwide_feed(rp->mw, piece) < 0 || iwmo_decl_index_feed(rp->names, piece) < 0 ? -1 : 0;
    settle_findings(&rp->r->findings, from);
    return rc;
}

void iwmo_check_rules_pieced(const iwmo_rule_env *env, iwmo_result *r)
{
    struct rules_pass rp = {*env, r, iwmo_msgwide_new(r->ident.msgtype), calloc(1, sizeof(iwmo_decl_index))};
    rp.env.pieces = 1;
    if (rp.mw && rp.names && iwmo_pieces_each(r, r->pieces_clients, rules_of_piece, &rp) == 0)
        iwmo_msgwide_finish(rp.mw, env, &r->findings);
    else
        iwmo_findings_add(&r->findings, 0, "internal-error", "", "the declaratie could not be read "
                          "again piece by piece for its rules");
    iwmo_msgwide_free(rp.mw);
    if (r->findings.count == 0) {
        r->pieces_index = rp.names;
        rp.names = NULL;
    }
    iwmo_decl_index_free(rp.names);
}
