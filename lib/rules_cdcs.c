/*
 * rules_cdcs.c - condities (CD) and constraints (CS) per data element of
 * iWmo 3.2 and iJw 3.2 that can be decided from one message. Most rules are
 * rows of small data tables read by a handful of generic checks: conditional
 * presence and allowed values (cond_rows), date pairs (period_rows) and a
 * few value checks (elfproef, birth date use, postcode, amounts).
 * The restricties (RS) are format limits the XSDs already enforce.
 */
#include <ctype.h>
#include <string.h>
#include "rules.h"

#define TXT 128

/* ---- shared helpers ----------------------------------------------------- */

/* Is word one of the space-separated words in list? */
static int in_list(const char *word, const char *list)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        size_t k = strcspn(p, " ");
        if (k == n && k > 0 && strncmp(p, word, n) == 0)
            return 1;
        p += k;
    }
    return 0;
}

/* Deepest element that exists along path below n (n itself when none does). */
static xmlNodePtr deepest(xmlNodePtr n, const char *path)
{
    char part[64];
    const char *p = path;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (len >= sizeof(part))
            break;
        memcpy(part, p, len);
        part[len] = '\0';
        xmlNodePtr next = xu_child(n, part);
        if (!next)
            break;
        n = next;
        p += len + (p[len] == '/');
    }
    return n;
}

/* Loop var over every element named local below the root, in document order. */
#define EACH(c, var, local) FOR_ALL(c, var, local)

/* ---- CS002: BSN elfproef ------------------------------------------------ */

/* Nine digits whose weighted sum (9..2, then -1) is a multiple of 11. */
static int bsn_elfproef(const char *s)
{
    static const int w[9] = {9, 8, 7, 6, 5, 4, 3, 2, -1};
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        sum += w[i] * (s[i] - '0');
    }
    return s[9] == '\0' && sum % 11 == 0;
}

/* Every Bsn in the message must pass the elfproef. */
static void check_cs002(rule_ctx *c, const rule *r)
{
    char v[TXT];
    EACH(c, n, "Bsn") {
        if (!bsn_elfproef(xu_text(n, NULL, v, sizeof(v))))
            rule_fail(c, r, n, "Bsn fails the elfproef");
    }
}

/* ---- conditional presence and allowed values --------------------------- */

typedef enum {
    T_NONE,             /* always true */
    T_PRESENT,          /* path exists */
    T_ABSENT,           /* path does not exist */
    T_IN,               /* path exists and its value is in arg */
    T_NOT_IN,           /* path exists and its value is not in arg */
    T_ZERO,             /* path holds the number 0 */
    T_AFTER_OR_ABSENT,  /* date at path is later than arg, or path is absent */
    T_DATES_DIFFER      /* dates at path and at path arg are not the same day */
} term_op;

typedef struct {
    term_op op;
    const char *path;
    const char *arg;
} term;

typedef enum {
    M_REQUIRE,  /* when the condition holds, target must be present */
    M_FORBID,   /* when the condition holds, target must be absent */
    M_IFF,      /* target present exactly when the condition holds */
    M_ONE_OF,   /* when the condition holds, target's value must be in values */
    M_NONE_OF   /* when the condition holds, target's value must not be in values */
} cond_mode;

/* One conditional requirement on target inside every ctx element. */
typedef struct {
    const char *id;
    const char *ctx;        /* local name of the class element */
    const char *target;     /* path below ctx */
    cond_mode mode;
    const char *values;     /* for M_ONE_OF / M_NONE_OF */
    term when[2];           /* both must hold; T_NONE fills unused slots */
    const char *because;    /* the condition in words, for messages; NULL = none */
} cond_row;

#define PRODUCT_CODE "Product/Code"
#define AFTER_2020 "2020-12-31"
#define VERWIJZER_ARTS "02 03 04 05"
#define DAY_UNITS "14 16 83 84"

