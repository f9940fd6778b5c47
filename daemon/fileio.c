/*
 * fileio.c - bounded reads of message files, and locating the schemas.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fileio.h"

#ifndef IWMOD_SOURCE_SCHEMAS
#define IWMOD_SOURCE_SCHEMAS ""
#endif
#ifndef IWMOD_SOURCE_DATA
#define IWMOD_SOURCE_DATA ""
#endif
#ifndef IWMOD_INSTALLED_DATA
#define IWMOD_INSTALLED_DATA "/usr/share/iwmod/data"
#endif
#ifndef IWMOD_INSTALLED_SCHEMAS
#define IWMOD_INSTALLED_SCHEMAS "/usr/share/iwmod/schemas"
#endif

int read_file_bounded(const char *path, size_t max_bytes, char **buf, size_t *len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && fd != STDIN_FILENO && !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (fd != STDIN_FILENO && max_bytes && st.st_size > 0 && (size_t)st.st_size > max_bytes) {
        close(fd);
        *len = (size_t)st.st_size;
        errno = EFBIG;
        return -1;
    }
    size_t cap = 65536, n = 0, limit = max_bytes + 1;
    if (fd != STDIN_FILENO && st.st_size >= 0 && (size_t)st.st_size + 1 > cap)
        cap = (size_t)st.st_size + 1 < limit + 1 ? (size_t)st.st_size + 1 : limit + 1;
    char *b = malloc(cap);
    if (!b)
        goto fail;
    while (n < limit) {
        char probe, *dst = b + n;       /* full (as fstat said): one byte tells whether there is more */
        size_t want = cap - 1 - n;
        if (want == 0) {
            dst = &probe;
            want = 1;
        }
        if (want > limit - n)
            want = limit - n;
        ssize_t r = read(fd, dst, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        if (dst == &probe) {
            size_t ncap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            char *nb = realloc(b, ncap);
            if (!nb)
                goto fail;
            b = nb;
            cap = ncap;
            b[n] = probe;
        }
        n += (size_t)r;
    }
    b[n] = '\0';
    if (fd != STDIN_FILENO)
        close(fd);
    *buf = b;
    *len = n;
    return 0;
fail:;
    int saved = errno;
    free(b);
    if (fd != STDIN_FILENO)
        close(fd);
    errno = saved;
    return -1;
}

static int is_schema_dir(const char *dir)
{
    char probe[PATH_MAX];
    if (snprintf(probe, sizeof(probe), "%s/iwmo/3.2/basisschema.xsd", dir) >= (int)sizeof(probe))
        return 0;
    return access(probe, R_OK) == 0;
}

static int is_dir(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * One lookup order for every directory iwmod ships: the explicit one, the
 * environment variable, ../share/iwmod/SUB beside the binary (the installed
 * layout), the source tree it was built from, then the installed default.
 * buf holds the beside-the-binary candidate (one per kind of directory).
 */
static const char *find_dir(const char *explicit_dir, const char *env_name, const char *sub,
                            const char *source, const char *installed, int (*usable)(const char *),
                            char *buf, size_t bufsize)
{
    if (explicit_dir && *explicit_dir)
        return explicit_dir;
    const char *env = getenv(env_name);
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            int w = snprintf(buf, bufsize, "%s/../share/iwmod/%s", exe, sub);
            if (w < (int)bufsize && usable(buf))
                return buf;
        }
    }
    if (*source && usable(source))
        return source;
    return installed;
}

const char *find_schemas_dir(const char *explicit_dir)
{
    static char beside_binary[PATH_MAX];
    return find_dir(explicit_dir, "IWMOD_SCHEMAS_DIR", "schemas", IWMOD_SOURCE_SCHEMAS,
                    IWMOD_INSTALLED_SCHEMAS, is_schema_dir, beside_binary, sizeof(beside_binary));
}

const char *find_data_dir(const char *explicit_dir)
{
    static char beside_binary[PATH_MAX];
    return find_dir(explicit_dir, "IWMOD_DATA_DIR", "data", IWMOD_SOURCE_DATA, IWMOD_INSTALLED_DATA,
                    is_dir, beside_binary, sizeof(beside_binary));
}
