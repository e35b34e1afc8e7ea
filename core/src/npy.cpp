#include "pot/core/npy.hpp"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "pot/error.hpp"

namespace pot::core {

namespace {
const char kMagic[] = "\x93NUMPY";

std::string descr_of(DType dtype) {
    switch (dtype) {
        case DType::F32: return "<f4";
        case DType::I8: return "|i1";
        case DType::U8: return "|u1";
        case DType::I32: return "<i4";
        case DType::I64: return "<i8";
    }
    return "";
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
    POT_CHECK_KIND(Input, bytes.size() >= offset + header_len, origin, ": truncated .npy header");
    const std::string header = bytes.substr(offset, header_len);
    std::smatch m;
    POT_CHECK_KIND(Input, std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")),
                   origin, ": .npy header has no 'descr'");
    const std::string descr = m[1];
    POT_CHECK_KIND(Input, !std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True")),
                   origin, ": Fortran-ordered .npy arrays are not supported");
    POT_CHECK_KIND(Input, std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")),
                   origin, ": .npy header has no 'shape'");
    Shape shape;
    std::stringstream dims(m[1].str());
    for (std::string d; std::getline(dims, d, ',');) {
        d.erase(0, d.find_first_not_of(" \t"));
        if (d.empty()) continue;
        try {
            shape.push_back(std::stoll(d));
        } catch (const std::exception&) {
            POT_THROW(Input, origin, ": bad .npy shape '", m[1].str(), "'");
        }
        POT_CHECK_KIND(Input, shape.back() >= 0, origin, ": negative .npy dimension");
    }
    const size_t data_at = offset + header_len;
    const std::string& raw = bytes;
    auto load = [&](DType dtype) {
        Tensor t(dtype, shape);
        POT_CHECK_KIND(Input, raw.size() - data_at >= t.byte_size(), origin, ": truncated .npy data: ",
                       raw.size() - data_at, " bytes for shape ", shape_str(shape), " of ",
                       dtype_name(dtype));
        std::memcpy(t.raw(), raw.data() + data_at, t.byte_size());
        return t;
    };
    if (descr == "<f4") return load(DType::F32);
    if (descr == "|i1" || descr == "<i1") return load(DType::I8);
    if (descr == "|u1" || descr == "<u1") return load(DType::U8);
    if (descr == "<i4") return load(DType::I32);
    if (descr == "<i8") return load(DType::I64);
    if (descr == "<f8") {
        const int64_t n = shape_numel(shape);
        POT_CHECK_KIND(Input, (raw.size() - data_at) / 8 >= static_cast<size_t>(n), origin,
                       ": truncated .npy data");
        Tensor t(DType::F32, shape);
        for (int64_t i = 0; i < n; ++i) {
            double v;
            std::memcpy(&v, raw.data() + data_at + static_cast<size_t>(i) * 8, 8);
            t.data<float>()[i] = static_cast<float>(v);
        }
        return t;
    }
    POT_THROW(Input, origin, ": unsupported .npy element type '", descr, "'");
}

Tensor read_npy(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    POT_CHECK_KIND(Input, in.good(), "cannot read '", file.string(), "'");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return parse_npy(bytes.str(), file.string());
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
