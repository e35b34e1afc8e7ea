#!/usr/bin/python3
"""Trains the bundled Fashion-MNIST models, exports them to ONNX and writes the example data sets.

Usage (from the repository root, with Debian's python3 and its packages
python3-torch, python3-onnx, python3-numpy and dataset-fashion-mnist):

    python3 examples/fmnist/train.py --out examples/fmnist              # everything
    python3 examples/fmnist/train.py --out examples/fmnist --model cnn  # one model only
    python3 examples/fmnist/train.py --out examples/fmnist --model none # data sets only
    python3 examples/fmnist/train.py --out examples/fmnist --no-data    # models only

--model may be repeated (cnn, mobilenet, resnet, vit, all, none). If `python3` on PATH is not
Debian's interpreter (e.g. a pyenv shim), run /usr/bin/python3 instead.

Model contract (all models):
    input  "input"  float32 [N, 1, 28, 28], NCHW, grayscale, x = pixel / 255 (no mean subtraction)
    output "logits" float32 [N, 10], class index = argmax (see data/classes.txt)
    N is a dynamic axis.

Written to --out:
    fmnist_cnn.onnx, fmnist_mobilenet.onnx, fmnist_resnet.onnx, fmnist_vit.onnx
    data/calibration/000.png ... 299.png + labels.txt   (training set, 30 per class)
    data/evaluation/images-idx3-ubyte, labels-idx1-ubyte  (first 2000 test images)
    data/classes.txt

Training is seeded and single-process; on the same machine and thread count it repeats
bit for bit. The exported graphs are checked with onnx.checker and then run by a small
torch-based ONNX interpreter (below) on the whole test set, so the printed accuracy is
that of the .onnx file itself, not of the PyTorch module it came from.
"""

import argparse
import gzip
import os
import struct
import sys
import time
import warnings
import zlib

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

kDataDir = "/usr/share/datasets/fashion-mnist"
kClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
kCalibrationPerClass = 30
kEvaluationCount = 2000
kBatchSize = 128
kEvalBatchSize = 500


# ---------------------------------------------------------------- data

def read_idx(path):
    """Reads an idx file (optionally .gz) into a uint8 numpy array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not a uint8 idx file")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims} bytes of data, found {data.size}")
    return data.reshape(dims)


def find_idx(data_dir, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{stem}[.gz] not found in {data_dir}; install dataset-fashion-mnist "
                            f"or pass --data-dir")


def load_fmnist(data_dir):
    """Returns (train_images, train_labels, test_images, test_labels) as uint8 numpy arrays."""
    parts = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    return tuple(read_idx(find_idx(data_dir, p)) for p in parts)


def to_input(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28] in [0,1]: the models' preprocessing."""
    return torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)


def write_idx(path, array_u8):
    magic = 2051 if array_u8.ndim == 3 else 2049
    with open(path, "wb") as f:
        f.write(struct.pack(">I", magic))
        f.write(struct.pack(f">{array_u8.ndim}I", *array_u8.shape))
        f.write(np.ascontiguousarray(array_u8, dtype=np.uint8).tobytes())


