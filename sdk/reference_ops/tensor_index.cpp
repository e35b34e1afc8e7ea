#include "tensor_index.hpp"

namespace pot::reference {

int64_t normalize_axis(int64_t axis, int64_t rank) {
    POT_CHECK(axis >= -rank && axis < rank, "axis ", axis, " is out of range for rank ", rank,
              "; expected a value in [", -rank, ", ", rank - 1, "]");
    return axis < 0 ? axis + rank : axis;
}

Shape strides_of(const Shape& shape) {
    Shape strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
    return strides;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank, 1);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        POT_CHECK(da == db || da == 1 || db == 1, "shapes ", shape_str(a), " and ", shape_str(b),
                  " do not broadcast (dimension ", i, ": ", da, " vs ", db, ")");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

Shape broadcast_strides(const Shape& src, const Shape& dst) {
    POT_CHECK(src.size() <= dst.size(), "cannot broadcast shape ", shape_str(src), " to ",
              shape_str(dst));
    const Shape src_strides = strides_of(src);
    const size_t lead = dst.size() - src.size();
    Shape out(dst.size(), 0);
    for (size_t i = 0; i < src.size(); ++i) {
        POT_CHECK(src[i] == dst[lead + i] || src[i] == 1, "cannot broadcast shape ", shape_str(src),
                  " to ", shape_str(dst));
        out[lead + i] = src[i] == 1 ? 0 : src_strides[i];
    }
    return out;
}

void check_generated_size(const Shape& shape, const char* op) {
    int64_t n = 1;
    for (int64_t d : shape) {
        POT_CHECK(d >= 0, op, " output shape ", shape_str(shape), " has a negative dimension");
        POT_CHECK(d == 0 || n <= kMaxGeneratedElements / d, op, " output of shape ",
                  shape_str(shape), " would have more than ", kMaxGeneratedElements, " elements");
        n *= d;
    }
    POT_CHECK(n <= kMaxGeneratedElements, op, " output of shape ", shape_str(shape),
              " would have more than ", kMaxGeneratedElements, " elements");
}

std::vector<int64_t> read_ints(const Tensor& t) { return t.to_ints(); }

float read_scalar(const Tensor& t) {
    POT_CHECK(t.numel() == 1, "expected a single value, got a tensor of shape ",
              shape_str(t.shape()));
    return t.to_floats()[0];
}

}  // namespace pot::reference
