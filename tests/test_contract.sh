#!/bin/sh
# test_contract.sh - the contract's own rules (daemon/contract*.c, docs/rules.md)
# end to end against a real PostgreSQL: werkdagen arithmetic (weekends,
# holidays, a deadline across a holiday), the start deadline of Bijlage 1
# art. 1.5 (on time, late, never started; each crossing recorded once, across
# runs and a restart), the wachtlijst and its history, the override per
# provider, `iwmoctl report wachttijden` in text and JSON with exact numbers,
# the tariffs loaded into contract_tarieven (and used by TR418) and replaced
# on SIGHUP, the billing terms, bad contract files refused with file:line,
# and the opt-in art. 12.1 warning that never rejects (OP364).
# The gemeente (0363) sends its own 301s; providers answer with 305s and a
# 323. clock.today in the config moves time; one iwmod --once run per step.
# Usage: test_contract.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
T=$(mktemp -d /tmp/iwmod-contract-XXXXXX)
DB="iwmodcontract_$$"
PSQL_BASE=""
DAEMON=""
cleanup() {
  [ -n "$DAEMON" ] && kill -9 "$DAEMON" 2>/dev/null
  [ -n "$PSQL_BASE" ] && psql "$PSQL_BASE" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
pass=0; fail=0
check() {
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}
same() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'"; return 1; }; }
contains() { case "$1" in *"$2"*) return 0 ;; esac; echo "  '$2' not in: $1"; return 1; }

BASE_DSN=$("$SRC/scripts/pg.sh" dsn "$PGDIR")
PSQL_BASE=$(echo "$BASE_DSN" | sed 's/dbname=iwmod/dbname=postgres/')
psql "$PSQL_BASE" -qc "CREATE DATABASE $DB" || { PSQL_BASE=""; echo "cannot create database"; exit 1; }
DSN=$(echo "$BASE_DSN" | sed "s/dbname=iwmod/dbname=$DB/")
sql() { psql "$DSN" -Atqc "$1"; }

P1=12345678          # has its own start deadline: 5 werkdagen
P2=23456789          # the default: 10 werkdagen
BSN_A=999990019; BSN_B=999990020; BSN_C=999990032; BSN_D=999990044
E="$T/gemeente"; mkdir -p "$E/inbox"
CONTRACT="$E/contract.yaml"

# ---- the contract and the config ---------------------------------------------------
# contract WARN TARIEF: the test's contract file (art. 12.1 warning on or off, the 01A01 tariff)
contract() {
  cat >"$CONTRACT" <<YAML
contract:
  name: "test"
  gemeente: "0363"
  standards: [iwmo]
  effective_from: 2026-01-01
defaults:
  start_deadline_werkdagen: 10
  declaration_due_weeks: 4
  payment_due_days: 30
  warn_declaratie_without_start: $1
holidays: [2026-04-27, 2026-05-05, 2026-05-14, 2026-05-25]
overrides:
  - aanbieder: "$P1"
    start_deadline_werkdagen: 5
  - categorie: "07"
    code: "07A02"
    payment_due_days: 14
tariffs:
  - { categorie: "01", code: "01A01", eenheid: "04", tarief: "$2", from: 2026-01-01 }
  - { categorie: "07", code: "07A02", eenheid: "04", tarief: "20.00", from: 2026-01-01, aanbieder: "$P2" }
YAML
}
# config TODAY [CONTRACT-FILE]: the daemon's config with clock.today
config() {
  cat >"$E/iwmod.yaml" <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $E/inbox, outbox: $E/outbox }
queue: $E/queue
database: { dsn: "$DSN" }
clock: { today: $1 }
privacy: { pseudonym_key: "test-key" }
contract: { file: ${2:-$CONTRACT} }
YAML
}
once() {  # once: one iwmod --once run
  "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log" || echo "iwmod --once exited $?" >>"$T/errors"
}
deliver() {  # deliver FILE: put one message in the inbox and run
  n=$(basename "$1")
  cp "$1" "$E/inbox/.$n" && mv "$E/inbox/.$n" "$E/inbox/$n"
  once
}

