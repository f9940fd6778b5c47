/*
 * cmd_ops.h - what the operator's commands (status, show, reprocess, purge)
 * share: loading the config and the database, masking BSNs, asking the
 * daemon's /healthz, counting queue files.
 */
#ifndef IWMOD_CMD_OPS_H
#define IWMOD_CMD_OPS_H

#include <stddef.h>
#include "config.h"
#include "db.h"

typedef struct {
    const char *cmd;                    /* for messages: "iwmoctl show" */
    config cfg;
    db d;
    int have_cfg, have_db;
} ops_ctx;

/* Load the config (and connect to the database when want_db). 0, or 1 after
 * printing why to stderr. */
int ops_open(ops_ctx *o, const char *cmd, const char *config_path, int want_db);
void ops_close(ops_ctx *o);

/* A BSN shown as 99999**19: its first five and last two digits. */
void ops_mask_bsn(const char *bsn, char *out, size_t n);

/* Text with every run of exactly nine digits masked the same way (finding
 * texts can quote a BSN). Caller frees. */
char *ops_mask_text(const char *text);

/* GET http://BIND/PATH (loopback host:port as in metrics.bind). Fills the status
 * code and the first line of the body. 0, or -1 when nothing answered. */
int ops_http_get(const char *bind, const char *path, int *status, char *body, size_t n);

/* Files waiting in dir (dot files, .reason and .report notes not counted); -1 when unreadable. */
long ops_count_files(const char *dir);

/* Is s a date YYYY-MM-DD? */
int ops_is_date(const char *s);

#endif
