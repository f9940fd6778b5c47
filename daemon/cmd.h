/* cmd.h - iwmoctl subcommands; each takes argv from its own name on and returns the exit status. */
#ifndef IWMOD_CMD_H
#define IWMOD_CMD_H

int cmd_validate(int argc, char **argv);

#endif
