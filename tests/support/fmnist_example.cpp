#include "fmnist_example.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "pot/core/dataset.hpp"

namespace pot::test {

namespace fs = std::filesystem;

fs::path fmnist_example_dir() { return fs::path(POT_SOURCE_DIR) / "examples" / "fmnist"; }

EvaluationSet fmnist_evaluation_set(int64_t limit) {
    core::EngineConfig config;
    config.data_source = fmnist_example_dir() / "data" / "evaluation" / "images-idx3-ubyte";
    config.preprocessing.scale = {255};
    const auto data = core::open_dataset(config, {"input", DType::F32, {-1, 1, 28, 28}});
    const auto available = static_cast<int64_t>(data->size());
    const int64_t n = limit < 0 ? available : std::min(limit, available);
    EvaluationSet set;
    set.images = Tensor(DType::F32, {n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i) {
        const auto s = data->get(static_cast<size_t>(i));
        std::copy_n(s.inputs[0].data<float>(), 784, set.images.data<float>() + i * 784);
        set.labels.push_back(s.class_index().value());
    }
    return set;
}

nlohmann::json fmnist_example_config(const std::string& file_name) {
    std::ifstream in(fmnist_example_dir() / file_name);
    std::stringstream text;
    text << in.rdbuf();
    auto c = nlohmann::json::parse(text.str(), nullptr, true, /*ignore_comments=*/true);
    for (auto* value : {&c["model"]["model"], &c["engine"]["data_source"], &c["engine"]["annotation"],
                        &c["engine"]["evaluation"]["data_source"]})
        *value = (fmnist_example_dir() / value->get<std::string>()).string();
    return c;
}

}  // namespace pot::test
