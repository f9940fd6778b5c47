/*
 * fuzz_stream.c - libFuzzer harness for the streaming check of a big
 * declaratie (lib/stream.c): each input that looks like a 323 is checked
 * piece by piece, one Client a piece (iwmo_check_streamed, rules included),
 * then read again piece by piece, and checked as one tree as well.
 *
 * Properties: no crash, leak or sanitizer report; the streaming check and
 * the whole one agree on whether the message is schema-valid and whether it
 * passes every rule; every Client is handed out in exactly one piece.
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

static int count_clients(xmlDocPtr piece, void *ctx)
{
    xmlNodePtr root = xmlDocGetRootElement(piece);
    for (xmlNodePtr d = root ? root->children : NULL; d; d = d->next)
        for (xmlNodePtr cs = d->children; cs; cs = cs->next)
            if (cs->type == XML_ELEMENT_NODE && xmlStrEqual(cs->name, BAD_CAST "Clienten"))
                for (xmlNodePtr c = cs->children; c; c = c->next)
                    *(long *)ctx += c->type == XML_ELEMENT_NODE;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iwmo_limits lim;
    fuzz_limits(&lim);
    lim.stream_from = 1;
    lim.stream_clients = 1;
    const char *buf = (const char *)data;
    if (!iwmo_stream_wanted(buf, size, &lim))
        return 0;
    iwmo_result s, w;
    if (iwmo_check_streamed(schemas, &lim, &env, buf, size, &s) < 0)
        return 0;                       /* not a 323 after all: parsed whole elsewhere */
    iwmo_check_rules(&env, &s);
    iwmo_check_message(schemas, &lim, buf, size, &w);
    iwmo_check_rules(&env, &w);
    if (s.schema_valid != w.schema_valid || s.valid != w.valid)
        fuzz_fail("the streaming check and the whole one disagree", data, size);
    if (s.pieces_buf) {
        long clients = 0;
        if (iwmo_pieces_each(&s, 1, count_clients, &clients) == 0 && w.doc) {
            long whole = 0;
            count_clients(w.doc, &whole);
            if (s.well_formed && w.well_formed && clients != whole)
                fuzz_fail("a Client was handed out more or less than once", data, size);
        }
    }
    iwmo_result_free(&s);
    iwmo_result_free(&w);
    return 0;
}