# ---- messages --------------------------------------------------------------------------
N=0
next_id() { N=$((N + 1)); ID=$(printf 'CT%08d' "$N"); }
header() {  # header TYPE CODE FROM TO DATE
  cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/iwmo/3_2/wmo$1/schema"
         xmlns:b="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema">
  <Header>
    <BerichtCode>$2</BerichtCode><BerichtVersie>3</BerichtVersie><BerichtSubversie>2</BerichtSubversie>
    <Afzender>$3</Afzender><Ontvanger>$4</Ontvanger>
    <BerichtIdentificatie><b:Identificatie>$ID</b:Identificatie><b:Dagtekening>$5</b:Dagtekening></BerichtIdentificatie>
    <XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie><b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></XsdVersie>
  </Header>
XML
}
person() {  # person BSN [NAAMGEBRUIK-ELEMENT]
  cat <<XML
    <Bsn>$1</Bsn>
    <Geboortedatum><b:Datum>1950-02-03</b:Datum></Geboortedatum>
    <Geslacht>2</Geslacht>
    <Naam><b:Geslachtsnaam><b:Achternaam>Testpersoon</b:Achternaam></b:Geslachtsnaam><b:Voorletters>T</b:Voorletters>${2:-}</Naam>
XML
}
# toew NR AANBIEDER BSN CAT CODE SENT: our 301, sent (Dagtekening, Toewijzingsdatum, Ingangsdatum) on SENT
toew() {
  next_id; f="$T/t$1.xml"
  { header 301 414 0363 "$2" "$6"
    echo "  <Client>"; person "$3" "<b:NaamGebruik>1</b:NaamGebruik>"
    cat <<XML
    <Contactgegevens><Contact><Soort>01</Soort><Adres><b:Huis><b:Huisnummer>7</b:Huisnummer></b:Huis>
      <b:Postcode>1011AB</b:Postcode><b:Straatnaam>Teststraat</b:Straatnaam><b:Plaatsnaam>Amsterdam</b:Plaatsnaam>
      <b:LandCode>NL</b:LandCode></Adres></Contact></Contactgegevens>
    <ToegewezenProducten><ToegewezenProduct>
      <ToewijzingNummer>$1</ToewijzingNummer>
      <Product><b:Categorie>$4</b:Categorie><b:Code>$5</b:Code></Product>
      <Toewijzingsdatum>$6</Toewijzingsdatum><Toewijzingstijd>09:00:00</Toewijzingstijd>
      <Ingangsdatum>$6</Ingangsdatum><Einddatum>2026-12-31</Einddatum>
      <Omvang><b:Volume>3</b:Volume><b:Eenheid>04</b:Eenheid><b:Frequentie>2</b:Frequentie></Omvang>
    </ToegewezenProduct></ToegewezenProducten>
  </Client>
</Bericht>
XML
  } >"$f"
  deliver "$f"
}
# start NR AANBIEDER BSN CAT CODE BEGIN: the provider's 305, sent on BEGIN
start() {
  next_id; f="$T/s$1.xml"
  { header 305 418 "$2" 0363 "$6"
    echo "  <Client>"; person "$3"
    cat <<XML
    <StartProducten><StartProduct>
      <ToewijzingNummer>$1</ToewijzingNummer>
      <Product><b:Categorie>$4</b:Categorie><b:Code>$5</b:Code></Product>
      <Begindatum>$6</Begindatum><StatusAanlevering>1</StatusAanlevering>
    </StartProduct></StartProducten>
  </Client>
</Bericht>
XML
  } >"$f"
  deliver "$f"
}
# decl NAME AANBIEDER DNR BEGIN EIND SENT < "BSN REF NR CAT CODE VOLUME TARIEF" lines:
# a 323 for the month BEGIN..EIND, sent on SENT (one Client per BSN, in order)
decl() {
  next_id; f="$T/$1"
  awk -v b="$4" -v e="$5" '{
      amount = $6 * $7; total += amount
      if (!($1 in body)) order[++n] = $1
      body[$1] = body[$1] "<Prestatie><ProductReferentie><b:ReferentieNummer>" $2 "</b:ReferentieNummer>" \
        "</ProductReferentie><ToewijzingNummer>" $3 "</ToewijzingNummer><ProductCategorie>" $4 \
        "</ProductCategorie><ProductCode>" $5 "</ProductCode><ProductPeriode><b:Begindatum>" b \
        "</b:Begindatum><b:Einddatum>" e "</b:Einddatum></ProductPeriode><GeleverdVolume>" $6 \
        "</GeleverdVolume><Eenheid>04</Eenheid><ProductTarief>" $7 "</ProductTarief><IngediendBedrag>" \
        "<b:Bedrag>" amount "</b:Bedrag><b:DebetCredit>D</b:DebetCredit></IngediendBedrag></Prestatie>\n" }
    END { print total > "'"$T/total"'"
          for (i = 1; i <= n; i++)
            printf "<Client><Bsn>%s</Bsn><Prestaties>\n%s</Prestaties></Client>\n", order[i], body[order[i]] }' \
    >"$T/clienten"
  { header 323 484 "$2" 0363 "$6"
    cat <<XML
  <Declaratie>
    <DeclaratieNummer>$3</DeclaratieNummer>
    <DeclaratiePeriode><b:Begindatum>$4</b:Begindatum><b:Einddatum>$5</b:Einddatum></DeclaratiePeriode>
    <DeclaratieDagtekening>$6</DeclaratieDagtekening>
    <TotaalIngediendBedrag><b:TotaalBedrag>$(cat "$T/total")</b:TotaalBedrag><b:DebetCredit>D</b:DebetCredit></TotaalIngediendBedrag>
    <Clienten>
$(cat "$T/clienten")
    </Clienten>
  </Declaratie>
</Bericht>
XML
  } >"$f"
  deliver "$f"
}

