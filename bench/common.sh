# Shared by the benchmark scripts (sourced). Expects $repo and a log function.

# ensure_built BUILD_DIR TARGET...: configures BUILD_DIR (Release) if it has no CMake cache, then
# builds the targets; does nothing with SKIP_BUILD=1.
ensure_built() {
    local build="$1"
    shift
    [[ "${SKIP_BUILD:-0}" == 1 ]] && return 0
    if [[ ! -f "$build/CMakeCache.txt" ]]; then
        log "configuring $build"
        cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
    fi
    log "building in $build"
    cmake --build "$build" -j"$(nproc)" --target "$@" >&2
}
