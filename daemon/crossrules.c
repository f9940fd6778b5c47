/* crossrules.c - placeholder: the cross-message rules arrive in the next commit. */
#include "crossrules.h"

int cross_rules_check(db *d, iwmo_result *r, const char *pseudonym_key)
{
    (void)d; (void)r; (void)pseudonym_key;
    return 0;
}
