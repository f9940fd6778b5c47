/*
 * cmd_validate.c - `iwmoctl validate`: identify, parse and validate message
 * files and report every finding as FILE:LINE: CODE: message, or as one JSON
 * object per file with --json.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "fileio.h"
#include "iwmo.h"

struct validate_opts {
    const char *schemas;
    int json;
    iwmo_limits limits;
};

static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

static void type_string(const iwmo_result *r, char *out, size_t n)
{
    if (r->ident.type)
        snprintf(out, n, "%d", r->ident.type);
    else
        out[0] = '\0';
}

static void print_human(const char *file, const iwmo_result *r)
{
    const char *name = display_name(file);
    for (size_t i = 0; i < r->findings.count; i++) {
        const iwmo_finding *fd = &r->findings.items[i];
        printf("%s:%ld: %s: %s%s%s\n", name, fd->line, fd->code,
               fd->rule[0] && strcmp(fd->rule, "XSD") ? fd->rule : "",
               fd->rule[0] && strcmp(fd->rule, "XSD") ? " " : "", fd->message);
    }
    if (r->findings.dropped)
        printf("%s:0: note: %zu more findings not shown\n", name, r->findings.dropped);
    char type[8];
    type_string(r, type, sizeof(type));
    const char *verdict = r->valid ? "valid" : r->identified ? "invalid" : "refused";
    if (r->ident.standard != IWMO_STD_UNKNOWN && type[0])
        printf("%s: %s: %s %s release %s\n", name, verdict,
               iwmo_standard_name(r->ident.standard), type, r->ident.release);
    else
        printf("%s: %s: not an identifiable iWmo/iJw message\n", name, verdict);
}

static json_t *json_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static void print_json(const char *file, const iwmo_result *r)
{
    char type[8];
    type_string(r, type, sizeof(type));
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(display_name(file)));
    json_object_set_new(o, "standard", r->ident.standard ? json_string(iwmo_standard_name(r->ident.standard)) : json_null());
    json_object_set_new(o, "type", json_str_or_null(type));
    json_object_set_new(o, "release", json_str_or_null(r->ident.release));
    json_object_set_new(o, "valid", json_boolean(r->valid));
    json_t *arr = json_array();
    for (size_t i = 0; i < r->findings.count; i++) {
        const iwmo_finding *fd = &r->findings.items[i];
        json_t *jf = json_object();
        json_object_set_new(jf, "line", json_integer(fd->line));
        json_object_set_new(jf, "code", json_string(fd->code));
        json_object_set_new(jf, "rule", json_string(fd->rule));
        json_object_set_new(jf, "message", json_string(fd->message));
        json_array_append_new(arr, jf);
    }
    json_object_set_new(o, "findings", arr);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(o);
}

/* Fill r for a file that could not be read at all. */
static void unreadable(const char *file, int err, const iwmo_limits *lim, iwmo_result *r)
{
    memset(r, 0, sizeof(*r));
    iwmo_findings_init(&r->findings, lim->max_findings);
    iwmo_findings_add(&r->findings, 0, "unreadable", "", "cannot read %s: %s",
                      display_name(file), err == EINVAL ? "not a regular file" : strerror(err));
}

static int validate_one(iwmo_schemaset *set, const struct validate_opts *o, const char *file)
{
    char *buf = NULL;
    size_t len = 0;
    iwmo_result r;
    if (read_file_bounded(file, o->limits.max_bytes, &buf, &len) < 0)
        unreadable(file, errno, &o->limits, &r);
    else
        iwmo_check_message(set, &o->limits, buf, len, &r);
    if (o->json)
        print_json(file, &r);
    else
        print_human(file, &r);
    int ok = r.valid;
    iwmo_result_free(&r);
    free(buf);
    return ok;
}

static int parse_opts(int argc, char **argv, struct validate_opts *o)
{
    static const struct option longopts[] = {
        {"schemas", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"max-bytes", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->schemas = optarg; break;
        case 'j': o->json = 1; break;
        case 'm':
            o->limits.max_bytes = strtoul(optarg, &end, 10);
            if (*end || o->limits.max_bytes == 0) {
                fprintf(stderr, "iwmoctl validate: --max-bytes wants a positive number\n");
                return -1;
            }
            break;
        default: return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: iwmoctl validate [--schemas DIR] [--json] [--max-bytes N] FILE...\n");
        return -1;
    }
    return optind;
}

int cmd_validate(int argc, char **argv)
{
    struct validate_opts o = {0};
    iwmo_limits_default(&o.limits);
    int first = parse_opts(argc, argv, &o);
    if (first < 0)
        return 2;
    iwmo_schemaset *set = iwmo_schemaset_new(find_schemas_dir(o.schemas));
    if (!set) {
        fprintf(stderr, "iwmoctl validate: out of memory\n");
        return 1;
    }
    int all_ok = 1;
    for (int i = first; i < argc; i++)
        all_ok &= validate_one(set, &o, argv[i]);
    iwmo_schemaset_free(set);
    return all_ok ? 0 : 1;
}
