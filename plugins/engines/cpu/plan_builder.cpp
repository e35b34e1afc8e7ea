#include "plan_builder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>

#include <oneapi/dnnl/dnnl_debug.h>

#include "bands.hpp"
#include "reference_fallback.hpp"
#include "team.hpp"

namespace pot::cpu {

using dt = dnnl::memory::data_type;

// Defined in fallback_op.cpp: runs `node` with the plain C++ kernels as a plan step.
void lower_with_reference(PlanBuilder& b, size_t index);

namespace {

std::string types_of(const std::unordered_map<int, dnnl::memory>& args) {
    std::string out;
    for (int arg : {DNNL_ARG_SRC, DNNL_ARG_SRC_1, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}) {
        auto it = args.find(arg);
        if (it == args.end()) continue;
        out += str_cat(out.empty() ? "" : ":", dnnl_type_name(it->second.get_desc().data_type()));
    }
    return out;
}

// Quantize or dequantize in place of a oneDNN reorder when codes must clamp to a narrower range
// than the type's, or the reorder lacks zero-point support. Per-tensor, so the layout does not
// matter as long as src and dst share it.
Step code_step(const dnnl::memory& src, const dnnl::memory& dst, const ActQuant& q, bool to_codes) {
    const size_t count = src.get_desc().get_size() / (to_codes ? sizeof(float) : 1);
    auto run = [src, dst, q, to_codes, count](RunContext& ctx) {
        ctx.stream.wait();
        const auto zp = static_cast<float>(q.zero_point);
        const auto lo = static_cast<float>(q.q_min), hi = static_cast<float>(q.q_max);
        if (to_codes) {
            const auto* x = static_cast<const float*>(src.get_data_handle());
            const float inv = 1.0f / q.scale;
            auto quantize = [&](auto* y) {
                using T = std::remove_pointer_t<decltype(y)>;
                for (size_t i = 0; i < count; ++i)
                    y[i] = static_cast<T>(std::clamp(std::nearbyint(x[i] * inv) + zp, lo, hi));
            };
            if (q.dtype == DType::U8) quantize(static_cast<uint8_t*>(dst.get_data_handle()));
            else quantize(static_cast<int8_t*>(dst.get_data_handle()));
        } else {
            auto* y = static_cast<float*>(dst.get_data_handle());
            auto dequantize = [&](const auto* x) {
                for (size_t i = 0; i < count; ++i) y[i] = (static_cast<float>(x[i]) - zp) * q.scale;
            };
            if (q.dtype == DType::U8) dequantize(static_cast<const uint8_t*>(src.get_data_handle()));
            else dequantize(static_cast<const int8_t*>(src.get_data_handle()));
        }
    };
    return Step{"", to_codes ? "quantize" : "dequantize",
                str_cat(to_codes ? "f32->" : "", dtype_name(q.dtype), to_codes ? "" : "->f32",
                        " [loop]"),
                run};
}

}  // namespace

PlanBuilder::PlanBuilder(const Graph& graph, const dnnl::engine& engine,
                         const std::vector<Shape>& input_shapes, const std::set<std::string>& observed,
                         PlanOptions options)
    : graph_(graph), engine_(engine), build_stream_(engine_), input_shapes_(input_shapes),
      observed_(observed), options_(options) {}

std::unique_ptr<Plan> PlanBuilder::build() {
    plan_ = std::make_unique<Plan>();
    const int threads = current_team();
    const bool team = options_.team != PlanOptions::Team::Off;
    split_ways_ = team && threads > 1 ? threads : 1;
    fused_.assign(graph_.nodes.size(), false);
    for (const auto& node : graph_.nodes)
        for (const auto& in : node.inputs)
            if (!in.empty()) ++values_[in].remaining_uses;
    for (const auto& out : graph_.outputs) values_[out.name].pinned = true;

    size_t input_index = 0;
    for (const auto& info : graph_.inputs) {
        if (graph_.is_constant(info.name)) continue;
        POT_CHECK(input_index < input_shapes_.size(), "cpu engine: expected an input tensor for '",
                  info.name, "'");
        const Shape& shape = input_shapes_[input_index++];
        if (info.dtype != DType::F32) {
            // Token ids, masks: read by the reference kernels, never by a oneDNN primitive.
            auto host = std::make_shared<Tensor>(info.dtype, shape);
            plan_->input_mems.emplace_back();
            plan_->input_hosts.push_back(host);
            define_host(info.name, host);
            continue;
        }
        plan_->input_hosts.push_back(nullptr);
        dnnl::memory mem(plain_desc(dnnl::memory::dims(shape.begin(), shape.end()), dt::f32),
                         engine_, DNNL_MEMORY_NONE);
        plan_->input_mems.push_back(mem);
        add_rep(info.name, Rep{mem, std::nullopt, -1});
        if (observed_.count(info.name)) {
            Node input_node;
            input_node.outputs = {info.name};
            observe_outputs(input_node);
        }
    }
    POT_CHECK(input_index == input_shapes_.size(), "cpu engine: the model has ", input_index,
              " inputs, got ", input_shapes_.size(), " tensors");

    Node initializers;
    for (const auto& [name, tensor] : graph_.initializers)
        if (observed_.count(name)) initializers.outputs.push_back(name);
    observe_outputs(initializers);

    for (size_t i = 0; i < graph_.nodes.size(); ++i)
        if (!fused_[i]) lower_node(i);

    for (const auto& out : graph_.outputs) {
        if (is_constant(out.name)) {  // in its own element type, like every other output
            auto t = std::make_shared<Tensor>(constant(out.name));
            plan_->output_mems.emplace_back();
            plan_->output_shapes.push_back(t->shape());
            plan_->output_hosts.push_back(std::move(t));
            continue;
        }
        POT_CHECK(has_value(out.name), "cpu engine: graph output '", out.name, "' is never computed");
        if (auto host = host_value(out.name)) {
            plan_->output_mems.emplace_back();
            plan_->output_hosts.push_back(host);
            plan_->output_shapes.push_back(host->shape());
            continue;
        }
        // Integer results (QuantizeLinear's codes) are returned as the integers the model declares.
        plan_->output_mems.push_back(plain(out.name));
        plan_->output_hosts.push_back(nullptr);
        plan_->output_shapes.push_back(shape(out.name));
    }
    plan_->pool.allocate();
    const bool split = std::any_of(plan_->steps.begin(), plan_->steps.end(), [](const Step& s) { return !s.parts.empty(); });
    const TeamRules rules = options_.team == PlanOptions::Team::Auto ? auto_team_rules() : TeamRules{};
    plan_->schedule(split ? split_ways_ : 0, rules, engine_);
    return std::move(plan_);
}

std::unique_ptr<Plan> build_plan(const Graph& graph, const dnnl::engine& engine, const std::vector<Shape>& input_shapes,
                                 const std::set<std::string>& observed, PlanOptions options) {
    auto plan = PlanBuilder(graph, engine, input_shapes, observed, options).build();
    if (options.team != PlanOptions::Team::Auto || current_team() < 2 || plan->estimated_ns >= single_thread_below_ns())
        return plan;
    // Its primitives are created for the team size of the thread that creates them.
    const TeamScope one(1);
    plan = PlanBuilder(graph, engine, input_shapes, observed, options).build();
    plan->threads = 1;
    return plan;
}

void PlanBuilder::lower_node(size_t index) {
    // oneDNN's exceptions must not cross the plugin boundary: the host cannot tell what they are.
    try {
        lower_node_steps(index);
    } catch (const dnnl::error& e) {
        const Node& n = graph_.nodes[index];
        POT_THROW(Runtime, "cpu engine: ", n.describe(),
                  ": oneDNN failed while compiling this node: ", e.what(), " (",
                  dnnl_status2str(e.status), ")");
    }
}

void PlanBuilder::lower_node_steps(size_t index) {
    const Node& n = graph_.nodes[index];
    bool all_constant = true;
    for (const auto& in : n.inputs) all_constant = all_constant && (in.empty() || is_constant(in));
    const std::vector<bool> fused_before = fused_;
    if (n.op_type == "Shape" && n.domain.empty() && has_value(n.inputs.at(0))) {
        Tensor probe(DType::F32, shape(n.inputs[0]));
        define_constant(n.outputs.at(0), evaluate_node(graph_.opset, n, {probe}).at(0));
    } else if (all_constant) {
        fold_node(index);
    } else {
        bool reads_host_value = false;
        for (const auto& in : n.inputs) reads_host_value = reads_host_value || (!in.empty() && host_value(in));
        // A small node's primitives are created for, and run on, the calling thread alone.
        const double estimated_ns = estimated_serial_ns(*this, n);
        plan_->estimated_ns += estimated_ns;
        const bool serial = current_team() > 1 && estimated_ns / sequential_parts(*this, n) < serial_below_ns();
        const size_t first_step = plan_->steps.size();
        {
            const TeamScope team(serial ? 1 : 0);
            const LowerFn fn = reads_host_value ? nullptr : find_lowering(n);
            if (!fn || !fn(*this, index)) {
                POT_CHECK(fallback_supports(n), n.describe(),
                          ": op not supported by the cpu engine (no oneDNN lowering and no reference "
                          "kernel for ", n.domain.empty() ? "" : n.domain + ".", n.op_type, ")");
                lower_with_reference(*this, index);
            }
        }
        for (size_t k = first_step; k < plan_->steps.size(); ++k) plan_->steps[k].node_ns = estimated_ns;
        if (serial) {
            for (size_t k = first_step; k < plan_->steps.size(); ++k) {
                Step& step = plan_->steps[k];
                step.run = [run = std::move(step.run)](RunContext& ctx) {
                    const TeamScope team(1);
                    run(ctx);
                };
                step.detail += step.detail.empty() ? "1 thread" : " (1 thread)";
            }
        }
    }
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
        if (i != index && !(fused_[i] && !fused_before[i])) continue;
        release_inputs(graph_.nodes[i]);
        observe_outputs(graph_.nodes[i]);
        for (const auto& out : graph_.nodes[i].outputs) {
            auto it = values_.find(out);
            if (it != values_.end() && it->second.remaining_uses == 0 && !it->second.pinned &&
                !observed_.count(out)) {
                for (const auto& rep : it->second.reps)
                    if (rep.buffer >= 0) plan_->pool.release(rep.buffer);
                it->second.reps.clear();
            }
        }
    }
    for (int id : pending_scratch_) plan_->pool.release(id);
    pending_scratch_.clear();
}

