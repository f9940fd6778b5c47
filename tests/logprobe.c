/*
 * logprobe.c - test helper for tests/test_ops.sh: sends one structured line
 * per verdict through log_message (journald when log.journal is on, as the
 * daemon does), one log_event, and counts messages with metrics_message; then
 * prints the metrics exposition on stdout.
 *
 *   logprobe journal|stderr
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "metrics.h"

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    log_set_journal(strcmp(argv[1], "journal") == 0 ? LOG_JOURNAL_ON : LOG_JOURNAL_OFF);
    log_fields f = {"t305.xml", "WMO305", "ST2026000305", "rejected", "0001,9056"};
    log_message(LOG_WARNING, &f, "file=%s type=%s bericht=%s verdict=%s codes=%s", f.file, f.type,
                f.bericht_id, f.verdict, f.retourcodes);
    log_event(LOG_NOTICE, "database-down", "database unreachable: probe");
    metrics_message("iwmo", 305, "rejected", "0001,9056", 0.003);
    metrics_message("iwmo", 305, "accepted", NULL, 0.2);
    metrics_message("ijw", 323, "accepted", "", 42);
    metrics_message(NULL, 0, "refused", "doctype-forbidden", 0.001);
    metrics_queue_depth(MQ_QUARANTINE, 7);
    char *text = metrics_render();
    fputs(text ? text : "", stdout);
    free(text);
    return 0;
}
