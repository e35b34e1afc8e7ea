#pragma once

#include <string>

#include "pot/graph.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// What an algorithm that runs for long (a search over candidates) can hand to the host before it
/// returns, so that nothing it found is lost. The host's HostServices object also implements this
/// interface when it offers these services; find it with
///
///     auto* results = dynamic_cast<pot::ResultServices*>(&host);
///
/// A 2.1 host does not offer it: an algorithm should then work as before, without the early saves.
/// Calls come from the thread that called the algorithm, during Algorithm::apply() only.
/// @since ABI 2.2
class POT_SDK_VISIBLE ResultServices {
public:
    virtual ~ResultServices() = default;

    /// The best model found so far, whether it meets the algorithm's accuracy target, and a JSON
    /// object describing it (metric, drop, what was changed). The host saves them at once, each
    /// file replaced whole, where a run ended by a kill, a crash or a power cut still leaves them
    /// (pot-host: `<model name>.best_so_far.onnx` and `.best_so_far.json` beside the results),
    /// and removes them once the job's results are written. The last call also tells the job's
    /// outcome: pot-host prints whether the target is met and exits with 3 when it is not.
    /// Throws pot::Error when the files cannot be written or `summary_json` is not an object.
    virtual void checkpoint(const Graph& model, bool meets_target, const std::string& summary_json) = 0;

    /// A file to write with the job's results (a plot, a log). `name` is a plain file name of
    /// letters, digits, '.', '_' and '-', not used by another file of the job; `bytes` is its
    /// content. Throws pot::Error(Runtime) naming the file when the name is not allowed or taken.
    virtual void add_result_file(const std::string& name, const std::string& bytes) = 0;
};

}  // namespace pot
