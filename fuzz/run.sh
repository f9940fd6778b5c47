#!/bin/sh
# run.sh - run every fuzz target built in BUILD_DIR for SECONDS each, one
# after the other, on a working corpus under BUILD_DIR/corpus/<target>
# seeded from tests/corpus and fuzz/seeds, with fuzz/iwmo.dict.
# Fails (exit 1) when any target finds a crash, a leak or a broken property;
# libFuzzer then leaves the input as BUILD_DIR/artifacts/<target>/crash-*.
#
#   fuzz/run.sh [BUILD_DIR [SECONDS [JOBS]]]     defaults: build-fuzz 20 1
#
# JOBS > 1 runs that many fuzzing processes per target (libFuzzer -fork).
set -u
cd "$(dirname "$0")/.."
B=${1:-build-fuzz}
SECS=${2:-20}
JOBS=${3:-1}
SEEDS="tests/corpus/valid/iwmo tests/corpus/valid/ijw tests/corpus/invalid fuzz/seeds"
[ -d tests/corpus/envelope ] && SEEDS="$SEEDS tests/corpus/envelope"
status=0
for bin in "$B"/bin/fuzz_*; do
  [ -x "$bin" ] || continue
  t=$(basename "$bin")
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
  extra=""
  [ "$JOBS" -gt 1 ] && extra="-fork=$JOBS -ignore_crashes=0"
  # -rss_limit_mb bounds memory per input; -timeout flags inputs slower than 10 s.
  "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict=fuzz/iwmo.dict -artifact_prefix="$B/artifacts/$t/" -print_final_stats=1 $extra \
    "$B/corpus/$t" $SEEDS >"$B/$t.log" 2>&1
  rc=$?
  execs=$(grep -ho 'stat::number_of_executed_units: *[0-9]*' "$B/$t.log" | awk '{ s += $2 } END { print s + 0 }')
  [ "$JOBS" -gt 1 ] && execs=$(grep -o '#[0-9]*' "$B/$t.log" | tail -n 1 | tr -d '#')
  cov=$(grep -o 'cov: [0-9]*' "$B/$t.log" | tail -n 1)
  echo "$t: exit $rc, ${execs:-?} executions in ${SECS}s, $cov, corpus $(ls "$B/corpus/$t" | wc -l) files"
  if [ $rc -ne 0 ]; then
    status=1
    grep -E 'ERROR|SUMMARY|property broken|Test unit written' "$B/$t.log" | head -n 10
  fi
done
exit $status
