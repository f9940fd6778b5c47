/*
 * stored.h - the message bytes iwmod keeps in PostgreSQL (messages.raw,
 * deliveries.content): zlib-compressed, then sealed with the configured
 * key (sealbox.h) when encryption at rest is on; read back the other way
 * round. Also the retention purge shared by `iwmoctl purge` and the daemon.
 */
#ifndef IWMOD_STORED_H
#define IWMOD_STORED_H

#include <libxml/tree.h>
#include <stddef.h>
#include "db.h"

/* Compress and (with d->ring sealing) encrypt len bytes into a malloc'ed *out. 0 or -1. */
int stored_pack(const db *d, const char *in, size_t len, unsigned char **out, size_t *outlen);

/*
 * The original bytes of result row `row`, whose stored value is in column
 * col_raw (bytea, text format) and original size in col_size. Returns a
 * malloc'ed buffer (NUL-terminated, *len without it), or NULL with *why set:
 * purged, key missing, altered, or not a zlib stream.
 */
char *stored_unpack(const db *d, PGresult *r, int row, int col_raw, int col_size, size_t *len,
                    const char **why);

/*
 * The stored message of row `row` (id in column 0, raw bytes in 1, size in 2)
 * parsed safely; NULL when it was purged or cannot be read back (logged with
 * the message id and the reason, never its content). Caller xmlFreeDoc()s.
 */
xmlDocPtr stored_doc(const db *d, PGresult *r, int row);

/*
 * Empty the stored bytes of every message received before the date (and of
 * the files delivered for them), marking them purged; with dry only count.
 * before is a date YYYY-MM-DD; counts[0] messages, counts[1] deliveries. 0 or -1.
 */
int stored_purge(db *d, const char *before, int dry, long counts[2]);

#endif
