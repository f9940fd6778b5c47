/*
 * testutil.h - small helpers shared by the cmocka tests: reading files,
 * locating the source tree, the corpus and the official reference XSDs.
 */
#ifndef IWMOD_TESTUTIL_H
#define IWMOD_TESTUTIL_H

#include <stddef.h>
#include "iwmo.h"

char *tu_read(const char *path, size_t *len);          /* NULL when unreadable */
const char *tu_source_dir(void);                       /* the repository root */
const char *tu_reference_dir(void);                    /* istandaarden dir, or NULL when absent */
const char *tu_schemas_dir(void);                      /* the source tree's schemas/ */
iwmo_schemaset *tu_schemaset(void);                    /* a schema set on tu_schemas_dir() */
void tu_path(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
