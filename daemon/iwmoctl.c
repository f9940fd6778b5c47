/*
 * iwmoctl.c - the operator's command-line tool. Subcommands:
 *   validate   identify, parse, validate and apply the rules to message files
 *   retour     print the retourbericht a message alone produces
 *   migrate    create or upgrade the database schema
 *   events     replay stored events or follow the live ones
 *   report     wachttijden per provider and product; start deadlines (contract terms)
 *   status     is the daemon up, the database current, how full is the queue
 *   show       a toewijzing or a bericht from the database (BSN masked)
 *   reprocess  put quarantined or corrected files back into the inbox
 *   purge      empty the stored raw bytes of old messages
 *   sign       add an enveloped XML signature to a message
 * validate and retour run here; the others in iwmoctl-admin (iwmoctl_admin.c).
 *   verify     check a message's XML signature against trusted CAs
 * Exit status 2 is always a usage error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
            "  report wachttijden --config FILE --from DATE --to DATE [--json]\n"
            "           toewijzingen started on time, late or not, per provider and product\n"
            "  report deadline (--config FILE | --contract FILE) --date DATE [--aanbieder AGB] ...\n"
            "           the start deadline of a toewijzing under the contract's terms\n"
            "  status --config FILE\n"
            "           daemon health, database and schema version, queue depths, last message\n"
            "  show --config FILE [--reveal-bsn] toewijzing NUMMER | bericht ID\n"
            "           state and history from the database, BSNs masked\n"
            "  reprocess --config FILE FILE... | --quarantine\n"
            "           put quarantined or corrected files back into the inbox\n"
            "  purge --config FILE --before DATE [--dry-run]\n"
            "           empty the raw bytes of messages received before DATE\n"
            "  sign --key KEY --cert CERT FILE\n"
            "           write FILE with an enveloped XML signature to stdout\n"
            "  verify --trust CA FILE\n"
            "           check FILE's XML signature against trusted CA certificates\n"
            "  Every command takes --help.\n"
            "  help     this text\n");
}

/*
 * validate and retour are answered here; the commands that need the
 * database, the bus or the keys run in iwmoctl-admin, which links all of
 * that. The split keeps this program's start-up to the few libraries a
 * check needs (libxml2, libzip, jansson): validate is run per file in
 * scripts, and loading some fifty shared libraries cost more than checking
 * a small message.
 */
static int is_admin_command(const char *cmd)
{
    static const char *const admin[] = {"migrate", "events", "report", "status", "show",
                                        "reprocess", "purge", "sign", "verify"};
    for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++)
        if (strcmp(cmd, admin[i]) == 0)
            return 1;
    return 0;
}

/*
 * iwmoctl-admin next to this program (the build tree), else in
 * ../libexec/iwmod/ from it (an installed tree, wherever its prefix), else
 * where this build installs it.
 */
static int exec_admin(char **argv)
{
    static const char *const places[] = {"%s/iwmoctl-admin", "%s/../libexec/iwmod/iwmoctl-admin"};
    char self[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash = n > 0 ? (self[n] = '\0', strrchr(self, '/')) : NULL;
    if (slash)
        *slash = '\0';
    for (size_t i = 0; slash && i < sizeof(places) / sizeof(places[0]); i++) {
        snprintf(path, sizeof(path), places[i], self);
        if (access(path, X_OK) == 0)
            execv(path, argv);
    }
    execv(IWMOD_ADMIN_PATH, argv);
    fprintf(stderr, "iwmoctl: cannot run %s: %s\n", IWMOD_ADMIN_PATH, strerror(errno));
    return 2;
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
    if (strcmp(cmd, "retour") == 0)
        return cmd_retour(argc - 1, argv + 1);
    if (is_admin_command(cmd))
        return exec_admin(argv);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "iwmoctl: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
