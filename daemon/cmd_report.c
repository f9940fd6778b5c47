/*
 * cmd_report.c - `iwmoctl report`: what the contract's terms say about the
 * recorded state (docs/rules.md).
 *
 *   report wachttijden --config FILE --from DATE --to DATE [--today DATE] [--contract FILE] [--json]
 *       per standard, aanbieder and product, for the toewijzingen whose
 *       Toewijzingsdatum lies in the range: how many, started on time,
 *       started late, not started past the deadline, still waiting within
 *       it, and the median number of calendar days from the clock start to
 *       the first start (art. 9.4 of the Uitvoeringsovereenkomst).
 *   report deadline (--config FILE | --contract FILE) --date DATE
 *                   [--standard S] [--aanbieder AGB] [--categorie CC] [--code CODE]
 *       the start deadline of a toewijzing whose clock starts on DATE.
 *
 * Only toewijzing numbers, AGB codes and products appear: never a client.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "contract.h"
#include "db.h"

static const char USAGE[] =
    "usage: iwmoctl report wachttijden --config FILE --from DATE --to DATE [--today DATE]\n"
    "                                  [--contract FILE] [--json]\n"
    "       iwmoctl report deadline (--config FILE | --contract FILE) --date DATE [--standard iwmo|ijw]\n"
    "                               [--aanbieder AGB] [--categorie CC] [--code CODE]\n";

typedef struct {
    const char *config, *contract, *from, *to, *today, *date;
    const char *standard, *aanbieder, *categorie, *code;
    int json;
} report_opts;

typedef struct {
    char standard[8], aanbieder[16], categorie[8], code[16];
    int n, on_time, late, not_started, waiting;
    int *days;                          /* calendar days to the first start, of the started ones */
    size_t ndays, cap;
} group;

static int parse(int argc, char **argv, report_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"contract", required_argument, NULL, 'k'},
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"today", required_argument, NULL, 'y'},  {"date", required_argument, NULL, 'd'},
        {"standard", required_argument, NULL, 's'}, {"aanbieder", required_argument, NULL, 'a'},
        {"categorie", required_argument, NULL, 'g'}, {"code", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char **slot[128] = {0};
    slot['c'] = &o->config, slot['k'] = &o->contract, slot['f'] = &o->from, slot['t'] = &o->to;
    slot['y'] = &o->today, slot['d'] = &o->date, slot['s'] = &o->standard, slot['a'] = &o->aanbieder;
    slot['g'] = &o->categorie, slot['p'] = &o->code;
    int c;
    optind = 2;                         /* argv[0] "report", argv[1] the report's name */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'j')
            o->json = 1;
        else if (c > 0 && c < 128 && slot[c])
            *slot[c] = optarg;
        else
            return c == 'h' ? 1 : -1;
    }
    return optind == argc ? 0 : -1;
}

static int bad_date(const char *s, const char *opt)
{
    if (s && iwmo_date_parse(s) != IWMO_NO_DATE)
        return 0;
    fprintf(stderr, "iwmoctl report: %s wants a date YYYY-MM-DD\n", opt);
    return 1;
}

/* The contract named by --contract, else by the config's contract.file, else defaults. */
static contract *open_contract(const report_opts *o, const config *cfg, int *explicit)
{
    char err[1024];
    const char *path = o->contract ? o->contract : cfg ? cfg->contract_file : NULL;
    *explicit = path != NULL;
    contract *c = path ? contract_load(path, err, sizeof(err)) : contract_defaults();
    if (!c)
        fprintf(stderr, "iwmoctl report: %s\n", err);
    return c;
}

/* ---- report deadline ------------------------------------------------------------ */

static int report_deadline(const report_opts *o)
{
    config cfg;
    char err[1024];
    int explicit, have_cfg = 0;
    if (bad_date(o->date, "--date"))
        return 2;
    if (!o->contract && !o->config) {
        fprintf(stderr, "%s", USAGE);
        return 2;
    }
    if (!o->contract) {
        if (config_load(o->config, &cfg, err, sizeof(err)) < 0) {
            fprintf(stderr, "iwmoctl report: %s\n", err);
            return 1;
        }
        have_cfg = 1;
    }
    contract *c = open_contract(o, have_cfg ? &cfg : NULL, &explicit);
    if (have_cfg)
        config_free(&cfg);
    if (!c)
        return 1;
    contract_terms t = contract_terms_for(c, o->standard ? o->standard : "iwmo", o->aanbieder, o->categorie, o->code);
    iwmo_date from = iwmo_date_parse(o->date);
    char due[16];
    iwmo_date_format(contract_add_werkdagen(c, from, t.start_deadline_werkdagen), due, sizeof(due));
    printf("%s: %d werkdagen after %s (%s)\n", due, t.start_deadline_werkdagen, o->date, contract_path(c));
    contract_free(c);
    return 0;
}

