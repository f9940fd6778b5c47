/*
 * check.c - the whole check of one message, in the order a receiver needs:
 * raw-byte checks, safe parse, identification and header agreement, then
 * schema validation. The parsed document is kept for the rules that follow.
 */
#include <stdlib.h>
#include <string.h>
#include "iwmo.h"

void iwmo_check_message(iwmo_schemaset *s, const iwmo_limits *lim,
                        const char *buf, size_t len, iwmo_result *r)
{
    memset(r, 0, sizeof(*r));
    iwmo_findings_init(&r->findings, lim->max_findings);
    if (iwmo_precheck_bytes(buf, len, lim, &r->findings) < 0)
        return;
    r->doc = iwmo_parse_safe(buf, len, lim, &r->findings);
    if (!r->doc)
        return;
    r->well_formed = 1;
    if (iwmo_identify_doc(r->doc, &r->ident, &r->findings) < 0)
        return;
    r->identified = 1;
    if (iwmo_schema_validate(s, r->ident.msgtype, r->doc, &r->findings) != 0)
        return;
    r->schema_valid = 1;
    r->valid = r->findings.count == 0;
}

void iwmo_result_free(iwmo_result *r)
{
    iwmo_class_index_free(r);
    iwmo_decl_index_free(r->pieces_index);
    r->pieces_index = NULL;
    if (r->doc)
        xmlFreeDoc(r->doc);
    r->doc = NULL;
    iwmo_findings_free(&r->findings);
}

void iwmo_check_rules(const iwmo_rule_env *env, iwmo_result *r)
{
    if (!r->schema_valid)
        return;
    if (r->pieces_buf)
        iwmo_check_rules_pieced(env, r);
    else
        iwmo_rules_check(env, r->doc, r->ident.msgtype, &r->findings);
    r->valid = r->findings.count == 0;
}

char *iwmo_doc_serialise(xmlDocPtr doc, size_t *len)
{
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &n, "UTF-8", 1);
    if (!mem)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (out) {
        memcpy(out, mem, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    }
    xmlFree(mem);
    return out;
}
