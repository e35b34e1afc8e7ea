#!/usr/bin/env bash
# Installs what the tests need, builds twice and runs the suite:
#   build-sanitize/  AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors: every C++
#                    test (each program's cases in one process) and each fuzz target's committed
#                    corpus.
#   build-release/   the release configuration users build, warnings as errors, without the C++
#                    test programs: what cannot run under the sanitizers (the Python package, whose
#                    interpreter is not instrumented) or exercises the shipped binaries (the model
#                    zoo's conformance checks on six small exported models, the benchmark tools,
#                    the bad-input corpus of a thousand pot-host runs).
# Both are unity builds (CMAKE_UNITY_BUILD): a third of the compile time, and two definitions of
# one name in one namespace fail to compile instead of breaking the one-definition rule silently.
# Mutation fuzzing is not part of it: scripts/fuzz.sh (clang, libFuzzer) runs it for as long as
# asked.
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

# -O1 -g1: quicker to build than -O2 -g, and still enough for readable sanitizer stack traces.
phase "sanitizer build"
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DPOT_SANITIZE=ON -DPOT_WERROR=ON -DPOT_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD=ON -DPOT_TEST_PER_CASE=OFF
cmake --build build-sanitize -j"$jobs"
# Leak checking is off: the OpenMP runtime oneDNN uses keeps per-thread allocations for the life
# of the process, which LeakSanitizer reports at exit. Memory errors and UB still abort.
# The bad-input corpus (a thousand pot-host runs, 8 minutes instrumented) runs on the release build;
# the fuzz corpora and the C++ bad-input tests read the same formats here.
phase "tests under the sanitizers"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -E '^bad_inputs$'

# The C++ test folders are left out (they ran above); tests/python, the zoo check and the
# benchmark report's test are what this build runs.
phase "release build"
cpp_tests="algorithms;algorithms_bias;core;engines;engines_cpu;engines_ort;golden;integration;metrics;model_io;optimizers;range_methods;range_optimization;sdk"
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOT_WERROR=ON -DCMAKE_UNITY_BUILD=ON \
    -DPOT_SKIP_TEST_AREAS="$cpp_tests"
cmake --build build-release -j"$jobs"
phase "release tests"
ctest --test-dir build-release --output-on-failure -j"$jobs" -R '^(python_.*|zoo_small|bench_report|bad_inputs)$'
phase "done"