# ---- assertions ----------------------------------------------------------------------------
verdict() { sql "SELECT verdict FROM messages WHERE original_name = '$1'"; }
crossings() { sql "SELECT count(*) FROM deadline_crossings"; }
crossing() {  # crossing NR: werkdagen, due date and the day it was seen
  sql "SELECT x.werkdagen || ' ' || x.due_date || ' ' || x.seen_on FROM deadline_crossings x
       JOIN toewijzingen t ON t.id = x.toewijzing_id WHERE t.toewijzing_nummer = '$1'"
}
waiting() {  # waiting NR: open|closed:REASON:STARTED_ON per period, in order
  sql "SELECT string_agg(CASE WHEN w.cleared_at IS NULL THEN 'open' ELSE 'closed:' || w.cleared_reason || ':'
       || coalesce(w.started_on::text, '') END || '@' || w.since, ' ' ORDER BY w.id)
       FROM wachtlijst w JOIN toewijzingen t ON t.id = w.toewijzing_id WHERE t.toewijzing_nummer = '$1'"
}
overdue_events() { sql "SELECT count(*) FROM events WHERE topic = 'iwmo.deadline.start_overdue'"; }
deadline() { "$BIN/iwmoctl" report deadline --contract "$@" | cut -d: -f1; }

# ---- 1. werkdagen arithmetic (iwmoctl report deadline) --------------------------------------
contract false 31.50
check "werkdagen: two plain weeks" same "$(deadline "$CONTRACT" --date 2026-03-02)" 2026-03-16
check "werkdagen: the clock's own day never counts, a Saturday start" same \
  "$(deadline "$CONTRACT" --date 2026-03-07 --aanbieder $P2)" 2026-03-20
check "werkdagen: across Koningsdag and Bevrijdingsdag" same "$(deadline "$CONTRACT" --date 2026-04-24)" 2026-05-12
check "werkdagen: across Hemelvaartsdag" same "$(deadline "$CONTRACT" --date 2026-05-04)" 2026-05-20
check "werkdagen: provider override (5)" same "$(deadline "$CONTRACT" --date 2026-04-24 --aanbieder $P1)" 2026-05-04
check "werkdagen: product override sets no deadline" same \
  "$(deadline "$CONTRACT" --date 2026-04-24 --categorie 07 --code 07A02)" 2026-05-12
