#!/usr/bin/python3
"""Writes the bad-input corpus: one folder per case under OUT/<category>/<case>/, each a pot-host
run that must fail cleanly (see run.sh for what is checked).

Usage: /usr/bin/python3 generate.py OUT PLUGIN_DIR

A case folder holds config.json and the files it names, plus:
  args     pot-host arguments, one a line; @PLUGINS@ stands for the plugin folder under test
  expect   what the "error: " line must name (file, node or JSON path); alternatives split by '|'
  mention  optional: text stderr must hold somewhere (e.g. the name of a skipped plugin file)
Cases start from a tiny valid model and data set (OUT/base) and break one thing each. Everything
comes from a fixed seed: the same OUT for the same PLUGIN_DIR.
"""

import copy
import json
import os
import random
import shutil
import struct
import sys
import zlib

import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz"))
import tiny_inputs as tiny  # noqa: E402

SEED = 1234
SIDE = tiny.SIDE
SAMPLES = 4


class Corpus:
    def __init__(self, out, plugin_dir):
        self.out = out
        self.plugin_dir = plugin_dir
        self.base = os.path.join(out, "base")
        self.count = 0
        self.names = set()

    def case(self, category, name, config, files=None, expect=None, mention=None, plugins=None,
             extra_args=()):
        """Writes one case. `files` maps a path inside the case folder to bytes, a str (text), or
        a callable taking the absolute path (for FIFOs, folders and links)."""
        key = (category, name)
        assert key not in self.names, key
        self.names.add(key)
        folder = os.path.join(self.out, category, name)
        os.makedirs(folder)
        for rel, content in (files or {}).items():
            path = os.path.join(folder, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if callable(content):
                content(path)
            else:
                with open(path, "wb") as f:
                    f.write(content.encode() if isinstance(content, str) else content)
        if config is not None:
            text = config if isinstance(config, (str, bytes)) else json.dumps(config, indent=1)
            if "config.json" not in (files or {}):
                with open(os.path.join(folder, "config.json"), "wb") as f:
                    f.write(text.encode() if isinstance(text, str) else text)
        args = ["--plugins", plugins or "@PLUGINS@", "-c", "config.json", "--output-dir", "out"]
        args += list(extra_args)
        with open(os.path.join(folder, "args"), "w") as f:
            f.write("\n".join(args) + "\n")
        with open(os.path.join(folder, "expect"), "w") as f:
            f.write((expect if isinstance(expect, str) else "|".join(expect)) + "\n")
        if mention:
            with open(os.path.join(folder, "mention"), "w") as f:
                f.write(mention + "\n")
        self.count += 1


# --- the valid starting point -----------------------------------------------------------------

def write_base(corpus, rng):
    base = corpus.base
    os.makedirs(base)
    model = tiny.classifier_model(rng, 1)
    with open(os.path.join(base, "tiny.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    images = os.path.join(base, "images")
    os.makedirs(images)
    names = ["%03d.png" % i for i in range(SAMPLES)]
    for n in names:
        with open(os.path.join(images, n), "wb") as f:
            f.write(tiny.png(tiny.gray_image(rng)))
    with open(os.path.join(base, "labels.txt"), "wb") as f:
        f.write(tiny.labels_text(names, [i % tiny.CLASSES for i in range(SAMPLES)]))
    return model


def config(model="../../base/tiny.onnx", data="../../base/images", name="tiny", **engine_extra):
    """A valid config for the tiny model, its paths relative to a case folder."""
    c = {
        "model": {"model_name": name, "model": model},
        "engine": {"backend": "reference", "data_source": data,
                   "preprocessing": {"color": "GRAY", "scale": [255]}},
        "compression": {"target_device": "CPU",
                        "algorithms": [{"name": "MinMaxQuantization",
                                        "params": {"preset": "performance", "stat_subset_size": SAMPLES}}]},
    }
    c["engine"].update(engine_extra)
    return c


# --- ONNX models ------------------------------------------------------------------------------

def model_is_valid(data):
    """True when the ONNX library accepts `data` as a model: such a mutant may be a valid model,
    so it is no bad-input case."""
    try:
        m = onnx.load_from_string(data)
        onnx.checker.check_model(m, full_check=True)
        return True
    except Exception:
        return False


def mutated_models(corpus, rng, seeds):
    """Truncations, bit flips and overwritten byte runs of valid models, kept only when the ONNX
    library rejects them. The error may name the file, or a node or value of the model."""
    kept = 0
    for seed_name, data in seeds.items():
        seed = onnx.load_from_string(data)
        expect = ["model.onnx"] + ["'%s'" % n.name for n in seed.graph.node] + ["'%s'" % i.name for i in seed.graph.input]
        cuts = sorted(set(int(x) for x in rng.integers(1, len(data), 40))) + [0]
        for cut in cuts:
            mutant = data[:cut]
            if cut and model_is_valid(mutant):
                continue
            corpus.case("onnx_mutated", "%s_truncated_%d" % (seed_name, cut),
                        config(model="model.onnx"), {"model.onnx": mutant}, expect=expect)
            kept += 1
        for i in range(120):
            mutant = bytearray(data)
            flips = int(rng.integers(1, 4))
            for _ in range(flips):
                at = int(rng.integers(0, len(data)))
                mutant[at] ^= 1 << int(rng.integers(0, 8))
            mutant = bytes(mutant)
            if model_is_valid(mutant):
                continue
            corpus.case("onnx_mutated", "%s_bitflip_%d" % (seed_name, i),
                        config(model="model.onnx"), {"model.onnx": mutant}, expect=expect)
            kept += 1
        for i in range(40):
            mutant = bytearray(data)
            at = int(rng.integers(0, len(data)))
            run = int(rng.integers(1, 16))
            mutant[at:at + run] = rng.integers(0, 256, run, dtype=np.uint8).tobytes()
            mutant = bytes(mutant)
            if model_is_valid(mutant):
                continue
            corpus.case("onnx_mutated", "%s_overwrite_%d" % (seed_name, i),
                        config(model="model.onnx"), {"model.onnx": mutant}, expect=expect)
            kept += 1
    return kept


def conv_graph(w, b=None, x_shape=(1, 1, SIDE, SIDE), y_shape=None, opset=tiny.OPSET, conv_attrs=None,
               extra_nodes=(), x_type=TensorProto.FLOAT, outputs=None, inputs=None):
    """x -> Conv 'conv' (weight w, bias b) -> Relu 'relu' -> y, not checked: the point is to break it."""
    attrs = {"pads": [1, 1, 1, 1]} if conv_attrs is None else conv_attrs
    inits = [tiny.tensor("conv.weight", w)]
    conv_inputs = ["x", "conv.weight"]
    if b is not None:
        inits.append(tiny.tensor("conv.bias", b))
        conv_inputs.append("conv.bias")
    nodes = [helper.make_node("Conv", conv_inputs, ["c"], name="conv", **attrs),
             helper.make_node("Relu", ["c"], ["y"], name="relu")] + list(extra_nodes)
    outs = outputs if outputs is not None else [tiny.io("y", list(y_shape) if y_shape else None)]
    ins = inputs if inputs is not None else [tiny.io("x", list(x_shape), x_type)]
    return tiny.make_model(nodes, ins, outs, inits, opset=opset, check=False)


def weights(rng, shape, fill=None):
    w = rng.uniform(-1, 1, shape).astype(np.float32)
    if fill is not None:
        w.flat[int(rng.integers(0, w.size))] = fill
    return w


def crafted_models(corpus, rng):
    cases = {}
    w = weights(rng, (4, 1, 3, 3))
    # Shapes that disagree.
    cases["weight_rank_5"] = (conv_graph(weights(rng, (4, 1, 3, 3, 1))), "conv")
    cases["weight_rank_2"] = (conv_graph(weights(rng, (4, 9))), "conv")
    cases["weight_in_channels_3"] = (conv_graph(weights(rng, (4, 3, 3, 3))), "conv")
    cases["input_rank_3"] = (conv_graph(w, x_shape=(1, SIDE, SIDE)), "conv|x")
    cases["input_channels_2"] = (conv_graph(w, x_shape=(1, 2, SIDE, SIDE)), "conv")
    cases["kernel_larger_than_input"] = (conv_graph(weights(rng, (4, 1, 12, 12)), conv_attrs={}), "conv")
    for n in [1, 2, 3, 5, 8]:
        cases["bias_%d_for_4_channels" % n] = (conv_graph(w, rng.uniform(-1, 1, n).astype(np.float32)), "conv")
    cases["bias_rank_2"] = (conv_graph(w, np.zeros((4, 1), np.float32)), "conv")
    cases["bias_int64"] = (conv_graph(w, np.zeros(4, np.int64)), "conv")
    cases["weight_int32"] = (conv_graph(w.astype(np.int32)), "conv")
    cases["weight_float16"] = (conv_graph(w.astype(np.float16)), "conv|FLOAT16")
    cases["input_double"] = (conv_graph(w, x_type=TensorProto.DOUBLE), "conv|x|DOUBLE")
    cases["input_string"] = (conv_graph(w, x_type=TensorProto.STRING), "conv|x|STRING")
    # Opsets and structure.
    for opset in [0, 6, 99, 1000000]:
        cases["opset_%d" % opset] = (conv_graph(w, opset=opset), "opset|conv")
    cases["no_outputs"] = (conv_graph(w, outputs=[]), "output")
    cases["no_inputs"] = (conv_graph(w, inputs=[]), "x|conv")
    cases["output_not_produced"] = (conv_graph(w, outputs=[tiny.io("nowhere", [1])]), "nowhere")
    redefine = helper.make_node("Relu", ["c"], ["x"], name="redefines_x")
    cases["node_redefines_graph_input"] = (conv_graph(w, extra_nodes=[redefine]), "redefines_x|'x'")
    redefine_init = helper.make_node("Relu", ["c"], ["conv.weight"], name="redefines_weight")
    cases["node_redefines_initializer"] = (conv_graph(w, extra_nodes=[redefine_init]), "redefines_weight|conv.weight")
    twice = helper.make_node("Relu", ["c"], ["y"], name="relu_again")
    cases["value_produced_twice"] = (conv_graph(w, extra_nodes=[twice]), "relu_again|'y'")
    # A cycle: a -> b -> a.
    cyc = tiny.make_model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="add_a"),
         helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
         helper.make_node("Relu", ["a"], ["y"], name="relu_y")],
        [tiny.io("x", [1, 1, SIDE, SIDE])], [tiny.io("y", [1, 1, SIDE, SIDE])], check=False)
    cases["cycle"] = (cyc, "add_a|relu_b")
    self_loop = tiny.make_model(
        [helper.make_node("Add", ["x", "a"], ["a"], name="self_add"),
         helper.make_node("Relu", ["a"], ["y"], name="relu_y")],
        [tiny.io("x", [1, 1, SIDE, SIDE])], [tiny.io("y", [1, 1, SIDE, SIDE])], check=False)
    cases["self_loop"] = (self_loop, "self_add")
    undefined = tiny.make_model(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="reads_ghost")],
        [tiny.io("x", [1, 1, SIDE, SIDE])], [tiny.io("y", [1, 1, SIDE, SIDE])], check=False)
    cases["input_never_defined"] = (undefined, "reads_ghost|ghost")
    # Conv attributes.
    for pad in ["SAME", "same_upper", "", "VALID_UPPER"]:
        cases["auto_pad_%s" % (pad or "empty")] = (conv_graph(w, conv_attrs={"auto_pad": pad}), "conv")
    cases["auto_pad_with_pads"] = (conv_graph(w, conv_attrs={"auto_pad": "SAME_UPPER", "pads": [1, 1, 1, 1]}), "conv")
    for k in [[0, 0], [0, 3], [3], [3, 3, 3], [-1, -1], [1 << 40, 3]]:
        cases["kernel_shape_%s" % "_".join(map(str, k)).replace("-", "m")] = (conv_graph(w, conv_attrs={"kernel_shape": k}), "conv")
    cases["zero_output_channels"] = (conv_graph(np.zeros((0, 1, 3, 3), np.float32)), "conv")
    cases["zero_kernel_dims"] = (conv_graph(np.zeros((4, 1, 0, 0), np.float32), conv_attrs={}), "conv")
    for s in [[0, 0], [-1, 1], [1 << 40, 1]]:
        cases["strides_%s" % "_".join(map(str, s)).replace("-", "m")] = (conv_graph(w, conv_attrs={"strides": s, "pads": [1, 1, 1, 1]}), "conv")
    for d in [[0, 0], [-2, 1], [1 << 40, 1]]:
        cases["dilations_%s" % "_".join(map(str, d)).replace("-", "m")] = (conv_graph(w, conv_attrs={"dilations": d}), "conv")
    for p in [[-5, -5, -5, -5], [1 << 40, 0, 0, 0], [1, 1]]:
        cases["pads_%s" % "_".join(map(str, p)).replace("-", "m")] = (conv_graph(w, conv_attrs={"pads": p}), "conv")
    for g in [0, -1, 3, 1 << 40]:
        cases["group_%s" % str(g).replace("-", "m")] = (conv_graph(w, conv_attrs={"group": g, "pads": [1, 1, 1, 1]}), "conv")
    # Weights no quantization grid holds.
    for label, value in [("3e38", 3e38), ("minus_3e38", -3e38), ("inf", np.inf), ("minus_inf", -np.inf), ("nan", np.nan)]:
        cases["weight_%s" % label] = (conv_graph(weights(rng, (4, 1, 3, 3), value)), "conv")
        cases["bias_%s" % label] = (conv_graph(w, weights(rng, (4,), value)), "conv")
    cases["weights_all_3e38"] = (conv_graph(np.full((4, 1, 3, 3), 3e38, np.float32)), "conv")
    # Huge declared dimensions.
    for dims in [(1, 1, 1 << 20, 1 << 20), (1 << 30, 1, SIDE, SIDE), (1, 1 << 30, SIDE, SIDE), (1, 1, 1 << 62, 2)]:
        cases["input_dims_%s" % "x".join(map(str, dims))] = (conv_graph(w, x_shape=dims), "x|conv")
    big = conv_graph(w)
    t = big.graph.initializer[0]
    del t.dims[:]
    t.dims.extend([1 << 20, 1 << 20, 3, 3])
    cases["weight_declares_2p40_elements"] = (big, "conv.weight")
    neg = conv_graph(w)
    del neg.graph.initializer[0].dims[:]
    neg.graph.initializer[0].dims.extend([4, -1, 3, 3])
    cases["weight_negative_dim"] = (neg, "conv.weight")
    short = conv_graph(w)
    short.graph.initializer[0].raw_data = short.graph.initializer[0].raw_data[:-4]
    cases["weight_raw_data_short"] = (short, "conv.weight")
    ext = conv_graph(w)
    ext.graph.initializer[0].data_location = TensorProto.EXTERNAL
    ext.graph.initializer[0].external_data.add(key="location", value="../../../../etc/passwd")
    cases["weight_external_data"] = (ext, "conv.weight")
    # Ops and attributes the IR cannot hold.
    sub = helper.make_graph([helper.make_node("Identity", ["x"], ["z"])], "body", [], [tiny.io("z", [1])])
    if_node = helper.make_node("If", ["cond"], ["y2"], name="the_if", then_branch=sub, else_branch=sub)
    cases["if_subgraph"] = (conv_graph(w, extra_nodes=[if_node]), "the_if")
    cases["unknown_op"] = (conv_graph(w, extra_nodes=[helper.make_node("NoSuchOp", ["y"], ["z"], name="mystery")]), "mystery|NoSuchOp")
    cases["unknown_domain"] = (conv_graph(w, extra_nodes=[helper.make_node("Relu", ["y"], ["z"], name="custom", domain="com.example")]), "custom|com.example")
    # QDQ parameters that do not fit.
    cases.update(qdq_cases(rng))
    for name, (model, expect) in cases.items():
        corpus.case("onnx_crafted", name, config(model="model.onnx"),
                    {"model.onnx": model.SerializeToString()}, expect="model.onnx|" + expect)
    # Files that are no model at all.
    raw = {
        "empty_file": b"",
        "text_file": b"this is not a model\n",
        "random_bytes": rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "json_file": json.dumps(config()).encode(),
        "png_file": tiny.png(tiny.gray_image(rng)),
        "varint_overflow": b"\x08" + b"\xff" * 20,
        "length_2gib": b"\x3a\xff\xff\xff\xff\x07",
        "nested_graphs": b"\x3a\x80\x80\x04" * 100,
    }
    for name, data in raw.items():
        corpus.case("onnx_crafted", name, config(model="model.onnx"), {"model.onnx": data}, expect="model.onnx")
    corpus.case("onnx_crafted", "model_is_a_folder", config(model="model.onnx"),
                {"model.onnx/keep": b""}, expect="model.onnx")
    corpus.case("onnx_crafted", "model_missing", config(model="nowhere.onnx"), expect="nowhere.onnx")
    corpus.case("onnx_crafted", "model_is_fifo", config(model="model.onnx"),
                {"model.onnx": os.mkfifo}, expect="model.onnx")


