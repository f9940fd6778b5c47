/*
 * dsig.c - signed messages with libxmlsec1 (OpenSSL backend).
 *
 * Inbound: the file's bytes are checked to be safe XML (the library's own
 * safe parser), parsed again with byte positions, and the one ds:Signature,
 * the last child of the root, is verified against the trust store: one
 * Reference URI="" with the enveloped-signature transform, RSA-SHA256,
 * SHA-256, the signer's certificate in KeyInfo/X509Data chained to a trusted
 * CA and valid now. Only same-document references and these transforms are
 * enabled, so a signature can never make xmlsec fetch anything. The verified
 * signature's bytes are then cut out of the original bytes, so the normal
 * check sees the message exactly as it was sent, minus the signature.
 *
 * Outbound: the serialised retour is parsed, a signature template of the
 * same shape is appended to its root and signed with our key.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/strings.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/x509.h>
#include "dsig.h"

struct dsig_ctx {
    xmlSecKeysMngrPtr trust;    /* trusted CA certificates; NULL when not verifying */
    xmlSecKeyPtr key;           /* our signing key with its certificate; NULL when not signing */
    iwmo_limits limits;         /* for the safe parse of inbound messages */
};

#define DSIG_RULE "XMLDSIG"

/* ---- xmlsec, once per process ----------------------------------------------- */

static int xmlsec_ready;

/* What xmlsec reported during the current verification (it reports through a callback). */
static _Thread_local struct {
    int key_not_found;
    int cert_reason;            /* XMLSEC_ERRORS_R_CERT_* seen, or 0 */
    char first[160];            /* the first error: function and reason, never message content */
} xs_errors;

static const char *xmlsec_reason_text(int reason)
{
    for (xmlSecSize i = 0; i < XMLSEC_ERRORS_MAX_NUMBER && xmlSecErrorsGetMsg(i); i++)
        if (xmlSecErrorsGetCode(i) == reason)
            return xmlSecErrorsGetMsg(i);
    return "error";
}

static void on_xmlsec_error(const char *file, int line, const char *func, const char *object,
                            const char *subject, int reason, const char *msg)
{
    (void)file; (void)line; (void)object; (void)subject; (void)msg;
    if (reason == XMLSEC_ERRORS_R_KEY_NOT_FOUND)
        xs_errors.key_not_found = 1;
    if (reason == XMLSEC_ERRORS_R_CERT_HAS_EXPIRED || reason == XMLSEC_ERRORS_R_CERT_NOT_YET_VALID)
        xs_errors.cert_reason = reason;
    if (!xs_errors.first[0])
        snprintf(xs_errors.first, sizeof(xs_errors.first), "%s: %s", func ? func : "xmlsec",
                 xmlsec_reason_text(reason));
}

static int xmlsec_init(char *err, size_t errsize)
{
    if (xmlsec_ready)
        return 0;
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 ||
        xmlSecCryptoInit() < 0) {
        snprintf(err, errsize, "cannot initialise libxmlsec1 with its OpenSSL backend");
        return -1;
    }
    xmlSecErrorsSetCallback(on_xmlsec_error);
    xmlsec_ready = 1;
    return 0;
}

void dsig_shutdown(void)
{
    if (!xmlsec_ready)
        return;
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
    xmlsec_ready = 0;
}

/* ---- the trust store ---------------------------------------------------------- */

/* Add every certificate in one PEM file as trusted; *count grows. */
static int add_pem_file(xmlSecKeyDataStorePtr store, const char *path, int *count, char *err, size_t es)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b) {
        snprintf(err, es, "%s: cannot be read: %s", path, strerror(errno));
        return -1;
    }
    X509 *c;
    while ((c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (xmlSecOpenSSLX509StoreAdoptCert(store, c, xmlSecKeyDataTypeTrusted) < 0) {
            X509_free(c);
            BIO_free(b);
            snprintf(err, es, "%s: cannot add a certificate to the trust store", path);
            return -1;
        }
        (*count)++;
    }
    ERR_clear_error();                  /* the loop ends on "no start line" */
    BIO_free(b);
    return 0;
}

