#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "pot/graph.hpp"
#include "pot/tensor.hpp"

namespace pot::weight_sparsity {

/// A node whose constant weights are sparsified: Conv, Gemm or MatMul reading an f32 constant
/// of rank >= 2 at input 1.
struct SparsityTarget {
    std::string node;
    std::string weights;   ///< the constant, as named in the graph when found
    int64_t channel_axis;  ///< output-channel axis of the weights (Conv 0, Gemm 0/1, MatMul last)
};

/// Every target of `graph` in node order, leaving out the nodes in `ignored` and, with
/// `skip_input_convolutions`, the convolutions that read a model input directly (their weights
/// carry the input scaling, so small raw values are not unimportant ones).
std::vector<SparsityTarget> find_sparsity_targets(const Graph& graph,
                                                  const std::unordered_set<std::string>& ignored,
                                                  bool skip_input_convolutions);

/// The magnitude below which weights are zeroed so that a fraction `level` of all the weights of
/// `tensors` is: the floor(level * n)-th smallest magnitude over all of them (n in total), taken
/// as |w| / ||W||_2 of its own tensor when `normed`, else |w|. `level` in [0, 1).
float sparsity_threshold(const std::vector<const Tensor*>& tensors, double level, bool normed);

/// Options of sparsify().
struct SparsifyOptions {
    float threshold = 0.0f;
    bool normed = true;               ///< compare |w| / ||W||_2 with the threshold
    bool correct_distribution = true; ///< rescale the kept weights per channel (see sparsify)
    double eps = 1e-9;                ///< added to the kept weights' standard deviation
};

/// Zeroes the weights of `w` whose magnitude (normed as options say) is below the threshold and
/// returns how many it zeroed. With correct_distribution, every output channel (along
/// `channel_axis`) is first mapped by w * a + b so that the kept weights have the standard
/// deviation and mean the whole channel had (a = std(w) / (std(sparse w) + eps),
/// b = mean(w) - mean(a * sparse w)), as POT's MagnitudeSparsity does.
size_t sparsify(Tensor& w, int64_t channel_axis, const SparsifyOptions& options);

}  // namespace pot::weight_sparsity