void PlanBuilder::fold_node(size_t index) {
    const Node& n = graph_.nodes[index];
    std::vector<Tensor> inputs;
    for (const auto& in : n.inputs) inputs.push_back(in.empty() ? Tensor() : constant(in));
    auto outputs = evaluate_node(graph_.opset, n, inputs);
    POT_CHECK(outputs.size() >= n.outputs.size() || n.outputs.empty(), n.describe(),
              ": folding produced ", outputs.size(), " outputs, expected ", n.outputs.size());
    for (size_t i = 0; i < n.outputs.size(); ++i)
        if (!n.outputs[i].empty()) define_constant(n.outputs[i], std::move(outputs[i]));
}

void PlanBuilder::release_inputs(const Node& n) {
    for (const auto& in : n.inputs) {
        if (in.empty()) continue;
        auto it = values_.find(in);
        if (it == values_.end()) continue;
        auto& state = it->second;
        if (--state.remaining_uses > 0 || state.pinned) continue;
        for (const auto& rep : state.reps)
            if (rep.buffer >= 0) plan_->pool.release(rep.buffer);
        state.reps.clear();
    }
}

std::optional<std::vector<int64_t>> storage_order(const dnnl::memory::desc& desc) {
    const dnnl_memory_desc_t& d = desc.data;
    if (d.format_kind != dnnl_blocked || d.format_desc.blocking.inner_nblks != 0 || d.offset0 != 0 || d.ndims < 1)
        return std::nullopt;
    const auto rank = static_cast<size_t>(d.ndims);
    for (size_t i = 0; i < rank; ++i)
        if (d.padded_dims[i] != d.dims[i]) return std::nullopt;
    const auto* strides = d.format_desc.blocking.strides;
    std::vector<int64_t> order(rank);
    std::iota(order.begin(), order.end(), int64_t{0});
    // Dimensions of extent 1 keep their logical place among equal strides.
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return strides[a] > strides[b]; });
    int64_t dense = 1;
    for (size_t k = rank; k-- > 0;) {
        const auto dim = static_cast<size_t>(order[k]);
        if (d.dims[dim] != 1 && strides[dim] != dense) return std::nullopt;
        dense *= d.dims[dim];
    }
    if (order[0] != 0) return std::nullopt;
    return order;
}