static int has_pem_suffix(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 &&
           (!strcmp(name + n - 4, ".pem") || !strcmp(name + n - 4, ".crt") || !strcmp(name + n - 4, ".cer"));
}

/* Every *.pem, *.crt and *.cer file in dir. */
static int add_pem_dir(xmlSecKeyDataStorePtr store, const char *dir, int *count, char *err, size_t es)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, es, "%s: cannot be read: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        if (has_pem_suffix(e->d_name) && snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
            rc = add_pem_file(store, path, count, err, es);
    }
    closedir(d);
    return rc;
}

static xmlSecKeysMngrPtr open_trust(const char *path, char *err, size_t es)
{
    xmlSecKeysMngrPtr m = xmlSecKeysMngrCreate();
    if (!m || xmlSecCryptoAppDefaultKeysMngrInit(m) < 0) {
        snprintf(err, es, "%s: cannot create an xmlsec keys manager", path);
        goto fail;
    }
    xmlSecKeyDataStorePtr store = xmlSecKeysMngrGetDataStore(m, xmlSecOpenSSLX509StoreId);
    struct stat st;
    int count = 0;
    if (stat(path, &st) < 0) {
        snprintf(err, es, "%s: cannot be read: %s", path, strerror(errno));
        goto fail;
    }
    if ((S_ISDIR(st.st_mode) ? add_pem_dir : add_pem_file)(store, path, &count, err, es) < 0)
        goto fail;
    if (count == 0) {
        snprintf(err, es, "%s: holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path);
        goto fail;
    }
    return m;
fail:
    if (m)
        xmlSecKeysMngrDestroy(m);
    return NULL;
}

/* ---- the signing key ---------------------------------------------------------- */

/* Does the private key in key_path belong to the certificate in cert_path? */
static int key_matches_cert(const char *key_path, const char *cert_path, char *err, size_t es)
{
    BIO *kb = BIO_new_file(key_path, "r"), *cb = BIO_new_file(cert_path, "r");
    EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    X509 *c = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    int ok = k && c && X509_check_private_key(c, k) == 1;
    if (!k)
        snprintf(err, es, "%s: cannot be read as an unencrypted PEM private key", key_path);
    else if (!c)
        snprintf(err, es, "%s: cannot be read as a PEM certificate", cert_path);
    else if (!ok)
        snprintf(err, es, "%s: the private key does not belong to the certificate %s", key_path, cert_path);
    ERR_clear_error();
    EVP_PKEY_free(k);
    X509_free(c);
    BIO_free(kb);
    BIO_free(cb);
    return ok ? 0 : -1;
}

static xmlSecKeyPtr open_key(const char *key_path, const char *cert_path, char *err, size_t es)
{
    if (key_matches_cert(key_path, cert_path, err, es) < 0)
        return NULL;
    xmlSecKeyPtr k = xmlSecCryptoAppKeyLoad(key_path, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    if (!k) {
        snprintf(err, es, "%s: xmlsec cannot load the private key", key_path);
        return NULL;
    }
    if (xmlSecCryptoAppKeyCertLoad(k, cert_path, xmlSecKeyDataFormatPem) < 0) {
        snprintf(err, es, "%s: xmlsec cannot load the certificate", cert_path);
        xmlSecKeyDestroy(k);
        return NULL;
    }
    return k;
}

int dsig_open(const dsig_opts *o, dsig_ctx **out, char *err, size_t errsize)
{
    *out = NULL;
    if (!o->verify_inbound && !o->key)
        return 0;
    if (xmlsec_init(err, errsize) < 0)
        return -1;
    dsig_ctx *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    iwmo_limits_default(&d->limits);
    if ((o->verify_inbound && !(d->trust = open_trust(o->trust, err, errsize))) ||
        (o->key && !(d->key = open_key(o->key, o->cert, err, errsize)))) {
        dsig_close(d);
        return -1;
    }
    *out = d;
    return 0;
}

void dsig_close(dsig_ctx *d)
{
    if (!d)
        return;
    if (d->trust)
        xmlSecKeysMngrDestroy(d->trust);
    if (d->key)
        xmlSecKeyDestroy(d->key);
    free(d);
}

int dsig_verifies(const dsig_ctx *d)
{
    return d && d->trust;
}

int dsig_signs(const dsig_ctx *d)
{
    return d && d->key;
}

/* ---- verdicts --------------------------------------------------------------- */

static const struct {
    const char *code, *text;
} verdicts[] = {
    [DSIG_OK] = {"signature-valid", "signature valid"},
    [DSIG_ABSENT] = {"not-signed", "not signed"},
    [DSIG_NOT_XML] = {"not-xml", "not an XML document that can carry a signature"},
    [DSIG_MULTIPLE] = {"signature-multiple", "more than one signature"},
    [DSIG_MALFORMED] = {"signature-malformed", "malformed signature"},
    [DSIG_BAD_SIGNATURE] = {"signature-does-not-verify", "signature does not verify"},
    [DSIG_UNTRUSTED] = {"signer-not-trusted", "signer certificate not trusted"},
    [DSIG_EXPIRED] = {"signer-expired", "signer certificate expired or not yet valid"},
};

const char *dsig_verdict_code(dsig_verdict v)
{
    return verdicts[v].code;
}

const char *dsig_verdict_text(dsig_verdict v)
{
    return verdicts[v].text;
}

/* ---- inbound: finding the signature ------------------------------------------ */

static int is_dsig(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->name, BAD_CAST name) &&
           xmlStrEqual(n->ns->href, xmlSecDSigNs);
}

/* Count the ds:Signature elements under n; *first gets the first one. */
static int count_signatures(xmlNodePtr n, xmlNodePtr *first)
{
    int k = 0;
    for (; n; n = n->next) {
        if (is_dsig(n, "Signature")) {
            if (!*first)
                *first = n;
            k++;
        }
        if (n->type == XML_ELEMENT_NODE)
            k += count_signatures(n->children, first);
    }
    return k;
}

static xmlNodePtr next_element(xmlNodePtr n)
{
    for (n = n ? n->next : NULL; n && n->type != XML_ELEMENT_NODE; n = n->next)
        ;
    return n;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
    xmlNodePtr n = parent ? parent->children : NULL;
    return n && n->type != XML_ELEMENT_NODE ? next_element(n) : n;
}

/* The shape we accept: last child of the root, one Reference to the whole document. */
static dsig_verdict check_shape(xmlNodePtr root, xmlNodePtr sig, char *why, size_t ws)
{
    if (sig->parent != root || next_element(sig)) {
        snprintf(why, ws, "the ds:Signature must be the last child of the root element");
        return DSIG_MALFORMED;
    }
    xmlNodePtr si = first_element(sig);
    int refs = 0, whole = 0;
    for (xmlNodePtr n = first_element(si); is_dsig(si, "SignedInfo") && n; n = next_element(n))
        if (is_dsig(n, "Reference")) {
            xmlChar *uri = xmlGetProp(n, BAD_CAST "URI");
            refs++;
            whole = uri && !uri[0];
            xmlFree(uri);
        }
    if (refs != 1 || !whole) {
        snprintf(why, ws, "SignedInfo must hold exactly one Reference, with URI=\"\" (the whole message); "
                 "found %d", refs);
        return DSIG_MALFORMED;
    }
    return DSIG_OK;
}

/* ---- inbound: the certificate in KeyInfo ---------------------------------------- */

static X509 *decode_certificate(xmlNodePtr n)
{
    xmlChar *text = xmlNodeGetContent(n);
    size_t len = text ? strlen((char *)text) : 0, k = 0;
    unsigned char *clean = malloc(len + 1), *der = malloc(len + 1);
    for (size_t i = 0; clean && i < len; i++)
        if (!strchr(" \t\r\n", text[i]))
            clean[k++] = text[i];
    int n_der = clean && der && k ? EVP_DecodeBlock(der, clean, (int)k) : -1;
    const unsigned char *p = der;
    X509 *c = n_der > 0 ? d2i_X509(NULL, &p, n_der) : NULL;
    xmlFree(text);
    free(clean);
    free(der);
    return c;
}

/* Is the certificate outside its validity period now? */
static int out_of_date(const X509 *c)
{
    return X509_cmp_current_time(X509_get0_notBefore(c)) >= 0 ||
           X509_cmp_current_time(X509_get0_notAfter(c)) <= 0;
}

/* Collect the X509Certificate elements under n: how many, and how many are out of date. */
static void scan_certificates(xmlNodePtr n, int *certs, int *stale)
{
    for (; n; n = n->next) {
        if (is_dsig(n, "X509Certificate")) {
            X509 *c = decode_certificate(n);
            *certs += c != NULL;
            *stale += c && out_of_date(c);
            X509_free(c);
        } else if (n->type == XML_ELEMENT_NODE) {
            scan_certificates(n->children, certs, stale);
        }
    }
}

/* xmlsec found no usable key: untrusted, expired, or no certificate at all? */
static dsig_verdict certificate_verdict(xmlNodePtr sig, char *why, size_t ws)
{
    xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
    int certs = 0, stale = 0;
    scan_certificates(ki ? ki->children : NULL, &certs, &stale);
    if (!certs) {
        snprintf(why, ws, "KeyInfo carries no X509Data/X509Certificate with the signer's certificate");
        return DSIG_MALFORMED;
    }
    if (stale || xs_errors.cert_reason) {
        snprintf(why, ws, "the certificate in KeyInfo is outside its validity period at this moment");
        return DSIG_EXPIRED;
    }
    snprintf(why, ws, "the certificate in KeyInfo does not chain to a CA in the trust store (signing.trust)");
    return DSIG_UNTRUSTED;
}

/* ---- inbound: xmlsec ---------------------------------------------------------- */

/* Only same-document references and the algorithms we use: xmlsec never fetches anything. */
static xmlSecDSigCtxPtr restricted_ctx(xmlSecKeysMngrPtr trust)
{
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(trust);
    if (!ctx)
        return NULL;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    ctx->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_STOP_ON_INVALID_CERT;
    if (xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData, (void *)xmlSecKeyDataX509Id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14NId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) < 0) {
        xmlSecDSigCtxDestroy(ctx);
        return NULL;
    }
    return ctx;
}

