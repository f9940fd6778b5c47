/*
 * envelope.c - the StUF-GGk 0310 envelopes Di01 and Du01 (see iwmo_envelope.h).
 *
 * Opening an envelope: bound its size, parse it with iwmo_parse_safe, check
 * it against the project's envelope XSD (schemas/ggk/), read the routing
 * block, map functie to a 3.2 message type, then decode the base64 payload
 * with OpenSSL's EVP decoder and make sure it is well-formed XML. Building
 * one: the same structure from a payload, its header and the caller's
 * reference numbers and time. Checking one: does the routing agree with the
 * header of the message inside.
 *
 * Chain error codes used here, and why (Fo01 = Foutcodelijst Berichtenverkeer,
 * VECOZO = Foutcodelijst VECOZO):
 *   IB001  the GGk refuses an envelope that does not satisfy its XSD; a
 *          document that is not well-formed, or whose root is not an
 *          envelope, or whose bericht is not base64 (xs:base64Binary) cannot
 *          satisfy it either.
 *   IB003  the GGk's limit on the size of the message it receives.
 *   IB004  the functie is not supported (the list's own example is WMO399);
 *          used too for a functie of the wrong kind for its envelope.
 *   IB012  the payload is larger than allowed.
 *   BRS14  the payload is not well-formed XML (VECOZO; Fo01 has no such code).
 * Disagreements between routing and payload header have no code in either
 * list and get stable names (envelope-functie-mismatch, ...).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <openssl/evp.h>
#include "iwmo_envelope.h"
#include "xmlutil.h"

#define DI01_ROOT "envelopHeenbericht-ggk_Di01"
#define DU01_ROOT "envelopRetourbericht-ggk_Du01"
#define ENVELOPE_SLACK (64u * 1024u)
#define B64_CHUNK (64 * 1024)

/* ---- schema ------------------------------------------------------------ */

struct iwmo_envschema {
    char *path;
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vctxt;
};

static void ignore_schema_errors(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
}

iwmo_envschema *iwmo_envschema_new_file(const char *xsd_path)
{
    iwmo_envschema *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(xsd_path))) {
        free(s);
        return NULL;
    }
    xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt(xsd_path);
    if (pctxt) {
        xmlSchemaSetParserStructuredErrors(pctxt, ignore_schema_errors, NULL);
        s->schema = xmlSchemaParse(pctxt);
        xmlSchemaFreeParserCtxt(pctxt);
    }
    if (s->schema)
        s->vctxt = xmlSchemaNewValidCtxt(s->schema);
    return s;
}

iwmo_envschema *iwmo_envschema_new(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/ggk/ggk-envelop.xsd", dir);
    return iwmo_envschema_new_file(path);
}

void iwmo_envschema_free(iwmo_envschema *s)
{
    if (!s)
        return;
    if (s->vctxt)
        xmlSchemaFreeValidCtxt(s->vctxt);
    if (s->schema)
        xmlSchemaFree(s->schema);
    free(s->path);
    free(s);
}

