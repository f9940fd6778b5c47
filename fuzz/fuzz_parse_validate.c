/*
 * fuzz_parse_validate.c - libFuzzer harness for the whole check of one
 * message (iwmo_check_message) with schema validation against the source
 * tree's schemas/, compiled once in LLVMFuzzerInitialize.
 *
 * Properties checked besides memory safety: the result flags are ordered
 * (valid -> schema_valid -> identified -> well_formed), anything not valid
 * carries a finding, and a schema-valid document serialised by
 * iwmo_doc_serialise passes the same check again.
 */
#include <stdlib.h>
#include "fuzz_common.h"

static iwmo_schemaset *schemas;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    schemas = fuzz_schemaset();
    return 0;
}

static void check_flags(const iwmo_result *r, const uint8_t *data, size_t size)
{
    if ((r->valid && !r->schema_valid) || (r->schema_valid && !r->identified) ||
        (r->identified && !r->well_formed))
        fuzz_fail("result flags out of order", data, size);
    if (!r->valid && r->findings.count == 0)
        fuzz_fail("not valid but no finding", data, size);
    if (r->well_formed != (r->doc != NULL))
        fuzz_fail("well_formed disagrees with doc", data, size);
}

/* A valid document written back out must still be a valid message of the same type. */
static void check_round_trip(const iwmo_result *r, const iwmo_limits *lim,
                             const uint8_t *data, size_t size)
{
    size_t len = 0;
    char *xml = iwmo_doc_serialise(r->doc, &len);
    if (!xml)
        fuzz_fail("cannot serialise a valid document", data, size);
    iwmo_result again;
    iwmo_check_message(schemas, lim, xml, len, &again);
    if (!again.schema_valid || again.ident.msgtype != r->ident.msgtype)
        fuzz_fail("serialised document no longer schema-valid", data, size);
    iwmo_result_free(&again);
    free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iwmo_limits lim;
    iwmo_result r;
    fuzz_limits(&lim);
    iwmo_check_message(schemas, &lim, (const char *)data, size, &r);
    check_flags(&r, data, size);
    if (r.schema_valid)
        check_round_trip(&r, &lim, data, size);
    iwmo_result_free(&r);
    return 0;
}
