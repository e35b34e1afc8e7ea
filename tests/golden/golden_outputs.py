#!/usr/bin/env python3
"""Quantizes every bundled example config with the reference engine and compares the SHA-256 of
each written model with the one recorded in expected.json: a refactoring that changes no behaviour
writes byte-identical models.

    golden_outputs.py POT_HOST PLUGIN_DIR EXAMPLE_DIR WORK_DIR          # compare
    golden_outputs.py POT_HOST PLUGIN_DIR EXAMPLE_DIR WORK_DIR --record # rewrite expected.json

The reference engine is plain C++ loops, so its statistics (and the models) do not depend on the
machine's instruction set the way oneDNN kernels do."""
import hashlib
import json
import os
import subprocess
import sys

EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.json")
CONFIGS = ["minmax.json", "default_quantization.json", "mobilenet_default_quantization.json",
           "resnet_default_quantization.json"]


def load_config(path):
    # The example configs carry whole-line // comments, which Python's json does not accept.
    with open(path) as f:
        text = "".join(line for line in f if not line.lstrip().startswith("//"))
    return json.loads(text)


def absolute(config, example_dir):
    config["model"]["model"] = os.path.join(example_dir, config["model"]["model"])
    engine = config["engine"]
    engine["backend"] = "reference"
    for key in ("data_source", "annotation"):
        if key in engine:
            engine[key] = os.path.join(example_dir, engine[key])
    engine.pop("evaluation", None)
    return config


def main():
    host, plugins, example_dir, work = sys.argv[1:5]
    record = "--record" in sys.argv[5:]
    os.makedirs(work, exist_ok=True)
    expected = {} if record else json.load(open(EXPECTED))
    got, failures = {}, []
    for name in CONFIGS:
        config = absolute(load_config(os.path.join(example_dir, name)), example_dir)
        config_file = os.path.join(work, name)
        out_dir = os.path.join(work, name[:-5])
        with open(config_file, "w") as f:
            json.dump(config, f)
        run = subprocess.run([host, "--plugins", plugins, "-c", config_file, "-d", "--output-dir", out_dir,
                              "--log-level", "WARNING"], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"{name}: pot-host exited with {run.returncode}\n{run.stdout}{run.stderr}")
            continue
        model = os.path.join(out_dir, config["model"]["model_name"] + ".onnx")
        digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
        got[name] = digest
        if not record and expected.get(name) != digest:
            failures.append(f"{name}: {model} has SHA-256 {digest}, expected {expected.get(name)}")
        print(f"{name}: {digest}")
    if record and not failures:  # a partial record would drop the failed configs' hashes
        with open(EXPECTED, "w") as f:
            json.dump(got, f, indent=2)
            f.write("\n")
    for failure in failures:
        print("FAILED " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
