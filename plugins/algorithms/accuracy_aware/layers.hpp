#pragma once

#include <string>
#include <vector>

#include "pot/graph.hpp"

namespace pot::accuracy_aware {

/// The layers of `graph` that run quantized: every node (other than a FakeQuantize) that reads
/// the output of a FakeQuantize node, by name, in graph order. Ops that only move values
/// (MaxPool, Flatten, Reshape, Transpose, ...) compute nothing to put back in float and are not
/// layers: they follow the layers they feed (see revert_layer).
std::vector<std::string> quantized_layers(const Graph& graph);

/// Puts layer `layer` back in float: its inputs read the values before their quantizers, value-moving
/// ops in front of it whose outputs no quantizer reads any more read their float inputs too, and the
/// quantizers no other node reads any more are removed. A quantizer another layer still reads stays
/// for that layer, so a revert never leaves a neighbour with requantize/dequantize pairs it did not
/// have. Returns the names of the quantizers removed. Throws naming the layer when the graph has no
/// such node.
std::vector<std::string> revert_layer(Graph& graph, const std::string& layer);

}  // namespace pot::accuracy_aware
