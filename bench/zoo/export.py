#!/usr/bin/python3
"""Exports a zoo of ONNX models with random weights, for load/quantization coverage tests.

    /usr/bin/python3 bench/zoo/export.py [--out DIR] [--force] [--list] [NAME ...]

Needs torch and torchvision (Debian: python3-torch, python3-torchvision) and onnx; nothing is
downloaded. Every model is built with torch.manual_seed(0), in eval mode, and exported with
torch.onnx.export(do_constant_folding=True) with its weights as initializers.

Output folder: DIR, else $XDG_CACHE_HOME/pot-zoo, else ~/.cache/pot-zoo (kept outside git):
    NAME.onnx        one file per model; an existing file is kept unless --force
    manifest.json    {"torch", "torchvision", "models": [entry, ...]}; an entry has name,
                     architecture, opset, file, inputs (name, dtype, shape with symbolic dims as
                     strings, calibration_shape: the concrete batch-1 shape to feed),
                     dynamic_axes, outputs, size_mb, fp32_ms (frozen torch module, 1 thread),
                     small (light enough for CI: < 15 MB and < 60 ms), op_types and
                     torch_version; a model whose export fails gets "export_error" instead.

NAME selects models (default: all); --list prints the names. One line per model is printed:
name, seconds, size in MB and the number of distinct op types.
"""

import argparse
import collections
import json
import os
import sys
import time
import traceback
import warnings

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import models as tvm
from torchvision.models import detection, segmentation

SMALL_MB = 15.0
SMALL_MS = 60.0


# ----------------------------------------------------------------------------- custom models

def conv_bn_relu(cin, cout, kernel=3):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Three encoder levels (2x Conv-BN-ReLU, MaxPool), a bottleneck, and a decoder that
    upsamples with ConvTranspose2d(stride 2) and concatenates the skip; 2-class output map."""

    def __init__(self, channels=(16, 32, 64), classes=2):
        super().__init__()
        self.down = nn.ModuleList()
        cin = 3
        for c in channels:
            self.down.append(nn.Sequential(conv_bn_relu(cin, c), conv_bn_relu(c, c)))
            cin = c
        self.bottleneck = nn.Sequential(conv_bn_relu(cin, 2 * cin), conv_bn_relu(2 * cin, 2 * cin))
        cin *= 2
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        for c in reversed(channels):
            self.up.append(nn.ConvTranspose2d(cin, c, 2, stride=2))
            self.dec.append(nn.Sequential(conv_bn_relu(2 * c, c), conv_bn_relu(c, c)))
            cin = c
        self.head = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), skip], dim=1))
        return self.head(x)


class BertEncoder(nn.Module):
    """Token + learned position embeddings, LayerNorm, a 2-layer TransformerEncoder masked by
    attention_mask (0 = padding), and a Linear(128, 2) on the first token."""

    def __init__(self, vocab=1000, d=128, max_len=64, layers=2, heads=4, ff=256, classes=2):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d)
        self.positions = nn.Parameter(torch.randn(1, max_len, d) * 0.02)
        self.norm = nn.LayerNorm(d)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.classifier = nn.Linear(d, classes)

    def forward(self, input_ids, attention_mask):
        x = self.tokens(input_ids) + self.positions[:, : input_ids.shape[1]]
        x = self.encoder(self.norm(x), src_key_padding_mask=attention_mask == 0)
        return self.classifier(x[:, 0])


class CRNN(nn.Module):
    """Conv stem taking a 32-pixel-high grayscale line to height 1 (width / 4 steps), a 2-layer
    bidirectional LSTM and per-step log-probabilities over 37 classes: [T, N, 37]."""

    def __init__(self, classes=37, hidden=128):
        super().__init__()
        self.stem = nn.Sequential(
            conv_bn_relu(1, 64), nn.MaxPool2d(2, 2),               # 16 x W/2
            conv_bn_relu(64, 128), nn.MaxPool2d(2, 2),             # 8 x W/4
            conv_bn_relu(128, 256), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x W/4
            conv_bn_relu(256, 256), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x W/4
            conv_bn_relu(256, 256), nn.MaxPool2d((2, 1), (2, 1)))  # 1 x W/4
        self.rnn = nn.LSTM(256, hidden, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        x = self.stem(x).squeeze(2).permute(2, 0, 1)  # [T, N, C]
        x, _ = self.rnn(x)
        return F.log_softmax(self.fc(x), dim=2)


class OutputOf(nn.Module):
    """Returns one entry of a model's dict output (segmentation models return {'out': ...})."""

    def __init__(self, model, key="out"):
        super().__init__()
        self.model, self.key = model, key

    def forward(self, x):
        return self.model(x)[self.key]


