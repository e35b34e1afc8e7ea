#include "pot/core/npy.hpp"

#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>

#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace pot::core {

namespace {
const char kMagic[] = "\x93NUMPY";
// numpy writes headers of a few hundred bytes and its own reader refuses long ones; a longer
// header is not a numpy file.
constexpr size_t kNpyMaxHeaderBytes = 64 * 1024;
// numpy arrays have at most 64 dimensions (32 before numpy 2).
constexpr size_t kNpyMaxRank = 64;

std::string descr_of(DType dtype) {
    switch (dtype) {
        case DType::F32: return "<f4";
        case DType::I8: return "|i1";
        case DType::U8: return "|u1";
        case DType::I32: return "<i4";
        case DType::I64: return "<i8";
        case DType::Bool: return "|b1";
    }
    return "";
}

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    Shape shape;
};

// Reads the Python dict literal numpy writes as the header, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// by hand: the grammar is tiny, and a regular expression engine can be made to recurse or
// backtrack without bound by a crafted header.
class NpyHeaderParser {
public:
    NpyHeaderParser(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

    NpyHeader parse() {
        NpyHeader header;
        bool has_descr = false, has_shape = false;
        skip_space();
        expect('{', "'{'");
        for (skip_space(); !accept('}'); skip_space()) {
            const std::string key = quoted("a quoted key");
            skip_space();
            expect(':', "':'");
            skip_space();
            if (key == "descr") {
                header.descr = quoted("a type string such as '<f4'");
                has_descr = true;
            } else if (key == "fortran_order") {
                header.fortran_order = boolean();
            } else if (key == "shape") {
                header.shape = tuple();
                has_shape = true;
            } else {
                fail(str_cat("unknown key '", key, "' (expected descr, fortran_order and shape)"));
            }
            skip_space();
            if (accept('}')) break;
            expect(',', "',' or '}'");
        }
        POT_CHECK_KIND(Input, has_descr, origin_, ": .npy header has no 'descr'");
        POT_CHECK_KIND(Input, has_shape, origin_, ": .npy header has no 'shape'");
        return header;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        POT_THROW(Input, origin_, ": bad .npy header at byte ", at_, ": ", what);
    }
    bool at_end() const { return at_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[at_]; }
    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
    }
    bool accept(char c) {
        if (at_end() || peek() != c) return false;
        ++at_;
        return true;
    }
    void expect(char c, const char* what) {
        if (!accept(c)) fail(str_cat("expected ", what));
    }
    bool accept_word(std::string_view word) {
        if (text_.substr(at_, word.size()) != word) return false;
        at_ += word.size();
        return true;
    }
    std::string quoted(const char* what) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail(str_cat("expected ", what));
        const size_t begin = ++at_;
        while (!at_end() && peek() != quote) ++at_;
        if (at_end()) fail("unterminated string");
        return std::string(text_.substr(begin, at_++ - begin));
    }
    bool boolean() {
        if (accept_word("True")) return true;
        if (accept_word("False")) return false;
        fail("expected True or False");
    }
    int64_t integer() {
        if (peek() < '0' || peek() > '9') fail("expected a non-negative dimension");
        int64_t value = 0;
        while (peek() >= '0' && peek() <= '9') {
            if (value > (std::numeric_limits<int64_t>::max() - (peek() - '0')) / 10)
                fail("dimension too large");
            value = value * 10 + (peek() - '0');
            ++at_;
        }
        accept('L');  // Python 2 long literal
        return value;
    }
    Shape tuple() {
        expect('(', "'(' starting the shape");
        Shape shape;
        for (skip_space(); !accept(')'); skip_space()) {
            if (shape.size() == kNpyMaxRank) fail(str_cat("more than ", kNpyMaxRank, " dimensions"));
            shape.push_back(integer());
            skip_space();
            if (accept(')')) break;
            expect(',', "',' or ')' in the shape");
        }
        return shape;
    }

    std::string_view text_;
    const std::string& origin_;
    size_t at_ = 0;
};

struct NpyType {
    DType dtype;          // of the tensor read
    uint64_t item_bytes;  // in the file
};

// f8 is read as f32.
std::optional<NpyType> npy_type(const std::string& descr) {
    if (descr == "<f4") return NpyType{DType::F32, 4};
    if (descr == "<f8") return NpyType{DType::F32, 8};
    if (descr == "|i1" || descr == "<i1") return NpyType{DType::I8, 1};
    if (descr == "|u1" || descr == "<u1") return NpyType{DType::U8, 1};
    if (descr == "<i4") return NpyType{DType::I32, 4};
    if (descr == "<i8") return NpyType{DType::I64, 8};
    if (descr == "|b1") return NpyType{DType::Bool, 1};
    return std::nullopt;
}