/* libxml2 writes names as {namespace}local; keep only the local part. */
static void drop_namespaces(const char *msg, char *out, size_t n)
{
    size_t o = 0;
    int skipping = 0;
    for (const char *p = msg; *p && o + 1 < n; p++) {
        if (*p == '{')
            skipping = 1;
        else if (*p == '}' && skipping)
            skipping = 0;
        else if (!skipping && *p != '\n')
            out[o++] = *p;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

static void on_envelope_schema_error(void *ctx, xmlErrorPtr err)
{
    if (err->level == XML_ERR_WARNING)
        return;
    char msg[1024];
    drop_namespaces(err->message ? err->message : "schema violation", msg, sizeof(msg));
    /* IB001: the envelope does not satisfy the (envelope) XSD. */
    iwmo_findings_add(ctx, err->line, "IB001", "GGK-XSD", "envelope: %s", msg);
}

int iwmo_envschema_validate(iwmo_envschema *s, xmlDocPtr doc, iwmo_findings *f)
{
    if (!s || !s->vctxt) {
        iwmo_findings_add(f, 0, "schema-unavailable", "", "cannot load or compile the envelope schema %s",
                          s ? s->path : "(none)");
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(s->vctxt, on_envelope_schema_error, f);
    int rc = xmlSchemaValidateDoc(s->vctxt, doc);
    xmlSchemaSetValidStructuredErrors(s->vctxt, NULL, NULL);
    if (rc < 0) {
        iwmo_findings_add(f, 0, "internal-error", "", "envelope validation failed internally");
        return -1;
    }
    return rc == 0 ? 0 : 1;
}

/* ---- recognising an envelope -------------------------------------------- */

static iwmo_envelope_kind kind_of_name(const xmlChar *ns, const xmlChar *local)
{
    if (!ns || !local || xmlStrcmp(ns, BAD_CAST IWMO_GGK_NS) != 0)
        return IWMO_ENV_NONE;
    if (xmlStrcmp(local, BAD_CAST DI01_ROOT) == 0)
        return IWMO_ENV_DI01;
    if (xmlStrcmp(local, BAD_CAST DU01_ROOT) == 0)
        return IWMO_ENV_DU01;
    return IWMO_ENV_NONE;
}

iwmo_envelope_kind iwmo_envelope_kind_of(xmlDocPtr doc)
{
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || !root->ns)
        return IWMO_ENV_NONE;
    return kind_of_name(root->ns->href, root->name);
}

iwmo_envelope_kind iwmo_envelope_detect(const char *buf, size_t len)
{
    if (!buf || len == 0 || len > INT_MAX)
        return IWMO_ENV_NONE;
    /* Cheap first look: an envelope's root element name starts with "envelop", and the
     * root comes within the first few KB; most files are bare messages. */
    if (!memmem(buf, len < 8192 ? len : 8192, "envelop", 7))
        return IWMO_ENV_NONE;
    xmlTextReaderPtr r = xmlReaderForMemory(buf, (int)len, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                            XML_PARSE_NOWARNING);
    if (!r)
        return IWMO_ENV_NONE;
    iwmo_envelope_kind k = IWMO_ENV_NONE;
    while (xmlTextReaderRead(r) == 1) {
        int t = xmlTextReaderNodeType(r);
        if (t == XML_READER_TYPE_DOCUMENT_TYPE)
            break;                      /* envelopes carry no DOCTYPE */
        if (t == XML_READER_TYPE_ELEMENT) {
            k = kind_of_name(xmlTextReaderConstNamespaceUri(r), xmlTextReaderConstLocalName(r));
            break;
        }
    }
    xmlFreeTextReader(r);
    return k;
}

/* ---- reading the routing block ------------------------------------------ */

void iwmo_envelope_free(iwmo_envelope *env)
{
    if (!env)
        return;
    free(env->payload);
    env->payload = NULL;
    env->payload_len = 0;
}

static void read_party(xmlNodePtr sys, iwmo_stuf_party *p)
{
    xu_text(sys, "organisatie", p->organisatie, sizeof(p->organisatie));
    xu_text(sys, "applicatie", p->applicatie, sizeof(p->applicatie));
    xu_text(sys, "administratie", p->administratie, sizeof(p->administratie));
    xu_text(sys, "gebruiker", p->gebruiker, sizeof(p->gebruiker));
}

static void read_attr(xmlNodePtr n, const char *name, const char *ns, char *out, size_t size)
{
    xmlChar *v = n ? xmlGetNsProp(n, BAD_CAST name, BAD_CAST ns) : NULL;
    snprintf(out, size, "%s", v ? (const char *)v : "");
    xmlFree(v);
}

static void read_routing(xmlNodePtr root, iwmo_envelope *env)
{
    xmlNodePtr sg = xu_child(root, "stuurgegevens");
    xmlNodePtr par = xu_child(root, "parameters");
    read_party(xu_child(sg, "zender"), &env->zender);
    read_party(xu_child(sg, "ontvanger"), &env->ontvanger);
    xu_text(sg, "referentienummer", env->referentienummer, sizeof(env->referentienummer));
    xu_text(sg, "tijdstipBericht", env->tijdstip, sizeof(env->tijdstip));
    xu_text(sg, "crossRefnummer", env->cross_refnummer, sizeof(env->cross_refnummer));
    xu_text(sg, "functie", env->functie, sizeof(env->functie));
    xu_text(par, "referentienummerBericht", env->referentienummer_bericht,
            sizeof(env->referentienummer_bericht));
    xu_text(par, "crossRefnummerBericht", env->cross_refnummer_bericht,
            sizeof(env->cross_refnummer_bericht));
    xu_text(par, "applicatieVersie", env->applicatie_versie, sizeof(env->applicatie_versie));
    xu_text(par, "applicatieSubversie", env->applicatie_subversie, sizeof(env->applicatie_subversie));
    xu_text(par, "functieVersie", env->functie_versie, sizeof(env->functie_versie));
    xu_text(par, "functieSubversie", env->functie_subversie, sizeof(env->functie_subversie));
    xmlNodePtr b = xu_child(par, "bericht");
    read_attr(b, "bestandsnaam", IWMO_STUF_NS, env->bestandsnaam, sizeof(env->bestandsnaam));
    read_attr(b, "contentType", IWMO_XMIME_NS, env->content_type, sizeof(env->content_type));
}

static const iwmo_msgtype *msgtype_by_name(const char *name)
{
    for (size_t i = 0; i < iwmo_msgtype_count(); i++) {
        const iwmo_msgtype *t = iwmo_msgtype_at(i);
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

/* IB004: functie must name a 3.2 message of the kind the envelope carries. */
static int check_functie(xmlNodePtr root, iwmo_envelope *env, iwmo_findings *f)
{
    xmlNodePtr node = xu_path(root, "stuurgegevens/functie");
    env->msgtype = msgtype_by_name(env->functie);
    if (!env->msgtype) {
        iwmo_findings_add_at(f, node, 0, "IB004", "GGK-FUNCTIE",
                             "functie '%s' is not an iWmo or iJw 3.2 message", env->functie);
        return -1;
    }
    int want_retour = env->kind == IWMO_ENV_DU01;
    if (env->msgtype->is_retour != want_retour) {
        iwmo_findings_add_at(f, node, 0, "IB004", "GGK-FUNCTIE",
                             "functie '%s' is a %s; a %s carries %s", env->functie,
                             want_retour ? "heenbericht" : "retourbericht",
                             want_retour ? "Du01" : "Di01",
                             want_retour ? "retourberichten" : "heenberichten");
        env->msgtype = NULL;
        return -1;
    }
    return 0;
}

/* ---- base64 payload ------------------------------------------------------ */

static int is_b64_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Exact decoded size of the base64 text in the children of n (assumes valid base64). */
static size_t decoded_size(xmlNodePtr n)
{
    size_t chars = 0, pads = 0;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            continue;
        for (const xmlChar *p = c->content; p && *p; p++) {
            if (is_b64_space(*p))
                continue;
            chars++;
            pads = *p == '=' ? pads + 1 : 0;
        }
    }
    if (pads > 2)
        pads = 2;               /* more is not base64; the decoder refuses it */
    size_t full = chars / 4 * 3;
    return full > pads ? full - pads : 0;
}

static int decode_chunks(EVP_ENCODE_CTX *ctx, const xmlChar *in, size_t n,
                         unsigned char *out, size_t *o)
{
    while (n > 0) {
        int part = n > B64_CHUNK ? B64_CHUNK : (int)n;
        int outl = 0;
        if (EVP_DecodeUpdate(ctx, out + *o, &outl, in, part) < 0)
            return -1;
        *o += (size_t)outl;
        in += part;
        n -= (size_t)part;
    }
    return 0;
}

/* Decode the base64 text of n with OpenSSL's EVP decoder (whitespace allowed). */
static char *decode_base64(xmlNodePtr n, size_t expect, size_t *len)
{
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    unsigned char *out = malloc(expect + 128);
    size_t o = 0;
    int ok = ctx && out;
    if (ok)
        EVP_DecodeInit(ctx);
    for (xmlNodePtr c = n->children; ok && c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            ok = decode_chunks(ctx, c->content, strlen((const char *)c->content), out, &o) == 0;
    int tail = 0;
    if (ok)
        ok = EVP_DecodeFinal(ctx, out + o, &tail) >= 0;
    o += (size_t)tail;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok || o > expect) {
        free(out);
        return NULL;
    }
    out[o] = '\0';
    *len = o;
    return (char *)out;
}

/*
 * Report the findings of a failed parse under one chain code. at > 0 puts
 * them on that envelope line (the bericht element) and names the payload's
 * own line in the text; at == 0 keeps the envelope lines they came with.
 */
static void relay(const iwmo_findings *from, iwmo_findings *f, const char *code,
                  const char *rule, const char *what, long at)
{
    for (size_t i = 0; i < from->count; i++) {
        const iwmo_finding *it = &from->items[i];
        if (at > 0)
            iwmo_findings_add(f, at, code, rule, "%s line %ld: %s", what, it->line, it->message);
        else
            iwmo_findings_add(f, it->line, code, rule, "%s: %s", what, it->message);
    }
    if (from->count == 0)
        iwmo_findings_add(f, at, code, rule, "%s: not well-formed XML", what);
}

/* BRS14: the decoded payload must at least be well-formed XML. */
static int check_payload_xml(const iwmo_envelope *env, const iwmo_limits *lim, long line,
                             iwmo_findings *f)
{
    if (env->payload_len == 0) {
        iwmo_findings_add(f, line, "BRS14", "GGK-PAYLOAD", "payload is empty");
        return -1;
    }
    iwmo_findings pf;
    iwmo_findings_init(&pf, 3);
    xmlDocPtr doc = iwmo_parse_safe(env->payload, env->payload_len, lim, &pf);
    if (!doc)
        relay(&pf, f, "BRS14", "GGK-PAYLOAD", "payload", line > 0 ? line : 1);
    xmlFreeDoc(doc);
    iwmo_findings_free(&pf);
    return doc ? 0 : -1;
}

static int extract_payload(xmlNodePtr root, iwmo_envelope *env, const iwmo_limits *lim,
                           iwmo_findings *f)
{
    xmlNodePtr b = xu_path(root, "parameters/bericht");
    size_t size = decoded_size(b);
    if (size > lim->max_bytes) {
        /* IB012: the payload is larger than allowed. */
        iwmo_findings_add_at(f, b, 0, "IB012", "GGK-SIZE",
                             "payload of %zu bytes is over the limit of %zu bytes", size,
                             lim->max_bytes);
        return -1;
    }
    env->payload = decode_base64(b, size, &env->payload_len);
    if (!env->payload) {
        /* IB001: bericht is xs:base64Binary, so bad base64 breaks the envelope XSD. */
        iwmo_findings_add_at(f, b, 0, "IB001", "GGK-BASE64", "payload is not valid base64");
        return -1;
    }
    if (check_payload_xml(env, lim, xmlGetLineNo(b), f) < 0) {
        iwmo_envelope_free(env);
        return -1;
    }
    return 0;
}

/* ---- opening an envelope -------------------------------------------------- */

/* The largest envelope accepted: the payload limit in base64 with line breaks, plus room. */
static size_t envelope_bound(const iwmo_limits *lim)
{
    size_t b64 = (lim->max_bytes / 3 + 1) * 4;
    return b64 + b64 / 38 + ENVELOPE_SLACK;
}

static xmlDocPtr parse_envelope(const char *buf, size_t len, const iwmo_limits *lim,
                                iwmo_findings *f)
{
    if (len == 0) {
        iwmo_findings_add(f, 0, "IB001", "GGK-XML", "envelope is empty");
        return NULL;
    }
    if (len > envelope_bound(lim)) {
        /* IB003: the received message is over the size the GGk accepts. */
        iwmo_findings_add(f, 0, "IB003", "GGK-SIZE", "envelope of %zu bytes is over the limit of %zu bytes",
                          len, envelope_bound(lim));
        return NULL;
    }
    iwmo_findings pf;
    iwmo_findings_init(&pf, 5);
    xmlDocPtr doc = iwmo_parse_safe(buf, len, lim, &pf);
    if (!doc)
        relay(&pf, f, "IB001", "GGK-XML", "envelope", 0);
    iwmo_findings_free(&pf);
    return doc;
}

static int open_envelope(iwmo_envschema *es, xmlDocPtr doc, const iwmo_limits *lim,
                         iwmo_envelope *env, iwmo_findings *f)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    env->kind = iwmo_envelope_kind_of(doc);
    if (env->kind == IWMO_ENV_NONE) {
        iwmo_findings_add_at(f, root, 0, "IB001", "GGK-XML",
                             "root element '%s' (namespace %s) is not a StUF-GGk Di01 or Du01 envelope",
                             root ? (const char *)root->name : "",
                             root && root->ns ? (const char *)root->ns->href : "none");
        return -1;
    }
    if (iwmo_envschema_validate(es, doc, f) != 0)
        return -1;
    read_routing(root, env);
    if (check_functie(root, env, f) < 0)
        return -1;
    return extract_payload(root, env, lim, f);
}

int iwmo_envelope_unwrap(iwmo_envschema *es, const char *buf, size_t len,
                         const iwmo_limits *lim, iwmo_envelope *env, iwmo_findings *f)
{
    memset(env, 0, sizeof(*env));
    xmlDocPtr doc = parse_envelope(buf, len, lim, f);
    if (!doc)
        return -1;
    int rc = open_envelope(es, doc, lim, env, f);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- routing against the payload header ----------------------------------- */

/* The 325 has a header of its own; the other retours repeat their heenbericht's. */
static int header_is_heenberichts(const iwmo_msgtype *t)
{
    return t->is_retour && t->type != 325;
}

static void check_org(const char *what, const char *code, const char *in_env, xmlNodePtr field,
                      const char *field_name, int *bad, iwmo_findings *f)
{
    char want[201];
    xu_text(field, NULL, want, sizeof(want));
    if (strcmp(in_env, want) == 0)
        return;
    iwmo_findings_add_at(f, field, 0, code, "GGK-ROUTE",
                         "envelope %s organisatie '%s' differs from the payload's %s '%s'",
                         what, in_env, field_name, want);
    *bad = 1;
}

int iwmo_envelope_check(const iwmo_envelope *env, xmlDocPtr payload, const iwmo_ident *id,
                        iwmo_findings *f)
{
    if (!id || !id->msgtype || !payload || strcmp(env->functie, id->msgtype->name) != 0) {
        iwmo_findings_add(f, 0, "envelope-functie-mismatch", "GGK-ROUTE",
                          "envelope functie '%s' but the payload is %s", env->functie,
                          id && id->msgtype ? id->msgtype->name : "not an identified 3.2 message");
        return -1;
    }
    xmlNodePtr h = xu_child(xmlDocGetRootElement(payload), "Header");
    xmlNodePtr afz = xu_child(h, "Afzender"), ont = xu_child(h, "Ontvanger");
    int swap = header_is_heenberichts(id->msgtype);
    int bad = 0;
    check_org("zender", "envelope-zender-mismatch", env->zender.organisatie, swap ? ont : afz,
              swap ? "Ontvanger" : "Afzender", &bad, f);
    check_org("ontvanger", "envelope-ontvanger-mismatch", env->ontvanger.organisatie,
              swap ? afz : ont, swap ? "Afzender" : "Ontvanger", &bad, f);
    return bad ? -1 : 0;
}

/* ---- building envelopes --------------------------------------------------- */

struct writer {
    xmlDocPtr doc;
    xmlNsPtr ggk, stuf, mime;
};

/* What a wrap needs from the payload: its type and header fields. */
struct payload_info {
    const iwmo_msgtype *t;
    char afzender[201], ontvanger[201];
    char ident[41];
    char versie[12], subversie[12];
};

static xmlNodePtr start_envelope(struct writer *w, const char *root_name)
{
    w->doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(w->doc, NULL, BAD_CAST root_name, NULL);
    xmlDocSetRootElement(w->doc, root);
    w->ggk = xmlNewNs(root, BAD_CAST IWMO_GGK_NS, BAD_CAST "GGK");
    w->stuf = xmlNewNs(root, BAD_CAST IWMO_STUF_NS, BAD_CAST "StUF");
    w->mime = xmlNewNs(root, BAD_CAST IWMO_XMIME_NS, BAD_CAST "xmime");
    xmlSetNs(root, w->ggk);
    return root;
}

static void put(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
    xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
}

static void put_party(struct writer *w, xmlNodePtr sg, const char *name, const char *org,
                      const iwmo_stuf_party *p)
{
    xmlNodePtr n = xmlNewChild(sg, w->stuf, BAD_CAST name, NULL);
    put(n, w->stuf, "organisatie", org);
    put(n, w->stuf, "applicatie", p->applicatie);
    if (p->administratie[0])
        put(n, w->stuf, "administratie", p->administratie);
    if (p->gebruiker[0])
        put(n, w->stuf, "gebruiker", p->gebruiker);
}

static void format_tijdstip(const struct tm *t, char *out, size_t n)
{
    snprintf(out, n, "%04d%02d%02d%02d%02d%02d", (t->tm_year + 1900) % 10000, (t->tm_mon + 1) % 100,
             t->tm_mday % 100, t->tm_hour % 100, t->tm_min % 100, t->tm_sec % 100);
}

/* Append bericht: the payload in base64 (OpenSSL's encoder), one line. */
static int put_payload(struct writer *w, xmlNodePtr par, const char *payload, size_t len,
                       const char *bestandsnaam)
{
    if (len > INT_MAX / 2)
        return -1;
    unsigned char *b64 = malloc((len + 2) / 3 * 4 + 1);
    if (!b64)
        return -1;
    int n = EVP_EncodeBlock(b64, (const unsigned char *)payload, (int)len);
    xmlNodePtr b = xmlNewChild(par, w->ggk, BAD_CAST "bericht", NULL);
    xmlNewNsProp(b, w->stuf, BAD_CAST "bestandsnaam", BAD_CAST bestandsnaam);
    xmlNewNsProp(b, w->mime, BAD_CAST "contentType", BAD_CAST "application/xml");
    xmlNodeAddContentLen(b, b64, n);
    free(b64);
    return 0;
}

static const char *or_default(const char *v, const char *def)
{
    return v ? v : def;
}

static void put_versions(struct writer *w, xmlNodePtr par, const iwmo_wrap_opts *o,
                         const struct payload_info *pi)
{
    put(par, w->ggk, "applicatieVersie", or_default(o->applicatie_versie, "0001"));
    put(par, w->ggk, "applicatieSubversie", or_default(o->applicatie_subversie, "0000"));
    put(par, w->ggk, "functieVersie", or_default(o->functie_versie, pi->versie));
    put(par, w->ggk, "functieSubversie", or_default(o->functie_subversie, pi->subversie));
}

static void four_digits(xmlNodePtr header, const char *name, char *out, size_t n)
{
    long long v = 0;
    xu_long(header, name, &v);
    unsigned u = v < 0 ? 0u : (unsigned)(v % 10000);
    snprintf(out, n, "%04u", u);
}

/* Parse and identify the payload to be wrapped; relays its findings on failure. */
static int inspect_payload(const char *payload, size_t len, const iwmo_limits *lim,
                           struct payload_info *pi, iwmo_findings *f)
{
    memset(pi, 0, sizeof(*pi));
    if (iwmo_precheck_bytes(payload, len, lim, f) < 0)
        return -1;
    xmlDocPtr doc = iwmo_parse_safe(payload, len, lim, f);
    iwmo_ident id;
    if (!doc || iwmo_identify_doc(doc, &id, f) < 0) {
        xmlFreeDoc(doc);
        return -1;
    }
    xmlNodePtr h = xu_child(xmlDocGetRootElement(doc), "Header");
    pi->t = id.msgtype;
    xu_text(h, "Afzender", pi->afzender, sizeof(pi->afzender));
    xu_text(h, "Ontvanger", pi->ontvanger, sizeof(pi->ontvanger));
    const char *ident_path = header_is_heenberichts(pi->t) ? "IdentificatieRetour"
                                                          : "BerichtIdentificatie/Identificatie";
    xu_text(h, ident_path, pi->ident, sizeof(pi->ident));
    four_digits(h, "BerichtVersie", pi->versie, sizeof(pi->versie));
    four_digits(h, "BerichtSubversie", pi->subversie, sizeof(pi->subversie));
    xmlFreeDoc(doc);
    return 0;
}

static int check_opts(const iwmo_wrap_opts *o, iwmo_findings *f)
{
    if (o && o->tijdstip && o->referentienummer && o->referentienummer[0] &&
        strlen(o->referentienummer) <= 40)
        return 0;
    iwmo_findings_add(f, 0, "envelope-build-error", "GGK",
                      "a new referentienummer (1 to 40 characters) and a tijdstip are required");
    return -1;
}

static char *finish(struct writer *w, size_t *out_len, iwmo_findings *f)
{
    char *out = iwmo_doc_serialise(w->doc, out_len);
    xmlFreeDoc(w->doc);
    if (!out)
        iwmo_findings_add(f, 0, "internal-error", "", "cannot serialise the envelope");
    return out;
}

/* stuurgegevens up to and including tijdstipBericht (common to Di01 and Du01). */
static xmlNodePtr put_routing_head(struct writer *w, xmlNodePtr root, const char *code,
                                   const char *zender_org, const iwmo_stuf_party *zender,
                                   const char *ontv_org, const iwmo_stuf_party *ontvanger,
                                   const iwmo_wrap_opts *o)
{
    char when[24];
    format_tijdstip(o->tijdstip, when, sizeof(when));
    xmlNodePtr sg = xmlNewChild(root, w->ggk, BAD_CAST "stuurgegevens", NULL);
    put(sg, w->stuf, "berichtcode", code);
    put_party(w, sg, "zender", zender_org, zender);
    put_party(w, sg, "ontvanger", ontv_org, ontvanger);
    put(sg, w->stuf, "referentienummer", o->referentienummer);
    put(sg, w->stuf, "tijdstipBericht", when);
    return sg;
}

static int put_body(struct writer *w, xmlNodePtr par, const char *payload, size_t len,
                    const iwmo_wrap_opts *o, const struct payload_info *pi)
{
    char name[64];
    snprintf(name, sizeof(name), "%s.xml", pi->t->name);
    put_versions(w, par, o, pi);
    return put_payload(w, par, payload, len, or_default(o->bestandsnaam, name));
}

char *iwmo_envelope_wrap_di01(const char *payload, size_t len, const iwmo_limits *lim,
                              const iwmo_stuf_party *zender_app,
                              const iwmo_stuf_party *ontvanger_app,
                              const iwmo_wrap_opts *o, size_t *out_len, iwmo_findings *f)
{
    struct payload_info pi;
    if (!zender_app || !ontvanger_app) {
        iwmo_findings_add(f, 0, "envelope-build-error", "GGK", "zender and ontvanger applicatie are required");
        return NULL;
    }
    if (check_opts(o, f) < 0 || inspect_payload(payload, len, lim, &pi, f) < 0)
        return NULL;
    if (pi.t->is_retour) {
        iwmo_findings_add(f, 0, "IB004", "GGK-FUNCTIE",
                          "%s is a retourbericht; a Di01 carries heenberichten", pi.t->name);
        return NULL;
    }
    struct writer w;
    xmlNodePtr root = start_envelope(&w, DI01_ROOT);
    xmlNodePtr sg = put_routing_head(&w, root, "Di01", pi.afzender, zender_app, pi.ontvanger,
                                     ontvanger_app, o);
    put(sg, w.stuf, "functie", pi.t->name);
    xmlNodePtr par = xmlNewChild(root, w.ggk, BAD_CAST "parameters", NULL);
    put(par, w.ggk, "referentienummerBericht", or_default(o->referentienummer_bericht, pi.ident));
    if (put_body(&w, par, payload, len, o, &pi) < 0) {
        xmlFreeDoc(w.doc);
        iwmo_findings_add(f, 0, "internal-error", "", "cannot encode the payload");
        return NULL;
    }
    return finish(&w, out_len, f);
}

static int retour_fits(const iwmo_envelope *heen, const struct payload_info *pi, iwmo_findings *f)
{
    if (pi->t->is_retour && (!heen->msgtype || heen->msgtype->retour_type == pi->t->type) &&
        (!heen->msgtype || heen->msgtype->standard == pi->t->standard))
        return 0;
    iwmo_findings_add(f, 0, "envelope-functie-mismatch", "GGK-ROUTE",
                      "%s does not answer the heenbericht's functie '%s'", pi->t->name,
                      heen->functie);
    return -1;
}

char *iwmo_envelope_wrap_du01(const iwmo_envelope *heen, const char *payload, size_t len,
                              const iwmo_limits *lim, const iwmo_wrap_opts *o,
                              size_t *out_len, iwmo_findings *f)
{
    struct payload_info pi;
    if (check_opts(o, f) < 0 || inspect_payload(payload, len, lim, &pi, f) < 0 ||
        retour_fits(heen, &pi, f) < 0)
        return NULL;
    struct writer w;
    xmlNodePtr root = start_envelope(&w, DU01_ROOT);
    xmlNodePtr sg = put_routing_head(&w, root, "Du01", heen->ontvanger.organisatie, &heen->ontvanger,
                                     heen->zender.organisatie, &heen->zender, o);
    put(sg, w.stuf, "crossRefnummer", heen->referentienummer);
    put(sg, w.stuf, "functie", pi.t->name);
    xmlNodePtr par = xmlNewChild(root, w.ggk, BAD_CAST "parameters", NULL);
    put(par, w.ggk, "referentienummerBericht", or_default(o->referentienummer_bericht, pi.ident));
    if (heen->referentienummer_bericht[0])
        put(par, w.ggk, "crossRefnummerBericht", heen->referentienummer_bericht);
    if (put_body(&w, par, payload, len, o, &pi) < 0) {
        xmlFreeDoc(w.doc);
        iwmo_findings_add(f, 0, "internal-error", "", "cannot encode the payload");
        return NULL;
    }
    return finish(&w, out_len, f);
}
