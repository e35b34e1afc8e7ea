#include "team.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <dnnl.hpp>
#include <omp.h>

#include "plan_builder.hpp"

namespace pot::cpu {

namespace {

// Rough single-core rates per nanosecond of the kernels oneDNN dispatches to on this CPU:
// f32 multiply-adds, u8/s8 multiply-adds, and elements moved.
struct Rates {
    double f32_macs, int8_macs, elements;
};

Rates rates() {
    static const Rates r = [] {
        using isa = dnnl::cpu_isa;
        const isa cpu = dnnl::get_effective_cpu_isa();
        const bool avx512 = cpu == isa::avx512_core || cpu == isa::avx512_core_vnni ||
                            cpu == isa::avx512_core_bf16 || cpu == isa::avx512_core_amx;
        const bool vnni = cpu == isa::avx512_core_vnni || cpu == isa::avx512_core_bf16 || cpu == isa::avx2_vnni;
        const double f32 = avx512 ? 32.0 : 16.0;
        const double int8 = cpu == isa::avx512_core_amx ? 512.0 : vnni ? 4 * f32 : 2 * f32;
        return Rates{f32, int8, 2.0};
    }();
    return r;
}

// A dimension as a count; unknown (<= 0) dimensions count as 1.
double dim(int64_t d) { return static_cast<double>(std::max<int64_t>(d, 1)); }

double elements(const Shape& s) {
    double n = 1.0;
    for (int64_t d : s) n *= dim(d);
    return n;
}

// The shape of `value` when the builder knows it (runtime or constant), else empty.
Shape known_shape(const PlanBuilder& b, const std::string& value) {
    if (value.empty() || !(b.is_constant(value) || b.has_value(value))) return {};
    return b.shape(value);
}

double conv_macs(const PlanBuilder& b, const Node& n) {
    const Shape x = known_shape(b, n.inputs.at(0));
    const Shape w = n.inputs.size() > 1 ? known_shape(b, n.inputs[1]) : Shape{};
    if (x.size() < 3 || w.size() != x.size()) return 0.0;
    double spatial = 1.0;
    for (size_t i = 2; i < x.size(); ++i) spatial *= dim(x[i]);
    const auto strides = n.attr_ints("strides", {});
    double stride = 1.0;
    for (int64_t s : strides) stride *= dim(s);
    // Every weight meets each output position once: Conv's outputs are the input positions over
    // the strides, ConvTranspose's the input positions times them.
    const double positions = n.op_type == "ConvTranspose" ? spatial : spatial / stride;
    return dim(x[0]) * positions * elements(w);
}

double transposed_outputs(const PlanBuilder& b, const Node& n) {
    const Shape x = known_shape(b, n.inputs.at(0));
    const Shape w = n.inputs.size() > 1 ? known_shape(b, n.inputs[1]) : Shape{};
    if (x.size() < 3 || w.size() != x.size()) return 0.0;
    double outputs = dim(x[0]) * dim(w[1]) * dim(n.attr_int("group", 1));
    const auto strides = n.attr_ints("strides", {});
    for (size_t i = 2; i < x.size(); ++i) outputs *= dim(x[i]) * (i - 2 < strides.size() ? dim(strides[i - 2]) : 1.0);
    return outputs;
}

double matmul_macs(const PlanBuilder& b, const Node& n) {
    const Shape a = known_shape(b, n.inputs.at(0));
    const Shape w = n.inputs.size() > 1 ? known_shape(b, n.inputs[1]) : Shape{};
    if (a.size() < 2 || w.size() < 2) return 0.0;
    if (n.op_type == "Gemm") {
        // A[M, K] . B[K, N] (either transposed): M*K*N.
        const double k = dim(n.attr_int("transA", 0) != 0 ? a[0] : a[1]);
        return elements(a) * elements(w) / k;
    }
    // A[.., M, K] . B[.., K, N]: M*K*N per batch, the batch from whichever operand carries it.
    return std::max(elements(a) * dim(w.back()), elements(w) * dim(a[a.size() - 2]));
}

double recurrent_macs(const PlanBuilder& b, const Node& n) {
    const Shape x = known_shape(b, n.inputs.at(0));
    if (x.size() != 3 || n.inputs.size() < 3) return 0.0;
    // Every step multiplies the input by W and the state by R.
    return dim(x[0]) * dim(x[1]) * (elements(known_shape(b, n.inputs[1])) + elements(known_shape(b, n.inputs[2])));
}

// Splitting a node of serial time T over two threads saves about T/2 and costs a fork and join:
// a few microseconds when the team spins between parallel regions, over a hundred when it sleeps
// (measured on 2 cores with bench/run.sh's models: INT8 ResNet-18 shape, 20 regions, 1.8 ms with
// spinning waits and 5.1 ms with passive ones). Worth it above about twice the join's cost.
constexpr double kSerialBelowSpinningNs = 20000.0;
constexpr double kSerialBelowSleepingNs = 400000.0;

}  // namespace

double estimated_serial_ns(const PlanBuilder& b, const Node& n) {
    double macs = 0.0;
    if (n.op_type == "Conv" || n.op_type == "ConvTranspose") macs = conv_macs(b, n);
    else if (n.op_type == "MatMul" || n.op_type == "Gemm") macs = matmul_macs(b, n);
    else if (n.op_type == "LSTM" || n.op_type == "GRU" || n.op_type == "RNN") macs = recurrent_macs(b, n);
    double moved = 0.0;
    for (const auto& in : n.inputs)
        if (!b.is_constant(in)) moved += elements(known_shape(b, in));
    // An upsampling ConvTranspose writes stride-squared times the positions it reads, with few
    // multiply-adds per output (U-Net's 2x2 stride-2 ones took 3-7x their estimate by products
    // alone, and ran on one thread).
    if (n.op_type == "ConvTranspose") moved += transposed_outputs(b, n);
    // A product whose first input arrives as codes runs on the integer kernels.
    const bool int8 = macs > 0.0 && b.has_value(n.inputs.at(0)) && b.quantized(n.inputs[0]) != nullptr;
    const Rates r = rates();
    return macs / (int8 ? r.int8_macs : r.f32_macs) + moved / r.elements;
}

double sequential_parts(const PlanBuilder& b, const Node& n) {
    if (n.op_type != "LSTM" && n.op_type != "GRU" && n.op_type != "RNN") return 1.0;
    const Shape x = known_shape(b, n.inputs.at(0));
    return x.size() == 3 ? dim(x[0]) : 1.0;
}

bool waits_sleep() {
    static const bool sleeps = [] {
        const char* policy = std::getenv("OMP_WAIT_POLICY");
        const char* spin = std::getenv("GOMP_SPINCOUNT");
        std::string p = policy ? policy : "";
        for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return p == "passive" || (spin && std::string(spin) == "0");
    }();
    return sleeps;
}

double serial_below_ns() { return waits_sleep() ? kSerialBelowSleepingNs : kSerialBelowSpinningNs; }

// On the plan's team a split costs one spinning wait of both threads, a microsecond or two.
constexpr double kSplitAboveNs = 8000.0;

double split_above_ns() { return kSplitAboveNs; }

// Sleeping waits: waking a sleeping thread takes tens of microseconds on a virtual machine (the
// 28x28 CNN's INT8 took 0.066 ms on a team woken every run, 0.041 ms on one thread), and the
// estimates run high on small products: the INT8 BERT-style encoder (estimated 0.36 ms of split
// work, 0.28 ms on one thread in all) took 0.33-0.64 ms on the team and 0.33 ms with its bands on
// one thread. A run of steps goes to the team only when splitting saves clearly more than that.
// Spinning waits, the team against oneDNN's own threads at 2 threads, paired runs
// (docs/ARCHITECTURE.md, "Threads"): 11-21% faster on INT8 MobileNetV2/V3, ShuffleNet,
// EfficientNet and RegNet, where most steps take tens of microseconds, 0-10% on their FP32; with
// ResNet-18's and GoogLeNet's millisecond convolutions on the team as bands too, 2-8% slower.
// Estimates run 2-4x above the measured times.
TeamRules auto_team_rules() {
    if (waits_sleep()) return {400000.0, std::numeric_limits<double>::infinity(), false};
    return {50000.0, 300000.0, true};
}

// At 2 threads the BERT-style encoder (estimated 0.6-1 ms) took 0.26-0.36 ms and 0.20-0.28 ms on
// one thread, the 28x28 CNN (0.5 ms) 0.19 and 0.13 ms, INT8 MobileNetV3-small (1.7 ms) 1.10 and
// 0.87 ms; FP32 MobileNetV3-small (2.8 ms) ran as fast on either.
double single_thread_below_ns() { return 2000000.0; }

TeamScope::TeamScope(int threads) {
    if (threads <= 0) return;
    previous_ = omp_get_max_threads();
    omp_set_num_threads(threads);
}

TeamScope::~TeamScope() {
    if (previous_ > 0) omp_set_num_threads(previous_);
}

int current_team() { return omp_get_max_threads(); }

namespace {
void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
}  // namespace

void TeamBarrier::wait() {
    const unsigned generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_.load(std::memory_order_relaxed) - 1) {
        arrived_.store(0, std::memory_order_relaxed);
        // Sequentially consistent with the sleepers' count below: either the releaser sees a
        // sleeper and wakes it, or the sleeper sees the new generation and does not sleep.
        generation_.fetch_add(1, std::memory_order_seq_cst);
        if (sleepers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();
        return;
    }
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + spin_for_;
    for (unsigned spins = 1;; ++spins) {
        if (generation_.load(std::memory_order_acquire) != generation) return;
        cpu_relax();
        if (spins % 64 == 0 && Clock::now() >= deadline) break;
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    while (generation_.load(std::memory_order_seq_cst) == generation) generation_.wait(generation, std::memory_order_acquire);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace pot::cpu
