#!/usr/bin/python3
"""Peer for docs/ACCURACY.md: PyTorch FX post-training static quantization (onednn backend).

    /usr/bin/python3 bench/accuracy/torch_fx_peer.py --model examples/fmnist/fmnist_cnn.onnx \
        [--calibration examples/fmnist/data/calibration] [--data-dir /usr/share/datasets/fashion-mnist]

Rebuilds the PyTorch module from examples/fmnist/train.py's classes (chosen by the model file
name: fmnist_cnn / fmnist_mobilenet / fmnist_resnet / fmnist_vit), loads its weights from the ONNX
initializers (no retraining), checks it against train.py's ONNX interpreter, calibrates with
torch's default onednn qconfig (HistogramObserver activations, per-channel symmetric int8
weights) on the same 300 PNGs pot-host uses, and scores FP32 and INT8 on the 10,000 test images.
Prints one JSON object.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch

kRepo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_train_module():
    path = os.path.join(kRepo, "examples", "fmnist", "train.py")
    spec = importlib.util.spec_from_file_location("fmnist_train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def onnx_weights(path):
    """Initializers by name, plus Identity outputs resolved to their (initializer) inputs."""
    graph = onnx.load(path).graph
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in weights:
            weights[node.output[0]] = weights[node.input[0]]
    # torch exports an nn.Linear on a 3-D input as MatMul by its transposed weight (under a
    # generated name) followed by an Add of "<module>.bias": name the weight after that bias.
    producer_of = {out: node for node in graph.node for out in node.output}
    for node in graph.node:
        if node.op_type != "Add":
            continue
        bias = [n for n in node.input if n.endswith(".bias") and n in weights]
        matmul = [producer_of.get(n) for n in node.input if n not in weights]
        if len(bias) == 1 and len(matmul) == 1 and matmul[0] is not None and matmul[0].op_type == "MatMul" \
                and matmul[0].input[1] in weights:
            weights[bias[0][:-len(".bias")] + ".weight"] = weights[matmul[0].input[1]].t().contiguous()
    return weights


def build_model(train, path):
    stem = os.path.splitext(os.path.basename(path))[0]
    kind = stem.split("_", 1)[1] if "_" in stem else stem
    if kind not in train.kModels:
        raise SystemExit(f"{path}: cannot tell which train.py model it is (expected fmnist_<{'|'.join(train.kModels)}>)")
    model = train.kModels[kind][0]()
    weights = onnx_weights(path)
    state = model.state_dict()
    missing = []
    for key in state:
        if key.endswith("num_batches_tracked"):
            continue
        if key not in weights:
            missing.append(key)
            continue
        if tuple(weights[key].shape) != tuple(state[key].shape):
            raise SystemExit(f"{path}: {key} has shape {tuple(weights[key].shape)}, module wants {tuple(state[key].shape)}")
        state[key] = weights[key]
    if missing:
        raise SystemExit(f"{path}: no initializer for {missing}")
    model.load_state_dict(state)
    return kind, model.eval()


def load_calibration(train, folder):
    names = []
    with open(os.path.join(folder, "labels.txt")) as f:
        for line in f:
            if line.strip():
                names.append(line.split()[0])
    names.sort()
    images = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            images.append(train.decode_png_gray8(f.read()))
    return train.to_input(np.stack(images))


def correctness(predict, x, y, batch=1000):
    """Per-sample top-1 correctness of `predict` (a batch -> logits function), as a bool tensor."""
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            out.append(predict(x[i:i + batch]).argmax(1) == y[i:i + batch])
    return torch.cat(out)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--calibration", default=os.path.join(kRepo, "examples", "fmnist", "data", "calibration"))
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train = load_train_module()
    kind, model = build_model(train, args.model)
    test_x = train.to_input(train.read_idx(train.find_idx(args.data_dir, "t10k-images-idx3-ubyte")))
    test_y = torch.from_numpy(train.read_idx(train.find_idx(args.data_dir, "t10k-labels-idx1-ubyte")).astype(np.int64))
    calib_x = load_calibration(train, args.calibration)

    # The rebuilt module must compute what the ONNX file computes.
    runner = train.OnnxTorchRunner(args.model)
    with torch.no_grad():
        probe = test_x[:500]
        max_diff = float((model(probe) - runner(probe)).abs().max())
    if max_diff > 1e-3:
        raise SystemExit(f"{args.model}: rebuilt module differs from the ONNX graph by {max_diff}")

    start = time.perf_counter()
    fp32_right = correctness(model, test_x, test_y)
    fp32_eval_s = time.perf_counter() - start
    fp32_acc = float(fp32_right.double().mean())

    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    qconfig_mapping = get_default_qconfig_mapping("onednn")
    start = time.perf_counter()
    prepared = prepare_fx(model, qconfig_mapping, example_inputs=(calib_x[:1],))
    with torch.no_grad():
        for i in range(0, calib_x.shape[0], 50):
            prepared(calib_x[i:i + 50])
    quantized = convert_fx(prepared)
    calib_s = time.perf_counter() - start

    start = time.perf_counter()
    int8_right = correctness(quantized, test_x, test_y)
    int8_eval_s = time.perf_counter() - start
    int8_acc = float(int8_right.double().mean())
    # Predictions quantization changed, as pot-host's report counts them (see docs/ACCURACY.md).
    fixed = int((~fp32_right & int8_right).sum())
    broken = int((fp32_right & ~int8_right).sum())

    print(json.dumps({
        "tool": f"PyTorch {torch.__version__} FX static PTQ, onednn",
        "model": os.path.basename(args.model),
        "kind": kind,
        "qconfig": "get_default_qconfig_mapping('onednn'): HistogramObserver (reduce_range=False) "
                   "activations, per-channel symmetric qint8 weights",
        "calibration_samples": int(calib_x.shape[0]),
        "test_samples": int(test_x.shape[0]),
        "rebuilt_vs_onnx_max_abs_diff": max_diff,
        "fp32_top1": fp32_acc,
        "int8_top1": int8_acc,
        "drop_points": (fp32_acc - int8_acc) * 100.0,
        "changed": {"fixed": fixed, "broken": broken,
                    "drop_standard_error": 100.0 * math.sqrt(fixed + broken) / int(test_x.shape[0])},
        "calibration_seconds": calib_s,
        "fp32_eval_seconds": fp32_eval_s,
        "int8_eval_seconds": int8_eval_s,
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
