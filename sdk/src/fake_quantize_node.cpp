#include "pot/fake_quantize_node.hpp"

#include <algorithm>

namespace pot {

bool is_fake_quantize(const Node& node) {
    return node.op_type == kFakeQuantizeOp && node.domain == kFakeQuantizeDomain;
}

bool has_fake_quantize(const Graph& graph) {
    return std::any_of(graph.nodes.begin(), graph.nodes.end(),
                       [](const Node& node) { return is_fake_quantize(node); });
}

std::vector<std::optional<size_t>> quantizers_of(const Graph& graph, const Node& node) {
    std::vector<std::optional<size_t>> out(node.inputs.size());
    // One pass over the nodes for all inputs: callers ask this for every op of a model.
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (!is_fake_quantize(graph.nodes[i])) continue;
        for (const auto& value : graph.nodes[i].outputs)
            for (size_t k = 0; k < node.inputs.size(); ++k)
                if (!value.empty() && node.inputs[k] == value) out[k] = i;
    }
    return out;
}

namespace {

// Rank of the data input when the graph knows it; an empty shape also stands for an unknown rank
// (graph inputs without a shape), and no FakeQuantize has per-channel bounds on a scalar.
std::optional<int64_t> known_rank(const Graph& graph, const std::string& value) {
    const auto shape = graph.shape_of(value);
    if (!shape || shape->empty()) return std::nullopt;
    return static_cast<int64_t>(shape->size());
}

// The dimension of x along which `bound` varies (bounds broadcast right-aligned, as in numpy), or
// -1 for a single value.
int64_t bound_axis(const Node& node, const std::string& name, const Tensor& bound, int64_t src_rank) {
    POT_CHECK_KIND(Input, bound.rank() <= src_rank, node.describe(), ": bound '", name, "' of shape ",
                   shape_str(bound.shape()), " has a higher rank than the quantized input (rank ",
                   src_rank, ")");
    int64_t axis = -1;
    for (int64_t d = 0; d < bound.rank(); ++d) {
        if (bound.dim(d) == 1) continue;
        POT_CHECK_KIND(Input, axis < 0, node.describe(), ": bound '", name, "' of shape ",
                       shape_str(bound.shape()), " varies along more than one axis");
        axis = src_rank - bound.rank() + d;
    }
    return axis;
}

}  // namespace

FakeQuantizeParams read_fake_quantize(const Graph& graph, const Node& node) {
    std::optional<int64_t> rank;
    if (!node.inputs.empty()) rank = known_rank(graph, node.inputs[0]);
    if (!rank) {
        rank = 0;
        for (size_t i = 1; i < node.inputs.size(); ++i)
            if (graph.is_constant(node.inputs[i])) rank = std::max(*rank, graph.constant(node.inputs[i]).rank());
    }
    return read_fake_quantize(graph, node, *rank);
}

FakeQuantizeParams read_fake_quantize(const Graph& graph, const Node& node, int64_t src_rank) {
    POT_CHECK(is_fake_quantize(node), node.describe(), " is not a FakeQuantize");
    POT_CHECK_KIND(Input, node.inputs.size() == 5, node.describe(), ": FakeQuantize needs 5 inputs, has ",
                   node.inputs.size());
    POT_CHECK_KIND(Input, node.has_attr("levels"), node.describe(),
                   ": attribute 'levels' is required (e.g. 256 for 8-bit codes)");
    FakeQuantizeParams params;
    params.levels = node.attr_int("levels", 0);
    std::vector<float>* bounds[] = {&params.input_low, &params.input_high, &params.output_low,
                                    &params.output_high};
    for (size_t i = 0; i < 4; ++i) {
        const std::string& name = node.inputs[i + 1];
        POT_CHECK_KIND(Input, graph.is_constant(name), node.describe(), ": bound '", name,
                       "' must be a constant");
        const Tensor& t = graph.constant(name);
        *bounds[i] = t.to_floats();
        const int64_t axis = bound_axis(node, name, t, src_rank);
        if (axis < 0) continue;
        POT_CHECK_KIND(Input, params.axis < 0 || params.axis == axis, node.describe(),
                       ": bounds disagree on the channel axis");
        params.axis = axis;
    }
    // Bounds may mix per-tensor and per-channel tensors: broadcast the scalars.
    size_t channels = 1;
    for (auto* b : bounds) channels = std::max(channels, b->size());
    for (auto* b : bounds) {
        if (b->size() == 1 && channels > 1) b->assign(channels, (*b)[0]);
        POT_CHECK_KIND(Input, b->size() == channels, node.describe(), ": bounds have different channel counts");
    }
    try {
        params.validate();
    } catch (const Error& e) {
        POT_THROW(Input, node.describe(), ": ", e.what());
    }
    return params;
}

