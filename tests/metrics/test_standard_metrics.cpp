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

// One-hot scores [1, steps, classes] for a sequence of class indices.
std::vector<Tensor> steps(const std::vector<int>& classes, int64_t count) {
    std::vector<float> v(classes.size() * static_cast<size_t>(count), 0.0f);
    for (size_t t = 0; t < classes.size(); ++t) v[t * static_cast<size_t>(count) + static_cast<size_t>(classes[t])] = 1.0f;
    return out(v, {1, static_cast<int64_t>(classes.size()), count});
}

TEST(CtcExactMatch, GreedyDecodingMergesRepeatsAndDropsBlanks) {
    CtcExactMatch m(Params(R"({"alphabet": "abl"})"));  // classes: 0 blank, 1 a, 2 b, 3 l
    // "a a - b b - b l": repeats merge, a blank separates the two b's -> "abbl".
    EXPECT_EQ(m.decode(steps({1, 1, 0, 2, 2, 0, 2, 3}, 4)[0]), "abbl");
    m.update(steps({1, 1, 0, 2, 2, 0, 2, 3}, 4), {}, sample(0, Annotation::of_text("abbl")));
    m.update(steps({1, 1, 0, 2, 2, 2, 2, 3}, 4), {}, sample(1, Annotation::of_text("abbl")));  // decodes "abl"
    EXPECT_EQ(m.name(), "ctc_exact_match");
    EXPECT_EQ(m.per_sample(), (std::vector<double>{100, 0}));
    EXPECT_DOUBLE_EQ(m.value(), 50.0);
}

TEST(CtcExactMatch, BlankElsewhereAndMultiByteSymbols) {
    // "ä", "b" then the blank last (index 2), as some exporters order them.
    CtcExactMatch m(Params(R"({"alphabet": "äb", "blank": 2})"));
    EXPECT_EQ(m.decode(steps({0, 2, 0, 1, 1}, 3)[0]), "ääb");
}

TEST(CtcExactMatch, SaysWhatIsWrong) {
    CtcExactMatch m(Params(R"({"alphabet": "ab"})"));
    EXPECT_NE(pot::test::error_message([&] { m.update(steps({1}, 3), {}, sample(3, Annotation::of_class(1))); })
                  .find("sample 3 is annotated with a class index; ctc_exact_match needs a text"),
              std::string::npos);
    EXPECT_NE(pot::test::error_message([&] { m.update(steps({1}, 3), {}, sample(4)); }).find("sample 4 has no annotation"),
              std::string::npos);
    EXPECT_NE(pot::test::error_message([&] { m.update(steps({1}, 5), {}, sample(5, Annotation::of_text("a"))); })
                  .find("3 classes (alphabet and blank) but output 0 has 5 scores per step"),
              std::string::npos);
    EXPECT_NE(pot::test::error_message([] { CtcExactMatch(Params("{}")); }).find("/alphabet: required"),
              std::string::npos);
    EXPECT_NE(pot::test::error_message([] { CtcExactMatch(Params(R"({"alphabet": "ab", "blank": 3})")); })
                  .find("/blank: must be a class index from 0 to 2"),
              std::string::npos);
    // nlohmann's parser refuses invalid UTF-8, but parameters can also come as built JSON.
    const nlohmann::json invalid = {{"alphabet", std::string("a\xff")}};
    EXPECT_NE(pot::test::error_message([&] { CtcExactMatch(Params(invalid, "params")); }).find("not valid UTF-8"),
              std::string::npos);
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
