// LSTM and GRU on oneDNN's RNN primitives (f32). ONNX and oneDNN agree on the cell arithmetic for
// the forms exporters write (default activations, no clip); they differ in the weights' layout and
// gate order, which are converted once here, and in Y's layout for two directions, which one
// reorder after the primitive fixes. Anything else (clip, other activations, ragged
// sequence_lens, non-constant weights) stays on the reference kernels.
//
// The weights are handed over in the plain ldigo layout, not as `any`: oneDNN 2.6 then takes its
// GEMM-based RNN (matrix products on its jit sgemm, gate arithmetic in a jit cell kernel) instead
// of its brgemm one, which it chooses on AVX-512 for `any` weights and which is slower on the
// small batches inference runs: the CRNN's bidirectional LSTM (T 32, batch 1, input 256, hidden
// 128) takes 0.35 ms against 0.59 ms at one thread, 0.29 against 0.45 ms at two. oneDNN names
// the GEMM-based implementation "ref" although it runs on jit code (about 87% of its samples in
// perf), so profiles show it as "gemm" with oneDNN's name beside it.
#include <array>

#include "ops.hpp"

namespace pot::cpu {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

const std::string kNone;

// Optional input or output `i` of a node's list: "" when omitted.
const std::string& optional_name(const std::vector<std::string>& names, size_t i) {
    return i < names.size() ? names[i] : kNone;
}

// True when the node uses only what the oneDNN cell computes: default activations, no clip, the
// sequence-first layout, no coupled input and forget gates.
bool plain_cell(const Node& n, bool lstm) {
    if (n.attr_float("clip", 0.0f) != 0.0f || n.attr_int("layout", 0) != 0 || n.attr_int("input_forget", 0) != 0)
        return false;
    if (n.has_attr("activation_alpha") || n.has_attr("activation_beta")) return false;
    if (n.has_attr("activations")) {
        const auto* names = std::get_if<std::vector<std::string>>(&n.attributes.at("activations"));
        if (!names) return false;
        const std::vector<std::string> defaults =
            lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"} : std::vector<std::string>{"Sigmoid", "Tanh"};
        for (size_t i = 0; i < names->size(); ++i)
            if ((*names)[i] != defaults[i % defaults.size()]) return false;
    }
    return true;
}

// The float values of constant `value` when it has `count` of them.
std::optional<std::vector<float>> constant_floats(const PlanBuilder& b, const std::string& value, int64_t count) {
    if (!b.is_constant(value)) return std::nullopt;
    auto v = b.constant(value).to_floats();
    if (static_cast<int64_t>(v.size()) != count) return std::nullopt;
    return v;
}

// ONNX weights [D, G*H, K], gate blocks in ONNX order, as oneDNN's plain ldigo [1, D, K, G, H];
// oneDNN gate g is ONNX gate onnx_gate[g].
Tensor to_ldigo(const std::vector<float>& w, int64_t D, int64_t G, int64_t H, int64_t K, const int* onnx_gate) {
    Tensor out(DType::F32, {1, D, K, G, H});
    float* o = out.data<float>();
    for (int64_t d = 0; d < D; ++d)
        for (int64_t k = 0; k < K; ++k)
            for (int64_t g = 0; g < G; ++g)
                for (int64_t h = 0; h < H; ++h)
                    o[((d * K + k) * G + g) * H + h] = w[static_cast<size_t>((d * G * H + onnx_gate[g] * H + h) * K + k)];
    return out;
}
}  // namespace