/* After a verification that ran to its end: was it the digest or the signature value? */
static dsig_verdict status_verdict(xmlSecDSigCtxPtr ctx, char *why, size_t ws)
{
    if (ctx->status == xmlSecDSigStatusSucceeded)
        return DSIG_OK;
    xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    for (xmlSecSize i = 0; i < n; i++) {
        xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
        if (ref && ref->status != xmlSecDSigStatusSucceeded) {
            snprintf(why, ws, "the digest does not match: the message was changed after it was signed");
            return DSIG_BAD_SIGNATURE;
        }
    }
    snprintf(why, ws, "the signature value does not match the key of the certificate in KeyInfo "
             "(SignedInfo changed, or signed with another key)");
    return DSIG_BAD_SIGNATURE;
}

static dsig_verdict run_xmlsec(dsig_ctx *d, xmlNodePtr sig, char *why, size_t ws)
{
    memset(&xs_errors, 0, sizeof(xs_errors));
    xmlSecDSigCtxPtr ctx = restricted_ctx(d->trust);
    if (!ctx) {
        snprintf(why, ws, "cannot create an xmlsec signature context");
        return DSIG_MALFORMED;
    }
    int rc = xmlSecDSigCtxVerify(ctx, sig);
    dsig_verdict v;
    if (rc == 0)
        v = status_verdict(ctx, why, ws);
    else if (!ctx->signKey || xs_errors.key_not_found)
        v = certificate_verdict(sig, why, ws);
    else {
        snprintf(why, ws, "xmlsec cannot process it (%s)", xs_errors.first[0] ? xs_errors.first : "unknown");
        v = DSIG_MALFORMED;
    }
    xmlSecDSigCtxDestroy(ctx);
    ERR_clear_error();
    return v;
}

