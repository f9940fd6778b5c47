/* queue.c - see queue.h. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "queue.h"

static int mkdir_p(const char *path, int mode)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int join(char *out, size_t n, const char *a, const char *b)
{
    return snprintf(out, n, "%s/%s", a, b) < (int)n ? 0 : -1;
}

/*
 * A kill between creating ".tmp-PID-name" and renaming it leaves the temp
 * file behind (it may hold a staged retour with personal data). Remove those
 * whose writer no longer runs; a live second instance keeps its own.
 */
static void sweep_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        if (strncmp(e->d_name, ".tmp-", 5) != 0)
            continue;
        long pid = strtol(e->d_name + 5, &end, 10);
        if (end == e->d_name + 5 || *end != '-' || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* ---- owners: one flocked directory per process under queue/active --------- */

/* Is fd still the directory at path (not removed by an adopter meanwhile)? */
static int same_dir(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Try to become the owner of active/<token>: 1 yes, 0 taken by a live process, -1 error. */
static int try_own(queue *q, unsigned long token)
{
    char dir[sizeof(q->active)];
    if (snprintf(dir, sizeof(dir), "%s/%lu", q->active_root, token) >= (int)sizeof(dir)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (mkdir(dir, 0750) < 0 && errno != EEXIST)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !same_dir(fd, dir)) {
        close(fd);
        return 0;
    }
    q->owner_fd = fd;
    q->token = token;
    memcpy(q->active, dir, sizeof(dir));
    return 1;
}

/* The pid names the directory unless a live process (another host's, a container's) holds it. */
static int take_ownership(queue *q, char *err, size_t errsize)
{
    unsigned long pid = (unsigned long)getpid();
    int rc = 0;
    for (unsigned long k = 0; k < 1000 && rc == 0; k++)
        rc = try_own(q, pid + k * 10000000UL);
    if (rc == 1)
        return 0;
    snprintf(err, errsize, "cannot create or lock an owner directory in %s: %s", q->active_root,
             rc < 0 ? strerror(errno) : "every candidate is held by a live process");
    return -1;
}

void queue_close(queue *q)
{
    if (!q->active[0] || q->owner_fd < 0)
        return;
    rmdir(q->active);                   /* only when empty: claims left for a retry stay adoptable */
    close(q->owner_fd);
    q->owner_fd = -1;
}

/* Call fn for every entry of dir that is not a dot file; returns the sum of what fn returns. */
static long each_entry(const char *dir, long (*fn)(const char *dir, const char *name, const struct stat *st,
                                                    void *arg), void *arg)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] != '.' && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            n += fn(dir, e->d_name, &st, arg);
    }
    closedir(d);
    return n;
}

/* each_entry callback: move a claim into our own directory (any kind of entry: a hostile one too). */
static long adopt_one(const char *dir, const char *name, const struct stat *st, void *arg)
{
    (void)st;
    queue *q = arg;
    return queue_rename(dir, name, q->active, name) == 0;
}

/* each_entry callback for the root of active/: its directories are owners, the rest are claims. */
static long adopt_flat(const char *dir, const char *name, const struct stat *st, void *arg)
{
    return S_ISDIR(st->st_mode) ? 0 : adopt_one(dir, name, st, arg);
}

/* A dead owner's directory: adopt its claims while holding its lock, then remove it. */
static long adopt_owner(queue *q, const char *name, long *owners)
{
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/%s", q->active_root, name);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    long n = 0;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && same_dir(fd, dir)) {
        n = each_entry(dir, adopt_one, q);
        rmdir(dir);
        *owners += 1;
    }
    close(fd);
    return n;
}

long queue_adopt_orphans(queue *q, long *owners)
{
    *owners = 0;
    long n = each_entry(q->active_root, adopt_flat, q);   /* the flat layout before owners */
    DIR *d = opendir(q->active_root);
    if (!d)
        return n;
    struct dirent *e;
    char own[32];
    snprintf(own, sizeof(own), "%lu", q->token);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strcmp(e->d_name, own) != 0 &&
            strspn(e->d_name, "0123456789") == strlen(e->d_name))
            n += adopt_owner(q, e->d_name, owners);
    closedir(d);
    if (n)
        fsync_dir(q->active);
    return n;
}

/* each_entry callback: 1 for anything but a directory. */
static long count_file(const char *dir, const char *name, const struct stat *st, void *arg)
{
    (void)dir; (void)name; (void)arg;
    return !S_ISDIR(st->st_mode);
}

