/* verzoek.c - placeholder: the verzoek rules arrive in the next commit. */
#include "verzoek.h"

int verzoek_check(db *d, iwmo_result *r, const char *pseudonym_key)
{
    (void)d; (void)r; (void)pseudonym_key;
    return 0;
}

int verzoek_apply(db *d, long long message_id, const iwmo_result *r, const char *pseudonym_key)
{
    (void)d; (void)message_id; (void)r; (void)pseudonym_key;
    return 0;
}
