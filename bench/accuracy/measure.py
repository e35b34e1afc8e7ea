#!/usr/bin/python3
"""Runs the accuracy rows of docs/ACCURACY.md and writes the document (called by run.sh).

    measure.py --pot-host BIN --opencv-peer BIN --test-images IDX3 --test-labels IDX1 \
               --work DIR --output docs/ACCURACY.md [--threads N] [--rows a,b] [--reuse] -- MODEL...
    measure.py rows          # list the row ids

For each model that exists: one pot-host run per row (generated config, engine "cpu",
calibration on examples/fmnist/data/calibration, `-e` on the test idx files), the FP32
benchmark of the cpu engine over 300 batch-1 inferences, and the two peers. Raw results go to
WORK/<model>/; --reuse keeps the ones already there (same model file size and mtime).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

kRepo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
kCalibration = os.path.join(kRepo, "examples", "fmnist", "data", "calibration")
kSamples = 300
kMethods = [
    ("mean_min_max", "mean of per-sample min/max (default)"),
    ("min_max", "global min/max"),
    ("quantile", "mean of per-sample 1e-4 quantiles"),
    ("percentile9999", "percentile 99.99"),
    ("kl", "KL (TensorRT entropy)"),
    ("symkl", "symmetric KL"),
    ("jsd", "Jensen-Shannon"),
    ("mse", "MSE"),
    ("aciq", "ACIQ, Laplace"),
    ("aciq_gauss", "ACIQ, Gauss"),
    ("admm", "ADMM"),
]


def minmax(bits=8, method=None, weights_method=None):
    params = {"preset": "performance", "stat_subset_size": kSamples, "weights": {"bits": bits}}
    if method:
        estimator = {"method": method}
        if method == "aciq_gauss":
            estimator = {"method": "aciq", "distribution": "gauss"}
        params["activations"] = {"range_estimator": estimator}
    if weights_method:
        params["weights"]["range_estimator"] = {"method": weights_method}
    return {"name": "MinMaxQuantization", "params": params}


kAlign = {"name": "ActivationChannelAlignment", "params": {"stat_subset_size": kSamples}}
kFast = {"name": "FastBiasCorrection", "params": {}}
kSlow = {"name": "BiasCorrection", "params": {"stat_subset_size": kSamples}}

# id -> (table, label, algorithms)
kRows = {
    "dq_w8": ("default", "DefaultQuantization, 8-bit weights (examples/fmnist/default_quantization.json)",
              [{"name": "DefaultQuantization", "params": {"preset": "performance", "stat_subset_size": kSamples}}]),
    "dq_w7": ("default", "DefaultQuantization, 7-bit weights",
              [{"name": "DefaultQuantization",
                "params": {"preset": "performance", "stat_subset_size": kSamples, "weights": {"bits": 7}}}]),
    "mm_w8": ("ablation", "MinMaxQuantization", [minmax()]),
    "aca_mm_w8": ("ablation", "+ ActivationChannelAlignment", [kAlign, minmax()]),
    "aca_mm_fbc_w8": ("ablation", "+ FastBiasCorrection (= DefaultQuantization)", [kAlign, minmax(), kFast]),
    "aca_mm_bc_w8": ("ablation", "+ BiasCorrection instead (DefaultQuantization, use_fast_bias false)",
                     [kAlign, minmax(), kSlow]),
    "mm_w7": ("ablation7", "MinMaxQuantization (examples/fmnist/minmax.json settings)", [minmax(bits=7)]),
    "aca_mm_w7": ("ablation7", "+ ActivationChannelAlignment", [kAlign, minmax(bits=7)]),
    "aca_mm_fbc_w7": ("ablation7", "+ FastBiasCorrection (= DefaultQuantization)",
                      [kAlign, minmax(bits=7), kFast]),
    "aca_mm_bc_w7": ("ablation7", "+ BiasCorrection instead", [kAlign, minmax(bits=7), kSlow]),
}
# DefaultQuantization variants for transformer-style models (attention MatMuls, LayerNorm, GELU):
# each changes one setting of dq_w8.
def dq(**extra):
    params = {"preset": "performance", "stat_subset_size": kSamples}
    params.update(extra)
    return [{"name": "DefaultQuantization", "params": params}]


kRows["dq_sq05"] = ("variants", "`smooth_quant` alpha 0.5", dq(smooth_quant={"alpha": 0.5}))
kRows["dq_sq08"] = ("variants", "`smooth_quant` alpha 0.8", dq(smooth_quant={"alpha": 0.8}))
kRows["dq_quantile"] = ("variants", "activation ranges `quantile`",
                        dq(activations={"range_estimator": {"method": "quantile"}}))
kRows["dq_sq05_quantile"] = ("variants", "`smooth_quant` alpha 0.5 + activation ranges `quantile`",
                             dq(smooth_quant={"alpha": 0.5},
                                activations={"range_estimator": {"method": "quantile"}}))
kRows["dq_mixed"] = ("variants", "preset `mixed` (asymmetric activations)", dq(preset="mixed"))
kRows["dq_no_unify"] = ("variants", "`unify_scales` false", dq(unify_scales=False))
# Range estimators per op type (activations.op_types): the inputs of the attention and MLP matmuls
# carry the outliers of LayerNorm and GELU outputs; the convolutions' inputs keep the default.
kRows["dq_matmul_mse"] = ("variants", "MatMul and Gemm inputs ranged by `mse`",
                          dq(activations={"op_types": {"MatMul": {"range_estimator": {"method": "mse"}},
                                                       "Gemm": {"range_estimator": {"method": "mse"}}}}))
# DefaultQuantization ranges MatMul and Gemm inputs by their global min/max unless an estimator is
# given; this row gives POT's default estimator for every input, the setting before that.
kRows["dq_pot_ranges"] = ("variants", "every input ranged by `mean_min_max` (POT's default; "
                          "DefaultQuantization's own ranges MatMul / Gemm inputs by `min_max`)",
                          dq(activations={"range_estimator": {"preset": "default"}}))
kRows["dq_mse"] = ("variants", "activation ranges `mse`", dq(activations={"range_estimator": {"method": "mse"}}))
kRows["dq_transformer"] = ("variants", "`model_type` transformer (Add, Mul, Sub, Pow, ReduceMean inputs in float)",
                           dq(model_type="transformer"))
for _method, _label in kMethods:
    kRows["range_" + _method] = ("ranges", f"`{_method}`: {_label}", [minmax(method=_method)])
kRows["range_weights_admm"] = ("ranges", "`mean_min_max` activations, ADMM weight ranges",
                               [minmax(weights_method="admm")])


def log(*args):
    print("[accuracy]", *args, file=sys.stderr, flush=True)


def config_for(model, algorithms, test_images, threads):
    return {
        "model": {"model_name": os.path.splitext(os.path.basename(model))[0], "model": model},
        "engine": {
            "type": "simplified",
            "backend": "cpu",
            "threads": threads,
            "data_source": kCalibration,
            "annotation": os.path.join(kCalibration, "labels.txt"),
            "preprocessing": {"color": "GRAY", "layout": "NCHW", "mean": [0], "scale": [255]},
            "evaluation": {"data_source": test_images},
        },
        "compression": {"target_device": "CPU", "algorithms": algorithms},
    }


def model_stamp(model):
    st = os.stat(model)
    return {"model_bytes": st.st_size, "model_mtime": st.st_mtime}


def cached(path, stamp, reuse):
    if not reuse or not os.path.exists(path):
        return None
    with open(path) as f:
        result = json.load(f)
    return result if result.get("stamp") == stamp else None


def save(path, result):
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    return result


def run(cmd, timeout=3600):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return proc, time.perf_counter() - start


def tail(text, lines=6):
    return "\n".join(text.strip().splitlines()[-lines:])


def run_row(args, model, row, out_dir, stamp):
    path = os.path.join(out_dir, row + ".json")
    result = cached(path, stamp, args.reuse)
    if result:
        return result
    _, _, algorithms = kRows[row]
    config = config_for(model, algorithms, args.test_images, args.threads)
    config_path = os.path.join(out_dir, row + ".config.json")
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
    results = os.path.join(out_dir, row + ".results")
    shutil.rmtree(results, ignore_errors=True)
    cmd = [args.pot_host, "-c", config_path, "-e", "--output-dir", results, "-d", "--log-level", "WARNING"]
    log(f"{os.path.basename(model)} {row}")
    proc, wall = run(cmd)
    result = {"stamp": stamp, "row": row, "command": " ".join(cmd), "wall_s": wall}
    if proc.returncode != 0:
        result["error"] = tail(proc.stderr or proc.stdout)
        log(f"  failed ({proc.returncode}): {result['error']}")
        return save(path, result)
    with open(os.path.join(results, "report.json")) as f:
        report = json.load(f)
    ev = report.get("evaluation", {})
    result.update({
        "fp32": ev.get("fp32"), "int8": ev.get("int8"), "drop": ev.get("drop"), "samples": ev.get("samples"),
        "changed": ev.get("changed"),
        "eval_s": ev.get("seconds"), "metric": ev.get("metric"),
        "quantize_s": report["timings"]["quantize_s"], "steps": report["timings"].get("steps", []),
        "algorithms": report.get("algorithms"),
        "summary": algorithm_summary(report.get("algorithm_reports", {})),
    })
    log(f"  FP32 {result['fp32']:.2f}  INT8 {result['int8']:.2f}  drop {result['drop']:.2f}  "
        f"calibration {result['quantize_s']:.2f} s")
    return save(path, result)


def algorithm_summary(reports):
    """What the algorithms changed, from their report.json sections."""
    parts = []
    if "ActivationChannelAlignment" in reports:
        parts.append(f"ActivationChannelAlignment aligned {len(reports['ActivationChannelAlignment'].get('pairs', []))} "
                     f"Conv pair(s)")
    for name in ("FastBiasCorrection", "BiasCorrection"):
        if name in reports:
            biases = reports[name].get("biases", [])
            applied = sum(1 for b in biases if b.get("applied"))
            parts.append(f"{name} applied {applied} of {len(biases)} bias change(s)")
    return "; ".join(parts)


def run_fp32_bench(args, model, out_dir, stamp):
    path = os.path.join(out_dir, "fp32_benchmark.json")
    result = cached(path, stamp, args.reuse)
    if result:
        return result
    cmd = [args.pot_host, "benchmark", "-m", model, "--engine", "cpu", "-b", "1", "--niter", str(kSamples),
           "--nthreads", str(args.threads), "--json"]
    log(f"{os.path.basename(model)} FP32 benchmark")
    proc, _ = run(cmd)
    result = {"stamp": stamp, "command": " ".join(cmd)}
    if proc.returncode != 0:
        result["error"] = tail(proc.stderr or proc.stdout)
    else:
        result.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    return save(path, result)


def run_timing(args, model, out_dir, stamp, repeats=5):
    """DefaultQuantization calibration (no -e), the FP32 benchmark and the benchmark of the INT8 model
    that calibration wrote, `repeats` times each, alternating, so the ratios rest on medians rather
    than on one run of a shared machine."""
    path = os.path.join(out_dir, "timing.json")
    result = cached(path, stamp, args.reuse)
    if result and "int8_median_ms" in result:
        return result
    config = config_for(model, kRows["dq_w8"][2], args.test_images, args.threads)
    del config["engine"]["evaluation"]
    config_path = os.path.join(out_dir, "timing.config.json")
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
    results = os.path.join(out_dir, "timing.results")
    calib_cmd = [args.pot_host, "-c", config_path, "--output-dir", results, "-d", "--log-level", "WARNING"]
    bench_cmd = [args.pot_host, "benchmark", "-m", model, "--engine", "cpu", "-b", "1", "--niter", str(kSamples),
                 "--nthreads", str(args.threads), "--json"]
    int8_cmd = bench_cmd[:]
    int8_cmd[int8_cmd.index("-m") + 1] = os.path.join(results, os.path.basename(model))
    log(f"{os.path.basename(model)} timing: {repeats} x (DefaultQuantization, FP32 benchmark, INT8 benchmark)")
    result = {"stamp": stamp, "calibration_command": " ".join(calib_cmd), "bench_command": " ".join(bench_cmd),
              "quantize_s": [], "statistics_s": [], "bench_total_s": [], "bench_median_ms": [],
              "int8_median_ms": []}
    for _ in range(repeats):
        shutil.rmtree(results, ignore_errors=True)
        proc, _ = run(calib_cmd)
        if proc.returncode != 0:
            result["error"] = tail(proc.stderr or proc.stdout)
            return save(path, result)
        with open(os.path.join(results, "report.json")) as f:
            timings = json.load(f)["timings"]
        result["quantize_s"].append(timings["quantize_s"])
        result["statistics_s"].append(sum(s["seconds"] for s in timings.get("steps", []) if s["name"] == "statistics"))
        proc, _ = run(bench_cmd)
        if proc.returncode != 0:
            result["error"] = tail(proc.stderr or proc.stdout)
            return save(path, result)
        bench = json.loads(proc.stdout.strip().splitlines()[-1])
        result["bench_total_s"].append(bench["duration_ms"] / 1000.0)
        result["bench_median_ms"].append(bench["latency_median_ms"])
        proc, _ = run(int8_cmd)
        if proc.returncode != 0:
            result["error"] = tail(proc.stderr or proc.stdout)
            return save(path, result)
        result["int8_median_ms"].append(json.loads(proc.stdout.strip().splitlines()[-1])["latency_median_ms"])
    return save(path, result)


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def fold_identity_initializers(model, out_dir):
    """Writes a copy of `model` whose Identity nodes reading an initializer become initializers."""
    import onnx
    from onnx import numpy_helper
    proto = onnx.load(model)
    graph = proto.graph
    inits = {t.name: t for t in graph.initializer}
    keep, count = [], 0
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            array = numpy_helper.to_array(inits[node.input[0]])
            graph.initializer.append(numpy_helper.from_array(array, node.output[0]))
            inits[node.output[0]] = graph.initializer[-1]
            count += 1
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)
    path = os.path.join(out_dir, os.path.splitext(os.path.basename(model))[0] + ".identity_folded.onnx")
    onnx.save(proto, path)
    return path, count


def short_error(text):
    """One table-safe line from a (multi-line) error message."""
    lines = [l.strip(" >") for l in text.splitlines() if l.strip(" >")]
    line = next((l for l in reversed(lines) if "error" in l.lower()), lines[-1] if lines else "unknown error")
    line = line.replace("|", "/").replace("`", "'")
    return line if len(line) <= 220 else line[:217] + "..."


def run_peer(args, name, cmd, out_dir, stamp):
    path = os.path.join(out_dir, name + ".json")
    result = cached(path, stamp, args.reuse)
    if result:
        return result
    log(f"peer {name}: {' '.join(cmd)}")
    proc, wall = run(cmd)
    result = {"stamp": stamp, "command": " ".join(cmd), "wall_s": wall}
    try:
        result.update(json.loads(proc.stdout))
    except json.JSONDecodeError:
        result["error"] = tail(proc.stderr or proc.stdout) or f"exit code {proc.returncode}"
    if proc.returncode != 0 and "error" not in result:
        result["error"] = tail(proc.stderr) or f"exit code {proc.returncode}"
    if "error" in result:
        log(f"  failed: {result['error']}")
    return save(path, result)


# ---------------------------------------------------------------- document

def pct(x):
    return "n/a" if x is None else f"{x:.2f}%"


def pts(x):
    return "n/a" if x is None else f"{x:.2f}"


def secs(x):
    return "n/a" if x is None else f"{x:.2f} s"


def drop_cell(drop, changed):
    """Drop with its standard error, e.g. "0.17 ± 0.08"."""
    if changed is None or changed.get("drop_standard_error") is None:
        return pts(drop)
    return f"{pts(drop)} ± {changed['drop_standard_error']:.2f}"


def changed_cell(changed):
    return "n/a" if changed is None else f"{changed['fixed']} / {changed['broken']}"


kTableHeader = ["| Configuration | FP32 top-1 | INT8 top-1 | Drop (points) | Fixed / broken | Calibration time |",
                "| --- | --- | --- | --- | --- | --- |"]


def row_line(label, r):
    if r is None:
        return f"| {label} | not run | | | | |"
    if "error" in r:
        return f"| {label} | failed: `{short_error(r['error'])}` | | | | |"
    return (f"| {label} | {pct(r['fp32'])} | {pct(r['int8'])} | {drop_cell(r['drop'], r.get('changed'))} | "
            f"{changed_cell(r.get('changed'))} | {secs(r['quantize_s'])} |")


def table(title, rows, results, summaries=False, header=kTableHeader, labels=None):
    """One markdown table of `rows`; `labels` overrides the row labels of kRows."""
    out = [f"#### {title}", ""] + header
    for row in rows:
        out.append(row_line((labels or {}).get(row, kRows[row][1]), results.get(row)))
    out.append("")
    if summaries:
        notes = [f"- {kRows[row][1]}: {results[row]['summary']}" for row in rows
                 if results.get(row) and results[row].get("summary")]
        if notes:
            out += ["What the algorithms changed (from `report.json`):", ""] + notes + [""]
    return out


def cpu_description():
    name, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and name in ("unknown", "", platform.machine()):
                    name = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return f"{name}, {os.cpu_count()} logical CPUs, flags: {' '.join(isa) or 'none of avx2/avx512/vnni'}"


def bench_command(command):
    cmd = command.split()
    return " ".join(["pot-host"] + [os.path.relpath(c, kRepo) if c.startswith(kRepo) else c for c in cmd[1:]])


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", kRepo, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        # The documents the benchmarks write are not changes to what was measured.
        dirty = subprocess.run(["git", "-C", kRepo, "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":!docs/ACCURACY.md", ":!docs/PERFORMANCE.md"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def model_section(model, res):
    name = os.path.basename(model)
    rows, bench, peers = res["rows"], res["bench"], res["peers"]
    out = [f"## {name}", ""]
    dq = rows.get("dq_w8")
    if dq and "error" not in dq:
        verdict = "met" if dq["drop"] <= 0.3 else f"missed by {dq['drop'] - 0.3:.2f} points"
        out.append(f"DefaultQuantization (shipped settings, 8-bit weights): FP32 {pct(dq['fp32'])}, "
                   f"INT8 {pct(dq['int8'])}, drop {pts(dq['drop'])} points; target drop <= 0.3: **{verdict}**.")
        good = [(p["drop_points"], p["tool"]) for p in peers.values()
                if "error" not in p and p.get("drop_points") is not None]
        if good:
            best_drop, best_tool = min(good)
            if dq["drop"] <= best_drop + 1e-9:
                cmp = "met"
            else:
                cmp = f"missed by {dq['drop'] - best_drop:.2f} points"
            out.append(f"Better peer: {best_tool}, drop {pts(best_drop)} points; target "
                       f"\"drop no larger than the better peer\": **{cmp}**.")
            best = next(p for p in peers.values() if p.get("tool") == best_tool)
            ours_se = (dq.get("changed") or {}).get("drop_standard_error")
            peer_se = (best.get("changed") or {}).get("drop_standard_error")
            if ours_se is not None and peer_se is not None and cmp != "met":
                combined = (ours_se ** 2 + peer_se ** 2) ** 0.5
                out.append(f"The gap is {(dq['drop'] - best_drop) / combined:.1f} standard errors "
                           f"(ours {ours_se:.2f}, the peer's {peer_se:.2f}, combined as if independent); "
                           f"pot changed {dq['changed']['fixed'] + dq['changed']['broken']} predictions, "
                           f"the peer {best['changed']['fixed'] + best['changed']['broken']}.")
        dq7 = rows.get("dq_w7")
        if dq7 and "error" not in dq7:
            out.append(f"With 7-bit weights: INT8 {pct(dq7['int8'])}, drop {pts(dq7['drop'])} points.")
        out.append("")
    out += table("DefaultQuantization", ["dq_w8", "dq_w7"], rows)
    out += table("Ablation, 8-bit weights", ["mm_w8", "aca_mm_w8", "aca_mm_fbc_w8", "aca_mm_bc_w8"], rows,
                 summaries=True)
    out += table("Ablation, 7-bit weights", ["mm_w7", "aca_mm_w7", "aca_mm_fbc_w7", "aca_mm_bc_w7"], rows)
    out += table("DefaultQuantization variants (8-bit weights, one setting changed)",
                 [r for r in kRows if kRows[r][0] == "variants"], rows)
    out += table("MinMaxQuantization alone, activation range methods (8-bit weights)",
                 ["range_" + m for m, _ in kMethods] + ["range_weights_admm"], rows)

    out += ["#### Calibration time vs FP32 inference", ""]
    timing = res.get("timing")
    if timing and "error" not in timing and timing["quantize_s"]:
        n = len(timing["quantize_s"])
        calib = median(timing["quantize_s"])
        stats = median(timing["statistics_s"])
        fp32_s = median(timing["bench_total_s"])
        per = median(timing["bench_median_ms"])
        ratio = calib / fp32_s
        median_ratio = calib / (per * kSamples / 1000.0)
        verdict = "met" if ratio <= 3 else f"missed, {ratio / 3:.1f} times the budget"
        out += [f"Medians of {n} alternating runs of each (the single runs in the tables above are noisier):", "",
                f"- DefaultQuantization calibration, 8-bit weights (`timings.quantize_s`): {calib:.3f} s, of which "
                f"the statistics pass {stats:.3f} s (runs: {', '.join(f'{x:.3f}' for x in timing['quantize_s'])})",
                f"- FP32 inference of {kSamples} batch-1 samples, cpu engine (`{bench_command(timing['bench_command'])}`): "
                f"{fp32_s:.3f} s in total, median {per:.3f} ms per inference "
                f"(runs: {', '.join(f'{x:.3f}' for x in timing['bench_total_s'])})",
                f"- ratio: **{ratio:.1f}x** against the total, {median_ratio:.1f}x against {kSamples} x median "
                f"(target <= 3x: **{verdict}**)",
                f"- INT8 inference, the DefaultQuantization model of the same runs (same command on it): median "
                f"{median(timing['int8_median_ms']):.3f} ms per inference, FP32 / INT8 "
                f"**{per / median(timing['int8_median_ms']):.2f}x** (runs: "
                f"{', '.join(f'{x:.3f}' for x in timing['int8_median_ms'])} ms)", ""]
        out += ["Where the time goes (`timings.steps` of `report.json`): DefaultQuantization runs two statistics",
                "passes, because ActivationChannelAlignment changes the model the quantizer measures; the first pass",
                "is skipped when no Conv pair qualifies for alignment (the CNN and the ResNet). Each pass runs FP32",
                "inference sample by sample and hands every observed value, reordered to a plain layout, to the",
                "reducers: one read per value and sample computes all its min / max / mean statistics with",
                "AVX-512 or AVX2 code. Observing a value also keeps the engine from fusing the op that",
                "produces it with the next one (a Conv's output read by a residual Add is no longer summed",
                "inside the Conv). The quantizer and the bias correction then take 10-30 ms.", ""]
    elif timing and "error" in timing:
        out += [f"Timing runs failed: `{short_error(timing['error'])}`", ""]

    out += ["#### Peers (same 300 calibration images, same 10,000 test images)", "",
            "| Tool | FP32 top-1 | INT8 top-1 | Drop (points) | Fixed / broken | Calibration time |",
            "| --- | --- | --- | --- | --- | --- |"]
    if dq and "error" not in dq:
        out.append(f"| pot DefaultQuantization (8-bit weights, cpu engine) | {pct(dq['fp32'])} | {pct(dq['int8'])} | "
                   f"{drop_cell(dq['drop'], dq.get('changed'))} | {changed_cell(dq.get('changed'))} | "
                   f"{secs(dq['quantize_s'])} |")
    for p in peers.values():
        if "error" in p:
            out.append(f"| {p.get('tool', '?')} | failed at {p.get('stage', '?')}: `{short_error(p['error'])}` | | | | |")
        else:
            out.append(f"| {p['tool']} | {pct(p['fp32_top1'] * 100)} | {pct(p['int8_top1'] * 100)} | "
                       f"{drop_cell(p['drop_points'], p.get('changed'))} | {changed_cell(p.get('changed'))} | "
                       f"{secs(p.get('calibration_seconds'))} |")
    out.append("")
    return out


def write_document(args, models, skipped, results, started):
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        "# Accuracy on Fashion-MNIST",
        "",
        "Generated by `bench/accuracy/run.sh`; do not edit by hand. Every model is calibrated on the 300 bundled",
        "training images (`examples/fmnist/data/calibration`) and evaluated on the full 10,000-image",
        "Fashion-MNIST test set (Debian `dataset-fashion-mnist`, `t10k-*`). Top-1 accuracy; drop = FP32 - INT8",
        "in percentage points (negative: INT8 is better). pot rows: `pot-host -c <generated config> -e`",
        "with `\"backend\": \"cpu\"` (oneDNN; INT8 runs real integer kernels), `preset` performance,",
        "`stat_subset_size` 300, target device CPU. Calibration time is `timings.quantize_s` of `report.json`",
        "(statistics passes and algorithms, PNG decoding included). One run per row, so timings carry the",
        "noise of a shared machine. On 10,000 images one image is 0.01 points.",
        "",
        "Fixed / broken: test images INT8 classifies correctly that FP32 got wrong, and the reverse; the drop is",
        "(broken - fixed) / 100 points. Its standard error (after ±) is sqrt(fixed + broken) / 100 points",
        "(McNemar): drops that differ by less than about two of these are not told apart by this test set.",
        "Fewer changed predictions means an INT8 model closer to the FP32 one.",
        "",
        f"- Date: {now.strftime('%Y-%m-%d %H:%M UTC')} " + (
            "(written from the results kept in the work folder, REUSE=1)" if args.reuse
            else f"(run took {(time.time() - started) / 60:.1f} min)"),
        f"- CPU: {cpu_description()}; threads: {args.threads}",
        f"- Revision: {git_revision()}",
        "- Command: `POT_BUILD_DIR=<build> bash bench/accuracy/run.sh " + " ".join(
            os.path.relpath(m, kRepo) for m in args.models) + "`",
        "- Generated configs, raw pot-host results and peer JSON: `<build>/accuracy-work/<model>/`",
        "- Peers: `bench/accuracy/torch_fx_peer.py` (PyTorch FX static post-training quantization, onednn",
        "  backend, default qconfig: HistogramObserver activations, per-channel symmetric int8 weights; the module",
        "  is rebuilt from `examples/fmnist/train.py` with the ONNX initializers, checked against the ONNX graph;",
        "  on the ViT it quantizes the Conv and Linear layers only: the attention MatMuls, LayerNorm, GELU, Softmax",
        "  and the residual Adds stay float, where pot quantizes the inputs of every MatMul and Add)",
        "  and `bench/accuracy/opencv_peer.cpp` (`cv::dnn::readNetFromONNX` + `cv::dnn::Net::quantize` with the",
        "  300 images as one calibration blob; float inputs and outputs).",
        "",
        "Targets: DefaultQuantization INT8 within 0.3 points of FP32, and a drop no larger than the better peer's.",
        "",
        "Divergence ranges (`kl`, `symkl`, `jsd`) count the zero bin like its neighbour (as NVIDIA's",
        "entropy calibrator does), so the ReLU spike at zero no longer drives them; they still clip some",
        "ReLU6 outputs of the MobileNet to about 1.2 of 6, because they weigh the few saturated values at 6",
        "by their probability mass, not by their effect on the next layer. `mse` and the statistics methods",
        "do not have that failure; ACIQ's Gauss prior fits these one-sided, saturating distributions badly.",
        "",
        "Weight bits: `examples/fmnist/default_quantization.json` uses the default 8-bit weights;",
        "`examples/fmnist/minmax.json` uses 7-bit weights, which CPUs without VNNI need (their u8 x s8",
        "kernels add pairs of products in 16 bits and saturate with full +-127 codes). The CPU above decides",
        "whether the 8-bit rows are safe on the cpu engine (VNNI: yes).",
        "",
        "AccuracyAwareQuantization (4-bit settings that lose more than 2 points, against the naive order):",
        "docs/ACCURACY_AWARE.md, generated by `bench/accuracy_aware/run.sh`. The bundled text-line recognizer",
        "(exact match of CTC decoding, the same rows): docs/ACCURACY_TEXTLINE.md, generated by",
        "`bench/accuracy/textline.py`.",
        "",
    ]
    if skipped:
        lines += ["Models not found (skipped): " + ", ".join(f"`{os.path.relpath(m, kRepo)}`" for m in skipped), ""]
    for model in models:
        lines += model_section(model, results[model])
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    log(f"wrote {args.output}")


def main(argv):
    if argv[:1] == ["rows"]:
        for row, (tab, label, _) in kRows.items():
            print(f"{row}\t{tab}\t{label}")
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pot-host", required=True)
    p.add_argument("--opencv-peer", required=True)
    p.add_argument("--test-images", required=True)
    p.add_argument("--test-labels", required=True)
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--work", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rows", help="comma-separated row ids (default: all)")
    p.add_argument("--reuse", action="store_true", help="keep results already in --work")
    p.add_argument("models", nargs="+")
    args = p.parse_args(argv)
    args.models = [os.path.abspath(m) for m in args.models]
    rows = args.rows.split(",") if args.rows else list(kRows)
    for row in rows:
        if row not in kRows:
            p.error(f"unknown row {row}; known: {', '.join(kRows)}")

    started = time.time()
    models = [m for m in args.models if os.path.exists(m)]
    skipped = [m for m in args.models if not os.path.exists(m)]
    for m in skipped:
        log(f"skipping {m}: not found")
    results = {}
    for model in models:
        stem = os.path.splitext(os.path.basename(model))[0]
        out_dir = os.path.join(args.work, stem)
        os.makedirs(out_dir, exist_ok=True)
        stamp = model_stamp(model)
        res = {"rows": {}, "peers": {}}
        for row in kRows:
            if row in rows:
                res["rows"][row] = run_row(args, model, row, out_dir, stamp)
            else:
                res["rows"][row] = cached(os.path.join(out_dir, row + ".json"), stamp, True)
        res["bench"] = run_fp32_bench(args, model, out_dir, stamp)
        res["timing"] = run_timing(args, model, out_dir, stamp)
        res["peers"]["torch_fx"] = run_peer(
            args, "torch_fx",
            [sys.executable, os.path.join(kRepo, "bench", "accuracy", "torch_fx_peer.py"), "--model", model,
             "--calibration", kCalibration, "--data-dir", args.data_dir, "--threads", str(args.threads)],
            out_dir, stamp)
        res["peers"]["opencv"] = run_peer(
            args, "opencv",
            [args.opencv_peer, model, kCalibration, args.test_images, args.test_labels, str(args.threads)],
            out_dir, stamp)
        res["peers"]["torch_fx"].setdefault("tool", "PyTorch FX static PTQ (onednn)")
        res["peers"]["opencv"].setdefault("tool", "OpenCV cv::dnn::Net::quantize")
        if res["peers"]["opencv"].get("stage") == "import":
            # OpenCV 4.6 rejects Identity nodes that read an initializer (torch's de-duplicated
            # weights); a second attempt on a copy with them folded into initializers still
            # measures its quantizer, labelled as such.
            folded, count = fold_identity_initializers(model, out_dir)
            if count:
                peer = run_peer(
                    args, "opencv_folded",
                    [args.opencv_peer, folded, kCalibration, args.test_images, args.test_labels, str(args.threads)],
                    out_dir, stamp)
                peer["tool"] = (peer.get("tool", "OpenCV cv::dnn::Net::quantize") +
                                f", after folding {count} Identity node(s) of initializers into initializers")
                res["peers"]["opencv_folded"] = peer
        results[model] = res
    write_document(args, models, skipped, results, started)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