static const cond_row cond_rows[] = {
    {"CD005", "Adres", "LandCode", M_IFF, NULL, {{T_PRESENT, "Postcode", NULL}},
     "Postcode is present"},
    {"CD007", "Communicatie", "Taal", M_IFF, NULL, {{T_IN, "Vorm", "1"}},
     "Vorm is 1 (interpreter for a language)"},
    {"CD009", "Contact", "Periode", M_FORBID, NULL, {{T_NOT_IN, "Soort", "04"}},
     "Soort is not 04 (temporary address)"},
    {"CD025", "Adres", "Huis", M_REQUIRE, NULL, {{T_IN, "LandCode", "NL"}},
     "LandCode is NL"},
    {"CD034", "Contact", "Adres/Postcode", M_REQUIRE, NULL, {{T_IN, "Soort", "01 03"}},
     "Soort is 01 or 03"},
    {"CD041", "ToegewezenProduct", "Omvang", M_REQUIRE, NULL, {{T_PRESENT, PRODUCT_CODE, NULL}},
     "Product has a Code"},
    {"CD041", "AangevraagdProduct", "Omvang", M_REQUIRE, NULL, {{T_PRESENT, PRODUCT_CODE, NULL}},
     "Product has a Code"},
    {"CD041", "NieuwProduct", "Omvang", M_REQUIRE, NULL, {{T_PRESENT, PRODUCT_CODE, NULL}},
     "Product has a Code"},
    {"CD043", "AangevraagdProduct", "BeschikkingIngangsdatum", M_IFF, NULL,
     {{T_PRESENT, "BeschikkingNummer", NULL}}, "BeschikkingNummer is present"},
    {"CD060", "Prestatie", "ProductReferentie/VorigReferentieNummer", M_IFF, NULL,
     {{T_IN, "IngediendBedrag/DebetCredit", "C"}}, "IngediendBedrag is credit"},
    {"CD066", "Verwijzer", "Naam", M_FORBID, NULL,
     {{T_IN, "Type", VERWIJZER_ARTS}, {T_PRESENT, "ZorgverlenerCode", NULL}},
     "Type is 02-05 and ZorgverlenerCode is present"},
    {"CD067", "Verwijzer", "Naam", M_REQUIRE, NULL,
     {{T_IN, "Type", VERWIJZER_ARTS}, {T_ABSENT, "ZorgverlenerCode", NULL}},
     "Type is 02-05 and ZorgverlenerCode is absent"},
    {"CD068", "Verwijzer", "ZorgverlenerCode", M_FORBID, NULL,
     {{T_NOT_IN, "Type", VERWIJZER_ARTS}}, "Type is not 02-05"},
    {"CD075", "ToegewezenProduct", "Einddatum", M_REQUIRE, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD075", "AangevraagdProduct", "ToewijzingEinddatum", M_REQUIRE, NULL,
     {{T_PRESENT, "Budget", NULL}}, "Budget is present"},
    {"CD075", "NieuwProduct", "Einddatum", M_REQUIRE, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD075", "TeWijzigenProduct", "Einddatum", M_REQUIRE, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD076", "ToegewezenProduct", "Einddatum", M_REQUIRE, NULL,
     {{T_IN, "Omvang/Frequentie", "2"}}, "Frequentie is 2 (per week)"},
    {"CD076", "AangevraagdProduct", "ToewijzingEinddatum", M_REQUIRE, NULL,
     {{T_IN, "Omvang/Frequentie", "2"}}, "Frequentie is 2 (per week)"},
    {"CD076", "NieuwProduct", "Einddatum", M_REQUIRE, NULL,
     {{T_IN, "Omvang/Frequentie", "2"}}, "Frequentie is 2 (per week)"},
    {"CD076", "TeWijzigenProduct", "Einddatum", M_REQUIRE, NULL,
     {{T_IN, "Omvang/Frequentie", "2"}}, "Frequentie is 2 (per week)"},
    {"CD077", "ToegewezenProduct", "Omvang", M_FORBID, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD077", "AangevraagdProduct", "Omvang", M_FORBID, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD077", "NieuwProduct", "Omvang", M_FORBID, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD077", "TeWijzigenProduct", "Omvang", M_FORBID, NULL, {{T_PRESENT, "Budget", NULL}},
     "Budget is present"},
    {"CD078", "ToegewezenProduct", "Budget", M_FORBID, NULL, {{T_PRESENT, "Omvang", NULL}},
     "Omvang is present"},
    {"CD078", "AangevraagdProduct", "Budget", M_FORBID, NULL, {{T_PRESENT, "Omvang", NULL}},
     "Omvang is present"},
    {"CD078", "NieuwProduct", "Budget", M_FORBID, NULL, {{T_PRESENT, "Omvang", NULL}},
     "Omvang is present"},
    {"CD078", "TeWijzigenProduct", "Budget", M_FORBID, NULL, {{T_PRESENT, "Omvang", NULL}},
     "Omvang is present"},
    {"CD079", "ToegewezenProduct", "Product", M_REQUIRE, NULL, {{T_ABSENT, "Budget", NULL}},
     "Budget is absent"},
    {"CD079", "AangevraagdProduct", "Product", M_REQUIRE, NULL, {{T_ABSENT, "Budget", NULL}},
     "Budget is absent"},
    {"CD079", "NieuwProduct", "Product", M_REQUIRE, NULL, {{T_ABSENT, "Budget", NULL}},
     "Budget is absent"},
    {"CD080", "ToegewezenProduct", "Omvang", M_FORBID, NULL,
     {{T_ABSENT, PRODUCT_CODE, NULL}, {T_AFTER_OR_ABSENT, "Einddatum", AFTER_2020}},
     "Product has no Code and Einddatum is after 2020 or absent"},
    {"CD085", "Antwoord", "RedenAfwijzingVerzoek", M_REQUIRE, NULL,
     {{T_IN, "VerzoekAntwoord", "1"}}, "VerzoekAntwoord is 1 (refused)"},
    {"CD086", "Antwoord", "RedenAfwijzingVerzoek", M_FORBID, NULL,
     {{T_IN, "VerzoekAntwoord", "2"}}, "VerzoekAntwoord is 2 (under investigation)"},
    {"CD087", "Prestatie", "ProductTarief", M_IFF, NULL, {{T_NOT_IN, "Eenheid", "83"}},
     "Eenheid is not 83 (euros)"},
    {"CD095", "AangevraagdProduct", "Omvang", M_FORBID, NULL,
     {{T_ABSENT, PRODUCT_CODE, NULL}, {T_AFTER_OR_ABSENT, "ToewijzingEinddatum", AFTER_2020}},
     "Product has no Code and ToewijzingEinddatum is after 2020 or absent"},
    {"CD096", "NieuwProduct", "Omvang", M_FORBID, NULL,
     {{T_ABSENT, PRODUCT_CODE, NULL}, {T_AFTER_OR_ABSENT, "Einddatum", AFTER_2020}},
     "Product has no Code and Einddatum is after 2020 or absent"},
    {"CS050", "Naam", "NaamGebruik", M_ONE_OF, "1 2 3 4", {{T_PRESENT, "Partnernaam", NULL}},
     "Partnernaam is present"},
    {"CS050", "Naam", "NaamGebruik", M_ONE_OF, "1 6", {{T_ABSENT, "Partnernaam", NULL}},
     "Partnernaam is absent"},
    {"CS058", "StartProduct", "StatusAanlevering", M_ONE_OF, "1 3", {{T_NONE}}, NULL},
    {"CS058", "StopProduct", "StatusAanlevering", M_ONE_OF, "1 3", {{T_NONE}}, NULL},
    {"CS318", "Client", "Naam/NaamGebruik", M_NONE_OF, "6", {{T_NONE}}, NULL},
    {"CS325", "TotaalIngediendBedrag", "DebetCredit", M_ONE_OF, "D",
     {{T_ZERO, "TotaalBedrag", NULL}}, "the amount is 0"},
    {"CS325", "TotaalToegekendBedrag", "DebetCredit", M_ONE_OF, "D",
     {{T_ZERO, "TotaalBedrag", NULL}}, "the amount is 0"},
    {"CS325", "IngediendBedrag", "DebetCredit", M_ONE_OF, "D",
     {{T_ZERO, "Bedrag", NULL}}, "the amount is 0"},
    {"CS335", "ToegewezenProduct", "RedenWijziging", M_NONE_OF, "13",
     {{T_DATES_DIFFER, "Ingangsdatum", "Einddatum"}}, "Einddatum differs from Ingangsdatum"},
    {"CS336", "ToegewezenProduct", "RedenWijziging", M_NONE_OF, "01", {{T_NONE}}, NULL},
    {"CS338", "ToegewezenProduct", "Omvang/Frequentie", M_ONE_OF, "2 4 6",
     {{T_IN, "Omvang/Eenheid", DAY_UNITS}, {T_AFTER_OR_ABSENT, "Einddatum", AFTER_2020}},
     "Eenheid is 14, 16, 83 or 84 and Einddatum is after 2020 or absent"},
    {"CS338", "NieuwProduct", "Omvang/Frequentie", M_ONE_OF, "2 4 6",
     {{T_IN, "Omvang/Eenheid", DAY_UNITS}, {T_AFTER_OR_ABSENT, "Einddatum", AFTER_2020}},
     "Eenheid is 14, 16, 83 or 84 and Einddatum is after 2020 or absent"},
    {"CS338", "TeWijzigenProduct", "Omvang/Frequentie", M_ONE_OF, "2 4 6",
     {{T_IN, "Omvang/Eenheid", DAY_UNITS}, {T_AFTER_OR_ABSENT, "Einddatum", AFTER_2020}},
     "Eenheid is 14, 16, 83 or 84 and Einddatum is after 2020 or absent"},
    {"CS343", "AangevraagdProduct", "Omvang/Frequentie", M_ONE_OF, "2 4 6",
     {{T_IN, "Omvang/Eenheid", DAY_UNITS},
      {T_AFTER_OR_ABSENT, "ToewijzingEinddatum", AFTER_2020}},
     "Eenheid is 14, 16, 83 or 84 and ToewijzingEinddatum is after 2020 or absent"},
};
#define NCOND (sizeof(cond_rows) / sizeof(cond_rows[0]))

