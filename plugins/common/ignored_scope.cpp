#include "ignored_scope.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "pot/error.hpp"

namespace pot::common {

namespace {

// Node-name patterns are short; a long one is a mistake, and bounds the work to compile it.
constexpr size_t kMaxPatternChars = 1000;

// A name of a million characters would bury the rest of a message.
std::string shortened(const std::string& name) {
    constexpr size_t kShownChars = 200;
    if (name.size() <= kShownChars) return name;
    return str_cat(name.substr(0, kShownChars), "... (", name.size(), " characters)");
}

// OpenVINO's names of op types that are one ONNX op type each. POT's configs name OpenVINO's ops;
// matched against an ONNX model as written they would match nothing.
const std::pair<const char*, const char*> kOpenVinoToOnnx[] = {
    {"Convolution", "Conv"}, {"ConvolutionBackpropData", "ConvTranspose"}, {"Multiply", "Mul"},
    {"Subtract", "Sub"}, {"Divide", "Div"}, {"Power", "Pow"}, {"Maximum", "Max"}, {"Minimum", "Min"},
    {"AvgPool", "AveragePool"}, {"Interpolate", "Resize"}, {"SoftMax", "Softmax"}, {"HSwish", "HardSwish"},
    {"HSigmoid", "HardSigmoid"}, {"Clamp", "Clip"}, {"StridedSlice", "Slice"}};

std::string onnx_op_type(const std::string& type) {
    for (const auto& [openvino, onnx] : kOpenVinoToOnnx)
        if (type == openvino) return onnx;
    return type;
}

// POT writes operations as [{"type": "Add"}, ...] (with "attributes" {name: value} to narrow an
// entry down); plain strings are accepted too. `attributes` gets one object (or null) per entry.
std::vector<std::string> op_types(const Params& params, const std::string& key,
                                  std::vector<nlohmann::json>& attributes) {
    std::vector<std::string> out;
    if (!params.has(key)) return out;
    params.accept(key);
    const auto& list = params.json().at(key);
    POT_CHECK_KIND(Config, list.is_array(), params.path(), "/", key, ": expected a list");
    for (size_t i = 0; i < list.size(); ++i) {
        if (list[i].is_string()) {
            out.push_back(list[i].get<std::string>());
            attributes.emplace_back();
            continue;
        }
        const Params op(list[i], str_cat(params.path(), "/", key, "/", i));
        out.push_back(op.get_string("type", ""));
        POT_CHECK_KIND(Config, !out.back().empty(), op.path(), "/type: required");
        attributes.emplace_back();
        if (op.has("attributes")) {
            const auto& wanted = op.json().at("attributes");
            POT_CHECK_KIND(Config, wanted.is_object(), op.path(), "/attributes: expected an object of "
                           "attribute names and values, got ", wanted.dump());
            for (const auto& [name, value] : wanted.items())
                POT_CHECK_KIND(Config, value.is_number() || value.is_string(), op.path(), "/attributes/", name,
                               ": expected a number or a string (lists are not compared), got ", value.dump());
            attributes.back() = wanted;
            op.accept("attributes");
        }
        op.reject_unknown();
    }
    return out;
}

// True when `node` has every attribute of `wanted` (an object, or null for none) with that value:
// numbers compare as numbers (a string holding a number counts as one), strings as text.
bool has_attributes(const Node& node, const nlohmann::json& wanted) {
    if (!wanted.is_object()) return true;
    for (const auto& [name, value] : wanted.items()) {
        const auto it = node.attributes.find(name);
        if (it == node.attributes.end()) return false;
        const Attribute& a = it->second;
        std::optional<double> number;
        if (value.is_number()) number = value.get<double>();
        if (value.is_string()) {
            const std::string& text = value.get_ref<const std::string&>();
            if (const auto* s = std::get_if<std::string>(&a)) {
                if (*s != text) return false;
                continue;
            }
            char* end = nullptr;
            const double parsed = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size()) return false;
            number = parsed;
        }
        if (const auto* i = std::get_if<int64_t>(&a)) {
            if (!number || static_cast<double>(*i) != *number) return false;
        } else if (const auto* f = std::get_if<float>(&a)) {
            if (!number || *f != static_cast<float>(*number)) return false;
        } else {
            return false;  // lists and tensors are not compared
        }
    }
    return true;
}

bool is_compute(const Node& node) {
    return node.domain.empty() &&
           (node.op_type == "Conv" || node.op_type == "Gemm" || node.op_type == "MatMul" ||
            node.op_type == "ConvTranspose");
}

size_t anchor(const Graph& graph, const std::string& path, const std::string& key, size_t i,
              const std::string& name) {
    const auto index = graph.find_node(name);
    POT_CHECK_KIND(Config, index.has_value(), path, "/", key, "/", i, ": the model has no node named '",
                   name, "'");
    return *index;
}

// A Conv whose every group holds one input channel (depthwise), judged by its weight.
bool is_depthwise_conv(const Graph& graph, const Node& node) {
    if (node.op_type != "Conv" || !node.domain.empty() || node.inputs.size() < 2) return false;
    const int64_t group = node.attr_int("group", 1);
    if (group <= 1 || !graph.is_constant(node.inputs[1])) return false;
    const Tensor& weight = graph.constant(node.inputs[1]);
    return weight.rank() >= 2 && weight.dim(1) == 1 && weight.dim(0) % group == 0;
}

}  // namespace