/* ---- inbound: parse, verify, strip ---------------------------------------------- */

/* Does the library's safe parser accept buf (no DOCTYPE, not too deep, UTF-8, well-formed)? */
static int safe_xml(const dsig_ctx *d, const char *buf, size_t len)
{
    iwmo_findings f;
    iwmo_findings_init(&f, 4);
    xmlDocPtr doc = iwmo_precheck_bytes(buf, len, &d->limits, &f) < 0 ? NULL
                                                                        : iwmo_parse_safe(buf, len, &d->limits, &f);
    iwmo_findings_free(&f);
    if (doc)
        xmlFreeDoc(doc);
    return doc != NULL;
}

/* The parser context with its document and its recorded positions (xmlFreeParserCtxt leaves those). */
static void free_positions(xmlParserCtxtPtr ctxt)
{
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlClearNodeInfoSeq(&ctxt->node_seq);
    xmlFreeParserCtxt(ctxt);
}

/* Parse again (known safe) recording each element's byte range. */
static xmlParserCtxtPtr parse_with_positions(const char *buf, size_t len)
{
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (!ctxt)
        return NULL;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    ctxt->record_info = 1;
    xmlParseDocument(ctxt);
    if (!ctxt->wellFormed || !ctxt->myDoc) {
        free_positions(ctxt);
        return NULL;
    }
    return ctxt;
}