check "werkdagen: the shipped holidays, across Christmas and New Year" same \
  "$(deadline "$SRC/config/contract.yaml" --date 2026-12-18)" 2027-01-05
check "werkdagen: the shipped holidays, Bevrijdingsdag 2025" same \
  "$(deadline "$SRC/config/contract.yaml" --date 2025-04-25 --aanbieder 99999999)" 2025-05-12
printf 'defaults: { start_deadline_werkdagen: 10 }\n' >"$T/plain.yaml"
check "werkdagen: without holidays only weekends count" same "$(deadline "$T/plain.yaml" --date 2026-04-24)" 2026-05-08

# ---- 2. configuration and bad contract files -----------------------------------------------
config 2026-04-24
"$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null || echo "migrate failed" >>"$T/errors"
check "the shipped contract.yaml is valid" \
  "$BIN/iwmod" --config "$E/iwmod.yaml" --check-config >/dev/null 2>&1
bad() {  # bad LABEL LINE EXPECTED: CONTENT on stdin is refused with contract file:LINE
  cat >"$T/bad.yaml"; config 2026-04-24 "$T/bad.yaml"
  out=$("$BIN/iwmod" --config "$E/iwmod.yaml" --check-config 2>&1); rc=$?
  check "bad contract ($1): refused" same "$rc" 1
  check "bad contract ($1): file:line" contains "$out" "$T/bad.yaml:$2: $3"
}
bad "unknown key" 3 "unknown key 'start_deadline'" <<'YAML'
defaults:
  payment_due_days: 30
  start_deadline: 10
YAML
bad "not a number" 2 "'start_deadline_werkdagen' wants a whole number" <<'YAML'
overrides:
  - { aanbieder: "12345678", start_deadline_werkdagen: ten }
YAML
bad "same scope twice" 5 "the same scope as the override at line 3" <<'YAML'
overrides:
  - { categorie: "07", payment_due_days: 10 }
  - aanbieder: "12345678"
    start_deadline_werkdagen: 5
  - { aanbieder: "12345678", payment_due_days: 10 }
YAML
bad "overlapping tariffs" 4 "this tariff overlaps the one at line 3" <<'YAML'
contract: { gemeente: "0363", standards: [iwmo] }
tariffs:
  - { categorie: "01", code: "01A01", tarief: "31.50", from: 2026-01-01 }
  - { categorie: "01", code: "01A01", tarief: "32.00", from: 2026-06-01, to: 2026-12-31 }
YAML
bad "money with three decimals" 2 "'tarief' wants an amount in euros" <<'YAML'
tariffs:
  - { categorie: "01", code: "01A01", tarief: "31.505", from: 2026-01-01 }
YAML
bad "a holiday that is no date" 2 "'holidays' wants a date" <<'YAML'
holidays:
  - 2026-02-30
YAML
printf 'identities: { gemeenten: ["0363"] }\nexchange: { inbox: /x, outbox: /y }\nqueue: /q\ndatabase: { dsn: "x" }\ncontract: { fil: /x }\n' \
  >"$T/badcfg.yaml"
out=$("$BIN/iwmod" --config "$T/badcfg.yaml" --check-config 2>&1)
check "config: unknown key under contract, file:line" contains "$out" "$T/badcfg.yaml:5: unknown key 'fil'"
config 2026-04-24 "$T/bad.yaml"
"$BIN/iwmod" --config "$E/iwmod.yaml" --once >/dev/null 2>&1
check "iwmod refuses to start with a bad contract file" same "$?" 1

