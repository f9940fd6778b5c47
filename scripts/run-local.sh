#!/bin/sh
# The main job on a local default: install what is missing, build, and
# validate the bundled sample messages (valid ones and ones iwmod must
# refuse), printing one line per finding and a verdict per file.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "== valid samples (both standards, all 28 message types)"
build/bin/iwmoctl validate tests/corpus/valid/iwmo/*.xml tests/corpus/valid/ijw/*.xml
echo "== files iwmod refuses, each with its reason"
build/bin/iwmoctl validate tests/corpus/invalid/*.xml tests/corpus/invalid/*.txt || true