class SSDHeads(nn.Module):
    """SSDLite backbone + heads without anchors, box decoding and NMS."""

    def __init__(self, model):
        super().__init__()
        self.backbone, self.head = model.backbone, model.head

    def forward(self, x):
        out = self.head(list(self.backbone(x).values()))
        return out["bbox_regression"], out["cls_logits"]


# ----------------------------------------------------------------------------- registry

Input = collections.namedtuple("Input", "name shape dtype fill")  # fill: randn | randint:N | ones


def image(size=224):
    return [Input("input", [1, 3, size, size], "float32", "randn")]


class Spec:
    def __init__(self, name, build, inputs=None, outputs=("output",), arch=None, opset=13,
                 dynamic_axes=None):
        self.name, self.build, self.arch = name, build, arch or name
        self.inputs, self.outputs = inputs or image(), list(outputs)
        self.opset, self.dynamic_axes = opset, dynamic_axes


def seg(fn, **kw):
    return lambda: OutputOf(fn(weights=None, weights_backbone=None, **kw))


def ssdlite():
    return SSDHeads(detection.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None))


def classification(name):
    return Spec(name, lambda: getattr(tvm, name)(weights=None))


BERT_INPUTS = [Input("input_ids", [1, 64], "int64", "randint:1000"),
               Input("attention_mask", [1, 64], "int64", "ones")]
UNET_INPUT = [Input("input", [1, 3, 128, 128], "float32", "randn")]
CRNN_INPUT = [Input("input", [1, 1, 32, 128], "float32", "randn")]

SPECS = [classification(n) for n in (
    "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "efficientnet_b0", "mnasnet1_0", "regnet_y_400mf", "shufflenet_v2_x1_0", "squeezenet1_1")]
SPECS += [
    Spec("googlenet", lambda: tvm.googlenet(weights=None, aux_logits=False, init_weights=True)),
    classification("densenet121"),
    Spec("inception_v3",
         lambda: tvm.inception_v3(weights=None, aux_logits=False, init_weights=True), image(299)),
    classification("convnext_tiny"),
    classification("swin_t"),
    classification("vit_b_16"),
    Spec("deeplabv3_mobilenet_v3_large",
         seg(segmentation.deeplabv3_mobilenet_v3_large, aux_loss=False), image(320), ["out"]),
    Spec("lraspp_mobilenet_v3_large", seg(segmentation.lraspp_mobilenet_v3_large),
         image(320), ["out"]),
    Spec("fcn_resnet50", seg(segmentation.fcn_resnet50, aux_loss=False), image(320), ["out"]),
    Spec("unet", UNet, UNET_INPUT),
    Spec("ssdlite320_mobilenet_v3_large", ssdlite, image(320), ["bbox_regression", "cls_logits"]),
    Spec("bert_encoder", BertEncoder, BERT_INPUTS, ["logits"]),
    Spec("crnn", CRNN, CRNN_INPUT, ["log_probs"]),
    # opset 11 variants
    Spec("resnet18_op11", lambda: tvm.resnet18(weights=None), arch="resnet18", opset=11),
    Spec("mobilenet_v3_small_op11", lambda: tvm.mobilenet_v3_small(weights=None),
         arch="mobilenet_v3_small", opset=11),
    Spec("unet_op11", UNet, UNET_INPUT, arch="unet", opset=11),
    Spec("crnn_op11", CRNN, CRNN_INPUT, ["log_probs"], arch="crnn", opset=11),
    # dynamic-shape variants (calibration_shape keeps the static shape above)
    Spec("resnet18_dynbatch", lambda: tvm.resnet18(weights=None), arch="resnet18",
         dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}),
    Spec("unet_dynhw", UNet, UNET_INPUT, arch="unet",
         dynamic_axes={"input": {2: "height", 3: "width"}, "output": {2: "height", 3: "width"}}),
    Spec("crnn_dynw", CRNN, CRNN_INPUT, ["log_probs"], arch="crnn",
         dynamic_axes={"input": {3: "width"}, "log_probs": {0: "steps"}}),
]
BY_NAME = {s.name: s for s in SPECS}


# ----------------------------------------------------------------------------- export

def make_inputs(spec):
    tensors = []
    for inp in spec.inputs:
        if inp.fill == "randn":
            tensors.append(torch.randn(*inp.shape))
        elif inp.fill.startswith("randint:"):
            tensors.append(torch.randint(0, int(inp.fill.split(":")[1]), inp.shape))
        else:
            tensors.append(torch.ones(inp.shape, dtype=getattr(torch, inp.dtype)))
    return tuple(tensors)


def build(spec):
    torch.manual_seed(0)
    model = spec.build().eval()
    return model, make_inputs(spec)


def fp32_ms(model, args, budget_s=3.0, runs=5):
    """Median FP32 latency in ms on 1 thread, after warm-up, of the traced module frozen with
    torch.jit.optimize_for_inference (oneDNN convolutions, close to what an inference engine
    does; eager torch falls back to slow generic kernels on 1 thread); eager if that fails."""
    times = []
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            run = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, args)))
            run(*args)
        except Exception:
            run = model
        run(*args)
        start = time.perf_counter()
        while len(times) < runs and time.perf_counter() - start < budget_s:
            t = time.perf_counter()
            run(*args)
            times.append((time.perf_counter() - t) * 1e3)
    return sorted(times)[len(times) // 2]


def export(spec, model, args, path):
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, tmp, opset_version=spec.opset, do_constant_folding=True,
                          input_names=[i.name for i in spec.inputs], output_names=spec.outputs,
                          dynamic_axes=spec.dynamic_axes)
    os.replace(tmp, path)


