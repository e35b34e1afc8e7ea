// LSTM and GRU (ONNX opset 7-22 semantics): forward, reverse or bidirectional, with
// the default activations (sigmoid for gates, tanh otherwise), optional clip, LSTM peepholes and
// GRU's linear_before_reset. What exporters never write (other activations, input_forget, ragged
// sequence_lens, the batch-first layout 1, which ONNX Runtime refuses too) is refused by the check.
#include <algorithm>
#include <cmath>
#include <variant>

#include "kernels.hpp"

namespace pot::reference {

namespace {

struct RecurrentShape {
    int64_t seq = 0, batch = 0, input = 0, hidden = 0, directions = 1;
};

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// out[h] = sum_k x[k] * w[h, k] for a [rows, cols] row-major weight block.
void matvec_add(const float* w, int64_t rows, int64_t cols, const float* x, float* out) {
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0.0f;
        const float* row = w + r * cols;
        for (int64_t k = 0; k < cols; ++k) s += row[k] * x[k];
        out[r] += s;
    }
}

RecurrentShape read_shape(const NodeContext& ctx, int64_t gates) {
    const Node& node = ctx.node();
    const Tensor& x = ctx.float_input(0);
    const Tensor& w = ctx.float_input(1);
    const Tensor& r = ctx.float_input(2);
    RecurrentShape s;
    POT_CHECK(x.rank() == 3, "X must be rank 3, got shape ", shape_str(x.shape()));
    s.seq = x.dim(0);
    s.batch = x.dim(1);
    s.input = x.dim(2);
    s.directions = node.attr_string("direction", "forward") == "bidirectional" ? 2 : 1;
    s.hidden = node.attr_int("hidden_size", r.rank() == 3 ? r.dim(2) : 0);
    POT_CHECK(s.hidden >= 1, "hidden_size must be >= 1, got ", s.hidden);
    POT_CHECK(w.shape() == Shape({s.directions, gates * s.hidden, s.input}), "W of shape ",
              shape_str(w.shape()), " does not fit ", s.directions, " direction(s), hidden size ",
              s.hidden, " and input size ", s.input);
    POT_CHECK(r.shape() == Shape({s.directions, gates * s.hidden, s.hidden}), "R of shape ",
              shape_str(r.shape()), " does not fit ", s.directions, " direction(s) and hidden size ",
              s.hidden);
    if (const Tensor* b = ctx.optional_input(3))
        POT_CHECK(b->dtype() == DType::F32 && b->shape() == Shape({s.directions, 2 * gates * s.hidden}),
                  "B of shape ", shape_str(b->shape()), " must be [", s.directions, ", ",
                  2 * gates * s.hidden, "]");
    if (const Tensor* lens = ctx.optional_input(4)) {
        const auto v = lens->to_ints();
        POT_CHECK(static_cast<int64_t>(v.size()) == s.batch, "sequence_lens has ", v.size(),
                  " values for a batch of ", s.batch);
        for (int64_t len : v)
            POT_CHECK(len == s.seq, "sequence_lens ", len, " differs from the sequence length ",
                      s.seq, "; only full-length sequences are supported");
    }
    return s;
}

// Initial state input `index` as [directions, batch, hidden] (zeros when omitted).
std::vector<float> initial_state(const NodeContext& ctx, size_t index, const RecurrentShape& s) {
    std::vector<float> state(static_cast<size_t>(s.directions * s.batch * s.hidden), 0.0f);
    const Tensor* t = ctx.optional_input(index);
    if (!t) return state;
    const Shape want{s.directions, s.batch, s.hidden};
    POT_CHECK(t->dtype() == DType::F32 && t->shape() == want, "initial state input ", index,
              " of shape ", shape_str(t->shape()), " must be ", shape_str(want));
    std::copy_n(t->data<float>(), state.size(), state.begin());
    return state;
}

// Element (t, b, :) of X.
const float* x_at(const Tensor& x, const RecurrentShape& s, int64_t t, int64_t b) {
    return x.data<float>() + (t * s.batch + b) * s.input;
}

// Y is [seq, directions, batch, hidden].
float* y_at(Tensor& y, const RecurrentShape& s, int64_t t, int64_t d, int64_t b) {
    return y.data<float>() + ((t * s.directions + d) * s.batch + b) * s.hidden;
}

Tensor state_output(const std::vector<float>& state, const RecurrentShape& s) {
    return Tensor::from_vector<float>({s.directions, s.batch, s.hidden}, state);
}

// What LSTM (4 gates) and GRU (3 gates) share before their cell arithmetic: the shape, the
// weight blocks W, R and bias B of each direction, and the order each direction runs in.
struct Directions {
    RecurrentShape s;
    int64_t gates = 0;
    const float* w = nullptr;
    const float* r = nullptr;
    const float* bias = nullptr;  // null when B is omitted
    bool reverse_only = false;
    float clip = 0.0f;

