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
grep -q "Top1Error" "$work/list.txt"

sed "s#@SRC@#$src#g" "$src/tests/third_party_plugin/config.json.in" > "$work/config.json"
"$host" --plugins "$installed_plugins" --plugins "$own_plugins" -c "$work/config.json" -d \
    --output-dir "$work/out"
report="$work/out/report.json"
grep -q '"OpCensus"' "$report" || { echo "report lacks the OpCensus section"; cat "$report"; exit 1; }
grep -q '"Conv"' "$report" || { echo "OpCensus did not count the Conv ops"; exit 1; }

# The third-party metric, named in engine.metrics, scores -e.
sed "s#@SRC@#$src#g" "$src/tests/third_party_plugin/metric_config.json.in" > "$work/metric_config.json"
"$host" --plugins "$installed_plugins" --plugins "$own_plugins" -c "$work/metric_config.json" -e -d \
    --output-dir "$work/metric_out" | tee "$work/metric_run.txt"
python3 - "$work/metric_out/report.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["evaluation"]
assert e["metric"] == "error@top1", e
assert e["name"] == "top-1 error" and e["baseline_value"] == 9.0, e
assert e["higher_is_better"] is False, e
assert 0 <= e["fp32"] <= 100 and 0 <= e["int8"] <= 100, e
assert abs(e["drop"] - (e["int8"] - e["fp32"])) < 1e-9, "a lower-is-better drop is int8 - fp32: %s" % e
n = e["samples"]
net = e["changed"]["broken"] - e["changed"]["fixed"]
assert abs(e["drop"] - 100.0 * net / n) < 1e-9, "broken and fixed samples account for the drop: %s" % e
print("third-party metric scored the evaluation:", e["fp32"], "->", e["int8"])
PY
echo "third-party plugins built against the installed SDK, loaded and run"
