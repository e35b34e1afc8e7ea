#include "default_quantization.hpp"

#include "parts.hpp"

namespace pot::default_quantization {

DefaultQuantization::DefaultQuantization(const Params& params) : parts_(split_into_parts(params)) {}

std::vector<StatisticRequest> DefaultQuantization::statistics_needed(const Graph&, HostServices&) {
    POT_THROW(Runtime, name(), " is a composite: run the algorithms expand() returns instead");
}

void DefaultQuantization::apply(Graph&, const Statistics&, HostServices&) {
    POT_THROW(Runtime, name(), " is a composite: run the algorithms expand() returns instead");
}

}  // namespace pot::default_quantization
