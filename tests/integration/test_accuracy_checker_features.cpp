// Accuracy Checker datasets whose data are made from annotations, end to end: a three-input
// BERT-style model fed SQuAD features by the launcher's input entries, and a two-input
// recommender fed MovieLens pairs. Their metrics are outside the subset: the model is quantized.
#include <filesystem>

#include <gtest/gtest.h>

#include "graph_builder.hpp"
#include "pot/core/model_io.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int64_t kSeq = 16;

// Three int64 [1, 16] inputs, cast to float, summed, through a MatMul: enough to calibrate.
pot::Graph three_input_model() {
    pot::test::GraphBuilder b("bert_like");
    auto& g = b.graph();
    for (const char* name : {"input_ids_1", "input_mask_1", "segment_ids_1"})
        g.inputs.push_back({name, pot::DType::I64, {1, kSeq}});
    const auto ids = b.node("Cast", {"input_ids_1"}, {{"to", int64_t{1}}});
    const auto mask = b.node("Cast", {"input_mask_1"}, {{"to", int64_t{1}}});
    const auto seg = b.node("Cast", {"segment_ids_1"}, {{"to", int64_t{1}}});
    const auto sum = b.node("Add", {b.node("Add", {ids, mask}), seg});
    const auto w = b.constant("w", pot::test::random_tensor({kSeq, 4}, 3));
    b.output(b.node("MatMul", {sum, w}), {1, 4});
    return b.build();
}

// Embeddings of the user and of the item, multiplied, through a MatMul.
pot::Graph recommender() {
    pot::test::GraphBuilder b("ncf_like");
    auto& g = b.graph();
    g.inputs.push_back({"user", pot::DType::I64, {-1}});
    g.inputs.push_back({"item", pot::DType::I64, {-1}});
    const auto users = b.constant("users", pot::test::random_tensor({8, 4}, 1));
    const auto items = b.constant("items", pot::test::random_tensor({50, 4}, 2));
    const auto both = b.node("Mul", {b.node("Gather", {users, "user"}), b.node("Gather", {items, "item"})});
    b.output(b.node("MatMul", {both, b.constant("w", pot::test::random_tensor({4, 1}, 4))}), {-1, 1});
    return b.build();
}

class AnnotationData : public testing::Test {
protected:
    pot::test::RunResult run(const pot::Graph& model, const std::string& yaml) const {
        pot::core::save_onnx(model, dir_.path() / "model.onnx");
        pot::test::write_file(dir_.path() / "ac.yml", yaml);
        pot::test::write_file(dir_.path() / "config.json", R"({
            "model": {"name": "ignored", "model": "model.onnx", "weights": "model.bin"},
            "engine": {"config": "ac.yml", "backend": "reference"},
            "compression": {"algorithms": [{"name": "DefaultQuantization", "params": {"stat_subset_size": 8}}]}})");
        return pot::test::run_pot_host({"--plugins", POT_PLUGIN_DIR, "-c", (dir_.path() / "config.json").string(), "-d",
                                        "--output-dir", out().string()});
    }
    fs::path out() const { return dir_.path() / "out"; }
    pot::test::TempDir dir_;
};

const char* kSquadYaml = R"(models:
  - name: bert
    launchers:
      - framework: dlsdk
        device: cpu
        adapter: {type: bert_question_answering, start_token_logits_output: s, end_token_logits_output: e}
        inputs:
          - {name: segment_ids_1, type: INPUT, value: segment_ids, precision: I32}
          - {name: input_ids_1, type: INPUT, value: input_ids, precision: I32}
          - {name: input_mask_1, type: INPUT, value: 'input_mask'}
    datasets:
      - name: squad
        data_source: squad
        annotation_conversion:
          converter: squad
          testing_file: squad.json
          vocab_file: vocab.txt
          max_seq_length: 16
          max_query_length: 4
          doc_stride: 4
          lower_case: true
        reader: {type: annotation_features_extractor, features: [input_ids, input_mask, segment_ids]}
        postprocessing: [{type: extract_answers_tokens, max_answer: 30, n_best_size: 20}]
        metrics: [{type: f1}, {type: exact_match}]
)";

TEST_F(AnnotationData, ABertStyleModelIsQuantizedOnSquadFeaturesByItsInputEntries) {
    pot::test::write_file(dir_.path() / "squad.json", R"({"data": [{"title": "t", "paragraphs": [
        {"context": "The tower was built of grey stone in the spring and painted white in the autumn.",
         "qas": [{"id": "a", "question": "What was the tower built of?"},
                 {"id": "b", "question": "When was it painted?"}]}]}]})");
    pot::test::write_file(dir_.path() / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ntower\nwas\nbuilt\nof\n"
                                                     "grey\nstone\nin\nspring\nand\npaint\n##ed\nwhite\n.\nwhat\n?\n");
    const auto r = run(three_input_model(), kSquadYaml);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out() / "model.onnx")) << r.err;
    for (const char* part : {"/model/name: ignored", "adapter: 'bert_question_answering'", "type: 'f1'"})
        EXPECT_NE(r.err.find(part), std::string::npos) << part << " missing from:\n" << r.err;
}

TEST_F(AnnotationData, AnInputEntryMatchingNoFeatureIsNamedWithItsYamlPath) {
    pot::test::write_file(dir_.path() / "squad.json", R"({"data": [{"title": "t", "paragraphs": [
        {"context": "grey stone", "qas": [{"id": "a", "question": "what?"}]}]}]})");
    pot::test::write_file(dir_.path() / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\ngrey\nstone\nwhat\n?\n");
    std::string yaml = kSquadYaml;
    yaml.replace(yaml.find("value: segment_ids"), 18, "value: token_type");
    const auto r = run(three_input_model(), yaml);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("ac.yml: /models/0/launchers/0/inputs/0/value: 'token_type' matches none"), std::string::npos)
        << r.err;
}

TEST_F(AnnotationData, ARecommenderIsQuantizedOnMovieLensPairs) {
    pot::test::write_file(dir_.path() / "ratings.csv", "0 10 5\n1 11 5\n2 12 4\n3 13 5\n");
    pot::test::write_file(dir_.path() / "negative.csv", "20 21 22\n23 24 25\n26 27 28\n29 30 31\n");
    const auto r = run(recommender(), R"(models:
  - name: NCF
    launchers:
      - framework: dlsdk
        device: CPU
        adapter: hit_ratio_adapter
        batch: 2048
        inputs:
          - {type: INPUT, value: "u", name: user}
          - {type: INPUT, value: "i", name: item}
        allow_reshape_input: True
    datasets:
      - name: ncf_dataset
        data_source: ncf
        annotation: ncf_converter.pickle
        dataset_meta: ncf_converter.json
        annotation_conversion:
          converter: movie_lens_converter
          rating_file: ratings.csv
          negative_file: negative.csv
          users_max_number: 4
        reader: ncf_data_reader
        metrics: [{type: hit_ratio}, {type: ndcg}]
)");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out() / "model.onnx")) << r.err;
    EXPECT_NE(r.err.find("type: 'hit_ratio'"), std::string::npos) << r.err;
}

}  // namespace
