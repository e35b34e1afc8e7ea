#!/usr/bin/python3
"""Tuning benchmarks on the bundled Fashion-MNIST CNN (called by run.sh); writes docs/TUNING.md.

    run.py --pot-host BIN --simulate BIN --work DIR --output docs/TUNING.md [--threads N]

1. The table: GridSearch scores every point of TunableQuantization's per-layer space
   (tuning_scope layer and mode; FastBiasCorrection after it) with POT's loss: accuracy
   on 500 evaluation images and the cpu engine's latency. Then pot-tuning-simulate replays TPE and
   RandomSearch on that table with 10 seeds: the trials TPE needs to reach the best loss random
   search finds in 100.
2. Same seed, same trials, same model: two TPE runs (accuracy only) compared trial by trial and
   byte by byte.
3. Latency in the objective: a TPE run (accuracy_loss 1 %, latency weight 1) against
   DefaultQuantization with the same settings; both models timed side by side with
   `pot-host benchmark`, alternating, and the median ratio reported.
"""

import argparse
import datetime
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

kRepo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
kExample = os.path.join(kRepo, "examples", "fmnist")
kModel = os.path.join(kExample, "fmnist_cnn.onnx")
kEvalSamples = 500


def base_config(threads, algorithms):
    return {
        "model": {"model_name": "fmnist_cnn", "model": kModel},
        "engine": {
            "backend": "cpu", "threads": threads,
            "data_source": os.path.join(kExample, "data", "calibration"),
            "annotation": os.path.join(kExample, "data", "calibration", "labels.txt"),
            "preprocessing": {"color": "GRAY", "layout": "NCHW", "mean": [0], "scale": [255]},
            "evaluation": {"data_source": os.path.join(kExample, "data", "evaluation", "images-idx3-ubyte")},
        },
        # 7-bit weights as in the bundled DefaultQuantization example (CPUs without VNNI).
        "compression": {"target_device": "CPU", "algorithms": algorithms},
    }


def tunable(scope, bits=None):
    # 7-bit weights by default, as the bundled DefaultQuantization example; `bits` for both.
    params = {"preset": "performance", "stat_subset_size": 300, "weights": {"bits": bits or 7},
              "tuning_scope": scope, "estimator_tuning_scope": ["preset"]}
    if bits:
        params["activations"] = {"bits": bits}
    return [{"name": "TunableQuantization", "params": params},
            {"name": "FastBiasCorrection", "params": {"stat_subset_size": 300}}]


