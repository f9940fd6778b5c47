/*
 * rules_extern.c - the externe-bron group (level 4): rules that need
 * something from outside the message itself. TR135 compares the message
 * date with the injected system date, TR346 recomputes each declared
 * amount, TR378 looks the gemeente up in the CBS list and TR381 looks the
 * product code up in the configured product code lists. Without lists
 * (env->ref NULL or empty) TR378 and TR381 stay silent.
 */
#include <limits.h>
#include <string.h>
#include "rules.h"
#include "refdata.h"

#define SENT_MSGS "WMO301 WMO305 WMO307 WMO315 WMO317 WMO319 WMO323 WMO325 " \
                  "JW301 JW305 JW307 JW315 JW317 JW319 JW323 JW325"

/* The header field that holds the gemeente: the sender of 301/319/325, else the receiver. */
static xmlNodePtr gemeente_elem(const rule_ctx *c)
{
    int t = c->type->type;
    return xu_child(c->header, t == 301 || t == 319 || t == 325 ? "Afzender" : "Ontvanger");
}

static const char *fmt_date(iwmo_date d, char *buf, size_t n)
{
    iwmo_date_format(d, buf, n);
    return buf;
}

/* ---- TR135: Dagtekening not after the system date ---------------------- */

static void check_tr135(rule_ctx *c, const rule *r)
{
    xmlNodePtr e = xu_path(c->header, "BerichtIdentificatie/Dagtekening");
    char d[16], t[16];
    if (!e || c->env->today == IWMO_NO_DATE)
        return;
    if (c->dagtekening == IWMO_NO_DATE)
        rule_fail(c, r, e, "Dagtekening is not an existing date");
    else if (c->dagtekening > c->env->today)
        rule_fail(c, r, e, "Dagtekening %s lies after the system date %s",
                  fmt_date(c->dagtekening, d, sizeof(d)), fmt_date(c->env->today, t, sizeof(t)));
}

/* ---- TR346: IngediendBedrag = GeleverdVolume x ProductTarief ----------- */

/*
 * Minutes billed on an hourly contract rate: the per-minute tariff t is that
 * rate divided by 60 and rounded, and the amount is rate x minutes / 60,
 * rounded. Accept b when some hourly rate in cents yields both t and b.
 */
static int minute_rounding_fits(long long v, long long t, long long b)
{
    if (t < 0 || v < 0 || t > LLONG_MAX / 60 - 60)
        return 0;
    for (long long h = 60 * t - 30; h < 60 * t + 30; h++) {
        long long hv;
        if (h < 0 || __builtin_mul_overflow(h, v, &hv) || hv > LLONG_MAX - 30)
            continue;
        if ((hv + 30) / 60 == b)
            return 1;
    }
    return 0;
}

static void check_amount(rule_ctx *c, const rule *r, xmlNodePtr p)
{
    char unit[8];
    long long v, t, b, want;
    xmlNodePtr amount = xu_child(p, "IngediendBedrag");
    xu_text(p, "Eenheid", unit, sizeof(unit));
    if (!amount || strcmp(unit, "83") == 0)
        return;
    if (xu_long(p, "GeleverdVolume", &v) || xu_long(p, "ProductTarief", &t) ||
        xu_long(amount, "Bedrag", &b))
        return;     /* absent values are the schema's and the CD rules' business */
    int overflow = __builtin_mul_overflow(v, t, &want);
    if (!overflow && want == b)
        return;
    if (strcmp(unit, "01") == 0 && minute_rounding_fits(v, t, b))
        return;
    if (overflow)
        rule_fail(c, r, amount, "IngediendBedrag %lld cannot equal GeleverdVolume %lld x "
                  "ProductTarief %lld: the product is out of range", b, v, t);
    else
        rule_fail(c, r, amount, "IngediendBedrag %lld differs from GeleverdVolume %lld x "
                  "ProductTarief %lld = %lld (Eenheid %s)", b, v, t, want, unit);
}

static void check_tr346(rule_ctx *c, const rule *r)
{
    FOR_ALL(c, p, "Prestatie")
        check_amount(c, r, p);
}

/* ---- TR378: gemeente code in the CBS list ------------------------------ */

/* Any element called name in the message whose date has code in the CBS list. */
static int valid_on_some(const rule_ctx *c, const char *code, const char *name)
{
    FOR_ALL(c, e, name) {
        iwmo_date d = xu_date(e, NULL);
        if (d != IWMO_NO_DATE && refdata_gemeente_valid(c->env->ref, code, d))
            return 1;
    }
    return 0;
}

