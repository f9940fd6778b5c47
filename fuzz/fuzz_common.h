/*
 * fuzz_common.h - what the libFuzzer harnesses share: the limits they check
 * with, the source tree they find schemas and reference lists in, and a
 * loader for the reference lists. Built only with -DIWMOD_FUZZ=ON.
 */
#ifndef IWMOD_FUZZ_COMMON_H
#define IWMOD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "iwmo.h"

/* The date every harness treats as today, so a run never depends on the clock. */
#define FUZZ_TODAY "2026-11-24"

/* Default limits, with a small size cap so no input takes long. */
void fuzz_limits(iwmo_limits *lim);

/* The schema set on the source tree's schemas/ with every type compiled once. */
iwmo_schemaset *fuzz_schemaset(void);

/* data/cbs-gemeenten.tsv and the example product code lists, loaded once. */
iwmo_refdata *fuzz_refdata(void);
/* The environment the rules harnesses use: today fixed at FUZZ_TODAY, the data/ lists. */
iwmo_rule_env fuzz_rule_env(void);

/* Stop the run with a message: libFuzzer saves the input that got here. */
void fuzz_fail(const char *what, const uint8_t *data, size_t size) __attribute__((noreturn));

#endif
