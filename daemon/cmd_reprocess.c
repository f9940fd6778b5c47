/*
 * cmd_reprocess.c - `iwmoctl reprocess --config FILE (FILE... | --quarantine)`:
 * put a quarantined or corrected file back into the inbox. A file in
 * queue/quarantine/ or queue/rejected/ (named by path or by its name there)
 * is renamed into the inbox as ".NAME" and then to "NAME" (the writers'
 * convention, so the daemon never sees half a file), under the name it first
 * arrived with, and its .reason or .report is removed. Any other regular file
 * (a corrected copy) is copied in the same way and left where it was.
 * --quarantine does this for everything in quarantine/. A name already in
 * the inbox is never overwritten.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "cmd_ops.h"
#include "fileio.h"
#include "queue.h"

static const char usage_text[] =
    "usage: iwmoctl reprocess --config FILE FILE...\n"
    "       iwmoctl reprocess --config FILE --quarantine\n"
    "  Puts files back into the inbox to be processed again: a file in the queue's\n"
    "  quarantine/ or rejected/ (a path, or just its name there) is moved under the\n"
    "  name it arrived with and its .reason/.report removed; any other file (a\n"
    "  corrected copy) is copied. --quarantine takes every quarantined file.\n"
    "  Exit status: 0 all put back, 1 any failed, 2 usage error.\n";

typedef struct {
    char inbox[4096], quarantine[4200], rejected[4200];
} dirs;

/* The name a claim arrived under: time-pid-seq-NAME -> NAME. */
static const char *arrival_name(const char *claim)
{
    const char *p = claim;
    for (int dashes = 0; *p && dashes < 3; p++)
        dashes += *p == '-';
    return *p ? p : claim;
}

/* Is path's directory the same directory as dir? */
static int lies_in(const char *path, const char *dir)
{
    char tmp[4096], a[PATH_MAX], b[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    return realpath(dirname(tmp), a) && realpath(dir, b) && strcmp(a, b) == 0;
}

static int fail(const char *file, const char *why)
{
    fprintf(stderr, "iwmoctl reprocess: %s: %s\n", file, why);
    return 1;
}

/* Hand a file in the inbox to the daemon's user when we run as root. */
static void own_like_inbox(const dirs *d, const char *name)
{
    struct stat st;
    char p[8192];
    snprintf(p, sizeof(p), "%s/%s", d->inbox, name);
    if (geteuid() == 0 && stat(d->inbox, &st) == 0 && chown(p, st.st_uid, st.st_gid) < 0)
        fprintf(stderr, "iwmoctl reprocess: %s: cannot chown: %s\n", p, strerror(errno));
}

/* Move queue file dir/claim into the inbox (dot name, then rename) and drop its note. */
static int move_back(const dirs *d, const char *dir, const char *claim, const char *note_suffix)
{
    const char *name = arrival_name(claim);
    char dot[300], target[8192], note[8400];
    snprintf(dot, sizeof(dot), ".%s", name);
    snprintf(target, sizeof(target), "%s/%s", d->inbox, name);
    if (access(target, F_OK) == 0)
        return fail(name, "a file of that name is already in the inbox");
    if (queue_move(dir, claim, d->inbox, dot) != 0 || queue_move(d->inbox, dot, d->inbox, name) != 0)
        return fail(claim, strerror(errno));
    snprintf(note, sizeof(note), "%s/%s%s", dir, claim, note_suffix);
    unlink(note);
    printf("%s -> %s\n", claim, target);
    return 0;
}

/* Copy a corrected file from elsewhere into the inbox (temp dot file, fsync, rename). */
static int copy_in(const dirs *d, const char *path)
{
    char tmp[4096], *buf = NULL, target[8192];
    size_t len;
    snprintf(tmp, sizeof(tmp), "%s", path);
    const char *name = basename(tmp);
    snprintf(target, sizeof(target), "%s/%s", d->inbox, name);
    if (name[0] == '.')
        return fail(path, "names starting with '.' are never taken from the inbox; rename it first");
    if (access(target, F_OK) == 0)
        return fail(name, "a file of that name is already in the inbox");
    if (read_file_bounded(path, (size_t)1 << 30, &buf, &len) < 0)
        return fail(path, "cannot read it (not a regular file?)");
    int rc = queue_write_file(d->inbox, name, buf, len, 0640);
    free(buf);
    if (rc < 0)
        return fail(path, strerror(errno));
    own_like_inbox(d, name);
    printf("%s -> %s (copied)\n", path, target);
    return 0;
}

static int reprocess_one(const dirs *d, const char *arg)
{
    char tmp[4096], in_q[8400];
    struct stat st;
    snprintf(tmp, sizeof(tmp), "%s", arg);
    const char *base = basename(tmp);
    snprintf(in_q, sizeof(in_q), "%s/%s", d->quarantine, arg);
    if (!strchr(arg, '/') && lstat(in_q, &st) == 0)
        return move_back(d, d->quarantine, arg, ".reason");
    if (lstat(arg, &st) < 0)
        return fail(arg, "no such file (here or in the quarantine)");
    if (!S_ISREG(st.st_mode))
        return fail(arg, "not a regular file");
    if (lies_in(arg, d->quarantine))
        return move_back(d, d->quarantine, base, ".reason");
    if (lies_in(arg, d->rejected))
        return move_back(d, d->rejected, base, ".report");
    return copy_in(d, arg);
}

static int whole_quarantine(const dirs *d)
{
    DIR *dir = opendir(d->quarantine);
    if (!dir)
        return fail(d->quarantine, strerror(errno));
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || (len > 7 && !strcmp(e->d_name + len - 7, ".reason")))
            continue;
        bad |= move_back(d, d->quarantine, e->d_name, ".reason");
    }
    closedir(dir);
    return bad;
}

int cmd_reprocess(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
        {"quarantine", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c, all = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'h')
            return fputs(usage_text, stdout), 0;
        if (c == 'c')
            path = optarg;
        else if (c == 'q')
            all = 1;
        else
            return fputs(usage_text, stderr), 2;
    }
    if (!path || (all ? optind != argc : optind >= argc))
        return fputs(usage_text, stderr), 2;
    ops_ctx o;
    if (ops_open(&o, "iwmoctl reprocess", path, 0) != 0)
        return 1;
    dirs d;
    snprintf(d.inbox, sizeof(d.inbox), "%s", o.cfg.inbox);
    snprintf(d.quarantine, sizeof(d.quarantine), "%s/quarantine", o.cfg.queue);
    snprintf(d.rejected, sizeof(d.rejected), "%s/rejected", o.cfg.queue);
    ops_close(&o);
    int bad = all ? whole_quarantine(&d) : 0;
    for (int i = optind; !all && i < argc; i++)
        bad |= reprocess_one(&d, argv[i]);
    return bad ? 1 : 0;
}
