"""Small, valid inputs of every kind pot-host reads, built from a fixed seed: ONNX models, images in
each format OpenCV decodes, .npy arrays, MNIST idx files and annotation text.

Shared by fuzz/make_seeds.py (seed corpora) and tests/bad_inputs/generate.py (bad-input cases,
which start from these and break them). Encoders are written out here so that only numpy and onnx
are needed.
"""

import struct
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Opset the models are written at; the QDQ models need 13 for per-channel DequantizeLinear.
OPSET = 13
SIDE = 8  # height and width of the tiny images and model inputs
CLASSES = 3


def make_model(nodes, inputs, outputs, initializers=(), opset=OPSET, value_info=(), check=True):
    graph = helper.make_graph(list(nodes), "tiny", list(inputs), list(outputs),
                              initializer=list(initializers), value_info=list(value_info))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="pot-tiny")
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    return model


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def io(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def classifier_model(rng, channels=1, side=SIDE):
    """x[1,C,S,S] -> Conv(4, 3x3, pad 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> y[1,3]."""
    w = rng.uniform(-1, 1, (4, channels, 3, 3)).astype(np.float32)
    b = rng.uniform(-0.1, 0.1, 4).astype(np.float32)
    fc_w = rng.uniform(-1, 1, (CLASSES, 4)).astype(np.float32)
    fc_b = np.zeros(CLASSES, np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"], name="conv",
                         pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["conv_out"], ["relu_out"], name="relu"),
        helper.make_node("GlobalAveragePool", ["relu_out"], ["pool_out"], name="pool"),
        helper.make_node("Flatten", ["pool_out"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], name="fc", transB=1),
    ]
    inits = [tensor("conv.weight", w), tensor("conv.bias", b), tensor("fc.weight", fc_w),
             tensor("fc.bias", fc_b)]
    return make_model(nodes, [io("x", [1, channels, side, side])], [io("y", [1, CLASSES])], inits)


def qdq_model(rng):
    """The layout save_onnx() writes: activation Q/DQ (one narrowed by a Clip), per-channel int8
    weight DequantizeLinear with a recorded levels count, and an int32 bias DequantizeLinear."""
    w_codes = rng.integers(-63, 64, (4, 1, 3, 3)).astype(np.int8)
    w_scale = rng.uniform(0.01, 0.02, 4).astype(np.float32)
    b_codes = rng.integers(-100, 100, 4).astype(np.int32)
    b_scale = (w_scale * 0.02).astype(np.float32)
    inits = [
        tensor("x_scale", np.float32(0.02)), tensor("x_zero", np.uint8(128)),
        tensor("w_codes", w_codes), tensor("w_scale", w_scale), tensor("w_zero", np.zeros(4, np.int8)),
        tensor("b_codes", b_codes), tensor("b_scale", b_scale), tensor("b_zero", np.zeros(4, np.int32)),
        tensor("r_scale", np.float32(0.05)), tensor("r_zero", np.int8(0)),
        tensor("clip_lo", np.float32(-0.05 * 63)), tensor("clip_hi", np.float32(0.05 * 63)),
    ]
    w_dq = helper.make_node("DequantizeLinear", ["w_codes", "w_scale", "w_zero"], ["w"], name="w_dq", axis=0)
    w_dq.doc_string = "pot.levels=127"
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zero"], ["xq"], name="x_q"),
        helper.make_node("DequantizeLinear", ["xq", "x_scale", "x_zero"], ["xd"], name="x_dq"),
        w_dq,
        helper.make_node("DequantizeLinear", ["b_codes", "b_scale", "b_zero"], ["b"], name="b_dq", axis=0),
        helper.make_node("Conv", ["xd", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Clip", ["r", "clip_lo", "clip_hi"], ["rc"], name="clip"),
        helper.make_node("QuantizeLinear", ["rc", "r_scale", "r_zero"], ["rq"], name="r_q"),
        helper.make_node("DequantizeLinear", ["rq", "r_scale", "r_zero"], ["y"], name="r_dq"),
    ]
    return make_model(nodes, [io("x", [1, 1, SIDE, SIDE])], [io("y", [1, 4, SIDE, SIDE])], inits)


def batch_norm_model(rng):
    """Conv -> BatchNormalization (folded at import) -> Identity -> Dropout -> y."""
    c = 3
    inits = [
        tensor("w", rng.uniform(-1, 1, (c, 1, 3, 3)).astype(np.float32)),
        tensor("gamma", rng.uniform(0.5, 1.5, c).astype(np.float32)),
        tensor("beta", rng.uniform(-0.5, 0.5, c).astype(np.float32)),
        tensor("mean", rng.uniform(-0.5, 0.5, c).astype(np.float32)),
        tensor("var", rng.uniform(0.5, 1.5, c).astype(np.float32)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], name="bn",
                         epsilon=1e-5),
        helper.make_node("Identity", ["bn"], ["id"], name="identity"),
        helper.make_node("Dropout", ["id"], ["y"], name="dropout"),
    ]
    return make_model(nodes, [io("x", [1, 1, SIDE, SIDE])], [io("y", [1, c, 4, 4])], inits)


