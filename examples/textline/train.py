#!/usr/bin/python3
"""Renders text-line images, trains a small SVTR-style recognizer on them, exports it to ONNX and
writes the example data sets.

Usage (from the repository root, with Debian's python3 and its packages python3-torch,
python3-onnx, python3-numpy, python3-pil, fonts-dejavu-core and wamerican; python3-torch trains
about ten times faster with libopenblas0-openmp installed):

    python3 examples/textline/train.py --out examples/textline           # model and data
    python3 examples/textline/train.py --out DIR --data-only --count N    # data sets only

Text lines: one or two lower-case words (2-8 letters each, from wamerican's word list), at most
14 characters, rendered black-ish on light gray in one of eight DejaVu faces at 14-22 px, shifted,
blurred and noised at random. Every image comes from its own seed, so a set is reproducible
(same Debian packages) and the splits never share an image: training lines use seeds from 1e6
on, the evaluation split seeds 0 ... N-1, the calibration set seeds 500000 ... 500299.

Model contract:
    input  "input"  float32 [N, 1, 32, 128], grayscale, x = pixel / 255
    output "logits" float32 [N, 32, 28]: 32 steps left to right, 28 scores per step; class 0 is
           the CTC blank, class i (1..27) is ALPHABET[i - 1] (a space, then a-z)
    Greedy decoding: argmax per step, merge repeats, drop blanks.

Architecture (the shape of exported SVTR-style recognizers): a convolutional stem with
BatchNorm and GELU that turns the line into 32 column features of width 96, learned position
embeddings, three pre-norm transformer blocks (4 heads, HardSwish MLP), a final LayerNorm and a
per-step linear head. Exported at opset 13, where LayerNorm, GELU and HardSwish are spelled out.
"""

import argparse
import importlib.util
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter, ImageFont

kHeight, kWidth, kSteps = 32, 128, 32
ALPHABET = " abcdefghijklmnopqrstuvwxyz"
kClasses = len(ALPHABET) + 1
kMaxChars = 14
kWordList = "/usr/share/dict/american-english"
kFontDir = "/usr/share/fonts/truetype/dejavu"
kFonts = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansCondensed.ttf",
          "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"]
kEvaluationSeed, kCalibrationSeed, kTrainSeed = 0, 500000, 1000000
kCalibrationCount = 300

kRepo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_fmnist_tools():
    """examples/fmnist/train.py: its ONNX checking interpreter, PNG writer and export helpers."""
    path = os.path.join(kRepo, "examples", "fmnist", "train.py")
    spec = importlib.util.spec_from_file_location("fmnist_train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- rendering

def load_words():
    with open(kWordList, encoding="utf-8") as f:
        words = sorted({w.strip() for w in f if w.strip().isascii() and w.strip().isalpha()
                        and w.strip().islower() and 2 <= len(w.strip()) <= 8})
    if len(words) < 1000:
        raise SystemExit(f"{kWordList}: only {len(words)} usable words (Debian package wamerican)")
    return words


class Renderer:
    def __init__(self):
        self.words = load_words()
        self.fonts = {}
        for name in kFonts:
            path = os.path.join(kFontDir, name)
            if not os.path.exists(path):
                raise SystemExit(f"{path} not found (Debian package fonts-dejavu-core)")
            for size in range(14, 23):
                self.fonts[(name, size)] = ImageFont.truetype(path, size)

    def line(self, seed):
        """The text and the uint8 [32, 128] image of sample `seed`."""
        rng = np.random.default_rng(seed)
        while True:
            text = self.words[rng.integers(len(self.words))]
            if rng.random() < 0.5:
                text += " " + self.words[rng.integers(len(self.words))]
            if len(text) > kMaxChars:
                continue
            name = kFonts[rng.integers(len(kFonts))]
            size = int(rng.integers(14, 23))
            while size >= 14:
                font = self.fonts[(name, size)]
                left, top, right, bottom = font.getbbox(text)
                if right - left <= kWidth - 4 and bottom - top <= kHeight - 4:
                    break
                size -= 1
            if size >= 14:
                break
        background = int(rng.integers(170, 256))
        ink = int(rng.integers(0, 90))
        image = Image.new("L", (kWidth, kHeight), background)
        x = int(rng.integers(2, kWidth - (right - left) - 1)) - left
        y = (kHeight - (bottom - top)) // 2 - top + int(rng.integers(-2, 3))
        ImageDraw.Draw(image).text((x, y), text, fill=ink, font=font)
        if rng.random() < 0.5:
            image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))
        pixels = np.asarray(image, dtype=np.float32)
        pixels += rng.normal(0.0, float(rng.uniform(0.0, 12.0)), pixels.shape)
        return text, np.clip(np.rint(pixels), 0, 255).astype(np.uint8)

    def batch(self, seeds):
        texts, images = zip(*(self.line(int(s)) for s in seeds))
        return list(texts), np.stack(images)


