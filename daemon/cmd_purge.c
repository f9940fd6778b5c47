/*
 * cmd_purge.c - `iwmoctl purge --config FILE --before DATE [--dry-run]`:
 * empty the raw bytes (messages.raw, set to an empty bytea) of every message
 * received before DATE, and the content of the retours and forwarded files
 * delivered for them, marking both purged_at. No state row is ever deleted:
 * verdicts, findings, toewijzingen, starts, stops and events stay. Raw bytes
 * are the only copy of names and birth dates, so this is how a retention
 * period is enforced.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "cmd_ops.h"
#include "stored.h"

static const char usage_text[] =
    "usage: iwmoctl purge --config FILE --before YYYY-MM-DD [--dry-run]\n"
    "  Empties the stored raw bytes of every message received before the date (and of\n"
    "  the retours and forwarded files delivered for them) and marks them purged.\n"
    "  State, verdicts, findings and events are kept. --dry-run only counts.\n"
    "  Exit status: 0 done, 1 error, 2 usage error.\n";

static int purge(db *d, const char *before, int dry)
{
    long n[2];
    if (stored_purge(d, before, dry, n) < 0) {
        fprintf(stderr, "iwmoctl purge: %s\n", d->err);
        return 1;
    }
    printf("%s the raw bytes of %ld message(s) and %ld delivered file(s) received before %s\n",
           dry ? "would purge" : "purged", n[0], n[1], before);
    return 0;
}

int cmd_purge(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
        {"before", required_argument, NULL, 'b'}, {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *path = NULL, *before = NULL;
    int c, dry = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'h')
            return fputs(usage_text, stdout), 0;
        if (c == 'c')
            path = optarg;
        else if (c == 'b')
            before = optarg;
        else if (c == 'n')
            dry = 1;
        else
            return fputs(usage_text, stderr), 2;
    }
    if (!path || !before || optind != argc)
        return fputs(usage_text, stderr), 2;
    if (!ops_is_date(before)) {
        fprintf(stderr, "iwmoctl purge: --before wants a date YYYY-MM-DD, not '%s'\n", before);
        return 2;
    }
    ops_ctx o;
    if (ops_open(&o, "iwmoctl purge", path, 1) != 0)
        return 1;
    int rc = purge(&o.d, before, dry);
    ops_close(&o);
    return rc;
}