def png_gray8(image_u8):
    """Encodes a 2-D uint8 array as an 8-bit grayscale PNG (no Pillow/OpenCV needed)."""
    h, w = image_u8.shape

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xffffffff)

    rows = b"".join(b"\x00" + image_u8[y].tobytes() for y in range(h))  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def write_datasets(out_dir, train_x, train_y, test_x, test_y, seed):
    data_dir = os.path.join(out_dir, "data")
    calib_dir = os.path.join(data_dir, "calibration")
    eval_dir = os.path.join(data_dir, "evaluation")
    os.makedirs(calib_dir, exist_ok=True)
    os.makedirs(eval_dir, exist_ok=True)

    rng = np.random.RandomState(seed)
    picked = []
    for c in range(len(kClassNames)):
        members = np.flatnonzero(train_y == c)
        picked.extend(rng.choice(members, kCalibrationPerClass, replace=False).tolist())
    picked = rng.permutation(np.array(picked))
    lines = []
    for i, index in enumerate(picked):
        name = f"{i:03d}.png"
        with open(os.path.join(calib_dir, name), "wb") as f:
            f.write(png_gray8(train_x[index]))
        lines.append(f"{name} {int(train_y[index])}\n")
    with open(os.path.join(calib_dir, "labels.txt"), "w") as f:
        f.writelines(lines)

    write_idx(os.path.join(eval_dir, "images-idx3-ubyte"), test_x[:kEvaluationCount])
    write_idx(os.path.join(eval_dir, "labels-idx1-ubyte"), test_y[:kEvaluationCount])
    with open(os.path.join(data_dir, "classes.txt"), "w") as f:
        f.writelines(n + "\n" for n in kClassNames)

    # Read everything back so a broken writer cannot go unnoticed.
    assert (read_idx(os.path.join(eval_dir, "images-idx3-ubyte")) == test_x[:kEvaluationCount]).all()
    assert (read_idx(os.path.join(eval_dir, "labels-idx1-ubyte")) == test_y[:kEvaluationCount]).all()
    for i, index in enumerate(picked):
        with open(os.path.join(calib_dir, f"{i:03d}.png"), "rb") as f:
            assert (decode_png_gray8(f.read()) == train_x[index]).all()
    counts = np.bincount(train_y[picked], minlength=len(kClassNames))
    print(f"data: {len(picked)} calibration PNGs (per class {counts.tolist()}), "
          f"{kEvaluationCount} evaluation images, written to {data_dir}")


def decode_png_gray8(blob):
    """Decodes the PNGs png_gray8 writes (8-bit grayscale, filter 0); used only to self-check."""
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind, payload = blob[pos + 4:pos + 8], blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", payload[:8])
        elif kind == b"IDAT":
            idat += payload
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w + 1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:]


# ---------------------------------------------------------------- models

class FmnistCnn(nn.Module):
    """Plain CNN: Conv+BN+ReLU, MaxPool, Conv+BN+ReLU, MaxPool, Conv+ReLU, Flatten, Gemm, ReLU, Gemm."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),                                   # 14x14
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),                                   # 7x7
            nn.Conv2d(64, 64, 3), nn.ReLU(),                   # 5x5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.4),
            nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def conv_bn_act(cin, cout, kernel, stride=1, groups=1, act=nn.ReLU6):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 linear projection, skip when shapes match."""

    def __init__(self, cin, cout, stride, expand, act):
        super().__init__()
        hidden = cin * expand
        layers = [conv_bn_act(cin, hidden, 1, act=act)] if expand != 1 else []
        layers += [conv_bn_act(hidden, hidden, 3, stride, groups=hidden, act=act),
                   conv_bn_act(hidden, cout, 1, act=None)]
        self.block = nn.Sequential(*layers)
        self.use_skip = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_skip else y


