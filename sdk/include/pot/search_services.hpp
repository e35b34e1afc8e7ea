#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pot/algorithm.hpp"
#include "pot/graph.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// What an algorithm that searches over quantized candidates (AccuracyAwareQuantization, a
/// custom search) needs from the host beyond HostServices. The host's HostServices object also
/// implements this interface when it offers these services; find it with
///
///     auto* search = dynamic_cast<pot::SearchServices*>(&host);
///
/// and say clearly that the algorithm needs a newer host when it is null. Calls come from the
/// thread that called the algorithm, during Algorithm::apply() only.
/// @since ABI 2.1
class POT_SDK_VISIBLE SearchServices {
public:
    virtual ~SearchServices() = default;

    /// Runs `algorithms` in order on a copy of `graph` and returns the result, as the pipeline
    /// would run them from compression.algorithms: composites are expanded, statistics come from
    /// the job's calibration data with each algorithm's sampling settings, and their report
    /// sections are added to the job's report. Statistics collected earlier in the job for the
    /// same model and samples are reused, so running a base algorithm again with other settings
    /// costs only the statistics that changed. `where` names the place in the config for messages:
    /// a JSON pointer ("/compression/algorithms/0/params/base_algorithm"), or relative to the
    /// calling algorithm's place ("" is that place itself: the nested algorithms' parameter errors
    /// then name the caller's params, where POT configs put them; since ABI 2.2). Unknown names and bad parameters throw Config errors naming it.
    virtual Graph run_algorithms(const Graph& graph, const std::vector<AlgorithmSpec>& algorithms,
                                 const std::string& where) = 0;

    /// The float model's metric value measured elsewhere, when the config gives one
    /// (metrics[0].baseline_value): a search may then skip evaluating the float model on every
    /// sample. nullopt otherwise.
    virtual std::optional<double> float_baseline() = 0;

    /// True once the user has asked the run to stop (SIGINT in pot-host): finish the step under
    /// way and return the best result found so far, which the job then writes as usual. The first
    /// call tells the host that the algorithm will look; until then an interrupt ends the run
    /// without results. A second interrupt always ends the run.
    virtual bool stop_requested() = 0;
};

}  // namespace pot
