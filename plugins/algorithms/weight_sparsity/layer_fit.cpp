#include "layer_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "pot/error.hpp"

namespace pot::weight_sparsity {

namespace {

// Relative residual (in the preconditioned norm) at which the conjugate gradient stops early.
constexpr double kRelativeTolerance = 1e-6;
// Flops of the per-channel solves count this much more than those of the shared product: they
// run in double, in many small LAPACK calls, where the product is one large f32 GEMM (measured on
// ResNet-50's 3x3 convolutions: about 4x slower per flop).
constexpr double kDirectCostWeight = 4.0;

// Per-row ridge, (K + 1) x 1: the weight rows get ridge * their mean diagonal, the bias row
// ridge * its own diagonal (the row count), as the two differ in scale by the inputs' magnitude.
cv::Mat ridge_rows(const cv::Mat& gram, double ridge) {
    const int n = gram.rows;
    double weight_diagonal = 0.0;
    for (int j = 0; j + 1 < n; ++j) weight_diagonal += gram.at<float>(j, j);
    weight_diagonal /= std::max(1, n - 1);
    cv::Mat lambda(n, 1, CV_32F, cv::Scalar(ridge * weight_diagonal));
    lambda.at<float>(n - 1) = static_cast<float>(ridge * gram.at<float>(n - 1, n - 1));
    return lambda;
}

// 1 where an entry may change (a kept weight; the bias when fitted), else 0. CV_32F.
cv::Mat free_entries(const cv::Mat& sparse, bool fit_bias) {
    cv::Mat mask;
    cv::Mat(sparse != 0).convertTo(mask, CV_32F, 1.0 / 255.0);
    mask.row(mask.rows - 1).setTo(fit_bias ? 1.0 : 0.0);
    return mask;
}

// Dot products of matching columns, 1 x C, CV_64F.
cv::Mat column_dots(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat dots;
    cv::reduce(a.mul(b), dots, 0, cv::REDUCE_SUM, CV_64F);
    return dots;
}

// Each column c of `m` times factors[c] (1 x C, CV_64F).
cv::Mat scale_columns(const cv::Mat& m, const cv::Mat& factors) {
    cv::Mat f;
    factors.convertTo(f, CV_32F);
    return m.mul(cv::repeat(f, m.rows, 1));
}

// numerator / denominator per column, 0 where the denominator is not positive.
cv::Mat safe_ratio(const cv::Mat& numerator, const cv::Mat& denominator) {
    cv::Mat ratio(numerator.size(), CV_64F, cv::Scalar(0.0));
    for (int c = 0; c < ratio.cols; ++c) {
        const double d = denominator.at<double>(c);
        if (d > 0.0) ratio.at<double>(c) = numerator.at<double>(c) / d;
    }
    return ratio;
}

// Jacobi-preconditioned conjugate gradient on every column at once:
// mask . (G + Lambda) . mask x = rhs, with one product by G per iteration for all columns.
int64_t solve_iteratively(const cv::Mat& gram, const cv::Mat& lambda, const cv::Mat& mask,
                          const cv::Mat& rhs, cv::Mat& x, int64_t max_iterations) {
    const cv::Mat lambda_cols = cv::repeat(lambda, 1, x.cols);
    cv::Mat diagonal = gram.diag() + lambda;
    cv::max(diagonal, std::numeric_limits<float>::min(), diagonal);
    const cv::Mat preconditioner = cv::repeat(diagonal, 1, x.cols);
    const auto apply = [&](const cv::Mat& p) {
        cv::Mat q;
        cv::gemm(gram, p, 1.0, cv::noArray(), 0.0, q);
        q += lambda_cols.mul(p);
        return cv::Mat(q.mul(mask));
    };
    cv::Mat r = rhs - apply(x), z;
    cv::divide(r, preconditioner, z);
    cv::Mat p = z.clone();
    cv::Mat rz = column_dots(r, z);
    double first = 0.0;
    cv::minMaxLoc(rz, nullptr, &first);
    int64_t iterations = 0;
    for (; iterations < max_iterations; ++iterations) {
        double largest = 0.0;
        cv::minMaxLoc(rz, nullptr, &largest);
        if (largest <= kRelativeTolerance * kRelativeTolerance * first) break;
        const cv::Mat q = apply(p);
        const cv::Mat alpha = safe_ratio(rz, column_dots(p, q));
        x += scale_columns(p, alpha);
        r -= scale_columns(q, alpha);
        cv::divide(r, preconditioner, z);
        const cv::Mat next = column_dots(r, z);
        p = z + scale_columns(p, safe_ratio(next, rz));
        rz = next;
    }
    return iterations;
}

// One Cholesky solve of (G + Lambda)_SS x_S = rhs_S per column over its free rows S, in double.
// Marks the columns whose system is not positive definite. Columns are spread over an OpenMP team:
// inside it each LAPACK call runs on its own thread, where a BLAS team of its own per call would
// spend more time synchronizing than solving systems of a few hundred unknowns.
void solve_directly(const cv::Mat& gram, const cv::Mat& lambda, const cv::Mat& mask,
                    const cv::Mat& rhs, cv::Mat& x, std::vector<char>& failed) {
    cv::Mat g;
    gram.convertTo(g, CV_64F);
    const int columns = x.cols;
#pragma omp parallel for schedule(dynamic)
    for (int c = 0; c < columns; ++c) {
        std::vector<int> kept;
        for (int j = 0; j < x.rows; ++j)
            if (mask.at<float>(j, c) != 0.0f) kept.push_back(j);
        if (kept.empty()) continue;
        const int k = static_cast<int>(kept.size());
        cv::Mat a(k, k, CV_64F), b(k, 1, CV_64F), solution;
        for (int i = 0; i < k; ++i) {
            const double* src = g.ptr<double>(kept[static_cast<size_t>(i)]);
            double* dst = a.ptr<double>(i);
            for (int j = 0; j < k; ++j) dst[j] = src[kept[static_cast<size_t>(j)]];
            dst[i] += lambda.at<float>(kept[static_cast<size_t>(i)]);
            b.at<double>(i) = rhs.at<float>(kept[static_cast<size_t>(i)], c);
        }
        bool solved = false;
        try {
            solved = cv::solve(a, b, solution, cv::DECOMP_CHOLESKY) && cv::checkRange(solution);
        } catch (const cv::Exception&) {
            // Reported as a failed column below: no exception may leave the parallel region.
        }
        if (!solved) {
            failed[static_cast<size_t>(c)] = 1;
            continue;
        }
        for (int i = 0; i < k; ++i)
            x.at<float>(kept[static_cast<size_t>(i)], c) = static_cast<float>(solution.at<double>(i));
    }
}

}  // namespace

FitStats fit_masked_columns(const cv::Mat& gram, const cv::Mat& check, const cv::Mat& dense,
                            cv::Mat& sparse, const FitOptions& options) {
    POT_CHECK(gram.type() == CV_32F && dense.type() == CV_32F && sparse.type() == CV_32F &&
                  gram.rows >= 1 && gram.rows == gram.cols && dense.rows == gram.rows &&
                  sparse.size() == dense.size(),
              "layer fit: expected a square f32 Gram matrix and f32 weights with as many rows, got ",
              gram.rows, "x", gram.cols, " and ", dense.rows, "x", dense.cols, " / ", sparse.rows,
              "x", sparse.cols);
    POT_CHECK(check.empty() || (check.type() == CV_32F && check.cols == gram.rows),
              "layer fit: check rows of ", check.cols, " columns for a Gram matrix of ", gram.rows);
    const int channels = dense.cols;
    const cv::Mat mask = free_entries(sparse, options.fit_bias);
    const cv::Mat lambda = ridge_rows(gram, options.ridge);
    // In deltas from the dense layer: the fixed entries (dropped weights, at -dense) push the free
    // ones through the normal equations (G + Lambda)_SS delta_S = -G_SF delta_F.
    const cv::Mat start = sparse - dense;
    const cv::Mat fixed = start.mul(1.0 - mask);
    cv::Mat rhs;
    cv::gemm(gram, fixed, -1.0, cv::noArray(), 0.0, rhs);
    rhs = rhs.mul(mask);
    cv::Mat x = start.mul(mask);

    FitStats stats;
    std::vector<char> failed(static_cast<size_t>(channels), 0);
    double direct_cost = 0.0;
    for (int c = 0; c < channels; ++c) {
        const double k = cv::countNonZero(mask.col(c));
        direct_cost += k * k * k / 3.0 + k * k;
    }
    const double n = gram.rows;
    const double iterative_cost = static_cast<double>(options.max_iterations) * 2.0 * n * n * channels;
    const bool direct = options.method == FitMethod::Auto ? kDirectCostWeight * direct_cost <= iterative_cost
                                                          : options.method == FitMethod::Cholesky;
    if (direct) {
        solve_directly(gram, lambda, mask, rhs, x, failed);
    } else {
        stats.iterative = true;
        stats.iterations = solve_iteratively(gram, lambda, mask, rhs, x, options.max_iterations);
    }

    cv::Mat delta = fixed + x;
    // Errors of the dense, entry and fitted weights from one product with the check rows (or
    // with the Gram matrix of the fit rows).
    cv::Mat all, products, energies;
    cv::hconcat(std::vector<cv::Mat>{dense, start, delta}, all);
    stats.held_out = !check.empty();
    if (stats.held_out) {
        cv::gemm(check, all, 1.0, cv::noArray(), 0.0, products);
        energies = column_dots(products, products);
    } else {
        cv::gemm(gram, all, 1.0, cv::noArray(), 0.0, products);
        energies = column_dots(all, products);
    }
    for (int c = 0; c < channels; ++c) {
        const double before = energies.at<double>(channels + c);
        double after = energies.at<double>(2 * channels + c);
        if (failed[static_cast<size_t>(c)] != 0 || !(after <= before) || !std::isfinite(after)) {
            start.col(c).copyTo(delta.col(c));
            after = before;
            ++stats.unchanged_channels;
        }
        stats.dense_energy += energies.at<double>(c);
        stats.error_before += before;
        stats.error_after += after;
    }
    cv::add(dense, delta, sparse);
    // dense + (-dense) is already +0; set it anyway so no rounding can revive a dropped weight.
    cv::Mat dropped = mask == 0;
    dropped.row(dropped.rows - 1).setTo(0);
    sparse.setTo(0.0f, dropped);
    return stats;
}

}  // namespace pot::weight_sparsity
