#!/usr/bin/env bash
# Installs the project into a scratch prefix, builds tests/third_party_plugin against that
# installed SDK with find_package, and runs it through the installed pot-host from its own folder.
# Usage: run.sh <project build dir> <project source dir>
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$src/tests/third_party_plugin" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" || { cat "$work/build.log"; exit 1; }

host="$work/prefix/bin/pot-host"
own_plugins="$work/build/plugins"
# The installed host finds its own plugins by default; the third-party folder is added with --plugins.
installed_plugins=$(dirname "$(find "$work/prefix" -name 'libpot_reference_engine.so' | head -n 1)")
"$host" --list-plugins --plugins "$installed_plugins" --plugins "$own_plugins" | tee "$work/list.txt"
grep -q "OpCensus" "$work/list.txt"

sed "s#@SRC@#$src#g" "$src/tests/third_party_plugin/config.json.in" > "$work/config.json"
"$host" --plugins "$installed_plugins" --plugins "$own_plugins" -c "$work/config.json" -d \
    --output-dir "$work/out"
report="$work/out/report.json"
grep -q '"OpCensus"' "$report" || { echo "report lacks the OpCensus section"; cat "$report"; exit 1; }
grep -q '"Conv"' "$report" || { echo "OpCensus did not count the Conv ops"; exit 1; }
echo "third-party plugin built against the installed SDK, loaded and run"
