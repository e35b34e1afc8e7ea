#!/usr/bin/env python3
"""Writes docs/PERFORMANCE.md from the raw results of bench/run.sh (standard library only).

Inputs: results.jsonl (one line per timed run: bench_model, variant, round, result = the JSON of
`pot-host benchmark --json` or ort_bench.js) and profile.jsonl (one line per ONEDNN_VERBOSE run:
bench_model, variant, iterations, log = the file holding oneDNN's verbose lines and the
benchmark's JSON). A hand-written section between the analysis markers of an existing output file
is carried over, so re-running the benchmark keeps it (it states which run it was written for).
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict

MODELS = [
    ("resnet18_shape", "ResNet-18 shape, 224x224"),
    ("mobilenet_v2_shape", "MobileNetV2 shape, 224x224"),
    ("mobilenet_v3_shape", "MobileNetV3-Large shape (HardSwish spelled out), 224x224"),
    ("vit_shape", "ViT-Ti/16 shape (LayerNorm, GELU spelled out), 224x224"),
    ("fmnist_cnn", "examples/fmnist/fmnist_cnn.onnx, 28x28"),
]
# Targets of the CPU-engine issue: (our INT8 / our FP32 speed-up, our INT8 / ORT INT8 speed-up).
TARGETS = {"resnet18_shape": (6.0, 1.5), "mobilenet_v2_shape": (3.0, 1.5)}
VARIANTS = ["ours_fp32", "ours_int8", "ort_fp32", "ort_int8", "ours_fp32_passive", "ours_int8_passive"]
VARIANT_LABELS = {"ours_fp32": "ours FP32", "ours_int8": "ours INT8", "ort_fp32": "ORT FP32",
                  "ort_int8": "ORT INT8", "ours_fp32_passive": "ours FP32 (passive)",
                  "ours_int8_passive": "ours INT8 (passive)"}
ANALYSIS_BEGIN = "<!-- analysis:begin -->"
ANALYSIS_END = "<!-- analysis:end -->"


def cpu_info():
    model, flags = "unknown", set()
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and model == "unknown":
                model = value.strip()
            elif key == "flags" and not flags:
                flags = set(value.split())
    return model, flags, os.cpu_count()


def dnnl_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libdnnl-dev"], capture_output=True,
                             text=True, check=True).stdout
        return out.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def period_of(signatures, min_repeats):
    """Smallest p such that the last min_repeats windows of p signatures each hold the same
    signatures. Compared as multisets: the engine's own team runs the bands of one step on two
    threads, whose verbose lines interleave in either order within an inference."""
    n = len(signatures)
    for p in range(1, n // min_repeats + 1):
        last = Counter(signatures[n - p:])
        if all(Counter(signatures[n - (k + 1) * p:n - k * p]) == last for k in range(1, min_repeats)):
            return p
    return None


def parse_verbose(path, iterations):
    """Per-inference sums of oneDNN's primitive times (steady state), implementation counts, ISA."""
    signatures, times, isa, bench = [], [], None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                bench = json.loads(line)
            elif line.startswith("onednn_verbose,info,cpu,isa:") or line.startswith("dnnl_verbose,info,cpu,isa:"):
                isa = line.split("isa:", 1)[1]
            elif line.startswith(("onednn_verbose,exec,", "dnnl_verbose,exec,")):
                fields = line.split(",")
                times.append(float(fields[-1]))
                signatures.append(",".join(fields[3:-1]))
    # Plan building executes one-off reorders (weights) before the first inference, so the
    # steady-state inference is found as the period of the trailing sequence.
    repeats = max(2, iterations - 2)
    p = period_of(signatures, repeats)
    if p is None:
        return None
    per_inference = [sum(times[len(times) - (k + 1) * p:len(times) - k * p]) for k in range(repeats)]
    kinds, kind_ms = Counter(), Counter()
    for sig in signatures[-p:]:
        parts = sig.split(",")
        kinds[f"{parts[0]} {parts[1]}"] += 1
    per_kind = defaultdict(list)
    for k in range(repeats):
        sums = Counter()
        for i in range(len(signatures) - (k + 1) * p, len(signatures) - k * p):
            parts = signatures[i].split(",")
            sums[f"{parts[0]} {parts[1]}"] += times[i]
        for kind in kinds:
            per_kind[kind].append(sums[kind])
    for kind, values in per_kind.items():
        kind_ms[kind] = statistics.median(values)
    return {"primitives": p, "sum_ms": statistics.median(per_inference), "kinds": kinds,
            "kind_ms": kind_ms, "isa": isa,
            "verbose_median_ms": bench["latency_median_ms"] if bench else None}


