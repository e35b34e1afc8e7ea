#pragma once

#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

namespace pot::weight_sparsity {

/// Ridge added to the masked normal equations, relative to the mean diagonal of the weight
/// columns (and, for the bias, to its own diagonal): keeps them positive definite when sampled
/// rows are few or some inputs are always zero, and pulls the solution towards the dense weights.
/// On the bundled Fashion-MNIST CNN at sparsity 0.8, 1e-3 / 1e-2 / 1e-1 leave a mean relative
/// error on held-out rows of 0.015 / 0.010 / 0.007 (the 1600-input Gemm, fitted on 240 rows,
/// gains most from more); 1e-2 gave the best INT8 accuracy over sparsity 0.5, 0.7 and 0.8.
inline constexpr double kFitRidge = 1e-2;

/// How fit_masked_columns() solves: the cheaper of the two (Auto), or one of them.
enum class FitMethod { Auto, Cholesky, ConjugateGradient };

/// Options of fit_masked_columns().
struct FitOptions {
    bool fit_bias = true;        ///< the last row (the bias) is free; else it keeps its value
    int64_t max_iterations = 30; ///< conjugate-gradient iterations when solved iteratively
    double ridge = kFitRidge;
    FitMethod method = FitMethod::Auto;
};

/// What fit_masked_columns() did, in squared output units summed over the output channels and the
/// check rows (the fit rows when there are none): errors are ||X (theta - theta_dense)||^2, energy
/// ||X theta_dense||^2.
struct FitStats {
    bool held_out = false;        ///< measured on check rows the fit did not see
    double dense_energy = 0.0;
    double error_before = 0.0;    ///< with the weights `sparse` held on entry
    double error_after = 0.0;
    /// Left as on entry: the solve failed, or did not lower the error on the check rows.
    size_t unchanged_channels = 0;
    bool iterative = false;       ///< conjugate gradient (else one Cholesky solve per channel)
    int64_t iterations = 0;       ///< conjugate-gradient iterations run
};

/// Masked least squares of one group of output channels of a layer. `gram` is X^T X of the
/// layer's sampled source rows X (im2col'ed, each with a trailing 1 for the bias): (K + 1) x
/// (K + 1), CV_32F, symmetric. `dense` and `sparse` are (K + 1) x C, CV_32F: column c holds output
/// channel c's K weights and then its bias, as the dense layer had them and as they are now.
///
/// Every weight of `sparse` that is zero stays exactly zero; the others (and the bias with
/// options.fit_bias) are set to minimize ||X (sparse_c - dense_c)||^2 + ridge, so that the sparse
/// layer's output on the rows matches the dense layer's. With FitMethod::Auto each channel is
/// solved by a Cholesky factorization of its kept columns when that costs less than
/// options.max_iterations conjugate-gradient iterations over all channels at once (one shared
/// product with `gram` per iteration, Jacobi preconditioned, started from `sparse`). A channel
/// whose solve fails or whose error would grow keeps its entries. The error is measured on
/// `check` (rows shaped as those of the Gram matrix, none of them in it) when it has rows, else on
/// the fit rows themselves.
FitStats fit_masked_columns(const cv::Mat& gram, const cv::Mat& check, const cv::Mat& dense,
                            cv::Mat& sparse, const FitOptions& options);

}  // namespace pot::weight_sparsity
