// Ops whose output size comes from their inputs refuse bad or huge requests with a message,
// before anything is allocated; the new ops' edge cases beyond the ONNX Runtime comparisons.
#include "errors.hpp"
#include "op_tester.hpp"

namespace pot::test {
namespace {

Tensor i64(Shape shape, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(std::move(shape), v); }
Tensor i64_scalar(int64_t v) { return i64({}, {v}); }

TEST(ReferenceGeneratedSize, HugeResultsAreRefusedBeforeAllocation) {
    EXPECT_NE(error_message([] { OpTester("Expand").input(Tensor::scalar(1.0f)).input(i64({3}, {1 << 20, 1 << 20, 4})).run(); })
                  .find("more than 268435456 elements"),
              std::string::npos);
    EXPECT_NE(error_message([] { OpTester("Tile").input(Tensor(DType::F32, {2, 2})).input(i64({2}, {INT64_MAX, 3})).run(); })
                  .find("overflows"),
              std::string::npos);
    EXPECT_NE(error_message([] { OpTester("Range").input(i64_scalar(0)).input(i64_scalar(INT64_MAX)).input(i64_scalar(1)).run(); })
                  .find("more than"),
              std::string::npos);
    EXPECT_NE(error_message([] { OpTester("ConstantOfShape").input(i64({2}, {1 << 30, 1 << 30})).run(); })
                  .find("more than"),
              std::string::npos);
    EXPECT_NE(error_message([] { OpTester("Tile").input(Tensor(DType::F32, {2})).input(i64({1}, {-1})).run(); })
                  .find("must not be negative"),
              std::string::npos);
}

TEST(ReferenceGeneratedSize, RangeEdgeCases) {
    EXPECT_NE(error_message([] { OpTester("Range").input(i64_scalar(0)).input(i64_scalar(5)).input(i64_scalar(0)).run(); })
                  .find("delta must not be zero"),
              std::string::npos);
    EXPECT_NE(error_message([] {
                  OpTester("Range").input(Tensor::scalar(0.0f)).input(Tensor::scalar(INFINITY)).input(Tensor::scalar(1.0f)).run();
              }).find("not finite"),
              std::string::npos);
    // An empty range is no error.
    const Tensor empty = OpTester("Range").input(i64_scalar(5)).input(i64_scalar(1)).input(i64_scalar(1)).run();
    EXPECT_EQ(empty.shape(), (Shape{0}));
}

TEST(ReferenceGeneratedSize, ScatterNDIndexOutOfRangeIsNamed) {
    const std::string message = error_message([] {
        OpTester("ScatterND").input(Tensor(DType::F32, {4, 2})).input(i64({1, 1}, {4})).input(Tensor(DType::F32, {1, 2})).run();
    });
    EXPECT_NE(message.find("index 4 is out of range for dimension 0 of size 4"), std::string::npos) << message;
}

TEST(ReferenceGeneratedSize, IntegerModuloByZeroIsAnError) {
    EXPECT_NE(error_message([] { OpTester("Mod").input(i64({1}, {5})).input(i64({1}, {0})).run(); }).find("modulo by zero"),
              std::string::npos);
    const Tensor wrapped = OpTester("Mod").input(i64({1}, {INT64_MIN})).input(i64({1}, {-1})).run();
    EXPECT_EQ(wrapped.to_ints(), (std::vector<int64_t>{0}));
}

TEST(ReferenceGeneratedSize, UnsupportedRecurrentFormsAreRefusedByTheCheck) {
    Node lstm;
    lstm.name = "lstm";
    lstm.op_type = "LSTM";
    lstm.attributes = {{"layout", int64_t{1}}};
    EXPECT_THROW(reference::check_node(lstm, 14), Error);
    lstm.attributes = {{"activations", std::vector<std::string>{"Relu", "Tanh", "Tanh"}}};
    EXPECT_THROW(reference::check_node(lstm, 14), Error);
    lstm.attributes = {{"input_forget", int64_t{1}}};
    EXPECT_THROW(reference::check_node(lstm, 14), Error);
}

TEST(ReferenceGeneratedSize, BoolsFromBytesAreNormalized) {
    Tensor t(DType::Bool, {3});
    auto* bytes = static_cast<uint8_t*>(t.raw());
    bytes[0] = 0;
    bytes[1] = 2;
    bytes[2] = 255;
    normalize_bools(t);
    EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{0, 1, 1}));
    const Tensor n = OpTester("Not").input(t).run();
    EXPECT_EQ(n.to_ints(), (std::vector<int64_t>{1, 0, 0}));
}

}  // namespace
}  // namespace pot::test
