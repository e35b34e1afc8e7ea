#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>

#include "ops.hpp"
#include "reference_fallback.hpp"

namespace pot::cpu {

namespace {

// Reshape node `n`'s output shape for an input of shape `in` (the reference kernel on zeros; the
// shape input must be a constant by now), or nullopt.
std::optional<Shape> reshaped(PlanBuilder& b, const Node& n, const Shape& in) {
    std::vector<Tensor> inputs{Tensor(DType::F32, in)};
    for (size_t i = 1; i < n.inputs.size(); ++i) {
        if (n.inputs[i].empty()) {
            inputs.emplace_back();
            continue;
        }
        if (!b.is_constant(n.inputs[i])) return std::nullopt;
        inputs.push_back(b.constant(n.inputs[i]));
    }
    return evaluate_node(b.graph().opset, n, inputs).at(0).shape();
}

// Reshape [N, C, ...] -> [N, g, C / g, ...], Transpose (0, 2, 1, ...), Reshape back to [N, C, ...]:
// ShuffleNet's channel shuffle, where output channel j * g + i is input channel i * C / g + j.
// One reorder between two strided views of the same layout does it in whatever dense layout the
// input has (channels-last after a convolution or concat); the three nodes apart would move the
// value to the plain layout, transpose it, and move it back for the next convolution.
bool lower_channel_shuffle(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const Shape in = b.shape(x);
    if (in.size() < 3 || !n.domain.empty()) return false;
    const auto split = reshaped(b, n, in);
    if (!split || split->size() != in.size() + 1 || (*split)[0] != in[0] || (*split)[1] < 1 ||
        (*split)[1] * (*split)[2] != in[1] || !std::equal(in.begin() + 2, in.end(), split->begin() + 3))
        return false;
    const auto transpose = b.sole_consumer(n.outputs[0]);
    if (!transpose) return false;
    const Node& t = b.node(*transpose);
    std::vector<int64_t> swap_groups(split->size());
    std::iota(swap_groups.begin(), swap_groups.end(), int64_t{0});
    std::swap(swap_groups[1], swap_groups[2]);
    if (t.op_type != "Transpose" || !t.domain.empty() || t.attr_ints("perm") != swap_groups) return false;
    const auto merge = b.sole_consumer(t.outputs[0]);
    if (!merge) return false;
    const Node& r = b.node(*merge);
    Shape swapped = *split;
    std::swap(swapped[1], swapped[2]);
    if (r.op_type != "Reshape" || !r.domain.empty() || r.outputs.size() > 1 || reshaped(b, r, swapped) != in)
        return false;
    const Rep src = b.dense_any(x);
    const auto desc = src.mem.get_desc();
    const auto order = storage_order(desc);
    if (!order) return false;
    const int64_t groups = (*split)[1], per_group = (*split)[2];
    const auto* strides = desc.data.format_desc.blocking.strides;
    // Axis 1 split into (group i, index j): the input's channel i * per_group + j, the output's
    // channel j * groups + i; the other axes keep their strides.
    dnnl::memory::dims from(split->size()), to(split->size());
    from[0] = to[0] = strides[0];
    from[1] = per_group * strides[1], from[2] = strides[1];
    to[1] = strides[1], to[2] = groups * strides[1];
    for (size_t a = 2; a < in.size(); ++a) from[a + 1] = to[a + 1] = strides[a];
    const dnnl::memory::dims dims5(split->begin(), split->end());
    const dnnl::memory::desc from_desc(dims5, desc.data_type(), from), to_desc(dims5, desc.data_type(), to);
    auto pd = dnnl::reorder::primitive_desc(b.engine(), from_desc, b.engine(), to_desc);
    if (is_reference_impl(pd)) return false;
    b.define(r.outputs[0], dense_in_order(desc.dims(), desc.data_type(), *order), src.quant);
    b.add_primitive(n.name, "channel shuffle", pd, dnnl::reorder(pd),
                    {{DNNL_ARG_FROM, b.view(src, from_desc)}, {DNNL_ARG_TO, b.view(b.primary(r.outputs[0]), to_desc)}});
    b.fuse(*transpose);
    b.fuse(*merge);
    return true;
}

}  // namespace

bool lower_reshape(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    // Dropout's mask, when something reads it (exporters name it even when nothing does).
    if (n.outputs.size() > 1 && !n.outputs[1].empty() &&
        (!b.graph().consumers(n.outputs[1]).empty() || b.graph().is_output(n.outputs[1])))
        return false;
    if (n.op_type == "Reshape" && lower_channel_shuffle(b, index)) return true;
    const auto out = reshaped(b, n, b.shape(n.inputs.at(0)));
    if (!out) return false;
    const Rep src = b.plain_any(n.inputs[0]);
    b.alias(n.outputs[0], src,
            plain_desc(dnnl::memory::dims(out->begin(), out->end()), src.mem.get_desc().data_type()));
    return true;
}

bool lower_transpose(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const auto dims = b.dims(x);
    const size_t rank = dims.size();
    std::vector<int64_t> perm = n.attr_ints("perm");
    if (perm.empty())
        for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
    if (perm.size() != rank) return false;
    // Output axis j is input axis perm[j]: the input, described in the output's axis order (same
    // bytes, permuted strides), reordered into a plain output.
    std::vector<int> inverse(rank, -1);
    dnnl::memory::dims out_dims(rank);
    for (size_t j = 0; j < rank; ++j) {
        const int64_t axis = perm[j];
        if (axis < 0 || axis >= static_cast<int64_t>(rank) || inverse[static_cast<size_t>(axis)] >= 0) return false;
        inverse[static_cast<size_t>(axis)] = static_cast<int>(j);
        out_dims[j] = dims[static_cast<size_t>(axis)];
    }
    // Codes move as they are (a transpose keeps the quantization grid).
    const Rep src = b.plain_any(x);
    const auto type = src.mem.get_desc().data_type();
    const auto permuted = plain_desc(dims, type).permute_axes(inverse);
    const dnnl::memory dst = b.define(n.outputs[0], plain_desc(out_dims, type), src.quant);
    auto pd = dnnl::reorder::primitive_desc(b.engine(), permuted, b.engine(), dst.get_desc());
    b.add_primitive(n.name, "transpose", pd, dnnl::reorder(pd),
                    {{DNNL_ARG_FROM, b.view(src, permuted)}, {DNNL_ARG_TO, dst}});
    return true;
}

// Slice with positive steps: a reorder from a window of the input, a sub-memory whose strides
// are the input's times the steps (Swin's patch merging takes every other row and column).
// Codes move as they are, like Transpose's.
bool lower_slice(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const std::string& x = n.inputs.at(0);
    const auto dims = b.dims(x);
    const auto rank = static_cast<int64_t>(dims.size());
    std::vector<int64_t> starts, ends, axes, steps;
    if (b.graph().opset < 10) {
        starts = n.attr_ints("starts");
        ends = n.attr_ints("ends");
        axes = n.attr_ints("axes", {});
    } else {
        // Input i as integers; false when it is given but not a constant.
        const auto read = [&](size_t i, std::vector<int64_t>& out) {
            if (i >= n.inputs.size() || n.inputs[i].empty()) return true;
            if (!b.is_constant(n.inputs[i])) return false;
            out = b.constant(n.inputs[i]).to_ints();
            return true;
        };
        if (n.inputs.size() < 3 || !read(1, starts) || !read(2, ends) || !read(3, axes) || !read(4, steps))
            return false;
    }
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (starts.size() != ends.size() || axes.size() != starts.size() || (!steps.empty() && steps.size() != starts.size()))
        return false;
    dnnl::memory::dims offsets(dims.size(), 0), out_dims = dims, step_of(dims.size(), 1);
    std::vector<bool> seen(dims.size(), false);
    for (size_t i = 0; i < axes.size(); ++i) {
        const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (axis < 0 || axis >= rank || seen[static_cast<size_t>(axis)]) return false;
        seen[static_cast<size_t>(axis)] = true;
        const int64_t step = steps.empty() ? 1 : steps[i];
        if (step < 1) return false;  // backwards (or 0, invalid): the reference kernel
        const int64_t d = dims[static_cast<size_t>(axis)];
        // ONNX clamps starts and ends (negative ones count from the end) into [0, d].
        const auto clamp = [d](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + d : v, 0, d); };
        const int64_t begin = clamp(starts[i]), end = clamp(ends[i]);
        if (end <= begin) return false;  // an empty result: the reference kernel makes it
        offsets[static_cast<size_t>(axis)] = begin;
        out_dims[static_cast<size_t>(axis)] = (end - begin + step - 1) / step;
        step_of[static_cast<size_t>(axis)] = step;
    }
    const bool unit_steps = std::all_of(step_of.begin(), step_of.end(), [](int64_t s) { return s == 1; });
    if (unit_steps) {
        // A window of the value in the dense layout it already has (a channel range of a
        // channels-last tensor, as ShuffleNet splits its units), copied into the same layout.
        const Rep& dense = b.dense_any(x);
        const auto order = storage_order(dense.mem.get_desc());
        if (order && dense.mem.get_desc() != plain_desc(dims, dense.mem.get_desc().data_type())) {
            const Rep src = dense;
            const auto type = src.mem.get_desc().data_type();
            const auto window = src.mem.get_desc().submemory_desc(out_dims, offsets);
            const dnnl::memory dst = b.define(n.outputs[0], dense_in_order(out_dims, type, *order), src.quant);
            auto pd = dnnl::reorder::primitive_desc(b.engine(), window, b.engine(), dst.get_desc());
            b.add_primitive(n.name, "slice", pd, dnnl::reorder(pd),
                            {{DNNL_ARG_FROM, b.view(src, window)}, {DNNL_ARG_TO, dst}});
            return true;
        }
    }
    const Rep src = b.plain_any(x);
    const auto type = src.mem.get_desc().data_type();
    auto window = plain_desc(dims, type).submemory_desc(out_dims, offsets);
    if (!unit_steps) {
        // The same window with every step-th element: the strides grow, the offset stays.
        dnnl::memory::dims strides(dims.size(), 1);
        for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
        dnnl::memory::dims view_strides(dims.size());
        for (size_t i = 0; i < dims.size(); ++i) view_strides[i] = strides[i] * step_of[i];
        const auto offset = window.data.offset0;
        window = dnnl::memory::desc(out_dims, type, view_strides);
        window.data.offset0 = offset;
    }
    const dnnl::memory dst = b.define(n.outputs[0], plain_desc(out_dims, type), src.quant);
    auto pd = dnnl::reorder::primitive_desc(b.engine(), window, b.engine(), dst.get_desc());
    b.add_primitive(n.name, "slice", pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, b.view(src, window)}, {DNNL_ARG_TO, dst}});
    return true;
}