/* Skip a comment, PI or CDATA section starting at p; NULL when p starts none of them. */
static const char *skip_markup(const char *p, const char *end)
{
    static const struct { const char *open, *close; } kinds[] = {
        {"<!--", "-->"}, {"<?", "?>"}, {"<![CDATA[", "]]>"}};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t n = strlen(kinds[k].open);
        if ((size_t)(end - p) >= n && !memcmp(p, kinds[k].open, n)) {
            const char *c = memmem(p + n, (size_t)(end - p) - n, kinds[k].close, strlen(kinds[k].close));
            return c ? c + strlen(kinds[k].close) : end;
        }
    }
    return NULL;
}

/*
 * Where the signature's start tag begins. libxml2 2.9 records an element's
 * end position reliably but not its start, so scan from the end of the
 * previous sibling element: the first '<' that opens no comment, PI or
 * CDATA section is the signature's start tag.
 */
static long signature_start(const char *buf, size_t from, size_t to, const xmlChar *qname)
{
    const char *p = buf + from, *end = buf + to, *next;
    while (p < end && *p != '<')
        p++;
    while (p < end && (next = skip_markup(p, end)) != NULL)
        for (p = next; p < end && *p != '<';)
            p++;
    size_t n = strlen((const char *)qname);
    if ((size_t)(end - p) <= n + 1 || memcmp(p + 1, qname, n) || !strchr(" \t\r\n>/", p[n + 1]))
        return -1;
    return p - buf;
}

static xmlChar *qualified_name(xmlNodePtr n)
{
    return n->ns && n->ns->prefix ? xmlBuildQName(n->name, n->ns->prefix, NULL, 0) : xmlStrdup(n->name);
}

/* buf without the signature element's bytes: from its start tag up to the end of its end tag. */
static int cut_out(xmlParserCtxtPtr ctxt, xmlNodePtr sig, const char *buf, size_t len, char **out, size_t *out_len)
{
    xmlNodePtr prev = sig->prev;
    while (prev && prev->type != XML_ELEMENT_NODE)
        prev = prev->prev;
    const xmlParserNodeInfo *pi = prev ? xmlParserFindNodeInfo(ctxt, prev) : NULL;
    const xmlParserNodeInfo *si = xmlParserFindNodeInfo(ctxt, sig);
    if (!pi || !si || pi->end_pos > si->end_pos || si->end_pos > len || buf[si->end_pos - 1] != '>')
        return -1;
    xmlChar *qname = qualified_name(sig);
    long begin = qname ? signature_start(buf, pi->end_pos, si->end_pos, qname) : -1;
    xmlFree(qname);
    if (begin < 0)
        return -1;
    *out_len = len - (si->end_pos - (size_t)begin);
    *out = malloc(*out_len + 1);
    if (!*out)
        return -1;
    memcpy(*out, buf, (size_t)begin);
    memcpy(*out + begin, buf + si->end_pos, len - si->end_pos);
    (*out)[*out_len] = '\0';
    return 0;
}

