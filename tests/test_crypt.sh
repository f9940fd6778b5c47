#!/bin/sh
# test_crypt.sh - personal data at rest: the stored message bytes encrypted
# with a configured key (storage.*: refused key files, the sealed header in
# messages.raw and deliveries.content, no readable zlib stream left, iwmoctl
# show reading them back, key rotation, a missing key reported per row and
# never a crash, reprocess still working), the automatic retention purge
# (retention.raw_days) and the modes of every file and directory the daemon
# creates (nothing group-writable or readable by others).
# Usage: test_crypt.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
VALID="$SRC/tests/corpus/valid"
. "$SRC/tests/lib.sh"
tl_init crypt

new_env() { tl_env "$1" 'gemeenten: ["0363"], aanbieders: []' "${2:-}"; }  # new_env NAME [YAML-LINE]
drop() { name=${2:-$(basename "$1")}; cp "$1" "$E/inbox/.$name" && mv "$E/inbox/.$name" "$E/inbox/$name"; }
once() { "$BIN/iwmod" --config "$E/iwmod.yaml" --once 2>>"$E/log"; check "iwmod --once exits 0 in $E" test $? -eq 0; }
has() { grep -q -- "$2" "$1"; }
hasnt() { ! grep -q -- "$2" "$1"; }
key_id() { tr -d '\n' <"$1" | perl -ne 'print pack("H*", $_)' | sha256sum | cut -c1-16; }
# inflated STORED: what a zlib reader makes of stored bytes (hex on stdin): deflate data behind a gzip header
inflated() { perl -ne 'print pack("H*", $_)' | tail -c +3 | { printf '\037\213\010\000\000\000\000\000\000\003'; cat; } |
  gzip -dc 2>/dev/null; true; }
raw_of() { sql "SELECT encode(raw, 'hex') FROM messages WHERE original_name = '$1'"; }
msg_id() { sql "SELECT id FROM messages WHERE original_name = '$1'"; }

openssl rand -hex 32 >"$T/key1"; openssl rand -hex 32 >"$T/key2"
chmod 600 "$T/key1"; chmod 400 "$T/key2"
K1=$(key_id "$T/key1"); K2=$(key_id "$T/key2")

# ---- configuration: key files are checked before anything starts ---------------------------
new_env cfg
cp "$T/key1" "$T/open.key"; chmod 644 "$T/open.key"
printf 'not a key\n' >"$T/short.key"; chmod 600 "$T/short.key"
for k in open short missing; do
  { cat "$E/iwmod.yaml"; echo "storage: { encryption_key_file: $T/$k.key }"; } >"$T/$k.yaml"
done
"$BIN/iwmod" --config "$T/open.yaml" --check-config 2>"$T/err"
check "key file readable by others refused" test $? -ne 0
check "  names file:line, the mode and the fix" has "$T/err" "open.yaml:8: key file $T/open.key has mode 0644: others may read it (chmod 600"
"$BIN/iwmod" --config "$T/short.yaml" --check-config 2>"$T/err"
check "key file without 64 hex characters refused" has "$T/err" "short.yaml:8: key file $T/short.key does not hold 64 hex"
"$BIN/iwmod" --config "$T/missing.yaml" --check-config 2>"$T/err"
check "missing key file refused" has "$T/err" "missing.yaml:8: key file $T/missing.key cannot be read"
printf 'identities: { gemeenten: ["0363"] }\nexchange: { inbox: /x, outbox: /y }\nqueue: /q\ndatabase: { dsn: "x" }\nstorage: { decryption_key_files: %s/key1 }\n' "$T" >"$T/list.yaml"
"$BIN/iwmod" --config "$T/list.yaml" --check-config 2>"$T/err"
check "decryption_key_files must be a list" has "$T/err" "list.yaml:5: 'decryption_key_files' must be a list"
printf 'identities: { gemeenten: ["0363"] }\nexchange: { inbox: /x, outbox: /y }\nqueue: /q\ndatabase: { dsn: "x" }\nretention: { raw_days: 0 }\n' >"$T/ret.yaml"
"$BIN/iwmod" --config "$T/ret.yaml" --check-config 2>"$T/err"
check "retention.raw_days must be positive" has "$T/err" "ret.yaml:5: 'raw_days' wants a positive whole number"

