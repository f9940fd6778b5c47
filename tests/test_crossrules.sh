#!/bin/sh
# test_crossrules.sh - the cross-message technical rules (daemon/crossrules.c)
# end to end against a real PostgreSQL, for iWmo 3.2 and iJw 3.2 alike: every
# rule once passing and once failing, checking the verdict, the retourcode on
# the class concerned in the retour (0200 on the client and the header), that
# the retour validates, and that a rejected message left no state behind.
# Messages come from the one-product templates in tests/corpus/cross and the
# 301/315 samples in tests/corpus/valid, one message per iwmod --once run.
# Usage: test_crossrules.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
CROSS="$SRC/tests/corpus/cross"
TODAY=2026-11-24
. "$SRC/tests/lib.sh"
tl_init cross

# ---- environment -----------------------------------------------------------
N=0
new_env() {  # new_env NAME gemeente|aanbieder: fresh directories, config and schema
  E="$T/$1"; mkdir -p "$E/inbox"
  if [ "$2" = gemeente ]; then
    ids='gemeenten: ["0363", "0599"], aanbieders: []'
  else
    ids='gemeenten: [], aanbieders: ["12345678", "87654321"]'
  fi
  cat >"$E/iwmod.yaml" <<YAML
identities: { $ids }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$DSN" }
clock: { today: $TODAY }
privacy: { pseudonym_key: "test-key" }
YAML
  sql "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
  "$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null || echo "$E: migrate failed" >>"$T/errors"
}
run() {  # run FILE NAME: deliver one message and let iwmod process it (with HOLD set: only keep it there)
  [ -z "${HOLD:-}" ] || { cp "$1" "$HOLD/$2"; return; }
  cp "$1" "$E/inbox/.$2" && mv "$E/inbox/.$2" "$E/inbox/$2"
  "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log" || echo "$E: iwmod --once exited $?" >>"$T/errors"
}
next_id() { N=$((N + 1)); ID=$(printf 'XC%08d' "$N"); }

# ---- the standard under test ------------------------------------------------
use_std() {
  S=$1
  if [ "$S" = iwmo ]; then
    P=WMO; AANB=12345678; BSN=999990019; NR1=100001; NR2=100002
    CAT1=01; CODE1=01A01; CAT2=07; CODE2=07A02; DEF=23
  else
    P=JW; AANB=87654321; BSN=999990111; NR1=100234; NR2=100235
    CAT1=45; CODE1=45A48; CAT2=42; CODE2=42A01; DEF=31
  fi
  OTHER_BSN=999990020     # DEF: a definitive RedenBeeindiging (20 is the temporary stop)
}
product() {  # product NR: the product the sample 301 assigns under that number
  if [ "$1" = "$NR2" ]; then CAT=$CAT2; CODE=$CODE2; else CAT=$CAT1; CODE=$CODE1; fi
}

# start NAME NR BEGIN STATUS [BSN] [GEMEENTE]: a 305 from the aanbieder
start() {
  next_id; product "$2"
  sed -e "s/@AANBIEDER@/$AANB/; s/@GEMEENTE@/${6:-0363}/; s/@ID@/$ID/; s/@BSN@/${5:-$BSN}/" \
      -e "s/@NR@/$2/; s/@CAT@/$CAT/; s/@CODE@/$CODE/; s/@BEGIN@/$3/; s/@STATUS@/$4/" \
      "$CROSS/$S-305.xml.in" >"$T/$1"
  run "$T/$1" "$1"
}
# stop NAME NR BEGIN EINDDATUM REDEN STATUS: a 307 from the aanbieder
stop() {
  next_id; product "$2"
  sed -e "s/@AANBIEDER@/$AANB/; s/@GEMEENTE@/0363/; s/@ID@/$ID/; s/@BSN@/$BSN/" \
      -e "s/@NR@/$2/; s/@CAT@/$CAT/; s/@CODE@/$CODE/; s/@BEGIN@/$3/; s/@EIND@/$4/" \
      -e "s/@REDEN@/$5/; s/@STATUS@/$6/" "$CROSS/$S-307.xml.in" >"$T/$1"
  run "$T/$1" "$1"
}
# toewijzing NAME [SED-EXPRESSION]: the sample 301 with a fresh identification
toewijzing() {
  next_id
  sed -e "s#Identificatie>TW2026000101<#Identificatie>$ID<#" -e '/<ReferentieAanbieder>/d' \
      -e "${2:-s/^//}" "$VALID/$S/${P}301.xml" >"$T/$1"
  run "$T/$1" "$1"
}
WITH_REF='s#\(<ToewijzingNummer>[0-9]*</ToewijzingNummer>\)#\1<ReferentieAanbieder>REF-0001</ReferentieAanbieder>#'