/* ---- report wachttijden --------------------------------------------------------- */

static const char ROWS[] =
    "SELECT k.standard, k.aanbieder, coalesce(k.product_categorie, ''), coalesce(k.product_code, ''), "
    "k.clock_start, coalesce(k.first_start::text, '') FROM toewijzing_klok k "
    "WHERE k.retour_status <> 'rejected' AND k.reden_wijziging IS DISTINCT FROM '13' "
    "AND coalesce(k.toewijzingsdatum, k.sent_on) BETWEEN $1::date AND $2::date "
    "ORDER BY 1, 2, 3, 4";

static void add_days(group *g, int days)
{
    if (g->ndays == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        int *nv = realloc(g->days, cap * sizeof(*nv));
        if (!nv)
            return;
        g->days = nv;
        g->cap = cap;
    }
    g->days[g->ndays++] = days;
}

/* Count one toewijzing into g (and into the total). */
static void tally(group *g, group *total, const contract *c, PGresult *r, int i, iwmo_date today)
{
    contract_terms t = contract_terms_for(c, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                                          PQgetvalue(r, i, 3));
    iwmo_date clock = iwmo_date_parse(PQgetvalue(r, i, 4)), first = iwmo_date_parse(PQgetvalue(r, i, 5));
    iwmo_date due = contract_add_werkdagen(c, clock, t.start_deadline_werkdagen);
    group *both[2] = {g, total};
    for (int k = 0; k < 2; k++) {
        group *x = both[k];
        x->n++;
        if (first == IWMO_NO_DATE)
            *(today > due ? &x->not_started : &x->waiting) += 1;
        else {
            *(first <= due ? &x->on_time : &x->late) += 1;
            add_days(x, first > clock ? (int)(first - clock) : 0);
        }
    }
}

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Twice the median, so that a half day stays exact; -1 when nothing started. */
static int median2(group *g)
{
    if (!g->ndays)
        return -1;
    qsort(g->days, g->ndays, sizeof(int), by_int);
    size_t m = g->ndays / 2;
    return g->ndays % 2 ? 2 * g->days[m] : g->days[m - 1] + g->days[m];
}

static void print_text_row(const group *g, const char *label)
{
    int m2 = median2((group *)g);
    char med[24];
    if (m2 < 0)
        snprintf(med, sizeof(med), "-");
    else
        snprintf(med, sizeof(med), "%d%s", m2 / 2, m2 % 2 ? ".5" : "");
    if (label)
        printf("%-8s %-9s %-9s %-6s", label, "", "", "");
    else
        printf("%-8s %-9s %-9s %-6s", g->standard, g->aanbieder, g->categorie[0] ? g->categorie : "-",
               g->code[0] ? g->code : "-");
    printf(" %12d %7d %5d %11d %7d %11s\n", g->n, g->on_time, g->late, g->not_started, g->waiting, med);
}

static json_t *json_row(group *g, int with_key)
{
    json_t *o = json_pack("{s:i,s:i,s:i,s:i,s:i}", "toewijzingen", g->n, "started_on_time", g->on_time,
                          "started_late", g->late, "not_started", g->not_started, "waiting", g->waiting);
    int m2 = median2(g);
    json_object_set_new(o, "median_days_to_start", m2 < 0 ? json_null() : m2 % 2 ? json_real(m2 / 2.0)
                                                                                   : json_integer(m2 / 2));
    if (with_key) {
        json_object_set_new(o, "standard", json_string(g->standard));
        json_object_set_new(o, "aanbieder", json_string(g->aanbieder));
        json_object_set_new(o, "product_categorie", json_string(g->categorie));
        json_object_set_new(o, "product_code", json_string(g->code));
    }
    return o;
}

