/*
 * fileio.h - reading message files and stdin with a size bound, and finding
 * the schema directory of the build tree or the installed package.
 */
#ifndef IWMOD_FILEIO_H
#define IWMOD_FILEIO_H

#include <stddef.h>

/*
 * Read all of path ("-" = stdin) into *buf (NUL-terminated, caller frees).
 * Reads at most max_bytes + 1 bytes, so an oversized file is seen as such
 * without being read whole; a regular file whose size is already over
 * max_bytes is not read at all: -1 with errno EFBIG and *len its size.
 * Returns 0, or -1 with errno set (EINVAL: not a regular file).
 */
int read_file_bounded(const char *path, size_t max_bytes, char **buf, size_t *len);

/* The schema directory: explicit, $IWMOD_SCHEMAS_DIR, next to the binary, or installed. */
const char *find_schemas_dir(const char *explicit_dir);

/* The reference-data directory (CBS gemeenten, product codes), found the same way. */
const char *find_data_dir(const char *explicit_dir);

#endif
