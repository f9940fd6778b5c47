/*
 * refdata.c - reference lists for the external-source rules: CBS gemeente
 * codes with validity windows, and product codes per standard, category and
 * (optionally) gemeente. Lists arrive as tab-separated text in buffers the
 * caller read (see data/README.md); rows are kept in sorted arrays and found
 * by binary search. A failed load leaves the lists as they were.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "refdata.h"

#define OPEN_END LONG_MAX       /* valid_to left empty: no end */
#define MAX_LINE 1024
#define MAX_FIELDS 8

typedef struct {
    char code[5];
    iwmo_date from, to;
} gem_row;

typedef struct {
    int std;                    /* iwmo_standard */
    char cat[3];
    char code[6];
    char gem[5];                /* "" = every gemeente */
    iwmo_date from, to;
} prod_row;

struct iwmo_refdata {
    gem_row *gem;
    size_t ngem, capgem;
    prod_row *prod;             /* sorted by standard, category, gemeente, code */
    prod_row *bycode;           /* the same rows by standard, code, gemeente, category */
    size_t nprod, capprod;
    size_t nstd[3];
};

/* ---- small helpers ------------------------------------------------------ */

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static void say(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* An empty field is an open end; anything else must be YYYY-MM-DD. */
static int parse_bound(const char *s, iwmo_date open, iwmo_date *out)
{
    if (!s || !*s) {
        *out = open;
        return 0;
    }
    *out = iwmo_date_parse(s);
    return *out == IWMO_NO_DATE ? -1 : 0;
}

static int parse_window(char **f, int nf, int at, iwmo_date *from, iwmo_date *to,
                        char *why, size_t whysize)
{
    const char *sf = nf > at ? f[at] : "";
    const char *st = nf > at + 1 ? f[at + 1] : "";
    if (parse_bound(sf, IWMO_NO_DATE, from) < 0) {
        say(why, whysize, "valid-from '%s' is not a date (YYYY-MM-DD)", sf);
        return -1;
    }
    if (parse_bound(st, OPEN_END, to) < 0) {
        say(why, whysize, "valid-to '%s' is not a date (YYYY-MM-DD)", st);
        return -1;
    }
    if (*from > *to) {
        say(why, whysize, "valid-from %s lies after valid-to %s", sf, st);
        return -1;
    }
    return 0;
}

/* ---- line reader ------------------------------------------------------- */

typedef struct {
    char buf[MAX_LINE];
    char *f[MAX_FIELDS];
    int nf;
} tsv_line;

/* Copy one line (without its newline) and cut it at the tabs. */
static int split_line(const char *s, size_t n, tsv_line *l, char *why, size_t whysize)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (n >= sizeof(l->buf)) {
        say(why, whysize, "line longer than %d bytes", MAX_LINE - 1);
        return -1;
    }
    if (memchr(s, '\0', n)) {
        say(why, whysize, "line holds a NUL byte");
        return -1;
    }
    memcpy(l->buf, s, n);
    l->buf[n] = '\0';
    l->nf = 0;
    for (char *p = l->buf;; p++) {
        if (l->nf == MAX_FIELDS) {
            say(why, whysize, "more than %d fields", MAX_FIELDS);
            return -1;
        }
        l->f[l->nf++] = p;
        p = strchr(p, '\t');
        if (!p)
            return 0;
        *p = '\0';
    }
}

static int skippable(const tsv_line *l)
{
    const char *p = l->buf;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || *p == '#';
}

typedef int (*row_fn)(iwmo_refdata *r, iwmo_standard s, tsv_line *l, char *why, size_t whysize);

static int load_lines(iwmo_refdata *r, iwmo_standard s, const char *buf, size_t len,
                      row_fn fn, char *err, size_t errsize)
{
    tsv_line l;
    char why[256];
    long lineno = 0;
    size_t pos = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;  /* spreadsheet BOM */
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        lineno++;
        why[0] = '\0';
        int bad = split_line(buf + pos, n, &l, why, sizeof(why)) < 0;
        if (!bad && !skippable(&l))
            bad = fn(r, s, &l, why, sizeof(why)) < 0;
        if (bad) {
            if (err && errsize)
                say(err, errsize, "%ld: %s", lineno, why);
            return -1;
        }
        pos += n + 1;
    }
    return 0;
}

/* ---- gemeenten --------------------------------------------------------- */

static int cmp_gem(const void *a, const void *b)
{
    const gem_row *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c)
        return c;
    return (x->from > y->from) - (x->from < y->from);
}