static dsig_verdict verify_doc(dsig_ctx *d, xmlParserCtxtPtr ctxt, const char *buf, size_t len,
                               char **stripped, size_t *stripped_len, char *why, size_t ws)
{
    xmlNodePtr root = xmlDocGetRootElement(ctxt->myDoc), sig = NULL;
    int n = count_signatures(root, &sig);
    if (n == 0) {
        snprintf(why, ws, "the message carries no ds:Signature");
        return DSIG_ABSENT;
    }
    if (n > 1) {
        snprintf(why, ws, "the message carries %d ds:Signature elements; exactly one is allowed", n);
        return DSIG_MULTIPLE;
    }
    dsig_verdict v = check_shape(root, sig, why, ws);
    if (v == DSIG_OK)
        v = run_xmlsec(d, sig, why, ws);
    if (v == DSIG_OK && cut_out(ctxt, sig, buf, len, stripped, stripped_len) < 0) {
        snprintf(why, ws, "cannot locate the signature's bytes to remove it");
        v = DSIG_MALFORMED;
    }
    return v;
}

dsig_verdict dsig_verify(dsig_ctx *d, const char *buf, size_t len, char **stripped,
                         size_t *stripped_len, char *why, size_t whysize)
{
    *stripped = NULL;
    *stripped_len = 0;
    why[0] = '\0';
    if (len > (size_t)INT_MAX || !safe_xml(d, buf, len)) {
        snprintf(why, whysize, "not a well-formed, safe XML document");
        return DSIG_NOT_XML;
    }
    xmlParserCtxtPtr ctxt = parse_with_positions(buf, len);
    if (!ctxt) {
        snprintf(why, whysize, "not a well-formed XML document");
        return DSIG_NOT_XML;
    }
    dsig_verdict v = verify_doc(d, ctxt, buf, len, stripped, stripped_len, why, whysize);
    free_positions(ctxt);
    return v;
}

/* ---- outbound: signing ------------------------------------------------------- */

/* Append an enveloped signature template to the root: exc-c14n, RSA-SHA256, SHA-256, X509Certificate. */
static xmlNodePtr add_template(xmlDocPtr doc)
{
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id,
                                                     NULL, BAD_CAST "ds");
    if (!sig)
        return NULL;
    xmlAddChild(xmlDocGetRootElement(doc), sig);
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    xmlNodePtr x509 = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) || !x509 ||
        !xmlSecTmplX509DataAddCertificate(x509))
        return NULL;
    return sig;
}

static int sign_doc(dsig_ctx *d, xmlDocPtr doc, char *err, size_t es)
{
    xmlNodePtr sig = add_template(doc);
    xmlSecDSigCtxPtr ctx = sig ? xmlSecDSigCtxCreate(NULL) : NULL;
    int rc = -1;
    if (ctx && (ctx->signKey = xmlSecKeyDuplicate(d->key)) != NULL)
        rc = xmlSecDSigCtxSign(ctx, sig);
    if (rc < 0)
        snprintf(err, es, "xmlsec cannot sign the message (%s)", xs_errors.first[0] ? xs_errors.first : "template");
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    ERR_clear_error();
    return rc < 0 ? -1 : 0;
}

static int dump_doc(xmlDocPtr doc, char **out, size_t *out_len, char *err, size_t es)
{
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");    /* never reformatted: that would break the signature */
    *out = mem ? malloc((size_t)n + 1) : NULL;
    if (*out) {
        memcpy(*out, mem, (size_t)n);
        (*out)[n] = '\0';
        *out_len = (size_t)n;
    } else {
        snprintf(err, es, "out of memory serialising the signed message");
    }
    xmlFree(mem);
    return *out ? 0 : -1;
}

