/*
 * sockrecv.c - test helper: a stand-in for systemd's notify socket and
 * journald's native socket. Binds a unix datagram socket at PATH and appends
 * every datagram to OUT followed by a line "--", until SECONDS have passed
 * or it is sent SIGTERM.
 *
 *   sockrecv PATH OUT SECONDS
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: sockrecv PATH OUT SECONDS\n");
        return 2;
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("sockrecv: bind");
        return 1;
    }
    FILE *out = fopen(argv[2], "a");
    if (!out)
        return 1;
    time_t end = time(NULL) + atoi(argv[3]);
    static char buf[65536];
    while (time(NULL) < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
            continue;
        buf[n] = '\0';
        fprintf(out, "%s%s--\n", buf, n && buf[n - 1] == '\n' ? "" : "\n");
        fflush(out);
    }
    unlink(argv[1]);
    return 0;
}
