/*
 * cmd_migrate.c - `iwmoctl migrate --config FILE`: bring the database schema
 * up to the version this build carries (never down).
 */
#include <getopt.h>
#include <stdio.h>
#include "cmd.h"
#include "config.h"
#include "db.h"

int cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'c') {
            fprintf(stderr, "usage: iwmoctl migrate --config FILE\n");
            return 2;
        }
        path = optarg;
    }
    if (!path || optind != argc) {
        fprintf(stderr, "usage: iwmoctl migrate --config FILE\n");
        return 2;
    }
    config cfg;
    char err[1024];
    if (config_load(path, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl migrate: %s\n", err);
        return 1;
    }
    db d;
    int rc = 1;
    if (db_open(&d, cfg.dsn) < 0 || db_migrate(&d) < 0)
        fprintf(stderr, "iwmoctl migrate: %s\n", d.err);
    else {
        printf("database schema at version %d\n", db_schema_version(&d));
        rc = 0;
    }
    db_close(&d);
    config_free(&cfg);
    return rc;
}
