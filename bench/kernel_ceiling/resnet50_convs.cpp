// How much faster INT8 can make ResNet-50 on this CPU with the oneDNN it is built on: every
// convolution shape of ResNet-50 (batch 1, 224x224), timed alone with each implementation oneDNN
// offers, in FP32 (direct and Winograd; f32 in and out, Relu) and INT8 (u8 in, s8 weights, u8 out,
// per-channel output scales, Relu; what the cpu engine runs), activations and weights in the
// layouts each implementation prefers. The fastest of each, weighted by how often the
// shape occurs, gives the INT8 / FP32 ratio a perfect engine would reach on the convolutions.
//
//     pot-kernel-ceiling [--threads N] [--rounds R]
//
// Prints one line per shape and a summary; docs/PERFORMANCE.md quotes it. Each timing is the best
// of R rounds of 20 executions after 5 warm-up runs, on data that stays in cache between runs as
// it would not inside a network, so these are upper bounds for every implementation alike.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct Shape {
    int in_channels, size, out_channels, kernel, stride, count;
};

// ResNet-50's convolutions: the stem, then per stage the bottleneck 1x1 / 3x3 / 1x1 and the
// projection shortcut of its first block (torchvision's layout: the stride on the 3x3).
const std::vector<Shape> kShapes = {
    {3, 224, 64, 7, 2, 1},
    {64, 56, 64, 1, 1, 1},    {256, 56, 64, 1, 1, 2},  {64, 56, 64, 3, 1, 3},    {64, 56, 256, 1, 1, 3},
    {64, 56, 256, 1, 1, 1},   // shortcut
    {256, 56, 128, 1, 1, 1},  {512, 28, 128, 1, 1, 3}, {128, 56, 128, 3, 2, 1},  {128, 28, 128, 3, 1, 3},
    {128, 28, 512, 1, 1, 4},  {256, 56, 512, 1, 2, 1},  // shortcut
    {512, 28, 256, 1, 1, 1},  {1024, 14, 256, 1, 1, 5}, {256, 28, 256, 3, 2, 1}, {256, 14, 256, 3, 1, 5},
    {256, 14, 1024, 1, 1, 6}, {512, 28, 1024, 1, 2, 1},  // shortcut
    {1024, 14, 512, 1, 1, 1}, {2048, 7, 512, 1, 1, 2},  {512, 14, 512, 3, 2, 1},  {512, 7, 512, 3, 1, 2},
    {512, 7, 2048, 1, 1, 3},  {1024, 14, 2048, 1, 2, 1},  // shortcut
};

struct Timing {
    double ms = 1e30;
    std::string impl;
};

double time_primitive(dnnl::primitive& p, std::unordered_map<int, dnnl::memory>& args, dnnl::stream& s, int rounds) {
    for (int i = 0; i < 5; ++i) p.execute(s, args);
    s.wait();
    double best = 1e30;
    for (int r = 0; r < rounds; ++r) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) p.execute(s, args);
        s.wait();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 20);
    }
    return best;
}

