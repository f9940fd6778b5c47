#!/bin/sh
# bench/validate.sh - validation throughput of `iwmoctl validate` against
# `xmllint --noout --schema` on the same generated messages, in one run.
#
# Usage: bench/validate.sh [COUNT] [BUILD_DIR]
# COUNT messages (default 10000) are generated from the 28 samples in
# tests/corpus/valid, each with its own BerichtIdentificatie. Both tools get
# the files grouped by message type (xmllint takes one schema per run), with
# every schema compiled once per run. Prints msg/s, MB/s and the ratio.
set -eu
cd "$(dirname "$0")/.."
COUNT=${1:-10000}
BUILD=${2:-build}
IWMOCTL="$BUILD/bin/iwmoctl"
command -v xmllint >/dev/null || { echo "xmllint not found (apt-get install libxml2-utils)"; exit 1; }
[ -x "$IWMOCTL" ] || { echo "$IWMOCTL not built"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# Generate: message i is sample (i mod 28) with Identificatie suffixed by i.
ls tests/corpus/valid/iwmo/*.xml tests/corpus/valid/ijw/*.xml >"$W/samples"
awk -v count="$COUNT" -v out="$W" '
  { files[n++] = $0 }
  END {
    for (k = 0; k < n; k++) {
      body[k] = ""
      while ((getline line < files[k]) > 0) body[k] = body[k] line "\n"
      close(files[k])
      m = split(files[k], parts, "/"); name[k] = parts[m]; sub(/\.xml$/, "", name[k])
      std[k] = parts[m - 1]
      system("mkdir -p " out "/" std[k] "/" name[k])
    }
    for (i = 0; i < count; i++) {
      k = i % n
      b = body[k]
      if (match(b, /[<:]Identificatie>[^<]*</))
        b = substr(b, 1, RSTART) "Identificatie>B" i "<" substr(b, RSTART + RLENGTH)
      f = out "/" std[k] "/" name[k] "/m" i ".xml"
      printf "%s", b > f
      close(f)
    }
  }' "$W/samples"
BYTES=$(find "$W" -name 'm*.xml' -exec cat {} + | wc -c)

now() { date +%s.%N; }
run_xmllint() {
  for d in "$W"/iwmo/* "$W"/ijw/*; do
    std=$(basename "$(dirname "$d")"); name=$(basename "$d")
    xmllint --noout --schema "schemas/$std/3.2/$name.xsd" "$d"/*.xml 2>/dev/null
  done
}
run_iwmoctl() {
  for d in "$W"/iwmo/* "$W"/ijw/*; do
    "$IWMOCTL" validate "$d"/*.xml >/dev/null
  done
}

# Warm the page cache, check both tools accept every file, then time the best of three.
run_xmllint || { echo "xmllint rejected a generated file"; exit 1; }
run_iwmoctl || { echo "iwmoctl rejected a generated file"; exit 1; }
best() {
  b=""
  for r in 1 2 3; do
    t0=$(now); "$1"; t1=$(now)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    b=$(awk -v a="$b" -v t="$t" 'BEGIN { if (a == "" || t < a) print t; else print a }')
  done
  echo "$b"
}
TX=$(best run_xmllint)
TI=$(best run_iwmoctl)
awk -v n="$COUNT" -v bytes="$BYTES" -v tx="$TX" -v ti="$TI" 'BEGIN {
  printf "messages: %d (%.1f MB, 28 types)\n", n, bytes / 1e6
  printf "xmllint --noout --schema : %7.3f s  %8.0f msg/s  %6.1f MB/s\n", tx, n / tx, bytes / 1e6 / tx
  printf "iwmoctl validate         : %7.3f s  %8.0f msg/s  %6.1f MB/s\n", ti, n / ti, bytes / 1e6 / ti
  printf "ratio iwmoctl/xmllint    : %.2f (target >= 0.90)\n", tx / ti
}'
