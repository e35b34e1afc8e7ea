#!/usr/bin/env bash
# TPE against RandomSearch on a fully scored search space of the bundled CNN, the same-seed check,
# and a tuning run with latency in the objective against DefaultQuantization; writes
# docs/TUNING.md. See run.py for what each section measures.
#
#   bash bench/tuning/run.sh
#
# Environment knobs (defaults in brackets):
#   POT_BUILD_DIR [./build]   build tree (configured and built if needed)
#   SKIP_BUILD=1              use POT_BUILD_DIR as it is
#   THREADS [1]               engine threads
#   OUTPUT [docs/TUNING.md]   WORK_DIR [POT_BUILD_DIR/tuning-work]
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(realpath -m "${POT_BUILD_DIR:-$repo/build}")"
work="$(realpath -m "${WORK_DIR:-$build/tuning-work}")"
output="$(realpath -m "${OUTPUT:-$repo/docs/TUNING.md}")"

log() { printf "[tuning] %s\n" "$*" >&2; }
source "$repo/bench/common.sh"
ensure_built "$build" pot-host pot-tuning-simulate cpu_engine standard_metrics min_max channel_alignment \
    fast_bias_correction default_quantization tpe random_search grid_search
rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 "$repo/bench/tuning/run.py" --pot-host "$build/bin/pot-host" \
    --simulate "$build/bin/pot-tuning-simulate" --work "$work" --output "$output" --threads "${THREADS:-1}"
echo "wrote $output"
