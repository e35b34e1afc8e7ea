#include <cmath>

#include <gtest/gtest.h>

#include "pot/core/metrics.hpp"

namespace {

using pot::Sample;
using pot::Tensor;

Sample sample(size_t index, std::optional<int64_t> label) {
    Sample s;
    s.index = index;
    s.label = label;
    return s;
}

std::vector<Tensor> scores(std::vector<float> v) {
    return {Tensor::from_vector<float>({1, static_cast<int64_t>(v.size())}, v)};
}

TEST(Top1Accuracy, CountsMatchingArgmax) {
    pot::core::Top1Accuracy m;
    m.update(scores({0.1f, 0.9f, 0.0f}), sample(0, 1));
    m.update(scores({0.8f, 0.1f, 0.1f}), sample(1, 2));
    EXPECT_DOUBLE_EQ(m.value(), 50.0);
    m.reset();
    EXPECT_DOUBLE_EQ(m.value(), 0.0);
}

TEST(Top1Accuracy, UnlabelledSampleIsAnError) {
    pot::core::Top1Accuracy m;
    EXPECT_THROW(m.update(scores({1.0f}), sample(0, std::nullopt)), pot::Error);
}

TEST(Top1Accuracy, LabelOutsideTheOutputClassesIsAnInputError) {
    pot::core::Top1Accuracy m;
    for (int64_t label : {int64_t{3}, int64_t{-1}}) {
        try {
            m.update(scores({0.1f, 0.9f, 0.0f}), sample(7, label));
            ADD_FAILURE() << "label " << label << " accepted";
        } catch (const pot::Error& e) {
            EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
            EXPECT_NE(std::string(e.what()).find("sample 7"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("3 classes"), std::string::npos) << e.what();
        }
    }
}

TEST(Top1Agreement, ComparesWithTheReferenceRun) {
    pot::core::ReferenceOutputs ref;
    ref.update(scores({1, 0}), sample(0, std::nullopt));
    ref.update(scores({0, 1}), sample(1, std::nullopt));
    pot::core::Top1Agreement m(ref);
    m.reset();
    m.update(scores({2, 0}), sample(0, std::nullopt));   // same class, cosine 1
    m.update(scores({1, 0}), sample(1, std::nullopt));   // other class, cosine 0
    EXPECT_DOUBLE_EQ(m.value(), 50.0);
    EXPECT_NEAR(m.mean_cosine(), 0.5, 1e-12);
}

TEST(OutcomeChanges, CountsFixedAndBrokenSamplesInAnyOrder) {
    // Samples 0..4: FP32 right on 0, 1, 2; INT8 right on 1, 2, 3 (listed in another order).
    const std::vector<std::pair<size_t, bool>> fp32 = {{0, true}, {1, true}, {2, true}, {3, false}, {4, false}};
    const std::vector<std::pair<size_t, bool>> int8 = {{4, false}, {3, true}, {2, true}, {1, true}, {0, false}};
    const auto c = pot::core::compare_outcomes(fp32, int8);
    EXPECT_EQ(c.fixed, 1);
    EXPECT_EQ(c.broken, 1);
    EXPECT_EQ(c.samples, 5);
    EXPECT_NEAR(c.standard_error_points(), 100.0 * std::sqrt(2.0) / 5.0, 1e-12);
}

TEST(OutcomeChanges, DifferentSampleSetsAreAnError) {
    EXPECT_THROW(pot::core::compare_outcomes({{0, true}}, {{1, true}}), pot::Error);
    EXPECT_THROW(pot::core::compare_outcomes({{0, true}}, {}), pot::Error);
}

TEST(Top1Accuracy, RecordsEverySampleOutcome) {
    pot::core::Top1Accuracy m;
    m.update(scores({0.9f, 0.1f}), sample(7, 0));
    m.update(scores({0.9f, 0.1f}), sample(3, 1));
    EXPECT_EQ(m.outcomes(), (std::vector<std::pair<size_t, bool>>{{7, true}, {3, false}}));
    m.reset();
    EXPECT_TRUE(m.outcomes().empty());
}

TEST(CosineSimilarity, KnownValues) {
    EXPECT_NEAR(pot::core::cosine_similarity({1, 0}, {1, 1}), std::sqrt(0.5), 1e-12);
    EXPECT_DOUBLE_EQ(pot::core::cosine_similarity({0, 0}, {0, 0}), 1.0);
    EXPECT_THROW(pot::core::cosine_similarity({1}, {1, 2}), pot::Error);
}

}  // namespace