// Gather whose constant indices pick one contiguous ascending run [first, first + k) of the
// axis, e.g. q, k and v from a fused projection (a scalar index): a reorder from that window of
// the input. Codes move as they are.
bool lower_gather(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.inputs.size() < 2 || !b.is_constant(n.inputs[1])) return false;
    const std::string& x = n.inputs[0];
    const auto dims = b.dims(x);
    const auto rank = static_cast<int64_t>(dims.size());
    int64_t axis = n.attr_int("axis", 0);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    const Tensor& indices = b.constant(n.inputs[1]);
    const auto picked = indices.to_ints();
    const int64_t d = dims[static_cast<size_t>(axis)];
    if (picked.empty()) return false;  // an empty result: the reference kernel makes it
    // Negative indices count from the end; out-of-range ones are the reference kernel's error.
    const auto position = [d](int64_t i) { return i < 0 ? i + d : i; };
    const int64_t first = position(picked[0]);
    for (size_t i = 0; i < picked.size(); ++i) {
        const int64_t at = position(picked[i]);
        if (at < 0 || at >= d || at != first + static_cast<int64_t>(i)) return false;
    }
    dnnl::memory::dims offsets(dims.size(), 0), window_dims = dims, out_dims;
    offsets[static_cast<size_t>(axis)] = first;
    window_dims[static_cast<size_t>(axis)] = static_cast<int64_t>(picked.size());
    for (int64_t a = 0; a < rank; ++a) {
        if (a == axis)
            out_dims.insert(out_dims.end(), indices.shape().begin(), indices.shape().end());
        else
            out_dims.push_back(dims[static_cast<size_t>(a)]);
    }
    if (out_dims.empty()) return false;  // a scalar result
    const Rep src = b.plain_any(x);
    const auto type = src.mem.get_desc().data_type();
    const auto window = plain_desc(dims, type).submemory_desc(window_dims, offsets);
    b.define(n.outputs[0], plain_desc(out_dims, type), src.quant);
    // The output holds the window's elements in the same order: only the axis is re-described.
    const dnnl::memory dst = b.view(b.primary(n.outputs[0]), plain_desc(window_dims, type));
    auto pd = dnnl::reorder::primitive_desc(b.engine(), window, b.engine(), dst.get_desc());
    b.add_primitive(n.name, "gather", pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, b.view(src, window)}, {DNNL_ARG_TO, dst}});
    return true;
}