def fmt_ms(v):
    return f"{v:.3f}" if v < 1 else f"{v:.2f}"


def latency_table(w, med, suffix, with_ort):
    """Median latencies and ratios per model: our FP32/INT8 runs named ours_*<suffix>, against
    ONNX Runtime's; with_ort adds ORT's own latency columns."""
    ort_head = "ORT FP32 | ORT INT8 | " if with_ort else ""
    w(f"| model | ours FP32 | ours INT8 | {ort_head}ours INT8 vs ours FP32 | ours INT8 vs ORT INT8 | ours FP32 vs ORT FP32 |")
    w("| --- |" + " ---: |" * (7 if with_ort else 5))
    for key, label in MODELS:
        cells = [med.get((key, v)) for v in (f"ours_fp32{suffix}", f"ours_int8{suffix}", "ort_fp32", "ort_int8")]
        if any(c is None for c in cells):
            continue
        f32, i8, of32, oi8 = cells
        ort_cells = f"{fmt_ms(of32)} | {fmt_ms(oi8)} | " if with_ort else ""
        w(f"| {label} | {fmt_ms(f32)} | {fmt_ms(i8)} | {ort_cells}"
          f"{f32 / i8:.2f}x | {oi8 / i8:.2f}x | {of32 / f32:.2f}x |")


