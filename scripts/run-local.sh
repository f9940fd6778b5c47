#!/bin/sh
# The main job on a local default, from nothing: install packages, build,
# start a private PostgreSQL under var/pg, create the schema, start iwmod on
# var/inbox and var/outbox, drop a small sample chain into the inbox (the
# gemeente's own 301, then a provider's 305, 307 and 323, and one hostile
# file), and show the retours that appear and the daemon's log lines.
# Everything it starts it stops again, by pid; var/ keeps the results.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

VAR="$ROOT/var"
mkdir -p "$VAR"
chmod 755 "$VAR"
echo "== validating the bundled samples (all 28 message types) and files iwmod refuses"
build/bin/iwmoctl validate tests/corpus/valid/iwmo/*.xml tests/corpus/valid/ijw/*.xml | grep -c ': valid: ' |
  sed 's/^/valid samples: /'
build/bin/iwmoctl validate tests/corpus/invalid/*.xml tests/corpus/invalid/*.txt || true

echo "== private PostgreSQL in var/pg"
DSN=$(scripts/pg.sh start "$VAR/pg")
echo "$DSN"
cat >"$VAR/iwmod.yaml" <<YAML
# Local default written by scripts/run-local.sh; see config/iwmod.yaml for every key.
identities: { gemeenten: ["0363"], aanbieders: [] }
exchange: { inbox: $VAR/inbox, outbox: $VAR/outbox }
queue: $VAR/queue
database: { dsn: "$DSN" }
privacy: { pseudonym_key: "local-demo-key" }
YAML
build/bin/iwmoctl migrate --config "$VAR/iwmod.yaml"

echo "== iwmod running on var/inbox"
mkdir -p "$VAR/inbox"
build/bin/iwmod --config "$VAR/iwmod.yaml" 2>>"$VAR/iwmod.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; scripts/pg.sh stop "$VAR/pg"' EXIT
sleep 0.5
stamp=$(date +%s)
for f in iwmo/WMO301.xml iwmo/WMO305.xml iwmo/WMO307.xml iwmo/WMO323.xml; do
  name="$stamp-$(basename "$f")"
  cp "tests/corpus/valid/$f" "$VAR/inbox/.$name"
  mv "$VAR/inbox/.$name" "$VAR/inbox/$name"
  sleep 0.3
done
cp tests/corpus/invalid/xxe.xml "$VAR/inbox/$stamp-xxe.xml"
sleep 1
echo "== outbox (retours and the forwarded 301)"
ls -l "$VAR/outbox"
echo "== quarantine"
ls "$VAR/queue/quarantine"
echo "== log (one line per message; never a BSN)"
tail -n 8 "$VAR/iwmod.log"
echo
echo "To keep it running: scripts/pg.sh start var/pg && build/bin/iwmod --config var/iwmod.yaml"
