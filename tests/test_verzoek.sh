#!/bin/sh
# test_verzoek.sh - the verzoek rules (daemon/verzoek.c) end to end against a
# real PostgreSQL, for iWmo 3.2 and iJw 3.2: each rule passing and failing,
# checking the verdict, the retourcode on the class concerned in the retour,
# that the retour validates, and the verzoeken rows (state, retour_status,
# answers, the honouring 301). Messages are the samples of tests/corpus/valid
# changed with sed; the 301 and 317 get their products from the shell
# functions below. One message per iwmod --once run.
# Usage: test_verzoek.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
TODAY=2026-11-24
. "$SRC/tests/lib.sh"
tl_init verzoek

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
run() {  # run FILE NAME: deliver one message and let iwmod process it
  cp "$1" "$E/inbox/.$2" && mv "$E/inbox/.$2" "$E/inbox/$2"
  "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log" || echo "$E: iwmod --once exited $?" >>"$T/errors"
}
next_id() { N=$((N + 1)); ID=$(printf 'XV%08d' "$N"); }

# ---- the standard under test ------------------------------------------------
use_std() {
  S=$1
  if [ "$S" = iwmo ]; then
    P=WMO; B=iwmo; AANB=12345678; BSN=999990019; ING=2026-03-09
    NR1=100001; NR2=100002; NR3=100003; NR4=100004
    CAT1=01; CODE1=01A01; CAT2=07; CODE2=07A02; CAT3=02; NCAT=03; NCODE=03A01
    SREF1=VOT2026-0042; SREF2=VOT2026-0043; SWREF=VOW2026-0007; TD=2026-03-02
    RETOUR_OK_REF=VOT2026-0051
  else
    P=JW; B=ijw; AANB=87654321; BSN=999990111; ING=2026-02-01
    NR1=100234; NR2=100235; NR3=100236; NR4=100237
    CAT1=45; CODE1=45A48; CAT2=42; CODE2=42A01; CAT3=41; NCAT=45; NCODE=45A50
    SREF1=AANVR-2026-0001; SREF2=AANVR-2026-0002; SWREF=VOW-2026-0003; TD=2026-01-26
    RETOUR_OK_REF=AANVR-2026-0005
  fi
  OTHER_BSN=999990020
}
omvang() { echo "<Omvang><$B:Volume>${1:-3}</$B:Volume><$B:Eenheid>04</$B:Eenheid><$B:Frequentie>${2:-2}</$B:Frequentie></Omvang>"; }