// Pad in constant mode with non-negative pads: the output is filled with the pad value (its code
// when the input holds codes, which move as they are), then a reorder copies the input into the
// window at the leading pads. Reflect / edge modes and cropping (negative pads) stay with the
// reference kernel.
bool lower_pad(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    if (n.attr_string("mode", "constant") != "constant" || n.inputs.size() < 2 || !b.is_constant(n.inputs[1]))
        return false;
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) return false;  // axes (opset 18): reference kernel
    float value = 0.0f;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        if (!b.is_constant(n.inputs[2])) return false;
        const auto v = b.constant(n.inputs[2]).to_floats();
        if (v.size() != 1) return false;
        value = v[0];
    }
    const std::string& x = n.inputs[0];
    const auto dims = b.dims(x);
    const auto pads = b.constant(n.inputs[1]).to_ints();
    if (dims.empty() || pads.size() != 2 * dims.size()) return false;
    dnnl::memory::dims offsets(dims.size()), out_dims(dims.size());
    for (size_t a = 0; a < dims.size(); ++a) {
        const int64_t begin = pads[a], end = pads[a + dims.size()];
        if (begin < 0 || end < 0 || begin > (int64_t{1} << 20) || end > (int64_t{1} << 20)) return false;
        offsets[a] = begin;
        out_dims[a] = dims[a] + begin + end;
    }
    const Rep src = b.plain_any(x);
    const auto type = src.mem.get_desc().data_type();
    const dnnl::memory dst = b.define(n.outputs[0], plain_desc(out_dims, type), src.quant);
    const auto window = plain_desc(out_dims, type).submemory_desc(dims, offsets);
    // The value to fill with, as the output stores it.
    const auto count = static_cast<size_t>(
        std::accumulate(out_dims.begin(), out_dims.end(), int64_t{1}, std::multiplies<>()));
    std::function<void(void*)> fill;
    if (type == dnnl::memory::data_type::f32) {
        fill = [value, count](void* p) { std::fill_n(static_cast<float*>(p), count, value); };
    } else {
        const ActQuant& q = *src.quant;
        const auto code = static_cast<int32_t>(
            std::clamp<double>(std::nearbyint(value / q.scale) + q.zero_point, q.q_min, q.q_max));
        if (type == dnnl::memory::data_type::u8)
            fill = [code, count](void* p) { std::fill_n(static_cast<uint8_t*>(p), count, static_cast<uint8_t>(code)); };
        else if (type == dnnl::memory::data_type::s8)
            fill = [code, count](void* p) { std::fill_n(static_cast<int8_t*>(p), count, static_cast<int8_t>(code)); };
        else
            return false;
    }
    b.add_step(Step{n.name, "pad fill", str_cat("value ", value), [dst, fill](RunContext&) {
                        fill(dst.get_data_handle());
                    }});
    auto pd = dnnl::reorder::primitive_desc(b.engine(), src.mem.get_desc(), b.engine(), window);
    b.add_primitive(n.name, "pad", pd, dnnl::reorder(pd),
                    {{DNNL_ARG_FROM, src.mem}, {DNNL_ARG_TO, b.view(b.primary(n.outputs[0]), window)}});
    return true;
}

}  // namespace pot::cpu
