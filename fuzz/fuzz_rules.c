/*
 * fuzz_rules.c - libFuzzer harness for the rules and the retour: each input
 * is checked (iwmo_check_message), then, when schema-valid, the
 * intra-message and external-source rules run (iwmo_check_rules, today fixed
 * at FUZZ_TODAY, the data/ lists loaded), iwmo_class_codes is asked about
 * every element and iwmo_retour_build answers it.
 *
 * The retour itself is checked: serialised, it must be a schema-valid
 * message of the heenbericht's retour type. Rules only see schema-valid
 * messages, so seeds are the valid samples and the mutations that keep
 * them valid (dictionary: fuzz/iwmo.dict) are the ones that reach here.
 */
#include <stdlib.h>
#include <libxml/tree.h>
#include "fuzz_common.h"

static iwmo_schemaset *schemas;
static iwmo_rule_env env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    schemas = fuzz_schemaset();
    env = fuzz_rule_env();
    return 0;
}

/* Ask for the class codes of every element, as the retour builder does for classes. */
static void walk_classes(const iwmo_result *r, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *codes[8];
        int k = iwmo_class_codes(r, n, codes, 8);
        for (int i = 0; i < k && i < 8; i++)
            if (!codes[i] || !codes[i][0])
                abort();
        walk_classes(r, n->children);
    }
}

static void check_retour(const iwmo_result *r, xmlDocPtr retour, const uint8_t *data, size_t size)
{
    iwmo_limits lim;
    fuzz_limits(&lim);
    lim.max_bytes = IWMO_DEFAULT_MAX_BYTES;
    size_t len = 0;
    char *xml = iwmo_doc_serialise(retour, &len);
    if (!xml)
        fuzz_fail("cannot serialise the retour", data, size);
    iwmo_result back;
    iwmo_check_message(schemas, &lim, xml, len, &back);
    const iwmo_msgtype *want = iwmo_msgtype_find(r->ident.standard, r->ident.msgtype->retour_type);
    if (!back.schema_valid || back.ident.msgtype != want)
        fuzz_fail("retour is not a schema-valid message of the retour type", data, size);
    iwmo_result_free(&back);
    free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iwmo_limits lim;
    iwmo_result r;
    fuzz_limits(&lim);
    iwmo_check_message(schemas, &lim, (const char *)data, size, &r);
    iwmo_check_rules(&env, &r);
    if (r.schema_valid)
        walk_classes(&r, xmlDocGetRootElement(r.doc));
    iwmo_retour_opts o = {.identificatie = "FZ0000000001", .dagtekening = env.today,
                          .xslt_versie = "1.0.0"};
    const char *why = NULL;
    xmlDocPtr retour = iwmo_retour_build(&r, &o, &why);
    if (retour) {
        check_retour(&r, retour, data, size);
        xmlFreeDoc(retour);
    } else if (!why) {
        fuzz_fail("no retour and no reason", data, size);
    }
    iwmo_result_free(&r);
    return 0;
}
