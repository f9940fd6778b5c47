/* cmd.h - iwmoctl subcommands; each takes argv from its own name on and returns the exit status. */
#ifndef IWMOD_CMD_H
#define IWMOD_CMD_H

#include <stdio.h>
#include "checker.h"

int cmd_validate(int argc, char **argv);
int cmd_retour(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_reprocess(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Options shared by the commands that check messages. */
typedef struct {
    checker_opts check;
    int json;
    const char *id;             /* retour: the retour's identification */
} cmd_opts;

/* Parse options; returns the index of the first file, or -1 after printing usage to stderr. */
int cmd_parse_opts(int argc, char **argv, cmd_opts *o, const char *usage);
const char *cmd_display_name(const char *path);

/* One line per finding: FILE:LINE: CODE: [RULE ]message. */
void cmd_print_findings(FILE *out, const char *file, const iwmo_result *r);

#endif
