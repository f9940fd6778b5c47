/*
 * cmd_validate.c - `iwmoctl validate`: identify, parse and validate message
 * files and report every finding as FILE:LINE: CODE: message, or as one JSON
 * object per file with --json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "iwmo.h"


static void type_string(const iwmo_result *r, char *out, size_t n)
{
    if (r->ident.type)
        snprintf(out, n, "%d", r->ident.type);
    else
        out[0] = '\0';
}

static void print_human(const char *file, const iwmo_result *r)
{
    const char *name = cmd_display_name(file);
    cmd_print_findings(stdout, file, r);
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
    json_object_set_new(o, "file", json_string(cmd_display_name(file)));
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

static const char usage[] =
    "usage: iwmoctl validate [--schemas DIR] [--data DIR] [--today YYYY-MM-DD] [--json]\n"
    "                        [--max-bytes N] FILE...\n";

int cmd_validate(int argc, char **argv)
{
    cmd_opts o = {0};
    int first = cmd_parse_opts(argc, argv, &o, usage);
    if (first < 0)
        return 2;
    checker c;
    char err[512];
    if (checker_open(&c, &o.check, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl validate: %s\n", err);
        return 2;
    }
    int all_ok = 1;
    for (int i = first; i < argc; i++) {
        iwmo_result r;
        checker_run(&c, argv[i], &r);
        if (o.json)
            print_json(argv[i], &r);
        else
            print_human(argv[i], &r);
        all_ok &= r.valid;
        iwmo_result_free(&r);
    }
    checker_close(&c);
    return all_ok ? 0 : 1;
}
