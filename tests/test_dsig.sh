#!/bin/sh
# test_dsig.sh - signed messages (daemon/dsig.c) end to end against a real
# PostgreSQL. openssl makes, during the test, a CA, signers certified by it
# (one of them expired), and an unrelated CA with its own signer. Then iwmod
# runs with signing: configured over a validly signed 305 (accepted, its 306
# signed and verifiable) and over unsigned, tampered, untrusted, wrong-key,
# expired, doubly signed and malformed ones, each refused with its own reason
# in the .reason file, the log line and the messages row, without a retour.
# Also: the signing: configuration errors and iwmoctl sign/verify.
# Usage: test_dsig.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
. "$SRC/tests/lib.sh"
tl_init dsig
command -v openssl >/dev/null || { echo "openssl (the CLI) is needed: scripts/install-deps.sh"; exit 1; }

# ---- keys and certificates ---------------------------------------------------
K="$T/keys"; mkdir -p "$K/trust"
ossl() { openssl "$@" 2>>"$K/openssl.log" || echo "openssl $1 failed" >>"$T/errors"; }
new_ca() {  # new_ca NAME: a self-signed CA certificate NAME.pem with its key NAME.key
  ossl req -x509 -newkey rsa:2048 -nodes -keyout "$K/$1.key" -out "$K/$1.pem" -days 30 -subj "/O=iwmod test/CN=$1"
}
new_signer() {  # new_signer NAME CA DAYS: a key NAME.key and a certificate NAME.pem from CA (DAYS -1: expired)
  ossl req -newkey rsa:2048 -nodes -keyout "$K/$1.key" -out "$K/$1.csr" -subj "/O=iwmod test/CN=$1"
  ossl x509 -req -in "$K/$1.csr" -CA "$K/$2.pem" -CAkey "$K/$2.key" -CAcreateserial -days "$3" -out "$K/$1.pem"
}
new_ca ca
new_ca rogue-ca
new_signer aanbieder ca 10
new_signer gemeente ca 10
new_signer expired ca -1
new_signer stranger rogue-ca 10
cp "$K/ca.pem" "$K/trust/ca.pem"
check "openssl made every key and certificate" test ! -s "$T/errors"
check "the expired certificate's end lies in the past" sh -c "! openssl x509 -in '$K/expired.pem' -noout -checkend 0 >/dev/null"

# ---- messages ------------------------------------------------------------------
M="$T/msgs"; mkdir -p "$M"
msg305() {  # msg305 ID: the corpus 305 under its own BerichtIdentificatie
  sed "s#ST2026000305#$1#" "$VALID/iwmo/WMO305.xml"
}
sign() {  # sign SIGNER IN OUT
  "$BIN/iwmoctl" sign --key "$K/$1.key" --cert "$K/$1.pem" "$2" >"$3" || echo "sign $2 failed" >>"$T/errors"
}
replace_element() {  # replace_element IN NAME TEXT: the ds:NAME element (the first) becomes TEXT
  awk -v name="$2" -v text="$3" '{
    line = $0; o = "<ds:" name; c = "</ds:" name ">"
    if (!skip && (i = index(line, o))) { printf "%s%s", substr(line, 1, i - 1), text; line = substr(line, i); skip = 1 }
    if (skip) { j = index(line, c); if (!j) next; print substr(line, j + length(c)); skip = 0; next }
    print line
  }' "$1"
}
swap_cert() {  # swap_cert IN CERT OUT: KeyInfo names CERT instead of the certificate of the key that signed
  replace_element "$1" X509Certificate "<ds:X509Certificate>$(grep -v -- '-----' "$2" | tr -d '\n')</ds:X509Certificate>" >"$3"
}
STUB='<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>'
msg305 ST2026000401 >"$M/plain.xml"
sign aanbieder "$M/plain.xml" "$M/good.xml"
msg305 ST2026000402 >"$M/unsigned.xml"
msg305 ST2026000403 >"$M/p403.xml"; sign aanbieder "$M/p403.xml" "$M/signed403.xml"
sed 's#<wmo305:Geslacht>2<#<wmo305:Geslacht>1<#' "$M/signed403.xml" >"$M/tampered.xml"
msg305 ST2026000404 >"$M/p404.xml"; sign stranger "$M/p404.xml" "$M/untrusted.xml"
msg305 ST2026000405 >"$M/p405.xml"; sign stranger "$M/p405.xml" "$M/signed405.xml"
swap_cert "$M/signed405.xml" "$K/aanbieder.pem" "$M/wrongkey.xml"
msg305 ST2026000406 >"$M/p406.xml"; sign expired "$M/p406.xml" "$M/expired.xml"
msg305 ST2026000407 >"$M/p407.xml"; sign aanbieder "$M/p407.xml" "$M/signed407.xml"
sed "s|</wmo305:Bericht>|$STUB</wmo305:Bericht>|" "$M/signed407.xml" >"$M/twice.xml"
msg305 ST2026000408 | sed "s|</wmo305:Bericht>|$STUB</wmo305:Bericht>|" >"$M/malformed.xml"
check "every message was signed" test ! -s "$T/errors"
check "the tampered copy differs" sh -c "! cmp -s '$M/signed403.xml' '$M/tampered.xml'"
check "the wrong-key copy names the aanbieder's certificate" \
  grep -q "$(sed -n 2p "$K/aanbieder.pem")" "$M/wrongkey.xml"