# ---- assertions ----------------------------------------------------------------
verdict() { sql "SELECT verdict FROM messages WHERE original_name = '$1'"; }
retour() {
  f=$(sql "SELECT d.filename FROM deliveries d JOIN messages m ON m.id = d.message_id
           WHERE m.original_name = '$1' AND d.kind = 'retour'")
  echo "$E/outbox/${f:-missing}"
}
codes() {  # codes FILE CLASS: the retourcodes of CLASS's own RetourCodes, space separated
  xmllint --xpath "//*[local-name()='$2']/*[local-name()='RetourCodes']/*[local-name()='RetourCode']/text()" \
    "$1" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//'
}
classes() {  # classes FILE: how many clients the retour repeats
  xmllint --xpath "count(//*[local-name()='Client'])" "$1" 2>/dev/null || echo missing
}
state_rows() {  # rows a message created or marked in the state tables
  sql "SELECT (SELECT count(*) FROM starts WHERE message_id = m.id OR deleted_by = m.id)
            + (SELECT count(*) FROM stops WHERE message_id = m.id OR deleted_by = m.id)
            + (SELECT count(*) FROM toewijzingen WHERE message_id = m.id)
       FROM messages m WHERE original_name = '$1'"
}
validates() { "$BIN/iwmoctl" validate --today "$TODAY" "$1" >/dev/null 2>&1; }

accepted() {  # accepted LABEL NAME: an accepted retour has no RetourCodes and repeats nothing
  r=$(retour "$2")
  check "$1: accepted" same "$(verdict "$2")" accepted
  check "$1: retour is the header alone" same "$(classes "$r")$(codes "$r" Header)" 0
  check "$1: retour validates" validates "$r"
  check "$1: state applied" test "$(state_rows "$2")" -ge 1
}
rejected() {  # rejected LABEL NAME CLASS CODES: CODES on CLASS, 0200 on Client and Header
  r=$(retour "$2")
  check "$1: rejected" same "$(verdict "$2")" rejected
  check "$1: $3 has $4" same "$(codes "$r" "$3")" "$4"
  check "$1: Client 0200" same "$(codes "$r" Client)" 0200
  check "$1: Header 0200" same "$(codes "$r" Header)" 0200
  check "$1: retour validates" validates "$r"
  check "$1: no state applied" same "$(state_rows "$2")" 0
}

for std in iwmo ijw; do
  use_std "$std"
  B1=2026-03-09; B2=2026-07-15; B9=2026-04-01

  # ---- 305 and 307 received by the gemeente ------------------------------------
  new_env "$S-gemeente" gemeente
  toewijzing t301.xml                     # our own 301: records NR1 and NR2 for the client
  check "$S: our 301 sent" same "$(verdict t301.xml)" sent

  start s-first.xml "$NR1" $B1 1
  accepted "$S TR019/TR074/TR326 pass: first start on a toewijzing" s-first.xml
  start s-unknown.xml 999999 $B1 1
  rejected "$S TR019 fail: unknown ToewijzingNummer" s-unknown.xml StartProduct 9019
  start s-otherclient.xml "$NR2" $B1 1 "$OTHER_BSN"
  rejected "$S TR019 fail: toewijzing of another client" s-otherclient.xml StartProduct 9019
  start s-taakgericht.xml 999999 $B1 1 "$BSN" 0599
  accepted "$S TR019 not judged: gemeente 0599 has no toewijzingen with us" s-taakgericht.xml
  start s-current.xml "$NR1" $B2 1
  rejected "$S TR326 fail: start while the product has a current start" s-current.xml StartProduct 9326
  stop p-temp.xml "$NR1" $B1 2026-06-30 20 1
  accepted "$S TR382/TR413/TR414/TR415/TR074 pass: temporary stop" p-temp.xml
  start s-again.xml "$NR1" $B1 1
  rejected "$S TR074 fail: start key received before" s-again.xml StartProduct 9074
  start s-restart.xml "$NR1" $B2 1
  accepted "$S TR326 pass: restart after a stop" s-restart.xml
  check "$S: two current start rows" same "$(sql "SELECT count(*) FROM starts WHERE deleted_by IS NULL AND toewijzing_nummer = '$NR1'")" 2

  stop p-temp2.xml "$NR1" $B1 2026-07-10 20 1
  rejected "$S TR413 fail: second temporary stop" p-temp2.xml StopProduct 9413
  stop p-earlier.xml "$NR1" $B1 2026-06-01 $DEF 1
  rejected "$S TR414 fail: Einddatum before the current stop's" p-earlier.xml StopProduct 9414
  stop p-dup.xml "$NR1" $B1 2026-06-30 20 1
  rejected "$S TR074 fail: stop key received before (also a second reden 20)" p-dup.xml StopProduct "9074 9413"
  stop p-final.xml "$NR1" $B1 2026-06-30 $DEF 1
  accepted "$S TR413/TR414/TR415 pass: definitive stop on the temporary stop's date" p-final.xml
  stop p-after.xml "$NR1" $B1 2026-08-31 $DEF 1
  rejected "$S TR415 fail: stop after a definitive stop" p-after.xml StopProduct 9415
  stop p-nostart.xml "$NR1" $B9 2026-06-30 $DEF 1
  rejected "$S TR382 fail: stop without a matching start" p-nostart.xml StopProduct 9069
  stop p-othernr.xml "$NR2" $B1 2026-06-30 $DEF 1
  rejected "$S TR382 fail: ToewijzingNummer changed from the start's" p-othernr.xml StopProduct 9069
  stop p-unknown.xml 999999 $B1 2026-06-30 $DEF 1
  rejected "$S TR019 fail (307): unknown ToewijzingNummer" p-unknown.xml StopProduct "9019 9069"

  # deletions (StatusAanlevering 3)
  start d-none.xml "$NR2" $B1 3
  rejected "$S TR063 fail: deleting a start never received" d-none.xml StartProduct 9063
  start s-second.xml "$NR2" $B1 1
  accepted "$S start on the second toewijzing" s-second.xml
  start d-start.xml "$NR2" $B1 3
  accepted "$S TR063/TR071 pass: deleting a start without a stop" d-start.xml
  check "$S: deleted start marked" same "$(sql "SELECT count(*) FROM starts s JOIN messages m ON m.id = s.deleted_by WHERE m.original_name = 'd-start.xml'")" 1
  start s-readd.xml "$NR2" $B1 1
  accepted "$S TR074 pass: a deleted key may be delivered again" s-readd.xml
  start d-stopped.xml "$NR1" $B1 3
  rejected "$S TR071 fail: deleting a start that has a stop" d-stopped.xml StartProduct 9071
  stop dp-none.xml "$NR1" $B1 2026-09-30 $DEF 3
  rejected "$S TR063 fail: deleting a stop never received" dp-none.xml StopProduct 9063
  stop p-restart.xml "$NR1" $B2 2026-10-31 $DEF 1
  accepted "$S stop of the restarted delivery" p-restart.xml
  stop dp-stop.xml "$NR1" $B2 2026-10-31 $DEF 3
  accepted "$S TR063 pass: deleting a stop received before" dp-stop.xml
  check "$S: deleted stop marked" same "$(sql "SELECT count(*) FROM stops s JOIN messages m ON m.id = s.deleted_by WHERE m.original_name = 'dp-stop.xml'")" 1

  # StatusAanlevering 2 (OP033x2) is schema-valid but CS058 rejects it technically (0001)
  start s-status2.xml "$NR2" $B9 2
  r=$(retour s-status2.xml)
  check "$S OP033x2: status 2 rejected" same "$(verdict s-status2.xml)" rejected
  check "$S OP033x2: technical retour, header 0001" same "$(codes "$r" Header)" 0001
  check "$S OP033x2: no class repeated" same "$(codes "$r" StartProduct)" ""
  check "$S OP033x2: retour validates" validates "$r"
  check "$S OP033x2: no state applied" same "$(state_rows s-status2.xml)" 0

  # ---- 301 received by the aanbieder -------------------------------------------
  new_env "$S-aanbieder" aanbieder
  toewijzing a-ref-early.xml "$WITH_REF"
  rejected "$S TR379 fail: ReferentieAanbieder before any verzoek" a-ref-early.xml ToegewezenProduct "9379 9379"
  toewijzing a-first.xml
  accepted "$S TR332/TR379 pass: first toewijzingen, no ReferentieAanbieder" a-first.xml
  run "$VALID/$S/${P}315.xml" v315.xml     # our own verzoek om toewijzing goes out
  check "$S: our 315 sent" same "$(verdict v315.xml)" sent
  toewijzing a-ref.xml "$WITH_REF"
  accepted "$S TR379 pass: ReferentieAanbieder after a verzoek; TR332 pass on a re-sent number" a-ref.xml
  toewijzing a-otherclient.xml "s#Bsn>$BSN<#Bsn>$OTHER_BSN<#"
  rejected "$S TR332 fail: numbers reused for another client" a-otherclient.xml ToegewezenProduct "9332 9332"
  toewijzing a-swapped.xml "s#>$NR1<#>TMP<#; s#>$NR2<#>$NR1<#; s#>TMP<#>$NR2<#"
  rejected "$S TR332 fail: numbers reused for other products" a-swapped.xml ToegewezenProduct "9332 9332"
  check "$S: toewijzing kept its client" same "$(sql "SELECT count(*) FROM toewijzingen t JOIN clients c ON c.id = t.client_id WHERE c.bsn = '$BSN'")" 2
  check "$S: toewijzing kept its product" same "$(sql "SELECT product_code FROM toewijzingen WHERE toewijzing_nummer = '$NR1'")" "$CODE1"
done

# ---- one batch answers as one message at a time ----------------------------------
# The spine reads a batch's answers ahead (process.c, read_ahead): a stop after its
# start, a repeated key, an exact re-delivery and a reused identification, all in one
# batch, must end exactly as when each file is processed on its own.
batch_messages() {  # the messages, kept in $HOLD in their order
  N=500
  # Seven fillers first: a new process takes batches of 1, 2, 4 and then 8 (slow start,
  # iwmod.c), so the eight messages under test share one batch.
  for k in 1 2 3 4 5 6 7; do start "a$k-filler.xml" "$NR2" "2026-0$k-01" 1 "$OTHER_BSN"; done
  start b1-start.xml "$NR1" "$B1" 1
  start b2-other.xml "$NR2" "$B2" 1 "$OTHER_BSN"
  stop b3-stop.xml "$NR1" "$B1" 2026-09-30 "$DEF" 1
  start b4-again.xml "$NR1" "$B1" 1
  cp "$HOLD/b1-start.xml" "$HOLD/b5-redelivered.xml"
  sed "s/$B1/$B9/" "$HOLD/b1-start.xml" >"$HOLD/b6-reused-id.xml"
  start b7-start2.xml "$NR2" "$B2" 1
  stop b8-stop-deleted.xml "$NR1" "$B1" 2026-09-30 "$DEF" 3
}
outcome() {  # one line per message: name, verdict, retourcodes
  sql "SELECT original_name || ' ' || verdict || ' ' || coalesce(array_to_string(retourcodes, ','), '-')
       FROM messages WHERE original_name LIKE 'b%' ORDER BY original_name"
}
for std in iwmo ijw; do
  use_std "$std"
  B1=2026-03-09; B2=2026-07-15; B9=2026-04-01
  for mode in single batch; do
    new_env "$S-$mode" gemeente
    toewijzing t301.xml
    HOLD="$T/$S-$mode-held"; mkdir -p "$HOLD"
    batch_messages
    i=0
    for f in $(ls "$HOLD"); do
      i=$((i + 1))
      if [ $mode = single ]; then
        HOLD="" run "$HOLD/$f" "$f"
      else
        cp "$HOLD/$f" "$E/inbox/.$f" && touch -d "@$((1700000000 + i))" "$E/inbox/.$f" && mv "$E/inbox/.$f" "$E/inbox/$f"
      fi
    done
    HOLD=""
    [ $mode = single ] || "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log" ||
      echo "$E: iwmod --once exited $?" >>"$T/errors"
    outcome >"$T/$S-$mode.outcome"
  done
  check "$S batch: eight messages recorded" same "$(wc -l <"$T/$S-batch.outcome")" 8
  check "$S batch: the eight went through one transaction" \
    same "$(sql "SELECT count(DISTINCT xmin::text) FROM messages WHERE original_name LIKE 'b%'")" 1
  check "$S batch: same verdicts and codes as one at a time" diff "$T/$S-single.outcome" "$T/$S-batch.outcome"
  check "$S batch: the stop after its start in the same batch is accepted" \
    grep -q "^b3-stop.xml accepted" "$T/$S-batch.outcome"
  check "$S batch: the repeated start is refused (TR074)" grep -q "^b4-again.xml rejected 9074" "$T/$S-batch.outcome"
  check "$S batch: the re-delivery is a duplicate (TR056)" grep -q "^b5-redelivered.xml duplicate" "$T/$S-batch.outcome"
  check "$S batch: the reused identification is refused (9056)" grep -q "^b6-reused-id.xml rejected 9056" "$T/$S-batch.outcome"
done

# ---- a message the database refuses does not hold up the others -------------------
# A trigger refuses one message's row (SQLSTATE P0001: its data, not the database's
# health). The batch fails, is retried one claim at a time, the other two are answered,
# the refused one stays queued for the operator, and the daemon does not fall over.
use_std iwmo
new_env refused gemeente
toewijzing t301.xml
HOLD="$T/refused-held"; mkdir -p "$HOLD"
N=900
start r1.xml "$NR1" 2026-03-09 1
start r2.xml "$NR2" 2026-07-15 1; BAD_ID=$ID
start r3.xml "$NR1" 2026-03-09 1 "$OTHER_BSN"
HOLD=""
sql "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
       IF NEW.bericht_id = '$BAD_ID' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END \$\$;
     CREATE TRIGGER refuse_one BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_one();"
for f in r1.xml r2.xml r3.xml; do cp "$T/refused-held/$f" "$E/inbox/.$f" && mv "$E/inbox/.$f" "$E/inbox/$f"; done
"$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"
rc=$?
check "refused row: --once says a file must be retried (exit 1)" test $rc -eq 1
check "refused row: the others are answered" same "$(verdict r1.xml) $(verdict r3.xml)" "accepted rejected"
check "refused row: the refused message stays queued" test -n "$(find "$E/queue/active" -name '*r2.xml')"
check "refused row: nothing recorded for it" same "$(verdict r2.xml)" ""
check "refused row: the log names the data error" grep -q "SQLSTATE P0001" "$E/log"
check "refused row: no crash" test "$(grep -c 'Sanitizer\|double free' "$E/log")" -eq 0

check "every iwmod run exited 0 (no sanitizer report, no database error)" test ! -s "$T/errors"
[ -s "$T/errors" ] && cat "$T/errors" && grep -h -B2 -A8 'Sanitizer\|database' "$T"/*/log | head -40
leaks=0
for b in 999990019 999990111 999990020; do grep -rq "$b" "$T"/*/log 2>/dev/null && leaks=$((leaks + 1)); done
check "no BSN in the logs" test $leaks -eq 0

echo "$pass passed, $fail failed"
test "$fail" -eq 0
