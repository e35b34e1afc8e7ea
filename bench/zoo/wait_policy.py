#!/usr/bin/python3
"""Latency of every zoo model on our engine with OpenMP's default and passive wait policies.

Runs `pot-host benchmark` on each zoo model's FP32 file and on the INT8 (QDQ) file a previous
`bench/zoo/run.sh` left in its work directory, with OMP_WAIT_POLICY unset and set to passive,
interleaved and in rotated order over several rounds; each cell is the median over rounds of the
per-run median latency. Writes a markdown page (docs/WAIT_POLICY.md by default).

Usage:
    /usr/bin/python3 bench/zoo/wait_policy.py [BUILD_DIR]

Environment:
    ZOO_DIR   exported models and manifest.json [$XDG_CACHE_HOME/pot-zoo or ~/.cache/pot-zoo]
    WORK_DIR  the zoo run's work directory, with the QDQ models [BUILD_DIR/zoo-work]
    OUTPUT    page to write [docs/WAIT_POLICY.md]
    THREADS   threads per run [2]
    ROUNDS    rounds [3]
    RUN_SECONDS  seconds per run [2]
    MODELS    space-separated subset of zoo model names (default: all)
"""

import datetime
import json
import os
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMIT = 1.3  # passive at most this many times the default's latency


def benchmark(host, plugins, model, shape, threads, seconds, passive):
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    env.pop("GOMP_SPINCOUNT", None)
    if passive:
        env["OMP_WAIT_POLICY"] = "passive"
    cmd = [host, "benchmark", "-m", model, "--plugins", plugins, "--nthreads", str(threads), "-t", str(seconds),
           "--json"]
    if shape:
        cmd += ["--shape", shape]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({run.returncode}): {run.stderr.strip()[-400:]}")
    return float(json.loads(run.stdout)["latency_median_ms"])


def shape_arg(entry):
    # Dynamic exports name their free dimensions ("width"): run them at the calibration shape.
    parts = [f"{i['name']}[{','.join(str(d) for d in i.get('calibration_shape', i['shape']))}]" for i in entry["inputs"]]
    return ",".join(parts)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build-tests"))
    cache = os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
    zoo = os.path.abspath(os.environ.get("ZOO_DIR", os.path.join(cache, "pot-zoo")))
    work = os.path.abspath(os.environ.get("WORK_DIR", os.path.join(build, "zoo-work")))
    output = os.path.abspath(os.environ.get("OUTPUT", os.path.join(REPO, "docs", "WAIT_POLICY.md")))
    threads = int(os.environ.get("THREADS", "2"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    seconds = float(os.environ.get("RUN_SECONDS", "2"))
    host = os.path.join(build, "bin", "pot-host")
    plugins = os.path.join(build, "lib", "pot", "plugins")
    manifest = os.path.join(zoo, "manifest.json")
    if not os.path.isfile(manifest):
        sys.exit(f"wait_policy: {manifest} not found: export the zoo first (/usr/bin/python3 bench/zoo/export.py)")
    entries = json.load(open(manifest))["models"]
    wanted = os.environ.get("MODELS", "").split()
    if wanted:
        unknown = sorted(set(wanted) - {e["name"] for e in entries})
        if unknown:
            sys.exit(f"wait_policy: MODELS names models not in the zoo: {', '.join(unknown)}")
        entries = [e for e in entries if e["name"] in wanted]

    # (model, precision) -> file
    files = {}
    for e in entries:
        files[(e["name"], "FP32")] = os.path.join(zoo, e["file"])
        qdq = os.path.join(work, e["name"], "int8", os.path.basename(e["file"]))
        if os.path.isfile(qdq):
            files[(e["name"], "INT8")] = qdq
    missing = [e["name"] for e in entries if (e["name"], "INT8") not in files]
    if missing:
        print(f"wait_policy: no INT8 model in {work} for {', '.join(missing)} (run bench/zoo/run.sh first)",
              file=sys.stderr)

    runs = [(key, passive) for key in files for passive in (False, True)]
    times = {run: [] for run in runs}
    failures = {}
    shapes = {e["name"]: shape_arg(e) for e in entries}
    for r in range(rounds):
        order = runs[r % len(runs):] + runs[:r % len(runs)]
        for (key, passive) in order:
            label = f"[wait_policy] round {r} {key[0]} {key[1]} {'passive' if passive else 'default'}"
            try:
                ms = benchmark(host, plugins, files[key], shapes[key[0]], threads, seconds, passive)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
                failures[key] = str(e)
                print(f"{label}: failed: {e}", file=sys.stderr, flush=True)
                continue
            times[(key, passive)].append(ms)
            print(f"{label}: {ms:.3f} ms", file=sys.stderr, flush=True)

    def cell(key, passive):
        values = times.get((key, passive))
        return statistics.median(values) if values else None

    rows, ratios = [], []
    for e in entries:
        line = [e["name"]]
        for precision in ("FP32", "INT8"):
            key = (e["name"], precision)
            if key not in files:
                line += ["-", "-", "-"]
                continue
            default, passive = cell(key, False), cell(key, True)
            if key in failures or default is None or passive is None:
                line += ["failed", "failed", "-"]
                continue
            ratio = passive / default
            ratios.append((ratio, f"{e['name']} {precision}"))
            line += [f"{default:.2f}", f"{passive:.2f}", f"{ratio:.2f}x"]
        rows.append(line)

    worst = max(ratios)
    within = sum(1 for r, _ in ratios if r <= LIMIT)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Latency with OpenMP's passive wait policy",
        "",
        "Generated by `bench/zoo/wait_policy.py` (see its header for the knobs); one run on one machine.",
        "Each zoo model, FP32 and the INT8 QDQ file of the last `bench/zoo/run.sh`, on our cpu engine at",
        f"batch 1 with {threads} threads: `OMP_WAIT_POLICY` unset (libgomp spins between parallel regions)",
        "and `passive` (its threads sleep after every region, what a loaded server effectively gets).",
        f"Median over {rounds} rounds of the per-run median latency, runs of {seconds:g} s, order rotated",
        "each round.",
        "",
        f"- Date: {now}",
        f"- Command: `/usr/bin/python3 bench/zoo/wait_policy.py {os.path.relpath(build, REPO)}`",
        f"- Passive within {LIMIT}x of the default: {within}/{len(ratios)}; worst: {worst[1]} at {worst[0]:.2f}x",
        f"- Runs that failed: {len(failures)}" + "".join(f"\n  - {k[0]} {k[1]}: {v}" for k, v in sorted(failures.items())),
        "",
        "| model | FP32 default ms | FP32 passive ms | passive / default | INT8 default ms | INT8 passive ms | passive / default |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += [""]
    with open(output + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(output + ".tmp", output)
    print(f"wait_policy: wrote {output}: {within}/{len(ratios)} within {LIMIT}x, worst {worst[1]} {worst[0]:.2f}x")


if __name__ == "__main__":
    main()
