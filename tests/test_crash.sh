#!/bin/sh
# test_crash.sh - random crash injection against the running daemon, compared
# with an oracle run of the same messages that is never killed.
#
# A batch of generated chain messages (the gemeente's own 301s, then the
# providers' 305, 307 and 323 for them, an exact duplicate and two hostile
# files) is put in the inbox all at once, with increasing mtimes so iwmod
# takes them in a fixed order. Then `iwmod --config` (the daemon, not
# --once) is started and SIGKILLed after a random 0-50 ms, counted either
# from the spawn or from its "started" log line, and started again, until the
# inbox and queue/active are empty. When a batch is done before CRASH_KILLS
# kills, the next batch is dropped (again all at once, between two lives).
# Afterwards every batch used goes, all at once, to a second database and
# directory tree processed by `iwmod --once` without kills, and the two are
# compared: message rows, state (clients, toewijzingen, history, starts,
# stops), deliveries, events, the outbox (each retour exactly once per
# heenbericht, equal after masking the retour's own identification), done/,
# quarantine/ and rejected/; queue/active and queue/outgoing must be empty.
#
# Usage: test_crash.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
# Environment: CRASH_KILLS (default 200), CRASH_SEED (default: random;
# printed, it fixes the sleeps but not the machine's timing), CRASH_KEEP=1
# keeps the work directory.
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
KILLS=${CRASH_KILLS:-200}
SEED=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
CLIENTS=7                       # per standard and batch: 8 * 7 + 1 (+ 2 in batch 0) files
T=$(mktemp -d /tmp/iwmod-crash-XXXXXX)
chmod 755 "$T"
PID=""
pass=0; fail=0
. "$SRC/tests/lib.sh"            # check, tl_gen, tl_drop_batch, tl_dump, tl_norm_outbox

BASE_DSN=$("$SRC/scripts/pg.sh" dsn "$PGDIR")
PSQL_BASE=$(echo "$BASE_DSN" | sed 's/dbname=iwmod/dbname=postgres/')
DBS="iwmodcrash_$$ iwmodoracle_$$"
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  for db in $DBS; do psql "$PSQL_BASE" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
  [ -n "${CRASH_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

MT=$(($(date +%s) - 86400))     # the generated files' mtimes start a day ago (tl_gen)

count() { find "$1" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l; }
claims() { find "$1/queue/active" -type f ! -name '.*' 2>/dev/null | wc -l; }  # every owner's directory
pending() { echo $(($(count "$E/inbox") + $(claims "$E"))); }

# ---- the kill loop -------------------------------------------------------
# The sleeps: a deterministic sequence from CRASH_SEED. A quarter of the kills
# count from the spawn (start-up, recovery), the rest from the "started" line.
awk -v seed="$SEED" -v n=$((KILLS * 20 + 2000)) 'BEGIN { srand(seed)
  for (i = 0; i < n; i++) printf "%d %.3f\n", rand() < 0.25, rand() * 0.050 }' >"$T/sleeps"

started_lines() { if [ -f "$E/log" ]; then grep -c 'iwmod started' "$E/log"; else echo 0; fi; }

one_life() {  # start the daemon, kill it after the next sleep; 0 = killed, 1 = it exited by itself
  read -r from_spawn secs <&3 || { echo "sleep sequence exhausted"; return 2; }
  n0=$(started_lines)
  "$BIN/iwmod" --config "$E/iwmod.yaml" 2>>"$E/log" &
  PID=$!
  if [ "$from_spawn" -eq 0 ]; then
    w=0
    while [ "$(started_lines)" -le "$n0" ] && kill -0 "$PID" 2>/dev/null && [ $w -lt 10000 ]; do
      sleep 0.002; w=$((w + 1))
    done
  fi
  sleep "$secs"
  kill -9 "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null; rc=$?
  PID=""
  [ $rc -eq 137 ] && return 0
  echo "life $lives: iwmod exited $rc by itself" >>"$T/unexpected"
  return 1
}

tl_db_env crash iwmodcrash_$$
CRASH=$E
echo "crash run: seed $SEED, at least $KILLS kills"
t0=$(date +%s)
kills=0; lives=0; batch=0; max_lives=$((KILLS * 10 + 500))
tl_gen 0 "$T/gen/00"; tl_drop_batch "$T/gen/00" "$E"
exec 3<"$T/sleeps"
while :; do
  if [ "$(pending)" -eq 0 ]; then
    [ $kills -ge "$KILLS" ] && break
    batch=$((batch + 1))
    b=$(printf '%02d' $batch)
    tl_gen "$batch" "$T/gen/$b"; tl_drop_batch "$T/gen/$b" "$E"
  fi
  [ $lives -ge $max_lives ] && { echo "no end after $lives lives"; break; }
  lives=$((lives + 1))
  one_life && kills=$((kills + 1))
  [ -s "$T/unexpected" ] && [ "$(wc -l <"$T/unexpected")" -gt 5 ] && break
done
exec 3<&-
t1=$(date +%s)
NFILES=$(find "$T/gen" -type f | wc -l)
echo "crash run: $kills kills in $lives lives, $((batch + 1)) batches ($NFILES files), $((t1 - t0)) s"
check "every life ended by our SIGKILL" test ! -s "$T/unexpected"
[ -s "$T/unexpected" ] && head -n 5 "$T/unexpected" && grep -h -B2 -A8 -i 'sanitizer\|error' "$E/log" | head -n 30
check "at least $KILLS kills" test $kills -ge "$KILLS"
check "inbox drained" test "$(count "$E/inbox")" -eq 0
check "queue/active empty" test "$(claims "$E")" -eq 0
check "queue/outgoing empty" test "$(count "$E/queue/outgoing")" -eq 0
check "every file finished exactly once" test "$(($(count "$E/queue/done") + $(count "$E/queue/quarantine" ) \
  - $(find "$E/queue/quarantine" -maxdepth 1 -name '*.reason' ! -name '.*' | wc -l) + $(count "$E/queue/rejected") \
  - $(find "$E/queue/rejected" -maxdepth 1 -name '*.report' ! -name '.*' | wc -l)))" -eq "$NFILES"

# ---- the oracle: the same files, all at once, never killed ---------------
tl_db_env oracle iwmodoracle_$$
ORACLE=$E
for d in "$T"/gen/*; do tl_drop_batch "$d" "$E"; done
t0=$(date +%s)
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "oracle run exits 0" test $? -eq 0
echo "oracle run: $(($(date +%s) - t0)) s"

# ---- compare (tl_compare in lib.sh) -----------------------------------------
tl_compare "$CRASH" "$ORACLE" "$NFILES"

# Temp files left by a kill between create and rename (dot names, never delivered).
stale=$(find "$CRASH/queue" "$CRASH/outbox" -type f -name '.*' | wc -l)
echo "stale temp files after the kills: $stale"
find "$CRASH/queue" "$CRASH/outbox" -type f -name '.*' | sed "s#$T/##" | head -n 5
check "no temp file left behind by a kill" test "$stale" -eq 0

echo "$pass passed, $fail failed"
test "$fail" -eq 0
