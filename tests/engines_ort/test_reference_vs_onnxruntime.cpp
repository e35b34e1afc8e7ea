// Every reference kernel against ONNX Runtime, an independent implementation: each case is a
// one-node ONNX model written by the project's exporter, run by both, outputs compared.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>

#include "graph_builder.hpp"
#include "ort_runner.hpp"
#include "pot/core/model_io.hpp"
#include "pot/error.hpp"
#include "pot/graph.hpp"
#include "reference_ops.hpp"
#include "temp_dir.hpp"

namespace pot::test {
namespace {

/// One input of the node under test: a graph input (fed at run time), a constant (an
/// initializer), or an omitted optional input.
struct In {
    enum Kind { Fed, Constant, Omitted } kind;
    Tensor value;
};
In fed(Tensor t) { return {In::Fed, std::move(t)}; }
In constant(Tensor t) { return {In::Constant, std::move(t)}; }
In omitted() { return {In::Omitted, {}}; }

Tensor i64(Shape shape, std::vector<int64_t> values) {
    return Tensor::from_vector<int64_t>(std::move(shape), values);
}
Tensor i64s(std::vector<int64_t> values) {
    const auto n = static_cast<int64_t>(values.size());
    return i64({n}, std::move(values));
}
Tensor f32s(std::vector<float> values) {
    const auto n = static_cast<int64_t>(values.size());
    return Tensor::from_vector<float>({n}, values);
}
Tensor rnd(Shape shape, unsigned seed, float low = -1.0f, float high = 1.0f) {
    return random_tensor(std::move(shape), seed, low, high);
}

struct OpCase {
    std::string name;
    std::string op;
    std::vector<In> inputs;
    std::map<std::string, Attribute> attributes = {};
    int outputs = 1;
    int64_t opset = 17;
};

void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

std::vector<OpCase> cases() {
    const Tensor image = rnd({2, 4, 7, 7}, 1);
    const Tensor w3 = rnd({6, 4, 3, 3}, 2);
    const Tensor bias6 = rnd({6}, 3);
    return {
        // Convolution
        {"ConvPadded", "Conv", {fed(image), constant(w3), constant(bias6)}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
        {"ConvStridedAsymmetricPads", "Conv", {fed(image), constant(w3)},
         {{"strides", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{0, 1, 2, 0}}}},
        {"ConvDilated", "Conv", {fed(image), constant(w3), constant(bias6)},
         {{"dilations", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{2, 2, 2, 2}}}},
        {"ConvGrouped", "Conv", {fed(image), constant(rnd({6, 2, 3, 3}, 4)), constant(bias6)},
         {{"group", int64_t{2}}}},
        {"ConvDepthwise", "Conv", {fed(image), constant(rnd({4, 1, 3, 3}, 5)), constant(rnd({4}, 6))},
         {{"group", int64_t{4}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
        {"ConvAutoPadSameUpper", "Conv", {fed(image), constant(w3)},
         {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<int64_t>{2, 2}}}},
        {"ConvPointwise", "Conv", {fed(image), constant(rnd({3, 4, 1, 1}, 7))}},
        {"ConvTransposeStride2", "ConvTranspose", {fed(image), constant(rnd({4, 3, 2, 2}, 100)), constant(rnd({3}, 101))},
         {{"strides", std::vector<int64_t>{2, 2}}}},
        {"ConvTransposePadsOutputPadding", "ConvTranspose", {fed(image), constant(rnd({4, 5, 3, 3}, 102))},
         {{"strides", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{1, 0, 1, 2}},
          {"output_padding", std::vector<int64_t>{1, 0}}}},
        {"ConvTransposeGroupedDilated", "ConvTranspose", {fed(image), constant(rnd({4, 3, 3, 3}, 103)), constant(rnd({6}, 104))},
         {{"group", int64_t{2}}, {"dilations", std::vector<int64_t>{2, 1}}}},
        {"ConvTransposeOutputShape1D", "ConvTranspose", {fed(rnd({1, 2, 5}, 105)), constant(rnd({2, 3, 4}, 106))},
         {{"strides", std::vector<int64_t>{2}}, {"output_shape", std::vector<int64_t>{10}}}},
        // Dense
        {"GemmTransBBias", "Gemm", {fed(rnd({3, 5}, 8)), constant(rnd({4, 5}, 9)), constant(rnd({4}, 10))},
         {{"transB", int64_t{1}}}},
        {"GemmTransAAlphaBeta", "Gemm", {fed(rnd({5, 3}, 11)), constant(rnd({5, 4}, 12)), constant(rnd({3, 4}, 13))},
         {{"transA", int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}}},
        {"MatMul2D", "MatMul", {fed(rnd({3, 5}, 14)), constant(rnd({5, 4}, 15))}},
        {"MatMulBatchedBroadcast", "MatMul", {fed(rnd({2, 3, 5}, 16)), fed(rnd({5, 4}, 17))}},
        {"MatMulVector", "MatMul", {fed(rnd({2, 3, 5}, 18)), constant(rnd({5}, 19))}},
        // Element-wise binary with broadcasting
        {"Add", "Add", {fed(rnd({2, 3, 4, 5}, 20)), constant(rnd({3, 1, 1}, 21))}},
        {"Sub", "Sub", {fed(rnd({2, 3, 4, 5}, 22)), fed(rnd({5}, 23))}},
        {"Mul", "Mul", {fed(rnd({2, 1, 4, 1}, 24)), fed(rnd({3, 1, 5}, 25))}},
        {"Div", "Div", {fed(rnd({2, 3, 4}, 26)), constant(rnd({3, 1}, 27, 0.5f, 2.0f))}},
        {"AddInt64WrapsAround", "Add",
         {fed(i64s({INT64_MAX, INT64_MIN, 5})), constant(i64s({1, -1, -7}))}},
        {"MulInt32WrapsAround", "Mul",
         {fed(Tensor::from_vector<int32_t>({2}, {65536, -3})), constant(Tensor::from_vector<int32_t>({2}, {65536, 7}))}},
        {"ModInt64PythonSign", "Mod", {fed(i64s({7, -7, 7, -7, 0, 5})), constant(i64s({3, 3, -3, -3, 4, -1}))}},
        {"ModInt32Fmod", "Mod",
         {fed(Tensor::from_vector<int32_t>({4}, {7, -7, 7, -7})), constant(Tensor::from_vector<int32_t>({4}, {3, 3, -3, -3}))},
         {{"fmod", int64_t{1}}}},
        {"ModFloatFmod", "Mod", {fed(rnd({2, 3}, 142, -5.0f, 5.0f)), constant(f32s({1.5f, -2.0f, 0.7f}))}, {{"fmod", int64_t{1}}}},
        {"PowConstantExponent", "Pow", {fed(rnd({2, 3, 4}, 28, 0.1f, 2.0f)), constant(Tensor::scalar(2.5f))}},
        {"PowElementwise", "Pow", {fed(rnd({2, 3}, 29, 0.1f, 2.0f)), fed(rnd({2, 3}, 30, -2.0f, 2.0f))}},
        {"PRelu", "PRelu", {fed(rnd({2, 3, 4, 4}, 31)), constant(rnd({3, 1, 1}, 32, 0.0f, 0.5f))}},
        // Recurrent (sequence 5, batch 2, input 3, hidden 4)
        {"LstmBidirectionalWithStates", "LSTM",
         {fed(rnd({5, 2, 3}, 120)), constant(rnd({2, 16, 3}, 121)), constant(rnd({2, 16, 4}, 122)),
          constant(rnd({2, 32}, 123)), omitted(), constant(rnd({2, 2, 4}, 124)), constant(rnd({2, 2, 4}, 125))},
         {{"hidden_size", int64_t{4}}, {"direction", std::string("bidirectional")}}, 3},
        {"LstmReversePeepholes", "LSTM",
         {fed(rnd({5, 2, 3}, 126)), constant(rnd({1, 16, 3}, 127)), constant(rnd({1, 16, 4}, 128)),
          constant(rnd({1, 32}, 129)), omitted(), omitted(), omitted(), constant(rnd({1, 12}, 130))},
         {{"hidden_size", int64_t{4}}, {"direction", std::string("reverse")}}, 3},
        {"GruLinearBeforeReset", "GRU",
         {fed(rnd({5, 2, 3}, 131)), constant(rnd({2, 12, 3}, 132)), constant(rnd({2, 12, 4}, 133)),
          constant(rnd({2, 24}, 134))},
         {{"hidden_size", int64_t{4}}, {"direction", std::string("bidirectional")}, {"linear_before_reset", int64_t{1}}}, 2},
        {"GruResetBeforeLinearClipped", "GRU",
         {fed(rnd({5, 2, 3}, 135, -3.0f, 3.0f)), constant(rnd({1, 12, 3}, 136)), constant(rnd({1, 12, 4}, 137)),
          constant(rnd({1, 24}, 138)), omitted(), constant(rnd({1, 2, 4}, 139))},
         {{"hidden_size", int64_t{4}}, {"clip", 1.5f}}, 2},
        // Comparison, logic, selection
        {"EqualInt64", "Equal", {fed(i64s({1, 2, 3, 4})), constant(i64s({2}))}},
        {"EqualFloatBroadcast", "Equal", {fed(f32s({0.5f, 1.0f, -2.0f})), constant(Tensor::from_vector<float>({2, 1}, {1.0f, -2.0f}))}},
        {"Less", "Less", {fed(rnd({2, 3, 4}, 110)), fed(rnd({3, 1}, 111))}},
        {"Greater", "Greater", {fed(rnd({2, 3, 4}, 112)), constant(Tensor::scalar(0.1f))}},
        {"LessOrEqualInt32", "LessOrEqual",
         {fed(Tensor::from_vector<int32_t>({4}, {1, 5, -2, 7})), constant(Tensor::from_vector<int32_t>({4}, {1, 4, 0, 9}))}},
        {"GreaterOrEqual", "GreaterOrEqual", {fed(rnd({3, 4}, 113)), fed(rnd({4}, 114))}},
        {"AndBroadcast", "And",
         {fed(Tensor::from_vector<bool>({2, 2}, {true, false, true, true})), constant(Tensor::from_vector<bool>({2}, {true, false}))}},
        {"Or", "Or", {fed(Tensor::from_vector<bool>({3}, {true, false, false})), fed(Tensor::from_vector<bool>({3}, {false, false, true}))}},
        {"Xor", "Xor", {fed(Tensor::from_vector<bool>({3}, {true, false, true})), fed(Tensor::from_vector<bool>({3}, {true, true, false}))}},
        {"Not", "Not", {fed(Tensor::from_vector<bool>({2, 2}, {true, false, false, true}))}},
        {"WhereBroadcastsThreeWays", "Where",
         {fed(Tensor::from_vector<bool>({2, 1}, {true, false})), fed(rnd({1, 3}, 115)), constant(Tensor::scalar(-9.0f))}},
        {"WhereInt64", "Where",
         {constant(Tensor::from_vector<bool>({3}, {false, true, false})), fed(i64s({1, 2, 3})), constant(i64s({7, 8, 9}))}},
        {"ExpandBothWays", "Expand", {fed(rnd({3, 1}, 116)), constant(i64s({2, 1, 4}))}},
        {"ExpandBool", "Expand", {fed(Tensor::from_vector<bool>({1, 2}, {true, false})), constant(i64s({3, 2}))}},
        {"Tile", "Tile", {fed(rnd({2, 3}, 117)), constant(i64s({2, 3}))}},
        {"RangeInt64", "Range", {fed(i64({}, {2})), constant(i64({}, {11})), constant(i64({}, {3}))}},
        {"RangeFloatDescending", "Range", {fed(Tensor::scalar(1.0f)), constant(Tensor::scalar(-1.5f)), constant(Tensor::scalar(-0.5f))}},
        {"CastFloatToBool", "Cast", {fed(f32s({0.0f, 0.5f, -2.0f}))}, {{"to", int64_t{9}}}},
        // Element-wise unary
        {"Relu", "Relu", {fed(rnd({2, 3, 4}, 33))}},
        {"ClipMinMax", "Clip", {fed(rnd({2, 3, 4}, 34)), constant(Tensor::scalar(-0.3f)), constant(Tensor::scalar(0.6f))}},
        {"ClipMinOnly", "Clip", {fed(rnd({2, 3, 4}, 35)), constant(Tensor::scalar(0.1f))}},
        {"ClipMaxOnly", "Clip", {fed(rnd({2, 3, 4}, 36)), omitted(), constant(Tensor::scalar(0.2f))}},
        {"ClipOpset6Attributes", "Clip", {fed(rnd({2, 3, 4}, 37))}, {{"min", -0.5f}, {"max", 0.5f}}, 1, 9},
        {"LeakyRelu", "LeakyRelu", {fed(rnd({2, 3, 4}, 38))}, {{"alpha", 0.2f}}},
        {"Sigmoid", "Sigmoid", {fed(rnd({2, 3, 4}, 39, -6.0f, 6.0f))}},
        {"HardSigmoid", "HardSigmoid", {fed(rnd({2, 3, 4}, 40, -4.0f, 4.0f))}, {{"alpha", 0.25f}, {"beta", 0.4f}}},
        {"HardSwish", "HardSwish", {fed(rnd({2, 3, 4}, 41, -5.0f, 5.0f))}},
        {"Tanh", "Tanh", {fed(rnd({2, 3, 4}, 42, -3.0f, 3.0f))}},
        {"Erf", "Erf", {fed(rnd({2, 3, 4}, 43, -3.0f, 3.0f))}},
        {"Sqrt", "Sqrt", {fed(rnd({2, 3, 4}, 44, 0.0f, 4.0f))}},
        {"Exp", "Exp", {fed(rnd({2, 3, 4}, 45, -3.0f, 3.0f))}},
        {"Log", "Log", {fed(rnd({2, 3, 4}, 97, 0.05f, 5.0f))}},
        {"Reciprocal", "Reciprocal", {fed(rnd({2, 3, 4}, 98, 0.2f, 3.0f))}},
        {"Abs", "Abs", {fed(rnd({2, 3, 4}, 46))}},
        {"Neg", "Neg", {fed(rnd({2, 3, 4}, 47))}},
        {"Floor", "Floor", {fed(rnd({2, 3, 4}, 48, -3.0f, 3.0f))}},
        {"Ceil", "Ceil", {fed(rnd({2, 3, 4}, 49, -3.0f, 3.0f))}},
        {"Identity", "Identity", {fed(rnd({2, 3}, 50))}},
        {"Dropout", "Dropout", {fed(rnd({2, 3}, 51))}},
        {"SoftmaxLastAxis", "Softmax", {fed(rnd({2, 3, 5}, 52, -4.0f, 4.0f))}},
        {"SoftmaxAxis1", "Softmax", {fed(rnd({2, 3, 5}, 53, -4.0f, 4.0f))}, {{"axis", int64_t{1}}}},
        {"LogSoftmaxLastAxis", "LogSoftmax", {fed(rnd({2, 3, 5}, 140, -4.0f, 4.0f))}},
        {"LogSoftmaxOpset11Coerces2D", "LogSoftmax", {fed(rnd({2, 3, 5}, 141, -4.0f, 4.0f))}, {{"axis", int64_t{1}}}, 1, 11},
        {"SoftmaxOpset11Coerces2D", "Softmax", {fed(rnd({2, 3, 5}, 54, -4.0f, 4.0f))}, {{"axis", int64_t{1}}}, 1, 11},
        // Pooling and normalization
        {"MaxPoolStridedPadded", "MaxPool", {fed(image)},
         {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"strides", std::vector<int64_t>{2, 2}},
          {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
        {"MaxPoolCeilMode", "MaxPool", {fed(image)},
         {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}},
          {"ceil_mode", int64_t{1}}}},
        {"MaxPoolDilated", "MaxPool", {fed(image)},
         {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"dilations", std::vector<int64_t>{2, 2}}}},
        {"AveragePoolExcludePad", "AveragePool", {fed(image)},
         {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
        {"AveragePoolIncludePad", "AveragePool", {fed(image)},
         {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"strides", std::vector<int64_t>{2, 2}},
          {"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"count_include_pad", int64_t{1}}}},
        {"GlobalAveragePool", "GlobalAveragePool", {fed(image)}},
        {"BatchNormalization", "BatchNormalization",
         {fed(image), constant(rnd({4}, 55, 0.5f, 1.5f)), constant(rnd({4}, 56)), constant(rnd({4}, 57)),
          constant(rnd({4}, 58, 0.2f, 2.0f))},
         {{"epsilon", 1e-3f}}},
        {"LayerNormalizationLastAxis", "LayerNormalization",
         {fed(rnd({2, 3, 8}, 59)), constant(rnd({8}, 60, 0.5f, 1.5f)), constant(rnd({8}, 61))}},
        {"LayerNormalizationTwoAxes", "LayerNormalization",
         {fed(rnd({2, 3, 4}, 62)), constant(rnd({3, 4}, 63, 0.5f, 1.5f))}, {{"axis", int64_t{1}}, {"epsilon", 1e-3f}}},
        {"ReduceMeanKeepDims", "ReduceMean", {fed(image)}, {{"axes", std::vector<int64_t>{2, 3}}}},
        {"ReduceMeanDropDims", "ReduceMean", {fed(image)},
         {{"axes", std::vector<int64_t>{1, -1}}, {"keepdims", int64_t{0}}}},
        {"ReduceMeanAllAxes", "ReduceMean", {fed(rnd({3, 4}, 64))}},
        {"ReduceMaxKeepDims", "ReduceMax", {fed(image)}, {{"axes", std::vector<int64_t>{2, 3}}}},
        {"ReduceMinDropDims", "ReduceMin", {fed(image)},
         {{"axes", std::vector<int64_t>{1, -1}}, {"keepdims", int64_t{0}}}},
        {"ReduceSumAxesInput", "ReduceSum", {fed(image), constant(i64s({1}))}, {{"keepdims", int64_t{0}}}},
        {"ReduceSumAllAxes", "ReduceSum", {fed(image)}},
        // Layout and shape
        {"Concat", "Concat", {fed(rnd({2, 3, 4}, 65)), constant(rnd({2, 1, 4}, 66)), fed(rnd({2, 2, 4}, 67))},
         {{"axis", int64_t{1}}}},
        {"ReshapeZeroAndMinusOne", "Reshape", {fed(rnd({2, 3, 4}, 68)), constant(i64s({0, -1, 2}))}},
        {"Flatten", "Flatten", {fed(image)}, {{"axis", int64_t{2}}}},
        {"FlattenAxis0", "Flatten", {fed(rnd({2, 3, 4}, 69))}, {{"axis", int64_t{0}}}},
        {"Transpose", "Transpose", {fed(image)}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}}},
        {"TransposeReverse", "Transpose", {fed(rnd({2, 3, 4}, 70))}},
        {"SqueezeAxesInput", "Squeeze", {fed(rnd({2, 1, 3, 1}, 71)), constant(i64s({1, -1}))}},
        {"SqueezeAll", "Squeeze", {fed(rnd({2, 1, 3, 1}, 72))}},
        {"SqueezeOpset11Attribute", "Squeeze", {fed(rnd({2, 1, 3}, 73))}, {{"axes", std::vector<int64_t>{1}}}, 1, 11},
        {"UnsqueezeAxesInput", "Unsqueeze", {fed(rnd({2, 3}, 74)), constant(i64s({0, 3}))}},
        {"UnsqueezeOpset11Attribute", "Unsqueeze", {fed(rnd({2, 3}, 75))}, {{"axes", std::vector<int64_t>{-1}}}, 1, 11},
        {"Shape", "Shape", {fed(image)}},
        {"ConstantTensor", "Constant", {}, {{"value", rnd({2, 3}, 76)}}},
        {"ConstantFloats", "Constant", {}, {{"value_floats", std::vector<float>{1.5f, -2.0f}}}},
        {"ConstantOfShapeDefaultsToFloatZero", "ConstantOfShape", {fed(i64s({2, 3}))}},
        {"ConstantOfShapeInt64Value", "ConstantOfShape", {fed(i64s({4}))},
         {{"value", Tensor::from_vector<int64_t>({1}, {7})}}},
        {"CastToInt64", "Cast", {fed(rnd({2, 3}, 77, -5.0f, 5.0f))}, {{"to", int64_t{7}}}},
        {"SplitEqual", "Split", {fed(rnd({2, 6, 3}, 78))}, {{"axis", int64_t{1}}}, 3},
        {"SplitSizesInput", "Split", {fed(rnd({2, 6, 3}, 79)), constant(i64s({1, 5}))}, {{"axis", int64_t{1}}}, 2},
        {"SplitOpset11Attribute", "Split", {fed(rnd({4, 3}, 80))}, {{"split", std::vector<int64_t>{3, 1}}}, 2, 11},
        {"SliceStepsAndNegativeAxis", "Slice",
         {fed(rnd({4, 6, 5}, 81)), constant(i64s({1, 4})), constant(i64s({4, 0})), constant(i64s({0, -1})),
          constant(i64s({2, -2}))}},
        {"SliceClampedEnds", "Slice",
         {fed(rnd({4, 6}, 82)), constant(i64s({-3})), constant(i64s({1000})), constant(i64s({1}))}},
        {"SliceOpset9Attributes", "Slice", {fed(rnd({4, 6}, 83))},
         {{"starts", std::vector<int64_t>{1, 0}}, {"ends", std::vector<int64_t>{3, -1}}}, 1, 9},
        {"GatherAxis1NegativeIndices", "Gather", {fed(rnd({3, 5, 2}, 84)), constant(i64({2, 2}, {0, -1, 3, 1}))},
         {{"axis", int64_t{1}}}},
        {"ScatterNDSlices", "ScatterND",
         {fed(rnd({4, 3, 2}, 143)), constant(i64({2, 1}, {3, -4})), fed(rnd({2, 3, 2}, 144))}},
        {"ScatterNDElementsAdd", "ScatterND",
         {fed(rnd({3, 4}, 145)), constant(i64({3, 2}, {0, 1, 2, 3, 0, 1})), constant(f32s({1.0f, 2.0f, 3.0f}))},
         {{"reduction", std::string("add")}}},
        {"GatherScalarIndex", "Gather", {fed(rnd({3, 5}, 85)), constant(i64({}, {2}))}},
        {"PadConstant", "Pad", {fed(rnd({2, 3, 4}, 86)), constant(i64s({0, 1, 2, 0, 2, 1})), constant(Tensor::scalar(0.5f))}},
        {"PadReflect", "Pad", {fed(rnd({1, 2, 4, 5}, 87)), constant(i64s({0, 0, 2, 1, 0, 0, 1, 3}))},
         {{"mode", std::string("reflect")}}},
        {"PadEdge", "Pad", {fed(rnd({1, 2, 4, 5}, 88)), constant(i64s({0, 0, 1, 2, 0, 0, 3, 1}))},
         {{"mode", std::string("edge")}}},
        {"PadOpset9Attribute", "Pad", {fed(rnd({2, 3}, 89))},
         {{"pads", std::vector<int64_t>{1, 0, 0, 2}}, {"value", 1.5f}}, 1, 9},
        {"ResizeNearestAsymmetricFloor", "Resize", {fed(rnd({1, 2, 3, 4}, 90)), omitted(), constant(f32s({1, 1, 2, 2}))},
         {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", std::string("asymmetric")},
          {"nearest_mode", std::string("floor")}}},
        {"ResizeNearestHalfPixel", "Resize", {fed(rnd({1, 2, 3, 4}, 91)), omitted(), constant(f32s({1, 1, 2.5f, 1.5f}))}},
        {"ResizeLinearHalfPixel", "Resize", {fed(rnd({1, 2, 3, 4}, 92)), omitted(), constant(f32s({1, 1, 2, 3}))},
         {{"mode", std::string("linear")}}},
        {"ResizeLinearAlignCornersSizes", "Resize",
         {fed(rnd({1, 2, 3, 4}, 93)), omitted(), omitted(), constant(i64s({1, 2, 5, 7}))},
         {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string("align_corners")}}},
        {"ResizeLinearPytorchHalfPixelDown", "Resize",
         {fed(rnd({1, 2, 6, 8}, 94)), omitted(), constant(f32s({1, 1, 0.5f, 0.75f}))},
         {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string("pytorch_half_pixel")}}},
        // Quantization
        {"QuantizeLinearU8", "QuantizeLinear",
         {fed(rnd({2, 3, 4}, 95, -3.0f, 3.0f)), constant(Tensor::scalar(0.02f)),
          constant(Tensor::from_vector<uint8_t>({}, {128}))}},
        {"QuantizeLinearS8PerAxis", "QuantizeLinear",
         {fed(rnd({2, 3, 4}, 96, -3.0f, 3.0f)), constant(f32s({0.01f, 0.02f, 0.03f})),
          constant(Tensor::from_vector<int8_t>({3}, {0, -3, 5}))},
         {{"axis", int64_t{1}}}},
        {"DequantizeLinearU8", "DequantizeLinear",
         {constant(Tensor::from_vector<uint8_t>({2, 3}, {0, 17, 128, 200, 255, 3})), constant(Tensor::scalar(0.05f)),
          constant(Tensor::from_vector<uint8_t>({}, {120}))}},
    };
}

class ReferenceVsOnnxRuntime : public ::testing::TestWithParam<OpCase> {};

::testing::AssertionResult close(const Tensor& ours, const Tensor& theirs) {
    if (ours.dtype() != theirs.dtype() || ours.shape() != theirs.shape())
        return ::testing::AssertionFailure()
               << "reference gives " << dtype_name(ours.dtype()) << " " << shape_str(ours.shape())
               << ", ONNX Runtime " << dtype_name(theirs.dtype()) << " " << shape_str(theirs.shape());
    const auto a = ours.to_floats(), b = theirs.to_floats();
    for (size_t i = 0; i < a.size(); ++i) {
        // Float tolerance: different summation orders and libm implementations.
        const float tolerance = 1e-5f + 1e-5f * std::fabs(b[i]);
        if (!(std::fabs(a[i] - b[i]) <= tolerance))
            return ::testing::AssertionFailure()
                   << "element " << i << ": reference " << a[i] << ", ONNX Runtime " << b[i];
    }
    return ::testing::AssertionSuccess();
}

TEST_P(ReferenceVsOnnxRuntime, OutputsAgree) {
    const std::string why = onnxruntime_unavailable_reason();
    ASSERT_TRUE(why.empty()) << why;
    const OpCase& c = GetParam();

    Graph g;
    g.name = c.name;
    g.opset = c.opset;
    Node node;
    node.name = c.name;
    node.op_type = c.op;
    node.attributes = c.attributes;
    std::vector<const Tensor*> reference_inputs;
    std::vector<Tensor> fed_values;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
        const In& in = c.inputs[i];
        const std::string name = str_cat("x", i);
        switch (in.kind) {
            case In::Omitted:
                node.inputs.push_back("");
                reference_inputs.push_back(nullptr);
                continue;
            case In::Constant: g.initializers[name] = in.value; break;
            case In::Fed:
                g.inputs.push_back({name, in.value.dtype(), in.value.shape()});
                fed_values.push_back(in.value);
                break;
        }
        node.inputs.push_back(name);
        reference_inputs.push_back(&in.value);
    }
    for (int i = 0; i < c.outputs; ++i) node.outputs.push_back(str_cat("y", i));

    std::vector<Tensor> ours;
    reference::run_node(node, reference_inputs, ours, c.opset);
    ASSERT_EQ(ours.size(), static_cast<size_t>(c.outputs));
    for (int i = 0; i < c.outputs; ++i)
        g.outputs.push_back({node.outputs[i], ours[i].dtype(), ours[i].shape()});
    g.nodes.push_back(node);

    TempDir dir;
    core::save_onnx(g, dir / "model.onnx");
    const auto theirs = run_in_onnxruntime(dir / "model.onnx", fed_values);
    ASSERT_EQ(theirs.size(), ours.size());
    for (size_t i = 0; i < ours.size(); ++i) EXPECT_TRUE(close(ours[i], theirs[i])) << "output " << i;
}

INSTANTIATE_TEST_SUITE_P(EveryOp, ReferenceVsOnnxRuntime, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// The table above covers every op the reference engine implements, so a kernel added later
// without a case here is noticed.
TEST(ReferenceVsOnnxRuntimeCoverage, EveryReferenceOpHasACase) {
    std::set<std::string> covered;
    for (const auto& c : cases()) covered.insert(c.op);
    for (const auto& op : reference::supported_ops()) {
        if (op == kFakeQuantizeOp) continue;  // not an ONNX op; exported as Q/DQ and tested there
        EXPECT_TRUE(covered.count(op)) << op << " has no case comparing it with ONNX Runtime";
    }
}

}  // namespace
}  // namespace pot::test
