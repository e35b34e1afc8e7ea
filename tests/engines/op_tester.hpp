#pragma once

// Test helpers: run one node through the reference kernels, build small graphs, compare tensors.

#include <gtest/gtest.h>

#include <pot/graph.hpp>
#include <pot/tensor.hpp>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "reference_ops.hpp"

namespace pot::test {

/// One node with literal inputs, run through pot::reference::run_node.
class OpTester {
public:
    explicit OpTester(std::string op_type, std::string domain = "") {
        node_.name = "node";
        node_.op_type = std::move(op_type);
        node_.domain = std::move(domain);
        node_.outputs = {"y"};
    }
    OpTester& attr(const std::string& key, Attribute value) {
        node_.attributes[key] = std::move(value);
        return *this;
    }
    OpTester& input(Tensor t) {
        node_.inputs.push_back(str_cat("x", node_.inputs.size()));
        inputs_.push_back(std::move(t));
        return *this;
    }
    /// An omitted optional input (empty name).
    OpTester& omitted() {
        node_.inputs.push_back("");
        inputs_.push_back(std::nullopt);
        return *this;
    }
    OpTester& outputs(size_t count) {
        node_.outputs.clear();
        for (size_t i = 0; i < count; ++i) node_.outputs.push_back(str_cat("y", i));
        return *this;
    }
    OpTester& opset(int64_t v) {
        opset_ = v;
        return *this;
    }
    const Node& node() const { return node_; }

    std::vector<Tensor> run_all() const {
        std::vector<const Tensor*> ptrs;
        for (const auto& t : inputs_) ptrs.push_back(t ? &*t : nullptr);
        std::vector<Tensor> out;
        reference::run_node(node_, ptrs, out, opset_);
        return out;
    }
    Tensor run() const { return run_all().at(0); }

private:
    Node node_;
    std::vector<std::optional<Tensor>> inputs_;
    int64_t opset_ = 13;
};

inline Tensor floats(Shape shape, std::vector<float> values) {
    return Tensor::from_vector<float>(std::move(shape), values);
}
inline Tensor ints(Shape shape, std::vector<int64_t> values) {
    return Tensor::from_vector<int64_t>(std::move(shape), values);
}
inline Tensor ints1d(std::vector<int64_t> values) {
    const auto n = static_cast<int64_t>(values.size());
    return Tensor::from_vector<int64_t>({n}, values);
}

/// Values in [-1, 1) from a fixed seed.
inline Tensor random_floats(Shape shape, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    Tensor t(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
    return t;
}

inline ::testing::AssertionResult tensors_near(const Tensor& actual, const Tensor& expected,
                                               float tolerance) {
    if (actual.dtype() != expected.dtype() || actual.shape() != expected.shape())
        return ::testing::AssertionFailure()
               << "got " << dtype_name(actual.dtype()) << " " << shape_str(actual.shape())
               << ", expected " << dtype_name(expected.dtype()) << " "
               << shape_str(expected.shape());
    const auto a = actual.to_floats(), e = expected.to_floats();
    for (size_t i = 0; i < a.size(); ++i)
        if (!(std::fabs(a[i] - e[i]) <= tolerance))
            return ::testing::AssertionFailure()
                   << "element " << i << ": got " << a[i] << ", expected " << e[i] << " (tolerance "
                   << tolerance << ")";
    return ::testing::AssertionSuccess();
}

/// EXPECT that `actual` is f32 of `shape` with `values` (within `tolerance`).
#define POT_EXPECT_FLOATS(actual, expected_shape, expected_values, tolerance) \
    EXPECT_TRUE(::pot::test::tensors_near(                                    \
        (actual), ::pot::test::floats(expected_shape, expected_values), tolerance))

/// Exact comparison for integer tensors.
#define POT_EXPECT_INTS(actual, expected_shape, expected_values)             \
    do {                                                                     \
        const ::pot::Tensor& actual_ = (actual);                             \
        EXPECT_EQ(actual_.shape(), ::pot::Shape(expected_shape));            \
        EXPECT_EQ(actual_.to_ints(), std::vector<int64_t>(expected_values)); \
    } while (false)

/// A graph built node by node in memory.
class GraphBuilder {
public:
    explicit GraphBuilder(int64_t opset = 13) {
        graph_.opset = opset;
        graph_.name = "test";
    }
    GraphBuilder& input(const std::string& name, Shape shape, DType dtype = DType::F32) {
        graph_.inputs.push_back({name, dtype, std::move(shape)});
        return *this;
    }
    GraphBuilder& constant(const std::string& name, Tensor value) {
        graph_.initializers[name] = std::move(value);
        return *this;
    }
    GraphBuilder& node(const std::string& op_type, std::vector<std::string> inputs,
                       std::vector<std::string> outputs,
                       std::map<std::string, Attribute> attributes = {},
                       const std::string& name = "") {
        Node n;
        n.name = name.empty() ? outputs.at(0) : name;
        n.op_type = op_type;
        n.inputs = std::move(inputs);
        n.outputs = std::move(outputs);
        n.attributes = std::move(attributes);
        graph_.nodes.push_back(std::move(n));
        return *this;
    }
    GraphBuilder& output(const std::string& name) {
        graph_.outputs.push_back({name, DType::F32, {}});
        return *this;
    }
    Graph build() const { return graph_; }

private:
    Graph graph_;
};

}  // namespace pot::test
