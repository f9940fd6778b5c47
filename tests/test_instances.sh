#!/bin/sh
# test_instances.sh - two iwmod processes on one configuration: the same inbox,
# queue and database (docs/operations.md, "Two instances").
#
# A corpus of generated chains (tl_gen: 301, 305, 307, 323 per client, a
# duplicate, two hostile files) goes in by phases - per batch the 301s, then
# the 305s, the 307s, the 323s with the rest - each phase all at once to both
# running daemons, the next one when the queue is empty; so no message can
# be processed before one it depends on, and the result must equal a single
# `iwmod --once` on all files (the oracle; events compared as a set, since
# two instances interleave them). On the way one instance is killed with -9 in
# the middle of a phase and restarted, and a third process dies right after its
# COMMIT (IWMOD_CRASH_AT=after-commit), leaving a committed claim for the
# others to adopt and deliver exactly once. A claim in the directory of a live
# owner (flock(1) holding it) is left alone, and adopted once the owner is gone.
# Then, in a fresh database, the races: eight copies of one new message at
# once (one recorded as new, seven duplicates, one retour) and eight messages
# reusing one BerichtIdentificatie with different content (one judged, seven
# 9056). Last, one against two instances (`--once`) on the same corpus: the
# times are printed, not asserted.
#
# Usage: test_instances.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
# Environment: INSTANCE_BATCHES (default 5, 57 files each), KEEP=1.
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
BATCHES=${INSTANCE_BATCHES:-5}
. "$SRC/tests/lib.sh"
tl_init instances
PIDS=""
stop_all() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; PIDS=""; }
HOLDER=""
drop_dbs() {
  for db in iwmodinst_run_$$ iwmodinst_oracle_$$ iwmodinst_race_$$ iwmodinst_speed1_$$ iwmodinst_speed2_$$; do
    psql "$PSQL_BASE" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  done
}
trap 'stop_all; [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null; drop_dbs; tl_cleanup' EXIT
trap 'exit 2' INT TERM

