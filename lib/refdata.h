/*
 * refdata.h - lookups in the reference lists (CBS gemeente codes, product
 * codes per category) for the external-source rules. Internal to libiwmo;
 * loading and counting are public in iwmo.h. File formats: data/README.md.
 */
#ifndef IWMO_REFDATA_H
#define IWMO_REFDATA_H

#include "iwmo.h"

/* Does the CBS list hold gemeente code (four digits) on date d? */
int refdata_gemeente_valid(const iwmo_refdata *r, const char *code, iwmo_date d);

/* Product codes loaded for one standard (all gemeenten together). */
size_t refdata_productcode_count_for(const iwmo_refdata *r, iwmo_standard s);

typedef enum {
    REFDATA_PRODUCT_FITS,       /* listed under the category and valid on the date */
    REFDATA_PRODUCT_NOT_VALID,  /* listed under the category, but not valid on the date */
    REFDATA_PRODUCT_WRONG,      /* the lists cover the category (or the code), but not this pair */
    REFDATA_PRODUCT_UNCOVERED   /* the lists say nothing about the category or the code: no verdict */
} refdata_product_verdict;

/*
 * Look up category/code in the product code lists of standard s that apply
 * to gemeente (rows without a gemeente apply to every gemeente). strict:
 * the row's window must contain d; otherwise the code only has to have
 * started on or before d (an older toewijzing may still use a retired code).
 */
refdata_product_verdict refdata_product_check(const iwmo_refdata *r, iwmo_standard s,
                                              const char *gemeente, const char *category,
                                              const char *code, iwmo_date d, int strict);

#endif
