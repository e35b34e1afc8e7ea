#pragma once

// Reading the FakeQuantize nodes a quantization algorithm left in a graph.

#include <cstddef>
#include <optional>
#include <string>

#include "pot/fake_quantize_node.hpp"
#include "pot/graph.hpp"

namespace pot::test {

/// The FakeQuantize producing `value`, read, if any.
std::optional<FakeQuantizeParams> quantizer_producing(const Graph& g, const std::string& value);

/// The FakeQuantize node feeding input `index` of node `node`, or null; a test failure when the
/// graph has no node of that name.
const Node* quantizer_node_of(const Graph& g, const std::string& node, size_t index);

/// The same FakeQuantize, read, if any.
std::optional<FakeQuantizeParams> quantizer_of(const Graph& g, const std::string& node, size_t index);

}  // namespace pot::test