/* Does one condition term hold inside ctx? */
static int term_holds(xmlNodePtr ctx, const term *t)
{
    char v[TXT];
    long long num;
    xmlNodePtr n = t->path ? xu_path(ctx, t->path) : NULL;
    switch (t->op) {
    case T_NONE: return 1;
    case T_PRESENT: return n != NULL;
    case T_ABSENT: return n == NULL;
    case T_IN: return n && in_list(xu_text(n, NULL, v, sizeof(v)), t->arg);
    case T_NOT_IN: return n && !in_list(xu_text(n, NULL, v, sizeof(v)), t->arg);
    case T_ZERO: return n && xu_long(n, NULL, &num) == 0 && num == 0;
    case T_AFTER_OR_ABSENT: return !n || xu_date(n, NULL) > iwmo_date_parse(t->arg);
    case T_DATES_DIFFER: return xu_date(ctx, t->path) != xu_date(ctx, t->arg);
    }
    return 0;
}

/* Both terms of a row hold inside ctx. */
static int row_holds(xmlNodePtr ctx, const cond_row *row)
{
    return term_holds(ctx, &row->when[0]) && term_holds(ctx, &row->when[1]);
}

/* Checks one cond_row against one ctx element. */
static void check_cond_at(rule_ctx *c, const rule *r, const cond_row *row, xmlNodePtr ctx)
{
    char v[TXT];
    int holds = row_holds(ctx, row);
    xmlNodePtr tgt = xu_path(ctx, row->target);
    const char *why = row->because ? row->because : "";
    const char *sep = row->because ? " when " : "";
    switch (row->mode) {
    case M_REQUIRE:
    case M_IFF:
        if (holds && !tgt)
            rule_fail(c, r, deepest(ctx, row->target), "%s is required in %s when %s",
                      row->target, row->ctx, why);
        if (row->mode == M_IFF && !holds && tgt)
            rule_fail(c, r, tgt, "%s must be absent unless %s", row->target, why);
        break;
    case M_FORBID:
        if (holds && tgt)
            rule_fail(c, r, tgt, "%s must be absent when %s", row->target, why);
        break;
    case M_ONE_OF:
    case M_NONE_OF:
        if (!holds || !tgt)
            break;
        if (in_list(xu_text(tgt, NULL, v, sizeof(v)), row->values) != (row->mode == M_ONE_OF))
            rule_fail(c, r, tgt, "%s value %s is not allowed%s%s", row->target, v, sep, why);
        break;
    }
}

