/* declaratie.c - placeholder: invoice-line approval arrives in the next commit. */
#include "declaratie.h"

int declaratie_check(db *d, iwmo_result *r, const char *pseudonym_key)
{
    (void)d; (void)r; (void)pseudonym_key;
    return 0;
}

int declaratie_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key)
{
    (void)d; (void)message_id; (void)r; (void)pseudonym_key;
    return 0;
}