/* each_entry callback: 1 for a file, the files inside for a directory (one level). */
static long count_claim(const char *dir, const char *name, const struct stat *st, void *arg)
{
    (void)arg;
    if (!S_ISDIR(st->st_mode))
        return 1;
    char sub[8400];
    snprintf(sub, sizeof(sub), "%s/%s", dir, name);
    return each_entry(sub, count_file, NULL);
}

long queue_count_claims(const char *active_root)
{
    return each_entry(active_root, count_claim, NULL);
}

int queue_open(queue *q, const char *inbox, const char *outbox, const char *queue_dir,
               char *err, size_t errsize)
{
    memset(q, 0, sizeof(*q));
    q->owner_fd = -1;
    snprintf(q->inbox, sizeof(q->inbox), "%s", inbox);
    snprintf(q->outbox, sizeof(q->outbox), "%s", outbox);
    struct { char *field; const char *sub; } dirs[] = {
        {q->active_root, "active"}, {q->done, "done"}, {q->quarantine, "quarantine"},
        {q->rejected, "rejected"}, {q->outgoing, "outgoing"},
    };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (join(dirs[i].field, sizeof(q->active), queue_dir, dirs[i].sub) < 0) {
            snprintf(err, errsize, "queue path too long");
            return -1;
        }
    const char *all[] = {q->inbox, q->outbox, q->active_root, q->done, q->quarantine, q->rejected, q->outgoing};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (mkdir_p(all[i], 0750) < 0) {
            snprintf(err, errsize, "cannot create %s: %s", all[i], strerror(errno));
            return -1;
        }
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] != q->inbox)         /* the inbox's dot files belong to the writers */
            sweep_stale_tmp(all[i]);
    return take_ownership(q, err, errsize);
}

int queue_name_acceptable(const char *name)
{
    return name[0] != '.' && strchr(name, '/') == NULL && strlen(name) < 200;
}

static void make_claim(queue *q, const char *name, char *claim, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    snprintf(claim, n, "%lld%06ld-%lu-%lu-%s", (long long)tv.tv_sec, (long)tv.tv_usec,
             q->token, ++q->seq, name);
}

static int claim(queue *q, const char *name, char *claim, size_t claimsize, char *err, size_t errsize,
                 int sync);

int queue_claim(queue *q, const char *name, char *c, size_t claimsize, char *err, size_t errsize)
{
    return claim(q, name, c, claimsize, err, errsize, 1);
}

int queue_claim_nosync(queue *q, const char *name, char *c, size_t claimsize, char *err, size_t errsize)
{
    return claim(q, name, c, claimsize, err, errsize, 0);
}

int queue_sync_dir(const char *dir)
{
    return fsync_dir(dir);
}

/*
 * The sender chose the file's mode; from the claim on it is ours and holds
 * personal data: at most 0640 (what done/, quarantine/ and rejected/ keep).
 * A symlink is left as it is (chmod would follow it).
 */
static void restrict_mode(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode) && (st.st_mode & 07137))
        chmod(path, st.st_mode & 0640);
}

static int claim(queue *q, const char *name, char *claim, size_t claimsize, char *err, size_t errsize,
                 int sync)
{
    char from[8192], to[8192];
    if (join(from, sizeof(from), q->inbox, name) < 0)
        return 1;
    struct stat st;
    if (lstat(from, &st) < 0)
        return 1;                       /* taken by another instance, or gone */
    make_claim(q, name, claim, claimsize);
    if (join(to, sizeof(to), q->active, claim) < 0)
        return 1;
    if (rename(from, to) < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errsize, "cannot claim %s: %s", name, strerror(errno));
        return -1;
    }
    restrict_mode(to);
    if (sync) {
        fsync_dir(q->active);
        fsync_dir(q->inbox);
    }
    return 0;
}

int queue_stage(queue *q, const char *name, const void *data, size_t len, int *fdp)
{
    char path[8192];
    *fdp = -1;
    if (join(path, sizeof(path), q->outgoing, name) < 0)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            close(fd);
            unlink(path);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    *fdp = fd;
    return 0;
}

/*
 * The staged files of a batch are fdatasync'ed by up to SYNC_THREADS threads
 * at once: one after the other, each new file costs the filesystem its own
 * journal commit; side by side, the commits of the files waiting together are
 * shared (ext4, xfs). Thread k syncs the files k, k + SYNC_THREADS, ...
 */
#define SYNC_THREADS 8

struct sync_slice {
    int *fds;
    size_t n, first;
    int rc;
};

