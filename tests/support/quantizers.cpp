#include "quantizers.hpp"

#include <gtest/gtest.h>

namespace pot::test {

std::optional<FakeQuantizeParams> quantizer_producing(const Graph& g, const std::string& value) {
    const auto p = g.producer(value);
    if (!p || !is_fake_quantize(g.nodes[*p])) return std::nullopt;
    return read_fake_quantize(g, g.nodes[*p]);
}

const Node* quantizer_node_of(const Graph& g, const std::string& node, size_t index) {
    const auto n = g.find_node(node);
    if (!n) {
        ADD_FAILURE() << "the graph has no node '" << node << "'";
        return nullptr;
    }
    const auto p = g.producer(g.nodes[*n].inputs.at(index));
    return p && is_fake_quantize(g.nodes[*p]) ? &g.nodes[*p] : nullptr;
}

std::optional<FakeQuantizeParams> quantizer_of(const Graph& g, const std::string& node, size_t index) {
    const Node* fq = quantizer_node_of(g, node, index);
    if (!fq) return std::nullopt;
    return read_fake_quantize(g, *fq);
}

}  // namespace pot::test
