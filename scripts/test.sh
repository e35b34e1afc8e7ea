#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole suite twice: once optimized with
# warnings as errors, once under AddressSanitizer + UndefinedBehaviorSanitizer. Then runs every
# fuzz target for a short while.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase's start and the minutes spent so far, so a slow run shows where its time went.
start=$(date +%s)
phase() { echo "==== $1 ($(( ($(date +%s) - start) / 60 )) min in)" >&2; }

phase "set-up"
bash scripts/setup-debian.sh
bash scripts/setup-npm.sh

jobs=$(nproc)
# ctest runs as many test processes as there are cores; OpenMP workers that spin while idle (the
# default) would take the cores from each other.
export OMP_WAIT_POLICY=PASSIVE

phase "optimized build"
cmake -S . -B build-tests -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOT_WERROR=ON
cmake --build build-tests -j"$jobs"
phase "optimized tests"
ctest --test-dir build-tests --output-on-failure -j"$jobs"

# Benchmark tools have no tests; the optimized build above already checks they compile cleanly.
# -O1 -g1: quicker to build than -O2 -g, and still enough for readable sanitizer stack traces.
phase "sanitizer build"
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DPOT_SANITIZE=ON -DPOT_BUILD_BENCH=OFF
cmake --build build-sanitize -j"$jobs"
# Leak checking is off: the OpenMP runtime oneDNN uses keeps per-thread allocations for the life
# of the process, which LeakSanitizer reports at exit. Memory errors and UB still abort.
# The bad-input corpus runs in the optimized build only: a thousand sanitized pot-host runs would
# add minutes, and the fuzz targets below already read the same formats under the sanitizers.
phase "sanitizer tests"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -E '^bad_inputs$'

# Each fuzz target for 20 s from its seeds and what earlier runs on this machine found: a smoke test
# that they build and run clean. For an hour each: scripts/fuzz.sh 3600.
phase "fuzz targets"
bash scripts/fuzz.sh 20
phase "done"
