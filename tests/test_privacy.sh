#!/bin/sh
# test_privacy.sh - personal data stays where it belongs. A full run of the
# daemon (events on ZeroMQ, metrics on HTTP, log lines on stderr) over a
# corpus whose clients have recognisable made-up names, birth dates,
# streets, postcodes and BSNs: accepted and rule-rejected inbound messages,
# a schema-invalid one, one for another gemeente, malformed XML holding a
# BSN, our own 301 (forwarded) and our own invalid 301 (rejected/ with a
# .report), declaraties and a verzoek. Then every log line, every event
# (received live and as stored), the /metrics and /healthz answers, every
# .reason and .report file and the non-personal database columns are
# searched for every personal value of the corpus, in every date format;
# any hit fails the test, naming where it was found. The staged and
# delivered retours are messages and hold the BSN by design; they are not
# searched (docs/privacy.md lists the places that legitimately hold
# personal data).
# Usage: test_privacy.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
. "$SRC/tests/lib.sh"
tl_init privacy
PORT=$(( 20000 + ($$ + 7919) % 30000 ))     # the metrics endpoint
DAEMON_PID=""; SUB_PID=""
stop_all() {
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  [ -n "$SUB_PID" ] && kill "$SUB_PID" 2>/dev/null && wait "$SUB_PID" 2>/dev/null
  DAEMON_PID=""; SUB_PID=""
}
trap 'stop_all; tl_cleanup' EXIT

# ---- the corpus: the samples with made-up, recognisable personal values -------------------
C="$T/corpus"; mkdir -p "$C"
cat >"$T/personal.sed" <<'SED'
s#Achternaam>Jansen<#Achternaam>Quirijnsdochter<#g
s#Achternaam>Vries<#Achternaam>Zwaluwstaartje<#g
s#Achternaam>Testpersoon<#Achternaam>Kemphaansveld<#g
s#Voornamen>Maria Anna<#Voornamen>Wendeline Aaltje<#g
s#Voornamen>Eva Maria<#Voornamen>Jozefientje Ida<#g
s#Voornamen>Sanne<#Voornamen>Fenneke<#g
s#Voornamen>Jan<#Voornamen>Siebrandus<#g
s#Straatnaam>Teststraat<#Straatnaam>Kievitsbloemlaan<#g
s#Postcode>1011AB<#Postcode>9469QX<#g
s#Postcode>1012AB<#Postcode>9468QZ<#g
/Geboortedatum>/,/Geboortedatum>/s#Datum>[0-9]\{4\}-\([0-9][0-9]\)-\([0-9][0-9]\)<#Datum>1931-\1-\2<#
SED
for f in iwmo/WMO301 iwmo/WMO305 iwmo/WMO307 iwmo/WMO323 iwmo/WMO315 ijw/JW301 ijw/JW305 ijw/JW307 ijw/JW323; do
  sed -f "$T/personal.sed" "$VALID/$f.xml" >"$C/$(basename "$f").xml"
done
P="$C/WMO305.xml"
# rule-rejected: a birth date after the dagtekening
sed 's#Identificatie>ST2026000305<#Identificatie>ST2026009305<#; /Geboortedatum>/,/Geboortedatum>/s#Datum>[0-9-]*<#Datum>2031-07-23<#' \
  "$P" >"$C/future305.xml"
# schema-invalid: a ten-digit BSN (the XSD finding must not quote it)
sed 's#Identificatie>ST2026000305<#Identificatie>ST2026008305<#; s#Bsn>999990019<#Bsn>9999900190<#' "$P" >"$C/xsd305.xml"
# for another gemeente
sed 's#Ontvanger>0363<#Ontvanger>0599<#; s#Identificatie>ST2026000305<#Identificatie>ST2026007305<#' "$P" >"$C/notours305.xml"
# malformed: cut off inside the client, after the BSN and the name
awk '{ print } /Achternaam>/ { exit }' "$P" >"$C/broken305.xml"
# our own 301 with an impossible birth date: rejected/ with a .report, never sent
sed 's#Identificatie>TW2026000101<#Identificatie>TW2026000909<#; /Geboortedatum>/,/Geboortedatum>/s#Datum>[0-9-]*<#Datum>1848-11-02<#' \
  "$C/WMO301.xml" >"$C/bad301.xml"
# a 323 for a toewijzing that does not exist (rejected per prestatie)
sed 's#DC2026000323#DC2026006323#; s#ToewijzingNummer>100001<#ToewijzingNummer>990001<#g' "$C/WMO323.xml" >"$C/unknown323.xml"

