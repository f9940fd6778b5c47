#!/bin/bash
# bench/declaratie.sh - one big declaratie end to end: CLIENTS toewijzingen (301)
# are loaded first, then one 323 with PER prestaties per client (default 4,000
# x 10 = 30,000 lines, about 23 MB, under the OP179 limit) goes through
# `iwmod --once`. Each prestatie is one whole month (January, February, ...)
# of 40 hours against a toewijzing of 10 hours a week, so every line is valid
# and approved. Prints wall time and peak RSS next to
# `xmllint --noout --stream --schema` on the same file, and the 325's totals.
#
# Usage: bench/declaratie.sh [CLIENTS] [PER]   (PER <= 10; 3000 x 10 stays under 25 MB)
#        COMPACT=1 bench/declaratie.sh 4500 10   (no indentation: 45,000 lines in 24.5 MB)
#        MAX_BYTES=40000000 COMPACT=1 bench/declaratie.sh 7000 10   (past the limit: 70,000 lines)
set -euo pipefail
cd "$(dirname "$0")/.."
NC=${1:-3000}
PER=${2:-10}
BIN=build/bin
C=tests/corpus/declaratie
W=$(mktemp -d /tmp/iwmod-decl-XXXXXX)
chmod 755 "$W"
export IWMOD_PG_PORT=${IWMOD_PG_PORT:-55432}
cleanup() { scripts/pg.sh stop "$W/pg"; [ -n "${KEEP:-}" ] || rm -rf "$W"; }
trap cleanup EXIT
DSN=$(scripts/pg.sh start "$W/pg")
mkdir -p "$W/inbox"
cat >"$W/iwmod.yaml" <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $W/inbox, outbox: $W/outbox }
queue: $W/queue
database: { dsn: "$DSN" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "bench" }
log: { level: warning }
YAML
# MAX_BYTES=N: accept a file over the OP179 limit (to see how time and memory grow past it)
[ -z "${MAX_BYTES:-}" ] || echo "limits: { max_bytes: $MAX_BYTES }" >>"$W/iwmod.yaml"
$BIN/iwmoctl migrate --config "$W/iwmod.yaml" >/dev/null

fill() {  # fill TEMPLATE ID
  sed -e "s/@STD@/iwmo/g; s/@T@/wmo/g; s/@XV@/1.0.0/g; s/@ID@/$2/; s/@AANB@/31110001/" "$C/$1"
}
echo "== generating $NC toewijzingen and one 323 with $((NC * PER)) prestaties"
# One line per client: BSN (elfproef, test range) and ToewijzingNummer.
awk -v n="$NC" 'BEGIN {
  for (i = 0; i < n; i++) {
    for (b = 999000000 + i * 10; ; b++) {
      s = sprintf("%09d", b); sum = 0
      for (k = 1; k <= 8; k++) sum += substr(s, k, 1) * (10 - k)
      if ((sum - substr(s, 9, 1)) % 11 == 0) break
    }
    print s, 600000 + i
  }}' >"$W/clients"
OMVANG='<Omvang><b:Volume>10<\/b:Volume><b:Eenheid>04<\/b:Eenheid><b:Frequentie>2<\/b:Frequentie><\/Omvang>'
fill 301.xml.in X | sed -e "s/@BC@/414/; s/@CAT@/02/; s#@CODE@#<b:Code>02A03</b:Code>#" \
  -e "s/@INGANG@/2026-01-01/; s/@EIND@/2026-12-31/; s#@EXTRA@#$OMVANG#" >"$W/t301"
awk -v dir="$W/inbox" -v tpl="$W/t301" 'BEGIN { while ((getline l < tpl) > 0) t = t l "\n" }
  { b = t; sub(/@NR@/, $2, b); sub(/@BSN@/, $1, b); sub(/Identificatie>X</, sprintf("Identificatie>T%d<", NR), b)
    f = sprintf("%s/t%06d.xml", dir, NR); printf "%s", b > f; close(f) }' "$W/clients"
awk -v per="$PER" 'BEGIN { split("31 28 31 30 31 30 31 31 30 31", end, " ") }
  { for (m = 1; m <= per; m++)
    printf "%s P%d-%d - %s 02 02A03 2026-%02d-01 2026-%02d-%02d 40 04 5000 D\n", $1, $2, m, $2, m, m, end[m] }' \
  "$W/clients" | awk -v total="$W/total" -f "$C/prestaties.awk" >"$W/clienten"
fill 323.xml.in D1 | sed -e "s/@BC@/484/; s/@DNR@/BENCH1/; s/@PBEGIN@/2026-10-01/; s/@PEIND@/2026-10-31/" \
  -e "s/@TOTAL@/$(cut -d' ' -f1 "$W/total")/; s/@DC@/$(cut -d' ' -f2 "$W/total")/" \
  -e "/@CLIENTEN@/{r $W/clienten" -e "d}" >"$W/big323.xml"
if [ -n "${COMPACT:-}" ]; then           # no indentation, as many senders write it: more lines per MB
  sed -i -e 's/^ *//' "$W/big323.xml"
fi
SIZE=$(stat -c %s "$W/big323.xml")

echo "== loading the toewijzingen"
t0=$(date +%s.%N); $BIN/iwmod --config "$W/iwmod.yaml" --once 2>>"$W/log"; t1=$(date +%s.%N)
TLOAD=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

echo "== xmllint --noout --stream --schema"
/usr/bin/time -f "%e %M" -o "$W/xt" xmllint --noout --stream --schema schemas/iwmo/3.2/WMO323.xsd "$W/big323.xml" 2>/dev/null
echo "== iwmod --once on the 323"
cp "$W/big323.xml" "$W/inbox/"
/usr/bin/time -f "%e %M" -o "$W/it" ${PROFILE:-} $BIN/iwmod --config "$W/iwmod.yaml" --once 2>>"$W/log"
R325=$(ls "$W"/outbox/WMO325_* 2>/dev/null | head -n 1)
APPROVED=$(psql "$DSN" -Atc "SELECT count(*) FILTER (WHERE status = 'approved') || ' approved, ' ||
  count(*) FILTER (WHERE status = 'rejected') || ' rejected' FROM prestaties")
read -r XT XM <"$W/xt"; read -r IT IM <"$W/it"
awk -v size="$SIZE" -v n="$((NC * PER))" -v nc="$NC" -v xt="$XT" -v xm="$XM" -v it="$IT" -v im="$IM" \
    -v tload="$TLOAD" -v appr="$APPROVED" -v r325="${R325:+yes}" 'BEGIN {
  printf "\ndeclaratie            : %.1f MB, %d prestaties over %d clients (toewijzingen loaded in %s s)\n", size / 1e6, n, nc, tload
  printf "xmllint --stream      : %6.2f s, peak RSS %6.1f MB\n", xt, xm / 1024
  printf "iwmod --once          : %6.2f s, peak RSS %6.1f MB  (%.2f x xmllint)\n", it, im / 1024, it / xt
  printf "prestaties            : %s; 325 written: %s\n", appr, r325 == "" ? "no" : r325
}'
[ -n "$R325" ] && grep -A2 'TotaalToegekendBedrag' "$R325" | tr -d ' ' | tr '\n' ' ' && echo
