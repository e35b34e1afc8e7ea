// ONNX model bytes through what pot-host does at import: protobuf parsing, the ONNX checker and
// shape inference, conversion to the IR (QDQ import included), then the graph clean-ups.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pot/core/graph_transforms.hpp"
#include "pot/core/model_io.hpp"
#include "pot/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const std::string bytes(reinterpret_cast<const char*>(data), size);
        pot::Graph graph = pot::core::parse_onnx(bytes, "fuzz.onnx");
        pot::core::optimize_graph(graph);
    } catch (const pot::Error&) {
        // A rejected model. Any other exception is a missing check and aborts the run.
    }
    return 0;
}
