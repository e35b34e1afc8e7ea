// Accuracy Checker datasets whose data are made from annotations, end to end: a three-input
// BERT-style model fed SQuAD features by the launcher's input entries and scored by SQuAD's F1
// and exact match, and a two-input recommender fed MovieLens pairs (its metrics are outside the
// subset: the model is quantized).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "graph_builder.hpp"
#include "pot/core/model_io.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int64_t kSeq = 16;

// Three int64 [1, 16] inputs, cast to float, summed, through two MatMuls: start and end logits
// of random weights, enough to calibrate.
pot::Graph three_input_model() {
    pot::test::GraphBuilder b("bert_like");
    auto& g = b.graph();
    for (const char* name : {"input_ids_1", "input_mask_1", "segment_ids_1"})
        g.inputs.push_back({name, pot::DType::I64, {1, kSeq}});
    const auto ids = b.node("Cast", {"input_ids_1"}, {{"to", int64_t{1}}});
    const auto mask = b.node("Cast", {"input_mask_1"}, {{"to", int64_t{1}}});
    const auto seg = b.node("Cast", {"segment_ids_1"}, {{"to", int64_t{1}}});
    const auto sum = b.node("Add", {b.node("Add", {ids, mask}), seg});
    b.output(b.node("MatMul", {sum, b.constant("w_start", pot::test::random_tensor({kSeq, kSeq}, 3))}), {1, kSeq});
    b.output(b.node("MatMul", {sum, b.constant("w_end", pot::test::random_tensor({kSeq, kSeq}, 5))}), {1, kSeq});
    return b.build();
}

// Start logits 1 where the token is `start_id`, end logits 1 where it is `end_id`, else 0: a
// model that answers with the span from the one token to the other.
pot::Graph pointing_model(int64_t start_id, int64_t end_id) {
    pot::test::GraphBuilder b("pointer");
    auto& g = b.graph();
    for (const char* name : {"input_ids_1", "input_mask_1", "segment_ids_1"})
        g.inputs.push_back({name, pot::DType::I64, {1, kSeq}});
    for (int64_t id : {start_id, end_id}) {
        const auto token = b.constant(id == start_id ? "start_id" : "end_id", pot::Tensor::from_vector<int64_t>({1}, {id}));
        b.output(b.node("Cast", {b.node("Equal", {"input_ids_1", token})}, {{"to", int64_t{1}}}), {1, kSeq});
    }
    return b.build();
}

// The YAML's START and END replaced by the model's output names.
std::string with_outputs(std::string yaml, const pot::Graph& model) {
    yaml.replace(yaml.find("START"), 5, model.outputs.at(0).name);
    yaml.replace(yaml.find("END"), 3, model.outputs.at(1).name);
    return yaml;
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

// The metrics list with `first` first (the one the run scores by).
std::string str_cat_metrics(const std::string& first) {
    std::string out = "metrics: [{type: ";
    out += first;
    out += first == "f1" ? "}, {type: exact_match}]\n" : "}, {type: f1}]\n";
    return out;
}

class AnnotationData : public testing::Test {
protected:
    pot::test::RunResult run(const pot::Graph& model, const std::string& yaml, bool evaluate = false) const {
        pot::core::save_onnx(model, dir_.path() / "model.onnx");
        pot::test::write_file(dir_.path() / "ac.yml", yaml);
        pot::test::write_file(dir_.path() / "config.json", R"({
            "model": {"name": "ignored", "model": "model.onnx", "weights": "model.bin"},
            "engine": {"config": "ac.yml", "backend": "reference"},
            "compression": {"algorithms": [{"name": "DefaultQuantization", "params": {"stat_subset_size": 8}}]}})");
        std::vector<std::string> args = {"--plugins", POT_PLUGIN_DIR, "-c", (dir_.path() / "config.json").string(),
                                         "-d", "--output-dir", out().string()};
        if (evaluate) args.push_back("-e");
        return pot::test::run_pot_host(args);
    }
    fs::path out() const { return dir_.path() / "out"; }
    nlohmann::json evaluation() const {
        std::ifstream in(out() / "report.json");
        return nlohmann::json::parse(in).at("evaluation");
    }
    // The tower paragraph with one question (a, gold "grey stone") or two (b: "in the autumn").
    void write_squad(bool both) const {
        pot::test::write_file(dir_.path() / "squad.json", std::string(R"({"data": [{"title": "t", "paragraphs": [
            {"context": "The tower was built of grey stone in the spring and painted white in the autumn.",
             "qas": [{"id": "a", "question": "What was the tower built of?",
                      "answers": [{"text": "grey stone", "answer_start": 23}]})") +
                                  (both ? R"(, {"id": "b", "question": "When was it painted?",
                      "answers": [{"text": "in the autumn", "answer_start": 65}]})" : "") + "]}]}]}");
        pot::test::write_file(dir_.path() / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ntower\nwas\nbuilt\nof\n"
                                                         "grey\nstone\nin\nspring\nand\npaint\n##ed\nwhite\n.\nwhat\n?\n");
    }
    pot::test::TempDir dir_;
};