// The fastest implementation of one convolution shape in one precision and algorithm.
Timing fastest(const dnnl::engine& eng, dnnl::stream& s, const Shape& sh, bool int8, dnnl::algorithm algorithm,
               int rounds) {
    const int pad = sh.kernel / 2;
    const int out = (sh.size + 2 * pad - sh.kernel) / sh.stride + 1;
    const dnnl::memory::desc src({1, sh.in_channels, sh.size, sh.size}, int8 ? dt::u8 : dt::f32, tag::any);
    const dnnl::memory::desc wei({sh.out_channels, sh.in_channels, sh.kernel, sh.kernel}, int8 ? dt::s8 : dt::f32,
                                 tag::any);
    const dnnl::memory::desc bias({sh.out_channels}, dt::f32, tag::x);
    const dnnl::memory::desc dst({1, sh.out_channels, out, out}, int8 ? dt::u8 : dt::f32, tag::any);
    dnnl::primitive_attr attr;
    if (int8) attr.set_output_scales(2, std::vector<float>(static_cast<size_t>(sh.out_channels), 0.01f));
    dnnl::post_ops po;
    po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(po);
    Timing best;
    try {
        const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, wei, bias, dst,
                                                   {sh.stride, sh.stride}, {pad, pad}, {pad, pad});
        dnnl::convolution_forward::primitive_desc pd(desc, attr, eng);
        do {
            const std::string impl = pd.impl_info_str();
            if (impl.rfind("ref", 0) == 0) continue;  // scalar loops: never what an engine should run
            dnnl::convolution_forward conv(pd);
            std::unordered_map<int, dnnl::memory> args;
            const std::pair<int, dnnl::memory::desc> parts[] = {{DNNL_ARG_SRC, pd.src_desc()},
                                                                {DNNL_ARG_WEIGHTS, pd.weights_desc()},
                                                                {DNNL_ARG_BIAS, pd.bias_desc()},
                                                                {DNNL_ARG_DST, pd.dst_desc()}};
            for (const auto& [arg, md] : parts) {
                dnnl::memory m(md, eng);
                std::memset(m.get_data_handle(), arg == DNNL_ARG_SRC ? 3 : arg == DNNL_ARG_WEIGHTS ? 1 : 0,
                            md.get_size());
                args.emplace(arg, m);
            }
            const double ms = time_primitive(conv, args, s, rounds);
            if (ms < best.ms) best = {ms, impl};
        } while (pd.next_impl());
    } catch (const dnnl::error&) {
        // No implementation of this algorithm for this shape (Winograd: 3x3 stride 1 only).
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 1, rounds = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const int value = std::atoi(argv[i + 1]);
        if (key == "--threads" && value > 0) threads = value;
        else if (key == "--rounds" && value > 0) rounds = value;
        else {
            std::fprintf(stderr, "usage: %s [--threads N] [--rounds R]\n", argv[0]);
            return 2;
        }
    }
    omp_set_num_threads(threads);
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    std::printf("ResNet-50 convolutions, batch 1, %d thread(s), best of %d rounds\n", threads, rounds);
    std::printf("%-26s %5s  %-36s %8s  %-36s %8s  %6s  %8s %8s\n", "shape (in size out k s)", "count", "FP32 fastest",
                "ms", "INT8 fastest", "ms", "ratio", "FP32 GMAC/s", "INT8 GMAC/s");
    double fp32_total = 0.0, int8_total = 0.0, fp32_direct_total = 0.0;
    for (const Shape& sh : kShapes) {
        const Timing direct = fastest(eng, s, sh, false, dnnl::algorithm::convolution_direct, rounds);
        const Timing wino = fastest(eng, s, sh, false, dnnl::algorithm::convolution_winograd, rounds);
        const Timing fp32 = wino.ms < direct.ms ? wino : direct;
        const Timing int8 = fastest(eng, s, sh, true, dnnl::algorithm::convolution_direct, rounds);
        const int out = (sh.size + 2 * (sh.kernel / 2) - sh.kernel) / sh.stride + 1;
        const double macs = 1.0 * out * out * sh.out_channels * sh.in_channels * sh.kernel * sh.kernel;
        char name[64];
        std::snprintf(name, sizeof name, "%d %d %d %dx%d s%d", sh.in_channels, sh.size, sh.out_channels, sh.kernel,
                      sh.kernel, sh.stride);
        std::printf("%-26s %5d  %-36s %8.3f  %-36s %8.3f  %5.2fx  %8.0f %8.0f\n", name, sh.count, fp32.impl.c_str(),
                    fp32.ms, int8.impl.c_str(), int8.ms, fp32.ms / int8.ms, macs / fp32.ms / 1e6, macs / int8.ms / 1e6);
        fp32_total += sh.count * fp32.ms;
        fp32_direct_total += sh.count * direct.ms;
        int8_total += sh.count * int8.ms;
    }
    std::printf("sum over the network: FP32 %.2f ms (direct only %.2f ms), INT8 %.2f ms\n", fp32_total,
                fp32_direct_total, int8_total);
    std::printf("INT8 / FP32 ceiling on the convolutions: %.2fx (against direct FP32 only: %.2fx)\n",
                fp32_total / int8_total, fp32_direct_total / int8_total);
    return 0;
}