def main():
    ap = argparse.ArgumentParser()
    for name in ("results", "profile", "output", "command", "load-before", "load-after"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--omp-wait-policy", default="")
    for name in ("threads", "rounds", "weight-bits"):
        ap.add_argument("--" + name, type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    a = ap.parse_args()

    runs = defaultdict(list)
    ort_version = "unknown"
    for r in load_jsonl(a.results):
        runs[(r["bench_model"], r["variant"])].append(r["result"]["latency_median_ms"])
        if r["result"].get("engine") == "onnxruntime":
            ort_version = r["result"].get("version", ort_version)
    med = {k: statistics.median(v) for k, v in runs.items()}

    model, flags, ncpu = cpu_info()
    vnni = "avx512_vnni" in flags or "avx_vnni" in flags
    yes = lambda flag: "yes" if flag in flags else "no"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    out = []
    w = out.append
    w("# CPU performance")
    w("")
    w("Generated by `bench/run.sh` (see its header for the knobs); numbers below are from one run on")
    w("one machine and are not comparable across machines. Re-run the command to refresh this page.")
    w("")
    w("## Setup")
    w("")
    w(f"- Date: {now}")
    w(f"- CPU: {model}, {ncpu} logical CPUs visible")
    w(f"- ISA flags (/proc/cpuinfo): AVX2 {yes('avx2')}, AVX512F {yes('avx512f')}, "
      f"AVX512-VNNI {yes('avx512_vnni')}, AVX-VNNI {yes('avx_vnni')}, AMX-INT8 {yes('amx_int8')}")
    profiles = [(p, parse_verbose(p["log"], p["iterations"])) for p in load_jsonl(a.profile)]
    isa = next((parsed["isa"] for _, parsed in profiles if parsed and parsed["isa"]), None)
    if isa:
        w(f"- oneDNN {dnnl_version()}, ISA it dispatches to: {isa}")
    w(f"- ONNX Runtime (onnxruntime-node) {ort_version}, CPU execution provider, all graph optimizations")
    w(f"- OpenMP wait policy of the default runs: {a.omp_wait_policy or 'unset (libgomp default)'}")
    w(f"- Threads: {a.threads} for every run (oneDNN via OpenMP, ORT intra-op; batch 1)")
    w(f"- {a.rounds} rounds of {a.seconds:g} s per (model, runtime, precision), order rotated each round;")
    w("  each cell is the median over rounds of the per-run median latency")
    w(f"- Load average (1/5/15 min) before timing: {a.load_before}; after: {a.load_after}")
    w(f"- Quantization: MinMaxQuantization, preset performance, {a.weight_bits}-bit weights "
      "(per-channel, symmetric), 8-bit activations; calibrated with the cpu engine")
    if a.weight_bits < 8:
        w(f"  ({a.weight_bits}-bit weights as in `examples/fmnist/minmax.json`: on CPUs without VNNI the u8 x s8")
        w("  kernels add pairs of products in 16 bits and saturate with full-range weights. Timing does not")
        w("  depend on it: the weights are s8 codes either way.)")
    w("")
    w("Command:")
    w("")
    w(f"    {a.command}")
    w("")
    w("## Latency (batch 1, median, ms)")
    w("")
    latency_table(w, med, "", with_ort=True)
    w("")
    w("Ratios are speed-ups (> 1: the first named is faster): FP32 time / INT8 time, ORT time / our time.")
    w("")
    if any(k[1].endswith("_passive") for k in med):
        w("Our engine again with `OMP_WAIT_POLICY=passive` (same rounds, interleaved with the runs above):")
        w("")
        latency_table(w, med, "_passive", with_ort=False)
        w("")
    w("Spread (min-max of the per-round medians, ms):")
    w("")
    spread_variants = [v for v in VARIANTS if any(k[1] == v for k in runs)]
    w("| model | " + " | ".join(VARIANT_LABELS[v] for v in spread_variants) + " |")
    w("| --- |" + " ---: |" * len(spread_variants))
    for key, label in MODELS:
        row = []
        for v in spread_variants:
            vals = runs.get((key, v), [])
            row.append(f"{fmt_ms(min(vals))}-{fmt_ms(max(vals))}" if vals else "-")
        w(f"| {label} | " + " | ".join(row) + " |")
    w("")
    w("## Targets")
    w("")
    w("The CPU-engine issue set these targets assuming AVX512-VNNI; this machine "
      + ("has VNNI." if vnni else "has no VNNI, so the INT8 targets are not expected to be met here."))
    w("")
    has_passive = any(k[1].endswith("_passive") for k in med)
    if has_passive:
        w("| model | target | measured | met | measured, passive wait policy | met |")
        w("| --- | --- | ---: | --- | ---: | --- |")
    else:
        w("| model | target | measured | met |")
        w("| --- | --- | ---: | --- |")

    def ratios(key, suffix):
        f32, i8, of32, oi8 = (med.get((key, v)) for v in
                              ("ours_fp32" + suffix, "ours_int8" + suffix, "ort_fp32", "ort_int8"))
        if None in (f32, i8, of32, oi8):
            return None
        return {"int8_vs_fp32": f32 / i8, "int8_vs_ort": oi8 / i8, "fp32_vs_ort": of32 / f32}

    for key, label in MODELS:
        default, passive = ratios(key, ""), ratios(key, "_passive")
        if default is None:
            continue
        checks = []
        if key in TARGETS:
            vs_fp32, vs_ort = TARGETS[key]
            checks += [(f"ours INT8 >= {vs_fp32:g}x ours FP32", "int8_vs_fp32", vs_fp32),
                       (f"ours INT8 >= {vs_ort:g}x ORT INT8", "int8_vs_ort", vs_ort)]
        checks.append(("ours FP32 no slower than ORT FP32", "fp32_vs_ort", 1.0))
        for what, name, need in checks:
            row = f"| {label} | {what} | {default[name]:.2f}x | {'yes' if default[name] >= need else 'no'} |"
            if has_passive and passive:
                row += f" {passive[name]:.2f}x | {'yes' if passive[name] >= need else 'no'} |"
            w(row)
    w("")
    w("## Time outside oneDNN primitives")
    w("")
    iterations = profiles[0][0]["iterations"] if profiles else 0
    w("With `ONEDNN_VERBOSE=1` oneDNN times every primitive it executes (waiting for it to finish).")
    w(f"One extra run per model and variant ({iterations} inferences) sums those times per inference (median")
    w("over the steady-state inferences) and compares them with the end-to-end median of the same run:")
    w("the difference is the time outside oneDNN's primitives (steps run by pot's own loops or the")
    w("reference kernels, binding the input, copying the output, per-step bookkeeping, and printing")
    w("the verbose lines). The latency table's median, from runs without verbose output, is shown for")
    w("scale. Parallel-region start-up and barrier waits count as primitive time.")
    w("")
    w("| model | run | primitives / inference | primitive time (ms) | end-to-end, same run (ms) | outside primitives | latency table (ms) | primitives executed |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for p, parsed in profiles:
        key, variant = p["bench_model"], p["variant"]
        label = dict(MODELS)[key]
        table = med.get((key, variant))
        if not parsed or not parsed["verbose_median_ms"]:
            w(f"| {label} | {VARIANT_LABELS[variant]} | - | - | - | could not parse `{p['log']}` | - | - |")
            continue
        e2e = parsed["verbose_median_ms"]
        outside = e2e - parsed["sum_ms"]
        kinds = ", ".join(f"{n}x {k} ({fmt_ms(parsed['kind_ms'][k])} ms)"
                          for k, n in sorted(parsed["kinds"].items(), key=lambda kv: -parsed["kind_ms"][kv[0]]))
        w(f"| {label} | {VARIANT_LABELS[variant]} | {parsed['primitives']} | {fmt_ms(parsed['sum_ms'])} | "
          f"{fmt_ms(e2e)} | {fmt_ms(outside)} ms ({100 * outside / e2e:.0f}%) | "
          f"{fmt_ms(table) if table is not None else '-'} | {kinds} |")
    w("")
    # oneDNN's reference implementations are scalar loops, 10-100x slower than its jit kernels:
    # any of them in an inference path is a defect, and fails the benchmark.
    reference = [(dict(MODELS)[p["bench_model"]], VARIANT_LABELS[p["variant"]], kind, n)
                 for p, parsed in profiles if parsed
                 for kind, n in sorted(parsed["kinds"].items()) if kind.split(" ", 1)[1].startswith("ref")]
    if reference:
        w("**oneDNN reference implementations executed** (the benchmark fails on these):")
        w("")
        w("| model | run | primitive | per inference |")
        w("| --- | --- | --- | ---: |")
        for label, run, kind, n in reference:
            w(f"| {label} | {run} | {kind} | {n} |")
    else:
        w("No run above executed a oneDNN reference (`ref:`) implementation.")
    w("")

    previous = ""
    if os.path.exists(a.output):
        with open(a.output, encoding="utf-8") as f:
            text = f.read()
        m = re.search(re.escape(ANALYSIS_BEGIN) + r"(.*?)" + re.escape(ANALYSIS_END), text, re.S)
        if m:
            previous = m.group(1).strip("\n")
    w("## What limits these numbers")
    w("")
    w(ANALYSIS_BEGIN)
    w(previous if previous else "(not yet written for this run)")
    w(ANALYSIS_END)
    w("")
    # Sections other benchmarks write into this page (bench/deep_graph/run.sh) are kept as they are.
    if os.path.exists(a.output):
        for m in re.finditer(r"<!-- (\S+):begin -->.*?<!-- \1:end -->", text, re.S):
            if m.group(1) != "analysis":
                w(m.group(0))
                w("")
    with open(a.output, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    if reference:
        for label, run, kind, n in reference:
            print(f"report.py: {label}, {run}: {n}x {kind} per inference (oneDNN reference code)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
