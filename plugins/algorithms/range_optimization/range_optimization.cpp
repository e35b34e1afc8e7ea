#include "range_optimization.hpp"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include <nlopt.hpp>
#include <nlohmann/json.hpp>

#include "csv.hpp"  // plugins/common
#include "pot/fake_quantize.hpp"
#include "pot/fake_quantize_node.hpp"
#include "pot/result_services.hpp"
#include "pot/search_services.hpp"
#include "pot/text.hpp"

namespace pot::range_optimization {

namespace {

// POT's optimizers (nevergrad's, scipy's differential evolution, skopt's Gaussian process) are
// global searches in the box; NLopt's controlled random search with local mutation is one too.
constexpr const char* kDefaultAlgorithm = "GN_CRS2_LM";

// An NLopt algorithm by name, derivative-free ones only (the metric has no gradient).
nlopt::algorithm algorithm_named(const std::string& name, const std::string& where) {
    const nlopt_algorithm a = nlopt_algorithm_from_string(name.c_str());
    POT_CHECK_KIND(Config, static_cast<int>(a) >= 0, where, ": '", name, "' is not an NLopt algorithm (e.g. ",
                   kDefaultAlgorithm, ", GN_ESCH, GN_ISRES, LN_SBPLX, LN_BOBYQA, LN_NELDERMEAD)");
    const bool derivative_free = name.size() > 3 && (name.rfind("GN_", 0) == 0 || name.rfind("LN_", 0) == 0);
    POT_CHECK_KIND(Config, derivative_free, where, ": '", name, "' needs gradients, which a metric has not; "
                   "give a derivative-free algorithm (GN_* or LN_*)");
    return static_cast<nlopt::algorithm>(a);
}

// A value's bits, so that ranges equal to the bit group together.
uint64_t key_of(float low, float high) {
    uint32_t a = 0, b = 0;
    std::memcpy(&a, &low, sizeof a);
    std::memcpy(&b, &high, sizeof b);
    return (static_cast<uint64_t>(a) << 32) | b;
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) line += ',';
        line += common::csv_field(fields[i]);
    }
    return line + "\n";
}

std::string number(double v) {
    std::ostringstream out;
    out.precision(9);
    out << v;
    return out.str();
}

}  // namespace

std::pair<float, float> RangeGroup::range(double searched_low, double searched_high) const {
    if (low_per_high) return {*low_per_high * static_cast<float>(searched_high), static_cast<float>(searched_high)};
    return aligned_range(searched_low, searched_high, levels);
}

std::pair<float, float> aligned_range(double low, double high, int64_t levels) {
    // The SDK's asymmetric range, as MinMaxQuantization makes it; levels is 2^bits (find_range_groups).
    const int bits = static_cast<int>(std::lround(std::log2(static_cast<double>(levels))));
    const auto fq = fake_quantize_from_range({static_cast<float>(low)}, {static_cast<float>(high)},
                                             QuantSpec{bits, /*symmetric=*/false, /*is_signed=*/true,
                                                       /*narrow_range=*/false},
                                             -1);
    return {fq.input_low[0], fq.input_high[0]};
}

std::pair<double, double> search_interval(double v, double lower, double upper, double zero) {
    if (v > 0) return {(1 - lower) * v, (1 + upper) * v};
    if (v < 0) return {(1 + upper) * v, (1 - lower) * v};
    return {-zero, zero};
}