# ---- iwmoctl sign and verify -----------------------------------------------------
verify() { "$BIN/iwmoctl" verify --trust "$K/ca.pem" "$1" >"$T/out"; }
check "verify accepts the good signature" verify "$M/good.xml"
verify "$M/tampered.xml"
check "verify refuses the tampered one with exit 1" test $? -eq 1
check "and names the reason" grep -q 'signature does not verify' "$T/out"
"$BIN/iwmoctl" sign --key "$K/stranger.key" --cert "$K/aanbieder.pem" "$M/plain.xml" >/dev/null 2>"$T/err"
check "sign refuses a key that does not belong to the certificate" grep -q 'does not belong to the certificate' "$T/err"
"$BIN/iwmoctl" sign --key "$K/aanbieder.key" --cert "$K/aanbieder.pem" "$M/good.xml" >/dev/null 2>"$T/err"
check "sign refuses a message that is signed already" grep -q 'already carries a ds:Signature' "$T/err"
"$BIN/iwmoctl" verify --trust "$K/ca.pem" --strip "$M/good.xml" >"$T/stripped.xml" 2>/dev/null
replace_element "$M/good.xml" Signature "" >"$T/expected.xml"
check "verify --strip gives the message minus exactly its signature" cmp -s "$T/stripped.xml" "$T/expected.xml"
check "which validates" "$BIN/iwmoctl" validate --today 2026-11-24 "$T/stripped.xml"
"$BIN/iwmoctl" verify "$M/good.xml" >/dev/null 2>&1
check "verify without --trust is a usage error" test $? -eq 2

# ---- configuration ---------------------------------------------------------------
E="$T/cfg"; mkdir -p "$E"
base_config() {  # base_config DIR: everything but signing:
  cat <<YAML
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $1/inbox, outbox: $1/outbox }
queue: $1/queue
database: { dsn: "$DSN" }
clock: { today: 2026-11-24 }
privacy: { pseudonym_key: "test-key" }
YAML
}
config_error() {  # config_error NAME SIGNING-LINE EXPECTED: --check-config fails, saying EXPECTED
  { base_config "$E"; echo "$2"; } >"$E/$1.yaml"
  "$BIN/iwmod" --config "$E/$1.yaml" --check-config >/dev/null 2>"$E/err"
  check "config $1 refused" test $? -ne 0
  check "config $1 says: $3" grep -q "$3" "$E/err"
}
config_error notrust 'signing: { verify_inbound: true }' "notrust.yaml:7: signing.verify_inbound: true wants signing.trust"
config_error halfkey "signing: { key: $K/gemeente.key }" "halfkey.yaml:7: signing wants both key and cert"
config_error badbool 'signing: { verify_inbound: maybe }' "badbool.yaml:7: 'verify_inbound' wants true or false"
config_error unknown 'signing: { verify: true }' "unknown.yaml:7: unknown key 'verify'"
config_error notrustfile "signing: { verify_inbound: true, trust: $K/none.pem }" "$K/none.pem: cannot be read"
config_error emptytrust "signing: { verify_inbound: true, trust: $K/ca.key }" "$K/ca.key: holds no PEM certificate"
config_error nokey "signing: { key: $K/none.key, cert: $K/gemeente.pem }" "$K/none.key: cannot be read as"
config_error mismatch "signing: { key: $K/stranger.key, cert: $K/gemeente.pem }" "stranger.key: the private key does not belong"

