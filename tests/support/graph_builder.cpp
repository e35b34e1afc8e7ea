#include "graph_builder.hpp"

namespace pot::test {

Graph small_cnn(unsigned seed) {
    GraphBuilder b("small_cnn");
    const auto x = b.input("input", {-1, 3, 8, 8});
    const auto w1 = b.constant("w1", random_tensor({4, 3, 3, 3}, seed, -0.5f, 0.5f));
    const auto b1 = b.constant("b1", random_tensor({4}, seed + 1, -0.1f, 0.1f));
    const auto c1 = b.node("Conv", {x, w1, b1}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}, "conv1");
    const auto r1 = b.node("Relu", {c1}, {}, "relu1");
    const auto w2 = b.constant("w2", random_tensor({6, 4, 3, 3}, seed + 2, -0.5f, 0.5f));
    const auto b2 = b.constant("b2", random_tensor({6}, seed + 3, -0.1f, 0.1f));
    const auto c2 = b.node("Conv", {r1, w2, b2}, {{"strides", std::vector<int64_t>{2, 2}}}, "conv2");
    const auto r2 = b.node("Relu", {c2}, {}, "relu2");
    const auto f = b.node("Flatten", {r2}, {{"axis", int64_t{1}}}, "flatten");
    const auto w3 = b.constant("w3", random_tensor({5, 6 * 3 * 3}, seed + 4, -0.3f, 0.3f));
    const auto b3 = b.constant("b3", random_tensor({5}, seed + 5, -0.1f, 0.1f));
    const auto y = b.node("Gemm", {f, w3, b3}, {{"transB", int64_t{1}}}, "fc");
    b.output(y, {-1, 5});
    return b.build();
}

}  // namespace pot::test
