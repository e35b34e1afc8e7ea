#!/usr/bin/python3
"""Calibration time against FP32 inference: DefaultQuantization's calibration of zoo models on
300 samples, next to ONNX Runtime's FP32 inference of the same 300 samples.

    bench/calibration_time/run.py [--build BUILD_DIR] [--zoo DIR] [--models a,b] [--samples 300]
                                  [--threads 1] [--output docs/PERFORMANCE.md]   (--output "" prints)

The models come from bench/zoo/export.py's cache (run it first, or bench/zoo/run.sh). For each
model: 300 random inputs (uniform in [-1, 1), seed 0) of the manifest's shape; `pot-host -c`
with DefaultQuantization (preset performance, stat_subset_size 300, cpu engine, the given
threads), whose report's `timings.quantize_s` is the calibration time (statistics passes,
algorithms; not loading, the layer report or writing the model); then ONNX Runtime
(bench/ort_bench.js, same threads, all optimizations) on each of the 300 files in one process,
the sum of their latencies. Ours and ONNX Runtime run back to back, and the whole pair is
repeated (--rounds, default 3; the medians are shown).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODELS = "resnet18,mobilenet_v3_large,efficientnet_b0,shufflenet_v2_x1_0,crnn"
TARGET = 2.0  # calibration time / ONNX Runtime FP32 time of the same samples
BEGIN, END = "<!-- calibration-time:begin -->", "<!-- calibration-time:end -->"


def run(cmd, env=None):
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def float_input(entry, name):
    inputs = entry["inputs"]
    if len(inputs) != 1 or inputs[0].get("dtype", "float32") != "float32":
        raise SystemExit(f"{name}: the calibration benchmark takes models with one float input")
    return inputs[0]


def make_samples(folder, shape, count):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        np.save(os.path.join(folder, f"{i:04d}.npy"), rng.uniform(-1, 1, shape).astype(np.float32))


def calibrate(o, name, model, data, work):
    config = {
        "model": {"model_name": name, "model": model},
        "engine": {"type": "simplified", "backend": "cpu", "threads": o.threads, "data_source": data},
        "compression": {"target_device": "CPU", "algorithms": [{
            "name": "DefaultQuantization",
            "params": {"preset": "performance", "stat_subset_size": o.samples}}]},
    }
    path = os.path.join(work, f"{name}.json")
    with open(path, "w") as f:
        json.dump(config, f)
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    run([os.path.join(o.build, "bin", "pot-host"), "-c", path, "--output-dir", out])
    reports = [os.path.join(root, f) for root, _, fs in os.walk(out) for f in fs if f == "report.json"]
    with open(reports[0]) as f:
        timings = json.load(f)["timings"]
    passes = [s["seconds"] for s in timings["steps"] if s["name"] == "statistics"]
    return timings["quantize_s"], passes


def ort_total(o, model, folder):
    """Seconds ONNX Runtime takes for one FP32 inference of each file of `folder` (the sum)."""
    text = run(["node", os.path.join(REPO, "bench", "ort_bench.js"), model, "--threads", str(o.threads),
                "--each", folder])
    return json.loads(text.strip().splitlines()[-1])["duration_ms"] / 1000.0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(REPO, "build-tests"))
    p.add_argument("--zoo", default=os.environ.get("POT_ZOO_DIR", os.path.expanduser("~/.cache/pot-zoo")))
    p.add_argument("--models", default=DEFAULT_MODELS)
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--output", default=os.path.join(REPO, "docs", "PERFORMANCE.md"))
    o = p.parse_args()
    o.build = os.path.abspath(o.build)
    with open(os.path.join(o.zoo, "manifest.json")) as f:
        manifest = {m["name"]: m for m in json.load(f)["models"]}

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in o.models.split(","):
            if name not in manifest:
                raise SystemExit(f"{name}: not in {o.zoo}/manifest.json (run bench/zoo/export.py)")
            entry = manifest[name]
            model = os.path.join(o.zoo, entry["file"])
            spec = float_input(entry, name)
            data = os.path.join(work, name, spec["name"])
            make_samples(data, spec["calibration_shape"], o.samples)
            ours, passes, theirs = [], [], []
            for _ in range(o.rounds):
                seconds, stats = calibrate(o, name, model, data, work)
                ours.append(seconds)
                passes.append(stats)
                theirs.append(ort_total(o, model, data))
            mid = sorted(range(o.rounds), key=lambda i: ours[i])[o.rounds // 2]
            rows.append((name, statistics.median(ours), passes[mid], statistics.median(theirs)))
            print(f"{name}: calibration {rows[-1][1]:.2f} s, ONNX Runtime FP32 {rows[-1][3]:.2f} s", file=sys.stderr)

    lines = [BEGIN, "## Calibration time against FP32 inference", "",
             f"`bench/calibration_time/run.py` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, "
             f"{os.cpu_count()} CPUs ({cpu_name()}), {o.threads} thread(s), {o.rounds} rounds (medians): "
             f"DefaultQuantization (preset performance, cpu engine) calibrating zoo models (random weights) "
             f"on {o.samples} random samples, `timings.quantize_s` of its report (statistics passes and "
             f"algorithms), against ONNX Runtime's FP32 inference of the same {o.samples} samples one by one "
             f"(target: at most {TARGET:g}x).", "",
             "| model | calibration (s) | statistics passes (s) | ORT FP32, same samples (s) | ratio | met |",
             "| --- | ---: | --- | ---: | ---: | --- |"]
    for name, seconds, stats, ort in rows:
        ratio = seconds / ort
        lines.append(f"| {name} | {seconds:.2f} | {' + '.join(f'{s:.2f}' for s in stats)} | {ort:.2f} | "
                     f"{ratio:.2f}x | {'yes' if ratio <= TARGET else 'no'} |")
    lines.append(END)
    section = "\n".join(lines)
    print(section)
    if o.output:
        text = open(o.output, encoding="utf-8").read() if os.path.exists(o.output) else ""
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
        with open(o.output, "w", encoding="utf-8") as f:
            f.write(text)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
