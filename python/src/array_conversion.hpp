#pragma once

#include <string>

#include <pybind11/numpy.h>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::python {

/// Copies `array` into a new tensor of `input`'s element type in one pass, converting each element
/// on the way (any strides, so a transposed view needs no copy of its own first):
///  - to f32: any numeric or bool array; values are kept as they are (uint8 pixels stay 0..255:
///    scaling is the data loader's business, as in POT);
///  - to i8, u8, i32, i64: integer or bool arrays whose values fit the type; float arrays are
///    refused rather than truncated;
///  - to bool: integer or bool arrays, non-zero is true.
/// The array's shape must equal the input's, dimension by dimension, except where the input's
/// dimension is -1 (dynamic). Must be called with the GIL held. Throws pot::Error(Input) naming
/// `what` (the sample and input) and what was expected.
Tensor tensor_from_array(const pybind11::array& array, const ValueInfo& input, const std::string& what);

/// A new numpy array holding a copy of `tensor`. Must be called with the GIL held.
pybind11::array array_from_tensor(const Tensor& tensor);

}  // namespace pot::python
