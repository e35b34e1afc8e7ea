"""Writes a chain of N nodes (1x1 Conv, Relu, Conv, Relu, ...) on a 4-channel 8x8 input and a
folder of calibration samples: the model whose quantization time shows whether any pass grows
faster than the node count.

    python3 make_chain.py NODES OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CHANNELS = 4


def chain(nodes):
    rng = np.random.RandomState(0)
    graph_nodes, weights, value = [], [], "x"
    for i in range(nodes // 2):
        w = (rng.randn(CHANNELS, CHANNELS, 1, 1) * 0.5).astype(np.float32)
        weights.append(numpy_helper.from_array(w, f"w{i}"))
        graph_nodes.append(helper.make_node("Conv", [value, f"w{i}"], [f"c{i}"], name=f"conv{i}"))
        graph_nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}"))
        value = f"r{i}"
    shape = [1, CHANNELS, 8, 8]
    graph = helper.make_graph(graph_nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(value, TensorProto.FLOAT, shape)], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def main():
    nodes, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    onnx.save(chain(nodes), os.path.join(out, f"chain{nodes}.onnx"))
    for i in range(8):
        sample = np.random.RandomState(i).randn(1, CHANNELS, 8, 8).astype(np.float32)
        np.save(os.path.join(out, "data", f"s{i}.npy"), sample)


if __name__ == "__main__":
    main()