def run(args, name, config, extra=()):
    out = os.path.join(args.work, name)
    os.makedirs(out, exist_ok=True)
    path = out + ".json"
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    start = time.monotonic()
    p = subprocess.run([args.pot_host, "-c", path, "--output-dir", out, "-d", "--log-level", "WARNING", *extra],
                       capture_output=True, text=True)
    seconds = time.monotonic() - start
    if p.returncode not in (0, 3):
        sys.exit("pot-host failed on %s (exit %d):\n%s" % (name, p.returncode, p.stderr))
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f), out, seconds


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def benchmark(args, model, seconds):
    p = subprocess.run([args.pot_host, "benchmark", "-m", model, "--engine", "cpu", "--nthreads", str(args.threads),
                        "-t", str(seconds), "--json"], capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])["latency_median_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pot-host", required=True)
    ap.add_argument("--simulate", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    lines = []

    # 1. The table: 5 choices for each of the 5 quantized ops (per-channel or per-tensor weights,
    # mean min/max or mean quantile ranges, or float), 3125 points, every one a different model.
    # ("mode" is left out: the CNN's quantized activations are all non-negative, where symmetric
    # and asymmetric ranges quantize alike, so its choices would repeat models.)
    scope = ["layer", "granularity", "range_estimator"]
    optimizer = {"name": "GridSearch", "params": {"max_trials": 1, "eval_subset_size": kEvalSamples,
                                                  "accuracy_loss": 1, "latency_reduce": 1,
                                                  "benchmark": {"duration_seconds": 0.3}}}
    # 4-bit weights and activations: quantizing a layer costs accuracy, keeping it in float costs
    # speed, so the loss has a real trade-off to search (at 7/8 bits every point is within 1 %).
    config = base_config(args.threads, tunable(scope, bits=4))
    config["optimizer"] = optimizer
    probe, _, _ = run(args, "probe", config)
    points = int(probe["optimizer"]["search_space"]["points"])
    dims = probe["optimizer"]["search_space"]["dimensions"]
    print("[tuning] scoring all %d points" % points, file=sys.stderr)
    optimizer["params"]["max_trials"] = points
    table_report, table_dir, table_seconds = run(args, "table", config)
    log = os.path.join(table_dir, "fmnist_cnn.trials.jsonl")
    sim = json.loads(subprocess.run([args.simulate, log, "--seeds", "10", "--trials", "100"], capture_output=True,
                                    text=True, check=True).stdout)
    trials = table_report["optimizer"]["trials"]
    base = trials[0]
    met = [t for t in trials if t["accuracy_loss"] <= 0.01]
    fastest = max(met, key=lambda t: t["latency_ratio"]) if met else None

    # 2. Same seed.
    same = base_config(args.threads, tunable(["layer", "mode"]))
    same["optimizer"] = {"name": "Tpe", "params": {"max_trials": 30, "eval_subset_size": kEvalSamples,
                                                   "latency_weight": 0, "accuracy_loss": 1, "seed": 3}}
    ra, da, _ = run(args, "seed_a", same)
    rb, db, _ = run(args, "seed_b", same)
    same_trials = [t["choice"] for t in ra["optimizer"]["trials"]] == [t["choice"] for t in rb["optimizer"]["trials"]]
    same_model = sha256(os.path.join(da, "fmnist_cnn.onnx")) == sha256(os.path.join(db, "fmnist_cnn.onnx"))

    # 3. Latency in the objective against DefaultQuantization.
    dq = base_config(args.threads, [{"name": "DefaultQuantization",
                                     "params": {"preset": "performance", "stat_subset_size": 300,
                                                "weights": {"bits": 7}}}])
    dq_report, dq_dir, _ = run(args, "dq", dq, ["-e"])
    tuned = base_config(args.threads, tunable(["layer", "mode", "granularity"]))
    tuned["optimizer"] = {"name": "Tpe", "params": {"max_trials": 60, "eval_subset_size": kEvalSamples,
                                                    "accuracy_loss": 1, "latency_reduce": 1,
                                                    "benchmark": {"duration_seconds": 0.3}, "seed": 0}}
    tuned_report, tuned_dir, tuned_seconds = run(args, "tpe_latency", tuned, ["-e"])
    dq_model = os.path.join(dq_dir, "fmnist_cnn.onnx")
    tuned_model = os.path.join(tuned_dir, "fmnist_cnn.onnx")
    ratios = []
    for _ in range(5):
        a = benchmark(args, dq_model, 2)
        b = benchmark(args, tuned_model, 2)
        ratios.append(a / b)
    speedup = statistics.median(ratios)
    best = tuned_report["optimizer"]["best"]

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    w = lines.append
    w("# Tuning benchmarks")
    w("")
    w("Measured %s on %s, %d engine thread(s), by `bash bench/tuning/run.sh` (see `bench/tuning/run.py`)."
      % (now, cpu, args.threads))
    w("Model: the bundled Fashion-MNIST CNN; calibration: its 300 images; scoring: the first %d of the 2000"
      " evaluation images; cpu engine." % kEvalSamples)
    w("")
    w("## TPE against RandomSearch")
    w("")
    w("TunableQuantization with 4-bit weights and activations (`tuning_scope` %s, `estimator_tuning_scope`"
      " [\"preset\"], FastBiasCorrection after it) offers %d dimensions and %d points, each a different model."
      " GridSearch scored every point once (%.0f s) with POT's loss (accuracy_loss 1 %%, latency_weight 1,"
      " latency timed 0.3 s per model structure); `pot-tuning-simulate` then replays each optimizer on that"
      " table, the base configuration told first as in a real run, 100 trials, seeds 0-9."
      % (json.dumps(scope), dims, points, table_seconds))
    w("")
    w("| | value |")
    w("| --- | --- |")
    w("| best loss in the space | %.3f |" % sim["optimum_loss"])
    w("| base configuration's loss | %.3f |" % sim["base_loss"])
    w("| RandomSearch, best loss after 100 trials (median of 10 seeds) | %.3f |" % sim["median_random_best"])
    w("| TPE, best loss after 100 trials (median) | %.3f |" % sim["median_tpe_best"])
    w("| **TPE, trials to reach RandomSearch's 100-trial best (median)** | **%s** (target: at most 50) |"
      % sim["median_tpe_trials_to_random_best"])
    w("| TPE, trials to reach the optimum (median; 200 = not within 100) | %s |" % sim["median_tpe_trials_to_optimum"])
    w("| RandomSearch, trials to reach the optimum (median; 200 = not within 100) | %s |"
      % sim["median_random_trials_to_optimum"])
    w("")
    w("| seed | RandomSearch best | TPE best | TPE trials to RandomSearch's best |")
    w("| --- | --- | --- | --- |")
    for r in sim["runs"]:
        w("| %d | %.3f | %.3f | %s |" % (r["seed"], r["random_best"], r["tpe_best"],
                                         r["tpe_trials_to_random_best"] or "not within 100"))
    w("")
    if fastest:
        w("In the table, %d of %d points stay within 1 %% relative accuracy loss; the fastest of them runs %.2fx the"
          " float model's speed; the base configuration (every layer quantized) loses %.2f %% and runs %.2fx."
          % (len(met), points, fastest["latency_ratio"], base["accuracy_loss"] * 100, base["latency_ratio"]))
        w("")
    w("## Same seed, same result")
    w("")
    w("Two TPE runs over `tuning_scope` [\"layer\", \"mode\"], seed 3, 30 trials, accuracy only (`latency_weight` 0): same trials in the same order: **%s**;"
      " same model file (SHA-256): **%s**. With latency in the objective the trials depend on the measured"
      " times too, which vary from run to run." % ("yes" if same_trials else "NO", "yes" if same_model else "NO"))
    w("")
    w("## Latency in the objective against DefaultQuantization")
    w("")
    w("TPE over `tuning_scope` [\"layer\", \"mode\", \"granularity\"] (3125 points, 7-bit weights), 60 trials, accuracy_loss 1 %%"
      " (relative), latency_weight 1, took %.0f s and chose trial %d: accuracy"
      " loss %.2f %% on the scoring images, %.2fx the float model's speed as timed during the run."
      % (tuned_seconds, best["index"] + 1, best["accuracy_loss"] * 100, best["latency_ratio"]))
    w("Its choices: %s." % ", ".join("`%s`: %s" % (k.split("/", 1)[1], v) for k, v in sorted(best["choice"].items())))
    w("On all 2000 evaluation images: DefaultQuantization %.2f %%, the tuned model %.2f %% (float %.2f %%)."
      % (dq_report["evaluation"]["int8"], tuned_report["evaluation"]["int8"], tuned_report["evaluation"]["fp32"]))
    w("Timed side by side (`pot-host benchmark -t 2`, alternating, 5 rounds): DefaultQuantization's median latency"
      " / the tuned model's = **%.2f** (rounds: %s); target: at least 1.10."
      % (speedup, ", ".join("%.2f" % r for r in ratios)))
    w("")
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
