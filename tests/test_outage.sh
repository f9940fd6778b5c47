#!/bin/sh
# test_outage.sh - the database goes away under the running daemon and comes
# back; nothing is lost, nothing is quarantined for it, and the result equals
# an oracle run that never saw a fault.
#
# On a private PostgreSQL cluster (stopping the shared test cluster would break
# the tests running beside this one), with the daemon connected as a role that
# is not a superuser:
#   1. outage: a stream of generated chain messages; PostgreSQL is stopped in
#      the middle of it (pg_ctl stop -m fast) and files keep arriving for
#      OUTAGE_SECONDS (default 60). Meanwhile /healthz answers 503, systemd
#      hears STATUS=database unreachable, the daemon lives, every file waits in
#      the inbox or queue/active, nothing goes to quarantine or rejected, and
#      the log says "database unreachable" once, not once per retry. Then
#      PostgreSQL starts again and the backlog drains (back-off at most 30 s).
#   2. primary restart: a batch is dropped and PostgreSQL is restarted at once.
#   3. write refusal, twice: the database made read-only (SQLSTATE 25006) and
#      INSERT on messages revoked from the daemon's role (42501). Files stay
#      queued, no retour goes out, the log names the SQLSTATE, /healthz says
#      503; after the fault is lifted they drain.
# Finally every file is compared with `iwmod --once` on the same files in a
# second database (tl_compare: same rows, each retour exactly once).
#
# Usage: test_outage.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
# Environment: OUTAGE_SECONDS (default 60), KEEP=1 keeps the work directory.
set -u
BIN="$1"; SRC="$2"; PGDIR="$3-$$"       # a cluster of this run only
OUTAGE=${OUTAGE_SECONDS:-60}
T=$(mktemp -d /tmp/iwmod-outage-XXXXXX)
chmod 755 "$T"
PORT=$(( 20000 + ($$ + 7919) % 30000 ))   # the metrics endpoint: the first port nobody answers on
while curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/"; do PORT=$((PORT + 1)); done
DAEMON_PID=""; RECV_PID=""
. "$SRC/tests/lib.sh"
pass=0; fail=0
cleanup() {
  [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
  [ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null
  "$SRC/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T" "$PGDIR"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

wait_for() {  # wait_for SECONDS COMMAND...: retry every 0.2 s until it succeeds
  n=$(($1 * 5)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.2; n=$((n - 1)); done
  return 1
}
http() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1"; }
healthz_is() { test "$(http /healthz)" = "$1"; }
files() { find "$1" -type f ! -name '.*' 2>/dev/null | wc -l; }
pending() { echo $(($(files "$E/inbox") + $(files "$E/queue/active"))); }
drained() { test "$(pending)" -eq 0; }
alive() { kill -0 "$DAEMON_PID" 2>/dev/null; }
pg() { "$SRC/scripts/pg.sh" "$@" >/dev/null; }
su_sql() { psql "$PSQL_BASE" -Atqc "$1"; }          # from another database: read-only never stops it
run_sql() { psql "$BASE_DSN_RUN" -Atqc "$1"; }
# Close the daemon's connections, so that it reconnects under the new settings.
kick() { su_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'iwmod_app'" >/dev/null; }
lines() { grep -c -- "$1" "$E/log"; }
refusals() { grep -c '^STATUS=database refuses writes' "$T/notified"; }
status_refusals_above() { test "$(refusals)" -gt "$1"; }

BASE_DSN=$("$SRC/scripts/pg.sh" start "$PGDIR") || { echo "cannot start PostgreSQL"; exit 1; }
PSQL_BASE=$(echo "$BASE_DSN" | sed 's/dbname=iwmod/dbname=postgres/')
MT=$(($(date +%s) - 86400))
for b in 0 1 2 3 4; do tl_gen "$b" "$T/gen/0$b"; done
NFILES=$(find "$T/gen" -type f | wc -l)

# ---- the run under faults: the daemon connects as a role without superuser rights
tl_db_env run iwmodrun "log: { level: info, journal: false }
metrics: { bind: \"127.0.0.1:$PORT\" }"
BASE_DSN_RUN=$(cat "$E/dsn")
psql "$BASE_DSN_RUN" -qc "CREATE ROLE iwmod_app LOGIN; GRANT ALL ON ALL TABLES IN SCHEMA public TO iwmod_app;
  GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO iwmod_app" || { echo "cannot create the role"; exit 1; }
sed -i "s/user=postgres/user=iwmod_app/" "$E/iwmod.yaml"
tl_notified_daemon "$T" 120000000 "$E/iwmod.yaml" "$E/log"
check "READY=1 sent" wait_for 10 grep -q '^READY=1' "$T/notified"
check "/healthz 200 at the start" wait_for 10 healthz_is 200

# ---- 1. outage in the middle of a stream -----------------------------------------
tl_drop_batch "$T/gen/00" "$E"
check "batch 0 processed" wait_for 60 drained
set -- "$T"/gen/01/*
half=$(($# / 2)); i=0
for f in "$@"; do                          # the first half of batch 1, then the stop at once
  [ $i -ge $half ] && break
  n=$(basename "$f" | cut -d- -f2-); cp -p "$f" "$E/inbox/.$n" && mv "$E/inbox/.$n" "$E/inbox/$n"
  i=$((i + 1)); shift
done
pg stop "$PGDIR"
t_stop=$(date +%s)
down_errors0=$(grep -c '<3>' "$E/log")
quarantined0=$(files "$E/queue/quarantine"); rejected0=$(files "$E/queue/rejected")
outbox0=$(files "$E/outbox")
# The rest of batch 1 and all of batch 2 trickle in over the outage.
set -- "$@" "$T"/gen/02/*
gap=$(awk -v s="$OUTAGE" -v n=$# 'BEGIN { printf "%.2f", n ? (s - 2) / n : 0 }')
for f in "$@"; do
  n=$(basename "$f" | cut -d- -f2-); cp -p "$f" "$E/inbox/.$n" && mv "$E/inbox/.$n" "$E/inbox/$n"
  sleep "$gap"
done
while [ $(($(date +%s) - t_stop)) -lt "$OUTAGE" ]; do sleep 0.5; done
check "outage: /healthz not ready" test "$(http /healthz)" != 200
check "outage: the daemon is alive" alive
check "outage: systemd told the database is unreachable" grep -q '^STATUS=database unreachable' "$T/notified"
check "outage: nothing quarantined for it" test "$(files "$E/queue/quarantine")" -eq "$quarantined0"
check "outage: nothing rejected for it" test "$(files "$E/queue/rejected")" -eq "$rejected0"
check "outage: no retour while down" test "$(files "$E/outbox")" -eq "$outbox0"
dropped=$(( $(ls "$T"/gen/01 | wc -l) - half + $(ls "$T"/gen/02 | wc -l) ))
check "outage: every file still waits in the inbox or queue/active" test "$(pending)" -ge "$dropped"
check "outage: 'database unreachable' logged once" test "$(lines 'database unreachable')" -eq 1
down_errors=$(( $(grep -c '<3>' "$E/log") - down_errors0 ))
echo "error lines during the ${OUTAGE} s outage: $down_errors"
check "outage: no error line per retry (at most 5)" test "$down_errors" -le 5

pg start "$PGDIR"
t_up=$(date +%s)
check "after the outage: /healthz 200 within the back-off (30 s, +15 s slack)" wait_for 45 healthz_is 200
check "after the outage: the backlog drains" wait_for 90 drained
echo "reconnected and drained $(($(date +%s) - t_up)) s after the restart"
check "after the outage: 'database reachable again' logged" test "$(lines 'database reachable again')" -ge 1

# ---- 2. a primary restart in the middle of a batch -------------------------------
tl_drop_batch "$T/gen/03" "$E"
pg stop "$PGDIR"; pg start "$PGDIR"
check "primary restart: the batch drains" wait_for 60 drained
check "primary restart: the daemon is alive" alive

# ---- 3. write refusal: read-only, then a revoked privilege ------------------------
refused() {  # refused LABEL SQLSTATE: files of batch DIR stay queued under the fault
  check "$1: files stay queued" wait_for 10 test "$(pending)" -gt 0
  sleep 3
  check "$1: still queued after 3 s" test "$(pending)" -gt 0
  check "$1: the log names SQLSTATE $2" grep -q "SQLSTATE $2" "$E/log"
  check "$1: /healthz not ready" wait_for 10 healthz_is 503
  check "$1: systemd told the database refuses writes" wait_for 5 status_refusals_above "$refusals0"
  check "$1: nothing quarantined" test "$(files "$E/queue/quarantine")" -eq "$quarantined0"
  check "$1: no retour" test "$(files "$E/outbox")" -eq "$outbox1"
  check "$1: the daemon is alive" alive
}
set -- "$T"/gen/04/*
third=$(($# / 3))
mkdir -p "$T/part1" "$T/part2" "$T/part3"
i=0; for f in "$@"; do i=$((i + 1)); cp -p "$f" "$T/part$(( i <= third ? 1 : i <= 2 * third ? 2 : 3 ))/"; done
outbox1=$(files "$E/outbox")
quarantined0=$(files "$E/queue/quarantine")
refusals0=$(refusals)
su_sql "ALTER DATABASE iwmodrun SET default_transaction_read_only = on"; kick
tl_drop_batch "$T/part1" "$E"
refused "read-only" 25006
su_sql "ALTER DATABASE iwmodrun RESET default_transaction_read_only"; kick
check "read-only lifted: drains" wait_for 60 drained
check "read-only lifted: /healthz 200" wait_for 10 healthz_is 200

outbox1=$(files "$E/outbox")
refusals0=$(refusals)
run_sql "REVOKE INSERT ON messages FROM iwmod_app"
tl_drop_batch "$T/part2" "$E"
refused "revoked INSERT" 42501
run_sql "GRANT INSERT ON messages TO iwmod_app"
check "privilege back: drains" wait_for 60 drained
tl_drop_batch "$T/part3" "$E"
check "the last files drain" wait_for 60 drained
check "no sanitizer report" test "$(grep -c 'Sanitizer' "$E/log")" -eq 0

kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?; DAEMON_PID=""
check "SIGTERM exits 0" test $rc -eq 0
RUN=$E

# ---- the oracle and the comparison ---------------------------------------------
tl_db_env oracle iwmodoracle
for d in "$T"/gen/*; do tl_drop_batch "$d" "$E"; done
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "oracle run exits 0" test $? -eq 0
tl_compare "$RUN" "$E" "$NFILES"
check "queue/active and outgoing empty" test "$(files "$RUN/queue/active")$(files "$RUN/queue/outgoing")" = 00
check "one message row per file" test "$(psql "$BASE_DSN_RUN" -Atc 'SELECT count(*) FROM messages')" -eq "$NFILES"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
