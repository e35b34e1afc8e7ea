#pragma once

#include "pot/algorithm.hpp"
#include "pot/graph.hpp"
#include "pot/params.hpp"

#include <boost/regex.hpp>

#include <string>
#include <unordered_set>
#include <vector>

namespace pot::common {

/// The part of a model an algorithm leaves in float: the "ignored" section that
/// MinMaxQuantization, ActivationChannelAlignment and DefaultQuantization share.
///
///   "ignored": {
///     "scope":       ["node", ...],           // by exact node name
///     "scope_regex": ["conv[0-9]+", ...],     // by node name, whole-name regular expression
///                                             // (Perl syntax, at most 1000 characters)
///     "operations":  [{"type": "Add"}, ...],  // by ONNX op type, optionally with "attributes":
///                                             // {"name": value} that must match (plain strings also accepted;
///                                             // OpenVINO's names of one-to-one ops, such as
///                                             // Convolution or Multiply, are read as ONNX's)
///     "inputs_to":   ["node", ...],           // the node and everything between the inputs and it
///     "outputs_from": ["node", ...],          // the node and everything after it
///     "blocks":      ["node", ...],           // the node and what follows it up to the next
///                                             // Conv / Gemm / MatMul (not included)
///     "depthwise":   true,                    // every depthwise convolution
///     "skip_model":  true                     // the whole model (POT's, for a model of a cascade)
///   }
///
/// The region keys follow the Sophgo calibration tool's fpfwd_inputs, fpfwd_outputs,
/// fpfwd_blocks and accuracy_opt (depthwise convolutions in float).
class IgnoredScope {
public:
    IgnoredScope() = default;
    /// Reads the section and rejects unknown keys and invalid or overlong regular expressions;
    /// errors name the JSON path.
    explicit IgnoredScope(const Params& params);

    /// Names of the nodes of `graph` left in float. A region that names a node the graph does
    /// not have is a Config error naming the JSON path and the node; so is a pattern whose
    /// matching against a node name exceeds the regular expression engine's complexity bound.
    std::unordered_set<std::string> resolve(const Graph& graph) const;

    /// One message per scope name, op type or pattern that matches no node of `graph`.
    std::vector<std::string> unmatched(const Graph& graph) const;
    /// Logs unmatched(graph) as warnings.
    void warn_unmatched(const Graph& graph, HostServices& host) const;

private:
    /// True when `node` is of operations entry i's type and has its attributes.
    bool matches_operation(const Node& node, size_t i) const;
    /// True when a scope_regex pattern matches the whole of `node_name`.
    bool matches_any(const std::string& node_name) const;

    std::string path_;
    std::vector<std::string> names_;
    std::vector<boost::regex> patterns_;
    std::vector<std::string> pattern_texts_;
    /// Per operations entry: the attributes to match, or null. Declared before type_texts_, whose
    /// initialization fills it.
    std::vector<nlohmann::json> type_attributes_;
    std::vector<std::string> type_texts_;  ///< as written
    std::vector<std::string> types_;       ///< as ONNX names them
    std::vector<std::string> inputs_to_;
    std::vector<std::string> outputs_from_;
    std::vector<std::string> blocks_;
    bool depthwise_ = false;
    bool skip_model_ = false;
};

}  // namespace pot::common
