/*
 * cmd_sign.c - `iwmoctl sign` and `iwmoctl verify`: the XML-DSig of daemon/dsig.c
 * by hand. sign appends an enveloped signature with our key and certificate
 * and writes the signed message to stdout; verify checks a file the way iwmod
 * does with signing.verify_inbound and names the reason when it refuses it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "dsig.h"
#include "fileio.h"

static const char sign_usage[] =
    "usage: iwmoctl sign --key KEY.pem --cert CERT.pem FILE\n"
    "  Writes FILE with an enveloped XML signature (RSA-SHA256, the certificate in\n"
    "  KeyInfo) as the last child of its root element to standard output.\n"
    "  Exit status: 0 signed, 1 error, 2 usage error.\n";

static const char verify_usage[] =
    "usage: iwmoctl verify --trust CA.pem|DIR [--strip] FILE\n"
    "  Verifies FILE's enveloped XML signature against the trusted CA certificates.\n"
    "  --strip writes the verified message without its signature to stdout (what\n"
    "  iwmod checks; pipe it into iwmoctl validate -) and the verdict to stderr.\n"
    "  Exit status: 0 valid, 1 refused (the reason is printed), 2 usage error.\n";

static int strip;                       /* verify --strip */

/* --key/--cert/--trust/--strip into o; the index of FILE, or -1 after a usage message. */
static int parse(int argc, char **argv, dsig_opts *o, const char *usage, int *help)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
        {"cert", required_argument, NULL, 'c'}, {"trust", required_argument, NULL, 't'},
        {"strip", no_argument, &strip, 1}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'h')
            return *help = 1, fputs(usage, stdout), -1;
        if (c == '?')
            return fputs(usage, stderr), -1;
        if (c == 0)
            continue;
        *(c == 'k' ? &o->key : c == 'c' ? &o->cert : &o->trust) = optarg;
    }
    if (optind != argc - 1)
        return fputs(usage, stderr), -1;
    return optind;
}

/* Open the context and read the file; 0, or 1 after printing why. */
static int open_and_read(const dsig_opts *o, const char *file, dsig_ctx **d, char **buf, size_t *len)
{
    char err[1024];
    if (dsig_open(o, d, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl: %s\n", err);
        return 1;
    }
    if (read_file_bounded(file, 64u * 1024u * 1024u, buf, len) < 0) {
        fprintf(stderr, "iwmoctl: %s: cannot be read\n", file);
        return 1;
    }
    return 0;
}

/*
 * Options, usage checks, context and file for either command. Returns -1 to
 * go on (FILE is argv[*file]), or the exit status to return at once.
 */
static int start(int argc, char **argv, dsig_opts *o, const char *usage, dsig_ctx **d, char **buf,
                 size_t *len, int *file)
{
    int help = 0;
    *file = parse(argc, argv, o, usage, &help);
    if (*file < 0)
        return help ? 0 : 2;
    int signing = o->verify_inbound == 0;
    if (signing ? !o->key || !o->cert || o->trust || strip : !o->trust || o->key || o->cert)
        return fputs(usage, stderr), 2;
    return open_and_read(o, argv[*file], d, buf, len) ? 1 : -1;
}

static int finish(dsig_ctx *d, char *buf, int rc)
{
    free(buf);
    dsig_close(d);
    dsig_shutdown();
    return rc;
}

int cmd_sign(int argc, char **argv)
{
    dsig_opts o = {0};
    dsig_ctx *d = NULL;
    char *buf = NULL, *out = NULL, err[512];
    size_t len = 0, out_len = 0;
    int i, rc = start(argc, argv, &o, sign_usage, &d, &buf, &len, &i);
    if (rc >= 0)
        return finish(d, buf, rc);
    if (dsig_sign(d, buf, len, &out, &out_len, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl sign: %s: %s\n", argv[i], err);
        return finish(d, buf, 1);
    }
    rc = fwrite(out, 1, out_len, stdout) == out_len && fflush(stdout) == 0 ? 0 : 1;
    free(out);
    return finish(d, buf, rc);
}

int cmd_verify(int argc, char **argv)
{
    dsig_opts o = {.verify_inbound = 1};
    dsig_ctx *d = NULL;
    char *buf = NULL, *stripped = NULL, why[256];
    size_t len = 0, stripped_len = 0;
    int i, rc = start(argc, argv, &o, verify_usage, &d, &buf, &len, &i);
    if (rc >= 0)
        return finish(d, buf, rc);
    dsig_verdict v = dsig_verify(d, buf, len, &stripped, &stripped_len, why, sizeof(why));
    FILE *report = strip ? stderr : stdout;
    if (v == DSIG_OK && strip)
        fwrite(stripped, 1, stripped_len, stdout);
    free(stripped);
    if (v == DSIG_OK)
        fprintf(report, "%s: signature valid\n", cmd_display_name(argv[i]));
    else
        fprintf(report, "%s: refused: %s: %s: %s\n", cmd_display_name(argv[i]), dsig_verdict_code(v),
                dsig_verdict_text(v), why);
    return finish(d, buf, v == DSIG_OK ? 0 : 1);
}