std::vector<RangeGroup> find_range_groups(const Graph& graph, const std::vector<std::string>& scope) {
    const std::set<std::string> wanted(scope.begin(), scope.end());
    std::vector<RangeGroup> groups;
    std::map<uint64_t, size_t> by_range;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const Node& node = graph.nodes[i];
        if (!is_fake_quantize(node) || node.inputs.empty() || graph.is_constant(node.inputs[0])) continue;
        std::optional<FakeQuantizeParams> params;
        try {
            params = read_fake_quantize(graph, node);
        } catch (const Error&) {
            continue;  // bounds that are not constants: nothing to search
        }
        // Per-tensor affine ranges of 2^bits levels (2 to 8 bits), as quantization algorithms insert them.
        const int64_t levels = params->levels;
        const bool power_of_two = levels >= 4 && levels <= 256 && (levels & (levels - 1)) == 0;
        if (params->per_channel() || !params->is_affine() || !power_of_two) continue;
        const std::string& value = node.outputs.at(0);
        if (!wanted.empty()) {
            const auto producer = graph.producer(node.inputs[0]);
            const bool named = wanted.count(value) || wanted.count(node.inputs[0]) || wanted.count(node.name) ||
                               (producer && wanted.count(graph.nodes[*producer].name));
            if (!named) continue;
        }
        const float low = params->input_low[0], high = params->input_high[0];
        std::optional<float> low_per_high;
        try {
            const auto enc = encoding_from_fake_quantize(*params, DType::I8);
            if (enc.zero_point[0] == 0 || low == 0.0f) low_per_high = high > 0 ? low / high : 0.0f;
        } catch (const Error&) {
            continue;  // 0 is on no code: not a range the kernels or ONNX's QDQ can take
        }
        const auto [it, added] = by_range.emplace(key_of(low, high), groups.size());
        if (added) groups.push_back(RangeGroup{{}, {}, low, high, params->levels, low_per_high});
        groups[it->second].quantizers.push_back(i);
        groups[it->second].values.push_back(value);
    }
    return groups;
}

void set_range(Graph& graph, const RangeGroup& group, float low, float high) {
    const std::set<size_t> members(group.quantizers.begin(), group.quantizers.end());
    for (size_t q : group.quantizers) {
        Node& node = graph.nodes[q];
        for (size_t input = 1; input <= 4; ++input) {
            std::string name = node.inputs.at(input);
            // A bound constant read by a quantizer outside the group gets a copy of its own first.
            bool shared = false;
            for (size_t i = 0; i < graph.nodes.size() && !shared; ++i)
                if (!members.count(i))
                    shared = std::find(graph.nodes[i].inputs.begin(), graph.nodes[i].inputs.end(), name) !=
                             graph.nodes[i].inputs.end();
            const Tensor& old = graph.constant(name);
            if (shared) {
                std::string fresh = str_cat(node.name, "/range_", input);
                for (int n = 2; graph.initializers.count(fresh) || graph.producer(fresh); ++n)
                    fresh = str_cat(node.name, "/range_", input, "_", n);
                node.inputs[input] = name = fresh;
            }
            const float v = input % 2 == 1 ? low : high;  // inputs: x, in_low, in_high, out_low, out_high
            graph.initializers[name] = Tensor::from_vector<float>(old.shape(), std::vector<float>(
                                                                                   static_cast<size_t>(old.numel()), v));
        }
    }
}

