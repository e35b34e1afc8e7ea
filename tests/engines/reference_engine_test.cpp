#include <pot/params.hpp>

#include <map>

#include "op_tester.hpp"
#include "reference_engine.hpp"

namespace pot::test {
namespace {

using reference::ReferenceEngine;

// x [-1,1,6,6] -> Conv 2x3x3 (pad 1) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm 18->4 -> Softmax.
Graph small_cnn() {
    return GraphBuilder(13)
        .input("x", {-1, 1, 6, 6})
        .constant("w", random_floats({2, 1, 3, 3}, 31))
        .constant("b", random_floats({2}, 32))
        .constant("fc_w", random_floats({4, 18}, 33))
        .constant("fc_b", random_floats({4}, 34))
        .node("Conv", {"x", "w", "b"}, {"conv"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}},
              "conv1")
        .node("Relu", {"conv"}, {"relu"})
        .node(
            "MaxPool", {"relu"}, {"pool"},
            {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}})
        .node("Flatten", {"pool"}, {"flat"})
        .node("Gemm", {"flat", "fc_w", "fc_b"}, {"logits"}, {{"transB", int64_t{1}}})
        .node("Softmax", {"logits"}, {"prob"})
        .output("prob")
        .build();
}

class RecordingObserver : public ValueObserver {
public:
    void on_value(const std::string& value, const Tensor& tensor) override {
        ++calls[value];
        seen[value] = tensor;
    }
    std::map<std::string, int> calls;
    std::map<std::string, Tensor> seen;
};

TEST(ReferenceEngine, IsNamedReference) { EXPECT_EQ(ReferenceEngine().name(), "reference"); }

TEST(ReferenceEngine, DynamicBatchGivesTheSameRowsAsSingleImages) {
    ReferenceEngine engine;
    auto engine_model = engine.compile(small_cnn());
    const Tensor batch = random_floats({3, 1, 6, 6}, 40);
    const auto out = engine_model->infer({batch}, {}, nullptr);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].shape(), Shape({3, 4}));
    for (int64_t n = 0; n < 3; ++n) {
        Tensor one(DType::F32, {1, 1, 6, 6});
        std::copy_n(batch.data<float>() + n * 36, 36, one.data<float>());
        const Tensor row = engine_model->infer({one}, {}, nullptr).at(0);
        for (int64_t j = 0; j < 4; ++j)
            EXPECT_EQ(row.data<float>()[j], out[0].data<float>()[n * 4 + j]);
        float sum = 0;
        for (int64_t j = 0; j < 4; ++j) sum += row.data<float>()[j];
        EXPECT_NEAR(sum, 1.0f, 1e-6f);
    }
}

TEST(ReferenceEngine, ObserverSeesInputsConstantsAndIntermediatesOnce) {
    ReferenceEngine engine;
    auto engine_model = engine.compile(small_cnn());
    const Tensor x = random_floats({2, 1, 6, 6}, 41);
    RecordingObserver observer;
    const auto out = engine_model->infer({x}, {"x", "w", "relu", "pool", "prob"}, &observer);
    EXPECT_EQ(observer.calls, (std::map<std::string, int>{
                                  {"x", 1}, {"w", 1}, {"relu", 1}, {"pool", 1}, {"prob", 1}}));
    EXPECT_TRUE(tensors_near(observer.seen["x"], x, 0.0f));
    EXPECT_EQ(observer.seen["relu"].shape(), Shape({2, 2, 6, 6}));
    EXPECT_EQ(observer.seen["pool"].shape(), Shape({2, 2, 3, 3}));
    for (int64_t i = 0; i < observer.seen["relu"].numel(); ++i)
        EXPECT_GE(observer.seen["relu"].data<float>()[i], 0.0f);
    EXPECT_TRUE(tensors_near(observer.seen["prob"], out[0], 0.0f));
}

TEST(ReferenceEngine, ObservingAnUnknownValueIsAnError) {
    ReferenceEngine engine;
    auto engine_model = engine.compile(small_cnn());
    RecordingObserver observer;
    try {
        engine_model->infer({Tensor(DType::F32, {1, 1, 6, 6})}, {"no_such_value"}, &observer);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_value"), std::string::npos) << e.what();
    }
}

TEST(ReferenceEngine, UnsupportedOpNamesNodeAndOp) {
    const Graph g =
        GraphBuilder().input("x", {1}).node("Foo", {"x"}, {"y"}, {}, "bar").output("y").build();
    try {
        ReferenceEngine().compile(g);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "reference engine does not support op 'Foo' (node 'bar')");
    }
}

TEST(ReferenceEngine, WrongInputCountIsAnError) {
    ReferenceEngine engine;
    auto engine_model = engine.compile(small_cnn());
    EXPECT_THROW(engine_model->infer({}, {}, nullptr), Error);
}

TEST(ReferenceEngine, StaticDimMismatchNamesTheInputAndShapes) {
    ReferenceEngine engine;
    auto engine_model = engine.compile(small_cnn());
    try {
        engine_model->infer({Tensor(DType::F32, {1, 1, 5, 6})}, {}, nullptr);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("[-1,1,6,6]"), std::string::npos) << msg;
        EXPECT_NE(msg.find("[1,1,5,6]"), std::string::npos) << msg;
    }
}