# ---- 3. toewijzingen sent on Friday 24 April 2026 ------------------------------------------
config 2026-04-24
toew 200001 $P2 $BSN_A 01 01A01 2026-04-24      # T1: started on time
toew 200002 $P2 $BSN_A 07 07A02 2026-04-24      # T2: started late
toew 200003 $P2 $BSN_B 01 01A01 2026-04-24      # T3: never started
toew 200005 $P2 $BSN_B 07 07A02 2026-04-24      # T5: started the same day
toew 300001 $P1 $BSN_C 01 01A01 2026-04-24      # T4: P1, 5 werkdagen, never started
toew 300002 $P1 $BSN_C 07 07A02 2026-04-24      # T6: P1, started on day 4
config 2025-12-01
toew 200000 $P2 $BSN_D 01 01A01 2025-12-01      # before effective_from: not watched
check "seven 301s sent" same "$(sql "SELECT count(*) FROM messages WHERE verdict = 'sent'")" 7
check "the tariffs are in contract_tarieven" same \
  "$(sql "SELECT string_agg(product_code || ':' || tarief_cents || ':' || coalesce(aanbieder, '*'), ' ' ORDER BY product_code)
          FROM contract_tarieven")" "01A01:3150:* 07A02:2000:$P2"

config 2026-04-24; start 200005 $P2 $BSN_B 07 07A02 2026-04-24
config 2026-04-30; start 300002 $P1 $BSN_C 07 07A02 2026-04-30
check "starts accepted" same "$(sql "SELECT count(*) FROM messages WHERE msg_type = 305 AND verdict = 'accepted'")" 2
config 2026-05-04; once
check "P1 on its due date (4 May): no crossing yet" same "$(crossings)" 0
config 2026-05-05; once
check "P1 the day after: T4 crossed" same "$(crossings)" 1
check "T4: 5 werkdagen, due 4 May, seen 5 May" same "$(crossing 300001)" "5 2026-05-04 2026-05-05"
check "T4 is on the wachtlijst from 5 May" same "$(waiting 300001)" "open@2026-05-05"
check "T6 started on time: no crossing" same "$(crossing 300002)" ""

config 2026-05-11; start 200001 $P2 $BSN_A 01 01A01 2026-05-11
config 2026-05-12; once
check "P2 on its due date (12 May): no new crossing" same "$(crossings)" 1
config 2026-05-13; once; once
check "P2 the day after: T2 and T3 crossed, once (two runs)" same "$(crossings)" 3
check "T2: 10 werkdagen, due 12 May" same "$(crossing 200002)" "10 2026-05-12 2026-05-13"
check "T1 started on time: no crossing" same "$(crossing 200001)" ""
check "T5 started the same day: no crossing" same "$(crossing 200005)" ""
check "before effective_from: not watched" same "$(crossing 200000)" ""
check "one start_overdue event per crossing" same "$(overdue_events)" 3
ev=$(sql "SELECT body FROM events WHERE topic = 'iwmo.deadline.start_overdue' AND body->>'toewijzing_nummer' = '200003'")
check "event: toewijzing, provider, due date, pseudonym" same \
  "$(echo "$ev" | jq -r '[.standard, .aanbieder, .toewijzing_nummer, .due_date, .deadline_werkdagen, (.client | length)] | map(tostring) | join(" ")')" \
  "iwmo $P2 200003 2026-05-12 10 32"

config 2026-05-18; start 200002 $P2 $BSN_A 07 07A02 2026-05-18
check "T2's late start clears its wachtlijst, the period is kept" same "$(waiting 200002)" \
  "closed:started:2026-05-18@2026-05-13"
check "T2's crossing stays" same "$(crossing 200002)" "10 2026-05-12 2026-05-13"
check "T3 still waits" same "$(waiting 200003)" "open@2026-05-13"
check "wachtlijst.cleared event" same "$(sql "SELECT body->>'reason' || ' ' || (body->>'started_on')
  FROM events WHERE topic = 'iwmo.wachtlijst.cleared'")" "started 2026-05-18"

# ---- 4. the report (art. 9.4) ------------------------------------------------------------------
config 2026-05-20
rep=$("$BIN/iwmoctl" report wachttijden --config "$E/iwmod.yaml" --from 2026-04-01 --to 2026-04-30 2>&1 | tr -s ' ')
row() { echo "$rep" | grep "^$1 " ; }
check "report: header" contains "$(echo "$rep" | sed -n 2p)" \
  "standard aanbieder categorie code toewijzingen on_time late not_started waiting median_days"
