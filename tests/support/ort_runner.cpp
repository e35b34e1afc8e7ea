#include "ort_runner.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "pot/error.hpp"
#include "npy.hpp"
#include "temp_dir.hpp"

namespace pot::test {

namespace {
std::filesystem::path harness_dir() {
    // ctest sets POT_SOURCE_DIR; the compiled-in path serves direct runs of a test binary.
    const char* env = std::getenv("POT_SOURCE_DIR");
    const std::filesystem::path root = env && *env ? env : POT_SOURCE_DIR;
    return root / "tests" / "ort";
}

std::string shell_quote(const std::string& s) {
    std::string out(1, '\'');
    for (char c : s) {
        if (c == '\'') out.append("'\\''");
        else out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string onnxruntime_unavailable_reason() {
    if (std::system("command -v node >/dev/null 2>&1") != 0)
        return "node is not installed (Debian: apt-get install nodejs npm), then run scripts/setup-npm.sh";
    const auto dir = harness_dir();
    if (!std::filesystem::exists(dir / "run_model.js"))
        return "the ONNX Runtime harness " + (dir / "run_model.js").string() + " is missing";
    if (!std::filesystem::exists(dir / "node_modules" / "onnxruntime-node" / "package.json"))
        return "onnxruntime-node is not installed in " + (dir / "node_modules").string() +
               "; run scripts/setup-npm.sh";
    return "";
}

std::vector<Tensor> run_in_onnxruntime(const std::filesystem::path& model,
                                       const std::vector<Tensor>& inputs) {
    const std::string missing = onnxruntime_unavailable_reason();
    POT_CHECK(missing.empty(), "cannot run '", model.string(), "' in ONNX Runtime: ", missing);
    POT_CHECK(std::filesystem::exists(model), "cannot run '", model.string(), "' in ONNX Runtime: no such file");
    TempDir temp;
    std::string command("node ");
    command.append(shell_quote((harness_dir() / "run_model.js").string()))
        .append(" ")
        .append(shell_quote(std::filesystem::absolute(model).string()))
        .append(" ")
        .append(shell_quote((temp.path() / "out").string()));
    for (size_t i = 0; i < inputs.size(); ++i) {
        const auto file = temp.path() / ("in" + std::to_string(i) + ".npy");
        write_npy(file, inputs[i]);
        command.append(" ").append(shell_quote(file.string()));
    }
    const auto log = temp.path() / "stderr.txt";
    command.append(" >").append(shell_quote(log.string())).append(" 2>&1");
    const int status = std::system(command.c_str());
    POT_CHECK(status == 0, "ONNX Runtime failed on '", model.string(), "': ", read_text(log));
    std::vector<Tensor> outputs;
    for (size_t i = 0;; ++i) {
        const auto file = temp.path() / "out" / (std::to_string(i) + ".npy");
        if (!std::filesystem::exists(file)) break;
        outputs.push_back(read_npy(file));
    }
    POT_CHECK(!outputs.empty(), "ONNX Runtime wrote no outputs for '", model.string(), "'");
    return outputs;
}

}  // namespace pot::test