TEST(ReferenceEngine, WrongDtypeAndRankAreErrors) {
    ReferenceEngine engine;
    auto engine_model = engine.compile(small_cnn());
    EXPECT_THROW(engine_model->infer({Tensor(DType::I64, {1, 1, 6, 6})}, {}, nullptr), Error);
    EXPECT_THROW(engine_model->infer({Tensor(DType::F32, {1, 6, 6})}, {}, nullptr), Error);
}


TEST(ReferenceEngine, NodeReadingALaterValueIsRejected) {
    const Graph g = GraphBuilder()
                        .input("x", {1})
                        .node("Relu", {"later"}, {"y"}, {}, "early")
                        .node("Relu", {"x"}, {"later"})
                        .output("y")
                        .build();
    try {
        ReferenceEngine().compile(g);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("Relu 'early'"), std::string::npos) << e.what();
    }
}

TEST(ReferenceEngine, ValueWithSeveralConsumersSurvivesUntilTheLast) {
    // a = relu(x); b = -a; c = a - b = 2a; d = c * a = 2a^2; a is also a graph output.
    const Graph g = GraphBuilder()
                        .input("x", {4})
                        .node("Relu", {"x"}, {"a"})
                        .node("Neg", {"a"}, {"b"})
                        .node("Sub", {"a", "b"}, {"c"})
                        .node("Mul", {"c", "a"}, {"d"})
                        .output("d")
                        .output("a")
                        .output("x")
                        .build();
    ReferenceEngine engine;
    auto engine_model = engine.compile(g);
    const Tensor x = floats({4}, {-1, 1, 2, 3});
    for (int run = 0; run < 2; ++run) {
        const auto out = engine_model->infer({x}, {}, nullptr);
        ASSERT_EQ(out.size(), 3u);
        POT_EXPECT_FLOATS(out[0], Shape({4}), std::vector<float>({0, 2, 8, 18}), 0.0f);
        POT_EXPECT_FLOATS(out[1], Shape({4}), std::vector<float>({0, 1, 2, 3}), 0.0f);
        POT_EXPECT_FLOATS(out[2], Shape({4}), std::vector<float>({-1, 1, 2, 3}), 0.0f);
    }
}

TEST(ReferenceEngine, ConstantNodesAndIntegerShapeChainsRun) {
    // Reshape x [N,2,2] to [N,4] through Shape -> Gather -> Unsqueeze -> Concat with a Constant.
    const Graph g = GraphBuilder(13)
                        .input("x", {-1, 2, 2})
                        .node("Shape", {"x"}, {"shape"})
                        .node("Constant", {}, {"zero"}, {{"value", ints({}, {0})}})
                        .node("Gather", {"shape", "zero"}, {"n"})
                        .node("Constant", {}, {"axes"}, {{"value_ints", std::vector<int64_t>{0}}})
                        .node("Unsqueeze", {"n", "axes"}, {"n1"})
                        .node("Constant", {}, {"rest"}, {{"value_ints", std::vector<int64_t>{-1}}})
                        .node("Concat", {"n1", "rest"}, {"target"}, {{"axis", int64_t{0}}})
                        .node("Reshape", {"x", "target"}, {"y"})
                        .output("y")
                        .build();
    ReferenceEngine engine;
    auto engine_model = engine.compile(g);
    const auto out = engine_model->infer({random_floats({3, 2, 2}, 50)}, {}, nullptr);
    EXPECT_EQ(out.at(0).shape(), Shape({3, 4}));
}

TEST(ReferenceEngine, QdqModelRunsAsIs) {
    // x -> QuantizeLinear -> DequantizeLinear -> Relu with u8 codes of scale 0.5, zero point 4.
    const Graph g = GraphBuilder(13)
                        .input("x", {3})
                        .constant("s", Tensor::scalar(0.5f))
                        .constant("z", Tensor::from_vector<uint8_t>({}, {4}))
                        .node("QuantizeLinear", {"x", "s", "z"}, {"q"})
                        .node("DequantizeLinear", {"q", "s", "z"}, {"dq"})
                        .node("Relu", {"dq"}, {"y"})
                        .output("y")
                        .build();
    ReferenceEngine engine;
    auto engine_model = engine.compile(g);
    POT_EXPECT_FLOATS(engine_model->infer({floats({3}, {-5, 0.74f, 200})}, {}, nullptr).at(0), Shape({3}),
                      std::vector<float>({0, 0.5f, 125.5f}), 0.0f);
}

TEST(ReferenceEngine, ParamsAcceptThreadsAndRejectUnknownKeys) {
    ReferenceEngine single(Params(R"({"threads": 1})"));
    auto single_model = single.compile(small_cnn());
    ReferenceEngine all(Params("{}"));
    auto all_model = all.compile(small_cnn());
    const Tensor x = random_floats({4, 1, 6, 6}, 60);
    EXPECT_TRUE(tensors_near(single_model->infer({x}, {}, nullptr).at(0),
                             all_model->infer({x}, {}, nullptr).at(0), 0.0f));
    try {
        ReferenceEngine bad(Params(R"({"thread": 2})"));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("thread"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ReferenceEngine(Params(R"({"threads": -1})")), Error);
}

TEST(ReferenceEngine, CompileCopiesTheGraph) {
    ReferenceEngine engine;
    std::unique_ptr<CompiledModel> engine_model;
    {
        Graph g = small_cnn();
        engine_model = engine.compile(g);
        g.nodes.clear();
    }
    EXPECT_EQ(engine_model->infer({random_floats({1, 1, 6, 6}, 61)}, {}, nullptr).at(0).shape(),
              Shape({1, 4}));
}

}  // namespace
}  // namespace pot::test
