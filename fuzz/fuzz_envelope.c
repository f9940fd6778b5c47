/*
 * fuzz_envelope.c - libFuzzer harness for what arrives around a message:
 * StUF-GGk Di01/Du01 envelopes (iwmo_envelope_detect, iwmo_envelope_unwrap
 * with the envelope XSD, then the payload through iwmo_check_message and
 * iwmo_envelope_check) and VECOZO ZIP deliveries (iwmo_zip_extract).
 * Built only when lib/ has the envelope header (see CMakeLists.txt).
 *
 * Properties: a refusal leaves a finding; an opened envelope names a 3.2
 * message type and carries a payload no larger than the limit; an
 * extracted ZIP entry is no larger than the limit either.
 */
#include <stdlib.h>
#include FUZZ_ENVELOPE_H
#include "fuzz_common.h"

static iwmo_schemaset *schemas;
static iwmo_envschema *envschema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    schemas = fuzz_schemaset();
    envschema = iwmo_envschema_new(IWMOD_SOURCE_DIR "/schemas");
    if (!envschema)
        abort();
    return 0;
}

/* The payload of an opened envelope, checked and compared with the routing. */
static void check_payload(const iwmo_envelope *env, const iwmo_limits *lim)
{
    iwmo_result r;
    iwmo_check_message(schemas, lim, env->payload, env->payload_len, &r);
    if (r.identified) {
        iwmo_findings f;
        iwmo_findings_init(&f, lim->max_findings);
        iwmo_envelope_check(env, r.doc, &r.ident, &f);
        iwmo_findings_free(&f);
    }
    iwmo_result_free(&r);
}

static void envelope(const uint8_t *data, size_t size, const iwmo_limits *lim)
{
    iwmo_envelope_detect((const char *)data, size);
    iwmo_envelope env = {0};
    iwmo_findings f;
    iwmo_findings_init(&f, lim->max_findings);
    if (iwmo_envelope_unwrap(envschema, (const char *)data, size, lim, &env, &f) == 0) {
        if (!env.msgtype || !env.payload || env.payload_len > lim->max_bytes)
            fuzz_fail("opened envelope without type or with an oversized payload", data, size);
        check_payload(&env, lim);
    } else if (f.count == 0) {
        fuzz_fail("envelope refused without a finding", data, size);
    }
    iwmo_envelope_free(&env);
    iwmo_findings_free(&f);
}

static void zip(const uint8_t *data, size_t size, const iwmo_limits *lim)
{
    char *out = NULL, name[256];
    size_t len = 0;
    iwmo_findings f;
    iwmo_findings_init(&f, lim->max_findings);
    if (iwmo_zip_extract((const char *)data, size, lim, NULL, &out, &len, name, sizeof(name), &f) == 0) {
        if (!out || len > lim->max_bytes)
            fuzz_fail("extracted ZIP entry missing or over the limit", data, size);
    } else if (f.count == 0) {
        fuzz_fail("ZIP refused without a finding", data, size);
    }
    free(out);
    iwmo_findings_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iwmo_limits lim;
    fuzz_limits(&lim);
    if (iwmo_zip_detect((const char *)data, size))
        zip(data, size, &lim);
    else
        envelope(data, size, &lim);
    return 0;
}
