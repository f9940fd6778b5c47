/* cmd_ops.c - see cmd_ops.h. */
#include <ctype.h>
#include <dirent.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cmd_ops.h"

int ops_open(ops_ctx *o, const char *cmd, const char *config_path, int want_db)
{
    char err[1024];
    memset(o, 0, sizeof(*o));
    o->cmd = cmd;
    if (config_load(config_path, &o->cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        return 1;
    }
    o->have_cfg = 1;
    if (!want_db)
        return 0;
    o->have_db = 1;
    if (db_open(&o->d, o->cfg.dsn) < 0 || db_check_version(&o->d) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, o->d.err);
        ops_close(o);
        return 1;
    }
    o->d.ring = &o->cfg.ring;           /* storage keys: to read back the stored message bytes */
    return 0;
}

void ops_close(ops_ctx *o)
{
    if (o->have_db)
        db_close(&o->d);
    if (o->have_cfg)
        config_free(&o->cfg);
    o->have_db = o->have_cfg = 0;
}

void ops_mask_bsn(const char *bsn, char *out, size_t n)
{
    size_t len = strlen(bsn);
    if (len < 7)
        snprintf(out, n, "*********");
    else
        snprintf(out, n, "%.5s**%s", bsn, bsn + len - 2);
}

char *ops_mask_text(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    memcpy(out, text, len + 1);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && isdigit((unsigned char)text[j]))
            j++;
        if (j - i == 9)
            out[i + 5] = out[i + 6] = '*';
        i = j > i ? j : i + 1;
    }
    return out;
}

/* Connect to a loopback host:port; -1 when nobody listens. */
static int dial(const char *bind)
{
    char host[64];
    const char *colon = strrchr(bind, ':');
    if (!colon || (size_t)(colon - bind) >= sizeof(host))
        return -1;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - bind), bind);
    if (host[0] == '[') {                  /* [::1] */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Read the whole reply (bounded, 5 s) into buf. */
static size_t read_reply(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    struct pollfd p = {fd, POLLIN, 0};
    while (got + 1 < cap && poll(&p, 1, 5000) > 0) {
        ssize_t k = read(fd, buf + got, cap - 1 - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    buf[got] = '\0';
    return got;
}

int ops_http_get(const char *bind, const char *path, int *status, char *body, size_t n)
{
    int fd = dial(bind);
    if (fd < 0)
        return -1;
    char req[512], reply[4096];
    int len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, bind);
    if (write(fd, req, (size_t)len) != len) {
        close(fd);
        return -1;
    }
    read_reply(fd, reply, sizeof(reply));
    close(fd);
    if (sscanf(reply, "HTTP/%*s %d", status) != 1)
        return -1;
    const char *b = strstr(reply, "\r\n\r\n");
    snprintf(body, n, "%s", b ? b + 4 : "");
    body[strcspn(body, "\r\n")] = '\0';
    return 0;
}

long ops_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || (len > 7 && (!strcmp(e->d_name + len - 7, ".reason") ||
                                                 !strcmp(e->d_name + len - 7, ".report"))))
            continue;
        n++;
    }
    closedir(d);
    return n;
}

int ops_is_date(const char *s)
{
    int y, m, d;
    char tail;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 &&
           d >= 1 && d <= 31;
}