dnnl::memory::desc dense_in_order(const dnnl::memory::dims& dims, dnnl::memory::data_type type,
                                  const std::vector<int64_t>& order) {
    dnnl::memory::dims strides(dims.size());
    int64_t step = 1;
    for (size_t k = order.size(); k-- > 0;) {
        strides[static_cast<size_t>(order[k])] = step;
        step *= dims[static_cast<size_t>(order[k])];
    }
    return dnnl::memory::desc(dims, type, strides);
}

const Rep& PlanBuilder::dense_any(const std::string& value) {
    if (has_value(value)) {
        const Rep* q = quantized(value);
        const auto type = q ? q->mem.get_desc().data_type() : dt::f32;
        for (const auto& rep : values_.at(value).reps)
            if (rep.mem.get_desc().data_type() == type && storage_order(rep.mem.get_desc())) return rep;
    }
    return plain_any(value);
}

void PlanBuilder::observe_outputs(const Node& n) {
    for (const auto& out : n.outputs) {
        if (!observed_.count(out)) continue;
        Tensor value_const;
        if (is_constant(out)) {
            value_const = constant(out).cast(DType::F32);
            add_step(Step{n.name, "observe", out, [out, value_const](RunContext& ctx) {
                              if (ctx.observer) ctx.observer->on_value(out, value_const);
                          }});
            continue;
        }
        if (!has_value(out) || host_value(out)) continue;  // only f32 values are observed
        // A StorageOrderObserver reads the plan's own buffer in place when the value is stored as
        // a dense permutation of its dimensions (plain included). Otherwise the observer reads a
        // tensor that the plan owns and refills on every run, made on first use: the value
        // reordered into the plain layout (or a copy of its bytes for a plain value and an
        // observer that takes only tensors).
        dnnl::memory src = f32(out);
        const dnnl::memory::desc plain = plain_desc(dims(out), dnnl::memory::data_type::f32);
        const Shape logical = shape(out);
        std::optional<std::vector<int64_t>> order = storage_order(src.get_desc());
        const bool is_plain = src.get_desc() == plain;
        if (is_plain) {
            order.emplace(logical.size());
            std::iota(order->begin(), order->end(), int64_t{0});
        }
        Shape stored_shape;
        if (order)
            for (int64_t d : *order) stored_shape.push_back(logical[static_cast<size_t>(d)]);
        dnnl::reorder to_plain;
        dnnl::memory plain_mem;
        if (!is_plain) {
            to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(engine_, src.get_desc(), engine_, plain));
            plain_mem = dnnl::memory(plain, engine_, DNNL_MEMORY_NONE);
        }
        auto copy = std::make_shared<std::unique_ptr<Tensor>>();
        add_step(Step{n.name, "observe", out, [=](RunContext& ctx) mutable {
                          if (!ctx.observer) return;
                          ctx.stream.wait();
                          auto* ordered = order ? dynamic_cast<StorageOrderObserver*>(ctx.observer) : nullptr;
                          if (ordered) {
                              ordered->on_value_in_order(out, static_cast<const float*>(src.get_data_handle()),
                                                         stored_shape, *order);
                              return;
                          }
                          if (!*copy) *copy = std::make_unique<Tensor>(DType::F32, logical);
                          if (to_plain) {
                              plain_mem.set_data_handle((*copy)->raw());
                              to_plain.execute(ctx.stream, src, plain_mem);
                              ctx.stream.wait();
                          } else {
                              std::memcpy((*copy)->raw(), src.get_data_handle(), (*copy)->byte_size());
                          }
                          ctx.observer->on_value(out, **copy);
                      }});
    }
}

