#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (committed; rerun after
changing a reader's format). Deterministic: a fixed seed, so rerunning changes no file.

Usage: /usr/bin/python3 fuzz/make_seeds.py [corpus folder]
"""

import json
import os
import random
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_inputs as tiny  # noqa: E402

SEED = 20240611
NO_LABELS = 0xFFFF


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def onnx_seeds(out, rng):
    for name, model in tiny.seed_models(rng).items():
        write(out, name + ".onnx", model.SerializeToString())


def qdq_import_seeds(out, rng):
    # The target builds graphs from any bytes; random seeds of a few lengths start it off.
    for i, size in enumerate([16, 64, 128, 256, 512, 1024]):
        write(out, "random_%d" % i, rng.integers(0, 256, size, dtype=np.uint8).tobytes())


def config_seeds(out):
    base = {
        "model": {"model_name": "tiny", "model": "tiny.onnx"},
        "engine": {"type": "simplified", "backend": "reference", "data_source": "data",
                   "annotation": "data/labels.txt",
                   "preprocessing": {"color": "GRAY", "layout": "NCHW", "mean": [0], "scale": [255]}},
        "compression": {"target_device": "CPU",
                        "algorithms": [{"name": "MinMaxQuantization",
                                        "params": {"preset": "performance", "stat_subset_size": 4}}]},
    }
    write(out, "minimal.json", json.dumps(base))
    full = json.loads(json.dumps(base))
    full["model"]["weights"] = "tiny.bin"
    full["engine"].update({"threads": 1, "params": {"x": 1},
                           "evaluation": {"data_source": "eval", "annotation": "eval/labels.txt"}})
    full["engine"]["preprocessing"].update({"resize": [32, 32], "crop": 28, "layout": "NHWC",
                                            "color": "RGB", "mean": [1, 2, 3], "scale": [4, 5, 6]})
    full["compression"].update({"model_type": "transformer", "inplace_statistics": False,
                                "statistics_cache": "stats.json"})
    full["compression"]["algorithms"].append({"name": "FastBiasCorrection"})
    full["optimizer"] = {"name": "TPE", "params": {"n_startup_trials": 2}, "trials": 3,
                         "eval_subset_size": 20}
    write(out, "full.json", json.dumps(full, indent=2))
    write(out, "comments.json", "// a comment\n{\n  /* block */ \"model\": {\"model_name\": \"m\", "
                                "\"model\": \"m.onnx\"}, // trailing\n  \"engine\": {\"data_source\": "
                                "\"d\"},\n  \"compression\": {\"algorithms\": [{\"name\": \"A\"}]}\n}\n")


def npy_seeds(out, rng):
    arrays = {
        "f32_nchw": rng.standard_normal((1, 1, 4, 4)).astype(np.float32),
        "f32_chw": rng.standard_normal((3, 2, 2)).astype(np.float32),
        "f64": rng.standard_normal((2, 3)),
        "i8": rng.integers(-128, 128, (4,)).astype(np.int8),
        "u8": rng.integers(0, 256, (2, 2)).astype(np.uint8),
        "i32": rng.integers(-1000, 1000, (3,)).astype(np.int32),
        "i64": rng.integers(-1000, 1000, (1, 2)).astype(np.int64),
        "scalar": np.float32(1.5),
        "empty": np.zeros((0, 3), np.float32),
    }
    for name, array in arrays.items():
        write(out, name + ".npy", tiny.npy(array))
    write(out, "v2_f32.npy", tiny.npy(arrays["f32_chw"], version=(2, 0)))
    write(out, "fortran.npy", tiny.npy(np.asfortranarray(rng.standard_normal((2, 3)).astype(np.float32))))


def idx_seeds(out, rng):
    def case(flags, images, labels=None):
        label_bytes = tiny.idx_labels(labels) if labels is not None else b""
        length = NO_LABELS if labels is None else len(label_bytes)
        return bytes([flags]) + struct.pack("<H", length) + label_bytes + tiny.idx_images(images)

    images = rng.integers(0, 256, (3, tiny.SIDE, tiny.SIDE)).astype(np.uint8)
    write(out, "plain", case(0x00, images))
    write(out, "labelled", case(0x80, images, [0, 1, 2]))
    write(out, "dynamic_nhwc", case(0x06, images))
    write(out, "resize_crop", case(0x18, rng.integers(0, 256, (2, 12, 10)).astype(np.uint8), [5, 9]))
    write(out, "one_pixel", case(0x02, np.zeros((1, 1, 1), np.uint8), [0]))


def image_seeds(out, rng):
    gray, rgb = tiny.gray_image(rng), tiny.rgb_image(rng)
    seeds = {
        "gray.png": (0x00, tiny.png(gray)),
        "rgb.png": (0x01 | 0x20, tiny.png(rgb)),
        "rgb_nhwc_resize.png": (0x01 | 0x04 | 0x08 | 0x80, tiny.png(tiny.rgb_image(rng, 12))),
        "rgb.bmp": (0x01 | 0x40, tiny.bmp(rgb)),
        "gray_crop.tif": (0x02 | 0x10, tiny.tiff(tiny.gray_image(rng, 10))),
        "gray.pgm": (0x60, tiny.pgm(gray)),
        "gray.jpg": (0x00, tiny.jpeg([[[10], [200]], [[128], [0]]])),
        "ycbcr.jpg": (0x03 | 0x80, tiny.jpeg([[[30, 128, 128], [200, 90, 160]], [[128, 0, 255], [0, 128, 128]]])),
    }
    for name, (flags, data) in seeds.items():
        write(out, name, bytes([flags]) + data)


def labels_seeds(out):
    write(out, "plain.txt", tiny.labels_text(["000.png", "001.png", "002.png"], [0, 1, 2]))
    write(out, "spaces.txt", b"  a.png\t7   # trailing comment\n\n# only a comment\nb.png -1\n")
    write(out, "large.txt", b"x.png 9223372036854775807\r\ny.npy 0\n")


def trial_log_seeds(out):
    header = {"format": "pot-trial-log", "version": 1, "optimizer": "TPE",
              "space": [{"name": "TunableQuantization/conv1", "choices": ["a:sym w:perchannel", "float"]},
                        {"name": "MinMaxQuantization/preset", "choices": ["performance", "mixed"]}],
              "metric": "accuracy@top1", "fp32_metric": 91.5, "fp32_latency_ms": 0.42, "eval_samples": 300,
              "scales": {"accuracy_min": 1, "accuracy_scale": 495.8, "latency_min": -55.3, "latency_scale": 4.1},
              "fine_tuned_from": None}
    trial = {"trial": 0, "choice": {"TunableQuantization/conv1": "float", "MinMaxQuantization/preset": "mixed"},
             "metric": 90.1, "accuracy_loss": 0.0153, "latency_ms": 0.4, "latency_ratio": 1.05,
             "quantized_ratio": 0.0, "loss": 47.2, "seconds": 1.5, "minutes_into_run": 0.03}
    lines = [json.dumps(header), json.dumps(trial), json.dumps(dict(trial, trial=1, repeat_of=0))]
    write(out, "log.jsonl", ("\n".join(lines) + "\n").encode())
    write(out, "cut_short.jsonl", ("\n".join(lines) + "\n" + lines[1][:40]).encode())
    write(out, "header_only.jsonl", (lines[0] + "\n").encode())
    # Headers whose fields hold the wrong JSON type: each once escaped the reader as a json exception.
    write(out, "header_format_object.jsonl", (json.dumps(dict(header, format={"a": 1})) + "\n").encode())
    write(out, "header_version_object.jsonl", (json.dumps(dict(header, version={"v": 1})) + "\n").encode())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    rng = np.random.default_rng(SEED)
    random.seed(SEED)
    for target in ["fuzz_onnx_model", "fuzz_qdq_import", "fuzz_config", "fuzz_npy", "fuzz_idx",
                   "fuzz_image", "fuzz_labels", "fuzz_trial_log"]:
        shutil.rmtree(os.path.join(corpus, target), ignore_errors=True)
    onnx_seeds(os.path.join(corpus, "fuzz_onnx_model"), rng)
    qdq_import_seeds(os.path.join(corpus, "fuzz_qdq_import"), rng)
    config_seeds(os.path.join(corpus, "fuzz_config"))
    npy_seeds(os.path.join(corpus, "fuzz_npy"), rng)
    idx_seeds(os.path.join(corpus, "fuzz_idx"), rng)
    image_seeds(os.path.join(corpus, "fuzz_image"), rng)
    labels_seeds(os.path.join(corpus, "fuzz_labels"))
    trial_log_seeds(os.path.join(corpus, "fuzz_trial_log"))


if __name__ == "__main__":
    main()