const char* kSquadYaml = R"(models:
  - name: bert
    launchers:
      - framework: dlsdk
        device: cpu
        adapter: {type: bert_question_answering, start_token_logits_output: START, end_token_logits_output: END}
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
        metrics: [{type: f1, reference: 88.57, threshold: 0.01}, {type: exact_match}]
)";

TEST_F(AnnotationData, ABertStyleModelIsQuantizedOnSquadFeaturesAndScoredBySquadF1AndExactMatch) {
    write_squad(true);
    const auto model = three_input_model();
    const auto f1_run = run(model, with_outputs(kSquadYaml, model), true);
    ASSERT_EQ(f1_run.exit_code, 0) << f1_run.err;
    EXPECT_TRUE(fs::exists(out() / "model.onnx")) << f1_run.err;
    for (const char* part : {"bert_question_answering", "type: 'f1'", "postprocessing"})
        EXPECT_EQ(f1_run.err.find(part), std::string::npos) << part << " in:\n" << f1_run.err;
    const auto f1 = evaluation();
    EXPECT_EQ(f1.at("metric"), "f1");
    // The same run scored by exact match first.
    std::string em_yaml = kSquadYaml;
    em_yaml.replace(em_yaml.find("metrics:"), std::string::npos, "metrics: [{type: exact_match}, {type: f1}]\n");
    fs::remove_all(out());
    const auto em_run = run(model, with_outputs(em_yaml, model), true);
    ASSERT_EQ(em_run.exit_code, 0) << em_run.err;
    const auto em = evaluation();
    EXPECT_EQ(em.at("metric"), "exact_match");
    // Random weights answer anything: the scores are percentages, and a whole match is a full overlap.
    for (const char* model_kind : {"fp32", "int8"}) {
        const double f1_value = f1.at(model_kind).get<double>(), em_value = em.at(model_kind).get<double>();
        EXPECT_GE(f1_value, em_value) << model_kind;
        EXPECT_GE(em_value, 0.0) << model_kind;
        EXPECT_LE(f1_value, 100.0) << model_kind;
    }
}

TEST_F(AnnotationData, AModelPointingAtTheGoldSpanScoresAHundred) {
    write_squad(false);
    // grey and stone are lines 9 and 10 of the vocabulary.
    const auto model = pointing_model(9, 10);
    for (const char* first : {"f1", "exact_match"}) {
        std::string yaml = kSquadYaml;
        yaml.replace(yaml.find("metrics:"), std::string::npos, str_cat_metrics(first));
        fs::remove_all(out());
        const auto r = run(model, with_outputs(yaml, model), true);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(evaluation().at("metric"), first);
        EXPECT_DOUBLE_EQ(evaluation().at("fp32").get<double>(), 100.0) << first;
    }
}

TEST_F(AnnotationData, AnAdapterOutputTheModelLacksIsNamedWithTheModelsOutputs) {
    write_squad(false);
    const auto model = three_input_model();
    std::string yaml = with_outputs(kSquadYaml, model);
    yaml.replace(yaml.find(model.outputs.at(0).name), model.outputs.at(0).name.size(), "unstack/Squeeze_");
    const auto r = run(model, yaml);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("ac.yml: /models/0/launchers/0/adapter/start_token_logits_output: the model has no output "
                         "'unstack/Squeeze_' (its outputs: '" + model.outputs.at(0).name),
              std::string::npos)
        << r.err;
}

TEST_F(AnnotationData, AnInputEntryMatchingNoFeatureIsNamedWithItsYamlPath) {
    pot::test::write_file(dir_.path() / "squad.json", R"({"data": [{"title": "t", "paragraphs": [
        {"context": "grey stone", "qas": [{"id": "a", "question": "what?"}]}]}]})");
    pot::test::write_file(dir_.path() / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\ngrey\nstone\nwhat\n?\n");
    std::string yaml = with_outputs(kSquadYaml, three_input_model());
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