RangeOptimization::RangeOptimization(const Params& params) {
    if (params.has("optimization_scope")) scope_ = params.get_strings("optimization_scope");
    lower_boxsize_ = params.get_double("lower_boxsize", lower_boxsize_);
    upper_boxsize_ = params.get_double("upper_boxsize", upper_boxsize_);
    zero_boxsize_ = params.get_double("zero_boxsize", zero_boxsize_);
    for (const auto& [key, v] : {std::pair{"lower_boxsize", lower_boxsize_}, std::pair{"upper_boxsize", upper_boxsize_},
                                 std::pair{"zero_boxsize", zero_boxsize_}})
        POT_CHECK_KIND(Config, std::isfinite(v) && v >= 0 && (std::string(key) == "zero_boxsize" || v < 1),
                       params.path(), "/", key, ": must be in [0, 1) (zero_boxsize: >= 0), got ", v);
    maxiter_ = params.get_int("maxiter", maxiter_);
    POT_CHECK_KIND(Config, maxiter_ >= 1 && maxiter_ <= 1000000, params.path(), "/maxiter: must be in [1, 1000000], got ",
                   maxiter_);
    subset_size_ = params.get_int("optimization_subset_size", 0);
    POT_CHECK_KIND(Config, subset_size_ >= 0, params.path(), "/optimization_subset_size: must be >= 0 (0: all "
                   "evaluation samples), got ", subset_size_);
    // POT reads stat_subset_size for every algorithm; this one collects no statistics.
    params.get_int("stat_subset_size", 0);
    const auto backend = params.get_enum<std::string>(
        "opt_backend", "nevergrad",
        {{"nevergrad", "nevergrad"}, {"scipy", "scipy"}, {"skopt", "skopt"}, {"nlopt", "nlopt"}});
    if (backend == "nlopt") {
        algorithm_ = params.get_string("optimizer_name", kDefaultAlgorithm);
    } else {
        algorithm_ = kDefaultAlgorithm;
        substituted_ = backend == "nevergrad" ? "nevergrad's " + params.get_string("optimizer_name",
                                                                                 "DoubleFastGADiscreteOnePlusOne")
                                              : backend == "scipy" ? std::string("scipy's differential evolution")
                                                                   : std::string("skopt's Gaussian process");
    }
    algorithm_named(algorithm_, params.path() + "/optimizer_name");
    metric_name_ = params.get_string("metric_name", "");
    const auto error_function = params.get_enum<std::string>("error_function", "metric",
                                                             {{"metric", "metric"}, {"quantization_noise", "noise"}});
    POT_CHECK_KIND(Config, error_function == "metric", params.path(), "/error_function: 'quantization_noise' is not "
                   "supported; the search scores candidates with the job's metric ('metric')");
    POT_CHECK_KIND(Config, !params.get_bool("stochastic", false), params.path(), "/stochastic: a random subset per "
                   "evaluation is not supported; the first optimization_subset_size samples are used (false)");
    POT_CHECK_KIND(Config, !params.has("dump_model_prefix") || params.json().at("dump_model_prefix").is_null(),
                   params.path(), "/dump_model_prefix: saving every candidate model is not supported; the best one "
                   "is the result");
    POT_CHECK_KIND(Config, !params.has("grid_search_space") || params.json().at("grid_search_space").is_null(),
                   params.path(), "/grid_search_space: not supported by RangeOptimization");
    if (params.has("result_filename") && !params.json().at("result_filename").is_null()) {
        const std::string given = params.get_string("result_filename", "");
        result_file_ = std::filesystem::path(given).filename().string();
        POT_CHECK_KIND(Config, !result_file_.empty() && result_file_ != "." && result_file_ != "..",
                       params.path() + "/result_filename", ": expected a file name, got '", given, "'");
    }
    if (params.has("activation_ranges_to_set")) {
        // POT's form is an object, or a list holding one object: {"<node>": [low, high], ...}.
        nlohmann::json given = params.json().at("activation_ranges_to_set");
        if (given.is_array() && given.size() == 1) given = given[0];
        const std::string where = params.path() + "/activation_ranges_to_set";
        POT_CHECK_KIND(Config, given.is_object(), where, ": expected {\"<node>\": [low, high], ...}, got ", given.dump());
        std::map<std::string, std::pair<float, float>> ranges;
        for (const auto& [node, r] : given.items()) {
            POT_CHECK_KIND(Config, r.is_array() && r.size() == 2 && r[0].is_number() && r[1].is_number(), where, "/",
                           node, ": expected [low, high], got ", r.dump());
            const double lo = r[0].get<double>(), hi = r[1].get<double>();
            POT_CHECK_KIND(Config, std::isfinite(lo) && std::isfinite(hi) && lo <= 0 && hi >= 0 && lo < hi, where,
                           "/", node, ": a range must be finite, contain 0 and have low < high, got ", r.dump());
            ranges[node] = {static_cast<float>(lo), static_cast<float>(hi)};
        }
        ranges_to_set_ = std::move(ranges);
    }
    seed_ = static_cast<uint32_t>(params.get_int("seed", 0));
    params.reject_unknown();
}

