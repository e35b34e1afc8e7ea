#pragma once

#include <future>
#include <vector>

#include "pot/data.hpp"
#include "pot/engine.hpp"
#include "pot/visibility.hpp"

namespace pot {

/// Reads samples of a DataLoader in a given order, decoding the next chunk on another thread while
/// the caller runs a model on the current one: decoding then neither adds to the loop's time nor
/// evicts the model's weights from the caches of the core that runs it.
/// @since ABI 2.0
class POT_SDK_VISIBLE SampleReader {
public:
    /// `data` and `order` must outlive the reader.
    SampleReader(const DataLoader& data, const std::vector<size_t>& order);
    ~SampleReader();
    SampleReader(const SampleReader&) = delete;
    SampleReader& operator=(const SampleReader&) = delete;

    /// The next sample; valid until the following call. At most order.size() calls.
    const Sample& next();

private:
    std::vector<Sample> read(size_t from) const;

    const DataLoader& data_;
    const std::vector<size_t>& order_;
    std::vector<Sample> chunk_;
    size_t pos_ = 0, start_ = 0;
    std::future<std::vector<Sample>> ahead_;
};

/// `indices`, or every index of `data` in order when `indices` is empty. @since ABI 2.0
POT_SDK_VISIBLE std::vector<size_t> all_indices(const DataLoader& data, const std::vector<size_t>& indices);

/// Engine::collect's loop: calls `run(inputs)` for samples `indices` of `data` (all when empty),
/// in order, with progress reported as "statistics". Header only: a plugin using it needs no newer
/// host.
/// @since ABI 2.5 (headers)
template <typename Run>
void observe_samples(const DataLoader& data, const std::vector<size_t>& indices, Progress* progress, Run&& run) {
    const auto order = all_indices(data, indices);
    if (progress) progress->start("statistics", order.size());
    SampleReader reader(data, order);
    for (size_t i = 0; i < order.size(); ++i) {
        run(reader.next().inputs);
        if (progress) progress->advance(i + 1);
    }
    if (progress) progress->finish();
}

/// The same running each sample through `model`, showing `observer` the values `observed`; for
/// engines that reduce with an observer of their own.
/// @since ABI 2.5 (headers)
inline void observe_samples(CompiledModel& model, const DataLoader& data, const std::vector<size_t>& indices,
                            const std::vector<std::string>& observed, ValueObserver& observer, Progress* progress) {
    observe_samples(data, indices, progress,
                    [&](const std::vector<Tensor>& inputs) { model.infer(inputs, observed, &observer); });
}

}  // namespace pot