bool lower_recurrent(PlanBuilder& b, size_t index) {
    const Node& n = b.node(index);
    const bool lstm = n.op_type == "LSTM";
    if (!plain_cell(n, lstm)) return false;
    const std::string& x = n.inputs.at(0);
    const auto x_dims = b.dims(x);
    if (x_dims.size() != 3 || n.inputs.size() < 3) return false;
    const int64_t T = x_dims[0], N = x_dims[1], K = x_dims[2];
    const std::string direction = n.attr_string("direction", "forward");
    const int64_t D = direction == "bidirectional" ? 2 : 1;
    if (!b.is_constant(n.inputs[2]) || b.constant(n.inputs[2]).rank() != 3) return false;
    const int64_t H = n.attr_int("hidden_size", b.constant(n.inputs[2]).shape()[2]);
    const int64_t G = lstm ? 4 : 3;
    if (T < 1 || N < 1 || K < 1 || H < 1) return false;

    const auto w = constant_floats(b, n.inputs[1], D * G * H * K);
    const auto r = constant_floats(b, n.inputs[2], D * G * H * H);
    if (!w || !r) return false;
    std::vector<float> bias(static_cast<size_t>(D * 2 * G * H), 0.0f);
    if (const std::string& bname = optional_name(n.inputs, 3); !bname.empty()) {
        auto v = constant_floats(b, bname, D * 2 * G * H);
        if (!v) return false;
        bias = std::move(*v);
    }
    // Full-length sequences only: the primitive has no per-item lengths.
    if (const std::string& lens = optional_name(n.inputs, 4); !lens.empty()) {
        if (!b.is_constant(lens)) return false;
        const auto v = b.constant(lens).to_ints();
        if (static_cast<int64_t>(v.size()) != N) return false;
        for (int64_t len : v)
            if (len != T) return false;
    }
    std::optional<std::vector<float>> peephole;
    if (const std::string& p = optional_name(n.inputs, 7); lstm && !p.empty()) {
        peephole = constant_floats(b, p, D * 3 * H);
        if (!peephole) return false;
    }
    const bool linear_before_reset = !lstm && n.attr_int("linear_before_reset", 0) != 0;

    // ONNX gate order: LSTM i, o, f, c; GRU z, r, h. oneDNN: LSTM i, f, c, o; GRU u (= z), r, o (= h).
    static constexpr std::array<int, 4> kLstmGates = {0, 2, 3, 1};
    static constexpr std::array<int, 3> kGruGates = {0, 1, 2};
    const int* onnx_gate = lstm ? kLstmGates.data() : kGruGates.data();
    const Tensor w_layer = to_ldigo(*w, D, G, H, K, onnx_gate);
    const Tensor w_iter = to_ldigo(*r, D, G, H, H, onnx_gate);
    // oneDNN adds one bias per gate: Wb + Rb. Linear-before-reset GRU keeps the h gate's Rb apart,
    // as a fourth gate, since it is added inside the reset gate's product.
    const int64_t bias_gates = linear_before_reset ? 4 : G;
    Tensor bias_t(DType::F32, {1, D, bias_gates, H});
    float* bo = bias_t.data<float>();
    for (int64_t d = 0; d < D; ++d) {
        const float* wb = bias.data() + d * 2 * G * H;
        const float* rb = wb + G * H;
        for (int64_t g = 0; g < G; ++g)
            for (int64_t h = 0; h < H; ++h) {
                const int64_t src = onnx_gate[g] * H + h;
                const bool apart = linear_before_reset && g == 2;
                bo[(d * bias_gates + g) * H + h] = wb[src] + (apart ? 0.0f : rb[src]);
            }
        if (linear_before_reset)
            for (int64_t h = 0; h < H; ++h) bo[(d * bias_gates + 3) * H + h] = rb[2 * H + h];
    }

    const auto rnn_direction = direction == "bidirectional" ? dnnl::rnn_direction::bidirectional_concat
                               : direction == "reverse"     ? dnnl::rnn_direction::unidirectional_right2left
                                                            : dnnl::rnn_direction::unidirectional_left2right;
    const dnnl::memory::desc src_layer_md({T, N, K}, dt::f32, tag::tnc);
    const dnnl::memory::desc state_md({1, D, N, H}, dt::f32, tag::ldnc);
    const std::string& h0 = optional_name(n.inputs, 5);
    const std::string& c0 = lstm ? optional_name(n.inputs, 6) : kNone;
    const dnnl::memory::desc none;
    const dnnl::memory::desc w_layer_md({1, D, K, G, H}, dt::f32, tag::ldigo);
    const dnnl::memory::desc w_iter_md({1, D, H, G, H}, dt::f32, tag::ldigo);
    const dnnl::memory::desc peephole_md({1, D, 3, H}, dt::f32, tag::ldgo);
    const dnnl::memory::desc bias_md({1, D, bias_gates, H}, dt::f32, tag::ldgo);
    const dnnl::memory::desc dst_layer_md({T, N, D * H}, dt::f32, tag::tnc);
    const std::string& y = optional_name(n.outputs, 0);
    const std::string& y_h = optional_name(n.outputs, 1);
    const std::string& y_c = lstm ? optional_name(n.outputs, 2) : kNone;
    const auto prop = dnnl::prop_kind::forward_inference;

    // The oneDNN descriptors are handles without virtual destructors: the derived one is copied
    // into its base (the same handle), never deleted through a base pointer.
    dnnl::rnn_primitive_desc_base pd;
    dnnl::primitive prim;
    // An omitted state is a zero desc: oneDNN starts from zeros or does not write it.
    const dnnl::memory::desc& h0_md = h0.empty() ? none : state_md;
    const dnnl::memory::desc& c0_md = c0.empty() ? none : state_md;
    const dnnl::memory::desc& y_h_md = y_h.empty() ? none : state_md;
    const dnnl::memory::desc& y_c_md = y_c.empty() ? none : state_md;
    // The GRU forms share one signature.
    const auto gru = [&](auto kind) {
        using Primitive = decltype(kind);
        const typename Primitive::desc d(prop, rnn_direction, src_layer_md, h0_md, w_layer_md, w_iter_md, bias_md,
                                         dst_layer_md, y_h_md);
        const typename Primitive::primitive_desc p(d, b.engine());
        prim = Primitive(p);
        pd = p;
    };
    try {
        if (lstm) {
            const auto d = peephole ? dnnl::lstm_forward::desc(prop, rnn_direction, src_layer_md, h0_md, c0_md, w_layer_md,
                                                              w_iter_md, peephole_md, bias_md, dst_layer_md, y_h_md, y_c_md)
                                    : dnnl::lstm_forward::desc(prop, rnn_direction, src_layer_md, h0_md, c0_md, w_layer_md,
                                                              w_iter_md, bias_md, dst_layer_md, y_h_md, y_c_md);
            const dnnl::lstm_forward::primitive_desc p(d, b.engine());
            prim = dnnl::lstm_forward(p);
            pd = p;
        } else if (linear_before_reset) {
            gru(dnnl::lbr_gru_forward());
        } else {
            gru(dnnl::gru_forward());
        }
    } catch (const dnnl::error&) {
        return false;
    }
    // No reference test here: see the header comment.

    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC_LAYER] = b.as(x, src_layer_md);
    const dnnl::memory::desc onnx_state_md({D, N, H}, dt::f32, tag::abc);
    if (!h0.empty()) args[DNNL_ARG_SRC_ITER] = b.view(b.rep_as(h0, onnx_state_md), state_md);
    if (!c0.empty()) args[DNNL_ARG_SRC_ITER_C] = b.view(b.rep_as(c0, onnx_state_md), state_md);
    args[DNNL_ARG_WEIGHTS_LAYER] = b.constant_memory(w_layer.raw(), w_layer_md, pd.weights_layer_desc());
    args[DNNL_ARG_WEIGHTS_ITER] = b.constant_memory(w_iter.raw(), w_iter_md, pd.weights_iter_desc());
    args[DNNL_ARG_BIAS] = b.constant_memory(bias_t.raw(), bias_md, pd.bias_desc());
    if (peephole) {
        // ONNX P holds i, o, f; oneDNN's peephole weights i, f, o.
        Tensor p(DType::F32, {1, D, 3, H});
        static constexpr std::array<int, 3> kPeepholeGates = {0, 2, 1};
        for (int64_t d = 0; d < D; ++d)
            for (int64_t g = 0; g < 3; ++g)
                for (int64_t h = 0; h < H; ++h)
                    p.data<float>()[(d * 3 + g) * H + h] = (*peephole)[static_cast<size_t>((d * 3 + kPeepholeGates[g]) * H + h)];
        args[DNNL_ARG_WEIGHTS_PEEPHOLE] = b.constant_memory(p.raw(), peephole_md, pd.weights_peephole_desc());
    }
    for (const auto& [value, arg] : {std::pair{&y_h, DNNL_ARG_DST_ITER}, std::pair{&y_c, DNNL_ARG_DST_ITER_C}}) {
        if (value->empty()) continue;
        b.define(*value, onnx_state_md);
        args[arg] = b.view(b.primary(*value), state_md);
    }

    // Y is [T, D, N, H]; the primitive writes [T, N, D * H]. The same bytes for one direction.
    const dnnl::memory::desc y_md({T, D, N, H}, dt::f32, tag::abcd);
    if (!y.empty()) b.define(y, y_md);
    const bool direct = !y.empty() && D == 1;
    const Rep dst_layer = direct ? b.primary(y) : b.scratch_rep(dst_layer_md);
    args[DNNL_ARG_DST_LAYER] = b.view(dst_layer, dst_layer_md);
    const std::string onednn_name = pd.impl_info_str();
    b.add_primitive(n.name, lstm ? "lstm" : linear_before_reset ? "lbr_gru" : "gru", pd, prim, std::move(args),
                    onednn_name == "ref" ? "gemm, oneDNN's ref rnn" : onednn_name);
    if (!y.empty() && !direct) {
        // [T, N, D, H] as written, into Y's [T, D, N, H].
        const dnnl::memory::desc from({T, N, D, H}, dt::f32, tag::abcd);
        const dnnl::memory::desc to({T, N, D, H}, dt::f32, dnnl::memory::dims{D * N * H, H, N * H, 1});
        const dnnl::reorder::primitive_desc rpd(b.engine(), from, b.engine(), to);
        b.add_primitive(n.name, "reorder", rpd, dnnl::reorder(rpd),
                        {{DNNL_ARG_FROM, b.view(dst_layer, from)}, {DNNL_ARG_TO, b.view(b.primary(y), to)}});
    }
    return true;
}

}  // namespace pot::cpu
