#!/usr/bin/env bash
# Installs the project into a scratch prefix, builds examples/api against that installed pot_core
# with find_package(PotCore), runs it on the bundled CNN with the installed plugins, and checks
# that it wrote a model and that its INT8 accuracy is within a point of FP32.
# Usage: run.sh <project build dir> <project source dir> [<C++ compiler> [<compile and link flags>]]
# The flags are the project's sanitizer flags in a sanitizer build: an uninstrumented program
# cannot load the instrumented libraries.
set -euo pipefail
build=$1
src=$2
cxx=${3:-}
flags=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix")
[[ -z $cxx ]] || args+=(-DCMAKE_CXX_COMPILER="$cxx")
[[ -z $flags ]] || args+=(-DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags")
cmake -S "$src/examples/api" -B "$work/build" -G Ninja "${args[@]}" > "$work/configure.log" \
    || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" || { cat "$work/build.log"; exit 1; }

example="$work/build/pot-api-example"
# The program must run on the installed libraries, not on the build tree's. (ldd's output is kept
# first: grep -q would stop reading early and fail ldd with SIGPIPE under pipefail.)
libs=$(ldd "$example")
grep -q "$work/prefix/.*libpot_core\.so" <<< "$libs" \
    || { echo "pot-api-example does not load the installed libpot_core:"; echo "$libs"; exit 1; }

plugins=$(dirname "$(find "$work/prefix" -name 'libpot_reference_engine.so' | head -n 1)")
model="$work/out/fmnist_cnn_int8.onnx"
mkdir -p "$work/out"
"$example" "$plugins" "$src/examples/fmnist/fmnist_cnn.onnx" "$model" | tee "$work/run.txt"
[[ -s $model ]] || { echo "pot-api-example did not write $model"; exit 1; }

python3 - "$work/run.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def accuracy(precision):
    m = re.search(r"^%s top-1 accuracy: ([0-9.]+)$" % precision, text, re.M)
    assert m, "no %s accuracy line in the output" % precision
    return float(m.group(1))
fp32, int8 = accuracy("FP32"), accuracy("INT8")
assert 80 <= fp32 <= 100, "FP32 accuracy %.2f: the data or the model was not read right" % fp32
assert abs(fp32 - int8) <= 1.0, "INT8 accuracy %.2f is more than a point from FP32 %.2f" % (int8, fp32)
print("INT8 top-1 accuracy %.2f is within a point of FP32 %.2f" % (int8, fp32))
PY
echo "examples/api built against the installed pot_core and run"