/* code, name, valid-from, valid-to: the dates may be empty or left off. */
static int gem_line(iwmo_refdata *r, iwmo_standard s, tsv_line *l, char *why, size_t whysize)
{
    (void)s;
    gem_row g;
    if (l->nf < 2 || l->nf > 4) {
        say(why, whysize, "expected 2 to 4 tab-separated fields (code, name, valid-from, "
            "valid-to), found %d", l->nf);
        return -1;
    }
    if (!all_digits(l->f[0], 4)) {
        say(why, whysize, "gemeente code '%.16s' is not four digits", l->f[0]);
        return -1;
    }
    if (!l->f[1][0]) {
        say(why, whysize, "gemeente %s has no name", l->f[0]);
        return -1;
    }
    if (parse_window(l->f, l->nf, 2, &g.from, &g.to, why, whysize) < 0)
        return -1;
    memcpy(g.code, l->f[0], 5);
    if (grow((void **)&r->gem, &r->capgem, r->ngem + 1, sizeof(gem_row)) < 0) {
        say(why, whysize, "out of memory");
        return -1;
    }
    r->gem[r->ngem++] = g;
    return 0;
}

int iwmo_refdata_load_gemeenten(iwmo_refdata *r, const char *buf, size_t len,
                                char *err, size_t errsize)
{
    size_t before = r->ngem;
    if (load_lines(r, IWMO_STD_UNKNOWN, buf, len, gem_line, err, errsize) < 0) {
        r->ngem = before;
        return -1;
    }
    if (r->ngem)
        qsort(r->gem, r->ngem, sizeof(gem_row), cmp_gem);
    return 0;
}

int refdata_gemeente_valid(const iwmo_refdata *r, const char *code, iwmo_date d)
{
    size_t lo = 0, hi = r ? r->ngem : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->gem[mid].code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; r && i < r->ngem && strcmp(r->gem[i].code, code) == 0; i++)
        if (r->gem[i].from <= d && d <= r->gem[i].to)
            return 1;
    return 0;
}

/* ---- product codes ----------------------------------------------------- */

/* National category lists: WMO020 for iWmo, JZ020 for iJw. */
static int category_known(iwmo_standard s, const char *cat)
{
    if (!all_digits(cat, 2))
        return 0;
    int n = (cat[0] - '0') * 10 + (cat[1] - '0');
    if (s == IWMO_STD_IWMO)
        return n >= 1 && n <= 18;
    return (n >= 31 && n <= 38) || (n >= 40 && n <= 55);
}

static int standard_of(const char *name)
{
    if (strcmp(name, "iwmo") == 0)
        return IWMO_STD_IWMO;
    if (strcmp(name, "ijw") == 0)
        return IWMO_STD_IJW;
    return IWMO_STD_UNKNOWN;
}

static int code_ok(const char *code)
{
    size_t n = strlen(code);
    if (n < 1 || n > 5 || code[0] == ' ' || code[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)code[i] < 0x21 && code[i] != ' ')
            return 0;
    return 1;
}

/*
 * Compare the first depth keys: standard, category, gemeente, code - or with
 * by_code: standard, code, gemeente, category.
 */
static int cmp_prod_keys(const prod_row *a, const prod_row *b, int depth, int by_code)
{
    if (depth >= 1 && a->std != b->std)
        return a->std < b->std ? -1 : 1;
    const char *a2 = by_code ? a->code : a->cat, *b2 = by_code ? b->code : b->cat;
    const char *a4 = by_code ? a->cat : a->code, *b4 = by_code ? b->cat : b->code;
    int c = depth >= 2 ? strcmp(a2, b2) : 0;
    if (!c && depth >= 3)
        c = strcmp(a->gem, b->gem);
    if (!c && depth >= 4)
        c = strcmp(a4, b4);
    return c;
}

static int cmp_prod_main(const void *a, const void *b) { return cmp_prod_keys(a, b, 4, 0); }
static int cmp_prod_code(const void *a, const void *b) { return cmp_prod_keys(a, b, 4, 1); }

static int prod_fields(iwmo_standard s, tsv_line *l, prod_row *p, char *why, size_t whysize)
{
    if (l->nf < 3 || l->nf > 6) {
        say(why, whysize, "expected 3 to 6 tab-separated fields (standard, category, code, "
            "valid-from, valid-to, gemeente), found %d", l->nf);
        return -1;
    }
    p->std = standard_of(l->f[0]);
    if (p->std == IWMO_STD_UNKNOWN || (s != IWMO_STD_UNKNOWN && (int)s != p->std)) {
        say(why, whysize, "standard '%.16s' is not %s", l->f[0],
            s == IWMO_STD_UNKNOWN ? "iwmo or ijw" : iwmo_standard_name(s));
        return -1;
    }
    if (!category_known((iwmo_standard)p->std, l->f[1])) {
        say(why, whysize, "category '%.16s' is not in %s", l->f[1],
            p->std == IWMO_STD_IWMO ? "WMO020" : "JZ020");
        return -1;
    }
    if (!code_ok(l->f[2])) {
        say(why, whysize, "product code '%.16s' is not 1 to 5 characters", l->f[2]);
        return -1;
    }
    const char *gem = l->nf > 5 ? l->f[5] : "";
    if (*gem && !all_digits(gem, 4)) {
        say(why, whysize, "gemeente '%.16s' is not four digits", gem);
        return -1;
    }
    memcpy(p->cat, l->f[1], 3);
    snprintf(p->code, sizeof(p->code), "%s", l->f[2]);
    snprintf(p->gem, sizeof(p->gem), "%s", gem);
    return parse_window(l->f, l->nf, 3, &p->from, &p->to, why, whysize);
}