# ---- the daemon ------------------------------------------------------------------
E="$T/daemon"; mkdir -p "$E/inbox"
{ base_config "$E"; cat <<YAML
signing:
  verify_inbound: true
  trust: $K/trust
  key: $K/gemeente.key
  cert: $K/gemeente.pem
YAML
} >"$E/iwmod.yaml"
"$BIN/iwmod" --config "$E/iwmod.yaml" --check-config >"$T/out"
check "signing config passes --check-config" test $? -eq 0
"$BIN/iwmoctl" migrate --config "$E/iwmod.yaml" >/dev/null || echo "migrate failed" >>"$T/errors"
drop() { cp "$1" "$E/inbox/.$2" && mv "$E/inbox/.$2" "$E/inbox/$2"; }
once() { "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log" || echo "iwmod --once exited $?" >>"$T/errors"; }
count() { find "$1" -maxdepth 1 -type f -name "${2:-*}" 2>/dev/null | wc -l; }
verdict() { sql "SELECT verdict FROM messages WHERE original_name = '$1'"; }

# Our own 301 (outbound) needs no signature and goes out unchanged
drop "$VALID/iwmo/WMO301.xml" out301.xml
once
check "our unsigned 301 is sent" same "$(verdict out301.xml)" sent
check "and forwarded byte for byte" cmp -s "$VALID/iwmo/WMO301.xml" "$E/outbox/out301.xml"

# The refusals first, the good one last: the daemon goes on after each refusal
for f in unsigned tampered untrusted wrongkey expired twice malformed good; do
  drop "$M/$f.xml" "$f.xml"
done
once

refused() {  # refused NAME REASON CODE
  check "$1: verdict refused" same "$(verdict "$1.xml")" refused
  check "$1: quarantined" test "$(count "$E/queue/quarantine" "*-$1.xml")" -eq 1
  check "$1: .reason says '$2'" grep -q "$3: XMLDSIG $2" "$E"/queue/quarantine/*-"$1".xml.reason
  check "$1: messages row says '$2'" test "$(sql "SELECT count(*) FROM messages WHERE original_name = '$1.xml' AND note LIKE '%$2%' AND findings::text LIKE '%$3%'")" -eq 1
  check "$1: log line with code $3" grep -q "file=$1.xml .*verdict=refused codes=$3 retour=-" "$E/log"
  check "$1: no delivery" test "$(sql "SELECT count(*) FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.original_name = '$1.xml'")" -eq 0
}
refused unsigned 'not signed' not-signed
refused tampered 'signature does not verify' signature-does-not-verify
refused untrusted 'signer certificate not trusted' signer-not-trusted
refused wrongkey 'signature does not verify' signature-does-not-verify
refused expired 'signer certificate expired or not yet valid' signer-expired
refused twice 'more than one signature' signature-multiple
refused malformed 'malformed signature' signature-malformed
check "the wrong key is told apart from tampering" grep -q 'signature value does not match' "$E"/queue/quarantine/*-wrongkey.xml.reason
check "the tampering is told apart from a wrong key" grep -q 'digest does not match' "$E"/queue/quarantine/*-tampered.xml.reason

check "good: accepted after the refusals" same "$(verdict good.xml)" accepted
check "good: done" test "$(count "$E/queue/done" '*-good.xml')" -eq 1
check "exactly one retour in the outbox" test "$(count "$E/outbox" 'WMO306_*')" -eq 1
retour=$(find "$E/outbox" -name 'WMO306_*' | head -n 1)
check "the retour carries a signature" grep -q '<ds:Signature' "${retour:-/nonexistent}"
check "the retour verifies against the CA" verify "${retour:-/nonexistent}"
check "the retour answers the good 305" grep -q 'ST2026000401' "${retour:-/nonexistent}"
check "the stored raw bytes are the signed original (sha256)" \
  same "$(sql "SELECT encode(sha256, 'hex') FROM messages WHERE original_name = 'good.xml'")" \
       "$(sha256sum "$M/good.xml" | cut -d' ' -f1)"
check "two delivery rows: the 301 and the good 305's retour" test "$(sql "SELECT count(*) FROM deliveries")" -eq 2
check "inbox, active and outgoing empty" test "$(count "$E/inbox")$(count "$E/queue/active")$(count "$E/queue/outgoing")" = 000

check "no iwmod run failed (no sanitizer report, no database error)" test ! -s "$T/errors"
[ -s "$T/errors" ] && cat "$T/errors" && tail -20 "$E/log"
check "no BSN in the log" sh -c "! grep -q 999990019 '$E/log'"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
