/* refdata.c - placeholder: reference lists for the external-source rules. */
#include <stdlib.h>
#include "iwmo.h"

struct iwmo_refdata {
    size_t ngemeenten;
    size_t nproducts;
};

iwmo_refdata *iwmo_refdata_new(void) { return calloc(1, sizeof(iwmo_refdata)); }
void iwmo_refdata_free(iwmo_refdata *r) { free(r); }
int iwmo_refdata_load_gemeenten(iwmo_refdata *r, const char *buf, size_t len, char *err, size_t errsize)
{
    (void)r; (void)buf; (void)len; (void)err; (void)errsize;
    return 0;
}
int iwmo_refdata_load_productcodes(iwmo_refdata *r, iwmo_standard s, const char *buf, size_t len,
                                   char *err, size_t errsize)
{
    (void)r; (void)s; (void)buf; (void)len; (void)err; (void)errsize;
    return 0;
}
size_t iwmo_refdata_gemeente_count(const iwmo_refdata *r) { return r->ngemeenten; }
size_t iwmo_refdata_productcode_count(const iwmo_refdata *r) { return r->nproducts; }
