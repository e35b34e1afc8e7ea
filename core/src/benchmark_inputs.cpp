#include "pot/core/benchmark_inputs.hpp"

#include <random>
#include <sstream>

#include "pot/core/npy.hpp"
#include "pot/engine.hpp"
#include "pot/error.hpp"

namespace pot::core {

namespace {

Shape parse_dims(const std::string& dims, const std::string& text) {
    Shape shape;
    std::stringstream in(dims);
    std::string item;
    while (std::getline(in, item, ',')) {
        size_t used = 0;
        long long v = -1;
        try {
            v = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        POT_CHECK_KIND(Usage, used == item.size() && !item.empty() && v >= 1 && v <= (1LL << 31),
                       "-shape '", text, "': '", item, "' is not a dimension (a whole number from 1 to 2^31)");
        shape.push_back(v);
    }
    POT_CHECK_KIND(Usage, !shape.empty() && shape.size() <= 8, "-shape '", text,
                   "': expected 1 to 8 dimensions");
    return shape;
}

// The graph input `key` names ("" = the only input).
const ValueInfo& input_named(const std::vector<const ValueInfo*>& inputs, const std::string& key,
                             const std::string& option) {
    if (key.empty()) {
        POT_CHECK_KIND(Usage, inputs.size() == 1, option, " without an input name needs a model with ",
                       "one input; this one has ", inputs.size(), ": name each, as name[...] or name=...");
        return *inputs.front();
    }
    for (const ValueInfo* in : inputs)
        if (in->name == key) return *in;
    std::string names;
    for (const ValueInfo* in : inputs) names += (names.empty() ? "" : ", ") + in->name;
    POT_THROW(Usage, option, ": the model has no input '", key, "' (its inputs: ", names, ")");
}

// "N,3,N,N" for [-1, 3, -1, -1]: what to write after -shape name[...].
std::string dims_hint(const Shape& shape) {
    std::ostringstream out;
    for (size_t k = 0; k < shape.size(); ++k) {
        if (k) out << ',';
        if (shape[k] < 0) out << 'N';
        else out << shape[k];
    }
    return out.str();
}

void fill_random(Tensor& t, std::mt19937& rng) {
    switch (t.dtype()) {
        case DType::F32: {
            std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
            float* p = t.data<float>();
            for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
            return;
        }
        case DType::Bool: {
            bool* p = t.data<bool>();
            for (int64_t i = 0; i < t.numel(); ++i) p[i] = true;
            return;
        }
        default:
            t = Tensor::from_vector<int64_t>(t.shape(), std::vector<int64_t>(static_cast<size_t>(t.numel()), 1))
                    .cast(t.dtype());
    }
}

}  // namespace

std::map<std::string, Shape> parse_shape_option(const std::string& text) {
    std::map<std::string, Shape> shapes;
    const auto bracket = text.find('[');
    if (bracket == std::string::npos || bracket == 0) {
        // One unnamed shape: "1,3,224,224" or "[1,3,224,224]".
        std::string dims = text;
        if (bracket == 0) {
            POT_CHECK_KIND(Usage, text.size() >= 2 && text.back() == ']', "-shape '", text, "': missing ']'");
            dims = text.substr(1, text.size() - 2);
        }
        shapes[""] = parse_dims(dims, text);
        return shapes;
    }
    size_t pos = 0;
    while (pos < text.size()) {
        const auto open = text.find('[', pos);
        const auto close = open == std::string::npos ? open : text.find(']', open);
        POT_CHECK_KIND(Usage, open != std::string::npos && close != std::string::npos && open > pos,
                       "-shape '", text, "': expected name[d0,d1,...] entries joined by commas");
        const std::string name = text.substr(pos, open - pos);
        POT_CHECK_KIND(Usage, !shapes.count(name), "-shape '", text, "': input '", name, "' given twice");
        shapes[name] = parse_dims(text.substr(open + 1, close - open - 1), text);
        pos = close + 1;
        if (pos < text.size()) {
            POT_CHECK_KIND(Usage, text[pos] == ',' && pos + 1 < text.size(), "-shape '", text,
                           "': expected ',' and another name[...] after ']'");
            ++pos;
        }
    }
    return shapes;
}

std::vector<Tensor> make_benchmark_inputs(const Graph& graph, const BenchmarkInputSpec& spec) {
    std::vector<const ValueInfo*> inputs;
    for (const auto& in : graph.inputs)
        if (!graph.is_constant(in.name)) inputs.push_back(&in);
    std::map<std::string, Shape> shapes;
    for (const auto& [key, shape] : spec.shapes) shapes[input_named(inputs, key, "-shape").name] = shape;
    std::map<std::string, std::filesystem::path> data;
    for (const auto& [key, file] : spec.data) {
        const std::string& name = input_named(inputs, key, "--data").name;
        POT_CHECK_KIND(Usage, !shapes.count(name), "input '", name, "' has both -shape and --data; ",
                       "the data file's shape is used, drop -shape for it");
        data[name] = file;
    }
    POT_CHECK_KIND(Usage, spec.batch >= 1, "--batch must be >= 1, got ", spec.batch);

    std::vector<Tensor> tensors;
    uint64_t total_bytes = 0;
    std::mt19937 rng(42);
    for (const ValueInfo* in : inputs) {
        const auto check_rank_and_dims = [&](const Shape& shape, const std::string& source) {
            POT_CHECK_KIND(Usage, in->shape.empty() || shape.size() == in->shape.size(), source,
                           " gives input '", in->name, "' the shape ", shape_str(shape), ", but the model ",
                           "declares rank ", in->shape.size(), " (", shape_str(in->shape), ")");
            for (size_t d = 0; d < shape.size() && d < in->shape.size(); ++d)
                POT_CHECK_KIND(Usage, in->shape[d] < 0 || in->shape[d] == shape[d], source,
                               " gives input '", in->name, "' the shape ", shape_str(shape),
                               ", but the model fixes dimension ", d, " to ", in->shape[d]);
        };
        if (auto it = data.find(in->name); it != data.end()) {
            Tensor t = read_npy(it->second);
            POT_CHECK_KIND(Input, t.dtype() == in->dtype, it->second.string(), ": holds ",
                           dtype_name(t.dtype()), " values, input '", in->name, "' takes ",
                           dtype_name(in->dtype));
            check_rank_and_dims(t.shape(), it->second.string());
            tensors.push_back(std::move(t));
            continue;
        }
        Shape shape = in->shape;
        std::string source = "-shape";
        if (auto it = shapes.find(in->name); it != shapes.end()) {
            check_rank_and_dims(it->second, "-shape");
            shape = it->second;
        } else {
            source = str_cat("--batch ", spec.batch);
            if (!shape.empty()) {
                POT_CHECK_KIND(Usage, shape[0] < 0 || spec.batch == 1 || shape[0] == 1, "--batch ",
                               spec.batch, ": input '", in->name, "' has a fixed first dimension of ", shape[0]);
                if (shape[0] < 0 || shape[0] == 1) shape[0] = spec.batch;
            }
            for (size_t d = 0; d < shape.size(); ++d)
                POT_CHECK_KIND(Usage, shape[d] >= 0, "input '", in->name, "' has the dynamic shape ",
                               shape_str(in->shape), ": give its shape with -shape ", in->name, "[",
                               dims_hint(in->shape), "] or data with --data ", in->name, "=FILE.npy");
        }
        uint64_t bytes = dtype_size(in->dtype);
        for (int64_t d : shape)
            POT_CHECK_KIND(Usage, !__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes) &&
                                      bytes <= kMaxBenchmarkInputBytes,
                           source, ": input '", in->name, "' of shape ", shape_str(shape),
                           " takes more than the ", kMaxBenchmarkInputBytes >> 20, " MiB allowed");
        total_bytes += bytes;
        POT_CHECK_KIND(Usage, total_bytes <= kMaxBenchmarkInputBytes, source,
                       ": the inputs take more than the ", kMaxBenchmarkInputBytes >> 20, " MiB allowed");
        Tensor t(in->dtype, shape);
        fill_random(t, rng);
        tensors.push_back(std::move(t));
    }
    return tensors;
}

}  // namespace pot::core
