// pot-host running RangeOptimization after MinMaxQuantization on the bundled Fashion-MNIST CNN.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fmnist_example.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace {

using nlohmann::json;

// 4-bit MinMax (preset mixed) and, when `search` is given, RangeOptimization with it.
json config(const json& search) {
    json c = pot::test::fmnist_example_config("minmax.json");
    c["engine"]["backend"] = "cpu";
    c["compression"]["algorithms"] = json::array(
        {{{"name", "MinMaxQuantization"},
          {"params", {{"preset", "mixed"}, {"stat_subset_size", 300}, {"weights", {{"bits", 4}}},
                      {"activations", {{"bits", 4}}}}}}});
    if (!search.is_null()) c["compression"]["algorithms"].push_back({{"name", "RangeOptimization"}, {"params", search}});
    return c;
}

// The search tunes the ranges on the first 1000 test images; the accuracy on all 2000 rises
// (measured: 89.60% without it, 90.45% with; FP32 92.25%), so it is not only the searched half
// that gains. Its report and the CSV POT's result_filename asks for record every evaluation.
TEST(RangeOptimizationRun, SearchedRangesRaiseTheAccuracyBeyondTheSearchedSamples) {
    pot::test::TempDir work;
    const auto base = pot::test::quantize_and_evaluate(config(nullptr), work.path() / "base");
    ASSERT_EQ(base.run.exit_code, 0) << base.run.out << base.run.err;
    const auto searched = pot::test::quantize_and_evaluate(
        config({{"maxiter", 60}, {"optimization_subset_size", 1000}, {"lower_boxsize", 0.3}, {"upper_boxsize", 0.1},
                {"result_filename", "./rangeopt_results.csv"}}),
        work.path() / "searched");
    ASSERT_EQ(searched.run.exit_code, 0) << searched.run.out << searched.run.err;
    const double before = base.report.at("evaluation").at("int8").get<double>();
    const double after = searched.report.at("evaluation").at("int8").get<double>();
    EXPECT_GT(after, before + 0.3) << "MinMax alone " << before << "%, with the search " << after << "%";
    const auto& search = searched.report.at("algorithm_reports").at("RangeOptimization").at("search");
    EXPECT_EQ(search.at("evaluations"), 60);
    EXPECT_EQ(search.at("samples"), 1000);
    EXPECT_GT(search.at("best").get<double>(), search.at("initial").get<double>());
    std::ifstream csv(work.path() / "searched" / "rangeopt_results.csv");
    ASSERT_TRUE(csv) << "no rangeopt_results.csv";
    size_t lines = 0;
    for (std::string line; std::getline(csv, line);) ++lines;
    EXPECT_EQ(lines, 61u);  // a header and one line per evaluation
}

// POT's way to check given ranges: activation_ranges_to_set writes them (0 moved onto the nearest
// of the 16 codes) and searches nothing.
TEST(RangeOptimizationRun, GivenRangesAreSetAsWritten) {
    pot::test::TempDir work;
    const auto run = pot::test::quantize_and_evaluate(
        config({{"activation_ranges_to_set", json::array({{{"input", {-0.5, 1.5}}}})}}), work.path() / "out");
    ASSERT_EQ(run.run.exit_code, 0) << run.run.out << run.run.err;
    const auto& set = run.report.at("algorithm_reports").at("RangeOptimization").at("ranges_set");
    ASSERT_EQ(set.size(), 1u);
    const double step = 2.0 / 15;
    EXPECT_NEAR(set[0].at("after")[0].get<double>(), -0.5, step);
    EXPECT_NEAR(set[0].at("after")[1].get<double>(), 1.5, step);
    EXPECT_DOUBLE_EQ(set[0].at("before")[0].get<double>(), 0.0);  // the images' range was [0, 1]
}

TEST(RangeOptimizationRun, ParametersItCannotHonourAreErrorsNamingThem) {
    pot::test::TempDir work;
    for (const auto& [params, expected] :
         {std::pair{json{{"error_function", "quantization_noise"}}, "error_function"},
          std::pair{json{{"opt_backend", "nlopt"}, {"optimizer_name", "LD_LBFGS"}}, "needs gradients"},
          std::pair{json{{"maxiter", 0}}, "maxiter"},
          std::pair{json{{"activation_ranges_to_set", {{"input", {1.0, 2.0}}}}}, "contain 0"}}) {
        const auto run = pot::test::quantize_and_evaluate(config(params), work.path() / "bad");
        EXPECT_EQ(run.run.exit_code, 2) << params.dump();
        EXPECT_NE(run.run.err.find(expected), std::string::npos) << run.run.err;
        std::filesystem::remove_all(work.path() / "bad");
    }
}

}  // namespace