files() { find "$1" -type f ! -name '.*' 2>/dev/null | wc -l; }
drained() { test "$(($(files "$E/inbox") + $(files "$E/queue/active") + $(files "$E/queue/outgoing")))" -eq 0; }
wait_drained() {  # up to 60 s
  i=0; while ! drained && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
  drained
}
start() {  # start NAME: one more instance on the shared config, logging to E/log-NAME
  "$BIN/iwmod" --config "$E/iwmod.yaml" 2>>"$E/log-$1" &
  eval "PID_$1=$!"
  PIDS="$PIDS $!"
}
drop_phase() {  # drop_phase BATCHDIR PATTERN...: the batch's files whose names match, all at once
  pdir=$1; shift
  mkdir -p "$T/phase"; rm -f "$T/phase"/*
  for pat in "$@"; do for f in "$pdir"/$pat; do [ -e "$f" ] && cp -p "$f" "$T/phase/"; done; done
  tl_drop_batch "$T/phase" "$E"
}
MT=$(($(date +%s) - 86400))
b=0; while [ $b -lt "$BATCHES" ]; do tl_gen $b "$T/gen/0$b"; b=$((b + 1)); done
NFILES=$(find "$T/gen" -type f | wc -l)

# ---- two instances over the corpus, one killed, one dying after its COMMIT -----
tl_db_env run iwmodinst_run_$$ "log: { level: info, journal: false }"
RUN=$E
start a; start b
sleep 0.5
b=0
for d in "$T"/gen/*; do
  for phase in '*301-c*' '*305-c*' '*307-c*' 'rest'; do
    [ $b -eq 1 ] && [ "$phase" = '*305-c*' ] && kill -STOP "$PID_a" "$PID_b"  # alive, but asleep
    if [ "$phase" = rest ]; then drop_phase "$d" '*323-c*' '*duplicate*' '*xxe*' '*notours*'
    else drop_phase "$d" "$phase"; fi
    if [ $b -eq 1 ] && [ "$phase" = '*305-c*' ]; then
      IWMOD_CRASH_AT=after-commit "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log-c"
      check "third instance died after its commit" test $? -eq 137
      kill -CONT "$PID_a" "$PID_b"
    fi
    if [ $b -eq 2 ] && [ "$phase" = '*305-c*' ]; then
      sleep 0.1; kill -9 "$PID_b"; wait "$PID_b" 2>/dev/null; start b
    fi
    wait_drained || echo "phase $phase of $d did not drain"
  done
  b=$((b + 1))
done
check "the corpus drained" drained
check "both instances processed messages" test "$(grep -c 'verdict=' "$E/log-a")" -gt 0 -a "$(grep -c 'verdict=' "$E/log-b")" -gt 0
echo "messages per instance: a $(grep -c 'verdict=' "$E/log-a"), b $(grep -c 'verdict=' "$E/log-b"), c $(grep -c 'verdict=' "$E/log-c")"
check "the committed claim of the dead third instance was adopted" grep -q 'adopted 1 claim' "$E/log-a" "$E/log-b"
check "and delivered by the adopter" grep -q 'committed before a restart; finishing its delivery' "$E/log-a" "$E/log-b"
stop_all
check "no sanitizer report" test "$(cat "$E"/log-* | grep -c 'Sanitizer')" -eq 0
check "every file recorded exactly once" test "$(psql "$(cat "$E/dsn")" -Atc 'SELECT count(*) FROM messages')" -eq "$NFILES"
check "no file recorded twice" test "$(psql "$(cat "$E/dsn")" -Atc 'SELECT count(*) FROM (SELECT original_name FROM messages GROUP BY 1 HAVING count(*) > 1) d')" -eq 0
check "queue/active holds no claim or owner" test "$(files "$E/queue/active")" -eq 0

tl_db_env oracle iwmodinst_oracle_$$
for d in "$T"/gen/*; do tl_drop_batch "$d" "$E"; done
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "oracle run exits 0" test $? -eq 0
TL_EVENTS=events-sorted tl_compare "$RUN" "$E" "$NFILES"

# ---- a live owner's claims are never taken; a dead owner's are -------------------
# A process holding flock(1) on an owner directory with a claim in it stands in for a live instance.
LIVE="$E/queue/active/4242"
mkdir -p "$LIVE"
cp "$SRC/tests/corpus/valid/ijw/JW301.xml" "$LIVE/1700000000000000-4242-1-held301.xml"
sh -c 'exec 9<"$1"; flock -x 9; exec sleep 60' sh "$LIVE" &   # one process: the lock dies with it
HOLDER=$!
i=0; while flock -n "$LIVE" true && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log-owner"
check "a live owner's claim stays where it is" test -f "$LIVE/1700000000000000-4242-1-held301.xml"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=""
check "the stand-in's lock is gone with it" flock -n "$LIVE" true
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log-owner"
check "once its owner is gone the claim is adopted" grep -q 'adopted 1 claim' "$E/log-owner"
check "and processed" test "$(ls "$E/queue/done" | grep -c -- '-held301.xml$')" -eq 1
check "the dead owner's directory is removed" test ! -d "$LIVE"

# ---- races: the same message eight times, one identification eight times -------
tl_db_env race iwmodinst_race_$$ "log: { level: info, journal: false }"
RACE=$E
drop_phase "$T/gen/00" '*301-c*'
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log-once"
check "race: the 301s first (exit 0)" test $? -eq 0
start a; start b
sleep 0.5
one=$(ls "$T"/gen/00/*-iwmo305-c01.xml)
mkdir -p "$T/same" "$T/reused"
for i in 1 2 3 4 5 6 7 8; do
  cp "$one" "$T/same/copy$i.xml"
  sed "s#Identificatie>ST[0-9]*<#Identificatie>ST2026099999<#" "$T/gen/00/$(ls "$T/gen/00" | grep -- '-iwmo305-c02.xml')" \
    >"$T/reused/reuse$i.xml"
  printf '<!-- variant %s -->\n' "$i" >>"$T/reused/reuse$i.xml"
done
tl_drop_batch "$T/same" "$E"; tl_drop_batch "$T/reused" "$E"
wait_drained
stop_all
dsn=$(cat "$E/dsn")
v() { psql "$dsn" -Atc "$1"; }
check "race: eight copies recorded" test "$(v "SELECT count(*) FROM messages WHERE original_name LIKE 'copy%'")" -eq 8
check "race: one judged, seven duplicates" test "$(v "SELECT count(*) FROM messages WHERE original_name LIKE 'copy%' AND verdict = 'duplicate'")" -eq 7
check "race: one retour for the copies" test "$(v "SELECT count(*) FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.original_name LIKE 'copy%'")" -eq 1
check "race: one start stored for the copies" test "$(v "SELECT count(*) FROM starts s JOIN messages m ON m.id = s.message_id WHERE m.original_name LIKE 'copy%'")" -eq "$(grep -c '<wmo305:StartProduct>' "$one")"
check "race: the reused identification judged once" test "$(v "SELECT count(*) FROM messages WHERE original_name LIKE 'reuse%' AND NOT ('9056' = ANY (retourcodes))")" -eq 1
check "race: seven times 9056" test "$(v "SELECT count(*) FROM messages WHERE original_name LIKE 'reuse%' AND '9056' = ANY (retourcodes)")" -eq 7
check "race: no client stored twice" test "$(v "SELECT count(*) - count(DISTINCT bsn) FROM clients")" -eq 0
echo "race: copies taken by a $(grep -c 'file=copy' "$E/log-a"), b $(grep -c 'file=copy' "$E/log-b")"

# ---- one against two instances on the same corpus (printed, not asserted) ----------
for ninst in 1 2; do
  tl_db_env "speed$ninst" "iwmodinst_speed${ninst}_$$" "log: { level: warning, journal: false }"
  for d in "$T"/gen/*; do tl_drop_batch "$d" "$E"; done
  t0=$(date +%s.%N)
  PIDS=""
  for k in $(seq "$ninst"); do "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log" & PIDS="$PIDS $!"; done
  rcs=""; for p in $PIDS; do wait "$p"; rcs="$rcs$?"; done
  PIDS=""
  check "$ninst instance(s) --once: each exits 0 (no sanitizer report, no leak)" test "$rcs" = "$(printf '%0*d' "$ninst" 0)"
  t1=$(date +%s.%N)
  check "$ninst instance(s): all $NFILES files recorded" test "$(psql "$(cat "$E/dsn")" -Atc 'SELECT count(*) FROM messages')" -eq "$NFILES"
  awk -v n="$ninst" -v f="$NFILES" -v a="$t0" -v b="$t1" 'BEGIN { printf "speed: %d instance(s): %d files in %.2f s, %.0f msg/s\n", n, f, b - a, f / (b - a) }'
done
echo "$pass passed, $fail failed"
test "$fail" -eq 0
