/*
 * queue.h - the file side of iwmod, Postfix style: the inbox is claimed by
 * atomic rename into queue/active; retours wait in queue/outgoing until the
 * database has committed, then a rename delivers them to the outbox; the
 * original ends in done/, quarantine/ (with a .reason file) or rejected/
 * (outbound messages that failed, with a .report file). Every write is
 * temp file + fsync + rename + fsync of the directory.
 */
#ifndef IWMOD_QUEUE_H
#define IWMOD_QUEUE_H

#include <stddef.h>

/*
 * Several iwmod processes may share one queue (docs/operations.md, "Two
 * instances"). Each owns queue/active/<token>/, a directory it holds an
 * exclusive flock on for its lifetime; its claims live there and carry the
 * token in their names. A claim in the directory of a process that died
 * (the kernel drops its flock) is adopted by the next process that looks, by
 * renaming it into its own directory: the claim name, and so the message
 * row and the staged retours that hang on it, stay the same.
 */
typedef struct {
    char inbox[4096];
    char outbox[4096];
    char active_root[4096];     /* queue/active: one directory per owner */
    char active[4096];          /* queue/active/<token>: this process's claims */
    char done[4096];
    char quarantine[4096];
    char rejected[4096];
    char outgoing[4096];
    unsigned long seq;
    unsigned long token;        /* names this process's directory and claims */
    int owner_fd;               /* the flocked active/<token>; -1 when not open */
} queue;

/* Create the queue directories under queue_dir (mode 0750). 0 or -1 with err. */
int queue_open(queue *q, const char *inbox, const char *outbox, const char *queue_dir,
               char *err, size_t errsize);

/* Release the owner lock; the owner directory is removed when it is empty. */
void queue_close(queue *q);

/*
 * Adopt the claims of dead owners (and of the flat layout of older
 * versions) into this process's directory. Returns the number adopted; the
 * log line per dead owner is written by the caller from *owners (the count).
 */
long queue_adopt_orphans(queue *q, long *owners);

/* Claims under queue/active (every owner's directory), for status and metrics. */
long queue_count_claims(const char *active_root);

/* Is an inbox name one we may take? Dot files are still being written (documented convention). */
int queue_name_acceptable(const char *name);

/*
 * Claim inbox/name into active/ under a unique claim name. Returns 0 with
 * claim filled, 1 when the file vanished or is not a regular file (skipped;
 * a non-regular entry is quarantined with its reason), -1 on error.
 */
int queue_claim(queue *q, const char *name, char *claim, size_t claimsize, char *err, size_t errsize);

/* The same without the two directory fsyncs; the caller syncs active/ and the inbox once per batch. */
int queue_claim_nosync(queue *q, const char *name, char *claim, size_t claimsize, char *err, size_t errsize);

/* fsync a directory: makes the renames into and out of it durable. 0 or -1. */
int queue_sync_dir(const char *dir);

/*
 * Stage data as outgoing/name for a group commit: written in place (a partial
 * file is never committed: it belongs to an uncommitted claim and is discarded
 * with it), not yet synced. *fd stays open for queue_sync_staged. 0 or -1.
 */
int queue_stage(queue *q, const char *name, const void *data, size_t len, int *fd);

/* fdatasync and close every staged fd (-1 entries skipped), then fsync outgoing/. 0 or -1. */
int queue_sync_staged(queue *q, int *fds, size_t n);

/* Rename without fsync (the caller fsyncs both directories once per batch). 1 when a is missing. */
int queue_rename(const char *fromdir, const char *a, const char *todir, const char *b);

/* Write data durably to dir/name (temp file, fsync, rename, fsync dir). */
int queue_write_file(const char *dir, const char *name, const void *data, size_t len, int mode);

/* Rename from/a to to/b and fsync both directories. Missing source returns 1. */
int queue_move(const char *fromdir, const char *a, const char *todir, const char *b);

/* Staged outgoing file for a claim: outgoing/<claim>@<filename>. */
void queue_outgoing_name(const char *claim, const char *filename, char *out, size_t n);

/* Deliver every staged outgoing file of a claim into the outbox (or rejected/). */
int queue_deliver(queue *q, const char *claim, const char *todir);

/* Remove staged outgoing files of a claim (the transaction did not commit). */
void queue_discard_outgoing(queue *q, const char *claim);

/* Finish a claim: move active/<claim> into dir, with an optional note written first. */
int queue_finish(queue *q, const char *claim, const char *dir, const char *note_suffix,
                 const char *note);

#endif
