# lib.sh - shared set-up for the shell tests that need PostgreSQL: a work
# directory, a private database on the test cluster (dropped at exit), the
# check/same assertions and sql. Source it after setting BIN, SRC and PGDIR:
#   . "$SRC/tests/lib.sh"; tl_init NAME
# KEEP=1 keeps the work directory.

# check NAME COMMAND...: count a pass or a failure
check() {
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}
# same ACTUAL EXPECTED: equality with a message on mismatch
same() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'"; return 1; }; }
sql() { psql "$DSN" -Atqc "$1"; }

tl_cleanup() {
  [ -n "$PSQL_BASE" ] && psql "$PSQL_BASE" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}

# tl_init NAME: sets T (work dir), DB, DSN, PSQL_BASE, pass, fail; exits when no database
tl_init() {
  T=$(mktemp -d "/tmp/iwmod-$1-XXXXXX")
  DB="iwmod$1_$$"
  PSQL_BASE=""
  pass=0; fail=0
  trap tl_cleanup EXIT
  BASE_DSN=$("$SRC/scripts/pg.sh" dsn "$PGDIR")
  PSQL_BASE=$(echo "$BASE_DSN" | sed 's/dbname=iwmod/dbname=postgres/')
  psql "$PSQL_BASE" -qc "CREATE DATABASE $DB" || { PSQL_BASE=""; echo "cannot create database"; exit 1; }
  DSN=$(echo "$BASE_DSN" | sed "s/dbname=iwmod/dbname=$DB/")
}

# tl_env NAME IDENTITIES [EXTRA]: sets E to a fresh directory with inbox/, writes E/iwmod.yaml
# (identities: { IDENTITIES }, the clock at $TODAY or 2026-11-24, plain log lines on stderr, then the
# EXTRA YAML lines) and recreates the database schema
tl_env() {
  E="$T/$1"; mkdir -p "$E/inbox"
  cat >"$E/iwmod.yaml" <<YAML
identities: { $2 }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$DSN" }
clock: { today: ${TODAY:-2026-11-24} }
privacy: { pseudonym_key: "test-key" }
log: { journal: false }
YAML
  [ -z "${3:-}" ] || printf '%s\n' "$3" >>"$E/iwmod.yaml"
  sql "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
  "$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null || echo "migrate failed in $E"
}

# ---- generated chains and their comparison (test_crash, test_outage, test_instances) ----
# Messages: per standard and batch CLIENTS (default 7) clients, each with the
# gemeente's 301 and the provider's 305, 307 and 323, an exact duplicate of a
# 305, and in batch 0 an XXE file and one for another gemeente. Their mtimes
# count up from MT (set it before the first batch), so oldest-first is the
# order they were generated in. SRC must be set.
# tl_gen BATCH DIR: the batch's files, named and dated so that mtime order is the
# order below. Client i (global) has an elfproef-valid BSN of its own and its
# own ToewijzingNummers; every BerichtIdentificatie and DeclaratieNummer is new.
tl_gen() {
  mkdir -p "$2"
  awk -v batch="$1" -v out="$2" -v nc="${CLIENTS:-7}" -v src="$SRC/tests/corpus" '
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

tl_drop_batch() {  # tl_drop_batch DIR ENVDIR: every file of the batch, each by a dot name and a rename
  for f in "$1"/*; do
    n=$(basename "$f" | cut -d- -f2-)
    cp -p "$f" "$2/inbox/.$n" && mv "$2/inbox/.$n" "$2/inbox/$n"
  done
}


# Comparison with an oracle run: ENVDIR holds dsn, queue/ and outbox/.
# tl_dump ENVDIR: the state that must not depend on kills, as text files in ENVDIR/dump.
tl_dump() {
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
  sort "$D/events" >"$D/events-sorted"
  for sub in done quarantine rejected; do
    ls "$1/queue/$sub" | sed 's/^[0-9]*-[0-9]*-[0-9]*-//' | sort >"$D/queue-$sub"
  done
}

# tl_norm_outbox ENVDIR: each outbox file under ENVDIR/norm; a retour becomes
# TYPE@SENDER@HEENID.xml with its own identification masked. Prints clashes.
tl_norm_outbox() {
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


# tl_compare RUNDIR ORACLEDIR NFILES: the run's database, queue and outbox equal the
# oracle's (one row per file, each retour exactly once, nothing extra quarantined).
# TL_EVENTS=events-sorted compares the events as a set (two instances interleave them).
tl_compare() {
  RUN=$1; ORACLE=$2; NFILES=$3
  tl_dump "$RUN"; tl_dump "$ORACLE"
  for part in messages clients toewijzingen history starts stops deliveries ${TL_EVENTS:-events} queue-done \
              queue-quarantine queue-rejected; do
    check "$part identical to the oracle" cmp -s "$RUN/dump/$part" "$ORACLE/dump/$part"
    cmp -s "$RUN/dump/$part" "$ORACLE/dump/$part" ||
      diff "$ORACLE/dump/$part" "$RUN/dump/$part" | head -n 6
  done
  check "the oracle recorded every file" test "$(psql "$(cat "$ORACLE/dsn")" -Atc 'SELECT count(*) FROM messages')" -eq "$NFILES"
  check "the oracle answered retours" test "$(grep -c '|retour|' "$ORACLE/dump/deliveries")" -gt 0

  tl_norm_outbox "$RUN" >"$1/twice-run"; tl_norm_outbox "$ORACLE" >"$1/twice-oracle"
  check "no retour twice for one heenbericht" test ! -s "$1/twice-run"
  head -n 5 "$1/twice-run"
  check "the oracle has no retour twice either" test ! -s "$1/twice-oracle"
  for prefix in WMO302 WMO306 WMO308 WMO325 JW302 JW306 JW308 JW325; do
    a=$(ls "$RUN/outbox" | grep -c "^${prefix}_"); b=$(ls "$ORACLE/outbox" | grep -c "^${prefix}_")
    check "$prefix: same number of retours ($b)" test "$a" -eq "$b"
  done
  check "outbox identical to the oracle's (own retour identification masked)" \
    diff -r "$ORACLE/norm" "$RUN/norm"
  check "nothing quarantined that the oracle did not quarantine" \
    cmp -s "$RUN/dump/queue-quarantine" "$ORACLE/dump/queue-quarantine"
}

# tl_db_env NAME DB [YAML]: directories under T/NAME (E), a config with the extra YAML
# lines, and the schema in a new database DB on PSQL_BASE/BASE_DSN's cluster (one database
# per environment, so a run and its oracle can be compared).
tl_db_env() {
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
${3:-}
YAML
  echo "$dsn" >"$E/dsn"
  "$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null || { echo "migrate failed"; exit 1; }
}

# tl_notified_daemon DIR WATCHDOG_USEC CONFIG LOG: a fake systemd notify socket at DIR/notify
# (sockrecv appends every datagram to DIR/notified) and iwmod under it as its own watchdog
# target. Sets RECV_PID and DAEMON_PID; the caller kills both.
tl_notified_daemon() {
  "$BIN/sockrecv" "$1/notify" "$1/notified" 900 &
  RECV_PID=$!
  i=0; while [ ! -S "$1/notify" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  NOTIFY_SOCKET="$1/notify" WATCHDOG_USEC=$2 sh -c \
    'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$0" --config "$1"' "$BIN/iwmod" "$3" 2>>"$4" &
  DAEMON_PID=$!
}