void RangeOptimization::set_ranges(Graph& graph, HostServices& host) const {
    nlohmann::json set = nlohmann::json::array();
    for (const auto& [name, r] : *ranges_to_set_) {
        const auto groups = find_range_groups(graph, {name});
        POT_CHECK_KIND(Config, !groups.empty(), "activation_ranges_to_set/", name, ": the model has no activation "
                       "quantizer of a value or node named '", name, "'");
        for (const auto& g : groups) {
            const auto [low, high] = aligned_range(r.first, r.second, g.levels);
            set_range(graph, g, low, high);
            set.push_back({{"values", g.values}, {"before", {g.low, g.high}}, {"after", {low, high}}});
        }
    }
    host.report(name(), "ranges_set", set.dump());
    host.log(LogLevel::Info, str_cat(name(), ": set ", set.size(), " range(s) from activation_ranges_to_set"));
}

void RangeOptimization::apply(Graph& graph, const Statistics&, HostServices& host) {
    if (ranges_to_set_) return set_ranges(graph, host);
    const auto groups = find_range_groups(graph, scope_);
    for (const auto& s : scope_)
        if (find_range_groups(graph, {s}).empty())
            host.log(LogLevel::Warning, str_cat(name(), ": optimization_scope entry '", s, "' names no quantized "
                                                "activation (a value, its producer node or its FakeQuantize)"));
    if (groups.empty()) {
        host.log(LogLevel::Warning, str_cat(name(), scope_.empty() ? ": no activation quantizer to optimize (run it "
                                                                     "after a quantization algorithm)"
                                                                   : ": optimization_scope names no activation quantizer",
                                            "; the model is unchanged"));
        return;
    }
    if (!substituted_.empty())
        host.log(LogLevel::Info, str_cat(name(), ": NLopt's ", algorithm_, " searches in place of ", substituted_));

    // The searched coordinates: low and high of each range, only high where low follows it.
    std::vector<double> x, lo, hi;
    for (const auto& g : groups) {
        for (const bool is_low : {true, false}) {
            if (is_low && g.low_per_high) continue;
            const double v = is_low ? g.low : g.high;
            const auto [a, b] = search_interval(v, lower_boxsize_, upper_boxsize_, zero_boxsize_);
            x.push_back(v);
            lo.push_back(a);
            hi.push_back(b);
        }
    }
    const auto ranges_of = [&](const std::vector<double>& point) {
        std::vector<std::pair<float, float>> out;
        size_t k = 0;
        for (const auto& g : groups) {
            const double low = g.low_per_high ? 0.0 : point[k++];
            out.push_back(g.range(low, point[k++]));
        }
        return out;
    };
    // One candidate for the whole search, its bounds rewritten per evaluation: the model's weights
    // are copied once, not once per evaluation.
    Graph candidate = graph;
    const auto set_candidate = [&](const std::vector<std::pair<float, float>>& ranges) {
        for (size_t i = 0; i < groups.size(); ++i) set_range(candidate, groups[i], ranges[i].first, ranges[i].second);
    };

    const size_t available = host.evaluation_data().size();
    const size_t count = subset_size_ > 0 ? std::min(available, static_cast<size_t>(subset_size_)) : available;
    std::vector<size_t> indices(count);
    for (size_t i = 0; i < count; ++i) indices[i] = i;

    auto* search = dynamic_cast<SearchServices*>(&host);
    auto* results = dynamic_cast<ResultServices*>(&host);
    std::string csv;
    {
        std::vector<std::string> header{"evaluation", "error"};
        for (const auto& g : groups) {
            header.push_back(g.values.front() + ":low");
            header.push_back(g.values.front() + ":high");
        }
        csv = csv_line(header);
    }
    std::string metric;
    bool higher_is_better = true;
    double initial_value = 0, best_error = std::numeric_limits<double>::infinity();
    std::vector<double> best = x;
    int64_t evaluations = 0;
    bool stopped = false;
    const auto error_of = [&](const std::vector<double>& point) {
        const auto ranges = ranges_of(point);
        for (const auto& [l, h] : ranges)
            if (!(l < h)) return std::numeric_limits<double>::max();  // empty range: never a candidate
        set_candidate(ranges);
        const EvaluationResult r = host.evaluate(candidate, indices);
        metric = r.metric;
        higher_is_better = r.higher_is_better;
        const double error = higher_is_better ? -r.value : r.value;
        if (evaluations == 0) initial_value = r.value;
        ++evaluations;
        std::vector<std::string> row{std::to_string(evaluations), number(error)};
        for (const auto& [l, h] : ranges) {
            row.push_back(number(l));
            row.push_back(number(h));
        }
        csv += csv_line(row);
        if (error < best_error) {
            best_error = error;
            best = point;
            if (results && evaluations > 1)
                results->checkpoint(candidate, true, nlohmann::json{{"algorithm", name()}, {"metric", metric},
                                                                    {"value", r.value}, {"evaluation", evaluations}}
                                                          .dump());
        }
        return error;
    };

    // The starting point first, as POT does: the search only keeps what beats it.
    error_of(x);
    nlopt::srand(seed_);
    nlopt::opt opt(algorithm_named(algorithm_, "optimizer_name"), static_cast<unsigned>(x.size()));
    opt.set_lower_bounds(lo);
    opt.set_upper_bounds(hi);
    opt.set_maxeval(static_cast<int>(std::max<int64_t>(1, maxiter_ - 1)));
    struct Context {
        decltype(error_of)* error;
        SearchServices* search;
        bool* stopped;
    } context{&error_of, search, &stopped};
    opt.set_min_objective(
        [](unsigned n, const double* point, double*, void* data) -> double {
            auto* c = static_cast<Context*>(data);
            if (c->search && c->search->stop_requested()) {
                *c->stopped = true;
                throw nlopt::forced_stop();
            }
            return (*c->error)(std::vector<double>(point, point + n));
        },
        &context);
    std::vector<double> start = x;
    double value = 0;
    try {
        if (maxiter_ > 1) opt.optimize(start, value);
    } catch (const nlopt::forced_stop&) {
        // interrupted: the best point so far stands
    } catch (const nlopt::roundoff_limited&) {
        // converged as far as floating point allows
    } catch (const std::invalid_argument& e) {
        POT_THROW(Runtime, name(), ": NLopt's ", algorithm_, " refused the problem: ", e.what());
    }

    const auto chosen = ranges_of(best);
    nlohmann::json changed = nlohmann::json::array();
    for (size_t i = 0; i < groups.size(); ++i) {
        set_range(graph, groups[i], chosen[i].first, chosen[i].second);
        changed.push_back({{"values", groups[i].values},
                           {"before", {groups[i].low, groups[i].high}},
                           {"after", {chosen[i].first, chosen[i].second}}});
    }
    const double best_value = higher_is_better ? -best_error : best_error;
    host.report(name(), "search", nlohmann::json{{"algorithm", algorithm_},
                                                 {"evaluations", evaluations},
                                                 {"samples", count},
                                                 {"metric", metric},
                                                 {"initial", initial_value},
                                                 {"best", best_value},
                                                 {"interrupted", stopped}}
                                      .dump());
    host.report(name(), "ranges", changed.dump());
    if (!result_file_.empty() && results) results->add_result_file(result_file_, csv);
    if (!metric_name_.empty() && metric_name_ != metric)
        host.log(LogLevel::Warning, str_cat(name(), ": metric_name '", metric_name_, "' is not the job's metric; the "
                                            "search used '", metric, "'"));
    host.log(LogLevel::Info, str_cat(name(), ": ", groups.size(), " range(s), ", evaluations, " evaluations on ", count,
                                     " samples: ", metric, " ", initial_value, " -> ", best_value,
                                     stopped ? " (interrupted)" : ""));
}

}  // namespace pot::range_optimization
