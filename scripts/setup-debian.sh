#!/usr/bin/env bash
# Installs every Debian package the build, the example and the tests need.
# Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git
    libboost-dev libboost-filesystem-dev libboost-program-options-dev libboost-regex-dev
    nlohmann-json3-dev libtbb-dev libopencv-dev libgtest-dev libyaml-cpp-dev libicu-dev libnlopt-cxx-dev
    libonnx-dev libprotobuf-dev protobuf-compiler
    libdnnl-dev ocl-icd-opencl-dev opencl-headers
    python3 python3-numpy python3-onnx python3-dev pybind11-dev python3-opencv
    python3-torch python3-torchvision libopenblas0-openmp
    clang-14 libclang-rt-14-dev
    dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js may come from another apt source that ships npm inside its nodejs package.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
