// oneDNN's own exceptions stop at the plugin boundary: the host receives a pot::Error naming the
// node that could not be compiled.
#include <gtest/gtest.h>

#include "cpu_engine.hpp"
#include "graph_builder.hpp"

namespace pot::test {
namespace {

TEST(CpuEngineErrors, OneDnnFailureWhileCompilingNamesTheNode) {
    // oneDNN describes at most 12 dimensions: a view with 13 cannot be compiled.
    GraphBuilder g;
    const auto x = g.input("x", {1, 2, 3});
    const std::vector<int64_t> dims = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
    const auto reshaped =
        g.node("Reshape", {x, g.constant(Tensor::from_vector<int64_t>({13}, dims))});
    g.output(g.node("Relu", {reshaped}));
    cpu::CpuEngine engine;
    auto engine_model = engine.compile(g.graph());
    try {
        engine_model->infer({g.random_tensor({1, 2, 3})});
        FAIL() << "expected the 13-dimensional view to be refused";
    } catch (const Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("Reshape '" + g.graph().nodes[0].name + "'"), std::string::npos)
            << message;
        EXPECT_NE(message.find("oneDNN"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace pot::test