class FmnistMobileNet(nn.Module):
    """MobileNetV2-like: ReLU6 in the 28x28/14x14 stages, HardSwish in the 7x7 stage and the head."""

    def __init__(self):
        super().__init__()
        relu6, hswish = nn.ReLU6, nn.Hardswish
        self.features = nn.Sequential(
            conv_bn_act(1, 16, 3, act=relu6),                  # 28x28
            InvertedResidual(16, 16, 1, 1, relu6),
            InvertedResidual(16, 24, 2, 4, relu6),             # 14x14
            InvertedResidual(24, 24, 1, 4, relu6),
            InvertedResidual(24, 40, 2, 4, hswish),            # 7x7
            InvertedResidual(40, 40, 1, 4, hswish),
            InvertedResidual(40, 48, 1, 4, hswish),
            conv_bn_act(48, 192, 1, act=hswish),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(192, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """ResNet basic block; a strided or widening block gets a 1x1 Conv+BN shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + skip)


class FmnistResNet(nn.Module):
    """ResNet-like: stem, two stages of two basic blocks, each stage opened by a stride-2 block."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.stages = nn.Sequential(
            BasicBlock(32, 32, 2), BasicBlock(32, 32, 1),      # 14x14
            BasicBlock(32, 64, 2), BasicBlock(64, 64, 1),      # 7x7
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


class Attention(nn.Module):
    """Multi-head self-attention with one fused qkv projection, written out so it exports as
    MatMul / Softmax / Transpose / Reshape nodes (the form exported transformers have)."""

    def __init__(self, dim, heads, tokens):
        super().__init__()
        self.heads, self.head_dim, self.tokens = heads, dim // heads, tokens
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        # Literal token and head counts keep the Reshape shapes constant in the export
        # (no Shape / Gather / Concat chains); only the batch dimension is dynamic.
        qkv = self.qkv(x).reshape(-1, self.tokens, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attention = torch.softmax((q @ k.transpose(-2, -1)) * self.head_dim ** -0.5, dim=-1)
        y = (attention @ v).transpose(1, 2).reshape(-1, self.tokens, self.heads * self.head_dim)
        return self.proj(y)


class TransformerBlock(nn.Module):
    """Pre-norm encoder block: x + attention(LN(x)), then x + MLP(LN(x)) with an exact GELU."""

    def __init__(self, dim, heads, tokens, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = Attention(dim, heads, tokens)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.GELU(), nn.Linear(dim * mlp_ratio, dim))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class FmnistViT(nn.Module):
    """Small vision transformer: a three-convolution patch embedding (28x28 -> 7x7 = 49 tokens of
    width 64; a convolutional stem trains better than one large patch projection) with learned
    position embeddings, four pre-norm blocks of four heads, a final
    LayerNorm, mean pooling over the tokens and a linear head. Exported at opset 13, where
    LayerNorm and GELU are spelled out (ReduceMean / Sub / Pow / Sqrt / Div and Erf), as
    they are in most exported transformers."""

    kDim, kHeads, kDepth, kTokens = 64, 4, 4, 49

    def __init__(self):
        super().__init__()
        d = self.kDim
        self.patch = nn.Sequential(
            nn.Conv2d(1, d // 2, 3, 1, 1, bias=False), nn.BatchNorm2d(d // 2), nn.GELU(),
            nn.Conv2d(d // 2, d, 3, 2, 1, bias=False), nn.BatchNorm2d(d), nn.GELU(),
            nn.Conv2d(d, d, 3, 2, 1))
        self.position = nn.Parameter(torch.randn(1, self.kTokens, d) * 0.02)
        self.blocks = nn.Sequential(*[TransformerBlock(d, self.kHeads, self.kTokens, 2)
                                      for _ in range(self.kDepth)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)

    def forward(self, x):
        tokens = self.patch(x).reshape(-1, self.kDim, self.kTokens).transpose(1, 2) + self.position
        return self.head(self.norm(self.blocks(tokens)).mean(1))


# name -> (class, epochs, peak learning rate, opset)
# MobileNet uses opset 14 so nn.Hardswish exports as one HardSwish node
# (opset 13 spells it HardSigmoid + Mul).
kModels = {
    "cnn": (FmnistCnn, 6, 2e-3, 13),
    "mobilenet": (FmnistMobileNet, 6, 4e-3, 14),
    "resnet": (FmnistResNet, 6, 3e-3, 13),
    "vit": (FmnistViT, 30, 2e-3, 13),
}


# AdamW weight decay; the transformer takes the stronger decay transformers are usually trained with.
kWeightDecay = {"vit": 0.05}


# ---------------------------------------------------------------- training

def augment(x, generator):
    """Random horizontal flip and a random shift of up to 2 pixels (zero fill)."""
    n = x.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = F.pad(x, (2, 2, 2, 2))
    oy = torch.randint(0, 5, (n,), generator=generator)
    ox = torch.randint(0, 5, (n,), generator=generator)
    ar = torch.arange(28)
    iy = (oy[:, None] + ar)[:, :, None]
    ix = (ox[:, None] + ar)[:, None, :]
    return padded[torch.arange(n)[:, None, None], 0, iy, ix].unsqueeze(1)


def evaluate(predict, x, y):
    """Top-1 accuracy of `predict` (a batch -> logits function) over x, y."""
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], kEvalBatchSize):
            logits = predict(x[i:i + kEvalBatchSize])
            correct += int((logits.argmax(1) == y[i:i + kEvalBatchSize]).sum())
    return correct / x.shape[0]


def train(name, train_x, train_y, test_x, test_y, seed):
    cls, epochs, lr, _ = kModels[name]
    torch.manual_seed(seed)
    model = cls()
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = (train_x.shape[0] + kBatchSize - 1) // kBatchSize
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=kWeightDecay.get(name, 5e-4))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs,
                                                   steps_per_epoch=steps_per_epoch, pct_start=0.25)
    # channels_last makes CPU training about 1.5x faster here; export converts back.
    model = model.to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    print(f"[{name}] {params} parameters, {epochs} epochs, batch {kBatchSize}, AdamW lr {lr}")
    for epoch in range(epochs):
        model.train()
        start = time.time()
        order = torch.randperm(train_x.shape[0], generator=generator)
        total_loss = 0.0
        for step in range(steps_per_epoch):
            batch = order[step * kBatchSize:(step + 1) * kBatchSize]
            x = augment(train_x[batch], generator).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(model(x), train_y[batch], label_smoothing=0.05)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total_loss += float(loss)
        model.eval()
        acc = evaluate(model, test_x, test_y)
        print(f"[{name}] epoch {epoch + 1}/{epochs}: loss {total_loss / steps_per_epoch:.4f}, "
              f"test acc {acc * 100:.2f}%, {time.time() - start:.0f}s", flush=True)
    return model.to(memory_format=torch.contiguous_format).eval()


# ---------------------------------------------------------------- export and check

def export(model, name, opset, path):
    dummy = torch.zeros(1, 1, 28, 28)
    # torch warns about constant folding in PRESERVE mode; it only matters for a model in training mode.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    # PRESERVE on an eval-mode model keeps BatchNormalization as its own node (EVAL would fold
    # it into the Conv); the toolkit folds BN itself and the example should exercise that.
    torch.onnx.export(model, dummy, path, opset_version=opset,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE)
    proto = onnx.load(path)
    proto.doc_string = (f"Fashion-MNIST {name}: input float32 [N,1,28,28] = pixel/255 (NCHW, grayscale), "
                        f"output logits [N,10]")
    onnx.save(proto, path)
    onnx.checker.check_model(proto, full_check=True)


class OnnxTorchRunner:
    """Runs the ONNX ops these models use with torch functions, to score the exported file."""

    def __init__(self, path):
        self.graph = onnx.load(path).graph
        self.consts = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
                       for t in self.graph.initializer}
        self.input_name = self.graph.input[0].name
        self.output_name = self.graph.output[0].name

    def __call__(self, x):
        env = dict(self.consts)
        env[self.input_name] = x
        for node in self.graph.node:
            ins = [env[n] if n else None for n in node.input]
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            outs = self.run_node(node.op_type, ins, attrs)
            for out_name, value in zip(node.output, outs):
                env[out_name] = value
        return env[self.output_name]

    @staticmethod
    def run_node(op, ins, a):
        if op == "Conv":
            pads = list(a.get("pads", [0, 0, 0, 0]))
            x = ins[0]
            if pads[:2] != pads[2:]:
                x, pads = F.pad(x, (pads[1], pads[3], pads[0], pads[2])), [0, 0, 0, 0]
            return [F.conv2d(x, ins[1], ins[2] if len(ins) > 2 else None, tuple(a.get("strides", [1, 1])),
                             tuple(pads[:2]), tuple(a.get("dilations", [1, 1])), a.get("group", 1))]
        if op == "BatchNormalization":
            x, scale, bias, mean, var = ins[:5]
            return [F.batch_norm(x, mean, var, scale, bias, False, 0.0, a.get("epsilon", 1e-5))]
        if op == "Relu":
            return [F.relu(ins[0])]
        if op == "Clip":
            lo = float(ins[1]) if len(ins) > 1 and ins[1] is not None else a.get("min", -float("inf"))
            hi = float(ins[2]) if len(ins) > 2 and ins[2] is not None else a.get("max", float("inf"))
            return [ins[0].clamp(lo, hi)]
        if op == "HardSwish":
            return [ins[0] * (ins[0] / 6 + 0.5).clamp(0, 1)]
        if op == "HardSigmoid":
            return [(ins[0] * a.get("alpha", 0.2) + a.get("beta", 0.5)).clamp(0, 1)]
        if op == "Add":
            return [ins[0] + ins[1]]
        if op == "Mul":
            return [ins[0] * ins[1]]
        if op == "MaxPool":
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if pads[:2] != pads[2:]:
                raise NotImplementedError("asymmetric MaxPool pads")
            return [F.max_pool2d(ins[0], tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])),
                                 tuple(pads[:2]), ceil_mode=bool(a.get("ceil_mode", 0)))]
        if op == "GlobalAveragePool":
            return [ins[0].mean(dim=(2, 3), keepdim=True)]
        if op == "Flatten":
            axis = a.get("axis", 1)
            return [ins[0].reshape(int(torch.tensor(ins[0].shape[:axis]).prod()), -1)]
        if op == "Gemm":
            m, w = ins[0], ins[1]
            if a.get("transA", 0):
                m = m.t()
            if a.get("transB", 0):
                w = w.t()
            y = a.get("alpha", 1.0) * (m @ w)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
            return [y]
        if op == "Identity":
            return [ins[0]]
        if op in ("Sub", "Div", "Pow"):
            fn = {"Sub": torch.sub, "Div": torch.div, "Pow": torch.pow}[op]
            return [fn(ins[0], ins[1])]
        if op in ("Sqrt", "Erf"):
            return [{"Sqrt": torch.sqrt, "Erf": torch.erf}[op](ins[0])]
        if op == "MatMul":
            return [ins[0] @ ins[1]]
        if op == "ReduceMean":
            return [ins[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))]
        if op == "Softmax":
            return [torch.softmax(ins[0], dim=a.get("axis", -1))]
        if op == "Transpose":
            return [ins[0].permute(*a["perm"])]
        if op == "Reshape":
            shape = [int(d) for d in ins[1]]
            shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            return [ins[0].reshape(shape)]
        if op == "Gather":
            index = ins[1].long()
            return [torch.index_select(ins[0], a.get("axis", 0), index.reshape(-1)).reshape(
                ins[0].shape[:a.get("axis", 0)] + index.shape + ins[0].shape[a.get("axis", 0) + 1:])]
        if op == "Constant":
            return [torch.from_numpy(numpy_helper.to_array(a["value"]).copy())]
        raise NotImplementedError(f"op {op} is not supported by the checking interpreter")