    const float* w_of(int64_t d) const { return w + d * gates * s.hidden * s.input; }
    const float* r_of(int64_t d) const { return r + d * gates * s.hidden * s.hidden; }
    const float* bias_of(int64_t d) const { return bias ? bias + d * 2 * gates * s.hidden : nullptr; }

    // Runs direction d over the sequence; `step(t, b)` updates the state of batch item b at time t.
    template <typename Step>
    void run(int64_t d, Step step) const {
        const bool backwards = reverse_only || d == 1;
        for (int64_t i = 0; i < s.seq; ++i) {
            const int64_t t = backwards ? s.seq - 1 - i : i;
            for (int64_t b = 0; b < s.batch; ++b) step(t, b);
        }
    }
};

Directions read_directions(const NodeContext& ctx, int64_t gates) {
    Directions dirs;
    dirs.s = read_shape(ctx, gates);
    dirs.gates = gates;
    dirs.w = ctx.input(1).data<float>();
    dirs.r = ctx.input(2).data<float>();
    if (const Tensor* b = ctx.optional_input(3)) dirs.bias = b->data<float>();
    dirs.reverse_only = ctx.node().attr_string("direction", "forward") == "reverse";
    dirs.clip = ctx.node().attr_float("clip", 0.0f);
    return dirs;
}

float clipped(float v, float clip) { return clip > 0.0f ? std::clamp(v, -clip, clip) : v; }

}  // namespace

void check_recurrent(const Node& node, int64_t opset) {
    const std::string direction = node.attr_string("direction", "forward");
    POT_CHECK(direction == "forward" || direction == "reverse" || direction == "bidirectional",
              "direction '", direction, "' must be forward, reverse or bidirectional");
    POT_CHECK(node.attr_int("layout", 0) == 0,
              "layout 1 (batch first) is not supported; export with the sequence first (layout 0)");
    const bool lstm = node.op_type == "LSTM";
    std::vector<std::string> activations;
    if (node.has_attr("activations")) {
        const auto* names = std::get_if<std::vector<std::string>>(&node.attributes.at("activations"));
        POT_CHECK(names != nullptr, "attribute 'activations' must be a list of strings");
        activations = *names;
    }
    const std::vector<std::string> defaults =
        lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
             : std::vector<std::string>{"Sigmoid", "Tanh"};
    for (size_t i = 0; i < activations.size(); ++i)
        POT_CHECK(activations[i] == defaults[i % defaults.size()], "activation '", activations[i],
                  "' is not supported; only the defaults (", defaults[0], ", ", defaults[1],
                  lstm ? ", Tanh" : "", ") are");
    POT_CHECK(!node.has_attr("activation_alpha") && !node.has_attr("activation_beta"),
              "activation_alpha / activation_beta are not supported");
    POT_CHECK(node.attr_int("input_forget", 0) == 0, "input_forget = 1 is not supported");
    POT_CHECK(node.attr_float("clip", 0.0f) >= 0.0f, "clip must not be negative");
}

void run_lstm(NodeContext& ctx) {
    ctx.expect_inputs(3, 8);
    const Directions dirs = read_directions(ctx, 4);
    const RecurrentShape& s = dirs.s;
    const Tensor& x = ctx.input(0);
    const Tensor* peephole = ctx.optional_input(7);
    const int64_t H = s.hidden;
    if (peephole)
        POT_CHECK(peephole->dtype() == DType::F32 && peephole->shape() == Shape({s.directions, 3 * H}),
                  "P of shape ", shape_str(peephole->shape()), " must be [", s.directions, ", ", 3 * H, "]");
    const float clip = dirs.clip;
    std::vector<float> h = initial_state(ctx, 5, s), c = initial_state(ctx, 6, s);
    Tensor y(DType::F32, {s.seq, s.directions, s.batch, H});
    std::vector<float> gates(static_cast<size_t>(4 * H));
    for (int64_t d = 0; d < s.directions; ++d) {
        const float* wd = dirs.w_of(d);
        const float* rd = dirs.r_of(d);
        const float* bd = dirs.bias_of(d);
        const float* pd = peephole ? peephole->data<float>() + d * 3 * H : nullptr;
        dirs.run(d, [&](int64_t t, int64_t b) {
            float* hb = h.data() + (d * s.batch + b) * H;
            float* cb = c.data() + (d * s.batch + b) * H;
            // Gate order i, o, f, c; each gate gets Wb + Rb.
            for (int64_t k = 0; k < 4 * H; ++k) gates[static_cast<size_t>(k)] = bd ? bd[k] + bd[4 * H + k] : 0.0f;
            matvec_add(wd, 4 * H, s.input, x_at(x, s, t, b), gates.data());
            matvec_add(rd, 4 * H, H, hb, gates.data());
            float* out = y_at(y, s, t, d, b);
            for (int64_t j = 0; j < H; ++j) {
                const float c_prev = cb[j];
                float gi = gates[static_cast<size_t>(j)], go = gates[static_cast<size_t>(H + j)];
                float gf = gates[static_cast<size_t>(2 * H + j)], gc = gates[static_cast<size_t>(3 * H + j)];
                if (pd) {
                    gi += pd[j] * c_prev;
                    gf += pd[2 * H + j] * c_prev;
                }
                const float i_gate = sigmoid(clipped(gi, clip));
                const float f_gate = sigmoid(clipped(gf, clip));
                const float cand = std::tanh(clipped(gc, clip));
                const float c_new = f_gate * c_prev + i_gate * cand;
                if (pd) go += pd[H + j] * c_new;
                const float o_gate = sigmoid(clipped(go, clip));
                cb[j] = c_new;
                hb[j] = o_gate * std::tanh(c_new);
                out[j] = hb[j];
            }
        });
    }
    if (ctx.wants_output(0)) ctx.set_output(0, std::move(y));
    if (ctx.wants_output(1)) ctx.set_output(1, state_output(h, s));
    if (ctx.wants_output(2)) ctx.set_output(2, state_output(c, s));
}

