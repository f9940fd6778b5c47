/*
 * cmd_retour.c - `iwmoctl retour FILE`: the retourbericht that the message
 * alone produces (schemas, intra-message and external-source rules; no
 * cross-message state). Findings go to stderr, the retour to stdout.
 * Exit 0 when a retour is due and printed, 1 when none is due, 2 on usage.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "iwmo.h"

static const char usage[] =
    "usage: iwmoctl retour [--schemas DIR] [--data DIR] [--today YYYY-MM-DD] [--id ID] [--json] FILE\n";

/* A stable default identification: 'R' and 11 hex digits of a hash of the heenbericht's header. */
static void default_id(const iwmo_result *r, char *out, size_t n)
{
    unsigned long long h = 1469598103934665603ULL;
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    xmlChar *txt = root ? xmlNodeGetContent(root) : NULL;
    for (const xmlChar *p = txt; p && *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    xmlFree(txt);
    snprintf(out, n, "R%011llX", h & 0xFFFFFFFFFFFULL);
}

static json_t *retourcodes_json(xmlDocPtr retour)
{
    json_t *arr = json_array();
    xmlNodePtr root = xmlDocGetRootElement(retour);
    for (xmlNodePtr n = root; n; ) {
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "RetourCode") == 0) {
            xmlChar *t = xmlNodeGetContent(n);
            xmlChar *cls = n->parent && n->parent->parent ? (xmlChar *)n->parent->parent->name : NULL;
            json_t *o = json_object();
            json_object_set_new(o, "class", json_string(cls ? (const char *)cls : ""));
            json_object_set_new(o, "code", json_string((const char *)t));
            json_array_append_new(arr, o);
            xmlFree(t);
        }
        if (n->children && n->type == XML_ELEMENT_NODE)
            n = n->children;
        else {
            while (n && !n->next && n != root)
                n = n->parent;
            n = n && n != root ? n->next : NULL;
        }
    }
    return arr;
}

static void print_json(const char *file, const iwmo_result *r, xmlDocPtr retour,
                       const char *xml, const char *why)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(cmd_display_name(file)));
    json_object_set_new(o, "standard", r->ident.standard ? json_string(iwmo_standard_name(r->ident.standard)) : json_null());
    json_object_set_new(o, "type", r->ident.type ? json_sprintf("%d", r->ident.type) : json_null());
    json_object_set_new(o, "retour_type", retour ? json_sprintf("%d", r->ident.msgtype->retour_type) : json_null());
    json_object_set_new(o, "retour_due", json_boolean(retour != NULL));
    json_object_set_new(o, "reason", why ? json_string(why) : json_null());
    json_object_set_new(o, "retourcodes", retour ? retourcodes_json(retour) : json_array());
    json_object_set_new(o, "xml", xml ? json_string(xml) : json_null());
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(o);
}

int cmd_retour(int argc, char **argv)
{
    cmd_opts o = {0};
    int first = cmd_parse_opts(argc, argv, &o, usage);
    if (first < 0)
        return 2;
    if (first != argc - 1) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    checker c;
    char err[512];
    if (checker_open(&c, &o.check, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl retour: %s\n", err);
        return 2;
    }
    const char *file = argv[first];
    iwmo_result r;
    checker_run(&c, file, &r);
    cmd_print_findings(stderr, file, &r);
    char id[16];
    if (r.doc)
        default_id(&r, id, sizeof(id));
    iwmo_retour_opts ro = {.identificatie = o.id ? o.id : id, .dagtekening = c.env.today,
                           .xslt_versie = "1.0.0"};
    const char *why = NULL;
    xmlDocPtr retour = iwmo_retour_build(&r, &ro, &why);
    size_t len = 0;
    char *xml = retour ? iwmo_doc_serialise(retour, &len) : NULL;
    if (o.json)
        print_json(file, &r, retour, xml, why);
    else if (xml)
        fwrite(xml, 1, len, stdout);
    else
        fprintf(stderr, "%s: no retour: %s\n", cmd_display_name(file), why);
    int rc = retour ? 0 : 1;
    free(xml);
    if (retour)
        xmlFreeDoc(retour);
    iwmo_result_free(&r);
    checker_close(&c);
    return rc;
}
