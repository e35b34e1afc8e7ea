"""Calibration driven from Python (the pot package, a Python DataLoader over PNG files) against
pot-host on the same model, images, algorithm and engine.

    /usr/bin/python3 bench/python/calibration.py --build build-py [--repeats 5] [--threads 2]

Each repeat runs each side as a fresh process, rotating which goes first:
  - pot-host -c <config> -d: DefaultQuantization (stat_subset_size 300) of examples/fmnist's CNN
    on the 300 calibration PNGs (data_source, GRAY, scale 255);
  - python3 this_script --python-run: load_model, IEEngine + a cv2 ImageLoader over the same
    PNGs, create_pipeline(...).run, save_model;
  - the same with the samples decoded before the clock starts (a loader returning arrays held in
    a list): what the binding costs without the loader's own Python.
It prints, per side, the median of: the process's wall time, and the calibration alone (pot-host's
report timings.quantize_s; the Python pipeline.run call). The ratio of the calibration times is the
number docs/PYTHON.md records.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FMNIST = os.path.join(REPO, "examples", "fmnist")
MODEL = os.path.join(FMNIST, "fmnist_cnn.onnx")
IMAGES = os.path.join(FMNIST, "data", "calibration")
PARAMS = {"preset": "performance", "stat_subset_size": 300}


def python_run(output_dir, threads, in_memory):
    """One calibration from Python; prints {"quantize_s": ...} on stdout. With `in_memory`, the
    samples are decoded before the clock starts and the loader returns them from a list."""
    import cv2
    import numpy as np

    import pot

    class ImageLoader(pot.DataLoader):
        def __init__(self, folder):
            self._files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".png"))

        def __len__(self):
            return len(self._files)

        def __getitem__(self, index):
            if index >= len(self):
                raise IndexError("Index out of dataset size")
            image = cv2.imread(self._files[index], cv2.IMREAD_GRAYSCALE)
            return np.expand_dims(image, (0, 1)).astype(np.float32) / 255, None

    class MemoryLoader(pot.DataLoader):
        def __init__(self, samples):
            self._samples = samples

        def __len__(self):
            return len(self._samples)

        def __getitem__(self, index):
            return self._samples[index]

    model = pot.load_model({"model_name": "fmnist_cnn", "model": MODEL})
    loader = ImageLoader(IMAGES)
    if in_memory:
        loader = MemoryLoader([loader[i] for i in range(len(loader))])
    engine = pot.IEEngine({"device": "CPU", "threads": threads}, data_loader=loader)
    pipeline = pot.create_pipeline([{"name": "DefaultQuantization", "params": PARAMS}], engine)
    start = time.perf_counter()
    quantized = pipeline.run(model)
    quantize_s = time.perf_counter() - start
    pot.save_model(quantized, output_dir, "fmnist_cnn")
    print(json.dumps({"quantize_s": quantize_s}))


def timed(command, env=None):
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done.stdout


def cli_run(build, work, threads):
    config = {
        "model": {"model_name": "fmnist_cnn", "model": MODEL},
        "engine": {"data_source": IMAGES, "threads": threads,
                   "preprocessing": {"color": "GRAY", "layout": "NCHW", "mean": [0], "scale": [255]}},
        "compression": {"target_device": "ANY", "algorithms": [{"name": "DefaultQuantization", "params": PARAMS}]},
    }
    config_file = os.path.join(work, "config.json")
    with open(config_file, "w") as f:
        json.dump(config, f)
    out = os.path.join(work, "cli")
    wall, _ = timed([os.path.join(build, "bin", "pot-host"), "--plugins", os.path.join(build, "lib", "pot", "plugins"),
                     "-c", config_file, "--output-dir", out, "-d"])
    with open(os.path.join(out, "report.json")) as f:
        return wall, json.load(f)["timings"]["quantize_s"]


def python_process(build, work, threads, in_memory=False):
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"),
               POT_PLUGIN_DIR=os.path.join(build, "lib", "pot", "plugins"))
    command = [sys.executable, __file__, "--python-run", os.path.join(work, "py"), "--threads", str(threads)]
    wall, stdout = timed(command + (["--in-memory"] if in_memory else []), env=env)
    return wall, json.loads(stdout.strip().splitlines()[-1])["quantize_s"]


def python_in_memory(build, work, threads):
    return python_process(build, work, threads, in_memory=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build-py"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--python-run", metavar="OUTPUT_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--in-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.python_run:
        return python_run(args.python_run, args.threads, args.in_memory)
    build = os.path.abspath(args.build)
    sides = [("pot-host", cli_run), ("python", python_process), ("python, samples in memory", python_in_memory)]
    results = {name: [] for name, _ in sides}
    with tempfile.TemporaryDirectory() as work:
        for repeat in range(args.repeats):
            for name, run in sides[repeat % len(sides):] + sides[:repeat % len(sides)]:
                results[name].append(run(build, work, args.threads))
    print(f"{args.repeats} runs each, {args.threads} engine threads, DefaultQuantization of fmnist_cnn on 300 PNGs")
    print(f"{'':26} {'process wall s':>15} {'calibration s':>14} {'ratio to pot-host':>18}")
    cli_wall = statistics.median(r[0] for r in results["pot-host"])
    cli_calibration = statistics.median(r[1] for r in results["pot-host"])
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        calibration = statistics.median(r[1] for r in runs)
        print(f"{name:26} {wall:15.3f} {calibration:14.3f} {wall / cli_wall:8.2f}x {calibration / cli_calibration:8.2f}x")


if __name__ == "__main__":
    main()
