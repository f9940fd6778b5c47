/*
 * zipin.c - unpacking a VECOZO ZIP delivery from a buffer with libzip.
 *
 * A delivery holds exactly one file. Everything else is refused before a
 * byte is inflated, from the central directory alone: no entries, folders,
 * several files, encryption, a declared size over the limit, or a declared
 * compression ratio no XML message reaches (a zip bomb). The one entry is
 * then read in chunks into a buffer that never grows past the limit plus
 * one byte, so a header that lies about the size costs at most that.
 *
 * Chain error codes (Fo01 list, with the VECOZO equivalent):
 *   IB901 / BRS15  not a (valid) ZIP: unreadable, damaged, CRC or size that
 *                  disagrees with the directory; also a zip bomb, for which
 *                  neither list has a code: an archive whose ratio no message
 *                  reaches is not a delivery we accept as valid.
 *   IB902 / BRS16  more files than allowed (one).
 *   IB903 / BRS17  password protection (any encrypted entry).
 *   IB904 / BRS19  the file in the ZIP is larger than allowed.
 *   IB905 / BRS21  fewer files than allowed (an empty ZIP).
 *   BRS29          folders in the ZIP (VECOZO only; Fo01 has no such code).
 *   IB012 / BRS06  the ZIP itself is larger than any valid delivery can be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include "iwmo_envelope.h"

#define DEFAULT_RATIO 200u
#define DEFAULT_RATIO_FLOOR (1024u * 1024u)
#define ZIP_OVERHEAD (256u * 1024u)     /* headers, names and extras around one entry */
#define READ_CHUNK (64u * 1024u)

struct zip_bounds {
    size_t max_entry;
    unsigned max_ratio;
    size_t ratio_floor;
};

static struct zip_bounds bounds_of(const iwmo_limits *lim, const iwmo_zip_limits *zl)
{
    struct zip_bounds b = {lim->max_bytes, DEFAULT_RATIO, DEFAULT_RATIO_FLOOR};
    if (zl && zl->max_entry_bytes)
        b.max_entry = zl->max_entry_bytes;
    if (zl && zl->max_ratio)
        b.max_ratio = zl->max_ratio;
    if (zl && zl->ratio_floor)
        b.ratio_floor = zl->ratio_floor;
    return b;
}

int iwmo_zip_detect(const char *buf, size_t len)
{
    return buf && len >= 4 && buf[0] == 'P' && buf[1] == 'K' &&
           ((buf[2] == 3 && buf[3] == 4) || (buf[2] == 5 && buf[3] == 6));
}

static int refuse(iwmo_findings *f, const char *code, const char *fmt, const char *detail)
{
    iwmo_findings_add(f, 0, code, "ZIP", fmt, detail);
    return -1;
}

static zip_t *open_archive(const char *buf, size_t len, iwmo_findings *f)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &err);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err) : NULL;
    if (!za) {
        if (src)
            zip_source_free(src);
        char why[256];
        snprintf(why, sizeof(why), "%s", zip_error_strerror(&err));
        refuse(f, "IB901", "not a valid ZIP file: %s", why);
    }
    zip_error_fini(&err);
    return za;
}

static int is_folder(const char *name)
{
    return !name || strchr(name, '/') || strchr(name, '\\');
}

/* Directory-level checks: count, folders. */
static int check_entries(zip_t *za, iwmo_findings *f)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n <= 0)
        return refuse(f, "IB905", "%s", "the ZIP holds no file; a delivery holds exactly one");
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (is_folder(name))
            return refuse(f, "BRS29", "the ZIP holds folders ('%s'); only one plain file is allowed",
                          name ? name : "?");
    }
    if (n > 1)
        return refuse(f, "IB902", "%s", "the ZIP holds more than one file; a delivery holds exactly one");
    return 0;
}

/* Entry-level checks from the directory: encryption, declared size, ratio. */
static int check_entry(zip_t *za, const struct zip_bounds *b, zip_stat_t *st, iwmo_findings *f)
{
    char detail[96];
    zip_stat_init(st);
    if (zip_stat_index(za, 0, 0, st) < 0)
        return refuse(f, "IB901", "cannot read the ZIP entry: %s", zip_strerror(za));
    if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) && st->encryption_method != ZIP_EM_NONE)
        return refuse(f, "IB903", "%s", "the file in the ZIP is password protected (encrypted)");
    if (!(st->valid & ZIP_STAT_SIZE) || !(st->valid & ZIP_STAT_COMP_SIZE))
        return refuse(f, "IB901", "%s", "the ZIP entry has no size in its directory");
    if (st->size > b->max_entry) {
        snprintf(detail, sizeof(detail), "%llu bytes, limit %zu", (unsigned long long)st->size,
                 b->max_entry);
        return refuse(f, "IB904", "the file in the ZIP is larger than allowed (%s)", detail);
    }
    if (st->size >= b->ratio_floor && st->size / (st->comp_size ? st->comp_size : 1) > b->max_ratio) {
        snprintf(detail, sizeof(detail), "%llu bytes from %llu, over %u:1",
                 (unsigned long long)st->size, (unsigned long long)st->comp_size, b->max_ratio);
        return refuse(f, "IB901", "zip bomb: compression ratio no message reaches (%s)", detail);
    }
    return 0;
}

