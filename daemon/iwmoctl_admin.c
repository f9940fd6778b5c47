/*
 * iwmoctl_admin.c - the iwmoctl commands that need the database, the event
 * bus or the signing keys. iwmoctl runs this program (installed in
 * libexec) with its own arguments; see is_admin_command in iwmoctl.c.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"migrate", cmd_migrate}, {"events", cmd_events}, {"report", cmd_report},
        {"status", cmd_status},   {"show", cmd_show},     {"reprocess", cmd_reprocess},
        {"purge", cmd_purge},     {"sign", cmd_sign},     {"verify", cmd_verify}};
    for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "iwmoctl-admin: run it through iwmoctl (iwmoctl help)\n");
    return 2;
}
