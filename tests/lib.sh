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