def qdq_cases(rng):
    """Per-channel parameters that do not match the weight, and other impossible quantization."""
    out = {}

    def qdq_weight(codes, scale, zero, axis=0, bias=None):
        inits = [tiny.tensor("w_codes", codes), tiny.tensor("w_scale", scale)]
        dq_inputs = ["w_codes", "w_scale"]
        if zero is not None:
            inits.append(tiny.tensor("w_zero", zero))
            dq_inputs.append("w_zero")
        nodes = [helper.make_node("DequantizeLinear", dq_inputs, ["w"], name="w_dq", axis=axis)]
        conv_inputs = ["x", "w"]
        if bias is not None:
            b_codes, b_scale = bias
            inits += [tiny.tensor("b_codes", b_codes), tiny.tensor("b_scale", b_scale)]
            nodes.append(helper.make_node("DequantizeLinear", ["b_codes", "b_scale"], ["b"], name="b_dq", axis=0))
            conv_inputs.append("b")
        nodes += [helper.make_node("Conv", conv_inputs, ["c"], name="conv", pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", ["c"], ["y"], name="relu")]
        return tiny.make_model(nodes, [tiny.io("x", [1, 1, SIDE, SIDE])], [tiny.io("y", None)], inits, check=False)

    codes = rng.integers(-100, 100, (4, 1, 3, 3)).astype(np.int8)
    for n in [1 + 1, 3, 5, 16]:
        out["qdq_weight_scale_%d_for_4_channels" % n] = (
            qdq_weight(codes, np.full(n, 0.01, np.float32), np.zeros(n, np.int8)), "w_dq")
    out["qdq_weight_zero_point_2_for_4"] = (qdq_weight(codes, np.full(4, 0.01, np.float32), np.zeros(2, np.int8)), "w_dq")
    for axis in [4, -5, 1 << 40]:
        out["qdq_weight_axis_%s" % str(axis).replace("-", "m")] = (
            qdq_weight(codes, np.full(4, 0.01, np.float32), np.zeros(4, np.int8), axis=axis), "w_dq")
    for label, value in [("zero", 0.0), ("negative", -0.5), ("inf", np.inf), ("nan", np.nan), ("tiny", 1e-45)]:
        out["qdq_weight_scale_%s" % label] = (
            qdq_weight(codes, np.float32(value), np.int8(0)), "w_dq")
    out["qdq_weight_scale_rank_2"] = (qdq_weight(codes, np.full((4, 1), 0.01, np.float32), None), "w_dq")
    for n in [2, 3, 7]:
        out["qdq_bias_scale_%d_for_4_channels" % n] = (
            qdq_weight(codes, np.full(4, 0.01, np.float32), np.zeros(4, np.int8),
                       bias=(np.zeros(4, np.int32), np.full(n, 1e-4, np.float32))), "b_dq")
        out["qdq_bias_%d_codes_for_4_channels" % n] = (
            qdq_weight(codes, np.full(4, 0.01, np.float32), np.zeros(4, np.int8),
                       bias=(np.zeros(n, np.int32), np.full(n, 1e-4, np.float32))), "conv|b_dq")
    return out


# --- configs ----------------------------------------------------------------------------------

def json_paths(value, path=""):
    """Every (JSON path, value) in `value`, parents before children."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from json_paths(v, path + "/" + k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from json_paths(v, "%s/%d" % (path, i))


def set_path(doc, path, value):
    parts = path.strip("/").split("/")
    node = doc
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


# Paths whose contents plugins read (parameters) are the plugins' business; the config reader
# checks everything else.
def host_checked(path):
    return "/params" not in path


# Keys without a default. Elsewhere null means "absent" (see pot/params.hpp), which is no error.
# model_name has one: the model file's name, as POT derives it.
REQUIRED = {"/model", "/engine", "/compression", "/model/model", "/engine/data_source",
            "/compression/algorithms", "/compression/algorithms/0", "/compression/algorithms/0/name"}


def config_cases(corpus, rng):
    good = config(annotation="../../base/labels.txt")
    text = json.dumps(good, indent=1)
    # Invalid JSON: every truncation of a valid file, and stray characters.
    cuts = sorted(set(int(x) for x in rng.integers(1, len(text.rstrip()) - 1, 60)))
    for cut in [0] + cuts:
        corpus.case("config", "truncated_%d" % cut, text[:cut], expect="config.json")
    # Junk right after a ':' or ',' (never inside a string, where it would be a valid value).
    structural = [i + 1 for i, ch in enumerate(text) if ch in ":,"]
    for i, junk in enumerate(["}", "{{", ",", "\x00", "\xff", "'", "/*", "NaN", "]", "\"\\u12\""]):
        at = structural[int(rng.integers(0, len(structural)))]
        corpus.case("config", "junk_%d" % i, text[:at] + junk + text[at:], expect="config.json")
    for name, doc in [("empty", ""), ("null", "null"), ("list", "[]"), ("number", "42"),
                      ("string", "\"model\""), ("binary", bytes(range(256))), ("bom_only", "\ufeff"),
                      ("duplicate_sections", text[:-2] + ", \"model\": 1}")]:
        corpus.case("config", "document_" + name, doc, expect="config.json|/model")
    # Deep nesting.
    for depth in [1000, 100000, 1000000]:
        corpus.case("config", "nested_lists_%d" % depth, "[" * depth + "]" * depth, expect="config.json")
        corpus.case("config", "nested_objects_%d" % depth, "{\"a\":" * depth + "1" + "}" * depth,
                    expect="config.json|/a")
        corpus.case("config", "unclosed_nesting_%d" % depth, "[" * depth, expect="config.json")
    deep = copy.deepcopy(good)
    deep["compression"]["algorithms"][0]["params"]["extra"] = "@DEEP@"
    deep = json.dumps(deep).replace("\"@DEEP@\"", "{\"x\": " * 5000 + "1" + "}" * 5000)
    corpus.case("config", "deep_algorithm_params", deep, expect="/compression/algorithms/0/params")
    # Wrong types, at every path the host reads.
    wrong = {"number": 7, "negative": -1, "float": 0.5, "string": "text", "bool": True, "null": None,
             "list": [1, "a"], "object": {"k": 1}}
    for path, value in json_paths(good):
        if not path or not host_checked(path):
            continue
        for label, bad in wrong.items():
            if type(bad) is type(value) or (isinstance(value, list) and label == "list"):
                continue
            if label == "null" and path not in REQUIRED:
                continue
            if "/scale" in path and label in ("number", "negative", "float"):
                continue  # a single non-zero number is a valid scale
            doc = copy.deepcopy(good)
            set_path(doc, path, bad)
            name = "type_%s_%s" % (path.strip("/").replace("/", "."), label)
            # An element of a list may be reported at the list.
            corpus.case("config", name, doc, expect=[path, path.rsplit("/", 1)[0]] if path[-1].isdigit() else path)
    # Missing required keys.
    for path in ["/model", "/engine", "/compression", "/model/model",
                 "/engine/data_source", "/compression/algorithms", "/compression/algorithms/0/name"]:
        doc = copy.deepcopy(good)
        parts = path.strip("/").split("/")
        node = doc
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        del node[parts[-1]]
        corpus.case("config", "missing_" + path.strip("/").replace("/", "."), doc, expect=path)
    # Unknown keys, at every object.
    for path, value in json_paths(good):
        if isinstance(value, dict) and host_checked(path):
            doc = copy.deepcopy(good)
            set_path(doc, path + "/unknown_key", 1) if path else doc.update(unknown_key=1)
            corpus.case("config", "unknown_key_at_%s" % (path.strip("/").replace("/", ".") or "root"), doc,
                        expect=path + "/unknown_key")
    for path, typo in [("/engine", "data_sources"), ("/model", "modelname"), ("/engine/preprocessing", "colour"),
                       ("/compression", "algorithm"), ("/compression", "target-device")]:
        doc = copy.deepcopy(good)
        set_path(doc, path + "/" + typo, 1)
        corpus.case("config", "typo_%s" % typo, doc, expect=path + "/" + typo)
    # Numbers out of range.
    numbers = [("threads", "/engine/threads", [-1, 1 << 31, 1 << 63, 1e300, 2.5]),
               ("resize", "/engine/preprocessing/resize", [0, -8, 1 << 31, 1 << 40, [8, 0], [1 << 20, 1 << 20], [8, 8, 8], 1e300]),
               ("crop", "/engine/preprocessing/crop", [0, -1, 1 << 31, [1 << 30, 1], 100]),
               ("scale", "/engine/preprocessing/scale", [0, [0], [1, 2], [1e-45], [1e39], []]),
               ("mean", "/engine/preprocessing/mean", [[1e39], [0, 0, 0, 0], [], ["x"]])]
    for label, path, values in numbers:
        for i, v in enumerate(values):
            doc = copy.deepcopy(good)
            set_path(doc, path, v)
            corpus.case("config", "range_%s_%d" % (label, i), doc, expect=path)
    huge_text = text.replace("\"stat_subset_size\": %d" % SAMPLES, "\"stat_subset_size\": " + "9" * 400)
    corpus.case("config", "range_stat_subset_size_400_digits", huge_text, expect="/compression/algorithms/0|config.json")
    for i, trials in enumerate([0, -1, 10001, 1 << 62, "many"]):
        doc = copy.deepcopy(good)
        doc["optimizer"] = {"name": "TPE", "trials": trials}
        corpus.case("config", "range_optimizer_trials_%d" % i, doc, expect="/optimizer/trials")
    for i, subset in enumerate([-1, 1e300, "all"]):
        doc = copy.deepcopy(good)
        doc["optimizer"] = {"name": "TPE", "eval_subset_size": subset}
        corpus.case("config", "range_optimizer_subset_%d" % i, doc, expect="/optimizer/eval_subset_size")
    # Names that are paths.
    # Results go to <output dir>/<model_name>/<timestamp>/: each of these names would put them
    # elsewhere (all inside the case folder, where run.sh looks for stray files).
    absolute = os.path.abspath(os.path.join(corpus.out, "config", "model_name_absolute", "escaped"))
    for label, name in [("slash", "a/b"), ("parent", "../escape"), ("dot_dot", ".."), ("dot", "."),
                        ("absolute", absolute), ("nul", "nul\u0000byte"), ("up_twice", "results/../..")]:
        doc = copy.deepcopy(good)
        doc["model"]["model_name"] = name
        corpus.case("config", "model_name_" + label, doc, expect="/model/model_name")
    doc = copy.deepcopy(good)
    doc["model"]["model_name"] = "x" * 300
    corpus.case("config", "model_name_too_long", doc, expect=["/model/model_name", "x" * 300])
    # Paths that are FIFOs or otherwise no regular file.
    fifo_cases = [("model_fifo", {"model": {"model_name": "tiny", "model": "fifo.onnx"}}, "fifo.onnx"),
                  ("data_fifo", {"engine": {"data_source": "fifo-idx3-ubyte"}}, "fifo-idx3-ubyte"),
                  ("annotation_fifo", {"engine": {"annotation": "fifo.txt"}}, "fifo.txt"),
                  ("statistics_cache_fifo", {"compression": {"statistics_cache": "fifo.json"}}, "fifo.json")]
    for name, patch, fifo in fifo_cases:
        doc = copy.deepcopy(good)
        for section, values in patch.items():
            doc[section].update(values)
        corpus.case("config", name, doc, {fifo: os.mkfifo}, expect=fifo)
    corpus.case("config", "config_is_fifo", None, {"config.json": os.mkfifo}, expect="config.json")
    corpus.case("config", "config_is_folder", None, {"config.json/keep": b""}, expect="config.json")
    corpus.case("config", "config_missing", None, {}, expect="config.json")
    # Names plugins do not know.
    for path, value in [("/compression/algorithms/0/name", "MinMaxQuantisation"), ("/engine/backend", "gpu"),
                        ("/compression/algorithms/0/name", ""), ("/engine/backend", "../../../lib/x")]:
        doc = copy.deepcopy(good)
        set_path(doc, path, value)
        corpus.case("config", "unknown_%s_%d" % (path.split("/")[-1], len(value)),
                    doc, expect=path.rsplit("/", 1)[0] if path.endswith("/name") else path)


# --- data -------------------------------------------------------------------------------------

def npy_header(descr="<f4", shape="(1, 1, 8, 8)", fortran="False", version=1):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    header += " " * ((64 - (len(header) + 11) % 64) % 64) + "\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header.encode()


def data_case(corpus, category, name, files, data="data", expect=None, model="../../base/tiny.onnx", **engine):
    """A case whose data folder (or file) `data` is made of `files`; the error must name `expect`."""
    corpus.case(category, name, config(model=model, data=data, **engine), files, expect=expect)


def npy_fits_model(data):
    """True when numpy reads `data` as an array pot could feed the tiny model."""
    import io
    try:
        a = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:
        return False
    return a.shape in [(1, 1, SIDE, SIDE), (1, SIDE, SIDE)] and a.dtype.str in ("<f4", "<f8", "|i1", "|u1", "<i4", "<i8")


def npy_cases(corpus, rng):
    good = tiny.npy(rng.standard_normal((1, 1, SIDE, SIDE)).astype(np.float32))
    others = {"data/a.npy": good, "data/b.npy": good}
    bad = {
        "empty": b"",
        "magic_only": b"\x93NUMPY",
        "bad_magic": b"\x93NUMPZ\x01\x00" + good[8:],
        "version_9": b"\x93NUMPY\x09\x00" + good[8:],
        "header_len_past_end": good[:8] + b"\xff\xff" + good[10:40],
        "v2_header_len_4gib": b"\x93NUMPY\x02\x00\xff\xff\xff\xff{",
        "no_descr": npy_header().replace(b"'descr'", b"'dtype'") + good[128:],
        "no_shape": npy_header().replace(b"'shape'", b"'shapf'") + good[128:],
        "descr_f2": npy_header("<f2") + good[128:],
        "descr_big_endian": npy_header(">f4") + good[128:],
        "descr_object": npy_header("|O") + good[128:],
        "descr_complex": npy_header("<c8") + good[128:],
        "descr_bool": npy_header("|b1") + good[128:],
        "descr_empty": npy_header("") + good[128:],
        "fortran_order": npy_header(fortran="True") + good[128:],
        "shape_negative": npy_header(shape="(1, -1, 8, 8)") + good[128:],
        "shape_not_numbers": npy_header(shape="(1, a, 8, 8)") + good[128:],
        "shape_huge_1": npy_header(shape="(4294967296, 4294967296)") + good[128:],
        "shape_huge_2": npy_header(shape="(9223372036854775807,)") + good[128:],
        "shape_huge_3": npy_header(shape="(3037000500, 3037000500, 2)") + good[128:],
        "shape_overflows_int64": npy_header(shape="(99999999999999999999,)") + good[128:],
        "shape_product_wraps": npy_header(shape="(4294967296, 4294967296, 4294967296)") + good[128:],
        "shape_huge_f8": npy_header("<f8", shape="(4611686018427387904,)") + good[128:],
        "shape_huge_rank": npy_header(shape="(" + "1, " * 100000 + ")", version=2) + good[128:],
        "shape_wrong_for_model": tiny.npy(np.zeros((1, 3, SIDE, SIDE), np.float32)),
        "shape_rank_1": tiny.npy(np.zeros(SIDE * SIDE, np.float32)),
        "shape_scalar": tiny.npy(np.float32(1)),
        "shape_zero": tiny.npy(np.zeros((0, 1, SIDE, SIDE), np.float32)),
        "batch_2": tiny.npy(np.zeros((2, 1, SIDE, SIDE), np.float32)),
        "header_garbage": b"\x93NUMPY\x01\x00\x40\x00" + rng.integers(0, 256, 64, dtype=np.uint8).tobytes(),
        "random_bytes": rng.integers(0, 256, 300, dtype=np.uint8).tobytes(),
        "nan_header": npy_header(shape="(nan,)") + good[128:],
    }
    for cut in sorted(set(int(x) for x in rng.integers(1, len(good) - 1, 24))):
        bad["truncated_%d" % cut] = good[:cut]
    # Mutations of the descr and shape values, kept when numpy does not read a fitting array back.
    header = good[:128].decode("latin-1")
    spans = [range(header.index("'descr'"), header.index("'fortran_order'")),
             range(header.index("'shape'"), header.index(")") + 1)]
    positions = [i for span in spans for i in span]
    kept = 0
    while kept < 16:
        mutant = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            mutant[positions[int(rng.integers(0, len(positions)))]] = int(rng.integers(32, 127))
        if npy_fits_model(bytes(mutant)):
            continue
        bad["header_mutated_%d" % kept] = bytes(mutant)
        kept += 1
    for name, data in bad.items():
        files = dict(others)
        files["data/c_bad.npy"] = data
        data_case(corpus, "data_npy", name, files, expect="c_bad.npy")
    data_case(corpus, "data_npy", "folder_of_bad_only", {"data/c_bad.npy": bad["bad_magic"]}, expect="c_bad.npy")
    # Entries that are no regular file (folders, FIFOs, dangling links) are skipped by design; a
    # link that cannot be followed at all is an error.
    data_case(corpus, "data_npy", "link_loop", {"data/a.npy": good,
                                                 "data/c_bad.npy": lambda p: os.symlink("c_bad.npy", p)},
              expect="c_bad.npy")
    data_case(corpus, "data_npy", "empty_folder", {"data/readme.md": b"nothing here"}, expect="data")


def idx_cases(corpus, rng):
    images = rng.integers(0, 256, (SAMPLES, SIDE, SIDE)).astype(np.uint8)
    good_images = tiny.idx_images(images)
    good_labels = tiny.idx_labels(np.arange(SAMPLES) % tiny.CLASSES)

    def header(magic, n, h, w):
        return struct.pack(">IIII", magic, n, h, w)

    bad_images = {
        "empty": b"",
        "short_header": good_images[:15],
        "bad_magic": header(2049, SAMPLES, SIDE, SIDE) + images.tobytes(),
        "magic_3_dims_float": header(0x00000D03, SAMPLES, SIDE, SIDE) + images.tobytes(),
        "count_zero": header(2051, 0, SIDE, SIDE),
        "rows_zero": header(2051, SAMPLES, 0, SIDE) + images.tobytes(),
        "count_huge": header(2051, 0xFFFFFFFF, SIDE, SIDE) + images.tobytes(),
        "rows_huge": header(2051, 1, 0xFFFFFFFF, 0xFFFFFFFF) + images.tobytes(),
        "rows_cols_product_wraps": header(2051, 1, 0x10000, 0x10000) + images.tobytes(),
        "count_times_size_wraps": header(2051, 0x01000000, 0x100, 0x100) + images.tobytes(),
        "one_huge_image": header(2051, 1, 0x8000, 0x8000) + images.tobytes(),
        "wide_image": header(2051, 1, 1, 0x7FFFFFFF) + images.tobytes(),
        "random_bytes": rng.integers(0, 256, 1000, dtype=np.uint8).tobytes(),
    }
    for cut in sorted(set(int(x) for x in rng.integers(16, len(good_images) - 1, 16))):
        bad_images["truncated_%d" % cut] = good_images[:cut]
    for name, data in bad_images.items():
        data_case(corpus, "data_idx", "images_" + name, {"data/train-images-idx3-ubyte": data},
                  data="data/train-images-idx3-ubyte", expect="train-images-idx3-ubyte")
    bad_labels = {
        "empty": b"",
        "bad_magic": struct.pack(">II", 2051, SAMPLES) + bytes(SAMPLES),
        "count_mismatch": struct.pack(">II", 2049, SAMPLES + 1) + bytes(SAMPLES + 1),
        "count_huge": struct.pack(">II", 2049, 0xFFFFFFFF) + bytes(SAMPLES),
        "truncated": good_labels[:-2],
        "header_only": good_labels[:8],
        "random_bytes": rng.integers(0, 256, 64, dtype=np.uint8).tobytes(),
    }
    for name, data in bad_labels.items():
        data_case(corpus, "data_idx", "labels_" + name,
                  {"data/train-images-idx3-ubyte": good_images, "data/train-labels-idx1-ubyte": data},
                  data="data/train-images-idx3-ubyte", expect="train-labels-idx1-ubyte")
    data_case(corpus, "data_idx", "two_image_files",
              {"data/a-images-idx3-ubyte": good_images, "data/b-images-idx3-ubyte": good_images},
              expect="data")
    data_case(corpus, "data_idx", "idx_name_on_text_file", {"data/x-idx3-ubyte": b"hello"},
              data="data/x-idx3-ubyte", expect="x-idx3-ubyte")
    data_case(corpus, "data_idx", "labels_fifo",
              {"data/train-images-idx3-ubyte": good_images, "data/train-labels-idx1-ubyte": os.mkfifo},
              data="data/train-images-idx3-ubyte", expect="train-labels-idx1-ubyte")
    data_case(corpus, "data_idx", "images_fifo", {"data/train-images-idx3-ubyte": os.mkfifo},
              data="data/train-images-idx3-ubyte", expect="train-images-idx3-ubyte")
    data_case(corpus, "data_idx", "rgb_model_gray_idx", {"data/train-images-idx3-ubyte": good_images,
                                                         "model.onnx": tiny.classifier_model(rng, 3).SerializeToString()},
              data="data/train-images-idx3-ubyte", expect="train-images-idx3-ubyte|input|'x'",
              model="model.onnx", preprocessing={"scale": [255]})


def png_with_size(width, height, color=0, depth=8):
    """A PNG whose header declares width x height, with a tiny IDAT: decoders allocate from the
    header before they find the data missing."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def image_cases(corpus, rng):
    good = tiny.png(tiny.gray_image(rng))
    jpg = tiny.jpeg([[[10], [200]], [[128], [0]]])
    bmp = tiny.bmp(tiny.rgb_image(rng))
    tif = tiny.tiff(tiny.gray_image(rng))
    bad = {
        "empty.png": b"",
        "text.png": b"this is not a png",
        "random.png": rng.integers(0, 256, 2000, dtype=np.uint8).tobytes(),
        "signature_only.png": good[:8],
        "png_100000x100000.png": png_with_size(100000, 100000),
        "png_2p31x1.png": png_with_size(0x7FFFFFFF, 1),
        "png_1x2p31.png": png_with_size(1, 0x7FFFFFFF),
        "png_65535x65535_rgba16.png": png_with_size(65535, 65535, color=6, depth=16),
        "png_30000x30000_rgb.png": png_with_size(30000, 30000, color=2),
        "png_0x0.png": png_with_size(0, 0),
        "png_bad_depth.png": png_with_size(8, 8, depth=7),
        "png_bad_crc.png": good[:29] + b"\x00\x00\x00\x00" + good[33:],
        "png_no_idat.png": good[:33] + good[-12:],
        "bmp_huge.bmp": bmp[:18] + struct.pack("<ii", 100000, 100000) + bmp[26:],
        "bmp_negative_width.bmp": bmp[:18] + struct.pack("<ii", -8, 8) + bmp[26:],
        "bmp_bad_bits.bmp": bmp[:28] + struct.pack("<H", 7) + bmp[30:],
        "bmp_offset_past_end.bmp": bmp[:10] + struct.pack("<I", 1 << 30) + bmp[14:],
        "jpeg_truncated_header.jpg": jpg[:20],
        "jpeg_no_scan.jpg": jpg[:jpg.index(b"\xff\xda")] + b"\xff\xd9",
        "jpeg_65500x65500.jpg": jpg.replace(struct.pack(">HH", 16, 16), struct.pack(">HH", 65500, 65500), 1),
        "png_is_jpeg_truncated.png": jpg[:-20],
        "pgm_huge.png": b"P5\n100000 100000\n255\n" + bytes(64),
        "ppm_huge_maxval.png": b"P6\n8 8\n65536\n" + bytes(8 * 8 * 6),
        "hdr_huge.png": b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 100000 +X 100000\n" + bytes(64),
        "pfm_huge.png": b"PF\n100000 100000\n-1.0\n" + bytes(64),
        "sunras_huge.png": struct.pack(">IIIIIIII", 0x59a66a95, 100000, 100000, 8, 0, 1, 0, 0) + bytes(64),
    }
    # A TIFF declaring 2^20 x 2^20 pixels.
    bad["tiff_huge.tif"] = tif.replace(struct.pack("<HHII", 256, 3, 1, SIDE), struct.pack("<HHII", 256, 4, 1, 1 << 20), 1) \
        .replace(struct.pack("<HHII", 257, 3, 1, SIDE), struct.pack("<HHII", 257, 4, 1, 1 << 20), 1)
    for cut in sorted(set(int(x) for x in rng.integers(9, len(good) - 12, 12))):
        bad["png_truncated_%d.png" % cut] = good[:cut]
    for cut in sorted(set(int(x) for x in rng.integers(4, len(jpg) - 8, 8))):
        bad["jpeg_truncated_%d.jpg" % cut] = jpg[:cut]
    for cut in sorted(set(int(x) for x in rng.integers(2, len(bmp) - 1, 6))):
        bad["bmp_truncated_%d.bmp" % cut] = bmp[:cut]
    for cut in sorted(set(int(x) for x in rng.integers(4, len(tif) - 1, 6))):
        bad["tiff_truncated_%d.tif" % cut] = tif[:cut]
    for i in range(12):
        mutant = bytearray(good)
        at = int(rng.integers(8, 33))
        mutant[at] ^= 1 << int(rng.integers(0, 8))
        bad["png_header_flip_%d.png" % i] = bytes(mutant)
    for name, data in bad.items():
        stem = name.rsplit(".", 1)[0]
        files = {"data/a.png": good, "data/" + name: data}
        data_case(corpus, "data_image", stem, files, expect=name)
    data_case(corpus, "data_image", "image_too_small_for_crop", {"data/a.png": good}, expect="/engine/preprocessing/crop|a.png",
              preprocessing={"color": "GRAY", "scale": [255], "crop": [16, 16]})
    data_case(corpus, "data_image", "resize_huge", {"data/a.png": good},
              expect="/engine/preprocessing/resize|a.png|x",
              preprocessing={"color": "GRAY", "scale": [255], "resize": [100000, 100000]})
    data_case(corpus, "data_image", "mean_4_values", {"data/a.png": good}, expect="/engine/preprocessing/mean",
              preprocessing={"color": "GRAY", "scale": [255], "mean": [1, 2, 3, 4]})
    data_case(corpus, "data_image", "rgb_for_gray_model", {"data/a.png": good}, expect="/engine/preprocessing/color",
              preprocessing={"color": "RGB", "scale": [255]})
    data_case(corpus, "data_image", "image_link_loop", {"data/a.png": good,
                                                         "data/b.png": lambda p: os.symlink("b.png", p)}, expect="b.png")
    data_case(corpus, "data_image", "data_source_missing", {}, data="nowhere", expect="nowhere")
    data_case(corpus, "data_image", "data_source_fifo", {"data": os.mkfifo}, expect="data")
    data_case(corpus, "data_image", "data_source_plain_file", {"data": good}, expect="data")


def label_cases(corpus, rng):
    names = ["a.png", "b.png"]
    images = {"data/" + n: tiny.png(tiny.gray_image(rng)) for n in names}
    bad = {
        "empty": b"",
        "comments_only": b"# nothing\n# else\n",
        "missing_index": b"a.png\nb.png 1\n",
        "extra_field": b"a.png 0 1\nb.png 1\n",
        "index_not_a_number": b"a.png zero\nb.png 1\n",
        "index_float": b"a.png 0.5\nb.png 1\n",
        "index_overflows": b"a.png 99999999999999999999999\nb.png 1\n",
        "index_trailing_junk": b"a.png 1x\nb.png 1\n",
        "index_hex": b"a.png 0x1\nb.png 1\n",
        "missing_file_entry": b"a.png 0\n",
        "other_names_only": b"c.png 0\nd.png 1\n",
        "binary": rng.integers(0, 256, 400, dtype=np.uint8).tobytes(),
        "nul_bytes": b"a.png\x00 0\nb.png 1\n",
        "one_huge_line": b"a.png " + b"1" * 1000000 + b"\nb.png 1\n",
        "many_fields": b"a.png " + b"1 " * 100000 + b"\nb.png 1\n",
    }
    for name, data in bad.items():
        files = dict(images)
        files["labels.txt"] = data
        data_case(corpus, "data_labels", name, files, expect="labels.txt", annotation="labels.txt")
    data_case(corpus, "data_labels", "annotation_missing", dict(images), expect="labels.txt", annotation="labels.txt")
    data_case(corpus, "data_labels", "annotation_is_folder", dict(images, **{"labels.txt/x": b""}),
              expect="labels.txt", annotation="labels.txt")
    data_case(corpus, "data_labels", "annotation_fifo", dict(images, **{"labels.txt": os.mkfifo}),
              expect="labels.txt", annotation="labels.txt")


# --- plugins ----------------------------------------------------------------------------------

def elf_loaded_size(data):
    """End of the last PT_LOAD segment's bytes in a 64-bit little-endian ELF file."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    end = 0
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            end = max(end, p_offset + p_filesz)
    return end


def plugin_cases(corpus, rng):
    """Plugin folders whose libraries are broken. The needed plugins are among the broken ones,
    so each run must end in a config error naming the algorithm entry, after skipping (and naming)
    the broken files."""
    libs = sorted(f for f in os.listdir(corpus.plugin_dir) if f.endswith(".so"))
    expect = "/compression/algorithms/0|/engine/backend"
    for lib in libs:
        with open(os.path.join(corpus.plugin_dir, lib), "rb") as f:
            data = f.read()
        # A copy cut after its last loaded segment still loads (section headers are not needed),
        # and so does one missing less than a page of it (the mapping fills the page with zeros).
        limit = elf_loaded_size(data) - 4096
        cuts = [0, 4, 16, 52, 64, 200, 1000, 4096, 65536, limit // 4, limit // 2, limit]
        cuts += [int(x) for x in rng.integers(1, limit, 4)]
        for cut in sorted(set(c for c in cuts if 0 <= c <= limit)):
            corpus.case("plugins", "%s_truncated_%d" % (lib[:-3], cut), config(),
                        {"plugins/" + lib: data[:cut]}, expect=expect, mention=lib, plugins="plugins")
        for i in range(3):
            mutant = bytearray(data[:65536])
            for _ in range(16):
                mutant[int(rng.integers(0, 64))] = int(rng.integers(0, 256))
            corpus.case("plugins", "%s_header_mutated_%d" % (lib[:-3], i), config(),
                        {"plugins/" + lib: bytes(mutant)}, expect=expect, mention=lib, plugins="plugins")
    for size in [1, 100, 4096, 100000]:
        corpus.case("plugins", "random_bytes_%d" % size, config(),
                    {"plugins/libpot_random.so": rng.integers(0, 256, size, dtype=np.uint8).tobytes()},
                    expect=expect, mention="libpot_random.so", plugins="plugins")
    odd = {
        "elf_magic_only": b"\x7fELF",
        "elf_32bit_header": b"\x7fELF\x01\x01\x01" + bytes(57),
        "text_file": b"not a library\n",
        "linker_script": b"INPUT ( /nonexistent/libc.so )\n",
    }
    for name, data in odd.items():
        corpus.case("plugins", name, config(), {"plugins/libpot_%s.so" % name: data}, expect=expect,
                    mention="libpot_%s.so" % name, plugins="plugins")
    corpus.case("plugins", "folder_named_so", config(), {"plugins/libpot_dir.so/x": b""}, expect=expect,
                plugins="plugins")
    corpus.case("plugins", "fifo_named_so", config(), {"plugins/libpot_fifo.so": os.mkfifo}, expect=expect,
                plugins="plugins")
    corpus.case("plugins", "link_loop_named_so", config(),
                {"plugins/libpot_loop.so": lambda p: os.symlink("libpot_loop.so", p)},
                expect=expect + "|libpot_loop.so", plugins="plugins")
    corpus.case("plugins", "empty_folder", config(), {"plugins/readme.txt": b""}, expect=expect, plugins="plugins")
    corpus.case("plugins", "folder_missing", config(), {}, expect="nowhere", plugins="nowhere")
    corpus.case("plugins", "folder_is_file", config(), {"plugins": b"x"}, expect="plugins", plugins="plugins")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out, plugin_dir = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    # Mutants the protobuf library half-reads warn; rejecting them is all that matters here.
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(SEED)
    random.seed(SEED)
    corpus = Corpus(out, plugin_dir)
    model = write_base(corpus, rng)
    seeds = {"classifier": model.SerializeToString(), "qdq": tiny.qdq_model(rng).SerializeToString()}
    mutated_models(corpus, rng, seeds)
    crafted_models(corpus, rng)
    config_cases(corpus, rng)
    npy_cases(corpus, rng)
    idx_cases(corpus, rng)
    image_cases(corpus, rng)
    label_cases(corpus, rng)
    plugin_cases(corpus, rng)
    print(corpus.count)


if __name__ == "__main__":
    main()
