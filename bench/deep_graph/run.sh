#!/usr/bin/env bash
# Quantization time against graph depth: MinMaxQuantization (reference engine, 8 samples, the
# layer report and the QDQ export included) of Conv/Relu chains of 250 to 3000 nodes, each timed
# as a whole pot-host run. Every pass should grow linearly with the node count.
#
#   bash bench/deep_graph/run.sh [BUILD_DIR]     (default ./build-tests)
#
# Prints a Markdown table and writes it into the deep-graph section of docs/PERFORMANCE.md
# (OUTPUT=... to write elsewhere, OUTPUT= to only print).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(realpath -m "${1:-$repo/build-tests}")"
output="${OUTPUT-$repo/docs/PERFORMANCE.md}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

table="$work/table.md"
{
    echo "| nodes | seconds | x of 300 nodes | peak RSS MB |"
    echo "| --- | --- | --- | --- |"
} > "$table"
base=""
for nodes in 300 250 500 1000 3000; do
    /usr/bin/python3 "$repo/bench/deep_graph/make_chain.py" "$nodes" "$work"
    cat > "$work/c$nodes.json" <<JSON
{"model": {"model_name": "chain$nodes", "model": "chain$nodes.onnx"},
 "engine": {"backend": "reference", "data_source": "data"},
 "compression": {"algorithms": [{"name": "MinMaxQuantization", "params": {"stat_subset_size": 8}}]}}
JSON
    /usr/bin/time -f "%e %M" -o "$work/time" "$build/bin/pot-host" -c "$work/c$nodes.json" \
        --output-dir "$work/out$nodes" -d >/dev/null 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
    read -r secs rss_kb < "$work/time"
    [[ -z "$base" ]] && base="$secs"
    awk -v n="$nodes" -v s="$secs" -v b="$base" -v r="$rss_kb" \
        'BEGIN { printf "| %d | %.2f | %.1f | %d |\n", n, s, s / b, r / 1024 }' >> "$table"
done
cat "$table"

[[ -z "$output" ]] && exit 0
section="$work/section.md"
{
    echo "<!-- deep-graph:begin -->"
    echo "## Quantization time against graph depth"
    echo
    echo "\`bash bench/deep_graph/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) CPUs"
    echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)): MinMaxQuantization of"
    echo "Conv/Relu chains, whole pot-host runs (load, statistics, quantization, layer report, export)."
    echo
    cat "$table"
    echo "<!-- deep-graph:end -->"
} > "$section"
/usr/bin/python3 - "$output" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], open(sys.argv[2], encoding="utf-8").read().rstrip("\n")
text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
pattern = re.compile(r"<!-- deep-graph:begin -->.*?<!-- deep-graph:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w", encoding="utf-8").write(text)
PY
echo "wrote $output"
