/* cmd_common.c - option parsing shared by iwmoctl validate and retour. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"

const char *cmd_display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int cmd_parse_opts(int argc, char **argv, cmd_opts *o, const char *usage)
{
    static const struct option longopts[] = {
        {"schemas", required_argument, NULL, 's'},
        {"data", required_argument, NULL, 'd'},
        {"today", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"max-bytes", required_argument, NULL, 'm'},
        {"id", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->check.schemas_dir = optarg; break;
        case 'd': o->check.data_dir = optarg; break;
        case 't': o->check.today = optarg; break;
        case 'j': o->json = 1; break;
        case 'i': o->id = optarg; break;
        case 'm':
            o->check.max_bytes = strtoul(optarg, &end, 10);
            if (*end || o->check.max_bytes == 0) {
                fprintf(stderr, "iwmoctl: --max-bytes wants a positive number\n");
                return -1;
            }
            break;
        default:
            fprintf(stderr, "%s", usage);
            return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s", usage);
        return -1;
    }
    return optind;
}

void cmd_print_findings(FILE *out, const char *file, const iwmo_result *r)
{
    const char *name = cmd_display_name(file);
    for (size_t i = 0; i < r->findings.count; i++) {
        const iwmo_finding *fd = &r->findings.items[i];
        int named = fd->rule[0] && strcmp(fd->rule, "XSD") != 0;
        fprintf(out, "%s:%ld: %s: %s%s%s\n", name, fd->line, fd->code, named ? fd->rule : "",
                named ? " " : "", fd->message);
    }
    if (r->findings.dropped)
        fprintf(out, "%s:0: note: %zu more findings not shown\n", name, r->findings.dropped);
}
