#!/bin/bash
# bench/e2e.sh - end-to-end throughput and latency of iwmod with fsync on:
# files into the inbox -> checked -> committed in PostgreSQL -> retour in the
# outbox -> original in done/. Compared with `xmllint --noout --schema` over
# the same files in the same run.
#
# Usage: bench/e2e.sh [TOEWIJZINGEN] [MESSAGES] [RATE]
#   TOEWIJZINGEN  gemeente's own 301s loaded first (default 1000, 2 products each)
#   MESSAGES      mixed 305/307 processed with --once (default 10000)
#   RATE          msg/s offered to the running daemon for the latency run (default 200)
# PROFILE="perf record -g -o F" wraps the timed --once run; PGLOG=FILE keeps the
# server log of that run with every statement's duration.
set -euo pipefail
cd "$(dirname "$0")/.."
NT=${1:-1000}
NM=${2:-10000}
RATE=${3:-200}
BIN=${BIN:-build/bin}
[ -x $BIN/iwmod ] || { echo "build first (cmake --build build)"; exit 1; }
W=$(mktemp -d /tmp/iwmod-bench-XXXXXX)
chmod 755 "$W"
export IWMOD_PG_PORT=${IWMOD_PG_PORT:-55431}
PID=""
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; scripts/pg.sh stop "$W/pg"; [ -n "${KEEP:-}" ] || rm -rf "$W"; }
trap cleanup EXIT
DSN=$(scripts/pg.sh start "$W/pg")

config() {  # config DIR
  mkdir -p "$1/inbox"
  cat >"$1/iwmod.yaml" <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $1/inbox, outbox: $1/outbox }
queue: $1/queue
database: { dsn: "$DSN" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "bench" }
log: { level: warning }
YAML
}

