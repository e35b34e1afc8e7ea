#include "node_context.hpp"

namespace pot::reference {

const Tensor& NodeContext::input(size_t i) const {
    POT_CHECK(has_input(i), "input ", i, " is required but ",
              i < node_.inputs.size() ? "omitted" : "missing");
    return *inputs_[i];
}

const Tensor& NodeContext::float_input(size_t i) const {
    const Tensor& t = input(i);
    POT_CHECK(t.dtype() == DType::F32, "input ", i, " ('", node_.inputs.at(i),
              "') must be f32, got ", dtype_name(t.dtype()));
    return t;
}

bool NodeContext::wants_output(size_t i) const {
    return i < node_.outputs.size() && !node_.outputs[i].empty();
}

void NodeContext::set_output(size_t i, Tensor tensor) {
    POT_CHECK(i < outputs_.size(), "output ", i, " does not exist; the node has ", outputs_.size(),
              " outputs");
    outputs_[i] = std::move(tensor);
}

void NodeContext::expect_inputs(size_t min_count, size_t max_count) const {
    POT_CHECK(inputs_.size() >= min_count && inputs_.size() <= max_count, "expected ",
              min_count == max_count ? str_cat(min_count) : str_cat(min_count, " to ", max_count),
              " inputs, got ", inputs_.size());
}

}  // namespace pot::reference