bool PlanBuilder::is_constant(const std::string& value) const {
    return constants_.count(value) || graph_.is_constant(value);
}

const Tensor& PlanBuilder::constant(const std::string& value) const {
    auto it = constants_.find(value);
    return it != constants_.end() ? it->second : graph_.constant(value);
}

bool PlanBuilder::has_value(const std::string& value) const {
    if (host_values_.count(value)) return true;
    auto it = values_.find(value);
    return it != values_.end() && !it->second.reps.empty();
}

void PlanBuilder::define_host(const std::string& value, std::shared_ptr<Tensor> tensor) {
    host_values_[value] = std::move(tensor);
}

std::shared_ptr<Tensor> PlanBuilder::host_value(const std::string& value) const {
    auto it = host_values_.find(value);
    return it == host_values_.end() ? nullptr : it->second;
}

Shape PlanBuilder::shape(const std::string& value) const {
    if (is_constant(value)) return constant(value).shape();
    if (auto host = host_value(value)) return host->shape();
    return shape_of(primary(value).mem.get_desc());
}

dnnl::memory::dims PlanBuilder::dims(const std::string& value) const {
    const Shape s = shape(value);
    return dnnl::memory::dims(s.begin(), s.end());
}

const Rep& PlanBuilder::primary(const std::string& value) const {
    auto it = values_.find(value);
    POT_CHECK(it != values_.end() && !it->second.reps.empty(), "cpu engine: value '", value,
              "' is used before it is computed (or after its last use)");
    return it->second.reps.front();
}