def shape_ops_model():
    """Shape arithmetic fold_constants evaluates, fed by Constant nodes: the batch dimension of
    x is gathered, unsqueezed, concatenated with -1 and used to reshape x."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Constant", [], ["zero"], name="zero", value_int=0),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], name="gather", axis=0),
        helper.make_node("Constant", [], ["axes"], name="axes", value_ints=[0]),
        helper.make_node("Unsqueeze", ["batch", "axes"], ["batch1"], name="unsqueeze"),
        helper.make_node("Constant", [], ["minus_one"], name="minus_one",
                         value=tensor("minus_one_value", np.array([-1], np.int64))),
        helper.make_node("Concat", ["batch1", "minus_one"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"], name="reshape"),
        helper.make_node("Cast", ["flat"], ["y"], name="cast", to=TensorProto.FLOAT),
    ]
    return make_model(nodes, [io("x", [1, 2, 4, 4])], [io("y", [1, 32])])


def matmul_model(rng):
    """MatMul + Add + Softmax on a 2-D input with a symbolic batch dimension."""
    inits = [tensor("w", rng.uniform(-1, 1, (6, 4)).astype(np.float32)),
             tensor("b", rng.uniform(-1, 1, 4).astype(np.float32))]
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
        helper.make_node("Add", ["m", "b"], ["a"], name="add"),
        helper.make_node("Softmax", ["a"], ["y"], name="softmax", axis=-1),
    ]
    return make_model(nodes, [io("x", ["N", 6])], [io("y", ["N", 4])], inits,
                      value_info=[io("m", ["N", 4])])


def old_opset_model(rng):
    """Opset 10: Clip with min/max attributes, Pad with a pads attribute, MaxPool, Concat."""
    inits = [tensor("w", rng.uniform(-1, 1, (2, 1, 3, 3)).astype(np.float32))]
    nodes = [
        helper.make_node("Pad", ["x"], ["p"], name="pad", pads=[0, 0, 1, 1, 0, 0, 1, 1], mode="constant"),
        helper.make_node("Conv", ["p", "w"], ["c"], name="conv"),
        helper.make_node("Clip", ["c"], ["r6"], name="relu6", min=0.0, max=6.0),
        helper.make_node("MaxPool", ["r6"], ["mp"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("AveragePool", ["r6"], ["ap"], name="avgpool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Concat", ["mp", "ap"], ["y"], name="concat", axis=1),
    ]
    return make_model(nodes, [io("x", [1, 1, SIDE, SIDE])], [io("y", [1, 4, 4, 4])], inits, opset=10)


def seed_models(rng):
    """Every seed model, by file stem."""
    return {
        "classifier_gray": classifier_model(rng, 1),
        "classifier_rgb": classifier_model(rng, 3),
        "qdq_conv": qdq_model(rng),
        "batch_norm": batch_norm_model(rng),
        "shape_ops": shape_ops_model(),
        "matmul": matmul_model(rng),
        "opset10": old_opset_model(rng),
    }


# --- images -----------------------------------------------------------------------------------

def png(pixels):
    """8-bit PNG of an [H,W] (gray) or [H,W,3] (RGB) uint8 array."""
    pixels = np.asarray(pixels, np.uint8)
    h, w = pixels.shape[:2]
    color = 2 if pixels.ndim == 3 else 0
    rows = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def bmp(pixels):
    """24-bit BMP of an [H,W,3] (RGB) uint8 array."""
    pixels = np.asarray(pixels, np.uint8)
    h, w = pixels.shape[:2]
    stride = (w * 3 + 3) & ~3
    rows = b"".join(pixels[y, :, ::-1].tobytes().ljust(stride, b"\x00") for y in reversed(range(h)))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(rows), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    return header + info + rows


def tiff(pixels):
    """Uncompressed little-endian TIFF of an [H,W] (gray) uint8 array."""
    pixels = np.asarray(pixels, np.uint8)
    h, w = pixels.shape
    data = pixels.tobytes()
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, len(data))]
    ifd_at = 8 + len(data)
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_at) + data + ifd


def pgm(pixels):
    """Binary PGM (OpenCV reads it whatever the file is called)."""
    pixels = np.asarray(pixels, np.uint8)
    h, w = pixels.shape
    return b"P5\n%d %d\n255\n" % (w, h) + pixels.tobytes()


def _jpeg_bits(values):
    """Entropy-coded data for blocks holding only a DC term: per block the DC difference with a
    4-bit category code (table below) and the one-bit end-of-block code."""
    bits = []
    previous = {}
    for component, dc in values:
        diff = dc - previous.get(component, 0)
        previous[component] = dc
        category = int(abs(diff)).bit_length()
        bits += [int(b) for b in format(category, "04b")]
        if category:
            magnitude = diff if diff > 0 else diff + (1 << category) - 1
            bits += [int(b) for b in format(magnitude, "0%db" % category)]
        bits.append(0)  # end of block
    bits += [1] * (-len(bits) % 8)
    out = bytearray()
    for i in range(0, len(bits), 8):
        byte = int("".join(map(str, bits[i:i + 8])), 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0)  # byte stuffing
    return bytes(out)


def jpeg(blocks):
    """Baseline JPEG of flat 8x8 blocks: `blocks` is [rows][cols] of per-component levels (0-255),
    one component (gray) or three (YCbCr, no subsampling)."""
    rows, cols = len(blocks), len(blocks[0])
    components = len(blocks[0][0])

    def segment(marker, payload):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload

    dqt = segment(0xDB, b"\x00" + b"\x01" * 64)
    sof = struct.pack(">BHHB", 8, rows * 8, cols * 8, components)
    for c in range(components):
        sof += bytes([c + 1, 0x11, 0])
    # DC table: categories 0-11, all 4-bit codes. AC table: only end-of-block, a 1-bit code.
    dc = b"\x00" + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
    ac = b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    sos = bytes([components]) + b"".join(bytes([c + 1, 0x00]) for c in range(components)) + b"\x00\x3f\x00"
    # A flat block of level v has DC coefficient 8 * (v - 128) with an all-ones quantization table.
    values = [(c, 8 * (blocks[r][k][c] - 128)) for r in range(rows) for k in range(cols) for c in range(components)]
    return (b"\xff\xd8" + dqt + segment(0xC0, sof) + segment(0xC4, dc) + segment(0xC4, ac)
            + segment(0xDA, sos) + _jpeg_bits(values) + b"\xff\xd9")


def gray_image(rng, side=SIDE):
    return rng.integers(0, 256, (side, side)).astype(np.uint8)


def rgb_image(rng, side=SIDE):
    return rng.integers(0, 256, (side, side, 3)).astype(np.uint8)


# --- arrays, idx, labels ----------------------------------------------------------------------

def npy(array, version=(1, 0)):
    """.npy bytes of `array` in format `version`."""
    import io as _io
    from numpy.lib import format as npy_format
    out = _io.BytesIO()
    npy_format.write_array(out, np.asarray(array), version=version)
    return out.getvalue()


def idx_images(images):
    """idx3-ubyte bytes of [N,H,W] uint8 images."""
    images = np.asarray(images, np.uint8)
    n, h, w = images.shape
    return struct.pack(">IIII", 2051, n, h, w) + images.tobytes()


def idx_labels(labels):
    """idx1-ubyte bytes of uint8 labels."""
    labels = np.asarray(labels, np.uint8)
    return struct.pack(">II", 2049, len(labels)) + labels.tobytes()


def labels_text(names, labels, comment=True):
    lines = ["# file name, class index"] if comment else []
    lines += ["%s %d" % (n, l) for n, l in zip(names, labels)]
    return ("\n".join(lines) + "\n").encode()