/* Runs every cond_row of rule r over every element of its class. */
static void check_cond(rule_ctx *c, const rule *r)
{
    for (size_t i = 0; i < NCOND; i++) {
        const cond_row *row = &cond_rows[i];
        if (strcmp(row->id, r->info.id) != 0)
            continue;
        EACH(c, n, row->ctx)
            check_cond_at(c, r, row, n);
    }
}

/* ---- date pairs ---------------------------------------------------------- */

typedef enum {
    P_ORDERED,      /* end on or after begin */
    P_SAME_MONTH,   /* end in the same calendar month as begin */
    P_WHOLE_MONTH,  /* begin on day 1 and end on the last day of that month */
    P_FROM_2021     /* neither date before 2021-01-01 */
} period_rel;

typedef struct {
    const char *id;
    const char *ctx;
    const char *begin;      /* path below ctx */
    const char *end;
    period_rel rel;
} period_row;

static const period_row period_rows[] = {
    {"CS003", "Periode", "Begindatum", "Einddatum", P_ORDERED},
    {"CS003", "ToegewezenProduct", "Ingangsdatum", "Einddatum", P_ORDERED},
    {"CS003", "AangevraagdProduct", "ToewijzingIngangsdatum", "ToewijzingEinddatum", P_ORDERED},
    {"CS003", "NieuwProduct", "GewensteIngangsdatum", "Einddatum", P_ORDERED},
    {"CS003", "TeWijzigenProduct", "GewensteIngangsdatum", "Einddatum", P_ORDERED},
    {"CS100", "DeclaratiePeriode", "Begindatum", "Einddatum", P_FROM_2021},
    {"CS100", "ProductPeriode", "Begindatum", "Einddatum", P_FROM_2021},
    {"CS337", "ProductPeriode", "Begindatum", "Einddatum", P_SAME_MONTH},
    {"CS340", "DeclaratiePeriode", "Begindatum", "Einddatum", P_WHOLE_MONTH},
};
#define NPERIOD (sizeof(period_rows) / sizeof(period_rows[0]))

