#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pot/graph.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// One hyper-parameter with a finite set of choices (categorical; ordered ones keep their order).
/// @since ABI 2.0
struct SearchDimension {
    std::string name;
    std::vector<std::string> choices;
};

/// @since ABI 2.0
struct SearchSpace {
    std::vector<SearchDimension> dimensions;
};

/// A point of a search space: dimension name -> chosen value.
/// @since ABI 2.0
struct Trial {
    int64_t id = 0;
    std::map<std::string, std::string> choice;
};

/// The choice that keeps a layer in float (POT's "layer" tuning scope).
/// @since ABI 2.3
inline constexpr const char* kFloatChoice = "float";

/// Ask/tell optimizer: never runs the model, so it can be tested on plain functions.
/// Lower scores are better.
/// @since ABI 2.0
class POT_SDK_VISIBLE Optimizer {
public:
    virtual ~Optimizer() = default;
    virtual std::string name() const = 0;
    virtual Trial ask(const SearchSpace& space) = 0;
    /// The score of `trial`. Since ABI 2.3 also for trials the optimizer did not ask for (the
    /// base configuration, trials of a resumed run), which it learns from like its own.
    virtual void tell(const Trial& trial, double score) = 0;
};

/// Optional interface of an algorithm whose choices an optimizer may tune; found with dynamic_cast.
/// @since ABI 2.0
class POT_SDK_VISIBLE Tunable {
public:
    virtual ~Tunable() = default;
    /// The dimensions and their choices; the first choice of each is the base configuration.
    /// Since ABI 2.3: after set_trial(), the choices set are the base (fine_tune relies on it).
    virtual SearchSpace search_space(const Graph& graph) const = 0;
    virtual void set_trial(const Trial& trial) = 0;
};

/// Optional interface of a Tunable whose search space depends on the target device (the ops a
/// hardware config quantizes): the host calls set_target_device() with the compression section's
/// target_device ("CPU", "ANY") before search_space(). Found with dynamic_cast.
/// @since ABI 2.3
class POT_SDK_VISIBLE TargetDeviceAware {
public:
    virtual ~TargetDeviceAware() = default;
    virtual void set_target_device(const std::string& device) = 0;
};

}  // namespace pot