# tp NR CAT CODE INGANG EIND EXTRA [REF]: one ToegewezenProduct (empty CAT: no Product)
tp() {
  ref=""; prod=""
  [ -n "${7:-}" ] && ref="<ReferentieAanbieder>$7</ReferentieAanbieder>"
  [ -n "$2" ] && prod="<Product><$B:Categorie>$2</$B:Categorie>${3:+<$B:Code>$3</$B:Code>}</Product>"
  echo "<ToegewezenProduct><ToewijzingNummer>$1</ToewijzingNummer>$ref$prod<Toewijzingsdatum>$TD</Toewijzingsdatum>"
  echo "<Toewijzingstijd>10:15:00</Toewijzingstijd><Ingangsdatum>$4</Ingangsdatum><Einddatum>$5</Einddatum>$6</ToegewezenProduct>"
}
# the four toewijzingen of the client: coded, coded, category only, budget without product (2027)
four_tps() {  # four_tps [REF]: REF honours a verzoek on the first one
  tp "$NR1" "$CAT1" "$CODE1" "$ING" 2026-12-31 "$(omvang)" "${1:-}"
  tp "$NR2" "$CAT2" "$CODE2" "$ING" 2026-12-31 "$(omvang 2)"
  tp "$NR3" "$CAT3" "" "$ING" 2026-12-31 ""
  tp "$NR4" "" "" 2027-01-01 2027-06-30 "<Budget>150000</Budget>"
}
# toewijzing NAME [REF]: the sample 301 with our four ToegewezenProducten
toewijzing() {
  next_id; four_tps "${2:-}" >"$T/frag"
  sed -e "s#Identificatie>[^<]*<#Identificatie>$ID<#" -e '/<ToegewezenProduct>/,/<\/ToegewezenProduct>/d' \
      -e "/<ToegewezenProducten>/r $T/frag" "$VALID/$S/${P}301.xml" >"$T/$1"
  run "$T/$1" "$1"
}
# vot NAME REF1 REF2 [BSN] [ONTVANGER]: the sample 315 with these ReferentieAanbieder values
vot() {
  next_id
  sed -e "s#Identificatie>[^<]*<#Identificatie>$ID<#; s#Bsn>[0-9]*<#Bsn>${4:-$BSN}<#" \
      -e "s#>$SREF1<#>$2<#; s#>$SREF2<#>$3<#; s#Ontvanger>0363<#Ontvanger>${5:-0363}<#" \
      "$VALID/$S/${P}315.xml" >"$T/$1"
  run "$T/$1" "$1"
}
ong() { for nr in "$@"; do echo "<OngewijzigdProduct><ToewijzingNummer>$nr</ToewijzingNummer></OngewijzigdProduct>"; done; }
# tew NR GEWENST EIND EXTRA: one TeWijzigenProduct
tew() { echo "<TeWijzigenProduct><ToewijzingNummer>$1</ToewijzingNummer><GewensteIngangsdatum>$2</GewensteIngangsdatum><Einddatum>$3</Einddatum>$4</TeWijzigenProduct>"; }
nieuw() {  # nieuw CAT CODE FROM TO
  echo "<NieuwProduct><Product><$B:Categorie>$1</$B:Categorie><$B:Code>$2</$B:Code></Product><GewensteIngangsdatum>$3</GewensteIngangsdatum><Einddatum>$4</Einddatum>$(omvang)</NieuwProduct>"
}
# vow NAME REF ONG TEW NIEUW [ONTVANGER]: a 317 (Dagtekening 2026-06-15) with these product lists
vow() {
  next_id
  { echo "<RedenVerzoek>1</RedenVerzoek>"
    [ -n "$3" ] && echo "<OngewijzigdeProducten>$3</OngewijzigdeProducten>"
    [ -n "$4" ] && echo "<TeWijzigenProducten>$4</TeWijzigenProducten>"
    [ -n "$5" ] && echo "<NieuweProducten>$5</NieuweProducten>"; } >"$T/frag"
  sed -e "s#Identificatie>[^<]*<#Identificatie>$ID<#; s#Dagtekening>[^<]*<#Dagtekening>2026-06-15<#" \
      -e "s#ReferentieAanbieder>[^<]*<#ReferentieAanbieder>$2<#; s#Ontvanger>0363<#Ontvanger>${6:-0363}<#" \
      -e '/<OngewijzigdeProducten>/,/<\/NieuweProducten>/d' -e '/<RedenVerzoek>/{' -e "r $T/frag" -e 'd;}' \
      "$VALID/$S/${P}317.xml" >"$T/$1"
  run "$T/$1" "$1"
}
# antwoord NAME REF 1|2: the sample 319 (reden 3 with a refusal)
antwoord() {
  next_id
  sed -e "s#Identificatie>[^<]*<#Identificatie>$ID<#; s#ReferentieAanbieder>[^<]*<#ReferentieAanbieder>$2<#" \
      -e "s#VerzoekAntwoord>[12]<#VerzoekAntwoord>$3<#; s#RedenAfwijzingVerzoek>[^<]*<#RedenAfwijzingVerzoek>3<#" \
      "$VALID/$S/${P}319.xml" >"$T/$1"
  [ "$3" = 2 ] && sed -i '/RedenAfwijzingVerzoek/d' "$T/$1"
  run "$T/$1" "$1"
}

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
validates() { "$BIN/iwmoctl" validate --today "$TODAY" "$1" >/dev/null 2>&1; }
rows() {  # verzoeken and answers a message recorded
  sql "SELECT (SELECT count(*) FROM verzoeken WHERE message_id = m.id)
            + (SELECT count(*) FROM verzoek_antwoorden WHERE message_id = m.id)
       FROM messages m WHERE original_name = '$1'"
}
vstate() {  # vstate REF: retour_status/state/verzoek_antwoord/reden of the verzoek with that referentie
  sql "SELECT retour_status || '/' || state || '/' || coalesce(verzoek_antwoord, '-') || '/' ||
              coalesce(reden_afwijzing, '-') FROM verzoeken WHERE referentie = '$1' ORDER BY id"
}
accepted() {  # accepted LABEL NAME ROWS: no RetourCodes anywhere, ROWS rows recorded
  r=$(retour "$2")
  check "$1: accepted" same "$(verdict "$2")" accepted
  check "$1: retour is the header alone" same "$(codes "$r" Header)" ""
  check "$1: retour validates" validates "$r"
  check "$1: recorded" same "$(rows "$2")" "$3"
}
rejected() {  # rejected LABEL NAME CLASS CODES: CODES on CLASS, 0200 on the header; nothing recorded
  r=$(retour "$2")
  check "$1: rejected" same "$(verdict "$2")" rejected
  check "$1: $3 has $4" same "$(codes "$r" "$3")" "$4"
  check "$1: Header 0200" same "$(codes "$r" Header)" 0200
  check "$1: retour validates" validates "$r"
  check "$1: nothing recorded" same "$(rows "$2")" 0
}
sent() {  # sent LABEL NAME ROWS
  check "$1: sent" same "$(verdict "$2")" sent
  check "$1: recorded" same "$(rows "$2")" "$3"
}

