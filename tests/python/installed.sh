#!/usr/bin/env bash
# Installs the project into a scratch prefix and runs the Python walkthrough (examples/python) from
# it, with PYTHONPATH naming the installed site folder only: the package must find libpot_core and
# the plugins of the prefix, not the build tree's.
# Usage: installed.sh <build dir> <python3> <site folder relative to the prefix> <source dir>
set -euo pipefail
build=$1
python=$2
site=$3
src=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cd "$work"
env -u POT_PLUGIN_DIR PYTHONPATH="$work/prefix/$site" "$python" - "$work/prefix" <<'PY'
import os, sys
import pot
prefix = sys.argv[1]
assert pot.__file__.startswith(prefix), pot.__file__
plugins = os.path.realpath(pot.default_plugin_dir())
assert plugins == os.path.realpath(os.path.join(prefix, "lib", "pot", "plugins")), plugins
engine = pot.IEEngine({"device": "CPU"})
print("installed package:", os.path.dirname(pot.__file__), "engine:", engine.name, "plugins:", plugins)
PY
libs=$(ldd "$work/prefix/$site/pot/"_native*.so)
grep -q "$work/prefix/.*libpot_core\.so" <<< "$libs" \
    || { echo "the installed module does not load the installed libpot_core:"; echo "$libs"; exit 1; }
env -u POT_PLUGIN_DIR PYTHONPATH="$work/prefix/$site" "$python" "$src/examples/python/quantize.py"
test -s "$work/optimized_model/optimized_model.onnx"
