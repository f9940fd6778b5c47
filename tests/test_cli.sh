#!/bin/sh
# test_cli.sh - iwmoctl validate as an operator uses it: exit codes, the
# FILE:LINE: CODE: message format, --json, stdin, usage errors.
# Usage: test_cli.sh BUILD_BIN_DIR SOURCE_DIR
set -u
BIN="$1/iwmoctl"
SRC="$2"
VALID="$SRC/tests/corpus/valid"
BAD="$SRC/tests/corpus/invalid"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() {  # check NAME CONDITION...
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}

"$BIN" validate "$VALID"/iwmo/*.xml "$VALID"/ijw/*.xml >"$T/out" 2>&1
check "all samples valid exit 0" test $? -eq 0
check "28 valid verdicts" test "$(grep -c ': valid: ' "$T/out")" -eq 28
check "verdict names standard, type, release" grep -q 'WMO305.xml: valid: iwmo 305 release 3.2' "$T/out"

sed 's#\(<[A-Za-z0-9]*:*Afzender>\)[0-9]*<#\112ab<#' "$VALID/ijw/JW305.xml" >"$T/bad305.xml"
"$BIN" validate "$T/bad305.xml" >"$T/out" 2>&1
check "invalid exit 1" test $? -eq 1
check "FILE:LINE: 0001: format" grep -Eq "^$T/bad305.xml:[1-9][0-9]*: 0001: " "$T/out"
check "invalid verdict" grep -q 'bad305.xml: invalid: ijw 305 release 3.2' "$T/out"

"$BIN" validate "$BAD/legacy-iwmo24-301.xml" >"$T/out" 2>&1
check "legacy exit 1" test $? -eq 1
check "legacy names release" grep -q 'unsupported-release: .*2.4' "$T/out"
"$BIN" validate "$BAD/legacy-ei-wmo303.txt" >"$T/out" 2>&1
check "EI 303 names 323" grep -q 'legacy-ei-303: .*323' "$T/out"
"$BIN" validate "$BAD/xxe.xml" >"$T/out" 2>&1
check "xxe refused" grep -q 'xxe.xml:2: doctype-forbidden' "$T/out"
check "xxe leaks nothing" sh -c "! grep -q 'root:' '$T/out'"
"$BIN" validate "$BAD/truncated.xml" >"$T/out" 2>&1
check "truncated malformed" grep -q 'truncated.xml:[0-9]*: malformed-xml' "$T/out"
"$BIN" validate "$BAD/unknown-namespace.xml" >"$T/out" 2>&1
check "unknown namespace" grep -q 'unknown-namespace' "$T/out"

"$BIN" validate --json "$VALID/iwmo/WMO323.xml" "$T/bad305.xml" >"$T/out" 2>&1
check "json exit 1 when any invalid" test $? -eq 1
check "json one object per file" test "$(wc -l <"$T/out")" -eq 2
check "json valid object" grep -q '^{"file":".*WMO323.xml","standard":"iwmo","type":"323","release":"3.2","valid":true,"findings":\[\]}$' "$T/out"
check "json finding fields" grep -q '"valid":false,"findings":\[{"line":[1-9][0-9]*,"code":"0001","rule":"XSD","message":"' "$T/out"

"$BIN" validate - <"$VALID/ijw/JW301.xml" >"$T/out" 2>&1
check "stdin valid" test $? -eq 0
check "stdin named" grep -q '^<stdin>: valid: ijw 301' "$T/out"

"$BIN" validate >"$T/out" 2>&1
check "no files is a usage error" test $? -eq 2
"$BIN" validate --bogus x >"$T/out" 2>&1
check "unknown option is a usage error" test $? -eq 2
"$BIN" frobnicate >"$T/out" 2>&1
check "unknown command is a usage error" test $? -eq 2
"$BIN" validate "$T/does-not-exist.xml" >"$T/out" 2>&1
check "unreadable exit 1" test $? -eq 1
check "unreadable reason" grep -q 'unreadable' "$T/out"
mkfifo "$T/fifo"
"$BIN" validate "$T/fifo" >"$T/out" 2>&1
check "fifo refused, not blocked on" grep -q 'not a regular file' "$T/out"
"$BIN" validate --max-bytes 100 "$VALID/ijw/JW301.xml" >"$T/out" 2>&1
check "size limit" grep -q 'too-large: OP179' "$T/out"
"$BIN" validate --schemas "$T" "$VALID/ijw/JW301.xml" >"$T/out" 2>&1
check "missing schema dir reported" grep -q 'schema-unavailable' "$T/out"

# personal values are never repeated in a finding, even when they break the schema
sed 's#Bsn>999990019<#Bsn>12345678<#' "$VALID/iwmo/WMO301.xml" >"$T/badbsn.xml"
"$BIN" validate "$T/badbsn.xml" >"$T/out" 2>&1
check "bad BSN reported" grep -q "Element 'Bsn'" "$T/out"
check "bad BSN value withheld" sh -c "! grep -q 12345678 '$T/out'"

# --today drives the date rules: a message dated after "today" breaks TR135
"$BIN" validate --today 2020-01-01 "$VALID/iwmo/WMO305.xml" >"$T/out" 2>&1
check "--today in the past makes TR135 fire" grep -q ': 8848: TR135 ' "$T/out"
"$BIN" validate --today 2026-11-24 "$VALID/iwmo/WMO305.xml" >"$T/out" 2>&1
check "--today after the dagtekening passes" test $? -eq 0
"$BIN" validate --today 2026-02-30 "$VALID/iwmo/WMO305.xml" >"$T/out" 2>&1
check "impossible --today is a usage error" test $? -eq 2
# an intra-message rule gives RETOURCODE: TRnnn findings and a 0001 retour
sed 's#Datum>1948-05-14<#Datum>1848-05-14<#' "$VALID/iwmo/WMO305.xml" >"$T/old305.xml"
"$BIN" validate --today 2026-11-24 "$T/old305.xml" >"$T/out" 2>&1
check "rule finding format" grep -Eq "old305.xml:[0-9]+: 0001: TR002 " "$T/out"
"$BIN" retour --today 2026-11-24 "$T/old305.xml" >"$T/out" 2>/dev/null
check "rule rejection gives a 0001 retour" grep -q '<RetourCode>0001</RetourCode>' "$T/out"

# retour: the retourbericht a message alone produces
"$BIN" retour --today 2026-11-24 --id RET1 "$VALID/iwmo/WMO305.xml" >"$T/out" 2>"$T/err"
check "retour exit 0" test $? -eq 0
check "retour is a 306" grep -q '<BerichtCode>419</BerichtCode>' "$T/out"
check "retour carries id and date" grep -q '<IdentificatieRetour>RET1</IdentificatieRetour>' "$T/out"
check "retour dated today" grep -q '<DagtekeningRetour>2026-11-24</DagtekeningRetour>' "$T/out"
"$BIN" validate "$T/out" >"$T/out2" 2>&1
check "printed retour validates" grep -q ': valid: iwmo 306 release 3.2' "$T/out2"
"$BIN" retour --json --today 2026-11-24 "$VALID/ijw/JW323.xml" >"$T/out" 2>"$T/err"
check "retour json 325 with 8001" grep -q '"retour_type":"325","retour_due":true,"reason":null,"retourcodes":\[{"class":"Header","code":"0200"},{"class":"DeclaratieAntwoord","code":"8001"}\]' "$T/out"
"$BIN" retour --today 2026-11-24 "$T/bad305.xml" >"$T/out" 2>"$T/err"
check "no retour for XSD-invalid" test $? -eq 1
check "no retour reason" grep -q 'no retour: .*XSD' "$T/err"
check "findings on stderr" grep -q ': 0001: ' "$T/err"
"$BIN" retour "$VALID/ijw/JW306.xml" >"$T/out" 2>"$T/err"
check "a retour gets no retour" test $? -eq 1
"$BIN" retour --today 2026-13-01 "$VALID/ijw/JW305.xml" >"$T/out" 2>&1
check "bad --today is a usage error" test $? -eq 2
"$BIN" retour "$VALID/ijw/JW305.xml" "$VALID/ijw/JW307.xml" >"$T/out" 2>&1
check "retour takes one file" test $? -eq 2

echo "$pass passed, $fail failed"
test "$fail" -eq 0