# ---- a control run without a key: the stored bytes are a plain zlib stream -----------------
new_env plain
drop "$VALID/iwmo/WMO305.xml" p305.xml
once
raw_of p305.xml | inflated >"$T/plain.out"
check "  control: the BerichtIdentificatie is readable after inflating" has "$T/plain.out" ST2026000305

# ---- encryption on: every stored value sealed under key 1 ----------------------------------
umask 022                                   # a sender's loose umask: the daemon must not inherit it
new_env sealed "storage: { encryption_key_file: $T/key1 }"
drop "$VALID/iwmo/WMO301.xml" s301.xml
once
drop "$VALID/iwmo/WMO305.xml" s305.xml; drop "$VALID/iwmo/WMO307.xml" s307.xml; drop "$VALID/iwmo/WMO323.xml" s323.xml
drop "$SRC/tests/corpus/invalid/xxe.xml" sxxe.xml
once
check "five messages stored" test "$(sql "SELECT count(*) FROM messages")" -eq 5
check "every messages.raw starts with the sealed header and key 1's id" \
  test "$(sql "SELECT count(*) FROM messages WHERE encode(substring(raw FROM 1 FOR 13), 'hex') = '4957534201$K1'")" -eq 5
check "every deliveries.content sealed too" \
  test "$(sql "SELECT count(*) FROM deliveries WHERE encode(substring(content FROM 1 FOR 13), 'hex') <> '4957534201$K1'")" -eq 0
check "  and there are deliveries" test "$(sql "SELECT count(*) FROM deliveries")" -ge 4
raw_of s305.xml | inflated >"$T/sealed.out"
check "the sealed 305 does not inflate to its BerichtIdentificatie" hasnt "$T/sealed.out" ST2026000305
check "no BSN in any stored value" test "$(sql "SELECT count(*) FROM messages WHERE position('999990019'::bytea IN raw) > 0")" -eq 0
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" bericht ST2026000305 >"$T/show" 2>&1
check "iwmoctl show still shows the message" has "$T/show" "verdict:       accepted"
check "  and reads its stored bytes back, sha256 as recorded" has "$T/show" "stored:        encrypted under key $K1; reads back to [0-9]* bytes, sha256 as recorded"
check "the 323 was judged with the Omvang of the sealed 301 (no read-back warning)" hasnt "$E/log" "cannot be read back"
check "the 325 was sent" test "$(find "$E/outbox" -name 'WMO325_*' | wc -l)" -eq 1

# file modes: everything under queue/ and outbox/ at most 0640 (files) and 0750 (directories)
find "$E/queue" "$E/outbox" -perm /027 >"$T/loose"
check "nothing under queue/ or outbox/ is group-writable or open to others" test ! -s "$T/loose"
check "  and there are files to look at" test "$(find "$E/queue" "$E/outbox" -type f | wc -l)" -ge 10
check "the claimed 305 (dropped 0644) is 0640 in done/" test "$(stat -c %a "$E"/queue/done/*-s305.xml)" = 640
check "the .reason file is 0640" test "$(stat -c %a "$E"/queue/quarantine/*-sxxe.xml.reason)" = 640
cat "$T/loose"

# reprocess with encryption on: the quarantined file goes back and is processed (and sealed) again
"$BIN/iwmoctl" reprocess --config "$E/iwmod.yaml" --quarantine >/dev/null 2>&1
check "reprocess puts the quarantined file back" test -f "$E/inbox/sxxe.xml"
once
check "  and it is stored again, sealed" \
  test "$(sql "SELECT count(*) FROM messages WHERE original_name = 'sxxe.xml' AND encode(substring(raw FROM 1 FOR 5), 'hex') = '4957534201'")" -eq 2