# every personal value in the corpus: BSNs (also the invalid one), names, streets, postcodes,
# birth dates as YYYY-MM-DD and YYYYMMDD (and DD-MM-YYYY)
grep -ho -E '(Bsn|Achternaam|Voornamen|Straatnaam|Postcode)>[^<]+<' "$C"/*.xml | sed 's#^[^>]*>##; s#<$##' >"$T/values"
sed -n '/Geboortedatum>/,/Geboortedatum>/s#.*Datum>\([0-9-]*\)<.*#\1#p' "$C"/*.xml >"$T/dates"
{ cat "$T/values" "$T/dates"; tr -d - <"$T/dates"; awk -F- '{ print $3 "-" $2 "-" $1 }' "$T/dates"; } |
  sort -u >"$T/personal"
check "the corpus has names, streets, postcodes, BSNs and birth dates to look for" \
  test "$(wc -l <"$T/personal")" -ge 20
check "  including the made-up ones" grep -qx Quirijnsdochter "$T/personal"
check "  and the malformed file holds a BSN" grep -q 999990019 "$C/broken305.xml"

# ---- the run: the daemon with events and metrics, a live subscriber --------------------
tl_env run 'gemeenten: ["0363"], aanbieders: []' "events: { bind: \"ipc://$T/ev.sock\", start_delay_ms: 600 }
metrics: { bind: \"127.0.0.1:$PORT\" }
log: { level: debug, journal: false }"
sed -i '0,/^log: { journal: false }$/{/^log: { journal: false }$/d}' "$E/iwmod.yaml"
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" >"$T/events.live" 2>"$T/sub.err" &
SUB_PID=$!
"$BIN/iwmod" --config "$E/iwmod.yaml" 2>"$T/daemon.log" &
DAEMON_PID=$!
drop() { cp "$1" "$E/inbox/.$(basename "$1")" && mv "$E/inbox/.$(basename "$1")" "$E/inbox/$(basename "$1")"; }
drained() { [ -z "$(ls "$E/inbox")" ] && [ -z "$(find "$E/queue/active" -type f 2>/dev/null)" ]; }   # active/<owner>/ stays
wait_drained() { n=300; sleep 0.3; while [ $n -gt 0 ] && ! drained; do sleep 0.1; n=$((n - 1)); done; drained; }
for f in WMO301 JW301; do drop "$C/$f.xml"; done        # the toewijzingen first
check "the 301s are processed" wait_drained
for f in "$C"/*.xml; do
  case $(basename "$f") in WMO301.xml|JW301.xml) ;; *) drop "$f" ;; esac
done
check "the whole corpus is processed" wait_drained
curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics.out"
curl -s "http://127.0.0.1:$PORT/healthz" >"$T/healthz.out"
sleep 1
kill "$DAEMON_PID"; wait "$DAEMON_PID"; daemon_rc=$?; DAEMON_PID=""
check "the daemon stops on SIGTERM with status 0" test $daemon_rc -eq 0
stop_all
"$BIN/iwmoctl" events --config "$E/iwmod.yaml" --since 0 >"$T/events.replay" 2>>"$T/sub.err"
sql "SELECT body::text FROM events ORDER BY seq" >"$T/events.table"
sql "SELECT concat_ws(' ', original_name, claim, standard, msg_type, direction, sender, receiver, bericht_id,
       verdict, retourcodes::text, findings::text, note) FROM messages" >"$T/messages.cols"
sql "SELECT concat_ws(' ', kind, identificatie, filename) FROM deliveries" >"$T/deliveries.cols"
sql "SELECT pseudonym FROM clients" >"$T/clients.pseudonym"

# ---- the run did what the corpus asks (so the search below has something to search) ------
v() { sql "SELECT verdict FROM messages WHERE original_name = '$1'"; }
check "accepted 305" test "$(v WMO305.xml)" = accepted
check "rule-rejected 305" test "$(v future305.xml)" = rejected
check "schema-invalid 305 quarantined with a reason" test "$(v xsd305.xml)" = invalid -a -s "$(ls "$E"/queue/quarantine/*-xsd305.xml.reason)"
check "not-ours quarantined with a reason" test -s "$(ls "$E"/queue/quarantine/*-notours305.xml.reason)"
check "malformed quarantined with a reason" test -s "$(ls "$E"/queue/quarantine/*-broken305.xml.reason)"
check "our invalid 301 rejected with a report" test -s "$(ls "$E"/queue/rejected/*-bad301.xml.report)"
check "declaraties answered" test "$(find "$E/outbox" -name '*325_*' | wc -l)" -ge 3
check "events received live" test "$(grep -c . "$T/events.live")" -ge 10
check "events stored" test "$(grep -c . "$T/events.table")" -ge 10
check "metrics fetched" grep -q '^iwmod_messages_total' "$T/metrics.out"
check "healthz fetched" grep -q ok "$T/healthz.out"
check "log lines captured" test "$(grep -c 'verdict=' "$T/daemon.log")" -ge 14
check "nothing under queue/ or outbox/ open to others or group-writable" test -z "$(find "$E/queue" "$E/outbox" -perm /027)"
check "no sanitizer report or crash" sh -c "! grep -q -e Sanitizer -e 'runtime error' '$T/daemon.log'"

# ---- the search ------------------------------------------------------------------------
cp "$E"/queue/quarantine/*.reason "$E"/queue/rejected/*.report "$T/" 2>/dev/null
leaks=0
for place in daemon.log sub.err events.live events.replay events.table metrics.out healthz.out \
             messages.cols deliveries.cols clients.pseudonym $(cd "$T" && ls *.reason *.report); do
  hits=$(grep -F -o -f "$T/personal" "$T/$place" | sort -u | tr '\n' ' ')
  [ -z "$hits" ] || { echo "  personal data in $place: $hits"; leaks=$((leaks + 1)); }
done
check "no personal value in logs, events, metrics, reasons, reports or non-personal columns" test $leaks -eq 0
# the search itself finds a planted value
cp "$T/daemon.log" "$T/planted.log"; echo "file=x Quirijnsdochter" >>"$T/planted.log"
check "the search finds a planted name (it can fail)" grep -q -F -f "$T/personal" "$T/planted.log"

echo "test_privacy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