const Rep* PlanBuilder::quantized(const std::string& value) const {
    auto it = values_.find(value);
    if (it == values_.end()) return nullptr;
    for (const auto& rep : it->second.reps)
        if (rep.quant) return &rep;
    return nullptr;
}

std::vector<const Rep*> PlanBuilder::quantized_forms(const std::string& value) const {
    std::vector<const Rep*> forms;
    auto it = values_.find(value);
    if (it != values_.end())
        for (const auto& rep : it->second.reps)
            if (rep.quant) forms.push_back(&rep);
    return forms;
}

std::optional<DType> PlanBuilder::raw_integer(const std::string& value) const {
    auto it = values_.find(value);
    if (it == values_.end() || it->second.reps.empty() || it->second.reps.front().quant) return std::nullopt;
    const dt type = it->second.reps.front().mem.get_desc().data_type();
    if (type == dt::f32) return std::nullopt;
    return from_dnnl(type);
}

dnnl::memory PlanBuilder::f32(const std::string& value) {
    if (is_constant(value) && !has_value(value)) return plain_f32(value);
    auto it = values_.find(value);
    if (it != values_.end())
        for (const auto& rep : it->second.reps)
            if (!rep.quant) return rep.mem;
    const Rep& src = primary(value);
    return as(value, with_type(src.mem.get_desc(), dt::f32));
}

dnnl::memory PlanBuilder::plain(const std::string& value) {
    const auto integer = raw_integer(value);
    return as(value, plain_desc(dims(value), integer ? to_dnnl(*integer) : dt::f32));
}

