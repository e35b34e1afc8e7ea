#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/params.hpp"

namespace pot::range_optimization {

/// One searched range: the activation quantizers (FakeQuantize nodes) that share it. Quantizers
/// whose bounds are equal to the bit (the inputs of one Concat or Add, given one range by
/// MinMaxQuantization) stay equal, so the kernels that need one scale keep it.
struct RangeGroup {
    std::vector<size_t> quantizers;  ///< node indices
    std::vector<std::string> values; ///< the values they quantize (the names scope and reports use)
    float low = 0.0f, high = 0.0f;   ///< current bounds
    int64_t levels = 256;
    /// Set for a range whose zero point is an end or the middle of the codes (unsigned, or
    /// symmetric): low stays this multiple of high and only high is searched. Unset (asymmetric):
    /// both are searched and aligned so that 0 stays on a code.
    std::optional<float> low_per_high;

    /// [low, high] for searched bounds, as the group's quantizers take it.
    std::pair<float, float> range(double searched_low, double searched_high) const;
};

/// [low, high] (widened to contain 0) moved so that 0 falls on one of `levels` codes, the nearest:
/// QuantizeLinear / DequantizeLinear and the INT8 kernels need an integral zero point.
std::pair<float, float> aligned_range(double low, double high, int64_t levels);

/// The box POT searches around a starting value v: [(1 - lower) v, (1 + upper) v] for v > 0, the
/// mirror image for v < 0, [-zero, zero] for v = 0.
std::pair<double, double> search_interval(double v, double lower, double upper, double zero);

/// Activation ranges of `graph` grouped as above, restricted to quantizers of values (or of
/// values produced by nodes) named in `scope` when it is not empty.
std::vector<RangeGroup> find_range_groups(const Graph& graph, const std::vector<std::string>& scope);

/// Sets the bounds of every quantizer of `group` to [low, high] (input and output bounds alike).
void set_range(Graph& graph, const RangeGroup& group, float low, float high);

/// POT's RangeOptimization: searches the ranges of the activation quantizers an earlier algorithm
/// inserted, each within a box around its value, for the best value of the job's metric on
/// `optimization_subset_size` evaluation samples; the best ranges found are kept.
class RangeOptimization final : public Algorithm {
public:
    explicit RangeOptimization(const Params& params);

    std::string name() const override { return "RangeOptimization"; }
    std::vector<StatisticRequest> statistics_needed(const Graph&, HostServices&) override { return {}; }
    bool changes_model() const override { return true; }
    void apply(Graph& graph, const Statistics& stats, HostServices& host) override;

private:
    void set_ranges(Graph& graph, HostServices& host) const;

    std::vector<std::string> scope_;
    double lower_boxsize_ = 0.08, upper_boxsize_ = 0.02, zero_boxsize_ = 0.05;
    int64_t maxiter_ = 100;
    int64_t subset_size_ = 0;  ///< 0: every evaluation sample
    std::string algorithm_;    ///< NLopt's name of the search
    std::string substituted_;  ///< POT's optimizer this search stands in for, if any
    std::string metric_name_;
    std::string result_file_;
    std::optional<std::map<std::string, std::pair<float, float>>> ranges_to_set_;
    uint32_t seed_ = 0;
};

}  // namespace pot::range_optimization
