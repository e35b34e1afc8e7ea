#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang 14, -DPOT_FUZZ=ON, in build-fuzz/) and runs each one
# for a while, starting from its committed seeds, then prints per target the executions, the
# coverage (libFuzzer's cov: edges and ft: features) and what it found.
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]      SECONDS per target, default 60; all targets by default
#
# Inputs that reached new coverage are kept in build-fuzz/corpus/<target>/ and seed the next run
# (the committed fuzz/corpus/ is never written). Crashing, leaking, hanging and out-of-memory inputs
# are kept in build-fuzz/artifacts/<target>/; replay one with build-fuzz/fuzz/<target> <file>.
# Exits 1 when any target found something in this run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
build=${POT_FUZZ_BUILD_DIR:-build-fuzz}
all_targets=(fuzz_onnx_model fuzz_qdq_import fuzz_config fuzz_npy fuzz_idx fuzz_image fuzz_labels fuzz_trial_log)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1 keeps sanitizer reports readable; assertions stay on, they are checks fuzzing should reach.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DPOT_FUZZ=ON -DPOT_BUILD_TESTS=OFF \
    -DPOT_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" --target fuzzers -j"$(nproc)"

stamp="$build/.fuzz-run-start"
touch "$stamp"
mkdir -p "$build/logs"
# Fork mode runs the inputs in child processes and goes on after a crash, so one run reports every
# finding rather than stopping at the first. The loader runs the ONNX checker in a process too
# (build-fuzz/lib/pot/pot-onnx-check).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Files of one kind (crash, leak, timeout, oom) that target $1's run left in its artifacts folder.
new_artifacts() {
    find "$build/artifacts/$1" -maxdepth 1 -type f -name "$2-*" -newer "$stamp" ! -name '*.txt' | wc -l
}

# Replays the findings of target $1's run (at most 5) and prints for each the file, what went
# wrong and the innermost frames in the project's own code. Fork mode keeps no stack traces.
describe_findings() {
    local t=$1 file report
    find "$build/artifacts/$t" -maxdepth 1 -type f -newer "$stamp" ! -name '*.txt' | sort | head -n 5 |
        while read -r file; do
            report="$file.txt"
            ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" timeout 120 \
                "$build/fuzz/$t" -rss_limit_mb=2048 -timeout=30 "$file" >"$report" 2>&1 || true
            echo "$file"
            { grep -aE -m 1 'runtime error: |^==[0-9]+==ERROR: |what\(\): |ERROR: libFuzzer: ' "$report" ||
                echo "no report on replay; see $report"; } | sed -E 's/^==[0-9]+==//; s/^/    /' | cut -c1-200
            { grep -aE '^ +#[0-9]+ .* in (pot::|LLVMFuzzerTestOneInput)' "$report" || true; } | head -n 3 |
                sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in /      at /; s/\(.*\) (\/)/ \1/; s| /.*/(core\|sdk\|fuzz\|plugins)/| \1/|' |
                cut -c1-200
        done
}

found=0
rows=()
for t in "${targets[@]}"; do
    corpus="$build/corpus/$t"
    artifacts="$build/artifacts/$t"
    log="$build/logs/$t.log"
    mkdir -p "$corpus" "$artifacts"
    dict=()
    [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
    echo "== $t: ${seconds} s" >&2
    "$build/fuzz/$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
        -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" "fuzz/corpus/$t" >"$log" 2>&1 || true
    # The last progress line of fork mode: "#<execs>: cov: <n> ft: <n> corp: ... oom/timeout/crash: a/b/c ..."
    last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1 || true)
    execs=$(sed -nE 's/^#([0-9]+): .*/\1/p' <<<"$last")
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    crashes=$(new_artifacts "$t" crash) leaks=$(new_artifacts "$t" leak)
    timeouts=$(new_artifacts "$t" timeout) ooms=$(new_artifacts "$t" oom)
    rows+=("$(printf '%-18s %12s %8s %8s %8s %6s %9s %6s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "$crashes" "$leaks" "$timeouts" "$ooms")")
    if [ $((crashes + leaks + timeouts + ooms)) -gt 0 ]; then
        found=1
        describe_findings "$t" >"$build/logs/$t.findings"
    fi
done

echo
printf '%-18s %12s %8s %8s %8s %6s %9s %6s\n' target executions cov ft crashes leaks timeouts ooms
printf '%s\n' "${rows[@]}"
if [ "$found" -ne 0 ]; then
    echo
    for t in "${targets[@]}"; do
        [ -s "$build/logs/$t.findings" ] && [ "$build/logs/$t.findings" -nt "$stamp" ] || continue
        echo "$t (log: $build/logs/$t.log; each report beside its input, as <input>.txt):"
        sed 's/^/  /' "$build/logs/$t.findings"
    done
    exit 1
fi