# Generate: client i has BSN bsn(i) (elfproef-valid, 9999xxxxx test range),
# toewijzingen 10*i+1 and 10*i+2; message k (k >= 0) is a 305 or 307 for client k mod NT.
gen() {  # gen OUTDIR KIND COUNT   (KIND 301 | mixed)
  awk -v out="$1" -v kind="$2" -v count="$3" -v nt="$NT" -v src="tests/corpus/valid/iwmo" '
    function slurp(f,   l, b) { b = ""; while ((getline l < f) > 0) b = b l "\n"; close(f); return b }
    function bsn(i,   n, s, d, k, sum) {
      for (n = 999900000 + i * 10; ; n++) {
        s = sprintf("%09d", n); sum = 0
        for (k = 1; k <= 8; k++) sum += substr(s, k, 1) * (10 - k)
        sum -= substr(s, 9, 1)
        if (sum % 11 == 0) return s
      }
    }
    function fill(t, id, i,   b) {
      b = t
      gsub(/Identificatie>[A-Z]+[0-9]+</, "Identificatie>" id "<", b)
      gsub(/Bsn>999990019</, "Bsn>" bsn(i) "<", b)
      gsub(/ToewijzingNummer>100001</, "ToewijzingNummer>" (10 * i + 1) "<", b)
      gsub(/ToewijzingNummer>100002</, "ToewijzingNummer>" (10 * i + 2) "<", b)
      return b
    }
    BEGIN {
      t301 = slurp(src "/WMO301.xml"); t305 = slurp(src "/WMO305.xml"); t307 = slurp(src "/WMO307.xml")
      for (k = 0; k < count; k++) {
        if (kind == "301") { b = fill(t301, sprintf("TW%010d", k), k); f = sprintf("%s/t%06d.xml", out, k) }
        else if (k % 2 == 0) { b = fill(t305, sprintf("ST%010d", k), (k / 2) % nt); f = sprintf("%s/m%06d.xml", out, k) }
        else { b = fill(t307, sprintf("SP%010d", k), int(k / 2) % nt); f = sprintf("%s/m%06d.xml", out, k) }
        printf "%s", b > f; close(f)
      }
    }'
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "== generating $NT toewijzingen (301) and $NM mixed 305/307"
mkdir -p "$W/gen301" "$W/genmix"
gen "$W/gen301" 301 "$NT"
gen "$W/genmix" mixed "$NM"
BYTES=$(cat "$W"/genmix/*.xml | wc -c)

echo "== xmllint --noout --schema over the same $NM files"
t0=$(now)
xmllint --noout --schema schemas/iwmo/3.2/WMO305.xsd "$W"/genmix/m*[02468].xml 2>/dev/null
xmllint --noout --schema schemas/iwmo/3.2/WMO307.xsd "$W"/genmix/m*[13579].xml 2>/dev/null
t1=$(now)
TX=$(elapsed "$t0" "$t1")

echo "== iwmod --once: $NT toewijzingen, then $NM messages"
config "$W/once"
$BIN/iwmoctl migrate --config "$W/once/iwmod.yaml" >/dev/null
cp "$W"/gen301/*.xml "$W/once/inbox/"
t0=$(now); $BIN/iwmod --config "$W/once/iwmod.yaml" --once 2>>"$W/once.log"; t1=$(now)
T301=$(elapsed "$t0" "$t1")
cp "$W"/genmix/*.xml "$W/once/inbox/"
[ -z "${PGLOG:-}" ] || psql "$DSN" -qc "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
t0=$(now); ${PROFILE:-} $BIN/iwmod --config "$W/once/iwmod.yaml" --once 2>>"$W/once.log"; t1=$(now)
[ -z "${PGLOG:-}" ] || { psql "$DSN" -qc "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
  cp "$W/pg/server.log" "$PGLOG"; }
TI=$(elapsed "$t0" "$t1")
RETOURS=$(ls "$W/once/outbox" | grep -c '^WMO30[68]_' || true)
DONE=$(ls "$W/once/queue/done" | wc -l)
VERDICTS=$(psql "$DSN" -Atc "SELECT string_agg(verdict || '=' || n, ' ') FROM (SELECT verdict, count(*) n FROM messages GROUP BY 1 ORDER BY 1) v")

echo "== running daemon at a steady $RATE msg/s: latency inbox -> done (retour already in the outbox)"
psql "$DSN" -qc "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
config "$W/run"
$BIN/iwmoctl migrate --config "$W/run/iwmod.yaml" >/dev/null
cp "$W"/gen301/*.xml "$W/run/inbox/"
$BIN/iwmod --config "$W/run/iwmod.yaml" --once 2>>"$W/run.log"
$BIN/iwmod --config "$W/run/iwmod.yaml" 2>>"$W/run.log" &
PID=$!
sleep 0.5
NL=$(( NM < RATE * 10 ? NM : RATE * 10 ))
gap=$(awk -v r="$RATE" 'BEGIN { printf "%.6f", 1 / r }')
start=$(now)
for f in $(ls "$W"/genmix/*.xml | head -n "$NL"); do
  n=$(basename "$f")
  cp "$f" "$W/run/inbox/.$n" && mv "$W/run/inbox/.$n" "$W/run/inbox/$n"
  sleep "$gap"
done
i=0; while [ "$(ls "$W/run/queue/done" | wc -l)" -lt "$NL" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$PID"; wait "$PID" || true; PID=""
# ctime of the done file = when iwmod finished; mtime = when the writer finished writing.
LAT=$(for f in "$W"/run/queue/done/*-m*.xml; do stat -c '%.9Y %.9Z' "$f"; done |
  awk '{ print ($2 - $1) * 1000 }' | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a n/a"; exit }
    p50 = v[int((NR + 1) * 0.50)]; p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
    printf "%.1f %.1f", p50, p99 }')

awk -v nm="$NM" -v nt="$NT" -v bytes="$BYTES" -v tx="$TX" -v ti="$TI" -v t301="$T301" \
    -v lat="$LAT" -v retours="$RETOURS" -v done="$DONE" -v verdicts="$VERDICTS" -v nl="$NL" -v rate="$RATE" 'BEGIN {
  split(lat, l, " ")
  printf "\nmessages                : %d mixed 305/307 (%.1f MB) against %d toewijzingen\n", nm, bytes / 1e6, nt
  printf "xmllint --noout --schema: %8.3f s %8.0f msg/s\n", tx, nm / tx
  printf "iwmod --once (fsync on) : %8.3f s %8.0f msg/s  (301 load: %d in %.3f s)\n", ti, nm / ti, nt, t301
  printf "ratio iwmod/xmllint     : %.2f\n", tx / ti
  printf "answered                : %d retours, %d in done/; verdicts: %s\n", retours, done - nt, verdicts
  printf "latency at %d msg/s     : p50 %s ms, p99 %s ms over %d messages\n", rate, l[1], l[2], nl
}'
