#pragma once

#include <string>
#include <vector>

#include "pot/graph.hpp"

namespace pot::accuracy_aware {

/// The layers of `graph` that run quantized: every node (other than a FakeQuantize) that reads
/// the output of a FakeQuantize node, by name, in graph order.
std::vector<std::string> quantized_layers(const Graph& graph);

/// Puts layer `layer` back in float: its inputs read the values before their quantizers, and the
/// quantizers no other node reads any more are removed. A quantizer another layer still reads stays
/// for that layer, so a revert never leaves a neighbour with requantize/dequantize pairs it did not
/// have. Returns the names of the quantizers removed. Throws naming the layer when the graph has no
/// such node.
std::vector<std::string> revert_layer(Graph& graph, const std::string& layer);

}  // namespace pot::accuracy_aware
