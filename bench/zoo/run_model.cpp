// Runs one ONNX model (FP32 or QDQ) with one engine on inputs from .npy files and writes its outputs
// as .npy, for the zoo conformance table (bench/zoo/conformance.py compares them with ONNX Runtime's).
//
//   pot-zoo-run --plugins DIR --engine cpu|reference [--threads N] -m MODEL --out DIR IN0.npy [IN1.npy ...]
//
// Inputs are matched to the model's inputs by position. Output i is written to DIR/i.npy. Prints
// one JSON line: engine, compile_ms, infer_ms (first run), outputs (shape, dtype). Exit code 0 on
// success, 1 with the error on stderr otherwise.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "pot/core/graph_transforms.hpp"
#include "pot/core/model_io.hpp"
#include "pot/core/npy.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/registry.hpp"
#include "pot/error.hpp"

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int run(int argc, char** argv) {
    std::filesystem::path plugins, model, out;
    std::string engine_name = "cpu";
    int threads = 1;
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            POT_CHECK_KIND(Usage, i + 1 < argc, a, " needs a value");
            return argv[++i];
        };
        if (a == "--plugins") plugins = value();
        else if (a == "--engine") engine_name = value();
        else if (a == "--threads") threads = std::stoi(value());
        else if (a == "-m") model = value();
        else if (a == "--out") out = value();
        else inputs.emplace_back(a);
    }
    POT_CHECK_KIND(Usage, !plugins.empty() && !model.empty() && !out.empty(),
                   "usage: pot-zoo-run --plugins DIR --engine NAME -m MODEL --out DIR IN.npy...");
    pot::core::Registry registry;
    pot::core::load_plugin_dirs(registry, {plugins});
    auto engine = pot::core::create_engine(registry, engine_name, "{}", threads, "--engine");
    pot::Graph graph = pot::core::load_onnx(model);
    pot::core::optimize_graph(graph);
    std::vector<pot::Tensor> tensors;
    for (const auto& file : inputs) tensors.push_back(pot::core::read_npy(file));

    auto t0 = std::chrono::steady_clock::now();
    auto compiled = engine->compile(graph);
    const double compile_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    const auto outputs = compiled->infer(tensors, {}, nullptr);
    const double infer_ms = ms_since(t0);

    std::filesystem::create_directories(out);
    nlohmann::json listed = nlohmann::json::array();
    for (size_t i = 0; i < outputs.size(); ++i) {
        pot::core::write_npy(out / (std::to_string(i) + ".npy"), outputs[i]);
        listed.push_back({{"shape", outputs[i].shape()}, {"dtype", pot::dtype_name(outputs[i].dtype())}});
    }
    std::cout << nlohmann::json{{"engine", engine_name}, {"compile_ms", compile_ms},
                                {"infer_ms", infer_ms}, {"outputs", listed}}
                     .dump()
              << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "pot-zoo-run: " << e.what() << std::endl;
        return 1;
    }
}