/* The last day of the month d falls in. */
static iwmo_date month_end(iwmo_date d)
{
    int y, m, dd;
    iwmo_date_split(d, &y, &m, &dd);
    return (m == 12 ? iwmo_date_make(y + 1, 1, 1) : iwmo_date_make(y, m + 1, 1)) - 1;
}

/* The first day of the month d falls in. */
static iwmo_date month_start(iwmo_date d)
{
    int y, m, dd;
    iwmo_date_split(d, &y, &m, &dd);
    return iwmo_date_make(y, m, 1);
}

/* Checks one date pair inside ctx; absent dates are left to other rules. */
static void check_period_at(rule_ctx *c, const rule *r, const period_row *p, xmlNodePtr ctx)
{
    xmlNodePtr be = xu_path(ctx, p->begin), en = xu_path(ctx, p->end);
    iwmo_date b = xu_date(be, NULL), e = xu_date(en, NULL);
    iwmo_date floor = iwmo_date_make(2021, 1, 1);
    if (p->rel == P_FROM_2021) {
        if (be && b < floor)
            rule_fail(c, r, be, "%s of %s lies before 2021-01-01", p->begin, p->ctx);
        if (en && e < floor)
            rule_fail(c, r, en, "%s of %s lies before 2021-01-01", p->end, p->ctx);
        return;
    }
    if (!be || !en || b == IWMO_NO_DATE || e == IWMO_NO_DATE)
        return;
    if (p->rel == P_ORDERED && e < b)
        rule_fail(c, r, en, "%s lies before %s in %s", p->end, p->begin, p->ctx);
    if (p->rel == P_SAME_MONTH && month_start(e) != month_start(b))
        rule_fail(c, r, en, "%s of %s is not in the month of its %s", p->end, p->ctx, p->begin);
    if (p->rel == P_WHOLE_MONTH && (b != month_start(b) || e != month_end(b)))
        rule_fail(c, r, ctx, "%s is not exactly one calendar month", p->ctx);
}

/* Runs every period_row of rule r over every element of its class. */
static void check_period(rule_ctx *c, const rule *r)
{
    for (size_t i = 0; i < NPERIOD; i++) {
        const period_row *p = &period_rows[i];
        if (strcmp(p->id, r->info.id) != 0)
            continue;
        EACH(c, n, p->ctx)
            check_period_at(c, r, p, n);
    }
}