static int prod_line(iwmo_refdata *r, iwmo_standard s, tsv_line *l, char *why, size_t whysize)
{
    prod_row p;
    memset(&p, 0, sizeof(p));
    if (prod_fields(s, l, &p, why, whysize) < 0)
        return -1;
    if (grow((void **)&r->prod, &r->capprod, r->nprod + 1, sizeof(prod_row)) < 0) {
        say(why, whysize, "out of memory");
        return -1;
    }
    r->prod[r->nprod++] = p;
    return 0;
}

/* Sort the rows and rebuild the by-code copy; nothing is reordered if memory runs out. */
static int index_products(iwmo_refdata *r)
{
    prod_row *bc = realloc(r->bycode, r->nprod * sizeof(prod_row));
    if (!bc)
        return -1;
    r->bycode = bc;
    qsort(r->prod, r->nprod, sizeof(prod_row), cmp_prod_main);
    memcpy(bc, r->prod, r->nprod * sizeof(prod_row));
    qsort(bc, r->nprod, sizeof(prod_row), cmp_prod_code);
    memset(r->nstd, 0, sizeof(r->nstd));
    for (size_t i = 0; i < r->nprod; i++)
        r->nstd[r->prod[i].std]++;
    return 0;
}

int iwmo_refdata_load_productcodes(iwmo_refdata *r, iwmo_standard s, const char *buf,
                                   size_t len, char *err, size_t errsize)
{
    size_t before = r->nprod;
    if (load_lines(r, s, buf, len, prod_line, err, errsize) < 0) {
        r->nprod = before;
        return -1;
    }
    if (r->nprod > before && index_products(r) < 0) {
        r->nprod = before;
        if (err && errsize)
            say(err, errsize, "0: out of memory");
        return -1;
    }
    return 0;
}

/* First row in arr whose first depth keys are not below key's. */
static size_t lower_bound(const prod_row *arr, size_t n, const prod_row *key, int depth,
                          int by_code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_prod_keys(&arr[mid], key, depth, by_code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Rows matching key on depth keys: 0 none, 1 some (none valid on d), 2 one valid on d. */
static int find_rows(const prod_row *arr, size_t n, const prod_row *key, int depth,
                     int by_code, iwmo_date d, int strict)
{
    int found = 0;
    for (size_t i = lower_bound(arr, n, key, depth, by_code);
         i < n && cmp_prod_keys(&arr[i], key, depth, by_code) == 0; i++) {
        const prod_row *p = &arr[i];
        if (d == IWMO_NO_DATE || (p->from <= d && (!strict || d <= p->to)))
            return 2;
        found = 1;
    }
    return found;
}

refdata_product_verdict refdata_product_check(const iwmo_refdata *r, iwmo_standard s,
                                              const char *gemeente, const char *category,
                                              const char *code, iwmo_date d, int strict)
{
    if (!r || !r->nprod)
        return REFDATA_PRODUCT_UNCOVERED;
    prod_row key;
    memset(&key, 0, sizeof(key));
    key.std = s;
    snprintf(key.cat, sizeof(key.cat), "%s", category);
    snprintf(key.code, sizeof(key.code), "%s", code);
    const char *gems[2] = {"", gemeente && all_digits(gemeente, 4) ? gemeente : ""};
    int listed = 0, covered = 0;
    for (int g = 0; g < 2; g++) {
        snprintf(key.gem, sizeof(key.gem), "%s", gems[g]);
        int hit = find_rows(r->prod, r->nprod, &key, 4, 0, d, strict);
        if (hit == 2)
            return REFDATA_PRODUCT_FITS;
        listed |= hit;
        covered |= find_rows(r->prod, r->nprod, &key, 3, 0, IWMO_NO_DATE, 0) != 0;
        covered |= find_rows(r->bycode, r->nprod, &key, 3, 1, IWMO_NO_DATE, 0) != 0;
    }
    if (listed)
        return REFDATA_PRODUCT_NOT_VALID;
    return covered ? REFDATA_PRODUCT_WRONG : REFDATA_PRODUCT_UNCOVERED;
}

/* ---- object and counts ------------------------------------------------- */

iwmo_refdata *iwmo_refdata_new(void)
{
    return calloc(1, sizeof(iwmo_refdata));
}

void iwmo_refdata_free(iwmo_refdata *r)
{
    if (!r)
        return;
    free(r->gem);
    free(r->prod);
    free(r->bycode);
    free(r);
}

size_t iwmo_refdata_gemeente_count(const iwmo_refdata *r)
{
    return r ? r->ngem : 0;
}

size_t iwmo_refdata_productcode_count(const iwmo_refdata *r)
{
    return r ? r->nprod : 0;
}

size_t refdata_productcode_count_for(const iwmo_refdata *r, iwmo_standard s)
{
    if (!r || (int)s < 0 || (size_t)s >= sizeof(r->nstd) / sizeof(r->nstd[0]))
        return 0;
    return r->nstd[s];
}
