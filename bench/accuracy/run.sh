#!/usr/bin/env bash
# Accuracy of pot's algorithms on the full Fashion-MNIST test set, with peers. Writes docs/ACCURACY.md.
#
#   bash bench/accuracy/run.sh [MODEL.onnx...]
#
# Models default to the bundled examples/fmnist/fmnist_{cnn,mobilenet,resnet,vit}.onnx; missing ones
# are skipped (listed in the document). Every model takes input [N,1,28,28] = pixel / 255 and
# gives logits [N,10]. Each one is calibrated on the 300 bundled PNGs
# (examples/fmnist/data/calibration) and evaluated (pot-host -e, cpu engine) on the 10,000 test
# images of Debian's dataset-fashion-mnist, gunzipped into a temporary folder (pot-host reads raw idx).
# Rows (pot-host configs written by measure.py): DefaultQuantization with 8- and 7-bit weights, the
# ablation MinMax / + ActivationChannelAlignment / + FastBiasCorrection / + BiasCorrection, and
# MinMax with every activation range method. Peers on the same data: PyTorch FX static PTQ
# (onednn; torch_fx_peer.py) and OpenCV's cv::dnn::Net::quantize (pot-opencv-peer).
#
# Environment knobs (defaults in brackets):
#   POT_BUILD_DIR [./build]      build tree with pot-host, the plugins and pot-opencv-peer; it is
#                                configured if needed and those targets are built
#   SKIP_BUILD=1                 use POT_BUILD_DIR as it is
#   THREADS [1]                  threads of pot-host, the peers and the FP32 benchmark. One by
#                                default: with OpenMP's spinning waits, two threads on a machine
#                                shared with builds made calibration 20x slower (8.4 s vs 0.35 s)
#   DATA_DIR [/usr/share/datasets/fashion-mnist]   t10k-{images-idx3,labels-idx1}-ubyte[.gz]
#   WORK_DIR [POT_BUILD_DIR/accuracy-work]         configs, pot-host results, peer JSON
#   OUTPUT [docs/ACCURACY.md]
#   ROWS                         comma-separated row ids to run (default all; see measure.py rows)
#   REUSE=1                      keep results already in WORK_DIR (same model file); rewrite the document
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(realpath -m "${POT_BUILD_DIR:-$repo/build}")"
threads="${THREADS:-1}"
data_dir="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
work="$(realpath -m "${WORK_DIR:-$build/accuracy-work}")"
output="$(realpath -m "${OUTPUT:-$repo/docs/ACCURACY.md}")"
python=/usr/bin/python3

log() { printf '[accuracy] %s\n' "$*" >&2; }

if [[ $# -gt 0 ]]; then
    models=("$@")
else
    models=("$repo"/examples/fmnist/fmnist_{cnn,mobilenet,resnet,vit}.onnx)
fi

source "$repo/bench/common.sh"
ensure_built "$build" pot-host reference_engine cpu_engine min_max channel_alignment \
    fast_bias_correction bias_correction default_quantization pot-opencv-peer
for tool in pot-host pot-opencv-peer; do
    [[ -x "$build/bin/$tool" ]] || { log "missing $build/bin/$tool"; exit 1; }
done

# The test set, uncompressed (pot-host and the OpenCV peer read raw idx files).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for part in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [[ -f "$data_dir/$part" ]]; then
        cp "$data_dir/$part" "$tmp/$part"
    elif [[ -f "$data_dir/$part.gz" ]]; then
        gunzip -c "$data_dir/$part.gz" > "$tmp/$part"
    else
        log "$data_dir/$part[.gz] not found (Debian package dataset-fashion-mnist)"
        exit 1
    fi
done

mkdir -p "$work"
"$python" "$repo/bench/accuracy/measure.py" \
    --pot-host "$build/bin/pot-host" --opencv-peer "$build/bin/pot-opencv-peer" \
    --test-images "$tmp/t10k-images-idx3-ubyte" --test-labels "$tmp/t10k-labels-idx1-ubyte" \
    --data-dir "$data_dir" --work "$work" --output "$output" --threads "$threads" \
    ${ROWS:+--rows "$ROWS"} ${REUSE:+--reuse} -- "${models[@]}"
