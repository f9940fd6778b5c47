/*
 * fuzz_identify.c - libFuzzer harness for the first three steps on raw
 * bytes: iwmo_precheck_bytes, iwmo_parse_safe and iwmo_identify_doc, plus
 * iwmo_parse_namespace on the input taken as a namespace string.
 *
 * Besides memory errors and undefined behaviour (ASan, UBSan) it checks the
 * contracts of iwmo.h: every refusal leaves a finding, and a successful
 * identification names a supported 3.2 type that agrees with the ident.
 */
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

static void check_identified(const iwmo_ident *id, const uint8_t *data, size_t size)
{
    if (!id->msgtype)
        fuzz_fail("identified without a message type", data, size);
    if (id->msgtype->type != id->type || id->msgtype->standard != id->standard)
        fuzz_fail("ident disagrees with its message type", data, size);
    if (strcmp(id->release, "3.2") != 0)
        fuzz_fail("identified a release other than 3.2", data, size);
}

static void identify(const uint8_t *data, size_t size)
{
    iwmo_limits lim;
    iwmo_findings f;
    fuzz_limits(&lim);
    iwmo_findings_init(&f, lim.max_findings);
    if (iwmo_precheck_bytes((const char *)data, size, &lim, &f) < 0) {
        if (f.count == 0)
            fuzz_fail("precheck refused without a finding", data, size);
        iwmo_findings_free(&f);
        return;
    }
    xmlDocPtr doc = iwmo_parse_safe((const char *)data, size, &lim, &f);
    if (!doc) {
        if (f.count == 0)
            fuzz_fail("parse failed without a finding", data, size);
        iwmo_findings_free(&f);
        return;
    }
    iwmo_ident id;
    memset(&id, 0, sizeof(id));
    size_t before = f.count + f.dropped;
    if (iwmo_identify_doc(doc, &id, &f) == 0)
        check_identified(&id, data, size);
    else if (f.count + f.dropped == before)
        fuzz_fail("identification refused without a finding", data, size);
    xmlFreeDoc(doc);
    iwmo_findings_free(&f);
}

/* The input as a namespace URI: must never write past release[]. */
static void split_namespace(const uint8_t *data, size_t size)
{
    char *ns = malloc(size + 1);
    if (!ns)
        return;
    memcpy(ns, data, size);
    ns[size] = '\0';
    iwmo_standard std;
    int type;
    char release[8];
    iwmo_parse_namespace(ns, &std, &type, release, sizeof(release));
    free(ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    identify(data, size);
    if (size < 256)
        split_namespace(data, size);
    return 0;
}
