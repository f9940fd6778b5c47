/*
 * iwmoctl.c - the operator's command-line tool. Subcommands:
 *   validate   identify, parse, validate and apply the rules to message files
 *   retour     print the retourbericht a message alone produces
 *   migrate    create or upgrade the database schema
 *   events     replay stored events or follow the live ones
 * Exit status 2 is always a usage error.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iwmoctl COMMAND [OPTIONS] ...\n"
            "commands:\n"
            "  validate [--schemas DIR] [--data DIR] [--today DATE] [--json] [--max-bytes N] FILE...\n"
            "           identify, validate and check messages against the rules\n"
            "  retour [--schemas DIR] [--data DIR] [--today DATE] [--id ID] [--json] FILE\n"
            "           print the retourbericht the message alone produces\n"
            "  migrate --config FILE\n"
            "           create or upgrade the database schema\n"
            "  events --config FILE [--since SEQ] [--topic PREFIX] [--count N] [--connect ENDPOINT]\n"
            "           replay events after SEQ, or follow the daemon's live events\n"
            "  help     this text\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "events") == 0)
        return cmd_events(argc - 1, argv + 1);
    if (strcmp(cmd, "retour") == 0)
        return cmd_retour(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "iwmoctl: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