IgnoredScope::IgnoredScope(const Params& params)
    : path_(params.path()),
      names_(params.get_strings("scope")),
      type_texts_(op_types(params, "operations", type_attributes_)),
      inputs_to_(params.get_strings("inputs_to")),
      outputs_from_(params.get_strings("outputs_from")),
      blocks_(params.get_strings("blocks")),
      depthwise_(params.get_bool("depthwise", false)),
      skip_model_(params.get_bool("skip_model", false)) {
    const auto patterns = params.get_strings("scope_regex");
    for (size_t i = 0; i < patterns.size(); ++i) {
        const std::string& p = patterns[i];
        POT_CHECK_KIND(Config, p.size() <= kMaxPatternChars, params.path(), "/scope_regex/", i,
                       ": regular expression of ", p.size(), " characters; at most ",
                       kMaxPatternChars, " are allowed");
        try {
            patterns_.emplace_back(p);
        } catch (const std::runtime_error& e) {
            POT_THROW(Config, params.path(), "/scope_regex/", i, ": invalid regular expression '", p,
                      "': ", e.what());
        }
        pattern_texts_.push_back(p);
    }
    for (const auto& t : type_texts_) types_.push_back(onnx_op_type(t));
    params.reject_unknown();
}

std::vector<std::string> IgnoredScope::unmatched(const Graph& graph) const {
    std::vector<std::string> out;
    const auto none = [&](auto&& matches) {
        return std::none_of(graph.nodes.begin(), graph.nodes.end(), matches);
    };
    for (size_t i = 0; i < names_.size(); ++i)
        if (none([&](const Node& n) { return n.name == names_[i]; }))
            out.push_back(str_cat(path_, "/scope/", i, ": the model has no node named '", shortened(names_[i]),
                                  "'; the entry has no effect"));
    for (size_t i = 0; i < types_.size(); ++i) {
        if (!none([&](const Node& n) { return matches_operation(n, i); })) continue;
        const bool mapped = types_[i] != type_texts_[i];
        const bool typed = !none([&](const Node& n) { return n.op_type == types_[i]; });
        out.push_back(str_cat(path_, "/operations/", i, ": the model has no ", shortened(types_[i]), " node",
                              mapped ? str_cat(" (OpenVINO's ", type_texts_[i], ")") : std::string(),
                              typed ? str_cat(" with the attributes ", shortened(type_attributes_[i].dump()))
                                    : std::string(),
                              "; the entry has no effect (op types are ONNX's, e.g. Conv, MatMul, Add)"));
    }
    for (size_t i = 0; i < patterns_.size(); ++i)
        if (none([&](const Node& n) {
                try {
                    return boost::regex_match(n.name, patterns_[i]);
                } catch (const std::runtime_error&) {
                    return true;  // resolve() reports a pattern too complex to match
                }
            }))
            out.push_back(str_cat(path_, "/scope_regex/", i, ": '", shortened(pattern_texts_[i]),
                                  "' matches no node name; the entry has no effect"));
    return out;
}

void IgnoredScope::warn_unmatched(const Graph& graph, HostServices& host) const {
    for (const auto& message : unmatched(graph)) host.log(LogLevel::Warning, message);
}

bool IgnoredScope::matches_operation(const Node& node, size_t i) const {
    return node.op_type == types_[i] && has_attributes(node, type_attributes_[i]);
}

bool IgnoredScope::matches_any(const std::string& node_name) const {
    for (size_t i = 0; i < patterns_.size(); ++i) {
        try {
            if (boost::regex_match(node_name, patterns_[i])) return true;
        } catch (const std::runtime_error& e) {
            // Boost.Regex bounds the work of one match and throws instead of running away.
            POT_THROW(Config, path_, "/scope_regex/", i, ": matching '", pattern_texts_[i],
                      "' against node '", shortened(node_name), "' failed: ", e.what(),
                      "; simplify the regular expression");
        }
    }
    return false;
}

std::unordered_set<std::string> IgnoredScope::resolve(const Graph& graph) const {
    std::unordered_set<std::string> out;
    for (const Node& node : graph.nodes) {
        const bool by_name = std::find(names_.begin(), names_.end(), node.name) != names_.end();
        bool by_type = false;
        for (size_t i = 0; i < types_.size() && !by_type; ++i) by_type = matches_operation(node, i);
        const bool by_regex = matches_any(node.name);
        if (skip_model_ || by_name || by_type || by_regex || (depthwise_ && is_depthwise_conv(graph, node)))
            out.insert(node.name);
    }
    // Walks from `start` through producers (backward) or consumers (forward); `stop` ends a branch
    // before the node it is true for.
    auto walk = [&](size_t start, bool forward, auto stop) {
        std::vector<size_t> stack{start};
        std::unordered_set<size_t> seen{start};
        while (!stack.empty()) {
            const Node& node = graph.nodes[stack.back()];
            stack.pop_back();
            out.insert(node.name);
            std::vector<size_t> next;
            if (forward) {
                for (const auto& value : node.outputs)
                    for (size_t c : graph.consumers(value)) next.push_back(c);
            } else {
                for (const auto& value : node.inputs)
                    if (auto p = value.empty() ? std::nullopt : graph.producer(value)) next.push_back(*p);
            }
            for (size_t n : next)
                if (!stop(graph.nodes[n]) && seen.insert(n).second) stack.push_back(n);
        }
    };
    const auto never = [](const Node&) { return false; };
    for (size_t i = 0; i < inputs_to_.size(); ++i)
        walk(anchor(graph, path_, "inputs_to", i, inputs_to_[i]), false, never);
    for (size_t i = 0; i < outputs_from_.size(); ++i)
        walk(anchor(graph, path_, "outputs_from", i, outputs_from_[i]), true, never);
    for (size_t i = 0; i < blocks_.size(); ++i)
        walk(anchor(graph, path_, "blocks", i, blocks_[i]), true, is_compute);
    return out;
}

}  // namespace pot::common