/*
 * The list current on the message date counts, and during a herindeling so
 * does the list current on a toewijzing's start date carried in the message
 * (Ingangsdatum in 301, ToewijzingIngangsdatum in 305/307/315).
 */
static void check_tr378(rule_ctx *c, const rule *r)
{
    char code[16], d[16];
    xmlNodePtr e = gemeente_elem(c);
    if (!c->env->ref || iwmo_refdata_gemeente_count(c->env->ref) == 0 || !e)
        return;
    xu_text(e, NULL, code, sizeof(code));
    iwmo_date when = c->dagtekening != IWMO_NO_DATE ? c->dagtekening : c->env->today;
    if (refdata_gemeente_valid(c->env->ref, code, when) ||
        valid_on_some(c, code, "Ingangsdatum") || valid_on_some(c, code, "ToewijzingIngangsdatum"))
        return;
    rule_fail(c, r, e, "gemeente code %s is not in the CBS list valid on %s, nor on a "
              "toewijzing start date in this message", code, fmt_date(when, d, sizeof(d)));
}

/* ---- TR381: product code fits its category ----------------------------- */

/* The start date of the toewijzing a Product element belongs to, when the message carries it. */
static iwmo_date toewijzing_start(xmlNodePtr product)
{
    static const char *const names[] = {"Ingangsdatum", "ToewijzingIngangsdatum",
                                        "GewensteIngangsdatum"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        xmlNodePtr e = xu_child(product->parent, names[i]);
        if (e)
            return xu_date(e, NULL);
    }
    return IWMO_NO_DATE;
}

static void check_product(rule_ctx *c, const rule *r, const char *gem, xmlNodePtr cat_e,
                          xmlNodePtr code_e, iwmo_date start)
{
    char cat[8], code[16], d[16];
    xu_text(cat_e, NULL, cat, sizeof(cat));
    xu_text(code_e, NULL, code, sizeof(code));
    if (!code_e || !code[0])
        return;
    int strict = start != IWMO_NO_DATE;
    iwmo_date when = strict ? start : c->dagtekening;
    switch (refdata_product_check(c->env->ref, c->type->standard, gem, cat, code, when, strict)) {
    case REFDATA_PRODUCT_WRONG:
        rule_fail(c, r, code_e, "product code %s is not in category %s of the product code "
                  "list for gemeente %s", code, cat, gem);
        break;
    case REFDATA_PRODUCT_NOT_VALID:
        rule_fail(c, r, code_e, "product code %s (category %s) is not valid on %s in the "
                  "product code list for gemeente %s", code, cat, fmt_date(when, d, sizeof(d)),
                  gem);
        break;
    default:
        break;
    }
}

/*
 * A Product with a toewijzing start date must have been valid on that date.
 * A Prestatie (323) points at an older toewijzing whose start is not in the
 * message, so its code only has to exist by the message date.
 */
static void check_tr381(rule_ctx *c, const rule *r)
{
    char gem[16];
    if (!refdata_productcode_count_for(c->env->ref, c->type->standard))
        return;
    xu_text(gemeente_elem(c), NULL, gem, sizeof(gem));
    FOR_ALL(c, p, "Product")
        check_product(c, r, gem, xu_child(p, "Categorie"), xu_child(p, "Code"),
                      toewijzing_start(p));
    FOR_ALL(c, p, "Prestatie")
        check_product(c, r, gem, xu_child(p, "ProductCategorie"), xu_child(p, "ProductCode"),
                      IWMO_NO_DATE);
}

static const rule rows[] = {
    {{"TR135", "8848", 4, SENT_MSGS,
      "the message's Dagtekening is a real date on or before the system date"}, check_tr135},
    {{"TR346", "9346", 4, "WMO323 JW323",
      "unless Eenheid is 83 (euro), IngediendBedrag equals GeleverdVolume times ProductTarief "
      "(minutes on an hourly rate may round)"}, check_tr346},
    {{"TR378", "S300", 4, SENT_MSGS,
      "the gemeente code is in the CBS list valid on the message date or a toewijzing start"},
     check_tr378},
    {{"TR381", "S329", 4,
      "WMO301 WMO305 WMO307 WMO315 WMO317 WMO323 JW301 JW305 JW307 JW315 JW317 JW323",
      "the product code belongs to its category in the configured product code list"},
     check_tr381},
};

const rule_table rules_extern_table = {rows, sizeof(rows) / sizeof(rows[0])};
