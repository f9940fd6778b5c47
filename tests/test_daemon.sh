#!/bin/sh
# test_daemon.sh - iwmod end to end against a real PostgreSQL: migrations,
# inbound 305/307/323 answered with their retours, outbound 301 forwarded,
# refusals quarantined with a reason, our own invalid message rejected,
# TR056 duplicates, kill -9 at each crash point finishing every message
# exactly once, the running daemon picking up files via inotify and
# stopping on SIGTERM, and no BSN in any log line.
# Usage: test_daemon.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
T=$(mktemp -d /tmp/iwmod-daemon-XXXXXX)
DAEMON_PID=""
cleanup() {
  [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
pass=0; fail=0
check() {
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}

BASE_DSN=$("$SRC/scripts/pg.sh" dsn "$PGDIR")
PSQL_BASE=$(echo "$BASE_DSN" | sed 's/dbname=iwmod/dbname=postgres/')
DB="iwmodtest_$$"
psql "$PSQL_BASE" -qc "CREATE DATABASE $DB" || { echo "cannot create database"; exit 1; }
DSN=$(echo "$BASE_DSN" | sed "s/dbname=iwmod/dbname=$DB/")
sql() { psql "$DSN" -Atqc "$1"; }

new_env() {  # new_env NAME: fresh directories, config and database schema
  E="$T/$1"; mkdir -p "$E/inbox"
  cat >"$E/iwmod.yaml" <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$DSN" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "test-key" }
YAML
  sql "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
  "$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null
}
drop() {  # drop FILE [NAME]: write like a well-behaved writer (dot name, then rename)
  name=${2:-$(basename "$1")}
  cp "$1" "$E/inbox/.$name" && mv "$E/inbox/.$name" "$E/inbox/$name"
}
once() {
  "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
  rc=$?
  [ $rc -eq 0 ] || echo "$E: iwmod --once exited $rc" >>"$T/exit-codes"
}
count() { find "$1" -maxdepth 1 -type f -name "${2:-*}" 2>/dev/null | wc -l; }
claims() { find "$E/queue/active" -type f 2>/dev/null | wc -l; }  # every owner's directory

# ---- configuration ------------------------------------------------------
new_env cfg
printf 'identities: { gemeenten: ["0363"] }\nexchange: { inbox: /x, outbox: /y }\nqueue: /q\ndatabase: { dsn: "x" }\nfrobnicate: 1\n' >"$E/bad.yaml"
"$BIN/iwmod" --config "$E/bad.yaml" --check-config 2>"$E/err"
check "unknown key refused" test $? -ne 0
check "error names file:line" grep -q "bad.yaml:5: unknown key 'frobnicate'" "$E/err"
check "good config passes --check-config" "$BIN/iwmod" --config "$E/iwmod.yaml" --check-config
"$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >"$E/out"
check "migrate is idempotent" grep -q 'schema at version [1-9]' "$E/out"
sql "INSERT INTO iwmod_schema_version VALUES (999, 'future')"
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>"$E/err"
check "newer schema refused" grep -q 'newer than this iwmod' "$E/err"

# ---- the chain: 301 out, 305/307/323 in, refusals -------------------------
new_env chain
drop "$VALID/iwmo/WMO301.xml" t301.xml
once
check "301 forwarded to the outbox" test -f "$E/outbox/t301.xml"
check "301 byte-identical" cmp -s "$VALID/iwmo/WMO301.xml" "$E/outbox/t301.xml"
check "toewijzingen recorded" test "$(sql "SELECT count(*) FROM toewijzingen")" -ge 1
check "toewijzing history" test "$(sql "SELECT count(*) FROM toewijzing_history")" -ge 1
# The aanbieder's 302 answers our 301: it repeats our header (Afzender 0363), so it is inbound
"$BIN/iwmoctl" retour --today 2026-11-24 --id RET302 "$VALID/iwmo/WMO301.xml" >"$T/answer302.xml" 2>/dev/null
drop "$T/answer302.xml"
once
check "302 recorded as inbound" test "$(sql "SELECT direction || ' ' || verdict FROM messages WHERE original_name = 'answer302.xml'")" = "in recorded"
check "302 not forwarded" test ! -f "$E/outbox/answer302.xml"
check "302 accepts our toewijzingen" test "$(sql "SELECT count(*) FROM toewijzingen WHERE retour_status = 'accepted'")" -ge 1
check "no toewijzing left awaiting" test "$(sql "SELECT count(*) FROM toewijzingen WHERE retour_status = 'awaiting'")" -eq 0
drop "$VALID/iwmo/WMO305.xml"; drop "$VALID/iwmo/WMO307.xml"; drop "$VALID/iwmo/WMO323.xml"
drop "$SRC/tests/corpus/invalid/xxe.xml"
sed 's#Ontvanger>0363<#Ontvanger>0599<#' "$VALID/ijw/JW305.xml" >"$T/notours.xml"
drop "$T/notours.xml"
once
check "306 in outbox" test "$(count "$E/outbox" 'WMO306_*')" -eq 1
check "308 in outbox" test "$(count "$E/outbox" 'WMO308_*')" -eq 1
check "325 in outbox" test "$(count "$E/outbox" 'WMO325_*')" -eq 1
"$BIN/iwmoctl" validate "$E"/outbox/WMO3*_*.xml >"$E/out" 2>&1
check "every retour validates" test $? -eq 0
check "start recorded" test "$(sql "SELECT count(*) FROM starts")" -ge 1
check "stop recorded" test "$(sql "SELECT count(*) FROM stops")" -ge 1
check "xxe quarantined" test "$(count "$E/queue/quarantine" '*-xxe.xml')" -eq 1
check "xxe reason written" grep -q doctype-forbidden "$E"/queue/quarantine/*-xxe.xml.reason
check "not-ours quarantined" grep -q 'neither of which is one of our identities' "$E"/queue/quarantine/*-notours.xml.reason
check "inbox empty" test "$(count "$E/inbox")" -eq 0
check "active empty" test "$(claims)" -eq 0
check "outgoing empty" test "$(count "$E/queue/outgoing")" -eq 0
check "every message stored" test "$(sql "SELECT count(*) FROM messages")" -eq 7
check "raw stored compressed with sha256" test "$(sql "SELECT count(*) FROM messages WHERE length(sha256) = 32 AND length(raw) > 0")" -eq 7

# Hostile entries: a symlink, a FIFO, a directory and oversized files (30 MB written, 100 MB
# sparse) are quarantined with a reason, never read; a file of another owner that we can read is a
# message like any other (the inbox's permissions decide who may deliver, not the owner).
ln -s /etc/passwd "$E/inbox/link.xml"
mkfifo "$E/inbox/pipe.xml"
mkdir "$E/inbox/dir.xml"; echo '<a/>' >"$E/inbox/dir.xml/inside.xml"
head -c 30000000 /dev/zero | tr '\0' 'a' >"$E/inbox/huge.xml"
truncate -s 100M "$E/inbox/huge100.xml"
if [ "$(id -u)" -eq 0 ]; then
  sed 's#Identificatie>SP2026000307<#Identificatie>SP2026077701<#' "$VALID/iwmo/WMO307.xml" >"$E/inbox/.other.xml"
  chown nobody "$E/inbox/.other.xml" && chmod 0600 "$E/inbox/.other.xml" && mv "$E/inbox/.other.xml" "$E/inbox/other.xml"
fi
t0=$(date +%s)
/usr/bin/time -f '%M' -o "$T/maxrss" timeout 60 "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "hostile files handled in bounded time" test $? -eq 0 -a $(($(date +%s) - t0)) -lt 30
check "symlink quarantined" grep -q 'not a regular file' "$E"/queue/quarantine/*-link.xml.reason
check "fifo quarantined" grep -q 'not a regular file' "$E"/queue/quarantine/*-pipe.xml.reason
check "directory quarantined" grep -q 'not a regular file' "$E"/queue/quarantine/*-dir.xml.reason
check "oversized quarantined (OP179)" grep -q 'too-large: OP179' "$E"/queue/quarantine/*-huge.xml.reason
check "100 MB quarantined (OP179), its size named" grep -q 'too-large: OP179 file of 104857600 bytes' "$E"/queue/quarantine/*-huge100.xml.reason
check "oversized files recorded as refused" test "$(sql "SELECT count(*) FROM messages WHERE original_name LIKE 'huge%' AND verdict = 'refused'")" -eq 2
ldd "$BIN/iwmod" | grep -q libasan || check "memory stays below the 30 MB file's size (max RSS $(cat "$T/maxrss") KB)" test "$(cat "$T/maxrss")" -lt 30000
if [ "$(id -u)" -eq 0 ]; then
  check "another owner's readable file is judged like any other" \
    test "$(sql "SELECT direction || ' ' || verdict FROM messages WHERE original_name = 'other.xml'")" != "" -a \
      "$(count "$E/queue/quarantine" '*-other.xml')" -eq 0
fi
check "nothing left in active" test "$(ls -A "$E/queue/active" | wc -l)" -eq 0

# A file iwmod may not read (here: iwmod runs as nobody, the file is root's with mode 0600) is
# quarantined with the reason, owner and mode, not retried for ever; the daemon carries on.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
  U="$T/asnobody"; mkdir -p "$U/inbox"; chown -R nobody "$U"; chmod 755 "$T"
  sed "s#$E/#$U/#g" "$E/iwmod.yaml" >"$U/iwmod.yaml"
  echo secret >"$U/inbox/.locked.xml"; chmod 0600 "$U/inbox/.locked.xml"; mv "$U/inbox/.locked.xml" "$U/inbox/locked.xml"
  cp "$VALID/iwmo/WMO307.xml" "$U/inbox/.open.xml"; chown nobody "$U/inbox/.open.xml"; mv "$U/inbox/.open.xml" "$U/inbox/open.xml"
  if runuser -u nobody -- "$BIN/iwmod" --config "$U/iwmod.yaml" --check-config >/dev/null 2>&1; then
    timeout 60 runuser -u nobody -- "$BIN/iwmod" --config "$U/iwmod.yaml" --once 2>>"$U/log"
    check "unreadable file: the run ends normally" test $? -eq 0
    check "unreadable file quarantined with its reason" grep -q 'unreadable: Permission denied (owner uid 0, mode 0600' "$U"/queue/quarantine/*-locked.xml.reason
    check "the readable one beside it is processed" test "$(ls "$U/queue/done" | grep -c -- '-open.xml$')" -eq 1
  else
    echo "skipped: the unreadable-file test (user nobody cannot run $BIN/iwmod or read the schemas)"
  fi
fi

# TR056: the same file again is a duplicate (no second retour); a new file with a used id gets 9056
drop "$VALID/iwmo/WMO305.xml" again305.xml
once
check "duplicate recognised" test "$(sql "SELECT verdict FROM messages WHERE original_name = 'again305.xml'")" = duplicate
check "no second 306" test "$(count "$E/outbox" 'WMO306_*')" -eq 1
sed 's#<iwmo:Begindatum>#<iwmo:Begindatum>#; s#Geslacht>2<#Geslacht>1<#' "$VALID/iwmo/WMO305.xml" >"$T/reused305.xml"
drop "$T/reused305.xml"
once
check "reused identification rejected" test "$(sql "SELECT verdict FROM messages WHERE original_name = 'reused305.xml'")" = rejected
check "9056 retour" grep -lq '<RetourCode>9056</RetourCode>' "$E"/outbox/WMO306_*
check "two 306 now" test "$(count "$E/outbox" 'WMO306_*')" -eq 2

# Our own invalid 301 is never sent
sed 's#<Afzender>0363</Afzender>#<Afzender>0363</Afzender>#; s#Identificatie>TW2026000101<#Identificatie>TW2026000999<#; s#<iwmo:Datum>1948-05-14</iwmo:Datum>#<iwmo:Datum>1848-05-14</iwmo:Datum>#' \
  "$VALID/iwmo/WMO301.xml" >"$T/bad301.xml"
drop "$T/bad301.xml"
once
check "invalid outbound goes to rejected/" test "$(count "$E/queue/rejected" '*-bad301.xml')" -eq 1
check "with a report" grep -q TR002 "$E"/queue/rejected/*-bad301.xml.report
check "not forwarded" test ! -f "$E/outbox/bad301.xml"

# ---- StUF-GGk envelopes and ZIP deliveries ---------------------------------
new_env envelope
ENV="$SRC/tests/corpus/envelope"
drop "$ENV/di01-jw305.xml"
drop "$ENV/di01-unknown-functie.xml"
drop "$ENV/di01-zender-mismatch.xml"
(cd "$T" && cp "$VALID/iwmo/WMO305.xml" start.xml && echo '<a/>' >b.xml && rm -f one.zip two.zip &&
  zip -q one.zip start.xml && zip -q two.zip start.xml b.xml)
drop "$T/one.zip"; drop "$T/two.zip"
once
du01=$(grep -l 'envelopRetourbericht' "$E"/outbox/* 2>/dev/null | head -n 1)
check "enveloped 305 answered with a Du01" test -n "$du01"
check "Du01 points back at the Di01" grep -q 'crossRefnummer' "$du01"
check "Du01 validates (envelope and retour inside)" "$BIN/iwmoctl" validate --today 2026-11-24 "$du01"
check "envelope references stored" test "$(sql "SELECT count(*) FROM messages WHERE envelope = 'Di01' AND envelope_ref IS NOT NULL")" -eq 3
check "unknown functie refused with IB004" grep -q 'IB004' "$E"/queue/quarantine/*-di01-unknown-functie.xml.reason
check "routing mismatch refused" grep -q 'envelope-zender-mismatch' "$E"/queue/quarantine/*-di01-zender-mismatch.xml.reason
check "ZIP with one XML processed" test "$(sql "SELECT verdict FROM messages WHERE zip_entry = 'start.xml'")" = accepted
check "ZIP with two files refused (IB902)" grep -q 'IB902' "$E"/queue/quarantine/*-two.zip.reason

# exchange.envelope: always -> our own 301 goes out in a Di01 that validates
new_env di01out
printf 'exchange: { inbox: %s/inbox, outbox: %s/outbox, envelope: always, applicatie: "Wmo-app" }\n' "$E" "$E" >"$E/ex.yaml"
grep -v '^exchange:' "$E/iwmod.yaml" >>"$E/ex.yaml"
drop "$VALID/iwmo/WMO301.xml" out301.xml
"$BIN/iwmod" --config "$E/ex.yaml" --once 2>>"$E/log"
check "outbound 301 wrapped in a Di01" grep -q 'envelopHeenbericht' "$E/outbox/out301.xml"
check "its envelope names our applicatie" grep -q 'Wmo-app' "$E/outbox/out301.xml"
check "the Di01 validates with its payload" "$BIN/iwmoctl" validate --today 2026-11-24 "$E/outbox/out301.xml"
printf 'exchange: { inbox: /x, outbox: /y, envelope: sometimes }\nqueue: /q\ndatabase: { dsn: "x" }\nidentities: { gemeenten: ["0363"] }\n' >"$E/bad.yaml"
"$BIN/iwmod" --config "$E/bad.yaml" --check-config 2>"$E/err"
check "bad envelope mode refused at file:line" grep -q "bad.yaml:1: 'envelope' wants auto" "$E/err"

# ---- kill -9 at every crash point: each message finishes exactly once -----
for point in after-claim before-commit after-commit after-deliver; do
  new_env "crash-$point"
  drop "$VALID/iwmo/WMO305.xml"
  IWMOD_CRASH_AT=$point "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
  check "$point: killed" test $? -eq 137
  once
  check "$point: one message row" test "$(sql "SELECT count(*) FROM messages")" -eq 1
  check "$point: one start" test "$(sql "SELECT count(*) FROM starts")" -eq 2
  check "$point: exactly one retour" test "$(count "$E/outbox" 'WMO306_*')" -eq 1
  check "$point: one delivery row" test "$(sql "SELECT count(*) FROM deliveries")" -eq 1
  check "$point: done" test "$(count "$E/queue/done")" -eq 1
  check "$point: queue clean" test "$(claims)$(count "$E/queue/outgoing")" = 00
done

# ---- the running daemon: inotify, SIGTERM ------------------------------------
new_env running
"$BIN/iwmod" --config "$E/iwmod.yaml" 2>>"$E/log" &
DAEMON_PID=$!
sleep 0.5
drop "$VALID/ijw/JW305.xml"
printf 'partial' >"$E/inbox/.incoming.xml"
i=0; while [ "$(count "$E/outbox")" -lt 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sed -i 's/0363/0599/g' "$E/iwmod.yaml"  # now wrong identities... still a valid config
kill -HUP "$DAEMON_PID"; sleep 0.3
check "running daemon answered" test "$(count "$E/outbox" 'JW306_*')" -eq 1
check "dot file left alone" test -f "$E/inbox/.incoming.xml"
printf 'identities: [oops\n' >"$E/iwmod.yaml"
kill -HUP "$DAEMON_PID"; sleep 0.3
check "bad reload refused, old config kept" grep -q 'reload refused' "$E/log"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"; rc=$?
DAEMON_PID=""
check "SIGTERM exits 0" test $rc -eq 0

check "every --once run exited 0 (no sanitizer report, no error)" test ! -s "$T/exit-codes"
[ -s "$T/exit-codes" ] && cat "$T/exit-codes" && grep -h -A5 'Sanitizer' "$T"/*/log | head -20

# ---- privacy: no BSN in any log line ---------------------------------------
bsns=$(grep -ho 'Bsn>[0-9]*<' "$VALID"/*/*.xml | tr -dc '0-9\n' | sort -u)
leaks=0
for b in $bsns; do grep -rq "$b" "$T"/*/log 2>/dev/null && leaks=$((leaks + 1)); done
check "no BSN in the logs" test $leaks -eq 0
check "logs say one line per message" grep -q 'verdict=accepted' "$T/chain/log"

psql "$PSQL_BASE" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
echo "$pass passed, $fail failed"
test "$fail" -eq 0
