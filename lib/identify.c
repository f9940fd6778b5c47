/*
 * identify.c - what is this file? Checks on raw bytes (empty, BOM, UTF-16,
 * size, Vektis EI flat files), then, on the parsed document, the standard,
 * release and message type from the root namespace, and agreement of the
 * header's BerichtCode/BerichtVersie/BerichtSubversie with that namespace.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iwmo.h"

#define NS_PREFIX "http://www.istandaarden.nl/"

void iwmo_limits_default(iwmo_limits *l)
{
    l->max_bytes = IWMO_DEFAULT_MAX_BYTES;
    l->max_depth = IWMO_DEFAULT_MAX_DEPTH;
    l->max_findings = 100;
    l->stream_from = IWMO_DEFAULT_STREAM_FROM;
    l->stream_clients = 256;
}

/* A Vektis EI file starts with record type 01 and a three-digit berichtcode. */
static int looks_like_ei(const char *buf, size_t len, int *code)
{
    if (len < 8 || buf[0] != '0' || buf[1] != '1')
        return 0;
    for (int i = 2; i < 5; i++)
        if (!isdigit((unsigned char)buf[i]))
            return 0;
    for (size_t i = 0; i < len && i < 80 && buf[i] != '\n'; i++)
        if (!isprint((unsigned char)buf[i]) && buf[i] != '\r')
            return 0;
    *code = (buf[2] - '0') * 100 + (buf[3] - '0') * 10 + (buf[4] - '0');
    return 1;
}

static const char *ei_name(int code)
{
    switch (code) {
    case 416: return "WMO303 declaratie/factuur";
    case 417: return "WMO304 retour declaratie/factuur";
    default: return NULL;
    }
}

static void refuse_ei(int code, iwmo_findings *f)
{
    const char *name = ei_name(code);
    if (name)
        iwmo_findings_add(f, 1, "legacy-ei-303", "",
                          "Vektis EI flat file (%s, berichtcode %d): release 3.0 replaced the "
                          "303 declaratie/factuur by the XML messages 323 and 325", name, code);
    else
        iwmo_findings_add(f, 1, "vektis-ei-flat-file", "",
                          "Vektis EI fixed-width file (berichtcode %d); release 3.2 exchanges "
                          "XML messages only (the 303 EI declaratie became 323/325 in 3.0)", code);
}

int iwmo_precheck_bytes(const char *buf, size_t len, const iwmo_limits *lim,
                        iwmo_findings *f)
{
    const unsigned char *u = (const unsigned char *)buf;
    int code;
    if (len == 0) {
        iwmo_findings_add(f, 0, "empty-file", "", "the file is empty");
        return -1;
    }
    if (lim->max_bytes && len > lim->max_bytes) {
        iwmo_findings_add(f, 0, "too-large", "OP179",
                          "file of %zu bytes exceeds the limit of %zu bytes", len, lim->max_bytes);
        return -1;
    }
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        iwmo_findings_add(f, 1, "bom-forbidden", "OP192",
                          "file starts with a UTF-8 byte order mark, which messages may not carry");
        return -1;
    }
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF) ||
                     (u[0] == 0 && u[1] == '<') || (u[0] == '<' && u[1] == 0))) {
        iwmo_findings_add(f, 1, "encoding-not-utf8", "OP192",
                          "file is UTF-16 encoded; messages must be UTF-8 without a byte order mark");
        return -1;
    }
    if (looks_like_ei(buf, len, &code)) {
        refuse_ei(code, f);
        return -1;
    }
    size_t i = 0;
    while (i < len && isspace(u[i]))
        i++;
    if (i == len || u[i] != '<') {
        iwmo_findings_add(f, 1, "not-xml", "", "the file is not XML (it does not start with '<')");
        return -1;
    }
    if (memchr(buf, '\0', len)) {
        iwmo_findings_add(f, 0, "not-xml", "", "the file contains NUL bytes");
        return -1;
    }
    return 0;
}

/* Parse "<digits>_<digits>" into "M.N"; returns chars consumed or 0. */
static size_t parse_release(const char *p, char *out, size_t outsz)
{
    const char *s = p;
    char major[4] = "", minor[4] = "";
    size_t n = 0;
    while (isdigit((unsigned char)*s) && n < 3)
        major[n++] = *s++;
    if (n == 0 || *s != '_')
        return 0;
    s++;
    n = 0;
    while (isdigit((unsigned char)*s) && n < 3)
        minor[n++] = *s++;
    if (n == 0 || *s != '/')
        return 0;
    snprintf(out, outsz, "%s.%s", major, minor);
    return (size_t)(s - p + 1);
}

