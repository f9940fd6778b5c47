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
check() {
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}

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

# ---- environments --------------------------------------------------------
setup() {  # setup NAME DB: directories, config and schema in database DB
  E="$T/$1"; mkdir -p "$E/inbox"
  psql "$PSQL_BASE" -qc "CREATE DATABASE $2" || { echo "cannot create database $2"; exit 1; }
  dsn=$(echo "$BASE_DSN" | sed "s/dbname=iwmod/dbname=$2/")
  cat >"$E/iwmod.yaml" <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$dsn" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "crash-key" }
YAML
  echo "$dsn" >"$E/dsn"
  "$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null || { echo "migrate failed"; exit 1; }
}

# ---- the messages ----------------------------------------------------------
# gen BATCH DIR: the batch's files, named and dated so that mtime order is the
# order below. Client i (global) has an elfproef-valid BSN of its own and its
# own ToewijzingNummers; every BerichtIdentificatie and DeclaratieNummer is new.
gen() {
  mkdir -p "$2"
  awk -v batch="$1" -v out="$2" -v nc="$CLIENTS" -v src="$SRC/tests/corpus" '
    function slurp(f,   l, b) { b = ""; while ((getline l < f) > 0) b = b l "\n"; close(f); return b }
    function bsn(base,   n, s, k, sum) {
      for (n = base; ; n++) {
        s = sprintf("%09d", n); sum = 0
        for (k = 1; k <= 8; k++) sum += substr(s, k, 1) * (10 - k)
        if ((sum - substr(s, 9, 1)) % 11 == 0) return s
      }
    }
    function put(name, body,   f) { f = sprintf("%s/%05d-%s", out, seq++, name); printf "%s", body > f; close(f) }
    function fill(t, std, i, k,   b, m) {
      b = t
      match(b, /Identificatie>[A-Z]+[0-9]+</)
      gsub(/Identificatie>[A-Z]+[0-9]+</, "Identificatie>" substr(b, RSTART + 14, 2) sprintf("%010d", k) "<", b)
      if (match(b, /DeclaratieNummer>D[0-9]+</)) {
        m = RLENGTH - 19
        gsub(/DeclaratieNummer>D[0-9]+</, "DeclaratieNummer>D" sprintf("%0" m "d", k) "<", b)
      }
      if (std == "iwmo") {
        gsub(/Bsn>999990019</, "Bsn>" bsn(999100000 + 20 * i) "<", b)
        gsub(/ToewijzingNummer>100001</, "ToewijzingNummer>" (200001 + 10 * i) "<", b)
        gsub(/ToewijzingNummer>100002</, "ToewijzingNummer>" (200002 + 10 * i) "<", b)
      } else {
        gsub(/Bsn>999990111</, "Bsn>" bsn(999500000 + 20 * i) "<", b)
        gsub(/ToewijzingNummer>100234</, "ToewijzingNummer>" (300004 + 10 * i) "<", b)
        gsub(/ToewijzingNummer>100235</, "ToewijzingNummer>" (300005 + 10 * i) "<", b)
      }
      return b
    }
    BEGIN {
      split("301 305 307 323", types, " ")
      for (s = 1; s <= 2; s++) {
        std = s == 1 ? "iwmo" : "ijw"; pre = s == 1 ? "WMO" : "JW"
        for (t = 1; t <= 4; t++) tpl[std, types[t]] = slurp(src "/valid/" std "/" pre types[t] ".xml")
      }
      k = batch * 1000
      for (t = 1; t <= 4; t++)
        for (j = 0; j < nc; j++)
          for (s = 1; s <= 2; s++) {
            std = s == 1 ? "iwmo" : "ijw"; i = batch * nc + j
            body = fill(tpl[std, types[t]], std, i, ++k)
            put(sprintf("b%02d-%s%s-c%02d.xml", batch, std, types[t], j), body)
            if (t == 2 && j == 0 && s == 1) dup = body
          }
      put(sprintf("b%02d-duplicate305.xml", batch), dup)
      if (batch == 0) {
        put("b00-xxe.xml", slurp(src "/invalid/xxe.xml"))
        b = slurp(src "/valid/ijw/JW305.xml"); gsub(/Ontvanger>0363</, "Ontvanger>0599<", b)
        put("b00-notours.xml", b)
      }
    }'
  # Increasing mtimes, one second apart, continuing across batches.
  for f in "$2"/*; do
    MT=$((MT + 1))
    touch -d "@$MT" "$f"
  done
}
MT=$(($(date +%s) - 86400))

drop_batch() {  # drop_batch DIR ENVDIR: every file of the batch, each by a dot name and a rename
  for f in "$1"/*; do
    n=$(basename "$f" | cut -d- -f2-)
    cp -p "$f" "$2/inbox/.$n" && mv "$2/inbox/.$n" "$2/inbox/$n"
  done
}

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

setup crash iwmodcrash_$$
CRASH=$E
echo "crash run: seed $SEED, at least $KILLS kills"
t0=$(date +%s)
kills=0; lives=0; batch=0; max_lives=$((KILLS * 10 + 500))
gen 0 "$T/gen/00"; drop_batch "$T/gen/00" "$E"
exec 3<"$T/sleeps"
while :; do
  if [ "$(pending)" -eq 0 ]; then
    [ $kills -ge "$KILLS" ] && break
    batch=$((batch + 1))
    b=$(printf '%02d' $batch)
    gen "$batch" "$T/gen/$b"; drop_batch "$T/gen/$b" "$E"
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
setup oracle iwmodoracle_$$
ORACLE=$E
for d in "$T"/gen/*; do drop_batch "$d" "$E"; done
t0=$(date +%s)
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
check "oracle run exits 0" test $? -eq 0
echo "oracle run: $(($(date +%s) - t0)) s"

# ---- compare -------------------------------------------------------------
# dump ENVDIR: the state that must not depend on kills, as text files in ENVDIR/dump.
dump() {
  D="$1/dump"; mkdir -p "$D"; dsn=$(cat "$1/dsn")
  q() { psql "$dsn" -AtqF '|' -c "$2" >"$D/$1" 2>&1; }
  q messages "SELECT original_name, standard, msg_type, bericht_id, direction, sender, receiver,
    verdict, retourcodes, findings::text, size, encode(sha256, 'hex'),
    regexp_replace(regexp_replace(coalesce(note, ''), '[0-9]{10,}-[0-9]+-[0-9]+-', '', 'g'), E'\\n', ' ', 'g')
    FROM messages ORDER BY original_name, bericht_id"
  q clients "SELECT bsn, pseudonym FROM clients ORDER BY bsn"
  q toewijzingen "SELECT t.standard, gemeente, aanbieder, toewijzing_nummer, c.bsn, product_categorie,
    product_code, toewijzingsdatum, ingangsdatum, einddatum, reden_wijziging, version,
    m.original_name, retour_status FROM toewijzingen t JOIN clients c ON c.id = t.client_id
    JOIN messages m ON m.id = t.message_id ORDER BY 1, 2, 4"
  q history "SELECT t.standard, t.toewijzing_nummer, h.version, h.ingangsdatum, h.einddatum,
    h.reden_wijziging, m.original_name FROM toewijzing_history h JOIN toewijzingen t
    ON t.id = h.toewijzing_id JOIN messages m ON m.id = h.message_id ORDER BY 1, 2, 3"
  for tb in starts stops; do
    q $tb "SELECT s.standard, gemeente, aanbieder, c.bsn, toewijzing_nummer, product_categorie,
      product_code, row_to_json(s)::jsonb - 'id' - 'client_id' - 'message_id' - 'deleted_by',
      m.original_name, d.original_name FROM $tb s JOIN clients c ON c.id = s.client_id
      JOIN messages m ON m.id = s.message_id LEFT JOIN messages d ON d.id = s.deleted_by
      ORDER BY m.original_name, 5, 8"
  done
  q deliveries "SELECT m.original_name, d.kind, d.retour_type,
    replace(d.filename, coalesce(d.identificatie, '@none@'), 'ID') FROM deliveries d
    JOIN messages m ON m.id = d.message_id ORDER BY 1, 2, 4"
  q events "SELECT body - 'seq' - 'event_id' - 'time' - 'message_id' - 'file' - 'retour_file'
    FROM events ORDER BY seq"
  for sub in done quarantine rejected; do
    ls "$1/queue/$sub" | sed 's/^[0-9]*-[0-9]*-[0-9]*-//' | sort >"$D/queue-$sub"
  done
}

# norm_outbox ENVDIR: each outbox file under ENVDIR/norm; a retour becomes
# TYPE@SENDER@HEENID.xml with its own identification masked. Prints clashes.
norm_outbox() {
  N="$1/norm"; mkdir -p "$N"
  for f in "$1"/outbox/*; do
    n=$(basename "$f")
    case "$n" in
      WMO325_*_*.xml|JW325_*_*.xml)   # own id in BerichtIdentificatie, the 323's in DeclaratieIdentificatie
        heen=$(sed -n '/<DeclaratieIdentificatie>/,/<\/DeclaratieIdentificatie>/p' "$f" |
          grep -m1 -o 'Identificatie>[^<]*<' | sed 's/Identificatie>//; s/<$//')
        mask='0,/Identificatie>[^<]*</s//Identificatie>ID</' ;;
      *_*_*.xml)                       # the heenbericht's id in BerichtIdentificatie, own in IdentificatieRetour
        heen=$(grep -m1 -o 'Identificatie>[^<]*<' "$f" | sed 's/Identificatie>//; s/<$//')
        mask='s#<IdentificatieRetour>[^<]*<#<IdentificatieRetour>ID<#' ;;
      *) heen=""; mask='' ;;
    esac
    key=$n
    [ -n "$heen" ] && key=$(echo "$n" | cut -d_ -f1-2)@$heen.xml
    [ -e "$N/$key" ] && echo "twice: $key ($n)"
    sed "$mask" "$f" >"$N/$key"
  done
}

dump "$CRASH"; dump "$ORACLE"
for part in messages clients toewijzingen history starts stops deliveries events queue-done \
            queue-quarantine queue-rejected; do
  check "$part identical to the oracle" cmp -s "$CRASH/dump/$part" "$ORACLE/dump/$part"
  cmp -s "$CRASH/dump/$part" "$ORACLE/dump/$part" ||
    diff "$ORACLE/dump/$part" "$CRASH/dump/$part" | head -n 6
done
check "the oracle recorded every file" test "$(psql "$(cat "$ORACLE/dsn")" -Atc 'SELECT count(*) FROM messages')" -eq "$NFILES"
check "the oracle answered retours" test "$(grep -c '|retour|' "$ORACLE/dump/deliveries")" -gt 0

norm_outbox "$CRASH" >"$T/twice-crash"; norm_outbox "$ORACLE" >"$T/twice-oracle"
check "no retour twice for one heenbericht" test ! -s "$T/twice-crash"
head -n 5 "$T/twice-crash"
check "the oracle has no retour twice either" test ! -s "$T/twice-oracle"
for prefix in WMO302 WMO306 WMO308 WMO325 JW302 JW306 JW308 JW325; do
  a=$(ls "$CRASH/outbox" | grep -c "^${prefix}_"); b=$(ls "$ORACLE/outbox" | grep -c "^${prefix}_")
  check "$prefix: same number of retours ($b)" test "$a" -eq "$b"
done
check "outbox identical to the oracle's (own retour identification masked)" \
  diff -r "$ORACLE/norm" "$CRASH/norm"
check "nothing quarantined that the oracle did not quarantine" \
  cmp -s "$CRASH/dump/queue-quarantine" "$ORACLE/dump/queue-quarantine"

# Temp files left by a kill between create and rename (dot names, never delivered).
stale=$(find "$CRASH/queue" "$CRASH/outbox" -type f -name '.*' | wc -l)
echo "stale temp files after the kills: $stale"
find "$CRASH/queue" "$CRASH/outbox" -type f -name '.*' | sed "s#$T/##" | head -n 5
check "no temp file left behind by a kill" test "$stale" -eq 0

echo "$pass passed, $fail failed"
test "$fail" -eq 0