const Rep& PlanBuilder::plain_any(const std::string& value) {
    const Rep* q = quantized(value);
    return rep_as(value, plain_desc(dims(value), q ? q->mem.get_desc().data_type() : dt::f32));
}

const Rep& PlanBuilder::rep_as(const std::string& value, const dnnl::memory::desc& desc) {
    const dnnl::memory mem = as(value, desc);
    for (const auto& rep : values_.at(value).reps)
        if (rep.mem == mem) return rep;
    POT_THROW(Runtime, "internal: form of '", value, "' missing");
}

dnnl::memory PlanBuilder::as(const std::string& value, const dnnl::memory::desc& desc) {
    if (is_constant(value) && !has_value(value)) {
        const Tensor t = constant(value).cast(DType::F32);
        POT_CHECK(desc.data_type() == dt::f32, "internal: constant '", value, "' wanted as codes");
        dnnl::memory mem = constant_memory(t, desc.dims(), desc);
        add_rep(value, Rep{mem, std::nullopt, -1});
        return mem;
    }
    auto& reps = values_.at(value).reps;
    for (const auto& rep : reps)
        if (rep.mem.get_desc() == desc) return rep.mem;
    // Raw integers change layout or type as plain numbers; codes of a float value keep its encoding.
    const bool want_codes = (desc.data_type() == dt::u8 || desc.data_type() == dt::s8) && !raw_integer(value);
    std::optional<ActQuant> quant;
    if (want_codes) {
        const Rep* q = quantized(value);
        POT_CHECK(q != nullptr, "internal: value '", value, "' has no quantization");
        quant = q->quant;
    }
    // Prefer a source of the same kind (codes to codes, floats to floats): a pure layout change.
    const Rep* src = &reps.front();
    for (const auto& rep : reps)
        if (rep.quant.has_value() == want_codes) src = &rep;
    const Rep src_copy = *src;
    dnnl::memory dst = define(value, desc, quant);
    emit_convert(src_copy, dst, quant);
    return dst;
}

void PlanBuilder::emit_convert(const Rep& src, const dnnl::memory& dst,
                               const std::optional<ActQuant>& dst_quant) {
    const auto src_desc = src.mem.get_desc();
    const auto desc = dst.get_desc();
    const bool same_layout = with_type(src_desc, desc.data_type()) == desc;
    const bool dequant = src.quant && !dst_quant;
    const bool quant = !src.quant && dst_quant;
    POT_CHECK(!(src.quant && dst_quant && !(*src.quant == *dst_quant)),
              "internal: requantizing between encodings");
    const ActQuant* q = src.quant ? &*src.quant : dst_quant ? &*dst_quant : nullptr;
    if (!dequant && !quant) {
        auto pd = dnnl::reorder::primitive_desc(engine_, src_desc, engine_, desc);
        add_primitive("", "reorder", pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, src.mem}, {DNNL_ARG_TO, dst}});
        return;
    }
    // oneDNN 2.6's jit reorder loses zero points when it also changes the layout (channels-last
    // codes of [1, C, 7, 7] to plain: every value off by the zero point), so such a conversion
    // changes the layout first, below, and converts in place of layout.
    if (q->full_range() && (same_layout || q->zero_point == 0)) {
        dnnl::primitive_attr attr;
        attr.set_output_scales(0, {dequant ? q->scale : 1.0f / q->scale});
        if (q->zero_point != 0) attr.set_zero_points(dequant ? DNNL_ARG_SRC : DNNL_ARG_DST, 0, {q->zero_point});
        try {
            auto pd = dnnl::reorder::primitive_desc(engine_, src_desc, engine_, desc, attr);
            add_primitive("", dequant ? "dequantize" : "quantize", pd, dnnl::reorder(pd),
                          {{DNNL_ARG_FROM, src.mem}, {DNNL_ARG_TO, dst}});
            return;
        } catch (const dnnl::error&) {
            // No reorder with this attribute: the loop below does it.
        }
    }
    if (same_layout) {
        add_step(code_step(src.mem, dst, *q, quant));
        return;
    }
    // Change layout in the source type first, then convert in place of layout.
    dnnl::memory mid = scratch(with_type(desc, src_desc.data_type()));
    auto pd = dnnl::reorder::primitive_desc(engine_, src_desc, engine_, mid.get_desc());
    add_primitive("", "reorder", pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, src.mem}, {DNNL_ARG_TO, mid}});
    emit_convert(Rep{mid, src.quant, -1}, dst, dst_quant);
}