check "report: P1 01A01 not started" same "$(row "iwmo $P1 01 01A01")" "iwmo $P1 01 01A01 1 0 0 1 0 -"
check "report: P1 07A02 on time after 6 days" same "$(row "iwmo $P1 07 07A02")" "iwmo $P1 07 07A02 1 1 0 0 0 6"
check "report: P2 01A01 one on time (17 days), one not" same "$(row "iwmo $P2 01 01A01")" \
  "iwmo $P2 01 01A01 2 1 0 1 0 17"
check "report: P2 07A02 one on time (0), one late (24)" same "$(row "iwmo $P2 07 07A02")" \
  "iwmo $P2 07 07A02 2 1 1 0 0 12"
check "report: total, median 11.5" same "$(row total)" "total 6 3 1 2 0 11.5"
json=$("$BIN/iwmoctl" report wachttijden --config "$E/iwmod.yaml" --from 2026-04-01 --to 2026-04-30 --json)
check "report --json: rows" same "$(echo "$json" | jq -c '[.rows[] | [.aanbieder, .product_code, .toewijzingen,
  .started_on_time, .started_late, .not_started, .waiting, .median_days_to_start]]')" \
  "[[\"$P1\",\"01A01\",1,0,0,1,0,null],[\"$P1\",\"07A02\",1,1,0,0,0,6],[\"$P2\",\"01A01\",2,1,0,1,0,17],[\"$P2\",\"07A02\",2,1,1,0,0,12]]"
check "report --json: total and dates" same "$(echo "$json" | jq -c '[.from, .to, .today, .total.toewijzingen,
  .total.median_days_to_start]')" '["2026-04-01","2026-04-30","2026-05-20",6,11.5]'
check "report: no BSN" same "$(echo "$rep $json" | grep -c '99999')" 0
check "report: range excludes the December toewijzing" same \
  "$("$BIN/iwmoctl" report wachttijden --config "$E/iwmod.yaml" --from 2025-12-01 --to 2025-12-31 --json | jq -c '.total.toewijzingen')" 1

# ---- 5. a deadline across Hemelvaartsdag in the daemon, and a restart ----------------------
config 2026-05-04
toew 200007 $P2 $BSN_D 07 07A02 2026-05-04
config 2026-05-20; once
check "sent 4 May, due 20 May (Bevrijdingsdag, Hemelvaartsdag): not crossed on the 20th" same "$(crossing 200007)" ""
config 2026-05-21; once
check "crossed on 21 May, due 20 May" same "$(crossing 200007)" "10 2026-05-20 2026-05-21"

# The daemon proper: evaluates at start, then keeps the crossings as they are.
: >"$E/daemon.log"
"$BIN/iwmod" --config "$E/iwmod.yaml" 2>>"$E/daemon.log" &
DAEMON=$!
wait_until() { n=$1; shift; while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
logged() { grep -q "$1" "$E/daemon.log"; }
wait_until 100 logged "tariff(s) from"
check "restart: crossings still recorded once" same "$(crossings)" 4
check "restart: no second event" same "$(overdue_events)" 4
# SIGHUP with new tariffs: the file's rows are replaced, a row entered by hand stays.
sql "INSERT INTO contract_tarieven (standard, gemeente, aanbieder, product_categorie, product_code, valid_from,
     tarief_cents) VALUES ('iwmo', '0363', '$P1', '01', '01A01', '2026-01-01', 2999)"
contract false 33.00
kill -HUP $DAEMON
wait_until 100 logged "contract terms reloaded"
tariffs() { sql "SELECT string_agg(product_code || ':' || tarief_cents, ' ' ORDER BY product_code, tarief_cents) FROM contract_tarieven"; }
wait_until 50 test "$(tariffs)" = "01A01:2999 01A01:3300 07A02:2000"
check "SIGHUP: the file's tariffs replaced, the hand-made row kept" same "$(tariffs)" "01A01:2999 01A01:3300 07A02:2000"
printf 'defaults:\n  bogus: 1\n' >"$CONTRACT"
kill -HUP $DAEMON
wait_until 100 logged "contract reload refused"
check "SIGHUP with a bad file: refused with file:line" logged "contract reload refused, keeping the running terms: $CONTRACT:2: unknown key 'bogus'"
check "SIGHUP with a bad file: the tariffs stay" same "$(tariffs)" "01A01:2999 01A01:3300 07A02:2000"
kill -TERM $DAEMON; wait $DAEMON; rc=$?; DAEMON=""
check "the daemon stops cleanly" same "$rc" 0
sql "DELETE FROM contract_tarieven WHERE aanbieder = '$P1'" >/dev/null

