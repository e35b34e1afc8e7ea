#pragma once

#include <optional>
#include <string>

#include "pot/fake_quantize.hpp"
#include "pot/graph.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// True for a FakeQuantize node (op "FakeQuantize" in domain org.openvinotoolkit).
POT_SDK_VISIBLE bool is_fake_quantize(const Node& node);

/// The parameters of FakeQuantize node `node`, whose four bounds must be constants. Per-channel
/// bounds are broadcastable tensors with one non-1 dimension, which gives the channel axis
/// (e.g. [C,1,1,1] -> axis 0, [1,C,1,1] -> axis 1). Throws naming the node otherwise.
POT_SDK_VISIBLE FakeQuantizeParams read_fake_quantize(const Graph& graph, const Node& node);

/// Where a FakeQuantize goes: on the value `value` for all its readers, or only for input
/// `input_index` of node `consumer` (used for weights, which may be shared).
struct FakeQuantizeSite {
    std::string value;
    std::optional<std::string> consumer;
    size_t input_index = 0;
};

/// Inserts a FakeQuantize with `params` at `site`; `rank` is the rank of the quantized value (bounds
/// are shaped to broadcast along params.axis). For a value produced by a node, the producer's
/// output is renamed and the FakeQuantize takes over the original name, so graph outputs keep
/// their names. Returns the name of the new node.
POT_SDK_VISIBLE std::string insert_fake_quantize(Graph& graph, const FakeQuantizeSite& site,
                                                 const FakeQuantizeParams& params, int64_t rank);
/// The same, drawing new names from `names` (which must have been built from `graph` and seen
/// every name added since): O(1) naming when inserting many quantizers.
/// @since ABI 1.1
POT_SDK_VISIBLE std::string insert_fake_quantize(Graph& graph, const FakeQuantizeSite& site,
                                                 const FakeQuantizeParams& params, int64_t rank, NameAllocator& names);

/// The FakeQuantize node reading `value`, if exactly such a node consumes it.
POT_SDK_VISIBLE std::optional<size_t> fake_quantize_after(const Graph& graph, const std::string& value);

}  // namespace pot