Rep& PlanBuilder::add_rep(const std::string& value, Rep rep) {
    auto& reps = values_[value].reps;
    reps.push_back(std::move(rep));
    return reps.back();
}

dnnl::memory PlanBuilder::define(const std::string& value, const dnnl::memory::desc& desc,
                                 std::optional<ActQuant> quant) {
    const int buffer = plan_->pool.acquire(desc.get_size());
    dnnl::memory mem(desc, engine_, DNNL_MEMORY_NONE);
    plan_->pool.bind(mem, buffer);
    add_rep(value, Rep{mem, quant, buffer});
    return mem;
}

dnnl::memory PlanBuilder::alias(const std::string& value, const Rep& rep,
                                const dnnl::memory::desc& desc, const ActQuant* quant) {
    Rep copy = rep;
    if (quant) copy.quant = *quant;
    dnnl::memory mem(desc, engine_, DNNL_MEMORY_NONE);
    if (copy.buffer >= 0) {
        plan_->pool.retain(copy.buffer);
        plan_->pool.bind(mem, copy.buffer);
    } else {
        // Graph inputs are bound per run: forward the handle when the alias is read.
        const dnnl::memory source = copy.mem;
        add_step(Step{"", "alias", value,
                      [source, mem](RunContext&) mutable { mem.set_data_handle(source.get_data_handle()); }},
                 /*light=*/true);
    }
    add_rep(value, Rep{mem, copy.quant, copy.buffer});
    return mem;
}

void PlanBuilder::define_constant(const std::string& value, Tensor tensor) {
    constants_[value] = std::move(tensor);
}

dnnl::memory PlanBuilder::constant_memory(const Tensor& tensor, const dnnl::memory::dims& dims,
                                          const dnnl::memory::desc& desc) {
    int64_t wanted = 1;
    for (auto d : dims) wanted *= d;
    POT_CHECK_KIND(Input, tensor.numel() == wanted, "constant of shape ", shape_str(tensor.shape()),
                   " cannot fill a buffer of ", wanted, " values");
    dnnl::memory src(plain_desc(dims, to_dnnl(tensor.dtype())), engine_,
                     const_cast<void*>(tensor.raw()));
    dnnl::memory dst(desc, engine_);
    reorder_now(src, dst);
    return dst;
}

dnnl::memory PlanBuilder::constant_memory(const void* data, const dnnl::memory::desc& src_desc,
                                          const dnnl::memory::desc& desc) {
    dnnl::memory src(src_desc, engine_, const_cast<void*>(data));
    dnnl::memory dst(desc, engine_);
    reorder_now(src, dst);
    return dst;
}

dnnl::memory PlanBuilder::view(const Rep& rep, const dnnl::memory::desc& desc) {
    dnnl::memory mem(desc, engine_, DNNL_MEMORY_NONE);
    if (rep.buffer >= 0) {
        plan_->pool.bind(mem, rep.buffer);
    } else {
        const dnnl::memory source = rep.mem;
        add_step(Step{"", "view", "",
                      [source, mem](RunContext&) mutable { mem.set_data_handle(source.get_data_handle()); }},
                 /*light=*/true);
    }
    return mem;
}

dnnl::memory PlanBuilder::scratch(const dnnl::memory::desc& desc) { return scratch_rep(desc).mem; }

Rep PlanBuilder::scratch_rep(const dnnl::memory::desc& desc) {
    const int buffer = plan_->pool.acquire(desc.get_size());
    dnnl::memory mem(desc, engine_, DNNL_MEMORY_NONE);
    plan_->pool.bind(mem, buffer);
    pending_scratch_.push_back(buffer);
    return Rep{mem, std::nullopt, buffer};
}

