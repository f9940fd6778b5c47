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

static const char usage_text[] =
    "usage: iwmoctl purge --config FILE --before YYYY-MM-DD [--dry-run]\n"
    "  Empties the stored raw bytes of every message received before the date (and of\n"
    "  the retours and forwarded files delivered for them) and marks them purged.\n"
    "  State, verdicts, findings and events are kept. --dry-run only counts.\n"
    "  Exit status: 0 done, 1 error, 2 usage error.\n";

static const char purge_sql[] =
    "WITH m AS (UPDATE messages SET raw = '\\x'::bytea, purged_at = now() "
    "           WHERE received_at < $1::date AND purged_at IS NULL RETURNING id), "
    "d AS (UPDATE deliveries SET content = '\\x'::bytea, purged_at = now() "
    "      WHERE purged_at IS NULL AND message_id IN (SELECT id FROM m) RETURNING id) "
    "SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM d)";

static const char count_sql[] =
    "SELECT count(*), (SELECT count(*) FROM deliveries d JOIN messages m ON m.id = d.message_id "
    "                  WHERE m.received_at < $1::date AND d.purged_at IS NULL AND m.purged_at IS NULL) "
    "FROM messages WHERE received_at < $1::date AND purged_at IS NULL";

static int purge(db *d, const char *before, int dry)
{
    const char *p[] = {before};
    PGresult *r = db_exec(d, dry ? count_sql : purge_sql, 1, p, NULL, 0);
    if (!r) {
        fprintf(stderr, "iwmoctl purge: %s\n", d->err);
        return 1;
    }
    printf("%s the raw bytes of %s message(s) and %s delivered file(s) received before %s\n",
           dry ? "would purge" : "purged", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), before);
    PQclear(r);
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
