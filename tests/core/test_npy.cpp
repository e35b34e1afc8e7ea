#include <filesystem>

#include <gtest/gtest.h>

#include "pot/core/npy.hpp"

namespace {

TEST(Npy, RoundTripKeepsTypeShapeAndValues) {
    const auto file = std::filesystem::temp_directory_path() / ("pot_npy_" + std::to_string(::getpid()) + ".npy");
    const auto t = pot::Tensor::from_vector<int64_t>({2, 1, 3}, {1, -2, 3, 4, 5, -6});
    pot::core::write_npy(file, t);
    const auto back = pot::core::read_npy(file);
    EXPECT_EQ(back.dtype(), pot::DType::I64);
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(back.to_ints(), t.to_ints());
    std::filesystem::remove(file);
}

// Found by fuzz_npy: an array with a zero dimension was copied from a null pointer.
TEST(Npy, ArrayWithAZeroDimensionParsesToAnEmptyTensor) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }";
    header.append(118 - header.size() - 1, ' ');
    header += '\n';
    const std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + std::string(1, static_cast<char>(header.size())) +
                              std::string(1, '\0') + header;
    const pot::Tensor t = pot::core::parse_npy(bytes, "empty.npy");
    EXPECT_EQ(t.shape(), (pot::Shape{0, 3}));
    EXPECT_EQ(t.numel(), 0);
}

TEST(Npy, GarbageAndTruncationAreInputErrors) {
    EXPECT_THROW(pot::core::parse_npy("hello", "x.npy"), pot::Error);
    const std::string header = std::string("\x93NUMPY\x01\x00", 8) + std::string("\x46\x00", 2) +
                               "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
    EXPECT_THROW(pot::core::parse_npy(header + std::string(4, '\0'), "x.npy"), pot::Error);
}

}  // namespace
