#include "pot/sample_reader.hpp"

#include <algorithm>
#include <numeric>

namespace pot {

namespace {
constexpr size_t kChunk = 16;
}  // namespace

SampleReader::SampleReader(const DataLoader& data, const std::vector<size_t>& order) : data_(data), order_(order) {}

SampleReader::~SampleReader() {
    if (ahead_.valid()) ahead_.wait();  // an error there no longer matters
}

const Sample& SampleReader::next() {
    if (pos_ == chunk_.size()) {
        chunk_ = ahead_.valid() ? ahead_.get() : read(start_);
        start_ += chunk_.size();
        pos_ = 0;
        if (start_ < order_.size()) ahead_ = std::async(std::launch::async, [this, from = start_] { return read(from); });
    }
    return chunk_[pos_++];
}

std::vector<Sample> SampleReader::read(size_t from) const {
    std::vector<Sample> out;
    for (size_t i = from; i < std::min(from + kChunk, order_.size()); ++i) out.push_back(data_.get(order_[i]));
    return out;
}

std::vector<size_t> all_indices(const DataLoader& data, const std::vector<size_t>& indices) {
    if (!indices.empty()) return indices;
    std::vector<size_t> out(data.size());
    std::iota(out.begin(), out.end(), size_t{0});
    return out;
}

}  // namespace pot