int iwmo_parse_namespace(const char *ns, iwmo_standard *std, int *type,
                         char *release, size_t release_size)
{
    *std = IWMO_STD_UNKNOWN;
    *type = 0;
    release[0] = '\0';
    if (strncmp(ns, NS_PREFIX, strlen(NS_PREFIX)) != 0)
        return -1;
    const char *p = ns + strlen(NS_PREFIX);
    const char *typeprefix;
    if (strncmp(p, "iwmo/", 5) == 0) {
        *std = IWMO_STD_IWMO;
        p += 5;
        typeprefix = "wmo";
    } else if (strncmp(p, "ijw/", 4) == 0) {
        *std = IWMO_STD_IJW;
        p += 4;
        typeprefix = "jw";
    } else {
        return -1;
    }
    size_t used = parse_release(p, release, release_size);
    if (!used)
        return -1;
    p += used;
    size_t tl = strlen(typeprefix);
    if (strncmp(p, typeprefix, tl) != 0)
        return strncmp(p, "basisschema/", 12) == 0 ? 1 : -1;
    p += tl;
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]) || strcmp(p + 3, "/schema") != 0)
        return -1;
    *type = atoi(p) ;
    return 0;
}

static const char *std_label(iwmo_standard s)
{
    return s == IWMO_STD_IWMO ? "iWmo" : "iJw";
}

static int refuse_namespace(xmlNodePtr root, const char *ns, iwmo_ident *id,
                            int rc, iwmo_findings *f)
{
    long line = xmlGetLineNo(root);
    if (rc == 1) {
        iwmo_findings_add(f, line, "unknown-message-type", "",
                          "root element is in the basisschema namespace, not a message namespace");
    } else if (rc < 0) {
        iwmo_findings_add(f, line, "unknown-namespace", "",
                          "root element '%s' is in namespace '%.200s', not an iWmo/iJw message namespace",
                          (const char *)root->name, ns);
    } else if (strcmp(id->release, "3.2") != 0) {
        iwmo_findings_add(f, line, "unsupported-release", "",
                          "%s release %s message %d; iwmod handles release 3.2 only%s",
                          std_label(id->standard), id->release, id->type,
                          id->type == 303 ? " (release 3.0 replaced 303 by 323/325)" : "");
    } else {
        iwmo_findings_add(f, line, "unknown-message-type", "",
                          "%s 3.2 has no message type %d", std_label(id->standard), id->type);
    }
    return -1;
}

static xmlNodePtr child_element(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
            return c;
    return NULL;
}

/* Compare one header field with what the namespace implies; 0 when it agrees or is absent. */
static int check_header_field(xmlNodePtr header, const char *name, int expected,
                              const iwmo_msgtype *t, iwmo_findings *f)
{
    xmlNodePtr el = child_element(header, name);
    if (!el)
        return 0;           /* a missing field is the schema's to report */
    xmlChar *txt = xmlNodeGetContent(el);
    char *end = NULL;
    long v = txt ? strtol((const char *)txt, &end, 10) : -1;
    int ok = txt && end != (char *)txt && *end == '\0' && v == expected;
    if (!ok)
        iwmo_findings_add(f, xmlGetLineNo(el), "header-mismatch", "",
                          "header %s is '%.20s' but the namespace says %s 3.2 %s, which has %s %d",
                          name, txt ? (const char *)txt : "", std_label(t->standard),
                          t->name, name, expected);
    xmlFree(txt);
    return ok ? 0 : -1;
}

int iwmo_identify_doc(xmlDocPtr doc, iwmo_ident *id, iwmo_findings *f)
{
    memset(id, 0, sizeof(*id));
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
        iwmo_findings_add(f, 0, "malformed-xml", "", "document has no root element");
        return -1;
    }
    const char *ns = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    int rc = iwmo_parse_namespace(ns, &id->standard, &id->type, id->release, sizeof(id->release));
    if (rc == 0 && strcmp(id->release, "3.2") == 0)
        id->msgtype = iwmo_msgtype_find(id->standard, id->type);
    if (!id->msgtype)
        return refuse_namespace(root, ns, id, rc, f);
    if (xmlStrcmp(root->name, BAD_CAST "Bericht") != 0) {
        iwmo_findings_add(f, xmlGetLineNo(root), "unknown-root", "",
                          "root element is '%s'; a message's root element is 'Bericht'",
                          (const char *)root->name);
        return -1;
    }
    xmlNodePtr header = child_element(root, "Header");
    int bad = 0;
    bad |= check_header_field(header, "BerichtCode", id->msgtype->berichtcode, id->msgtype, f);
    bad |= check_header_field(header, "BerichtVersie", 3, id->msgtype, f);
    bad |= check_header_field(header, "BerichtSubversie", 2, id->msgtype, f);
    return bad ? -1 : 0;
}
