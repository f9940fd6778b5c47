/*
 * cmd_status.c - `iwmoctl status --config FILE`: is the daemon up (its
 * /healthz, when metrics.bind is set), is the database reachable and at the
 * schema version of this build, how many files wait in each queue directory,
 * and which message was processed last. Exit 0 when all is well, 1 when
 * something needs attention, 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "cmd_ops.h"
#include "queue.h"

static const char usage_text[] =
    "usage: iwmoctl status --config FILE\n"
    "  Shows whether iwmod answers on its /healthz (metrics.bind), whether the database\n"
    "  is reachable and at this build's schema version, the files waiting in the inbox\n"
    "  and each queue directory, and the last message processed.\n"
    "  Exit status: 0 all well, 1 something needs attention, 2 usage error.\n";

/* The daemon, as its /healthz sees itself. 0 fine or unknown, 1 not answering or unhealthy. */
static int show_daemon(const config *c)
{
    int status;
    char body[256];
    if (!c->metrics_bind) {
        printf("daemon:       unknown (metrics.bind is not set, so there is no /healthz to ask)\n");
        return 0;
    }
    if (ops_http_get(c->metrics_bind, "/healthz", &status, body, sizeof(body)) < 0) {
        printf("daemon:       not answering on http://%s/healthz\n", c->metrics_bind);
        return 1;
    }
    printf("daemon:       %s (http://%s/healthz: %d %s)\n", status == 200 ? "up" : "unhealthy",
           c->metrics_bind, status, body);
    return status != 200;
}

static void show_queue(const config *c)
{
    static const char *const dirs[] = {"active", "outgoing", "quarantine", "rejected", NULL};
    char path[4200];
    printf("queue:        inbox %ld", ops_count_files(c->inbox));
    for (int i = 0; dirs[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s", c->queue, dirs[i]);
        printf(", %s %ld", dirs[i], i == 0 ? queue_count_claims(path) : ops_count_files(path));
    }
    printf("\n");
}

static void show_last(db *d)
{
    PGresult *r = db_exec(d, "SELECT id, original_name, coalesce(standard, '-'), coalesce(msg_type::text, '-'), "
                             "direction, verdict, coalesce(bericht_id, '-'), "
                             "to_char(received_at, 'YYYY-MM-DD HH24:MI:SS') FROM messages ORDER BY id DESC LIMIT 1",
                          0, NULL, NULL, 0);
    if (!r || PQntuples(r) == 0)
        printf("last message: none\n");
    else
        printf("last message: #%s %s (%s %s, bericht %s, direction %s) %s at %s\n", PQgetvalue(r, 0, 0),
               PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 6),
               PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 7));
    if (r)
        PQclear(r);
}

/* Database reachable and current? 0 yes, 1 no. */
static int show_database(const config *c)
{
    db d;
    if (db_open(&d, c->dsn) < 0) {
        printf("database:     unreachable: %s\n", d.err);
        db_close(&d);
        return 1;
    }
    int have = db_schema_version(&d), want = db_known_version();
    printf("database:     reachable, schema version %d%s (this build: %d)\n", have,
           have == want ? "" : have < want ? ", OLDER: run 'iwmoctl migrate'" : ", NEWER: upgrade iwmod", want);
    if (have == want)
        show_last(&d);
    db_close(&d);
    return have != want;
}

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        if (c != 'c')
            return fputs(usage_text, stderr), 2;
        path = optarg;
    }
    if (!path || optind != argc)
        return fputs(usage_text, stderr), 2;
    ops_ctx o;
    if (ops_open(&o, "iwmoctl status", path, 0) != 0)
        return 1;
    int bad = show_daemon(&o.cfg);
    bad |= show_database(&o.cfg);
    show_queue(&o.cfg);
    ops_close(&o);
    return bad ? 1 : 0;
}