for std in iwmo ijw; do
  use_std "$std"

  # ---- the gemeente receives 315 and 317 ------------------------------------------
  new_env "$S-gemeente" gemeente
  toewijzing g301.xml
  check "$S: our 301 sent" same "$(verdict g301.xml)" sent
  R1=$S-A1; R2=$S-A2

  vot g315.xml "$R1" "$R2"
  accepted "$S TR347/TR374 pass: first verzoek om toewijzing" g315.xml 2
  check "$S: verzoeken accepted and submitted" same "$(vstate "$R1")" "accepted/submitted/-/-"
  vot g315-dupref.xml "$R1" "$R2" "$OTHER_BSN"
  rejected "$S TR347 fail: ReferentieAanbieder used before" g315-dupref.xml AangevraagdProduct "9347 9347"
  vot g315-open.xml "$S-C1" "$S-C2"
  rejected "$S TR374 fail: verzoek while one is open" g315-open.xml AangevraagdProduct "9374 9374"
  vot g315-open2.xml "$S-C3" "$S-C4" "$BSN" 0599
  rejected "$S TR374 fail: open verzoek at another of our gemeenten" g315-open2.xml AangevraagdProduct "9374 9374"

  antwoord g319-refuse.xml "$R1" 1                 # our own answer: R1 refused
  sent "$S our 319 refuses $R1" g319-refuse.xml 1
  check "$S: $R1 refused with its reden" same "$(vstate "$R1")" "accepted/refused/1/3"
  toewijzing g301-honour.xml "$R2"                  # our own 301 honours R2
  check "$S: honouring 301 sent" same "$(verdict g301-honour.xml)" sent

  BASE_ONG=$(ong "$NR2" "$NR3" "$NR4")
  BASE_TEW=$(tew "$NR1" 2026-07-01 2026-12-31 "$(omvang 5)")
  BASE_NIEUW=$(nieuw "$NCAT" "$NCODE" 2026-07-01 2026-12-31)
  vow g317.xml "$S-W1" "$BASE_ONG" "$BASE_TEW" "$BASE_NIEUW"
  accepted "$S TR347/TR374/TR349/TR350/TR351/TR357/TR361/TR411 pass: verzoek om wijziging" g317.xml 1
  check "$S: $R2 honoured by the 301 (read back when the 317 came)" same "$(vstate "$R2")" "accepted/honoured/-/-"
  check "$S: honoured_by is that 301" same \
    "$(sql "SELECT m.original_name FROM verzoeken v JOIN messages m ON m.id = v.honoured_by WHERE referentie = '$R2'")" \
    g301-honour.xml
  check "$S: 317 recorded as wijziging" same "$(sql "SELECT soort FROM verzoeken WHERE referentie = '$S-W1'")" wijziging
  vow g317-open.xml "$S-W9" "$BASE_ONG" "$BASE_TEW" ""
  rejected "$S TR374 fail (317): W1 still open" g317-open.xml Verzoek 9374
  antwoord g319-w1a.xml "$S-W1" 2
  check "$S: W1 in onderzoek" same "$(vstate "$S-W1")" "accepted/in_onderzoek/2/-"
  vow g317-open3.xml "$S-W8" "$BASE_ONG" "$BASE_TEW" ""
  rejected "$S TR374 fail (317): W1 in onderzoek is still open" g317-open3.xml Verzoek 9374
  antwoord g319-w1b.xml "$S-W1" 1
  check "$S: W1 refused after onderzoek" same "$(vstate "$S-W1")" "accepted/refused/1/3"

  # second accepted 317: GewensteIngangsdatum = Ingangsdatum (TR357), NR3 without Omvang (TR412),
  # NR4's Budget from its own Ingangsdatum (TR373), no Omvang on NR4 (TR375)
  vow g317-2.xml "$S-W2" "$(ong "$NR2")" \
    "$(tew "$NR1" "$ING" 2026-12-31 "$(omvang)")$(tew "$NR3" 2026-07-01 2026-11-30 "")$(tew "$NR4" 2027-01-01 2027-06-30 "<Budget>200000</Budget>")" ""
  accepted "$S TR357/TR373/TR375/TR412 pass: second verzoek om wijziging" g317-2.xml 1
  antwoord g319-w2.xml "$S-W2" 1

  vow f347.xml "$S-W1" "$BASE_ONG" "$BASE_TEW" ""
  rejected "$S TR347 fail (317): ReferentieAanbieder of W1 again" f347.xml Verzoek 9347
  vow f350.xml "$S-F350" "$BASE_ONG$(ong 999999)" "$BASE_TEW" ""
  rejected "$S TR350 fail: OngewijzigdProduct without toewijzing" f350.xml OngewijzigdProduct "0200 0200 0200 9350"
  vow f351.xml "$S-F351" "$(ong "$NR1" "$NR2" "$NR3" "$NR4")" "$(tew 999999 2026-07-01 2026-12-31 "$(omvang)")" ""
  rejected "$S TR351 fail: TeWijzigenProduct without toewijzing" f351.xml TeWijzigenProduct 9351
  vow f349.xml "$S-F349" "$(ong "$NR2" "$NR4")" "$BASE_TEW" ""
  rejected "$S TR349 fail: actual toewijzing NR3 left out" f349.xml Verzoek 9349
  vow f357.xml "$S-F357" "$BASE_ONG" "$(tew "$NR1" 2026-04-01 2026-12-31 "$(omvang)")" ""
  rejected "$S TR357 fail: past GewensteIngangsdatum not the Ingangsdatum" f357.xml TeWijzigenProduct 9357
  vow f411.xml "$S-F411" "$BASE_ONG" "$(tew "$NR1" 2026-07-01 2026-12-31 "")" ""
  rejected "$S TR411 fail: coded toewijzing without Omvang" f411.xml TeWijzigenProduct 9411
  vow f412.xml "$S-F412" "$(ong "$NR1" "$NR2" "$NR4")" "$(tew "$NR3" 2026-07-01 2026-11-30 "$(omvang)")" ""
  rejected "$S TR412 fail: Omvang on a category-only toewijzing" f412.xml TeWijzigenProduct 9412
  vow f375.xml "$S-F375" "$(ong "$NR1" "$NR2" "$NR3")" "$(tew "$NR4" 2027-01-01 2027-06-30 "$(omvang)")" ""
  rejected "$S TR375 fail: Omvang on a toewijzing without Product" f375.xml TeWijzigenProduct 9375
  vow f373.xml "$S-F373" "$(ong "$NR1" "$NR2" "$NR3")" "$(tew "$NR4" 2027-03-01 2027-06-30 "<Budget>200000</Budget>")" ""
  rejected "$S TR373 fail: Budget changed from a later date" f373.xml TeWijzigenProduct 9373
  vow f361.xml "$S-F361" "$BASE_ONG" "$BASE_TEW" "$(nieuw "$CAT1" "$CODE1" 2026-07-01 2026-12-31)"
  rejected "$S TR361 fail: new product overlapping the same changed product" f361.xml NieuwProduct 9361
  if [ "$S" = iwmo ]; then
    vow g317-cat11.xml "$S-W3" "$BASE_ONG" "$BASE_TEW" \
      "$(nieuw 11 11A01 2026-07-01 2026-12-31)$(nieuw 11 11A01 2026-08-01 2026-12-31)"
    accepted "$S TR361 pass: categories 11-14 may overlap in iWmo" g317-cat11.xml 1
    antwoord g319-w3.xml "$S-W3" 1
  fi
  vow g317-taak.xml "$S-W4" "$(ong 999999)" "" "$BASE_NIEUW" 0599
  accepted "$S TR349-TR351 not judged: gemeente 0599 has no toewijzingen with us" g317-taak.xml 1

  # ---- the aanbieder receives 319 -------------------------------------------------
  new_env "$S-aanbieder" aanbieder
  run "$VALID/$S/${P}315.xml" a315.xml            # our verzoek om toewijzing goes out
  sent "$S our 315" a315.xml 2
  check "$S: sent verzoek awaits its retour" same "$(vstate "$SREF2")" "awaiting/submitted/-/-"
  BID=$(sed -n 's#.*Identificatie>\([^<]*\)<.*#\1#p' "$VALID/$S/${P}315.xml")
  sed -e "s#Identificatie>[^<]*<#Identificatie>$BID<#; s#>$RETOUR_OK_REF<#>$SREF2<#" \
      "$VALID/$S/${P}316.xml" >"$T/a316.xml"
  run "$T/a316.xml" a316.xml
  check "$S: 316 rejects $SREF1 (9347)" same "$(vstate "$SREF1")" "rejected/submitted/-/-"
  check "$S: 316 accepts $SREF2" same "$(vstate "$SREF2")" "accepted/submitted/-/-"

  antwoord a319-2.xml "$SREF2" 2
  accepted "$S TR355/TR359/TR360/TR365 pass: first answer, in onderzoek" a319-2.xml 1
  check "$S: verzoek in onderzoek" same "$(vstate "$SREF2")" "accepted/in_onderzoek/2/-"
  antwoord a319-unknown.xml NOSUCHREF 1
  rejected "$S TR355 fail: answer to a verzoek never sent" a319-unknown.xml Antwoord 9355
  antwoord a319-2again.xml "$SREF2" 2
  rejected "$S TR360 fail: in onderzoek a second time" a319-2again.xml Antwoord 9360
  antwoord a319-1.xml "$SREF2" 1
  accepted "$S TR365 pass: refusal after in onderzoek" a319-1.xml 1
  check "$S: verzoek refused with reden" same "$(vstate "$SREF2")" "accepted/refused/1/3"
  antwoord a319-1again.xml "$SREF2" 1
  rejected "$S TR365 fail: answer after a refusal" a319-1again.xml Antwoord 9365
  antwoord a319-2late.xml "$SREF2" 2
  rejected "$S TR360+TR365 fail: in onderzoek after a refusal" a319-2late.xml Antwoord "9360 9365"

  run "$VALID/$S/${P}317.xml" a317.xml            # our verzoek om wijziging goes out
  sent "$S our 317" a317.xml 1
  WBID=$(sed -n 's#.*Identificatie>\([^<]*\)<.*#\1#p' "$VALID/$S/${P}317.xml")
  sed -e "s#\(Identificatie\( xmlns=\"[^\"]*\"\)\?>\)[^<]*<#\1$WBID<#; s#ReferentieAanbieder>[^<]*<#ReferentieAanbieder>$SWREF<#" \
      -e "s#Bsn>[0-9]*<#Bsn>$BSN<#" "$VALID/$S/${P}318.xml" >"$T/a318.xml"
  run "$T/a318.xml" a318.xml
  check "$S: 318 with 9351 rejects our 317" same "$(vstate "$SWREF")" "rejected/submitted/-/-"
  toewijzing a301.xml "$SWREF"                      # the gemeente honours the 317 anyway
  check "$S: 301 with its ReferentieAanbieder accepted" same "$(verdict a301.xml)" accepted
  antwoord a319-late.xml "$SWREF" 1
  rejected "$S TR359 fail: answer after the toewijzing" a319-late.xml Antwoord 9359
  check "$S: 317 honoured by the received 301" same "$(vstate "$SWREF")" "rejected/honoured/-/-"
done

check "every iwmod run exited 0 (no sanitizer report, no database error)" test ! -s "$T/errors"
[ -s "$T/errors" ] && cat "$T/errors" && grep -h -B2 -A8 'Sanitizer\|database' "$T"/*/log | head -40
leaks=0
for b in 999990019 999990111 999990020; do grep -rq "$b" "$T"/*/log 2>/dev/null && leaks=$((leaks + 1)); done
check "no BSN in the logs" test $leaks -eq 0

echo "$pass passed, $fail failed"
test "$fail" -eq 0
