#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cpu_engine.hpp"
#include "graph_builder.hpp"
#include "reference_engine.hpp"

namespace pot::test {

struct Outputs {
    std::vector<Tensor> cpu, reference;
    std::string plan;  ///< the cpu engine's plan (CpuEngine::describe_plan)
};

/// Runs `graph` on `inputs` with the cpu and the reference engines.
inline Outputs run_both(const Graph& graph, const std::vector<Tensor>& inputs) {
    cpu::CpuEngine cpu_engine;
    auto cpu_model = cpu_engine.compile(graph);
    reference::ReferenceEngine ref;
    auto ref_model = ref.compile(graph);
    Outputs out{cpu_model->infer(inputs), ref_model->infer(inputs, {}, nullptr), ""};
    out.plan = cpu::CpuEngine::describe_plan(*cpu_model);
    return out;
}

/// Largest |a - b| over two tensors of equal shape (infinity when shapes differ).
inline float max_abs_diff(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape()) return INFINITY;
    const auto x = a.to_floats(), y = b.to_floats();
    float worst = 0.0f;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(x[i] - y[i]));
    return worst;
}

/// Expects every output of the two engines within `tolerance`.
inline void expect_close(const Outputs& out, float tolerance) {
    ASSERT_EQ(out.cpu.size(), out.reference.size());
    for (size_t i = 0; i < out.cpu.size(); ++i) {
        EXPECT_EQ(shape_str(out.cpu[i].shape()), shape_str(out.reference[i].shape())) << "output " << i;
        EXPECT_LE(max_abs_diff(out.cpu[i], out.reference[i]), tolerance) << "output " << i;
    }
}

/// The plan's lines naming `what`.
inline std::vector<std::string> lines_with(const std::string& plan, const std::string& what) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < plan.size()) {
        const size_t end = std::min(plan.find('\n', start), plan.size());
        const std::string line = plan.substr(start, end - start);
        if (line.find(what) != std::string::npos) lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

/// Fails when the plan runs oneDNN's reference primitives or the engine's reference kernels.
inline void expect_no_reference_code(const std::string& plan) {
    EXPECT_TRUE(lines_with(plan, "ref:").empty()) << "oneDNN reference code in the plan:\n" << plan;
    EXPECT_TRUE(lines_with(plan, "reference").empty()) << "reference kernels in the plan:\n" << plan;
}

}  // namespace pot::test
