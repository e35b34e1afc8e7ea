#!/usr/bin/python3
"""AccuracyAwareQuantization against the naive order, on the bundled models (called by run.sh).

    compare.py --pot-host BIN --work DIR --output docs/ACCURACY_AWARE.md [--threads N]
               [--maximal-drop 0.5] [--bits 4] [--time-budget-minutes 2] -- MODEL...

For each model: DefaultQuantization with `bits`-bit weights and activations (the setting must lose
more than 2 points, or the model is reported as not suited); AccuracyAwareQuantization with that
base and `maximal_drop`; and the naive order: the quantized layers sorted by the SQNR of their
outputs in the DefaultQuantization model (the report's per-layer errors, worst first), left in
float one more at a time (DefaultQuantization's ignored scope) until the drop is within budget.
Then one search with an impossible budget (0.0) and `max_minutes`, to show when it ends.
Every run is pot-host -d -e on the bundled 2000 evaluation images, cpu engine.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

kRepo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
kExample = os.path.join(kRepo, "examples", "fmnist")
# Ops that only move values: never layers of their own (as the plugin's layers.cpp decides).
kValueMoving = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose",
                "Identity", "Dropout"}


def config_for(model, algorithm, params, threads):
    return {
        "model": {"model_name": os.path.splitext(os.path.basename(model))[0], "model": model},
        "engine": {
            "backend": "cpu", "threads": threads,
            "data_source": os.path.join(kExample, "data", "calibration"),
            "annotation": os.path.join(kExample, "data", "calibration", "labels.txt"),
            "preprocessing": {"color": "GRAY", "layout": "NCHW", "mean": [0], "scale": [255]},
            "evaluation": {"data_source": os.path.join(kExample, "data", "evaluation", "images-idx3-ubyte")},
        },
        "compression": {"target_device": "CPU", "algorithms": [{"name": algorithm, "params": params}]},
    }


def run(args, name, config):
    """pot-host -d -e on `config` into WORK/name; returns (report, exit code, wall seconds)."""
    out = os.path.join(args.work, name)
    os.makedirs(out, exist_ok=True)
    path = out + ".json"
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    cmd = [args.pot_host, "-c", path, "--output-dir", out, "-d", "-e", "--log-level", "WARNING"]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 3):
        sys.exit(f"[accuracy-aware] {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f), proc.returncode, seconds


def dq_params(bits, ignored=None):
    params = {"preset": "performance", "stat_subset_size": 300,
              "weights": {"bits": bits}, "activations": {"bits": bits}}
    if ignored:
        params["ignored"] = {"scope": ignored}
    return params


def measure(args, model):
    name = os.path.splitext(os.path.basename(model))[0]
    row = {"model": name}
    base, _, _ = run(args, f"{name}/dq", config_for(model, "DefaultQuantization", dq_params(args.bits), args.threads))
    ev = base["evaluation"]
    row.update(fp32=ev["fp32"], dq=ev["int8"], dq_drop=ev["drop"], dq_s=base["timings"]["total_s"],
               eval_s=ev["seconds"] / 2)  # -e scores FP32 and INT8: one evaluation is half

    aa_params = dict(dq_params(args.bits), maximal_drop=args.maximal_drop, base_algorithm="DefaultQuantization")
    aa, code, _ = run(args, f"{name}/aa", config_for(model, "AccuracyAwareQuantization", aa_params, args.threads))
    s = aa["algorithm_reports"]["AccuracyAwareQuantization"]["search"]
    reverts = sum(1 for step in s["steps"] if step["action"] == "revert")
    row.update(aa=aa["evaluation"]["int8"], aa_drop=aa["evaluation"]["drop"], aa_met=s["met"], aa_exit=code,
               aa_layers=len(s["reverted_layers"]), layers=s["quantized_layers"], aa_evals=s["evaluations"],
               aa_ranking_evals=s["ranking_evaluations"], aa_iterations=reverts,
               aa_search_s=s["seconds"], aa_total_s=aa["timings"]["total_s"],
               aa_latency=s["latency_ms"], aa_reverted=[r["layer"] for r in s["reverted_layers"]])

    # The naive order: worst SQNR first, from the DefaultQuantization model's per-layer errors.
    order = [l["node"] for l in sorted(base["layers"], key=lambda l: l["sqnr_db"])
             if l["op_type"] not in kValueMoving and l.get("quantizers")]
    naive_runs, naive_s, naive = 0, 0.0, None
    for k in range(1, len(order) + 1):
        r, _, _ = run(args, f"{name}/naive_{k}",
                         config_for(model, "DefaultQuantization", dq_params(args.bits, order[:k]), args.threads))
        naive_runs += 1
        naive_s += r["timings"]["total_s"]
        naive = (k, r["evaluation"]["int8"], r["evaluation"]["drop"])
        if r["evaluation"]["drop"] <= args.maximal_drop:
            break
    row.update(naive_layers=naive[0], naive=naive[1], naive_drop=naive[2], naive_met=naive[2] <= args.maximal_drop,
               naive_runs=naive_runs, naive_s=naive_s, naive_candidates=len(order))
    return row


def time_budget(args, model):
    name = os.path.splitext(os.path.basename(model))[0]
    params = dict(dq_params(args.bits), maximal_drop=0.0, base_algorithm="DefaultQuantization",
                  max_minutes=args.time_budget_minutes)
    r, code, wall = run(args, f"{name}/time_budget", config_for(model, "AccuracyAwareQuantization", params, args.threads))
    s = r["algorithm_reports"]["AccuracyAwareQuantization"]["search"]
    return {"model": name, "wall_s": wall, "search_s": s["seconds"], "stopped_by": s["stopped_by"],
            "met": s["met"], "exit": code, "drop": s["drop"], "layers": len(s["reverted_layers"]),
            "last_step_s": s["steps"][-1]["seconds"], "eval_s": r["evaluation"]["seconds"] / 2}


def write(args, rows, budget, started):
    rev = subprocess.run(["git", "-C", kRepo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    models = " ".join(os.path.relpath(m, kRepo) for m in args.models)
    L = ["# AccuracyAwareQuantization on the bundled models", "",
         "Generated by `bench/accuracy_aware/run.sh`; do not edit by hand. Every model is quantized with",
         f"DefaultQuantization at {args.bits}-bit weights and activations (a setting that loses more than 2 points),",
         f"then with AccuracyAwareQuantization at `maximal_drop` {args.maximal_drop} on top of that base. The naive order",
         "reverts the quantized layers worst per-layer SQNR first (the SQNR of each layer's output in the",
         "DefaultQuantization model, from its report) one more at a time, until the drop is within the budget.",
         "All runs: `pot-host -d -e`, cpu engine, calibration on the 300 bundled images, evaluation on the",
         "2000 bundled test images (0.05 points per image). Drops are FP32 - INT8 top-1, in points.", "",
         f"- Date: {started:%Y-%m-%d %H:%M} UTC; CPU: {cpu}, {os.cpu_count()} logical CPUs; threads: {args.threads}",
         f"- Revision: {rev}",
         f"- Command: `POT_BUILD_DIR=<build> bash bench/accuracy_aware/run.sh` (models: {models})",
         f"- Raw results and configs: `<build>/accuracy-aware-work/<model>/`", "",
         "## Layers left in float to meet the budget", "",
         "| model | FP32 | DQ INT8 (drop) | AccuracyAware (drop) | met | layers in float: AccuracyAware | naive SQNR order | quantized layers |",
         "|---|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        naive = f"{r['naive_layers']}" + ("" if r["naive_met"] else " (budget still missed)")
        L.append(f"| {r['model']} | {r['fp32']:.2f}% | {r['dq']:.2f}% ({r['dq_drop']:.2f}) | {r['aa']:.2f}% "
                 f"({r['aa_drop']:.2f}) | {'yes' if r['aa_met'] else '**no**'} | {r['aa_layers']} | {naive} | "
                 f"{r['layers']} |")
    L += ["", "## What the search cost", "",
          "One evaluation is half of the `-e` comparison time of the DefaultQuantization run (FP32 and INT8",
          "are each scored once there). The target: at most (iterations + 2) full evaluations plus one",
          "statistics collection; the search also scores each candidate layer once on the ranking subset",
          "(300 samples, the ones the quantization hurt most) per ranking.", "",
          "| model | iterations (reverts) | full evaluations | ranking evaluations (300 samples) | search time | one evaluation | (iterations + 2) evaluations + DQ run | naive: runs, time |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        bound = (r["aa_iterations"] + 2) * r["eval_s"] + r["dq_s"]
        L.append(f"| {r['model']} | {r['aa_iterations']} | {r['aa_evals']} | {r['aa_ranking_evals']} | "
                 f"{r['aa_search_s']:.1f} s | {r['eval_s']:.2f} s | {bound:.1f} s | {r['naive_runs']}, {r['naive_s']:.1f} s |")
    L += ["", "## Speed of the final model", "",
          "Median latency on the job's engine (cpu, batch 1) from the report (`latency_ms`), measured in the",
          "same run for the float and the final model.", "",
          "| model | FP32 ms | AccuracyAware result ms | result / FP32 |", "|---|---:|---:|---:|"]
    for r in rows:
        f, q = r["aa_latency"]["float"], r["aa_latency"]["result"]
        L.append(f"| {r['model']} | {f:.3f} | {q:.3f} | {q / f:.2f}x |")
    L += ["", "Layers left in float by AccuracyAwareQuantization:", ""]
    for r in rows:
        L.append(f"- {r['model']}: " + ", ".join(f"`{n}`" for n in r["aa_reverted"]))
    if budget:
        b = budget
        L += ["", "## Impossible budget with a time limit", "",
              f"`maximal_drop` 0.0 and `max_minutes` {args.time_budget_minutes} on {b['model']}: the search stopped by "
              f"\"{b['stopped_by']}\" after {b['search_s']:.1f} s (limit {args.time_budget_minutes * 60:.0f} s plus one "
              f"evaluation, {b['eval_s']:.2f} s here; whole run {b['wall_s']:.1f} s), met: {b['met']}, exit code "
              f"{b['exit']}, best drop {b['drop']:.2f} with {b['layers']} layers in float."]
    with open(args.output, "w") as f:
        f.write("\n".join(L) + "\n")


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--pot-host", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--maximal-drop", type=float, default=0.5)
    p.add_argument("--bits", type=int, default=4)
    p.add_argument("--time-budget-minutes", type=float, default=2.0)
    p.add_argument("--time-budget-model", default="fmnist_mobilenet")
    p.add_argument("models", nargs="+")
    args = p.parse_args(argv)
    args.models = [os.path.abspath(m) for m in args.models if os.path.exists(m)]
    started = datetime.datetime.utcnow()
    rows = []
    for m in args.models:
        print(f"[accuracy-aware] {os.path.basename(m)}", file=sys.stderr)
        rows.append(measure(args, m))
    budget = None
    chosen = [m for m in args.models if os.path.basename(m).startswith(args.time_budget_model)]
    if chosen and args.time_budget_minutes > 0:
        print(f"[accuracy-aware] time budget on {os.path.basename(chosen[0])}", file=sys.stderr)
        budget = time_budget(args, chosen[0])
    write(args, rows, budget, started)


if __name__ == "__main__":
    main(sys.argv[1:])