def describe_ops(path):
    counts = {}
    for node in onnx.load(path).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return ", ".join(f"{op} x{n}" for op, n in sorted(counts.items()))


# ---------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                   help="output folder (default: this script's folder)")
    p.add_argument("--data-dir", default=kDataDir, help="folder with the Fashion-MNIST idx(.gz) files")
    p.add_argument("--model", action="append", choices=list(kModels) + ["all", "none"],
                   help="model to train (repeatable); default all")
    p.add_argument("--no-data", action="store_true", help="do not (re)write data/")
    p.add_argument("--epochs", type=int, help="override the epoch count (for quick trials)")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    chosen = args.model or ["all"]
    names = [] if "none" in chosen else list(kModels) if "all" in chosen else list(dict.fromkeys(chosen))
    os.makedirs(args.out, exist_ok=True)

    train_x8, train_y8, test_x8, test_y8 = load_fmnist(args.data_dir)
    if not args.no_data:
        write_datasets(args.out, train_x8, train_y8, test_x8, test_y8, args.seed)

    train_x, test_x = to_input(train_x8), to_input(test_x8)
    train_y, test_y = torch.from_numpy(train_y8.astype(np.int64)), torch.from_numpy(test_y8.astype(np.int64))
    for name in names:
        if args.epochs:
            cls, _, lr, opset = kModels[name]
            kModels[name] = (cls, args.epochs, lr, opset)
        model = train(name, train_x, train_y, test_x, test_y, args.seed)
        path = os.path.join(args.out, f"fmnist_{name}.onnx")
        export(model, name, kModels[name][3], path)
        runner = OnnxTorchRunner(path)
        with torch.no_grad():
            gap = float((runner(test_x[:256]) - model(test_x[:256])).abs().max())
        full = evaluate(runner, test_x, test_y)
        subset = evaluate(runner, test_x[:kEvaluationCount], test_y[:kEvaluationCount])
        print(f"[{name}] exported {path} ({os.path.getsize(path)} bytes, opset {kModels[name][3]}), "
              f"max |onnx - torch| {gap:.2e}")
        print(f"[{name}] ONNX test accuracy: full 10000 {full * 100:.2f}%, "
              f"first {kEvaluationCount} {subset * 100:.2f}%")
        print(f"[{name}] ops: {describe_ops(path)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