# ---- 6. art. 12.1 (opt-in warning, never a rejection) and the billing terms ----------------
# A 323 for T3 (never started) and T1 (started): the tariff of 01A01 is now 33.00.
contract false 33.00
config 2026-06-10
decl d1.xml $P2 DN1 2026-05-01 2026-05-31 2026-06-10 <<EOF
$BSN_B R1 200003 01 01A01 10 3300
$BSN_A R2 200001 01 01A01 10 3300
$BSN_A R3 200002 07 07A02 10 2000
EOF
check "323 with a line without a start: accepted (OP364)" same "$(verdict d1.xml)" accepted
check "TR418 used the contract's tariff" same \
  "$(sql "SELECT string_agg(status, ' ' ORDER BY referentie_nummer) FROM prestaties")" "approved approved approved"
check "warning off: no warning" same "$(sql "SELECT count(*) FROM contract_warnings")" 0
contract true 33.00
once; once
check "warning on: the prestatie without a start is warned about, once" same \
  "$(sql "SELECT string_agg(p.referentie_nummer, ' ') FROM contract_warnings w JOIN prestaties p ON p.id = w.prestatie_id")" R1
check "warning on: the verdict and the prestatie stay approved" same \
  "$(verdict d1.xml) $(sql "SELECT status FROM prestaties WHERE referentie_nummer = 'R1'")" "accepted approved"
check "warning event" same "$(sql "SELECT body->>'product_referentie' || ' ' || (body->>'toewijzing_nummer')
  FROM events WHERE topic = 'iwmo.323.prestatie.without_start'")" "R1 200003"
config 2026-07-10
decl d3.xml $P2 DN3 2026-06-01 2026-06-30 2026-07-10 <<EOF
$BSN_B R4 200003 01 01A01 10 3000
EOF
check "a wrong tariff is still rejected by TR418, not by the contract module" same \
  "$(sql "SELECT status || ' ' || array_to_string(retourcodes, ',') FROM prestaties WHERE referentie_nummer = 'R4'")" \
  "rejected 0611"
check "the rejected line gets no warning" same "$(sql "SELECT count(*) FROM contract_warnings")" 1
terms() {  # terms REF: declaration due, late?, days from receipt to payment
  sql "SELECT x.declaration_due || ' ' || (x.declared_late = (x.received_on > x.declaration_due)) || ' '
       || (x.payment_due - x.received_on) FROM prestatie_termijnen x JOIN prestaties p ON p.id = x.prestatie_id
       WHERE p.referentie_nummer = '$1'"
}
check "billing: R2 due 4 weeks after May, paid within 30 days" same "$(terms R2)" "2026-06-28 true 30"
check "billing: R3 (07A02 override) paid within 14 days" same "$(terms R3)" "2026-06-28 true 14"
check "billing: only approved lines" same "$(sql "SELECT count(*) FROM prestatie_termijnen")" 3

# ---- 7. privacy and the runs ----------------------------------------------------------------------
leaks=0
for b in $BSN_A $BSN_B $BSN_C $BSN_D; do
  grep -q "$b" "$E/log" "$E/daemon.log" && leaks=$((leaks + 1))
  [ "$(sql "SELECT count(*) FROM events WHERE body::text LIKE '%$b%'")" = 0 ] || leaks=$((leaks + 1))
done
check "no BSN in the log or in an event" same "$leaks" 0
check "every iwmod run exited 0 (no sanitizer report, no database error)" test ! -s "$T/errors"
[ -s "$T/errors" ] && cat "$T/errors" && grep -h -B2 -A8 'Sanitizer\|ERROR\|error' "$E/log" | head -40

echo "$pass passed, $fail failed"
test "$fail" -eq 0
