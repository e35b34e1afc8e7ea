#!/usr/bin/env bash
# AccuracyAwareQuantization on the bundled models against the naive SQNR order; writes
# docs/ACCURACY_AWARE.md. See compare.py for what each row is.
#
#   bash bench/accuracy_aware/run.sh [MODEL.onnx...]
#
# Environment knobs (defaults in brackets):
#   POT_BUILD_DIR [./build]   build tree with pot-host and the plugins (configured and built if needed)
#   SKIP_BUILD=1              use POT_BUILD_DIR as it is
#   THREADS [1]               threads of pot-host
#   MAXIMAL_DROP [0.5]  BITS [4]  TIME_BUDGET_MINUTES [0.25] (0: skip that run)
#   OUTPUT [docs/ACCURACY_AWARE.md]   WORK_DIR [POT_BUILD_DIR/accuracy-aware-work]
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(realpath -m "${POT_BUILD_DIR:-$repo/build}")"
work="$(realpath -m "${WORK_DIR:-$build/accuracy-aware-work}")"
output="$(realpath -m "${OUTPUT:-$repo/docs/ACCURACY_AWARE.md}")"

if [[ $# -gt 0 ]]; then
    models=("$@")
else
    models=("$repo"/examples/fmnist/fmnist_{cnn,mobilenet,resnet}.onnx)
fi

log() { printf "[accuracy-aware] %s\n" "$*" >&2; }
source "$repo/bench/common.sh"
ensure_built "$build" pot-host cpu_engine standard_metrics min_max channel_alignment fast_bias_correction \
    default_quantization accuracy_aware
rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 "$repo/bench/accuracy_aware/compare.py" --pot-host "$build/bin/pot-host" --work "$work" \
    --output "$output" --threads "${THREADS:-1}" --maximal-drop "${MAXIMAL_DROP:-0.5}" --bits "${BITS:-4}" \
    --time-budget-minutes "${TIME_BUDGET_MINUTES:-0.25}" -- "${models[@]}"
echo "wrote $output"