# ---- key rotation: key 2 seals, key 1 still reads ---------------------------------------
SEALED_305=$(msg_id s305.xml)
sed -i "s#^storage: .*#storage: { encryption_key_file: $T/key2, decryption_key_files: [$T/key1] }#" "$E/iwmod.yaml"
drop "$VALID/ijw/JW305.xml" r305.xml
once
check "after rotation new rows use key 2" \
  test "$(sql "SELECT encode(substring(raw FROM 6 FOR 8), 'hex') FROM messages WHERE original_name = 'r305.xml'")" = "$K2"
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" bericht "$SEALED_305" >"$T/show" 2>&1
check "rows under key 1 still read back" has "$T/show" "encrypted under key $K1; reads back .* as recorded"

# ---- a key that is gone: that row is unreadable, with a reason; nothing crashes -------------
sed -i "s#^storage: .*#storage: { encryption_key_file: $T/key2 }#" "$E/iwmod.yaml"
"$BIN/iwmoctl" show --config "$E/iwmod.yaml" bericht "$SEALED_305" >"$T/show" 2>&1
check "show exits 0 for a row under a missing key" test $? -eq 0
check "  and says why it cannot read it" has "$T/show" "encrypted under key $K1; cannot be read back: encrypted under a key the configuration does not hold"
# a 323 whose toewijzing came from a 301 sealed under a key that is gone: the row is reported, the
# daemon keeps going
new_env lost "storage: { encryption_key_file: $T/key1 }"
drop "$VALID/iwmo/WMO301.xml" l301.xml
once
sed -i "s#^storage: .*#storage: { encryption_key_file: $T/key2 }#" "$E/iwmod.yaml"
drop "$VALID/iwmo/WMO323.xml" l323.xml
once
check "the daemon logs the unreadable row by message id and reason" \
  has "$E/log" "message #$(msg_id l301.xml): stored bytes cannot be read back: encrypted under a key the configuration does not hold"
check "  and still answers the 323" test "$(find "$E/outbox" -name 'WMO325_*' | wc -l)" -eq 1
check "  (no message left in active/)" test -z "$(ls "$E/queue/active")"

# ---- retention: raw bytes older than raw_days are purged at start, the rest kept ----------
new_env retention                                       # first run without retention
drop "$VALID/iwmo/WMO305.xml" old305.xml; drop "$VALID/iwmo/WMO307.xml" new307.xml
once
sql "UPDATE messages SET received_at = DATE '2026-11-24' - 31 WHERE original_name = 'old305.xml'" >/dev/null
sql "UPDATE messages SET received_at = DATE '2026-11-24' - 29 WHERE original_name = 'new307.xml'" >/dev/null
check "before: both raw" test "$(sql "SELECT count(*) FROM messages WHERE length(raw) > 0")" -eq 2
echo "retention: { raw_days: 30 }" >>"$E/iwmod.yaml"
once
check "older than raw_days: raw emptied and marked purged" \
  test "$(sql "SELECT length(raw) = 0 AND purged_at IS NOT NULL FROM messages WHERE original_name = 'old305.xml'")" = t
check "  its retour's content too" \
  test "$(sql "SELECT count(*) FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.original_name = 'old305.xml' AND length(d.content) = 0 AND d.purged_at IS NOT NULL")" -eq 1
check "younger than raw_days: kept" \
  test "$(sql "SELECT length(raw) > 0 AND purged_at IS NULL FROM messages WHERE original_name = 'new307.xml'")" = t
check "state and verdict of the purged message stay" \
  test "$(sql "SELECT verdict FROM messages WHERE original_name = 'old305.xml'")" = accepted
check "the purge is logged with counts" has "$E/log" "retention: purged the stored bytes of 1 message(s) and 1 delivered file(s) received before 2026-10-25"

check "no sanitizer report in any log" sh -c "! grep -l -e Sanitizer -e 'runtime error' $T/*/log"
echo "test_crypt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
