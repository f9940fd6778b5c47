/* testutil.c - see testutil.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "testutil.h"

char *tu_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

const char *tu_source_dir(void)
{
    return IWMOD_SOURCE_DIR;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *tu_reference_dir(void)
{
    static char buf[4096];
    const char *env = getenv("ISTANDAARDEN_DIR");
    if (env && *env)
        return is_dir(env) ? env : NULL;
    snprintf(buf, sizeof(buf), "%s/../shared/reference/istandaarden", IWMOD_SOURCE_DIR);
    return is_dir(buf) ? buf : NULL;
}

void tu_path(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

const char *tu_schemas_dir(void)
{
    static char buf[4096];
    snprintf(buf, sizeof(buf), "%s/schemas", IWMOD_SOURCE_DIR);
    return buf;
}

iwmo_schemaset *tu_schemaset(void)
{
    return iwmo_schemaset_new(tu_schemas_dir());
}
