#!/bin/sh
# test_events.sh - events end to end over real ZeroMQ sockets and a real
# PostgreSQL: a subscriber (iwmoctl events) sees every event of a chain
# (301 out, 305/307/323 in, a quarantined file, a duplicate) in seq order
# with the expected topics and no BSN; a kill -9 between COMMIT and the send
# still delivers the event after the restart with the same seq; replay from
# a seq returns exactly the missed events; topic prefixes filter; retention
# deletes old published events; a non-loopback bind without CURVE is refused
# at config load, and with CURVE only a subscriber with the server key hears.
# Usage: test_events.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
T=$(mktemp -d /tmp/iwmod-events-XXXXXX)
PIDS=""
BASE_DSN=$("$SRC/scripts/pg.sh" dsn "$PGDIR")
PSQL_BASE=$(echo "$BASE_DSN" | sed 's/dbname=iwmod/dbname=postgres/')
DB="iwmodevents_$$"
cleanup() {
  for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
  psql "$PSQL_BASE" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT    # KEEP=1: leave $T for a post-mortem
pass=0; fail=0
check() {
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}

psql "$PSQL_BASE" -qc "CREATE DATABASE $DB" || { echo "cannot create database"; echo "0 passed, 1 failed"; exit 1; }
DSN=$(echo "$BASE_DSN" | sed "s/dbname=iwmod/dbname=$DB/")
sql() { psql "$DSN" -Atqc "$1"; }

new_env() {  # new_env NAME [EVENTS-YAML]: fresh directories, config and database schema
  E="$T/$1"; mkdir -p "$E/inbox"
  cat >"$E/iwmod.yaml" <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$DSN" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "test-key" }
events:
  ${2:-bind: "ipc://$E/ev.sock"}
  start_delay_ms: 600
YAML
  sql "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
  "$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null
}
drop() {  # drop FILE [NAME]
  name=${2:-$(basename "$1")}
  cp "$1" "$E/inbox/.$name" && mv "$E/inbox/.$name" "$E/inbox/$name"
}
count() { find "$1" -maxdepth 1 -type f -name "${2:-*}" 2>/dev/null | wc -l; }
wait_until() {  # wait_until TENTHS CMD...: poll CMD every 0.1 s
  n=$1; shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
has_count() { [ "$(count "$1" "$2")" -eq "$3" ]; }   # evaluated on every poll
gone() { ! kill -0 "$1" 2>/dev/null; }
start_daemon() {
  "$BIN/iwmod" --config "$E/iwmod.yaml" 2>>"$E/log" &
  DAEMON=$!; PIDS="$PIDS $DAEMON"
}
stop_daemon() {
  kill -TERM "$DAEMON" 2>/dev/null; wait "$DAEMON"; DRC=$?
}
subscribe() {  # subscribe OUT ARGS...: iwmoctl events in the background; pid in SUB
  out="$1"; shift
  "$BIN/iwmoctl" events --config "$E/iwmod.yaml" "$@" >"$out" 2>>"$E/sub.err" &
  SUB=$!; PIDS="$PIDS $SUB"
}
finish_sub() {  # finish_sub PID: wait up to 20 s for it to exit by itself, else kill it
  wait_until 200 gone "$1" || kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
topics() { sed 's/.*"topic":"\([^"]*\)".*/\1/' "$1"; }
seqs() { sed 's/.*"seq":\([0-9]*\).*/\1/' "$1"; }
increasing() {  # every line of the file greater than the one before
  awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' "$1"
}
matches_in_order() {  # matches_in_order FILE REGEX...: line i matches regex i, same count
  f="$1"; shift
  [ "$(wc -l <"$f")" -eq $# ] || return 1
  i=1
  for re in "$@"; do
    sed -n "${i}p" "$f" | grep -Eqx "$re" || { echo "line $i: $(sed -n "${i}p" "$f") !~ $re"; return 1; }
    i=$((i + 1))
  done
}

# ---- configuration: where events may be bound --------------------------------
new_env cfg
conf() {  # conf BIND-LINE [MORE-LINES]: a config whose events section is given
  printf 'identities: { gemeenten: ["0363"] }\nexchange: { inbox: /x, outbox: /y }\nqueue: /q\ndatabase: { dsn: "x" }\nevents:\n  %s\n%b' "$1" "${2:-}" >"$E/c.yaml"
  "$BIN/iwmod" --config "$E/c.yaml" --check-config >/dev/null 2>"$E/err"
}
conf 'bind: "tcp://0.0.0.0:5601"'
check "0.0.0.0 without CURVE refused" test $? -ne 0
check "refusal names file:line" grep -q "c.yaml:6: events.bind 'tcp://0.0.0.0:5601' is not loopback" "$E/err"
conf 'bind: "tcp://192.0.2.7:5601"'
check "public address without CURVE refused" test $? -ne 0
conf 'bind: "tcp://eth0:5601"'
check "interface name without CURVE refused" test $? -ne 0
conf 'bind: "udp://127.0.0.1:5601"'
check "other transports refused" test $? -ne 0
for ok in 'tcp://127.0.0.1:5601' 'tcp://[::1]:5601' 'tcp://localhost:5601' "ipc://$E/x.sock"; do
  conf "bind: \"$ok\""
  check "$ok accepted" test $? -eq 0
done
conf 'bind: "ipc:///tmp/x"' '  retention: 3\n'
check "unknown events key refused" grep -q "c.yaml:7: unknown key 'retention'" "$E/err"
conf 'retention_days: 0'
check "retention_days 0 refused" grep -q "c.yaml:6: 'retention_days' wants a positive whole number" "$E/err"

"$BIN/iwmoctl" events --keygen "$E/server" >/dev/null
check "keygen writes a pair" test -s "$E/server.key" -a -s "$E/server.pub"
check "secret key is 0600" test "$(stat -c %a "$E/server.key")" = 600
"$BIN/iwmoctl" events --keygen "$E/other" >/dev/null
curve="  curve_secret_key_file: $E/server.key\n  curve_public_key_file: $E/server.pub\n"
conf 'bind: "tcp://0.0.0.0:5601"' "$curve"
check "0.0.0.0 with CURVE accepted" test $? -eq 0
conf 'bind: "tcp://0.0.0.0:5601"' "  curve_secret_key_file: $E/server.key\n"
check "CURVE wants both key files" grep -q "wants both curve_secret_key_file and curve_public_key_file" "$E/err"
conf 'bind: "tcp://0.0.0.0:5601"' "  curve_secret_key_file: $E/server.key\n  curve_public_key_file: $E/other.pub\n"
check "mismatched public key refused" grep -q "c.yaml:8: curve_public_key_file does not belong" "$E/err"
chmod 644 "$E/server.key"
conf 'bind: "tcp://0.0.0.0:5601"' "$curve"
check "world-readable secret key refused" grep -q "c.yaml:7: curve_secret_key_file may be read by others" "$E/err"
chmod 600 "$E/server.key"
echo "not a key" >"$E/bad.pub"
conf 'bind: "tcp://0.0.0.0:5601"' "  curve_secret_key_file: $E/server.key\n  curve_public_key_file: $E/bad.pub\n"
check "malformed key refused" grep -q "c.yaml:8: curve_public_key_file does not hold a 40-character Z85" "$E/err"
"$BIN/iwmoctl" events 2>/dev/null
check "events without --config is a usage error" test $? -eq 2

# ---- the chain, live -----------------------------------------------------------
new_env chain
subscribe "$E/live" --count 16                  # everything
ALL=$SUB
subscribe "$E/early" --count 5                  # leaves early: misses the rest
EARLY=$SUB
subscribe "$E/msgs" --topic message. --count 2  # prefix subscription
MSGS=$SUB
start_daemon
sleep 1
drop "$VALID/iwmo/WMO301.xml" t301.xml
wait_until 100 test -f "$E/outbox/t301.xml"
drop "$VALID/iwmo/WMO305.xml"; drop "$VALID/iwmo/WMO307.xml"; drop "$VALID/iwmo/WMO323.xml"
drop "$SRC/tests/corpus/invalid/xxe.xml"
wait_until 150 has_count "$E/outbox" 'WMO3*_*' 3
wait_until 50 has_count "$E/queue/quarantine" '*-xxe.xml' 1
drop "$VALID/iwmo/WMO305.xml" again305.xml
finish_sub "$ALL"; finish_sub "$EARLY"; finish_sub "$MSGS"
stop_daemon
check "daemon stops cleanly" test "$DRC" -eq 0
A='(accepted|rejected)'; P='iwmo\.323\.prestatie\.(approved|rejected)'
topics "$E/live" >"$E/topics"
check "every event of the chain, in order, with its topic" matches_in_order "$E/topics" \
  'iwmo\.301\.sent' 'iwmo\.305\.received' "iwmo\.305\.$A" 'iwmo\.307\.received' "iwmo\.307\.$A" \
  'iwmo\.323\.received' "iwmo\.323\.$A" "$P" "$P" "$P" "$P" "$P" "$P" \
  'message\.quarantined' 'iwmo\.305\.received' 'message\.duplicate'
seqs "$E/live" >"$E/seqs"
check "seq strictly increasing" increasing "$E/seqs"
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" --since 0 >"$E/replay"
check "replay --since 0 is byte-identical to the live stream" cmp -s "$E/live" "$E/replay"
check "body seq equals the table's seq" test "$(sql "SELECT count(*) FROM events WHERE (body->>'seq')::bigint <> seq OR (body->>'event_id')::uuid <> event_id OR body->>'topic' <> topic")" -eq 0
check "all published" test "$(sql "SELECT count(*) FROM events WHERE published_at IS NULL")" -eq 0
check "prefix subscriber got only message.*" matches_in_order "$E/msgs" '.*"topic":"message\.quarantined".*' '.*"topic":"message\.duplicate".*'
S=$(tail -n 1 "$E/early" | sed 's/.*"seq":\([0-9]*\).*/\1/')
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" --since "$S" >"$E/missed"
tail -n +6 "$E/live" >"$E/expected-missed"
check "early subscriber saw 5" test "$(wc -l <"$E/early")" -eq 5
check "replay from its last seq returns exactly the missed events" cmp -s "$E/missed" "$E/expected-missed"
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" --since 0 --topic iwmo.323.prestatie >"$E/prest"
check "replay --topic filters by prefix" test "$(wc -l <"$E/prest")" -eq 6
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" --since 0 --count 3 >"$E/three"
check "replay --count limits" test "$(wc -l <"$E/three")" -eq 3
check "credit prestatie in negative cents" grep -q '"amount_cents":-37800,.*"product_referentie":"P2026000102"' "$E/prest"
check "prestatie carries toewijzing_nummer and client" grep -q '"client":"[0-9a-f]\{32\}".*"toewijzing_nummer":"100001"' "$E/prest"
check "323 total in cents" grep -q '"topic":"iwmo.323.received".*' "$E/live"
grep '"topic":"iwmo.323.received"' "$E/live" | grep -q '"amount_cents":183105' 
check "323 total amount_cents 183105" test $? -eq 0
R=$(grep '"topic":"iwmo.305.accepted"' "$E/live" | sed 's/.*"retour_file":"\([^"]*\)".*/\1/')
check "305 accepted names its retour file, which was sent" test -n "$R" -a -f "$E/outbox/$R"
C=$(grep '"topic":"iwmo.305.accepted"' "$E/live" | sed 's/.*"client":"\([^"]*\)".*/\1/')
check "client is the keyed pseudonym of clients.pseudonym" test "$(sql "SELECT count(*) FROM clients WHERE pseudonym = '$C'")" -eq 1
check "quarantine event names its reason" grep -q '"reasons":\["doctype-forbidden"\]' "$E/msgs"

# ---- privacy: no BSN anywhere in an event ---------------------------------------
sql "SELECT body::text FROM events" >"$E/table"
bsns=$(grep -ho 'Bsn>[0-9]*<' "$VALID"/*/*.xml | tr -dc '0-9\n' | sort -u)
leaks=0
for b in $bsns; do grep -q "$b" "$E/live" "$E/replay" "$E/table" "$E/msgs" && leaks=$((leaks + 1)); done
check "corpus has BSNs to look for" test -n "$bsns"
check "no BSN in any event" test $leaks -eq 0
check "no birth date or name field" sh -c "! grep -Eiq 'geboorte|naam|bsn' '$E/table'"

# ---- kill -9 between COMMIT and the send -----------------------------------------
new_env crash
drop "$VALID/iwmo/WMO305.xml"
IWMOD_CRASH_AT=before-publish "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "killed before publishing" test $? -eq 137
check "message committed" test "$(sql "SELECT count(*) FROM messages")" -eq 1
PENDING=$(sql "SELECT string_agg(seq::text, ' ' ORDER BY seq) FROM events WHERE published_at IS NULL")
check "its two events are pending" test "$(echo $PENDING | wc -w)" -eq 2
subscribe "$E/live" --count 2
start_daemon
finish_sub "$SUB"
check "they arrive after the restart" test "$(wc -l <"$E/live")" -eq 2
check "with the same seq" test "$(seqs "$E/live" | tr '\n' ' ' | sed 's/ $//')" = "$PENDING"
check "and now marked published" test "$(sql "SELECT count(*) FROM events WHERE published_at IS NULL")" -eq 0
check "no event twice in the table" test "$(sql "SELECT count(*) FROM events")" -eq 2
stop_daemon

# ---- retention ---------------------------------------------------------------------
sql "UPDATE events SET created_at = now() - interval '40 days' WHERE seq = (SELECT min(seq) FROM events)"
sql "INSERT INTO events (event_id, topic, body, created_at) VALUES (gen_random_uuid(), 'test.old', '{}', now() - interval '40 days')"
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "old published event deleted at start" test "$(sql "SELECT count(*) FROM events")" -eq 2
check "old unpublished event kept (and now published)" test "$(sql "SELECT count(*) FROM events WHERE topic = 'test.old' AND published_at IS NOT NULL")" -eq 1

# ---- a 323 rejected as a whole: every prestatie rejected, with the message's code ------
new_env declaratie
sed 's#<b:TotaalBedrag>183105<#<b:TotaalBedrag>183106<#' "$VALID/iwmo/WMO323.xml" >"$T/bad323.xml"
drop "$T/bad323.xml"
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" --since 0 >"$E/replay"
topics "$E/replay" >"$E/topics"
R='iwmo\.323\.prestatie\.rejected'
check "rejected 323: received, rejected, six rejected prestaties" matches_in_order "$E/topics" \
  'iwmo\.323\.received' 'iwmo\.323\.rejected' "$R" "$R" "$R" "$R" "$R" "$R"
check "each carries 0001" test "$(grep -c '"topic":"iwmo.323.prestatie.rejected".*' "$E/replay")" -eq \
  "$(grep '"topic":"iwmo.323.prestatie.rejected"' "$E/replay" | grep -c '"retourcodes":\["0001"\]')"
grep '"topic":"iwmo.323.rejected"' "$E/replay" >"$E/rejected"
check "rejection event carries 0001" grep -q '"retourcodes":\["0001"\]' "$E/rejected"

# ---- CURVE: only a subscriber holding the server's public key hears --------------------
"$BIN/iwmoctl" events --keygen "$T/srv" >/dev/null
new_env curve "bind: \"ipc://$T/curve.sock\"
  curve_secret_key_file: $T/srv.key
  curve_public_key_file: $T/srv.pub"
sed '/curve_/d' "$E/iwmod.yaml" >"$E/plain.yaml"
"$BIN/iwmoctl" events --keygen "$T/other" >/dev/null
sed "s#$T/srv.key#$T/other.key#; s#$T/srv.pub#$T/other.pub#" "$E/iwmod.yaml" >"$E/wrong.yaml"
subscribe "$E/live" --count 2
SECURE=$SUB
"$BIN/iwmoctl" events --config "$E/plain.yaml" --count 1 >"$E/plain" 2>>"$E/sub.err" &
PLAIN=$!; PIDS="$PIDS $PLAIN"
"$BIN/iwmoctl" events --config "$E/wrong.yaml" --count 1 >"$E/wrong" 2>>"$E/sub.err" &
WRONG=$!; PIDS="$PIDS $WRONG"
start_daemon
sleep 1
drop "$VALID/iwmo/WMO305.xml"
finish_sub "$SECURE"
sleep 0.5
kill -0 "$WRONG" 2>/dev/null; wrong_alive=$?
kill -TERM "$PLAIN" "$WRONG" 2>/dev/null; wait "$PLAIN" "$WRONG" 2>/dev/null
stop_daemon
check "CURVE subscriber receives" test "$(wc -l <"$E/live")" -eq 2
check "plain subscriber hears nothing" test ! -s "$E/plain"
check "subscriber with a wrong server key hears nothing" test ! -s "$E/wrong"
check "... while it was connected and waiting" test "$wrong_alive" -eq 0
check "startup says CURVE" grep -q "publishing on ipc://$T/curve.sock with CURVE" "$E/log"

check "no sanitizer report" sh -c "! grep -rq 'Sanitizer' '$T'/*/log '$T'/*/sub.err 2>/dev/null"
echo "$pass passed, $fail failed"
test "$fail" -eq 0
