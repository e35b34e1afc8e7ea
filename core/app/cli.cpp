#include "cli.hpp"

#include <sstream>

#include <boost/program_options.hpp>

#include "pot/engine.hpp"
#include "pot/error.hpp"

namespace po = boost::program_options;

namespace pot::app {

namespace {

po::options_description quantize_options(QuantizeOptions& q, std::vector<std::string>& plugins) {
    po::options_description d("pot-host: quantize an FP32 ONNX model\n\n"
                              "Usage: pot-host -c CONFIG [options]\n"
                              "       pot-host benchmark -m MODEL [options]   (see pot-host benchmark -h)\n\n"
                              "Options");
    d.add_options()
        ("help,h", "show this help")
        ("version", "print the version and the plugin ABI version")
        ("config,c", po::value<std::string>(), "path to the JSON configuration (comments allowed)")
        ("plugins", po::value<std::vector<std::string>>(&plugins), "folder of plugin libraries; may be repeated (default: the installed plugin folder)")
        ("evaluate,e", po::bool_switch(&q.evaluate), "evaluate the FP32 and the quantized model on the whole data set")
        ("output-dir", po::value<std::string>()->default_value("./results"), "folder for results")
        ("direct-dump,d", po::bool_switch(&q.direct_dump), "write results into --output-dir itself, without <model_name>/<timestamp>/ subfolders")
        ("save-model,sm", po::bool_switch(&q.save_model), "also save the FP32 model after graph optimization (<model_name>_fp32.onnx)")
        ("log-level", po::value<std::string>(&q.log_level)->default_value("INFO"), "DEBUG, INFO, WARNING or ERROR")
        ("list-plugins", "list the plugins found in the plugin folder and exit");
    return d;
}

po::options_description benchmark_options(BenchmarkCommand& b, std::vector<std::string>& plugins) {
    po::options_description d("pot-host benchmark: measure inference latency and throughput\n\n"
                              "Usage: pot-host benchmark -m MODEL [options]\n\nOptions");
    d.add_options()
        ("help,h", "show this help")
        ("model,m", po::value<std::string>(), "ONNX model (FP32 or QDQ)")
        ("plugins", po::value<std::vector<std::string>>(&plugins), "folder of plugin libraries; may be repeated")
        ("engine", po::value<std::string>(&b.engine), "engine plugin: cpu or reference (default: cpu when available)")
        ("engine-params", po::value<std::string>(&b.engine_params)->default_value("{}"),
            "engine parameters as a JSON object, as in a config's \"engine\" section "
            "(e.g. '{\"team\": \"auto\"}' for the cpu engine, see docs/CONFIG.md)")
        ("batch,b", po::value<int64_t>(&b.batch)->default_value(1), "batch size")
        ("niter", po::value<int64_t>(&b.iterations)->default_value(0), "number of iterations")
        ("time,t", po::value<double>(&b.seconds)->default_value(0), "seconds to run (default 10 when --niter is not given)")
        ("nthreads", po::value<int>(&b.threads)->default_value(0), "inference threads (0: all cores)")
        ("shape", po::value<std::string>(&b.shape), "input shapes, as benchmark_app's -shape: "
            "name[1,3,224,224], several joined by commas, or [1,3,224,224] for a one-input model; "
            "needed for dynamic dimensions other than the batch")
        ("data", po::value<std::vector<std::string>>(&b.data), "input data: NAME=FILE.npy per input "
            "(or FILE.npy for a one-input model); may be repeated")
        ("pc", po::bool_switch(&b.per_node), "also time every step of the model (benchmark_app's -pc): "
            "a table of node, op, implementation and time, slowest first")
        ("json", po::bool_switch(&b.json), "print one JSON object instead of text");
    return d;
}

po::variables_map parse(const po::options_description& d, const std::vector<std::string>& args) {
    po::variables_map vm;
    try {
        // POT spells the short form of --save-model "-sm", benchmark_app's shape and per-node
        // options are "-shape" and "-pc": accept them as the long options.
        std::vector<std::string> fixed;
        for (const auto& a : args)
            fixed.push_back(a == "-sm" ? "--save-model" : a == "-shape" ? "--shape" : a == "-pc" ? "--pc" : a);
        po::store(po::command_line_parser(fixed).options(d).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        POT_THROW(Usage, e.what(), "; see pot-host --help");
    }
    return vm;
}

std::string text_of(const po::options_description& d) {
    std::ostringstream out;
    out << d;
    return out.str();
}

}  // namespace

CliRequest parse_cli(const std::vector<std::string>& args) {
    CliRequest request;
    std::vector<std::string> plugins;
    if (!args.empty() && args[0] == "benchmark") {
        const auto d = benchmark_options(request.benchmark, plugins);
        const auto vm = parse(d, std::vector<std::string>(args.begin() + 1, args.end()));
        request.help_text = text_of(d);
        if (vm.count("help")) return request;
        POT_CHECK_KIND(Usage, vm.count("model"), "benchmark: -m MODEL is required; see pot-host benchmark -h");
        auto& b = request.benchmark;
        b.model = vm["model"].as<std::string>();
        b.plugins.assign(plugins.begin(), plugins.end());
        POT_CHECK_KIND(Usage, b.batch >= 1, "benchmark: --batch must be >= 1");
        POT_CHECK_KIND(Usage, b.iterations >= 0 && b.seconds >= 0, "benchmark: --niter and -t must be >= 0");
        checked_thread_count(b.threads, "benchmark: --nthreads", ErrorKind::Usage);
        if (b.iterations == 0 && b.seconds == 0) b.seconds = 10;
        request.command = Command::Benchmark;
        return request;
    }
    auto& q = request.quantize;
    const auto d = quantize_options(q, plugins);
    const auto vm = parse(d, args);
    request.help_text = text_of(d);
    q.plugins.assign(plugins.begin(), plugins.end());
    request.plugins = q.plugins;
    if (vm.count("help")) return request;
    if (vm.count("version")) {
        request.command = Command::Version;
        return request;
    }
    if (vm.count("list-plugins")) {
        request.command = Command::ListPlugins;
        return request;
    }
    POT_CHECK_KIND(Usage, vm.count("config"), "-c CONFIG is required; see pot-host --help");
    q.config = vm["config"].as<std::string>();
    q.output_dir = vm["output-dir"].as<std::string>();
    request.command = Command::Quantize;
    return request;
}

}  // namespace pot::app