std::optional<FakeQuantizeParams> try_read_fake_quantize(const Graph& graph, const Node& node,
                                                         int64_t src_rank) {
    try {
        return read_fake_quantize(graph, node, src_rank);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::string insert_fake_quantize(Graph& graph, const FakeQuantizeSite& site,
                                 const FakeQuantizeParams& params, int64_t rank) {
    NameAllocator names(graph);
    return insert_fake_quantize(graph, site, params, rank, names);
}

std::string insert_fake_quantize(Graph& graph, const FakeQuantizeSite& site,
                                 const FakeQuantizeParams& params, int64_t rank, NameAllocator& names) {
    params.validate();
    const std::string base = site.consumer ? *site.consumer + "/" + site.value : site.value;
    const std::string node_name = names.unique_name(base + "/fq");
    Shape bound_shape;
    if (params.per_channel()) {
        POT_CHECK(params.axis >= 0 && params.axis < rank, "FakeQuantize axis ", params.axis,
                  " is out of range for rank ", rank, " at '", site.value, "'");
        bound_shape.assign(static_cast<size_t>(rank), 1);
        bound_shape[static_cast<size_t>(params.axis)] = static_cast<int64_t>(params.channels());
    }
    const std::vector<float>* bounds[] = {&params.input_low, &params.input_high, &params.output_low,
                                          &params.output_high};
    const char* suffixes[] = {"/input_low", "/input_high", "/output_low", "/output_high"};
    Node fq;
    fq.name = node_name;
    fq.op_type = kFakeQuantizeOp;
    fq.domain = kFakeQuantizeDomain;
    fq.attributes["levels"] = params.levels;
    fq.inputs.push_back(site.value);
    for (size_t i = 0; i < 4; ++i) {
        const std::string name = names.unique_name(node_name + suffixes[i]);
        graph.initializers[name] = Tensor::from_vector<float>(bound_shape, *bounds[i]);
        fq.inputs.push_back(name);
    }
    if (site.consumer) {
        auto consumer = graph.find_node(*site.consumer);
        POT_CHECK(consumer.has_value(), "no node '", *site.consumer, "' to quantize input of");
        auto& inputs = graph.nodes[*consumer].inputs;
        POT_CHECK(site.input_index < inputs.size() && inputs[site.input_index] == site.value, "node '",
                  *site.consumer, "' does not read '", site.value, "' at input ", site.input_index);
        const std::string out = names.unique_name(node_name + "/out");
        fq.outputs.push_back(out);
        inputs[site.input_index] = out;
        // insert_node places it right after the producer of `site.value`, so before the consumer.
        graph.insert_node(std::move(fq));
        return node_name;
    }
    if (auto producer = graph.producer(site.value)) {
        // The producer writes a renamed value; the FakeQuantize takes over the original name.
        const std::string raw = names.unique_name(site.value + "/raw");
        for (auto& o : graph.nodes[*producer].outputs)
            if (o == site.value) o = raw;
        if (auto it = graph.value_info.find(site.value); it != graph.value_info.end()) {
            ValueInfo info = it->second;
            info.name = raw;
            graph.value_info[raw] = info;
        }
        fq.inputs[0] = raw;
        fq.outputs.push_back(site.value);
        graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(*producer) + 1, std::move(fq));
        return node_name;
    }
    // A graph input or a constant: readers switch to the quantized value.
    const std::string out = names.unique_name(site.value + "/fq_out");
    graph.replace_uses(site.value, out);
    fq.outputs.push_back(out);
    graph.nodes.insert(graph.nodes.begin(), std::move(fq));
    return node_name;
}

std::optional<size_t> fake_quantize_after(const Graph& graph, const std::string& value) {
    const auto readers = graph.consumers(value);
    if (readers.size() != 1 || !is_fake_quantize(graph.nodes[readers[0]])) return std::nullopt;
    return readers[0];
}

}  // namespace pot