void run_gru(NodeContext& ctx) {
    ctx.expect_inputs(3, 6);
    const Directions dirs = read_directions(ctx, 3);
    const RecurrentShape& s = dirs.s;
    const Tensor& x = ctx.input(0);
    const int64_t H = s.hidden;
    const float clip = dirs.clip;
    const bool linear_before_reset = ctx.node().attr_int("linear_before_reset", 0) != 0;
    std::vector<float> h = initial_state(ctx, 5, s);
    Tensor y(DType::F32, {s.seq, s.directions, s.batch, H});
    std::vector<float> xw(static_cast<size_t>(3 * H)), hr(static_cast<size_t>(3 * H));
    std::vector<float> reset_h(static_cast<size_t>(H)), z(static_cast<size_t>(H)), rg(static_cast<size_t>(H));
    for (int64_t d = 0; d < s.directions; ++d) {
        const float* wd = dirs.w_of(d);
        const float* rd = dirs.r_of(d);
        const float* bd = dirs.bias_of(d);
        dirs.run(d, [&](int64_t t, int64_t b) {
            float* hb = h.data() + (d * s.batch + b) * H;
            // Gate order z, r, h. xw = X W^T + Wb; hr = H R^T + Rb (the h gate's part waits for r
            // unless linear_before_reset).
            for (int64_t k = 0; k < 3 * H; ++k) {
                xw[static_cast<size_t>(k)] = bd ? bd[k] : 0.0f;
                hr[static_cast<size_t>(k)] = bd ? bd[3 * H + k] : 0.0f;
            }
            matvec_add(wd, 3 * H, s.input, x_at(x, s, t, b), xw.data());
            matvec_add(rd, 2 * H, H, hb, hr.data());
            for (int64_t j = 0; j < H; ++j) {
                z[static_cast<size_t>(j)] = sigmoid(clipped(xw[static_cast<size_t>(j)] + hr[static_cast<size_t>(j)], clip));
                rg[static_cast<size_t>(j)] = sigmoid(clipped(xw[static_cast<size_t>(H + j)] + hr[static_cast<size_t>(H + j)], clip));
            }
            float* h_part = hr.data() + 2 * H;  // starts as Rbh
            if (linear_before_reset) {
                matvec_add(rd + 2 * H * H, H, H, hb, h_part);
                for (int64_t j = 0; j < H; ++j) h_part[j] *= rg[static_cast<size_t>(j)];
            } else {
                for (int64_t j = 0; j < H; ++j) reset_h[static_cast<size_t>(j)] = rg[static_cast<size_t>(j)] * hb[j];
                matvec_add(rd + 2 * H * H, H, H, reset_h.data(), h_part);
            }
            float* out = y_at(y, s, t, d, b);
            for (int64_t j = 0; j < H; ++j) {
                const float cand = std::tanh(clipped(xw[static_cast<size_t>(2 * H + j)] + h_part[j], clip));
                const float zj = z[static_cast<size_t>(j)];
                hb[j] = (1.0f - zj) * cand + zj * hb[j];
                out[j] = hb[j];
            }
        });
    }
    if (ctx.wants_output(0)) ctx.set_output(0, std::move(y));
    if (ctx.wants_output(1)) ctx.set_output(1, state_output(h, s));
}

}  // namespace pot::reference
