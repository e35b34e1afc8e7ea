#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// An activation function written out in elementary ops, as exporters write the ones the target
/// opset lacks: HardSwish before opset 14 is `x * Clip(x + 3, 0, 6) / 6`, SiLU is
/// `x * Sigmoid(x)` in every opset, GELU before opset 20 is `x * (Erf(x / sqrt(2)) + 1) * 0.5`. Engines compute it as one activation; quantizers treat it as
/// one (the quantizer of a Conv's output goes after it, as after a Relu).
/// @since ABI 2.1
struct SpelledActivation {
    /// What it computes: "HardSwish" (x * min(max(x + 3, 0), 6) / 6), "Swish" (x * sigmoid(x),
    /// also called SiLU) or "Gelu" (x * (erf(x / sqrt(2)) + 1) / 2).
    std::string op_type;
    std::string input;          ///< x
    std::string output;         ///< the value that holds the activation of x
    std::vector<size_t> nodes;  ///< indices of the nodes computing it, output's producer last
};

/// The nodes that read a value (each once, in node order), e.g. from an index built once.
/// @since ABI 2.1
using ValueReaders = std::function<std::vector<size_t>(const std::string& value)>;

/// The spelled-out activation computed from `value`, when the nodes reading `value` are exactly
/// the first nodes of one and every value inside it has no other reader and is not a graph
/// output; nullopt otherwise. Recognised forms (operands of Add and Mul in either order; the
/// constants scalars, within 1e-5 relative):
///   HardSwish: Mul(x, Clip(Add(x, 3), 0, 6)) then Div(6) or Mul(1/6);
///              Mul(x, Div(Clip(Add(x, 3), 0, 6), 6)) (or Mul(1/6) in place of Div);
///              Mul(x, HardSigmoid(x, alpha = 1/6, beta = 0.5)).
///   Swish:     Mul(x, Sigmoid(x)).
///   Gelu:      Mul(x, Add(Erf(Div(x, sqrt(2))), 1)) then Mul(0.5) or Div(2);
///              Mul(Mul(x, 0.5), Add(Erf(Div(x, sqrt(2))), 1)) (Mul(1/sqrt(2)) in place of the Div).
/// Clip bounds are read from inputs (opset 11 and later) or attributes (before).
/// @since ABI 2.1
POT_SDK_VISIBLE std::optional<SpelledActivation> match_spelled_activation(const Graph& graph,
                                                                          const std::string& value,
                                                                          const ValueReaders& readers);

/// The same, with the readers found by Graph::consumers() (a scan of all nodes per value).
/// @since ABI 2.1
POT_SDK_VISIBLE std::optional<SpelledActivation> match_spelled_activation(const Graph& graph,
                                                                          const std::string& value);

}  // namespace pot
