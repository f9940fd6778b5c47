#!/bin/sh
# Installs what is missing, builds iwmod twice (normal, and with ASan+UBSan)
# and runs the whole test suite on both builds. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DIWMOD_SANITIZE=ON
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure)

# libFuzzer harnesses (fuzz/README.md): a clang build of their own, each target
# run for a bounded time; a crash, leak or broken property fails the run.
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIWMOD_FUZZ=ON -DBUILD_TESTING=OFF
cmake --build build-fuzz -j"$jobs" --target fuzz
fuzz/run.sh build-fuzz "${IWMOD_FUZZ_SECONDS:-20}"
