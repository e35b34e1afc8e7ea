#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "pot/graph.hpp"

namespace pot::test {

/// Builds small graphs in memory: inputs, constants, single-output nodes, outputs.
class GraphBuilder {
public:
    explicit GraphBuilder(std::string name = "test") { graph_.name = std::move(name); }

    /// A float graph input.
    std::string input(const std::string& name, Shape shape) {
        graph_.inputs.push_back({name, DType::F32, std::move(shape)});
        return name;
    }
    std::string constant(const std::string& name, Tensor value) {
        graph_.initializers[name] = std::move(value);
        return name;
    }
    /// Adds a node with one output named after the node; returns the output name.
    std::string node(const std::string& op_type, std::vector<std::string> inputs,
                     std::map<std::string, Attribute> attributes = {}, std::string name = "") {
        Node n;
        n.name = name.empty() ? op_type + "_" + std::to_string(graph_.nodes.size()) : std::move(name);
        n.op_type = op_type;
        n.inputs = std::move(inputs);
        n.outputs = {n.name + "_out"};
        n.attributes = std::move(attributes);
        graph_.nodes.push_back(n);
        return n.outputs[0];
    }
    GraphBuilder& output(const std::string& value, Shape shape = {}) {
        graph_.outputs.push_back({value, DType::F32, std::move(shape)});
        return *this;
    }
    Graph build() const { return graph_; }
    Graph& graph() { return graph_; }

private:
    Graph graph_;
};

/// Uniform random floats in [low, high) from a fixed seed.
inline Tensor random_tensor(Shape shape, unsigned seed, float low = -1.0f, float high = 1.0f) {
    Tensor t(DType::F32, std::move(shape));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(low, high);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
    return t;
}

/// Conv -> Relu -> Conv -> Relu -> Flatten -> Gemm on a [N, 3, 8, 8] input, random weights.
Graph small_cnn(unsigned seed = 7);

}  // namespace pot::test