/* ---- single-purpose value checks ---------------------------------------- */

/* DatumGebruik 1, 2, 3 demand day 01, then also month 01, then 1900-01-01. */
static void check_cs139(rule_ctx *c, const rule *r)
{
    char use[TXT];
    EACH(c, g, "Geboortedatum") {
        xmlNodePtr dn = xu_child(g, "Datum");
        iwmo_date d = xu_date(dn, NULL);
        int y, m, dd;
        if (!dn || d == IWMO_NO_DATE || !xu_has(g, "DatumGebruik"))
            continue;
        iwmo_date_split(d, &y, &m, &dd);
        xu_text(g, "DatumGebruik", use, sizeof(use));
        int ok = strcmp(use, "1") == 0 ? dd == 1
               : strcmp(use, "2") == 0 ? dd == 1 && m == 1
               : strcmp(use, "3") == 0 ? d == iwmo_date_make(1900, 1, 1) : 1;
        if (!ok)
            rule_fail(c, r, dn, "Geboortedatum Datum does not agree with DatumGebruik %s", use);
    }
}

/* A Dutch postcode: a non-zero digit, three digits, two letters. */
static int dutch_postcode(const char *s)
{
    if (strlen(s) != 6 || s[0] < '1' || s[0] > '9')
        return 0;
    for (int i = 1; i < 4; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return isalpha((unsigned char)s[4]) && isalpha((unsigned char)s[5]);
}

/* With LandCode NL the Postcode must look like a Dutch postcode. */
static void check_cs089(rule_ctx *c, const rule *r)
{
    char land[TXT], pc[TXT];
    EACH(c, a, "Adres") {
        xmlNodePtr p = xu_child(a, "Postcode");
        if (!p || strcmp(xu_text(a, "LandCode", land, sizeof(land)), "NL") != 0)
            continue;
        if (!dutch_postcode(xu_text(p, NULL, pc, sizeof(pc))))
            rule_fail(c, r, p, "Postcode is not in the Dutch format 9999AA while LandCode is NL");
    }
}

/* With Eenheid 83 (euros) the claimed amount equals the delivered volume. */
static void check_cs339(rule_ctx *c, const rule *r)
{
    char unit[TXT];
    EACH(c, p, "Prestatie") {
        long long vol, amount;
        if (strcmp(xu_text(p, "Eenheid", unit, sizeof(unit)), "83") != 0)
            continue;
        if (xu_long(p, "GeleverdVolume", &vol) || xu_long(p, "IngediendBedrag/Bedrag", &amount))
            continue;
        if (vol != amount)
            rule_fail(c, r, xu_path(p, "IngediendBedrag/Bedrag"),
                      "IngediendBedrag differs from GeleverdVolume while Eenheid is 83");
    }
}

/* ---- the table ------------------------------------------------------------ */

#define BSN_MSGS "WMO301 WMO305 WMO307 WMO315 WMO317 WMO323 WMO325 " \
                 "JW301 JW305 JW307 JW315 JW317 JW323 JW325"
#define M301 "WMO301 JW301"
#define M315 "WMO315 JW315"
#define M319 "WMO319 JW319"
#define M323 "WMO323 JW323"
#define M_DECL "WMO323 WMO325 JW323 JW325"
#define M_PRODUCTS "WMO301 WMO315 WMO317 JW301 JW315 JW317"
#define M_START_STOP "WMO305 WMO307 JW305 JW307"
#define M_BIRTH "WMO301 WMO305 WMO307 WMO315 JW301 JW305 JW307 JW315"

static const rule rows[] = {
    {{"CD005", "0001", 2, M301, "Adres has LandCode exactly when it has a Postcode"}, check_cond},
    {{"CD007", "0001", 2, M301, "Communicatie has Taal exactly when Vorm is 1"}, check_cond},
    {{"CD009", "0001", 2, M301, "Contact may have a Periode only for Soort 04"}, check_cond},
    {{"CD025", "0001", 2, M301, "Adres in the Netherlands needs Huis"}, check_cond},
    {{"CD034", "0001", 2, M301, "Contact of Soort 01 or 03 needs a Postcode"}, check_cond},
    {{"CD041", "0001", 2, M_PRODUCTS, "A product with a Code needs Omvang"}, check_cond},
    {{"CD043", "0001", 2, M315, "BeschikkingIngangsdatum present exactly with BeschikkingNummer"},
     check_cond},
    {{"CD060", "0001", 2, M_DECL, "VorigReferentieNummer present exactly on credit lines"},
     check_cond},
    {{"CD066", "0001", 2, M315, "No Verwijzer Naam for a doctor type with ZorgverlenerCode"},
     check_cond},
    {{"CD067", "0001", 2, M315, "Verwijzer Naam for a doctor type without ZorgverlenerCode"},
     check_cond},
    {{"CD068", "0001", 2, M315, "ZorgverlenerCode only for Verwijzer types 02-05"}, check_cond},
    {{"CD075", "0001", 2, M_PRODUCTS, "A product with a Budget needs an end date"}, check_cond},
    {{"CD076", "0001", 2, M_PRODUCTS, "A weekly Omvang needs an end date"}, check_cond},
    {{"CD077", "0001", 2, M_PRODUCTS, "No Omvang next to a Budget"}, check_cond},
    {{"CD078", "0001", 2, M_PRODUCTS, "No Budget next to an Omvang"}, check_cond},
    {{"CD079", "0001", 2, M_PRODUCTS, "A product without Budget needs a Product"}, check_cond},
    {{"CD080", "0001", 2, M301, "No Omvang for a category-only assignment ending after 2020"},
     check_cond},
    {{"CD085", "0001", 2, M319, "A refused request needs RedenAfwijzingVerzoek"}, check_cond},
    {{"CD086", "0001", 2, M319, "No RedenAfwijzingVerzoek while under investigation"},
     check_cond},
    {{"CD087", "0001", 2, M323, "ProductTarief present exactly when Eenheid is not euros"},
     check_cond},
    {{"CD095", "0001", 2, M315, "No Omvang for a category-only request ending after 2020"},
     check_cond},
    {{"CD096", "0001", 2, "WMO317 JW317", "No Omvang for a category-only new product after 2020"},
     check_cond},
    {{"CS002", "0001", 2, BSN_MSGS, "Bsn passes the elfproef"}, check_cs002},
    {{"CS003", "0001", 2, M_PRODUCTS, "An end date is not before its start date"}, check_period},
    {{"CS050", "0001", 2, M301, "NaamGebruik fits whether a Partnernaam is given"}, check_cond},
    {{"CS058", "0001", 2, M_START_STOP, "StatusAanlevering is 1 or 3"}, check_cond},
    {{"CS089", "0001", 2, M301, "A Dutch address has a Dutch-format Postcode"}, check_cs089},
    {{"CS100", "0001", 2, M323, "Claimed periods start no earlier than 2021"}, check_period},
    {{"CS139", "0001", 2, M_BIRTH, "Birth date agrees with its DatumGebruik"}, check_cs139},
    {{"CS318", "0001", 2, M301, "The client's NaamGebruik is not 6"}, check_cond},
    {{"CS325", "0001", 2, M_DECL, "A zero amount is marked debit"}, check_cond},
    {{"CS335", "0001", 2, M301, "RedenWijziging 13 only when start and end date are equal"},
     check_cond},
    {{"CS336", "0001", 2, M301, "RedenWijziging 01 is not used"}, check_cond},
    {{"CS337", "0001", 2, M323, "A ProductPeriode stays within one calendar month"},
     check_period},
    {{"CS338", "0001", 2, "WMO301 WMO317 JW301 JW317",
      "Day, part-day, euro or piece units after 2020 use Frequentie 2, 4 or 6"}, check_cond},
    {{"CS339", "0001", 2, M323, "For Eenheid 83 the amount equals the delivered volume"},
     check_cs339},
    {{"CS340", "0001", 2, M323, "A DeclaratiePeriode is exactly one calendar month"},
     check_period},
    {{"CS343", "0001", 2, M315,
      "Day, part-day, euro or piece units after 2020 use Frequentie 2, 4 or 6"}, check_cond},
};

const rule_table rules_cdcs_table = {rows, sizeof(rows) / sizeof(rows[0])};
