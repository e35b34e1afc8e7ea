#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "pot/core/synthetic_images.hpp"
#include "pot/error.hpp"

namespace {

namespace fs = std::filesystem;
using pot::core::generate_synthetic_images;

class SyntheticImages : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("pot_synthetic_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(SyntheticImages, StructuredImagesOfTheGivenSizeSameForTheSameSeed) {
    generate_synthetic_images(dir_ / "a", 4, 40, 56, 3, 7);
    generate_synthetic_images(dir_ / "b", 4, 40, 56, 3, 7);
    for (int i = 0; i < 4; ++i) {
        const std::string name = "00000" + std::to_string(i) + ".png";
        const cv::Mat a = cv::imread((dir_ / "a" / name).string(), cv::IMREAD_UNCHANGED);
        const cv::Mat b = cv::imread((dir_ / "b" / name).string(), cv::IMREAD_UNCHANGED);
        ASSERT_FALSE(a.empty()) << name;
        EXPECT_EQ(a.rows, 40);
        EXPECT_EQ(a.cols, 56);
        EXPECT_EQ(a.channels(), 3);
        EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0) << name;
        // Not a flat colour: the fractal spreads the values.
        cv::Scalar mean, stddev;
        cv::meanStdDev(a, mean, stddev);
        EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 5.0) << name;
    }
    const cv::Mat first = cv::imread((dir_ / "a" / "000000.png").string());
    const cv::Mat second = cv::imread((dir_ / "a" / "000001.png").string());
    EXPECT_GT(cv::norm(first, second, cv::NORM_L1), 0.0);
    generate_synthetic_images(dir_ / "grey", 1, 28, 28, 1);
    EXPECT_EQ(cv::imread((dir_ / "grey" / "000000.png").string(), cv::IMREAD_UNCHANGED).channels(), 1);
}

TEST_F(SyntheticImages, AFolderHoldingOtherFilesIsNotWrittenInto) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "cat.jpg") << "x";
    try {
        generate_synthetic_images(dir_, 2, 16, 16, 3);
        ADD_FAILURE() << "wrote into a dataset folder";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Config);
        EXPECT_NE(std::string(e.what()).find("'cat.jpg'"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir_ / "000000.png"));
    // Its own earlier images are replaced.
    generate_synthetic_images(dir_ / "own", 2, 16, 16, 3);
    EXPECT_NO_THROW(generate_synthetic_images(dir_ / "own", 2, 16, 16, 3));
    EXPECT_THROW(generate_synthetic_images(dir_ / "big", 1, 5000, 16, 3), pot::Error);
    EXPECT_THROW(generate_synthetic_images(dir_ / "none", 0, 16, 16, 3), pot::Error);
}

}  // namespace