def write_set(folder, renderer, first_seed, count, fmnist):
    """PNGs 0000.png ... and labels.json (file name -> text) for seeds first_seed ..."""
    os.makedirs(folder, exist_ok=True)
    labels = {}
    for i in range(count):
        text, image = renderer.line(first_seed + i)
        name = f"{i:04d}.png"
        with open(os.path.join(folder, name), "wb") as f:
            f.write(fmnist.png_gray8(image))
        labels[name] = text
    with open(os.path.join(folder, "labels.json"), "w") as f:
        json.dump(labels, f, indent=0, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------- model

class Block(nn.Module):
    """Pre-norm encoder block with a HardSwish MLP (as in SVTR / PP-OCR recognizers)."""

    def __init__(self, dim, heads, tokens, fmnist):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = fmnist.Attention(dim, heads, tokens)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 2), nn.Hardswish(), nn.Linear(dim * 2, dim))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def conv_bn_gelu(cin, cout, kernel, stride, padding):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout),
                         nn.GELU())


class TextRecognizer(nn.Module):
    kDim, kHeads, kDepth = 96, 4, 3

    def __init__(self, fmnist):
        super().__init__()
        d = self.kDim
        self.stem = nn.Sequential(
            conv_bn_gelu(1, 32, 3, 2, 1),          # 16 x 64
            conv_bn_gelu(32, 64, 3, 2, 1),         # 8 x 32
            conv_bn_gelu(64, 64, 3, (2, 1), 1),    # 4 x 32
            nn.Conv2d(64, d, (4, 1)),              # 1 x 32
        )
        self.position = nn.Parameter(torch.randn(1, kSteps, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, self.kHeads, kSteps, fmnist) for _ in range(self.kDepth)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, kClasses)

    def forward(self, x):
        tokens = self.stem(x).reshape(-1, self.kDim, kSteps).transpose(1, 2) + self.position
        return self.head(self.norm(self.blocks(tokens)))


# ---------------------------------------------------------------- training