int dsig_sign(dsig_ctx *d, const char *buf, size_t len, char **out, size_t *out_len,
              char *err, size_t errsize)
{
    *out = NULL;
    memset(&xs_errors, 0, sizeof(xs_errors));
    iwmo_findings f;
    iwmo_findings_init(&f, 4);
    xmlDocPtr doc = len <= (size_t)INT_MAX ? iwmo_parse_safe(buf, len, &d->limits, &f) : NULL;
    xmlNodePtr existing = NULL;
    int rc = -1;
    if (!doc)
        snprintf(err, errsize, "cannot sign: %s", f.count ? f.items[0].message : "not an XML document");
    else if (count_signatures(xmlDocGetRootElement(doc), &existing) > 0)
        snprintf(err, errsize, "cannot sign: the message already carries a ds:Signature");
    else
        rc = sign_doc(d, doc, err, errsize) == 0 ? dump_doc(doc, out, out_len, err, errsize) : -1;
    iwmo_findings_free(&f);
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}

/* ---- the daemon's hooks --------------------------------------------------------- */

/* r becomes a refused result with one finding naming the reason. */
static void refuse(iwmo_result *r, const iwmo_limits *lim, dsig_verdict v, const char *why)
{
    memset(r, 0, sizeof(*r));
    iwmo_findings_init(&r->findings, lim->max_findings);
    iwmo_findings_add(&r->findings, 0, dsig_verdict_code(v), DSIG_RULE, "%s: %s", dsig_verdict_text(v), why);
}

dsig_verdict dsig_check_buffer(dsig_ctx *d, checker *c, const char *buf, size_t len,
                               iwmo_result *r, checker_wrapping *wr)
{
    if (!dsig_verifies(d)) {
        checker_run_buffer(c, buf, len, r, wr);
        return DSIG_ABSENT;
    }
    d->limits = c->limits;
    char *stripped, why[256];
    size_t stripped_len;
    dsig_verdict v = dsig_verify(d, buf, len, &stripped, &stripped_len, why, sizeof(why));
    if (v == DSIG_OK || v == DSIG_ABSENT || v == DSIG_NOT_XML) {
        /* not XML (a ZIP, a broken file): the normal check refuses it or finds no signature */
        if (stripped)                   /* freed below: no pieces can be read from it later */
            checker_run_buffer_whole(c, stripped, stripped_len, r, wr);
        else
            checker_run_buffer(c, buf, len, r, wr);
        free(stripped);
        return v == DSIG_NOT_XML ? DSIG_ABSENT : v;
    }
    memset(wr, 0, sizeof(*wr));
    refuse(r, &c->limits, v, why);
    return v;
}

int dsig_refuse_unsigned(const dsig_ctx *d, dsig_verdict v, iwmo_result *r)
{
    if (!dsig_verifies(d) || v != DSIG_ABSENT)
        return 0;
    size_t max = r->findings.max_findings;     /* the signature is the reason, not what else is wrong */
    iwmo_findings_free(&r->findings);
    iwmo_findings_init(&r->findings, max);
    iwmo_findings_add(&r->findings, 0, dsig_verdict_code(DSIG_ABSENT), DSIG_RULE, "%s: %s",
                      dsig_verdict_text(DSIG_ABSENT), "the message carries no ds:Signature, and "
                      "signing.verify_inbound requires one on every message addressed to us");
    return 1;
}

const char *dsig_refusal_headline(const iwmo_result *r)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (!strcmp(r->findings.items[i].rule, DSIG_RULE))
            return "refused: the message's XML signature was not accepted (signing.verify_inbound)";
    return NULL;
}

int dsig_sign_in_place(dsig_ctx *d, char **xml, size_t *len, char *err, size_t errsize)
{
    if (!dsig_signs(d) || !*xml)
        return 0;
    char *signed_xml;
    size_t signed_len;
    if (dsig_sign(d, *xml, *len, &signed_xml, &signed_len, err, errsize) < 0)
        return -1;
    free(*xml);
    *xml = signed_xml;
    *len = signed_len;
    return 0;
}
