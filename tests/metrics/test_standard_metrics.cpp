// The standard metric plugin's metrics on hand-computed cases: values, per-sample scores, and
// the errors for missing or mismatched annotations.
#include <cmath>

#include <gtest/gtest.h>

#include "errors.hpp"
#include "metrics.hpp"
#include "pot/error.hpp"

namespace pot::metrics {
namespace {

std::vector<Tensor> out(std::vector<float> v, Shape shape = {}) {
    if (shape.empty()) shape = {1, static_cast<int64_t>(v.size())};
    return {Tensor::from_vector<float>(shape, std::move(v))};
}

Sample sample(size_t index, std::optional<Annotation> annotation = std::nullopt) {
    Sample s;
    s.index = index;
    s.annotation = std::move(annotation);
    return s;
}

TEST(Accuracy, TopOneAndTopK) {
    Accuracy top1(Params("{}")), top2(Params(R"({"top_k": 2})"));
    for (Metric* m : {static_cast<Metric*>(&top1), static_cast<Metric*>(&top2)}) {
        m->update(out({0.1f, 0.7f, 0.2f}), {}, sample(0, Annotation::of_class(1)));
        m->update(out({0.1f, 0.7f, 0.2f}), {}, sample(1, Annotation::of_class(2)));
        m->update(out({0.1f, 0.7f, 0.2f}), {}, sample(2, Annotation::of_class(0)));
    }
    EXPECT_EQ(top1.name(), "accuracy@top1");
    EXPECT_EQ(top1.per_sample(), (std::vector<double>{100, 0, 0}));
    EXPECT_NEAR(top1.value(), 100.0 / 3, 1e-12);
    EXPECT_EQ(top2.name(), "accuracy@top2");
    EXPECT_EQ(top2.per_sample(), (std::vector<double>{100, 100, 0}));
    top1.reset();
    EXPECT_TRUE(top1.per_sample().empty());
    EXPECT_FALSE(top1.needs_reference());
}

TEST(Accuracy, SaysWhatIsWrongWithTheAnnotation) {
    Accuracy m(Params("{}"));
    EXPECT_NE(pot::test::error_message([&] { m.update(out({1, 0}), {}, sample(4)); }).find("sample 4 has no annotation"),
              std::string::npos);
    EXPECT_NE(pot::test::error_message([&] { m.update(out({1, 0}), {}, sample(5, Annotation::of_text("hello"))); })
                  .find("annotated with a text; accuracy@top1 needs a class index"),
              std::string::npos);
    EXPECT_NE(pot::test::error_message([&] { m.update(out({1, 0}), {}, sample(6, Annotation::of_class(2))); })
                  .find("has 2 classes"),
              std::string::npos);
    EXPECT_THROW(Accuracy(Params(R"({"top_k": 0})")), Error);
    EXPECT_THROW(Accuracy(Params(R"({"topk": 1})")), Error);
}

TEST(Agreement, ComparesArgmaxAtEveryPositionOfASequence) {
    // Two samples of 3 steps x 2 classes; the second disagrees at one step.
    SampleAgreement sample_level(Params("{}"));
    PositionAgreement positions(Params("{}"));
    const auto ref = out({1, 0, 0, 1, 1, 0}, {1, 3, 2});
    const auto same = out({0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f}, {1, 3, 2});
    const auto one_off = out({0.9f, 0.1f, 0.7f, 0.3f, 0.6f, 0.4f}, {1, 3, 2});
    for (Metric* m : {static_cast<Metric*>(&sample_level), static_cast<Metric*>(&positions)}) {
        EXPECT_TRUE(m->needs_reference());
        m->update(same, ref, sample(0));
        m->update(one_off, ref, sample(1));
    }
    EXPECT_EQ(sample_level.per_sample(), (std::vector<double>{100, 0}));
    EXPECT_DOUBLE_EQ(sample_level.value(), 50.0);
    EXPECT_NEAR(positions.per_sample()[1], 200.0 / 3, 1e-12);
    EXPECT_NEAR(positions.value(), 500.0 / 6, 1e-12);
    EXPECT_NE(pot::test::error_message([&] { sample_level.update(out({1, 0}), out({1, 0, 0}), sample(2)); }).find("differs"),
              std::string::npos);
}

TEST(CosineAndSqnr, AgainstTheFloatOutput) {
    Cosine cosine(Params("{}"));
    Sqnr sqnr(Params("{}"));
    cosine.update(out({1, 0}), out({1, 1}), sample(0));
    cosine.update(out({2, 2}), out({1, 1}), sample(1));
    EXPECT_NEAR(cosine.value(), (std::sqrt(0.5) + 1.0) / 2, 1e-12);
    // Signal 1 + 1, noise 0 + 1 on the first; exact on the second.
    sqnr.update(out({1, 0}), out({1, 1}), sample(0));
    sqnr.update(out({1, 1}), out({1, 1}), sample(1));
    EXPECT_NEAR(sqnr.per_sample()[0], 10 * std::log10(2.0), 1e-12);
    EXPECT_DOUBLE_EQ(sqnr.per_sample()[1], kExactSqnrDb);
    EXPECT_NEAR(sqnr.value(), 10 * std::log10(4.0), 1e-12);
    EXPECT_NE(pot::test::error_message([&] { sqnr.update(out({1}), {}, sample(3)); }).find("no float-model output"),
              std::string::npos);
}

}  // namespace
}  // namespace pot::metrics
