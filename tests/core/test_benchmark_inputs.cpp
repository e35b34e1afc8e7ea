// What `pot-host benchmark` feeds a model: -shape parsing, data files, dynamic dimensions.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "pot/core/benchmark_inputs.hpp"
#include "pot/core/npy.hpp"
#include "temp_dir.hpp"

namespace pot::test {
namespace {

using core::BenchmarkInputSpec;
using core::make_benchmark_inputs;
using core::parse_shape_option;

// Expects `f` to throw a pot::Error of `kind` whose message holds every one of `parts`.
void expect_error_kind(const std::function<void()>& f, ErrorKind kind, std::vector<std::string> parts) {
    try {
        f();
        ADD_FAILURE() << "no error; expected one mentioning " << parts.front();
    } catch (const Error& e) {
        EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
        for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
}

Graph two_input_graph() {
    Graph g;
    g.inputs.push_back({"input_ids", DType::I64, {-1, -1}});
    g.inputs.push_back({"attention_mask", DType::I64, {-1, 64}});
    return g;
}

Graph image_graph(Shape shape) {
    Graph g;
    g.inputs.push_back({"image", DType::F32, std::move(shape)});
    return g;
}

TEST(ShapeOption, ParsesNamedUnnamedAndSeveral) {
    EXPECT_EQ(parse_shape_option("[1,3,224,224]").at(""), (Shape{1, 3, 224, 224}));
    EXPECT_EQ(parse_shape_option("1,3,32,320").at(""), (Shape{1, 3, 32, 320}));
    const auto two = parse_shape_option("input_ids[1,64],attention_mask[1,64]");
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two.at("input_ids"), (Shape{1, 64}));
    EXPECT_EQ(two.at("attention_mask"), (Shape{1, 64}));
}

TEST(ShapeOption, RejectsMalformedText) {
    for (const char* bad : {"", "[1,3", "x[1,-3]", "x[1,a]", "x[1]y[2]", "x[1],x[2]", "x[]", "x[1],"})
        expect_error_kind([&] { parse_shape_option(bad); }, ErrorKind::Usage, {"-shape"});
}

TEST(BenchmarkInputs, DynamicDimensionWithoutShapeNamesTheInput) {
    expect_error_kind([] { make_benchmark_inputs(two_input_graph(), {}); }, ErrorKind::Usage,
                      {"input_ids", "dynamic", "-shape input_ids[N,N]"});
}

TEST(BenchmarkInputs, BatchFillsOnlyTheFirstDimension) {
    BenchmarkInputSpec spec;
    spec.batch = 4;
    const auto t = make_benchmark_inputs(image_graph({-1, 3, 8, 8}), spec);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].shape(), (Shape{4, 3, 8, 8}));
    EXPECT_EQ(t[0].dtype(), DType::F32);
    expect_error_kind([] { make_benchmark_inputs(image_graph({-1, 3, -1, -1}), {}); },
                      ErrorKind::Usage, {"image", "-shape image[N,3,N,N]"});
}

TEST(BenchmarkInputs, ShapesAndTypesFollowTheModel) {
    BenchmarkInputSpec spec;
    spec.shapes = parse_shape_option("input_ids[1,64],attention_mask[1,64]");
    const auto t = make_benchmark_inputs(two_input_graph(), spec);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].dtype(), DType::I64);
    EXPECT_EQ(t[1].shape(), (Shape{1, 64}));
    EXPECT_EQ(t[1].to_ints().front(), 1);  // a mask of ones: nothing is padding
    spec.shapes = parse_shape_option("input_ids[1,64],attention_mask[1,32]");
    expect_error_kind([&] { make_benchmark_inputs(two_input_graph(), spec); }, ErrorKind::Usage,
                      {"attention_mask", "fixes dimension 1 to 64"});
    spec.shapes = parse_shape_option("tokens[1,64]");
    expect_error_kind([&] { make_benchmark_inputs(two_input_graph(), spec); }, ErrorKind::Usage,
                      {"no input 'tokens'", "input_ids, attention_mask"});
    spec.shapes = parse_shape_option("[1,64]");
    expect_error_kind([&] { make_benchmark_inputs(two_input_graph(), spec); }, ErrorKind::Usage,
                      {"one input", "has 2"});
}

TEST(BenchmarkInputs, DataFilesAreUsedAsTheyAre) {
    TempDir dir;
    const Tensor ids = Tensor::from_vector<int64_t>({1, 3}, {5, 6, 7});
    core::write_npy(dir / "ids.npy", ids);
    core::write_npy(dir / "mask.npy", Tensor::from_vector<int64_t>({1, 64}, std::vector<int64_t>(64, 1)));
    BenchmarkInputSpec spec;
    spec.data = {{"input_ids", dir / "ids.npy"}, {"attention_mask", dir / "mask.npy"}};
    const auto t = make_benchmark_inputs(two_input_graph(), spec);
    EXPECT_EQ(t[0].to_ints(), ids.to_ints());
    core::write_npy(dir / "f.npy", Tensor(DType::F32, {1, 64}));
    spec.data["attention_mask"] = dir / "f.npy";
    expect_error_kind([&] { make_benchmark_inputs(two_input_graph(), spec); }, ErrorKind::Input,
                      {"f.npy", "f32", "i64"});
}

TEST(BenchmarkInputs, HugeShapesAreRefusedBeforeAllocation) {
    BenchmarkInputSpec spec;
    spec.shapes = parse_shape_option("[100000,3,1000,1000]");
    expect_error_kind([&] { make_benchmark_inputs(image_graph({-1, 3, -1, -1}), spec); },
                      ErrorKind::Usage, {"image", "MiB allowed"});
}

}  // namespace
}  // namespace pot::test
