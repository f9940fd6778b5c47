#!/bin/sh
# test_declaratie_streamed.sh - the declaratie tests (test_declaratie.sh) twice:
# once with every 323 parsed whole and once with every 323 read piece by piece
# (limits.stream_from: 1, lib/stream.c), each run passing on its own; then what
# both runs ended with (events, retours, prestaties, declaraties) must be the
# same, byte for byte, apart from the queue names.
# Usage: test_declaratie_streamed.sh BUILD_BIN_DIR SOURCE_DIR PG_DIR
set -u
BIN="$1"; SRC="$2"; PGDIR="$3"
W=$(mktemp -d /tmp/iwmod-declstream-XXXXXX)
chmod 755 "$W"
rc=0
DIGEST="$W/whole" sh "$SRC/tests/test_declaratie.sh" "$BIN" "$SRC" "$PGDIR" >"$W/whole.out" 2>&1 || rc=1
DIGEST="$W/pieces" STREAM_FROM=1 sh "$SRC/tests/test_declaratie.sh" "$BIN" "$SRC" "$PGDIR" >"$W/pieces.out" 2>&1 || rc=1
tail -n 3 "$W/whole.out" "$W/pieces.out"
[ $rc -eq 0 ] || { echo "FAIL: a run failed"; grep -h "FAIL" "$W"/*.out | head -20; }
n=$(grep -c . "$W/whole" 2>/dev/null || echo 0)
echo "digest lines: $n"
if [ "$n" -lt 100 ]; then
  echo "FAIL: the digest is too short to compare"; rc=1
elif ! diff -u "$W/whole" "$W/pieces" >"$W/diff"; then
  echo "FAIL: the piece-by-piece run ended differently:"; head -40 "$W/diff"; rc=1
else
  echo "ok: both runs ended the same"
fi
[ -n "${KEEP:-}" ] || rm -rf "$W"
exit $rc
