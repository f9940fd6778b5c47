#!/bin/sh
# test_ops.sh - operating iwmod: READY/STATUS/WATCHDOG/STOPPING on a fake
# systemd notify socket, structured journald entries on a fake journal socket
# (a private mount namespace hides the real /run/systemd), /metrics and
# /healthz with the database up, down and back (a private PostgreSQL cluster
# of this test, stopped and started again), iwmoctl status, show (BSN masked,
# --reveal-bsn audited), reprocess and purge, and no BSN in any log line.
# systemd itself cannot run here (PID 1 is not systemd), so the unit is only
# checked with systemd-analyze when that is installed.
# Usage: test_ops.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3-$$"        # a run of its own: concurrent runs never share it
VALID="$SRC/tests/corpus/valid"
T=$(mktemp -d /tmp/iwmod-ops-XXXXXX)
PORT=$(( 20000 + $$ % 30000 ))           # the metrics endpoint
DAEMON_PID=""; RECV_PID=""
cleanup() {
  [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
  [ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null
  "$SRC/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$T" "$PGDIR"
}
trap cleanup EXIT
pass=0; fail=0
. "$SRC/tests/lib.sh"                    # check, tl_notified_daemon
has() { grep -q -- "$2" "$1"; }
hasnt() { ! grep -q -- "$2" "$1"; }
wait_for() {  # wait_for TENTHS COMMAND...: retry until it succeeds
  n=$1; shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
http() { curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$PORT$1"; }
http_is() { test "$(http "$1")" = "$2"; }

# A private cluster, so that stopping it disturbs no other test.
DSN=$("$SRC/scripts/pg.sh" start "$PGDIR") || { echo "cannot start PostgreSQL"; exit 1; }
sql() { psql "$DSN" -Atqc "$1"; }

E="$T/env"; mkdir -p "$E/inbox"
write_config() {  # write_config GEMEENTEN
  cat >"$E/iwmod.yaml" <<YAML
identities: { gemeenten: [$1], aanbieders: [] }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$DSN" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "test-key" }
log: { level: info, journal: false }
metrics: { bind: "127.0.0.1:$PORT" }
YAML
}
write_config '"0363"'
drop() { name=${2:-$(basename "$1")}; cp "$1" "$E/inbox/.$name" && mv "$E/inbox/.$name" "$E/inbox/$name"; }
count() { find "$1" -maxdepth 1 -type f -name "${2:-*}" 2>/dev/null | wc -l; }
count_is() { test "$(count "$1" "$2")" -eq "$3"; }

# ---- configuration and --help ------------------------------------------------
sed 's/127.0.0.1:/0.0.0.0:/' "$E/iwmod.yaml" >"$T/public.yaml"
"$BIN/iwmod" --config "$T/public.yaml" --check-config 2>"$T/err"
check "non-loopback metrics.bind refused" test $? -ne 0
check "refusal names file:line" has "$T/err" "public.yaml:8: metrics.bind '0.0.0.0:$PORT' must be a loopback"
sed 's/journal: false/journal: sometimes/' "$E/iwmod.yaml" >"$T/journal.yaml"
"$BIN/iwmod" --config "$T/journal.yaml" --check-config 2>"$T/err"
check "bad log.journal refused at file:line" has "$T/err" "journal.yaml:7: 'journal' wants auto, true or false"
check "good config passes" "$BIN/iwmod" --config "$E/iwmod.yaml" --check-config >/dev/null
for c in status show reprocess purge; do
  "$BIN/iwmoctl" $c --help >"$T/help" 2>&1
  check "$c --help exits 0" test $? -eq 0
  check "$c --help shows usage" has "$T/help" "usage: iwmoctl $c"
done
"$BIN/iwmoctl" purge --config "$E/iwmod.yaml" --before 2026-13-45 2>/dev/null
check "purge refuses a bad date" test $? -eq 2
"$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null
check "schema at version 5 or later" test "$(sql "SELECT max(version) FROM iwmod_schema_version")" -ge 5

# ---- the daemon under a fake systemd: notify socket and watchdog --------------
tl_notified_daemon "$T" 2000000 "$E/iwmod.yaml" "$T/log"
check "READY=1 sent" wait_for 50 has "$T/notified" '^READY=1'
check "STATUS with queue depth" has "$T/notified" '^STATUS=processing; queue 0 (inbox 0, active 0)'
drop "$VALID/iwmo/WMO301.xml" t301.xml
check "301 forwarded" wait_for 50 test -f "$E/outbox/t301.xml"
drop "$VALID/iwmo/WMO305.xml" t305.xml
check "305 answered" wait_for 50 count_is "$E/outbox" 'WMO306_*' 1
check "STATUS names the last message" wait_for 30 has "$T/notified" '^STATUS=.*last: t305.xml at '
check "WATCHDOG=1 while healthy" wait_for 30 has "$T/notified" '^WATCHDOG=1'

# ---- /metrics and /healthz ------------------------------------------------------
check "/healthz 200 with the database up" test "$(http /healthz)" = 200
check "/metrics 200" test "$(http /metrics)" = 200
cp "$T/body" "$T/metrics"
for series in 'iwmod_queue_files{dir="inbox"} 0' 'iwmod_queue_files{dir="quarantine"} 0' \
  'iwmod_database_up 1' 'iwmod_processing_seconds_bucket{le="+Inf"}' 'iwmod_deadline_crossings_total 0' \
  'iwmod_database_errors_total 0' 'iwmod_events_dropped_total 0' '# TYPE iwmod_messages_total counter' \
  '# TYPE iwmod_processing_seconds histogram'; do
  check "metrics: $series" has "$T/metrics" "$series"
done
check "unknown path 404" test "$(http /nothing)" = 404

# ---- iwmoctl status -------------------------------------------------------------
"$BIN/iwmoctl" status --config "$E/iwmod.yaml" >"$T/status"
check "status exits 0 when all is well" test $? -eq 0
check "status: daemon up" has "$T/status" '^daemon: *up'
check "status: schema version" has "$T/status" 'reachable, schema version'
check "status: last message" has "$T/status" '^last message: #2 t305.xml (iwmo 305'
check "status: queue depths" has "$T/status" '^queue: *inbox 0, active 0, outgoing 0, quarantine 0, rejected 0'

# ---- the database goes away and comes back --------------------------------------
"$SRC/scripts/pg.sh" stop "$PGDIR"
check "/healthz 503 with the database down" wait_for 50 http_is /healthz 503
http /metrics >/dev/null; cp "$T/body" "$T/metrics-down"
check "metrics: database_up 0" has "$T/metrics-down" 'iwmod_database_up 0'
check "metrics: database errors counted" hasnt "$T/metrics-down" 'iwmod_database_errors_total 0$'
check "STATUS says unreachable" wait_for 30 has "$T/notified" '^STATUS=database unreachable'
sleep 0.6; before=$(grep -c '^WATCHDOG=1' "$T/notified"); sleep 2.5
check "no WATCHDOG=1 while the database is down" test "$(grep -c '^WATCHDOG=1' "$T/notified")" -eq "$before"
"$BIN/iwmoctl" status --config "$E/iwmod.yaml" >"$T/status" 2>&1
check "status exits 1 when unhealthy" test $? -eq 1
check "status: database unreachable" has "$T/status" '^database: *unreachable'
check "status: daemon unhealthy" has "$T/status" '^daemon: *unhealthy (.*503'
"$SRC/scripts/pg.sh" start "$PGDIR" >/dev/null
check "/healthz 200 again" wait_for 100 http_is /healthz 200
http /metrics >/dev/null
check "metrics: reconnect counted" hasnt "$T/body" 'iwmod_database_reconnects_total 0$'
check "log: database down and up" has "$T/log" 'database reachable again'

kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?; DAEMON_PID=""
check "SIGTERM exits 0" test $rc -eq 0
check "STOPPING=1 sent" has "$T/notified" '^STOPPING=1'
kill "$RECV_PID" 2>/dev/null; RECV_PID=""

# ---- iwmoctl show ------------------------------------------------------------------
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" toewijzing 100001 >"$T/show" 2>"$T/show.err"
check "show toewijzing exits 0" test $? -eq 0
check "show: BSN masked" has "$T/show" 'bsn 99999\*\*19'
check "show: no full BSN" hasnt "$T/show" 999990019
check "show: history" has "$T/show" '^  history:'
check "show: the start" has "$T/show" 'start 12345678'
check "show: no audit line without --reveal-bsn" hasnt "$T/show.err" audit
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" --reveal-bsn toewijzing 100001 >"$T/show" 2>"$T/show.err"
check "--reveal-bsn shows the BSN" has "$T/show" 'bsn 999990019'
check "--reveal-bsn is audited" has "$T/show.err" 'audit: iwmoctl show --reveal-bsn toewijzing 100001 by uid'
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" bericht ST2026000305 >"$T/show" 2>&1
check "show bericht" has "$T/show" '^bericht ST2026000305 (message #2)'
check "show bericht: verdict" has "$T/show" 'verdict: *accepted'
check "show bericht: its retour" has "$T/show" 'retour R[0-9]* WMO306_'
check "show bericht: its events" has "$T/show" 'iwmo.305.accepted'
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" bericht NOPE >/dev/null 2>&1
check "show of an unknown bericht exits 1" test $? -eq 1

# ---- iwmoctl reprocess -------------------------------------------------------------
sed 's#Ontvanger>0363<#Ontvanger>0599<#' "$VALID/ijw/JW305.xml" >"$T/notours.xml"
drop "$T/notours.xml"
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$T/log"
check "not-ours quarantined" test "$(count "$E/queue/quarantine" '*-notours.xml')" -eq 1
write_config '"0363", "0599"'
"$BIN/iwmoctl" reprocess --config "$E/iwmod.yaml" --quarantine >"$T/out" 2>&1
check "reprocess --quarantine exits 0" test $? -eq 0
check "back in the inbox under its own name" test -f "$E/inbox/notours.xml"
check "no dot file left" test "$(ls -A "$E/inbox" | grep -c '^\.')" -eq 0
check "quarantine empty, .reason removed" test "$(ls -A "$E/queue/quarantine" | wc -l)" -eq 0
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$T/log"
check "reprocessed message answered" test "$(count "$E/outbox" 'JW306_*')" -eq 1
cp "$SRC/tests/corpus/invalid/xxe.xml" "$T/fixme.xml"
drop "$T/fixme.xml"
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$T/log"
q=$(ls "$E/queue/quarantine" | grep -v reason)
check "xxe quarantined" test -n "$q"
sed -e 's#ST2026000012#ST2026000777#' "$VALID/ijw/JW305.xml" >"$T/fixme.xml"   # the corrected file
"$BIN/iwmoctl" reprocess --config "$E/iwmod.yaml" "$T/fixme.xml" >"$T/out" 2>&1
check "corrected copy put in the inbox" test -f "$E/inbox/fixme.xml"
"$BIN/iwmoctl" reprocess --config "$E/iwmod.yaml" "$T/fixme.xml" >"$T/out" 2>&1
check "never overwrites a file in the inbox" test $? -eq 1
rm -f "$E/inbox/fixme.xml"
"$BIN/iwmoctl" reprocess --config "$E/iwmod.yaml" "$E/queue/quarantine/$q" >"$T/out" 2>&1
check "quarantined file by path" test -f "$E/inbox/fixme.xml"
check "its .reason removed" test ! -f "$E/queue/quarantine/$q.reason"
"$BIN/iwmoctl" reprocess --config "$E/iwmod.yaml" "$T/nonexistent.xml" >"$T/out" 2>&1
check "missing file exits 1" test $? -eq 1

# ---- iwmoctl purge ------------------------------------------------------------------------
msgs=$(sql "SELECT count(*) FROM messages"); toew=$(sql "SELECT count(*) FROM toewijzingen")
"$BIN/iwmoctl" purge --config "$E/iwmod.yaml" --before 2000-01-01 >"$T/out"
check "purge of nothing" has "$T/out" 'purged the raw bytes of 0 message'
"$BIN/iwmoctl" purge --config "$E/iwmod.yaml" --before 2999-01-01 --dry-run >"$T/out"
check "dry run counts" has "$T/out" "would purge the raw bytes of $msgs message"
check "dry run purges nothing" test "$(sql "SELECT count(*) FROM messages WHERE purged_at IS NOT NULL")" -eq 0
"$BIN/iwmoctl" purge --config "$E/iwmod.yaml" --before 2999-01-01 >"$T/out"
check "purge reports" has "$T/out" "purged the raw bytes of $msgs message"
check "raw bytes emptied" test "$(sql "SELECT count(*) FROM messages WHERE length(raw) = 0 AND purged_at IS NOT NULL")" -eq "$msgs"
check "delivered bytes emptied" test "$(sql "SELECT count(*) FROM deliveries WHERE length(content) > 0")" -eq 0
check "state rows kept" test "$(sql "SELECT count(*) FROM messages")/$(sql "SELECT count(*) FROM toewijzingen")" = "$msgs/$toew"
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" bericht ST2026000305 >"$T/show" 2>&1
check "show names the purge" has "$T/show" 'raw bytes purged at'

# ---- journald: a fake journal socket in a private mount namespace -----------------------
if unshare -m true 2>/dev/null && [ -d /run/systemd ]; then
  unshare -m sh -c '
    mount -t tmpfs none /run/systemd && mkdir /run/systemd/journal || exit 1
    "$0/sockrecv" /run/systemd/journal/socket "$1/journal" 30 & r=$!
    i=0; while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
    "$0/logprobe" journal >"$1/probe-metrics" 2>"$1/probe-err"
    "$0/iwmoctl" show --config "$2" --reveal-bsn toewijzing 100001 >/dev/null 2>&1
    sed -i "s/journal: false/journal: auto/" "$2"
    : >"$1/stream"; export JOURNAL_STREAM=$(stat -c "%d:%i" "$1/stream")
    cp "$3/iwmo/WMO305.xml" "$4/.j305.xml"; sed -i "s/ST2026000305/ST2026000306/" "$4/.j305.xml"
    mv "$4/.j305.xml" "$4/j305.xml"
    "$0/iwmod" --config "$2" --once 2>>"$1/stream"
    sleep 0.3; kill $r' "$BIN" "$T" "$E/iwmod.yaml" "$VALID" "$E/inbox"
  J="$T/journal"
  check "journal: structured message line" has "$J" '^MESSAGE=file=t305.xml type=WMO305'
  check "journal: IWMO_FILE" has "$J" '^IWMO_FILE=t305.xml$'
  check "journal: IWMO_TYPE" has "$J" '^IWMO_TYPE=WMO305$'
  check "journal: IWMO_BERICHT_ID" has "$J" '^IWMO_BERICHT_ID=ST2026000305$'
  check "journal: IWMO_VERDICT" has "$J" '^IWMO_VERDICT=rejected$'
  check "journal: IWMO_RETOURCODES" has "$J" '^IWMO_RETOURCODES=0001,9056$'
  check "journal: PRIORITY" has "$J" '^PRIORITY=4$'
  check "journal: MESSAGE_ID of rejected" has "$J" '^MESSAGE_ID=ec103100bebb4287ac010d6194c3bc1a$'
  check "journal: MESSAGE_ID of database-down" has "$J" '^MESSAGE_ID=488d29f0dfee4990bcde725c09130cca$'
  check "journal: audit of --reveal-bsn" has "$J" '^MESSAGE=audit: iwmoctl show --reveal-bsn'
  check "journal: auto mode via JOURNAL_STREAM" has "$J" '^MESSAGE=file=j305.xml'
  check "journal: nothing on stderr in journal mode" hasnt "$T/stream" 'j305.xml'
  check "journal: SYSLOG_IDENTIFIER" has "$J" '^SYSLOG_IDENTIFIER=iwmod$'
  M="$T/probe-metrics"
  check "metrics_message: by standard, type, verdict" has "$M" 'iwmod_messages_total{standard="iwmo",type="305",verdict="rejected"} 1'
  check "metrics_message: unidentified" has "$M" 'iwmod_messages_total{standard="none",type="0",verdict="refused"} 1'
  check "metrics_message: retourcodes" has "$M" 'iwmod_retourcodes_total{code="9056"} 1'
  check "metrics_message: refusal names" has "$M" 'iwmod_retourcodes_total{code="doctype-forbidden"} 1'
  check "metrics_message: histogram" has "$M" 'iwmod_processing_seconds_bucket{le="0.005"} 2'
  check "metrics_message: histogram +Inf" has "$M" 'iwmod_processing_seconds_bucket{le="+Inf"} 4'
  check "metrics_message: 42 s above every bucket" has "$M" 'iwmod_processing_seconds_bucket{le="30"} 3'
else
  echo "skipped: journald fields (no private mount namespace here)"
fi

# ---- the unit ------------------------------------------------------------------------------
check "unit is Type=notify with a watchdog" sh -c "grep -q '^Type=notify' '$SRC/systemd/iwmod.service' && grep -q '^WatchdogSec=' '$SRC/systemd/iwmod.service'"
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze security --offline=yes "$SRC/systemd/iwmod.service" >"$T/sec" 2>&1
  check "systemd-analyze security: OK or better" grep -Eq 'Overall exposure level for iwmod.service: [0-2]\.[0-9] (OK|SAFE)' "$T/sec"
fi

# ---- privacy: no BSN in any log line ----------------------------------------------------------
bsns=$(grep -ho 'Bsn>[0-9]*<' "$VALID"/*/*.xml | tr -dc '0-9\n' | sort -u)
leaks=0
for b in $bsns; do
  for f in "$T/log" "$T/stream" "$T/notified"; do [ -f "$f" ] && grep -q "$b" "$f" && leaks=$((leaks + 1)); done
  [ -f "$T/journal" ] && grep -v '^MESSAGE=audit' "$T/journal" | grep -q "$b" && leaks=$((leaks + 1))
done
check "no BSN in logs, journal or STATUS lines" test $leaks -eq 0
check "one line per message" has "$T/log" 'verdict=accepted'

echo "$pass passed, $fail failed"
test "$fail" -eq 0