def encode(texts):
    targets = torch.tensor([ALPHABET.index(c) + 1 for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return targets, lengths


def greedy_decode(logits):
    """Texts of a [N, steps, classes] batch: argmax per step, repeats merged, blanks dropped."""
    out = []
    for row in logits.argmax(-1).tolist():
        chars, previous = [], 0
        for k in row:
            if k != previous and k != 0:
                chars.append(ALPHABET[k - 1])
            previous = k
        out.append("".join(chars))
    return out


def exact_match(predict, x, texts, batch=500):
    right = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            right += sum(p == t for p, t in zip(greedy_decode(predict(x[i:i + batch])), texts[i:i + batch]))
    return right / x.shape[0]


def to_input(images_u8):
    return torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)


def train(model, train_x, train_texts, test_x, test_texts, epochs, lr, batch, seed):
    generator = torch.Generator().manual_seed(seed)
    steps = (train_x.shape[0] + batch - 1) // batch
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=steps,
                                                   pct_start=0.15)
    print(f"[textline] {sum(p.numel() for p in model.parameters())} parameters, {epochs} epochs, "
          f"{train_x.shape[0]} lines, batch {batch}, AdamW lr {lr}", flush=True)
    input_lengths = torch.full((batch,), kSteps, dtype=torch.long)
    for epoch in range(epochs):
        model.train()
        start, total = time.time(), 0.0
        order = torch.randperm(train_x.shape[0], generator=generator)
        for step in range(steps):
            index = order[step * batch:(step + 1) * batch]
            targets, lengths = encode([train_texts[i] for i in index.tolist()])
            log_probs = F.log_softmax(model(train_x[index]), dim=-1).transpose(0, 1)
            loss = F.ctc_loss(log_probs, targets, input_lengths[:index.shape[0]], lengths, zero_infinity=True)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            total += float(loss)
        model.eval()
        acc = exact_match(model, test_x, test_texts)
        print(f"[textline] epoch {epoch + 1}/{epochs}: loss {total / steps:.4f}, "
              f"exact match {acc * 100:.2f}%, {time.time() - start:.0f}s", flush=True)
    return model.eval()


def export(model, path, fmnist):
    dummy = torch.zeros(1, 1, kHeight, kWidth)
    # PRESERVE keeps BatchNormalization as its own node, as in examples/fmnist (eval-mode model).
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    torch.onnx.export(model, dummy, path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE)
    import onnx
    proto = onnx.load(path)
    proto.doc_string = ("Text-line recognizer: input float32 [N,1,32,128] = pixel/255 (grayscale); output "
                        f"logits [N,32,28], CTC blank 0, class i = {ALPHABET!r}[i-1]")
    onnx.save(proto, path)
    onnx.checker.check_model(proto, full_check=True)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--data-only", action="store_true", help="write the data sets, do not train")
    p.add_argument("--count", type=int, default=1000, help="evaluation lines (default 1000)")
    p.add_argument("--train-lines", type=int, default=24000)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=20241204)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    fmnist = load_fmnist_tools()
    renderer = Renderer()

    start = time.time()
    write_set(os.path.join(args.out, "data", "calibration"), renderer, kCalibrationSeed, kCalibrationCount, fmnist)
    write_set(os.path.join(args.out, "data", "evaluation"), renderer, kEvaluationSeed, args.count, fmnist)
    print(f"[textline] wrote {kCalibrationCount} calibration and {args.count} evaluation lines under "
          f"{os.path.join(args.out, 'data')} ({time.time() - start:.1f}s)", flush=True)
    if args.data_only:
        return

    torch.manual_seed(args.seed)
    start = time.time()
    train_texts, train_images = renderer.batch(range(kTrainSeed, kTrainSeed + args.train_lines))
    test_texts, test_images = renderer.batch(range(kEvaluationSeed, kEvaluationSeed + args.count))
    print(f"[textline] rendered {args.train_lines} training lines ({time.time() - start:.0f}s)", flush=True)
    model = train(TextRecognizer(fmnist), to_input(train_images), train_texts, to_input(test_images), test_texts,
                  args.epochs, args.lr, args.batch, args.seed)
    path = os.path.join(args.out, "textline_svtr.onnx")
    export(model, path, fmnist)
    runner = fmnist.OnnxTorchRunner(path)
    test_x = to_input(test_images)
    with torch.no_grad():
        gap = float((runner(test_x[:64]) - model(test_x[:64])).abs().max())
    acc = exact_match(runner, test_x, test_texts)
    print(f"[textline] exported {path} ({os.path.getsize(path)} bytes), max |onnx - torch| {gap:.2e}")
    print(f"[textline] ONNX exact match on the {args.count} evaluation lines: {acc * 100:.2f}%")
    print(f"[textline] ops: {fmnist.describe_ops(path)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
