#!/usr/bin/env bash
# Model zoo conformance: exports the models of bench/zoo/export.py if needed (torchvision
# architectures and a few custom ones, random weights), then, for each one, checks that both
# engines load it and agree with ONNX Runtime in FP32, quantizes it with DefaultQuantization, runs
# the QDQ model in ONNX Runtime and compares it with our INT8 engine, measures the SQNR of our INT8
# against our FP32 beside PyTorch FX post-training quantization of the same module, and times
# FP32 and INT8 in both runtimes (bench/zoo/conformance.py has the details). A failing step is
# recorded and the run goes on. Writes docs/ZOO.md and WORK_DIR/results.json; a hand-written block
# between <!-- notes:begin --> and <!-- notes:end --> in the existing document is kept.
#
#   bash bench/zoo/run.sh [BUILD_DIR]
#   MODELS="resnet18 unet" SECONDS_PER_RUN=1 bash bench/zoo/run.sh
#
# BUILD_DIR (or POT_BUILD_DIR) defaults to ./build-tests; it is configured if needed and the
# targets the run uses are built. Needs /usr/bin/python3 with numpy, onnx, torch and torchvision
# (Debian packages) and ONNX Runtime for node (scripts/setup-npm.sh). Environment knobs (defaults
# in brackets):
#   MODELS [all]            space-separated model names (see bench/zoo/export.py --list)
#   SMALL=1                 only the models the manifest marks small (with MODELS: those of them)
#   THREADS [1]             threads of every run (engines, ONNX Runtime, PyTorch)
#   SECONDS_PER_RUN [3]     timed seconds per latency run (after warm-up)
#   TIMEOUT [1800]          seconds any one command may take before its step counts as failed
#   ZOO_DIR [$XDG_CACHE_HOME/pot-zoo or ~/.cache/pot-zoo]   exported models and manifest.json
#   WORK_DIR [BUILD_DIR/zoo-work]   samples, outputs, QDQ models, results.json
#   OUTPUT [docs/ZOO.md]
#   KEEP=1                  keep the WORK_DIR/results.json entries of the models not selected now
#                           (resume an interrupted run with MODELS=the rest, or re-run a few models)
#   SKIP_BUILD=1            use BUILD_DIR as it is
#   DOCUMENT_ONLY=1         only rewrite OUTPUT from WORK_DIR/results.json (no build, export or runs)
#   CHECK=1                 conformance checks only (no PyTorch FX, no timing); exits 1 when a
#                           model fails one (the test suite runs a few small models this way)
#   FX_ONLY=1               re-run only the PyTorch FX step of the selected models (all by default),
#                           keeping the rest of WORK_DIR/results.json; needs that run's WORK_DIR
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(realpath -m "${1:-${POT_BUILD_DIR:-$repo/build-tests}}")"
zoo="$(realpath -m "${ZOO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pot-zoo}")"
work="$(realpath -m "${WORK_DIR:-$build/zoo-work}")"
output="$(realpath -m "${OUTPUT:-$repo/docs/ZOO.md}")"
python=/usr/bin/python3
command_line="bash bench/zoo/run.sh${1:+ $1}"
for var in MODELS SMALL THREADS SECONDS_PER_RUN TIMEOUT KEEP FX_ONLY CHECK; do
    value="${!var:-}"
    if [[ "$value" == *" "* ]]; then value="\"$value\""; fi
    if [[ -n "$value" ]]; then command_line="$var=$value $command_line"; fi
done

log() { printf '[zoo] %s\n' "$*" >&2; }

if [[ "${DOCUMENT_ONLY:-0}" == 1 ]]; then
    exec "$python" "$repo/bench/zoo/conformance.py" --work "$work" --output "$output" --document-only
fi

source "$repo/bench/common.sh"
ensure_built "$build" pot-host pot-zoo-run cpu_engine reference_engine min_max channel_alignment \
    fast_bias_correction bias_correction default_quantization
for tool in pot-host pot-zoo-run; do
    [[ -x "$build/bin/$tool" ]] || { log "missing $build/bin/$tool"; exit 1; }
done

# Export what the selection needs and the cache lacks (export.py keeps existing files).
read -r -a wanted <<< "${MODELS:-}"
[[ ${#wanted[@]} -gt 0 ]] || mapfile -t wanted < <("$python" "$repo/bench/zoo/export.py" --list)
missing=()
for name in "${wanted[@]}"; do
    if [[ ! -f "$zoo/$name.onnx" ]] || ! grep -q "\"name\": \"$name\"" "$zoo/manifest.json" 2>/dev/null; then
        missing+=("$name")
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    log "exporting ${missing[*]} into $zoo"
    "$python" "$repo/bench/zoo/export.py" --out "$zoo" "${missing[@]}" >&2
fi

args=(--zoo "$zoo" --build "$build" --work "$work" --output "$output" --threads "${THREADS:-1}"
      --seconds "${SECONDS_PER_RUN:-3}" --timeout "${TIMEOUT:-1800}" --models "${MODELS:-}"
      --command "$command_line")
if [[ "${SMALL:-0}" == 1 ]]; then args+=(--small); fi
if [[ "${KEEP:-0}" == 1 ]]; then args+=(--keep); fi
if [[ "${FX_ONLY:-0}" == 1 ]]; then args+=(--fx-only); fi
if [[ "${CHECK:-0}" == 1 ]]; then args+=(--check); fi
"$python" "$repo/bench/zoo/conformance.py" "${args[@]}"
