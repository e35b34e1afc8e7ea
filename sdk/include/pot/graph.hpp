#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "pot/tensor.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// ONNX attribute values the IR keeps.
/// @since ABI 2.0
using Attribute = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, Tensor>;

/// Op type and domain of the FakeQuantize node the algorithms insert (OpenVINO semantics;
/// see fake_quantize.hpp). Inputs: x, input_low, input_high, output_low, output_high.
/// @since ABI 2.0
inline constexpr const char* kFakeQuantizeOp = "FakeQuantize";
/// @since ABI 2.0
inline constexpr const char* kFakeQuantizeDomain = "org.openvinotoolkit";

/// One operation. Inputs and outputs name Values; an empty input name is an omitted optional input.
/// @since ABI 2.0
struct POT_SDK_VISIBLE Node {
    std::string name;
    std::string op_type;
    std::string domain;  ///< "" for the default ONNX domain
    std::vector<std::string> inputs;
    std::vector<std::string> outputs;
    std::map<std::string, Attribute> attributes;

    bool has_attr(const std::string& key) const { return attributes.count(key) != 0; }
    int64_t attr_int(const std::string& key, int64_t fallback) const;
    float attr_float(const std::string& key, float fallback) const;
    std::string attr_string(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> attr_ints(const std::string& key,
                                   const std::vector<int64_t>& fallback = {}) const;
    std::vector<float> attr_floats(const std::string& key,
                                   const std::vector<float>& fallback = {}) const;
    /// "Conv 'conv1'" for error messages.
    std::string describe() const;
};

/// Type and shape of a value; dims of -1 are dynamic.
/// @since ABI 2.0
struct ValueInfo {
    std::string name;
    DType dtype = DType::F32;
    Shape shape;
};

/// The model: nodes in topological order, constants (initializers), graph inputs and outputs.
/// It is the contract between host, algorithms and engines. Plugins receive it by reference for
/// the length of a call and must not keep pointers into it.
/// @since ABI 2.0
class POT_SDK_VISIBLE Graph {
public:
    std::string name;
    int64_t opset = 13;
    std::vector<Node> nodes;
    std::map<std::string, Tensor> initializers;
    std::vector<ValueInfo> inputs;
    std::vector<ValueInfo> outputs;
    /// Inferred type and shape of intermediate values, where known.
    std::map<std::string, ValueInfo> value_info;

    bool is_constant(const std::string& value) const { return initializers.count(value) != 0; }
    /// The constant named `value`; throws naming the value when it is not a constant.
    const Tensor& constant(const std::string& value) const;
    Tensor& constant(const std::string& value);

    /// Index of the node that produces `value`, or nullopt (graph input, constant, or unknown).
    std::optional<size_t> producer(const std::string& value) const;
    /// Indices of the nodes that read `value`, in node order.
    std::vector<size_t> consumers(const std::string& value) const;
    /// True when `value` is a graph output.
    bool is_output(const std::string& value) const;
    /// Index of the node called `node_name`, or nullopt.
    std::optional<size_t> find_node(const std::string& node_name) const;
    /// Shape of `value` from inputs, constants or value_info; nullopt when unknown.
    std::optional<Shape> shape_of(const std::string& value) const;

    /// A value or node name not yet used in the graph, built from `base`.
    std::string unique_name(const std::string& base) const;
    /// Re-orders `nodes` topologically (stable); throws naming a node on a cycle or a missing input.
    void topological_sort();
    /// Replaces every use of `from` (node inputs and graph outputs) by `to`.
    void replace_uses(const std::string& from, const std::string& to);
    /// Inserts `node` right after the producer of its first input (or at the front).
    void insert_node(Node node);
    /// Removes initializers no node reads.
    void remove_unused_constants();
};

/// Index of the node called `node_name`; throws naming the node and the graph when there is none
/// (e.g. an earlier edit removed it). For a node that may be missing, use Graph::find_node().
/// @since ABI 2.0
POT_SDK_VISIBLE size_t node_index(const Graph& graph, const std::string& node_name);

/// The constant read at input `input` of node `node`, made that node's own so it can be edited in
/// place without changing any other reader: when other nodes or the graph outputs read it too, it
/// is first copied to a new constant named graph.unique_name(<its name> + copy_suffix) (e.g.
/// "/corrected") and the node switched to the copy. Throws naming the node when that input is not
/// a constant. The reference stays valid until the constant is removed from graph.initializers.
/// @since ABI 2.0
POT_SDK_VISIBLE Tensor& owned_constant(Graph& graph, size_t node, size_t input,
                                       const std::string& copy_suffix);

/// Hands out node and value names not yet used in a graph during a batch of edits. It indexes
/// the graph once, so a name costs O(1) where Graph::unique_name() scans the whole graph: use it
/// when adding many nodes. Names it returns count as used from then on; names added to the graph
/// by other means during the batch must be passed to reserve(). Not thread-safe.
/// @since ABI 1.1
class POT_SDK_VISIBLE NameAllocator {
public:
    explicit NameAllocator(const Graph& graph);
    /// `base` when unused, else the first of base_1, base_2, ... that is; marks it used.
    std::string unique_name(const std::string& base);
    /// Marks `name` used.
    void reserve(const std::string& name) { used_.insert(name); }

private:
    std::unordered_set<std::string> used_;
};

}  // namespace pot