// Bytes an array of `shape` with `item_bytes`-byte elements needs, checked against overflow.
uint64_t data_bytes(const Shape& shape, uint64_t item_bytes, const std::string& origin) {
    uint64_t bytes = item_bytes;
    for (int64_t d : shape)
        POT_CHECK_KIND(Input, !__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes), origin,
                       ": .npy shape ", shape_str(shape), " is too large to address");
    return bytes;
}
}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& origin) {
    POT_CHECK_KIND(Input, bytes.size() >= 10 && bytes.compare(0, 6, kMagic, 6) == 0, origin,
                   ": not a .npy file (bad magic)");
    const auto major = static_cast<uint8_t>(bytes[6]);
    size_t header_len = 0, offset = 0;
    if (major == 1) {
        header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
        offset = 10;
    } else {
        POT_CHECK_KIND(Input, (major == 2 || major == 3) && bytes.size() >= 12, origin,
                       ": unsupported .npy version ", int(major));
        for (int i = 0; i < 4; ++i)
            header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
        offset = 12;
    }
    POT_CHECK_KIND(Input, header_len <= kNpyMaxHeaderBytes, origin, ": .npy header of ", header_len,
                   " bytes; numpy headers are at most ", kNpyMaxHeaderBytes, " bytes");
    POT_CHECK_KIND(Input, bytes.size() >= offset + header_len, origin, ": truncated .npy header");
    const NpyHeader header =
        NpyHeaderParser(std::string_view(bytes).substr(offset, header_len), origin).parse();
    POT_CHECK_KIND(Input, !header.fortran_order, origin,
                   ": Fortran-ordered .npy arrays are not supported");
    const Shape& shape = header.shape;
    const std::string& descr = header.descr;

    const auto type = npy_type(descr);
    POT_CHECK_KIND(Input, type.has_value(), origin, ": unsupported .npy element type '", descr, "'");

    // Checked before anything is allocated: a few bytes of header may declare any shape.
    const size_t data_at = offset + header_len;
    const uint64_t available = bytes.size() - data_at;
    const uint64_t needed = data_bytes(shape, type->item_bytes, origin);
    POT_CHECK_KIND(Input, needed <= available, origin, ": truncated .npy data: ", available,
                   " bytes for shape ", shape_str(shape), " of '", descr, "', which needs ", needed);
    Tensor t(type->dtype, shape);
    if (descr != "<f8") {
        // An array with a zero dimension owns no storage: raw() may be null.
        if (t.byte_size() > 0) std::memcpy(t.raw(), bytes.data() + data_at, t.byte_size());
        if (t.dtype() == DType::Bool) normalize_bools(t);
        return t;
    }
    float* dst = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) {
        double v;
        std::memcpy(&v, bytes.data() + data_at + static_cast<size_t>(i) * 8, 8);
        dst[i] = static_cast<float>(v);
    }
    return t;
}

Tensor read_npy(const std::filesystem::path& file) {
    return parse_npy(read_file_bounded(file, kNpyMaxFileBytes, ".npy file"), file.string());
}

void write_npy(const std::filesystem::path& file, const Tensor& tensor) {
    std::string shape = "(";
    for (size_t i = 0; i < tensor.shape().size(); ++i)
        shape += std::to_string(tensor.shape()[i]) + (tensor.shape().size() == 1 ? "," : (i + 1 < tensor.shape().size() ? ", " : ""));
    shape += ")";
    std::string header = "{'descr': '" + descr_of(tensor.dtype()) +
                         "', 'fortran_order': False, 'shape': " + shape + ", }";
    const size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    std::ofstream out(file, std::ios::binary);
    POT_CHECK_KIND(Runtime, out.good(), "cannot write '", file.string(), "'");
    out.write(kMagic, 6);
    const char version[2] = {1, 0};
    out.write(version, 2);
    const uint16_t len = static_cast<uint16_t>(header.size());
    const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(len_bytes, 2);
    out << header;
    out.write(static_cast<const char*>(tensor.raw()), static_cast<std::streamsize>(tensor.byte_size()));
    POT_CHECK_KIND(Runtime, out.good(), "failed writing '", file.string(), "'");
}

}  // namespace pot::core