/* Grow *buf (capacity *cap) towards limit; 0 ok, -1 out of memory. */
static int grow(char **buf, size_t *cap, size_t limit)
{
    size_t ncap = *cap * 2 > limit ? limit : *cap * 2;
    char *g = realloc(*buf, ncap + 1);
    if (!g)
        return -1;
    *buf = g;
    *cap = ncap;
    return 0;
}

/*
 * Read the open entry into a buffer of at most max + 1 bytes: reading stops
 * one byte past the limit whatever the directory declared. Returns the bytes
 * read, or -1 on a read error (*oom set when memory ran out).
 */
static long long read_bounded(zip_file_t *zf, size_t declared, size_t max, char **out, int *oom)
{
    size_t cap = declared + 1, got = 0;
    *out = malloc(cap + 1);
    *oom = *out == NULL;
    while (*out && got <= max) {
        if (got == cap && grow(out, &cap, max + 1) < 0) {
            *oom = 1;
            return -1;
        }
        size_t want = cap - got < READ_CHUNK ? cap - got : READ_CHUNK;
        zip_int64_t n = zip_fread(zf, *out + got, want);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return *out ? (long long)got : -1;
}

static zip_file_t *open_entry(zip_t *za, iwmo_findings *f)
{
    zip_file_t *zf = zip_fopen_index(za, 0, 0);
    if (!zf) {
        int ze = zip_error_code_zip(zip_get_error(za));
        int locked = ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD;
        refuse(f, locked ? "IB903" : "IB901", "cannot open the file in the ZIP: %s", zip_strerror(za));
    }
    return zf;
}

static char *read_entry(zip_t *za, const zip_stat_t *st, size_t max, size_t *len, iwmo_findings *f)
{
    zip_file_t *zf = open_entry(za, f);
    if (!zf)
        return NULL;
    char *out = NULL;
    int oom = 0;
    long long got = read_bounded(zf, (size_t)st->size, max, &out, &oom);
    char why[160];
    snprintf(why, sizeof(why), "%s", zip_file_strerror(zf));
    zip_fclose(zf);
    if (got < 0 || (size_t)got > max || (size_t)got != st->size) {
        free(out);
        if (oom)
            refuse(f, "internal-error", "%s", "out of memory reading the ZIP entry");
        else if (got > (long long)max)
            iwmo_findings_add(f, 0, "IB904", "ZIP", "the file in the ZIP inflates past the limit "
                              "of %zu bytes (its directory said %llu)", max,
                              (unsigned long long)st->size);
        else
            refuse(f, "IB901", "the file in the ZIP is damaged: %s",
                   got < 0 ? why : "its size differs from the directory");
        return NULL;
    }
    out[got] = '\0';
    *len = (size_t)got;
    return out;
}

int iwmo_zip_extract(const char *buf, size_t len, const iwmo_limits *lim,
                     const iwmo_zip_limits *zl, char **out, size_t *out_len,
                     char *name, size_t name_size, iwmo_findings *f)
{
    struct zip_bounds b = bounds_of(lim, zl);
    *out = NULL;
    *out_len = 0;
    if (name && name_size)
        name[0] = '\0';
    if (len > b.max_entry + ZIP_OVERHEAD)
        return refuse(f, "IB012", "%s", "the ZIP is larger than any delivery within the size limit");
    zip_t *za = open_archive(buf, len, f);
    if (!za)
        return -1;
    zip_stat_t st;
    int rc = check_entries(za, f);
    if (rc == 0)
        rc = check_entry(za, &b, &st, f);
    if (rc == 0) {
        *out = read_entry(za, &st, b.max_entry, out_len, f);
        rc = *out ? 0 : -1;
    }
    if (rc == 0 && name && name_size)
        snprintf(name, name_size, "%s", st.name ? st.name : "");
    zip_discard(za);
    return rc;
}
