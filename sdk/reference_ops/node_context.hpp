#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::reference {

/// What one kernel sees while it runs: the node, its input tensors (nullptr for an omitted
/// optional input), the slots for its outputs and the model's default-domain opset.
/// Borrowed references only: valid for the duration of one kernel call.
class NodeContext {
public:
    NodeContext(const Node& node, const std::vector<const Tensor*>& inputs,
                std::vector<Tensor>& outputs, int64_t opset)
        : node_(node), inputs_(inputs), outputs_(outputs), opset_(opset) {}

    const Node& node() const { return node_; }
    int64_t opset() const { return opset_; }

    /// Number of input slots, omitted ones included.
    size_t input_count() const { return inputs_.size(); }
    bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
    /// Input `i`; throws when it is absent.
    const Tensor& input(size_t i) const;
    /// Input `i`, or nullptr when absent or omitted.
    const Tensor* optional_input(size_t i) const { return has_input(i) ? inputs_[i] : nullptr; }
    /// Input `i` that must be f32.
    const Tensor& float_input(size_t i) const;

    /// True when the node names output `i` (a consumer or the graph may read it).
    bool wants_output(size_t i) const;
    size_t output_count() const { return outputs_.size(); }
    void set_output(size_t i, Tensor tensor);

    /// Throws unless the node has between `min_count` and `max_count` input slots.
    void expect_inputs(size_t min_count, size_t max_count) const;

private:
    const Node& node_;
    const std::vector<const Tensor*>& inputs_;
    std::vector<Tensor>& outputs_;
    int64_t opset_;
};

}  // namespace pot::reference
