#!/usr/bin/env bash
# Runs pot-host on every case of the bad-input corpus (generate.py) and checks that each fails
# cleanly:
#   - exit code 1 or 2: never 0, never a signal;
#   - within 30 s and 2 GiB of address space (AddressSanitizer builds: 2 GiB per allocation and
#     of resident memory instead, as the sanitizer reserves terabytes of address space);
#   - a stderr line starting "error: " that names what the case's `expect` file says (the file,
#     node or JSON path), and, when the case has a `mention` file, stderr holding that text;
#   - nothing left in the output folder, and no file written anywhere else in the case folder.
# Prints a table of the results by category and the failing cases with their reason, and exits 1
# when any case fails.
#
#   run.sh POT_HOST PLUGIN_DIR WORK_DIR [CATEGORY...]
#
# The corpus is generated into WORK_DIR/cases, results go to WORK_DIR/results.txt; each case
# folder keeps the run's stdout, stderr and exit code for a closer look. Replay one case with
#   cd WORK_DIR/cases/<category>/<case> && POT_HOST -c config.json ... (see its `args` file).
set -euo pipefail

if [ $# -lt 3 ]; then
    sed -n '2,/^set -e/p' "$0" | sed '$d' >&2
    exit 2
fi
pot_host=$(realpath "$1")
plugin_dir=$(realpath "$2")
work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3

export POT_BAD_INPUT_HOST=$pot_host POT_BAD_INPUT_PLUGINS=$plugin_dir
export POT_BAD_INPUT_TIMEOUT_S=30 POT_BAD_INPUT_MEMORY_MB=2048
# Each run is small; one inference thread each keeps two runs side by side from fighting for cores.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
if ldd "$pot_host" 2>/dev/null | grep -q 'libasan\|libclang_rt.asan'; then
    export POT_BAD_INPUT_ASAN=1
    export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=2048:hard_rss_limit_mb=2048"
fi

mkdir -p "$work"
work=$(realpath "$work")
"$python" "$here/generate.py" "$work/cases" "$plugin_dir" >/dev/null

# One case: runs pot-host in the case folder and prints "<category> <case> <verdict> <seconds>".
run_case() {
    local dir=$1 category case args=() line code verdict=pass start
    category=$(basename "$(dirname "$dir")")
    case=$(basename "$dir")
    cd "$dir"
    while IFS= read -r line; do
        args+=("${line//@PLUGINS@/$POT_BAD_INPUT_PLUGINS}")
    done <args
    local limit=(prlimit --as=$((POT_BAD_INPUT_MEMORY_MB << 20)) --)
    [ -n "${POT_BAD_INPUT_ASAN:-}" ] && limit=()
    touch .started
    start=$EPOCHREALTIME
    set +e
    # The braces take bash's own "Bus error (core dumped)" notice away from the log.
    { timeout -k 5 "$POT_BAD_INPUT_TIMEOUT_S" "${limit[@]}" "$POT_BAD_INPUT_HOST" "${args[@]}" \
        >stdout.txt 2>stderr.txt </dev/null; } 2>/dev/null
    code=$?
    set -e
    echo "$code" >exit_code.txt
    local error_line seconds
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
    # -a: messages may quote binary bytes from the input.
    error_line=$(grep -a -m 1 '^error: ' stderr.txt || true)
    if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
        verdict=timeout
    elif [ "$code" -gt 128 ]; then
        verdict="signal-$(kill -l $((code - 128)) 2>/dev/null || echo $((code - 128)))"
    elif grep -aq '^==[0-9]*==ERROR: \|runtime error: ' stderr.txt; then
        verdict=sanitizer
    elif [ "$code" -eq 0 ]; then
        verdict=exit-0
    elif [ "$code" -ne 1 ] && [ "$code" -ne 2 ]; then
        verdict="exit-$code"
    elif [ -z "$error_line" ]; then
        verdict=no-error-line
    elif grep -aq 'bad_alloc\|out of memory\|Insufficient memory' <<<"$error_line"; then
        verdict=out-of-memory
    else
        local named=0 alternative
        IFS='|' read -r -a alternatives <expect
        for alternative in "${alternatives[@]}"; do
            [ -n "$alternative" ] && [[ "$error_line" == *"$alternative"* ]] && named=1
        done
        [ "$named" -eq 1 ] || verdict=not-named
    fi
    if [ "$verdict" = pass ] && [ -f mention ] && ! grep -aqF "$(cat mention)" stderr.txt; then
        verdict=mention-missing
    fi
    if [ "$verdict" = pass ] && [ -e out ] && [ -n "$(find out -mindepth 1 -print -quit 2>/dev/null)" ]; then
        verdict=output-left
    fi
    # A file anywhere else (a model name with '..' or '/') is worse news than the exit code.
    if { [ "$verdict" = pass ] || [ "$verdict" = exit-0 ]; } && [ -n "$(find . -mindepth 1 -newer .started \
            ! -path ./out ! -path './out/*' ! -name stdout.txt ! -name stderr.txt ! -name exit_code.txt -print -quit)" ]; then
        verdict=written-outside
    fi
    printf '%s %s %s %.1f\n' "$category" "$case" "$verdict" "$seconds"
}
export -f run_case

categories=("$@")
[ ${#categories[@]} -gt 0 ] || categories=($(cd "$work/cases" && ls -d */ | tr -d / | grep -v '^base$'))
start=$(date +%s)
for c in "${categories[@]}"; do
    find "$work/cases/$c" -mindepth 1 -maxdepth 1 -type d | sort
done | xargs -P "${POT_BAD_INPUT_JOBS:-2}" -I{} bash -c 'run_case "$1"' _ {} >"$work/results.txt"
elapsed=$(($(date +%s) - start))

sort "$work/results.txt" | awk -v elapsed="$elapsed" '
    {
        if (!($1 in total)) order[++n] = $1
        total[$1]++
        if ($3 == "pass") pass[$1]++
        else if (!(($1 " " $3) in why)) { why[$1 " " $3] = 1; reasons[$1] = reasons[$1] " " $3 }
        if ($3 != "pass") count[$1 " " $3]++
    }
    END {
        printf "\n%-14s %6s %6s %6s  %s\n", "category", "cases", "pass", "fail", "failures by reason"
        for (i = 1; i <= n; i++) {
            c = order[i]; detail = ""
            k = split(reasons[c], rs, " ")
            for (j = 1; j <= k; j++) detail = detail sprintf("%s %d  ", rs[j], count[c " " rs[j]])
            printf "%-14s %6d %6d %6d  %s\n", c, total[c], pass[c], total[c] - pass[c], detail
            all += total[c]; ok += pass[c]
        }
        printf "%-14s %6d %6d %6d  (%d s)\n", "all", all, ok, all - ok, elapsed
    }'

failures=$(awk '$3 != "pass"' "$work/results.txt")
if [ -n "$failures" ]; then
    echo
    echo "Failing cases (folder under $work/cases; stderr.txt, exit_code.txt and args inside):"
    awk '{ printf "  %-16s %s/%s\n", $3, $1, $2 }' <<<"$failures" | sort
    exit 1
fi
