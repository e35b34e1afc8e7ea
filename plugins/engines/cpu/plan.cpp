#include "plan.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>

#include <omp.h>

#include "team.hpp"

namespace pot::cpu {

using dt = dnnl::memory::data_type;

int BufferPool::acquire(size_t bytes) {
    // Best fit among free buffers keeps large ones for large values.
    int best = -1;
    for (size_t i = 0; i < buffers_.size(); ++i) {
        const auto& b = buffers_[i];
        if (b.refs != 0) continue;
        if (best < 0) {
            best = static_cast<int>(i);
            continue;
        }
        const auto& cur = buffers_[static_cast<size_t>(best)];
        const bool fits = b.bytes >= bytes, cur_fits = cur.bytes >= bytes;
        if ((fits && (!cur_fits || b.bytes < cur.bytes)) || (!fits && !cur_fits && b.bytes > cur.bytes))
            best = static_cast<int>(i);
    }
    if (best < 0) {
        buffers_.push_back({});
        best = static_cast<int>(buffers_.size() - 1);
    }
    auto& b = buffers_[static_cast<size_t>(best)];
    b.bytes = std::max(b.bytes, bytes);
    b.refs = 1;
    return best;
}

void BufferPool::retain(int buffer) { ++buffers_.at(static_cast<size_t>(buffer)).refs; }

void BufferPool::release(int buffer) {
    auto& b = buffers_.at(static_cast<size_t>(buffer));
    POT_CHECK(b.refs > 0, "internal: buffer ", buffer, " released twice");
    --b.refs;
}

void BufferPool::bind(const dnnl::memory& mem, int buffer) { bindings_.emplace_back(mem, buffer); }

void BufferPool::allocate() {
    for (auto& b : buffers_) b.storage.assign(std::max<size_t>(b.bytes, 64), std::byte{0});
    for (auto& [mem, id] : bindings_) mem.set_data_handle(buffers_[static_cast<size_t>(id)].storage.data());
}

size_t BufferPool::total_bytes() const {
    size_t total = 0;
    for (const auto& b : buffers_) total += b.bytes;
    return total;
}

void Plan::bind_inputs(const std::vector<Tensor>& inputs) {
    POT_CHECK(inputs.size() == input_mems.size(), "cpu engine: the model has ", input_mems.size(),
              " inputs, got ", inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (const auto& host = input_hosts[i]) {
            POT_CHECK(inputs[i].dtype() == host->dtype() && inputs[i].shape() == host->shape(),
                      "cpu engine: input ", i, " is ", dtype_name(inputs[i].dtype()), " ",
                      shape_str(inputs[i].shape()), ", the model was compiled for ",
                      dtype_name(host->dtype()), " ", shape_str(host->shape()));
            if (host->byte_size() > 0) std::memcpy(host->raw(), inputs[i].raw(), host->byte_size());
            continue;
        }
        POT_CHECK(inputs[i].dtype() == DType::F32, "cpu engine: input ", i, " must be f32, got ",
                  dtype_name(inputs[i].dtype()));
        input_mems[i].set_data_handle(const_cast<void*>(inputs[i].raw()));
    }
}

void Plan::run_step(Step& step, RunContext& ctx) {
    try {
        step.run(ctx);
    } catch (const dnnl::error& e) {
        POT_THROW(Runtime, "cpu engine: step '", step.node.empty() ? "-" : step.node, ": ", step.kind,
                  " ", step.detail, "' failed: ", e.what());
    }
}

std::vector<Tensor> Plan::run(const std::vector<Tensor>& inputs, dnnl::stream& stream,
                              ValueObserver* observer) {
    const TeamScope team(threads);
    bind_inputs(inputs);
    RunContext ctx{stream, observer};
    for (const Segment& segment : segments_) {
        switch (segment.mode) {
            case Segment::Mode::Team: run_on_team(segment.begin, segment.end, ctx); break;
            case Segment::Mode::Bands: {
                // Band primitives are created for one thread, but oneDNN sizes some of its
                // parallel loops by the calling thread's team when they run: one thread here, or
                // each band would wake the others (under passive waits, 8x slower on a small
                // transformer).
                const TeamScope one(1);
                for (size_t i = segment.begin; i < segment.end; ++i) {
                    if (steps[i].parts.empty()) run_step(steps[i], ctx);
                    for (size_t p = 0; p < steps[i].parts.size(); ++p) run_part(steps[i], p, ctx.stream);
                }
                break;
            }
            case Segment::Mode::Whole:
                for (size_t i = segment.begin; i < segment.end; ++i) run_step(steps[i], ctx);
                break;
        }
    }
    stream.wait();
    std::vector<Tensor> outputs;
    for (size_t i = 0; i < output_mems.size(); ++i) {
        if (output_hosts[i]) {
            outputs.push_back(*output_hosts[i]);
            continue;
        }
        Tensor t(from_dnnl(output_mems[i].get_desc().data_type()), output_shapes[i]);
        std::memcpy(t.raw(), output_mems[i].get_data_handle(), t.byte_size());
        outputs.push_back(std::move(t));
    }
    return outputs;
}

void Plan::schedule(int team, const TeamRules& rules, const dnnl::engine& engine) {
    team_ = team > 1 ? team : 0;
    segments_.clear();
    team_streams_.clear();
    const auto add = [&](size_t begin, size_t end, Segment::Mode mode) {
        if (begin == end) return;
        if (!segments_.empty() && segments_.back().mode == mode && mode != Segment::Mode::Team) {
            segments_.back().end = end;
            return;
        }
        segments_.push_back({begin, end, mode});
    };
    if (team_ == 0) {
        add(0, steps.size(), Segment::Mode::Whole);
        return;
    }
    for (int t = 1; t < team_; ++t) team_streams_.emplace_back(engine);
    // Maximal runs of split and solo steps go to the team when their split work pays for waking
    // it; smaller ones run as the rules say, and split steps large enough run whole.
    const auto on_team = [&](const Step& s) {
        return s.solo ? s.node_ns < rules.whole_above_ns : !s.parts.empty() && s.split_ns < rules.whole_above_ns;
    };
    size_t i = 0;
    while (i < steps.size()) {
        size_t end = i;
        double split_ns = 0.0;
        while (end < steps.size() && on_team(steps[end])) {
            split_ns += steps[end].parts.empty() ? 0.0 : steps[end].split_ns;
            ++end;
        }
        if (end == i) {
            add(i, i + 1, Segment::Mode::Whole);
            ++i;
            continue;
        }
        const Segment::Mode small = rules.small_runs_whole ? Segment::Mode::Whole : Segment::Mode::Bands;
        add(i, end, split_ns >= rules.team_above_ns ? Segment::Mode::Team : small);
        i = end;
    }
}

std::vector<std::string> Plan::schedule_summary() const {
    std::vector<std::string> out;
    for (const Segment& s : segments_) {
        const char* mode = s.mode == Segment::Mode::Team ? "team" : s.mode == Segment::Mode::Bands ? "bands" : "whole";
        out.push_back(str_cat(mode, " ", s.begin, "-", s.end));
    }
    return out;
}

void Plan::run_part(Step& step, size_t part, dnnl::stream& stream) {
    try {
        step.parts[part](stream);
    } catch (const dnnl::error& e) {
        POT_THROW(Runtime, "cpu engine: step '", step.node.empty() ? "-" : step.node, ": ", step.kind, " ",
                  step.detail, "' failed in part ", part, ": ", e.what());
    }
}

void Plan::run_on_team(size_t begin, size_t end, RunContext& ctx) {
    TeamBarrier barrier;
    std::vector<std::exception_ptr> errors(static_cast<size_t>(team_));
    std::atomic<bool> failed{false};
#pragma omp parallel num_threads(team_)
    {
        // Inside the region oneDNN runs every primitive on the calling thread alone. The region
        // may have fewer threads than asked for (called from inside another one): each thread
        // then takes several parts.
        const int t = omp_get_thread_num();
        const int joined = omp_get_num_threads();
        barrier.set_threads(joined);
        dnnl::stream& stream = t == 0 ? ctx.stream : team_streams_[static_cast<size_t>(t - 1)];
        RunContext local{stream, ctx.observer};
        const auto guarded = [&](auto&& work) {
            if (failed.load(std::memory_order_relaxed)) return;
            try {
                work();
            } catch (...) {
                errors[static_cast<size_t>(t)] = std::current_exception();
                failed.store(true, std::memory_order_relaxed);
            }
        };
        bool pending = false;  // thread 0 ran solo steps since the last wait
        for (size_t i = begin; i < end; ++i) {
            Step& step = steps[i];
            if (step.parts.empty()) {
                if (t == 0) guarded([&] { run_step(step, local); });
                pending = true;
                continue;
            }
            if (pending) barrier.wait();
            pending = false;
            for (size_t p = static_cast<size_t>(t); p < step.parts.size(); p += static_cast<size_t>(joined))
                guarded([&] { run_part(step, p, stream); });
            barrier.wait();
        }
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

std::vector<double> Plan::profile(const std::vector<Tensor>& inputs, dnnl::stream& stream,
                                  int64_t iterations) {
    using Clock = std::chrono::steady_clock;
    const TeamScope team(threads);
    bind_inputs(inputs);
    RunContext ctx{stream, nullptr};
    std::vector<double> total_ms(steps.size(), 0.0);
    for (int64_t it = 0; it < iterations; ++it) {
        for (size_t i = 0; i < steps.size(); ++i) {
            const auto t0 = Clock::now();
            run_step(steps[i], ctx);
            stream.wait();
            total_ms[i] += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        }
    }
    return total_ms;
}

std::string Plan::describe() const {
    std::string out;
    for (const auto& s : steps)
        out += str_cat(s.node.empty() ? "-" : s.node, ": ", s.kind, " ", s.detail, "\n");
    return out;
}

bool cpu_u8_exact() {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto has = [isa](dnnl::cpu_isa wanted) {
        return (isa & static_cast<unsigned>(wanted)) == static_cast<unsigned>(wanted);
    };
    return has(dnnl::cpu_isa::avx512_core_vnni) || has(dnnl::cpu_isa::avx2_vnni);
}

const char* dnnl_type_name(dt type) {
    switch (type) {
        case dt::f32: return "f32";
        case dt::s32: return "s32";
        case dt::s8: return "s8";
        case dt::u8: return "u8";
        case dt::bf16: return "bf16";
        case dt::f16: return "f16";
        default: return "undef";
    }
}

dt to_dnnl(DType dtype) {
    switch (dtype) {
        case DType::F32: return dt::f32;
        case DType::I8: return dt::s8;
        case DType::U8: return dt::u8;
        case DType::I32: return dt::s32;
        case DType::I64:
        case DType::Bool: break;
    }
    POT_THROW(Runtime, "cpu engine: element type ", dtype_name(dtype), " has no oneDNN form");
}

DType from_dnnl(dt type) {
    switch (type) {
        case dt::f32: return DType::F32;
        case dt::s8: return DType::I8;
        case dt::u8: return DType::U8;
        case dt::s32: return DType::I32;
        default: break;
    }
    POT_THROW(Runtime, "cpu engine: oneDNN data type ", dnnl_type_name(type), " has no tensor form");
}

dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims, dt type) {
    dnnl::memory::dims strides(dims.size(), 1);
    for (size_t d = dims.size(); d-- > 1;) strides[d - 1] = strides[d] * std::max<int64_t>(dims[d], 1);
    return dnnl::memory::desc(dims, type, strides);
}

dnnl::memory::desc with_type(const dnnl::memory::desc& desc, dt type) {
    dnnl::memory::desc out = desc;
    out.data.data_type = static_cast<dnnl_data_type_t>(type);
    return out;
}

bool is_plain(const dnnl::memory::desc& desc) {
    return desc == plain_desc(desc.dims(), desc.data_type());
}

Shape shape_of(const dnnl::memory::desc& desc) {
    const auto dims = desc.dims();
    return Shape(dims.begin(), dims.end());
}

}  // namespace pot::cpu
