/*
 * iwmoctl.c - the operator's command-line tool. Subcommands:
 *   validate [--schemas DIR] [--json] [--max-bytes N] FILE...
 * Exit status: 0 all files valid, 1 any invalid or unreadable, 2 usage error.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iwmoctl COMMAND [OPTIONS] ...\n"
            "commands:\n"
            "  validate [--schemas DIR] [--json] [--max-bytes N] FILE...   identify and validate messages\n"
            "  help                                                       this text\n");
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
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "iwmoctl: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
