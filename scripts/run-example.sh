#!/usr/bin/env bash
# The main job on the bundled example: install what is missing, build, quantize the Fashion-MNIST
# CNN with MinMax, evaluate FP32 vs INT8, and benchmark both models.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOT_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)"

out=results/fmnist_cnn
rm -rf "$out"
./build/bin/pot-host -c examples/fmnist/minmax.json -e -d --output-dir "$out"

for model in examples/fmnist/fmnist_cnn.onnx "$out/fmnist_cnn.onnx"; do
    echo
    ./build/bin/pot-host benchmark -m "$model" --niter 2000 --nthreads 1
done

echo
printf 'FP32 file: %8d bytes  %s\n' "$(stat -c %s examples/fmnist/fmnist_cnn.onnx)" examples/fmnist/fmnist_cnn.onnx
printf 'INT8 file: %8d bytes  %s\n' "$(stat -c %s "$out/fmnist_cnn.onnx")" "$out/fmnist_cnn.onnx"
echo "Report: $out/report.json"
