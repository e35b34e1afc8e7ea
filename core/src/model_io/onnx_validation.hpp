#pragma once

// Checker and shape inference of a model being loaded: internal to onnx_reader.cpp and to the
// pot-onnx-check program (core/app/onnx_check.cpp).

#include <onnx/onnx_pb.h>

#include <string>

#include "pot/error.hpp"

namespace pot::core::model_io {

/// The ONNX library died on the model (in the child process that ran it).
class OnnxLibraryCrash : public Error {
public:
    explicit OnnxLibraryCrash(const std::string& message) : Error(ErrorKind::Input, message) {}
};

/// Runs the ONNX checker and shape inference on `model`; on success the inferred value_info and
/// output types replace the model's. Both run in a process of their own, because libonnx 1.12
/// crashes on some malformed models (e.g. a Conv whose input rank disagrees with its kernel) and
/// no file may take the host down: the program pot-onnx-check (`$POT_ONNX_CHECK`, else
/// `pot/pot-onnx-check` beside libpot_core) is started with the model on its standard input; where
/// it is missing, a forked child of this process runs them. Either gets a time limit. `where`
/// prefixes messages. Throws pot::Error(Input) when the model fails a check, OnnxLibraryCrash when
/// the library crashes on it.
void check_and_infer_shapes(onnx::ModelProto& model, const std::string& where);

/// The checker and shape inference in this process: what pot-onnx-check writes. The first byte
/// says what happened ('o': inferred, 'c': the checker refused the model, 'i': shape inference
/// failed); then a ModelProto holding only the inferred value_info and outputs, or the message.
std::string check_and_infer_report(onnx::ModelProto& model);

}  // namespace pot::core::model_io
