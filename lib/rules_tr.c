/* rules_tr.c - placeholder table; the rules arrive in the next commit. */
#include "rules.h"

static const rule rows[] = {{{NULL, NULL, 0, NULL, NULL}, NULL}};
const rule_table rules_tr_table = {rows, 0};