static void print_report(group *v, size_t n, group *total, const report_opts *o, const char *today,
                         const contract *c)
{
    if (o->json) {
        json_t *rows = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(rows, json_row(&v[i], 1));
        json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "from", o->from, "to", o->to, "today", today,
                                "contract", contract_path(c), "rows", rows, "total", json_row(total, 0));
        char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(doc);
        return;
    }
    printf("wachttijden %s .. %s, today %s, contract %s\n", o->from, o->to, today, contract_path(c));
    printf("%-8s %-9s %-9s %-6s %12s %7s %5s %11s %7s %11s\n", "standard", "aanbieder", "categorie", "code",
           "toewijzingen", "on_time", "late", "not_started", "waiting", "median_days");
    for (size_t i = 0; i < n; i++)
        print_text_row(&v[i], NULL);
    print_text_row(total, "total");
}

static int same_group(const group *g, PGresult *r, int i)
{
    return !strcmp(g->standard, PQgetvalue(r, i, 0)) && !strcmp(g->aanbieder, PQgetvalue(r, i, 1)) &&
           !strcmp(g->categorie, PQgetvalue(r, i, 2)) && !strcmp(g->code, PQgetvalue(r, i, 3));
}

/* Group the rows (ordered by the group key) and print. */
static int tabulate(PGresult *r, const contract *c, iwmo_date today, const report_opts *o)
{
    int rows = PQntuples(r);
    group *v = calloc((size_t)rows + 1, sizeof(*v)), total = {0};
    size_t n = 0;
    if (!v)
        return 1;
    for (int i = 0; i < rows; i++) {
        if (!n || !same_group(&v[n - 1], r, i)) {
            group *g = &v[n++];
            snprintf(g->standard, sizeof(g->standard), "%s", PQgetvalue(r, i, 0));
            snprintf(g->aanbieder, sizeof(g->aanbieder), "%s", PQgetvalue(r, i, 1));
            snprintf(g->categorie, sizeof(g->categorie), "%s", PQgetvalue(r, i, 2));
            snprintf(g->code, sizeof(g->code), "%s", PQgetvalue(r, i, 3));
        }
        tally(&v[n - 1], &total, c, r, i, today);
    }
    char td[16];
    iwmo_date_format(today, td, sizeof(td));
    print_report(v, n, &total, o, td, c);
    for (size_t i = 0; i < n; i++)
        free(v[i].days);
    free(total.days);
    free(v);
    return 0;
}

static int run_wachttijden(const report_opts *o, const config *cfg, const contract *c, iwmo_date today)
{
    db d;
    int rc = 1;
    const char *p[] = {o->from, o->to};
    if (db_open(&d, cfg->dsn) < 0 || db_check_version(&d) < 0)
        fprintf(stderr, "iwmoctl report: %s\n", d.err);
    else {
        PGresult *r = db_exec(&d, ROWS, 2, p, NULL, 0);
        if (!r)
            fprintf(stderr, "iwmoctl report: %s\n", d.err);
        else {
            rc = tabulate(r, c, today, o);
            PQclear(r);
        }
    }
    db_close(&d);
    return rc;
}

static int report_wachttijden(const report_opts *o)
{
    if (!o->config) {
        fprintf(stderr, "%s", USAGE);
        return 2;
    }
    if (bad_date(o->from, "--from") || bad_date(o->to, "--to") || (o->today && bad_date(o->today, "--today")))
        return 2;
    config cfg;
    char err[1024];
    if (config_load(o->config, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "iwmoctl report: %s\n", err);
        return 1;
    }
    int explicit;
    contract *c = open_contract(o, &cfg, &explicit);
    const char *today_s = o->today ? o->today : cfg.today;
    iwmo_date today = today_s ? iwmo_date_parse(today_s) : checker_system_today();
    int rc = 1;
    if (c) {
        if (!explicit)
            fprintf(stderr, "iwmoctl report: no contract.file; using the defaults (10 werkdagen, no holidays)\n");
        rc = run_wachttijden(o, &cfg, c, today);
    }
    contract_free(c);
    config_free(&cfg);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    report_opts o = {0};
    const char *which = argc > 1 ? argv[1] : "";
    int p = argc > 1 ? parse(argc, argv, &o) : -1;
    if (p > 0) {
        printf("%s", USAGE);
        return 0;
    }
    if (p == 0 && strcmp(which, "wachttijden") == 0)
        return report_wachttijden(&o);
    if (p == 0 && strcmp(which, "deadline") == 0)
        return report_deadline(&o);
    fprintf(stderr, "%s", USAGE);
    return 2;
}
