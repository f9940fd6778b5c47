/*
 * dsig.h - signed messages (XML-DSig with libxmlsec1 and OpenSSL): inbound
 * messages verified against a trust store before the normal check, outbound
 * retours signed with our key. The signature is enveloped, the last child of
 * the message's root element (the iStandaarden XSDs have no place for it, so
 * it is removed before the message is checked).
 */
#ifndef IWMOD_DSIG_H
#define IWMOD_DSIG_H

#include <stddef.h>
#include "checker.h"

typedef struct dsig_ctx dsig_ctx;

typedef struct {
    int verify_inbound;         /* messages addressed to us must be signed */
    const char *trust;          /* PEM file, or a directory of PEM files, of trusted CA certificates */
    const char *key;            /* PEM private key that signs our retours; NULL: no signing */
    const char *cert;           /* its certificate, sent in KeyInfo */
} dsig_opts;

/* Why a signature was refused; DSIG_OK and DSIG_ABSENT are not refusals by themselves. */
typedef enum {
    DSIG_OK = 0,                /* verified; the signature has been stripped */
    DSIG_ABSENT,                /* no ds:Signature at all */
    DSIG_NOT_XML,               /* not a well-formed, safe XML document: left to the normal check */
    DSIG_MULTIPLE,
    DSIG_MALFORMED,
    DSIG_BAD_SIGNATURE,
    DSIG_UNTRUSTED,
    DSIG_EXPIRED
} dsig_verdict;

/*
 * Open a context for these options; *out stays NULL when nothing is
 * configured. xmlsec is initialised on first use (once per process).
 * Returns 0, or -1 with a message naming the file in err.
 */
int dsig_open(const dsig_opts *o, dsig_ctx **out, char *err, size_t errsize);
void dsig_close(dsig_ctx *d);
/* Shut xmlsec down at process exit, after the last dsig_close. */
void dsig_shutdown(void);

int dsig_verifies(const dsig_ctx *d);
int dsig_signs(const dsig_ctx *d);

/*
 * Verify the enveloped signature of buf. On DSIG_OK, *stripped (malloc'ed,
 * *stripped_len bytes) is buf without the ds:Signature element; otherwise
 * why says what was wrong (never any content of the message).
 */
dsig_verdict dsig_verify(dsig_ctx *d, const char *buf, size_t len, char **stripped,
                         size_t *stripped_len, char *why, size_t whysize);

/* Sign buf (a whole XML document); *out is malloc'ed. Returns 0, or -1 with err. */
int dsig_sign(dsig_ctx *d, const char *buf, size_t len, char **out, size_t *out_len,
              char *err, size_t errsize);

/* The refusal's stable code ("signer-not-trusted") and its reason text ("signer certificate not trusted"). */
const char *dsig_verdict_code(dsig_verdict v);
const char *dsig_verdict_text(dsig_verdict v);

/* ---- the daemon's hooks (process.c) -------------------------------------- */

/*
 * Verify (when configured) and run the normal check on the message without
 * its signature. A signature that is present but wrong refuses the message
 * (r holds one XMLDSIG finding). Returns the verdict, which process.c keeps
 * to refuse unsigned inbound messages once their direction is known.
 */
dsig_verdict dsig_check_buffer(dsig_ctx *d, checker *c, const char *buf, size_t len,
                               iwmo_result *r, checker_wrapping *wr);

/* An inbound message without a signature while verify_inbound is on: r's findings become that one; returns 1. */
int dsig_refuse_unsigned(const dsig_ctx *d, dsig_verdict v, iwmo_result *r);

/* The headline of a .reason note when r was refused for its signature; NULL otherwise. */
const char *dsig_refusal_headline(const iwmo_result *r);

/* Sign *xml in place when a key is configured (else nothing). 0, or -1 with err. */
int dsig_sign_in_place(dsig_ctx *d, char **xml, size_t *len, char *err, size_t errsize);

#endif
