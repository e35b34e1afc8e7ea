#include "quantizers.hpp"

#include <gtest/gtest.h>

namespace pot::test {

std::optional<FakeQuantizeParams> quantizer_producing(const Graph& g, const std::string& value) {
    const auto p = g.producer(value);
    if (!p || !is_fake_quantize(g.nodes[*p])) return std::nullopt;
    return read_fake_quantize(g, g.nodes[*p]);
}

std::optional<FakeQuantizeParams> quantizer_of(const Graph& g, const std::string& node, size_t index) {
    const auto n = g.find_node(node);
    if (!n) {
        ADD_FAILURE() << "the graph has no node '" << node << "'";
        return std::nullopt;
    }
    return quantizer_producing(g, g.nodes[*n].inputs.at(index));
}

}  // namespace pot::test
