#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pot/fake_quantize.hpp"
#include "pot/graph.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// True for a FakeQuantize node (op "FakeQuantize" in domain org.openvinotoolkit).
/// @since ABI 2.0
POT_SDK_VISIBLE bool is_fake_quantize(const Node& node);

/// True when some node of `graph` is a FakeQuantize, i.e. the model is already quantized.
/// @since ABI 2.0
POT_SDK_VISIBLE bool has_fake_quantize(const Graph& graph);

/// For each input of `node`, in order: the index of the FakeQuantize node that produces it, or
/// nullopt (a float value, a constant, an omitted input). E.g. quantizers_of(graph, conv)[1] is
/// the quantizer of a Conv's weights.
/// @since ABI 2.0
POT_SDK_VISIBLE std::vector<std::optional<size_t>> quantizers_of(const Graph& graph,
                                                                 const Node& node);

/// Removes every FakeQuantize node: readers of its output read its data input again, so the
/// graph computes in float. Where insert_fake_quantize() took over a value's name (the producer
/// writes a renamed value that only the FakeQuantize reads), the producer gets the name back, so a
/// graph quantized by insert_fake_quantize() returns to its original nodes and value names. A
/// FakeQuantize writing a graph output whose input cannot take that name becomes an Identity, so
/// graph outputs keep their names. Bound constants nothing else reads are removed, as is
/// value_info of removed values. Returns the number of FakeQuantize nodes removed.
/// @since ABI 2.0
POT_SDK_VISIBLE size_t remove_fake_quantize(Graph& graph);

/// The same for the FakeQuantize nodes named in `node_names` only (e.g. the quantizers of one
/// layer an accuracy search puts back in float). A name that is not a FakeQuantize node of
/// `graph` is an Input error naming it. Returns the number removed.
/// @since ABI 2.1
POT_SDK_VISIBLE size_t remove_fake_quantize(Graph& graph, const std::vector<std::string>& node_names);

/// The parameters of FakeQuantize node `node`, whose four bounds must be constants and whose
/// `levels` attribute must be set (it is required by the op, as in OpenVINO; there is no default).
/// Bounds broadcast to the data input x as in numpy, aligned at the last dimension. A per-channel
/// bound has one non-1 dimension, and params.axis is that dimension counted in x's dimensions:
/// on a 4-D x, [C,1,1,1] gives axis 0, and [1,C,1,1] or [C,1,1] give axis 1. The rank of x comes
/// from graph.shape_of(); where that is unknown (or empty, as for a graph input of unknown rank)
/// the bounds are taken to have x's rank, which is how insert_fake_quantize() writes them.
/// Throws an Input error naming the node otherwise.
/// @since ABI 2.0
POT_SDK_VISIBLE FakeQuantizeParams read_fake_quantize(const Graph& graph, const Node& node);

/// The same, with `src_rank`, the rank of x, given by the caller (e.g. an engine that tracks
/// shapes itself). A bound of higher rank than x is an error.
/// @since ABI 2.0
POT_SDK_VISIBLE FakeQuantizeParams read_fake_quantize(const Graph& graph, const Node& node,
                                                      int64_t src_rank);

/// The same as read_fake_quantize(graph, node, src_rank), but nullopt wherever that throws: for a
/// caller with another way to run a FakeQuantize it cannot read, such as an engine that then
/// simulates the node in float and lets the float kernel report what is wrong.
/// @since ABI 2.0
POT_SDK_VISIBLE std::optional<FakeQuantizeParams> try_read_fake_quantize(const Graph& graph,
                                                                         const Node& node,
                                                                         int64_t src_rank);

/// Where a FakeQuantize goes: on the value `value` for all its readers, or only for input
/// `input_index` of node `consumer` (used for weights, which may be shared).
/// @since ABI 2.0
struct FakeQuantizeSite {
    std::string value;
    std::optional<std::string> consumer;
    size_t input_index = 0;
};

/// Inserts a FakeQuantize with `params` at `site`; `rank` is the rank of the quantized value (bounds
/// are shaped to broadcast along params.axis). For a value produced by a node, the producer's
/// output is renamed and the FakeQuantize takes over the original name, so graph outputs keep
/// their names. Returns the name of the new node.
/// @since ABI 2.0
POT_SDK_VISIBLE std::string insert_fake_quantize(Graph& graph, const FakeQuantizeSite& site,
                                                 const FakeQuantizeParams& params, int64_t rank);
/// The same, drawing new names from `names` (which must have been built from `graph` and seen
/// every name added since): O(1) naming when inserting many quantizers.
/// @since ABI 1.1
POT_SDK_VISIBLE std::string insert_fake_quantize(Graph& graph, const FakeQuantizeSite& site,
                                                 const FakeQuantizeParams& params, int64_t rank, NameAllocator& names);

/// The FakeQuantize node reading `value`, if exactly such a node consumes it.
/// @since ABI 2.0
POT_SDK_VISIBLE std::optional<size_t> fake_quantize_after(const Graph& graph, const std::string& value);

}  // namespace pot