void PlanBuilder::add_primitive(const std::string& node, const std::string& kind,
                                const dnnl::primitive_desc_base& pd, dnnl::primitive prim,
                                std::unordered_map<int, dnnl::memory> args, const std::string& implementation) {
    std::string detail = types_of(args);
    if (detail.empty() && args.count(DNNL_ARG_FROM))
        detail = str_cat(dnnl_type_name(args.at(DNNL_ARG_FROM).get_desc().data_type()), "->",
                         dnnl_type_name(args.at(DNNL_ARG_TO).get_desc().data_type()));
    detail += str_cat(" [", implementation.empty() ? std::string(pd.impl_info_str()) : implementation, "]");
    // A conversion of a value this small takes a few microseconds on one thread (see team.hpp).
    const bool conversion = kind == "reorder" || kind == "quantize" || kind == "dequantize";
    const bool small_move = conversion && args.at(DNNL_ARG_TO).get_desc().get_size() < (size_t{1} << 20);
    add_step(Step{node, kind, detail, [prim, args](RunContext& ctx) { prim.execute(ctx.stream, args); }}, small_move);
    if (conversion && split_ways_ > 1) {
        // Elementwise between dense layouts of the same shape (quantize, dequantize): bands of
        // elements, each a reorder of its own with the whole one's scales and zero points.
        const auto dims = args.at(DNNL_ARG_TO).get_desc().dims();
        const double elements = std::accumulate(dims.begin(), dims.end(), 1.0, std::multiplies<>());
        dnnl::primitive_attr attr = pd.get_primitive_attr();
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        split_dense_rows(*this, elements / 2.0, args, {DNNL_ARG_FROM}, DNNL_ARG_TO, {}, /*elements=*/true,
                         [&](const dnnl::memory::desc& src, const dnnl::memory::desc& dst) {
                             return std::optional<dnnl::primitive_desc_base>(
                                 dnnl::reorder::primitive_desc(engine_, src, engine_, dst, attr));
                         });
    }
}

void PlanBuilder::add_step(Step step, bool light) {
    // Primitives created under a one-thread TeamScope (a small node's, see lower_node_steps()) run alone.
    step.solo = light || current_team() == 1;
    plan_->steps.push_back(std::move(step));
}

void PlanBuilder::split_last_step(std::vector<StepPart> parts, double estimated_ns, const char* unit) {
    POT_CHECK(!plan_->steps.empty(), "internal: no step to split");
    Step& step = plan_->steps.back();
    step.detail += str_cat(" (", parts.size(), " ", unit, " bands)");
    step.parts = std::move(parts);
    step.split_ns = estimated_ns;
}

void PlanBuilder::reorder_now(const dnnl::memory& src, const dnnl::memory& dst) {
    dnnl::reorder(src, dst).execute(build_stream_, const_cast<dnnl::memory&>(src),
                                    const_cast<dnnl::memory&>(dst));
    build_stream_.wait();
}

std::optional<size_t> PlanBuilder::sole_consumer(const std::string& value) const {
    auto it = values_.find(value);
    if (observed_.count(value) || graph_.is_output(value)) return std::nullopt;
    if (it != values_.end() && it->second.remaining_uses != 1) return std::nullopt;
    std::optional<size_t> found;
    for (size_t i = 0; i < graph_.nodes.size(); ++i)
        for (const auto& in : graph_.nodes[i].inputs) {
            if (in != value) continue;
            if (found) return std::nullopt;
            found = i;
        }
    if (found && fused_[*found]) return std::nullopt;
    return found;
}

bool PlanBuilder::last_use(const std::string& value) const {
    auto it = values_.find(value);
    return it != values_.end() && it->second.remaining_uses == 1 && !it->second.pinned;
}

}  // namespace pot::cpu