static void *sync_slice_run(void *arg)
{
    struct sync_slice *s = arg;
    for (size_t i = s->first; i < s->n; i += SYNC_THREADS) {
        if (s->fds[i] < 0)
            continue;
        if (fdatasync(s->fds[i]) < 0)
            s->rc = -1;
        if (close(s->fds[i]) < 0)
            s->rc = -1;
        s->fds[i] = -1;
    }
    return NULL;
}

int queue_sync_staged(queue *q, int *fds, size_t n)
{
    struct sync_slice sl[SYNC_THREADS];
    pthread_t th[SYNC_THREADS];
    int started[SYNC_THREADS] = {0}, rc = 0;
    size_t nt = n < SYNC_THREADS ? n : SYNC_THREADS;
    for (size_t k = 0; k < nt; k++) {
        sl[k] = (struct sync_slice){fds, n, k, 0};
        started[k] = k > 0 && pthread_create(&th[k], NULL, sync_slice_run, &sl[k]) == 0;
    }
    for (size_t k = 0; k < nt; k++)     /* slice 0, and any whose thread did not start, here */
        if (!started[k])
            sync_slice_run(&sl[k]);
    for (size_t k = 0; k < nt; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        rc |= sl[k].rc;
    }
    return fsync_dir(q->outgoing) < 0 ? -1 : rc;
}

int queue_rename(const char *fromdir, const char *a, const char *todir, const char *b)
{
    char from[8192], to[8192];
    if (join(from, sizeof(from), fromdir, a) < 0 || join(to, sizeof(to), todir, b) < 0)
        return -1;
    if (rename(from, to) < 0)
        return errno == ENOENT ? 1 : -1;
    return 0;
}

int queue_write_file(const char *dir, const char *name, const void *data, size_t len, int mode)
{
    char tmp[8192], final[8192];
    if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%d-%s", dir, (int)getpid(), name) >= (int)sizeof(tmp) ||
        join(final, sizeof(final), dir, name) < 0)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return -1;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            close(fd);
            unlink(tmp);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, final) < 0) {
        unlink(tmp);
        return -1;
    }
    return fsync_dir(dir);
}

int queue_move(const char *fromdir, const char *a, const char *todir, const char *b)
{
    char from[8192], to[8192];
    if (join(from, sizeof(from), fromdir, a) < 0 || join(to, sizeof(to), todir, b) < 0)
        return -1;
    if (rename(from, to) < 0)
        return errno == ENOENT ? 1 : -1;
    fsync_dir(todir);
    if (strcmp(fromdir, todir) != 0)
        fsync_dir(fromdir);
    return 0;
}

void queue_outgoing_name(const char *claim, const char *filename, char *out, size_t n)
{
    snprintf(out, n, "%s@%s", claim, filename);
}

/* Call fn for every outgoing entry staged for claim; returns -1 if any call failed. */
static int each_outgoing(queue *q, const char *claim, int (*fn)(queue *, const char *, const char *, void *),
                         void *arg)
{
    DIR *d = opendir(q->outgoing);
    if (!d)
        return -1;
    size_t cl = strlen(claim);
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, claim, cl) == 0 && e->d_name[cl] == '@')
            rc |= fn(q, e->d_name, e->d_name + cl + 1, arg);
    }
    closedir(d);
    return rc ? -1 : 0;
}

static int deliver_one(queue *q, const char *staged, const char *filename, void *todir)
{
    return queue_move(q->outgoing, staged, (const char *)todir, filename) < 0 ? 1 : 0;
}

int queue_deliver(queue *q, const char *claim, const char *todir)
{
    return each_outgoing(q, claim, deliver_one, (void *)todir);
}

static int discard_one(queue *q, const char *staged, const char *filename, void *arg)
{
    (void)filename; (void)arg;
    char path[8192];
    if (join(path, sizeof(path), q->outgoing, staged) == 0)
        unlink(path);
    return 0;
}

void queue_discard_outgoing(queue *q, const char *claim)
{
    each_outgoing(q, claim, discard_one, NULL);
}

int queue_finish(queue *q, const char *claim, const char *dir, const char *note_suffix,
                 const char *note)
{
    if (note) {
        char name[1024];
        snprintf(name, sizeof(name), "%s%s", claim, note_suffix);
        if (queue_write_file(dir, name, note, strlen(note), 0640) < 0)
            return -1;
    }
    return queue_move(q->active, claim, dir, claim) < 0 ? -1 : 0;
}