def op_types(graph, counts=None):
    counts = collections.Counter() if counts is None else counts
    for node in graph.node:
        counts[node.op_type] += 1
        for attr in node.attribute:
            for sub in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                op_types(sub, counts)
    return counts


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in shape.dim]


def np_dtype(elem_type):
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[elem_type].name


def describe(spec, path, ms):
    model = onnx.load(path)
    graph = model.graph
    weights = {i.name for i in graph.initializer}
    inputs = []
    for vi in graph.input:
        if vi.name in weights:
            continue
        static = next((i.shape for i in spec.inputs if i.name == vi.name), None)
        inputs.append({"name": vi.name, "dtype": np_dtype(vi.type.tensor_type.elem_type),
                       "shape": dims(vi), "calibration_shape": static})
    size_mb = os.path.getsize(path) / 2**20
    ops = op_types(graph)
    return {
        "name": spec.name, "architecture": spec.arch, "opset": spec.opset,
        "file": os.path.basename(path), "inputs": inputs,
        "dynamic_axes": {k: {str(a): n for a, n in v.items()}
                         for k, v in (spec.dynamic_axes or {}).items()},
        "outputs": [{"name": vi.name, "shape": dims(vi)} for vi in graph.output],
        "size_mb": round(size_mb, 2), "fp32_ms": round(ms, 2),
        "small": size_mb < SMALL_MB and ms < SMALL_MS,
        "op_types": dict(sorted(ops.items())), "torch_version": torch.__version__,
    }


def run_one(spec, out, force, old):
    path = os.path.join(out, spec.name + ".onnx")
    start = time.perf_counter()
    if os.path.exists(path) and not force:
        if old and "export_error" not in old and "fp32_ms" in old:
            ms = old["fp32_ms"]
        else:
            ms = fp32_ms(*build(spec))
        return describe(spec, path, ms), "kept", time.perf_counter() - start
    try:
        model, args = build(spec)
        export(spec, model, args, path)
        entry = describe(spec, path, fp32_ms(model, args))
        return entry, "exported", time.perf_counter() - start
    except Exception as e:  # one failing architecture must not stop the zoo
        if os.path.exists(path + ".tmp"):
            os.remove(path + ".tmp")
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        traceback.print_exc(limit=2, file=sys.stderr)
        entry = {"name": spec.name, "architecture": spec.arch, "opset": spec.opset,
                 "file": None, "export_error": f"{type(e).__name__}: {message}",
                 "torch_version": torch.__version__}
        return entry, "FAILED", time.perf_counter() - start


def default_out():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "pot-zoo")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="models to export (default: all)")
    parser.add_argument("--out", default=default_out(), help="output folder (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="re-export existing files")
    parser.add_argument("--list", action="store_true", help="print the model names and exit")
    opts = parser.parse_args()
    if opts.list:
        print("\n".join(s.name for s in SPECS))
        return 0
    unknown = [n for n in opts.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown model(s): {', '.join(unknown)} (see --list)")
    selected = opts.names or [s.name for s in SPECS]

    torch.set_num_threads(1)
    os.makedirs(opts.out, exist_ok=True)
    manifest_path = os.path.join(opts.out, "manifest.json")
    entries = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            entries = {e["name"]: e for e in json.load(f).get("models", [])}

    failed = 0
    for name in selected:
        entry, status, seconds = run_one(BY_NAME[name], opts.out, opts.force, entries.get(name))
        entries[name] = entry
        failed += status == "FAILED"
        if status == "FAILED":
            print(f"{name:32s} {seconds:7.1f} s  FAILED  {entry['export_error']}", flush=True)
        else:
            print(f"{name:32s} {seconds:7.1f} s  {entry['size_mb']:8.2f} MB  "
                  f"{len(entry['op_types']):3d} op types  {status}", flush=True)
        # rewrite after every model so an interrupted run keeps what it did
        ordered = [entries[s.name] for s in SPECS if s.name in entries]
        with open(manifest_path + ".tmp", "w") as f:
            json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__,
                       "models": ordered}, f, indent=1)
        os.replace(manifest_path + ".tmp", manifest_path)
    print(f"{len(selected) - failed}/{len(selected)} models in {opts.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
