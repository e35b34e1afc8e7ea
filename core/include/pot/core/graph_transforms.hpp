#pragma once

#include "pot/graph.hpp"

namespace pot::core {

// Graph clean-ups run on a freshly loaded model before quantization. Each keeps the names of the
// graph's inputs and outputs, leaves ops it does not understand alone, and keeps the node order
// topological.

/// Folds a BatchNormalization (inference form) into the Conv, Gemm or MatMul that feeds it when
/// that producer has constant f32 weights and its output has no other reader:
///   W'[c] = W[c] * gamma[c] / sqrt(var[c] + eps),  b'[c] = (b[c] - mean[c]) * gamma[c] / sqrt(var[c] + eps) + beta[c].
/// A missing bias becomes a new bias input; a MatMul with a 2-D output becomes a Gemm (the op
/// with a bias input). A weight read by other nodes too is copied, not changed in place.
void fold_batch_norm(Graph& graph);

/// Evaluates nodes all of whose inputs are constants and replaces them by initializers, for the
/// shape-arithmetic ops exported models carry: Shape (also of a value whose static shape is fully
/// known), Gather, Unsqueeze, Squeeze, Concat, Reshape, Cast, Slice, Add, Sub, Mul, Div, Transpose,
/// Identity and ConstantOfShape. Nodes writing a graph output, results larger than 2^24 elements,
/// and element types outside f32/i32/i64 (i8/u8 for data movement) are left alone. Constants no
/// node reads any more are removed.
void fold_constants(Graph& graph);

/// Removes Identity nodes, Pad nodes whose pads are all zero, Concat nodes of one input, and
/// inference-mode Dropout nodes (no training_mode input, or a constant false one; mask output
/// unused), rewiring their readers to the source value. When the removed node wrote a graph output, the source value is renamed instead so the output keeps its name;
/// if that is impossible (the source is a graph input, constant or another output) the node stays.
void remove_identities(Graph& graph);

/// Moves a constant-mode Pad that pads only the spatial axes of an [N, C, spatial...] tensor into
/// the one node reading it, when that node pads the same way itself: a Pad of zeros into a Conv's
/// `pads`, or into an AveragePool's that then counts padded cells (count_include_pad = 1; one that
/// excludes them keeps its Pad if it has padding of its own); a Pad of -inf into a MaxPool's.
/// Pools in ceil mode, MaxPools with indices and readers with SAME auto-padding keep their Pad.
/// PyTorch exports AvgPool2d(count_include_pad=True) with padding, TensorFlow converters SAME
/// convolutions, as such a pair.
void fold_pads(Graph& graph);

/// Runs remove_identities, fold_constants, fold_batch_norm and fold_pads until none changes the
/// graph.
void optimize_graph(Graph& graph);

}  // namespace pot::core
