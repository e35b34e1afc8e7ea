#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "pot/core/dataset.hpp"
#include "pot/core/npy.hpp"

namespace {

namespace fs = std::filesystem;
using pot::core::EngineConfig;
using pot::ValueInfo;

class Dataset : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("pot_dataset_" + std::to_string(::getpid()) + "_" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A 2x3 BGR image whose pixel (y, x) has B = 10*y + x, G = 100, R = 200.
    void write_color_image(const std::string& name) {
        cv::Mat img(2, 3, CV_8UC3);
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 3; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * y + x, 100, 200);
        ASSERT_TRUE(cv::imwrite((dir_ / name).string(), img));
    }
    void write_text(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

    EngineConfig config() const {
        EngineConfig c;
        c.data_source = dir_;
        return c;
    }

    fs::path dir_;
};

TEST_F(Dataset, FileNamePatternPicksTheMatchingFiles) {
    // POT's data_source "calib/*.png".
    write_color_image("a.png");
    write_color_image("b.png");
    write_color_image("c.bmp");
    write_text("notes.txt", "x");
    const ValueInfo input{"x", pot::DType::F32, {1, 3, 2, 3}};
    auto c = config();
    c.data_source = dir_ / "*.png";
    EXPECT_TRUE(pot::core::is_file_pattern(c.data_source));
    EXPECT_FALSE(pot::core::is_file_pattern(dir_));
    EXPECT_EQ(pot::core::open_dataset(c, input)->size(), 2u);
    c.data_source = dir_ / "[ac].*";
    EXPECT_EQ(pot::core::open_dataset(c, input)->size(), 2u);
    c.data_source = dir_ / "*.jpg";
    try {
        pot::core::open_dataset(c, input);
        ADD_FAILURE() << "no file matches";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("matches '*.jpg'"), std::string::npos) << e.what();
    }
    c.data_source = dir_ / "missing" / "*.png";
    EXPECT_THROW(pot::core::open_dataset(c, input), pot::Error);
}

TEST_F(Dataset, ImageFolderAppliesColorMeanScaleAndLayout) {
    write_color_image("a.png");
    write_text("labels.txt", "a.png 7\n");
    auto c = config();
    c.annotation = dir_ / "labels.txt";
    c.preprocessing.mean = {1, 2, 3};
    c.preprocessing.scale = {2};
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
    ASSERT_EQ(data->size(), 1u);
    const auto s = data->get(0);
    ASSERT_EQ(s.class_index(), 7);
    const auto& t = s.inputs.at(0);
    ASSERT_EQ(t.shape(), (pot::Shape{1, 3, 2, 3}));
    const float* v = t.data<float>();
    // RGB order: channel 0 is R = 200 -> (200 - 1) / 2; channel 2 is B at (1, 2) = 12 -> (12 - 3) / 2.
    EXPECT_FLOAT_EQ(v[0], 99.5f);
    EXPECT_FLOAT_EQ(v[1 * 6], 49.0f);
    EXPECT_FLOAT_EQ(v[2 * 6 + 1 * 3 + 2], 4.5f);
}

TEST_F(Dataset, NhwcBgrKeepsOpenCvOrder) {
    write_color_image("a.png");
    auto c = config();
    c.preprocessing.layout = "NHWC";
    c.preprocessing.color = "BGR";
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 2, 3, 3}});
    const auto t = data->get(0).inputs.at(0);
    ASSERT_EQ(t.shape(), (pot::Shape{1, 2, 3, 3}));
    EXPECT_FLOAT_EQ(t.data<float>()[(1 * 3 + 2) * 3 + 0], 12.0f);
    EXPECT_FLOAT_EQ(t.data<float>()[2], 200.0f);
    EXPECT_FALSE(data->get(0).annotation.has_value());
}

TEST_F(Dataset, ResizeAndCenterCropGiveTheModelSize) {
    write_color_image("a.png");
    auto c = config();
    c.preprocessing.resize = {{8, 8}};
    c.preprocessing.crop = {{4, 4}};
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 4, 4}});
    EXPECT_EQ(data->get(0).inputs.at(0).shape(), (pot::Shape{1, 3, 4, 4}));
}

TEST_F(Dataset, ShorterSideResizeKeepsTheAspectRatio) {
    write_color_image("a.png");  // 2x3
    auto c = config();
    c.preprocessing.resize_shorter_side = 4;  // 4x6
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 4, 6}});
    EXPECT_EQ(data->get(0).inputs.at(0).shape(), (pot::Shape{1, 3, 4, 6}));
    c.preprocessing.crop = {{4, 4}};
    data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 4, 4}});
    EXPECT_EQ(data->get(0).inputs.at(0).shape(), (pot::Shape{1, 3, 4, 4}));
}

TEST_F(Dataset, EastResizeLimitsTheLongerSideAndCutsEachSideToAMultiple) {
    // Accuracy Checker's east_keep_aspect_ratio: 50x100 limited to 64 is 32x64 (both multiples of
    // 32); a side that is no multiple goes one multiple below its rounded-down one, at least 32.
    cv::Mat wide(50, 100, CV_8UC3, cv::Scalar(1, 2, 3)), odd(90, 140, CV_8UC3, cv::Scalar(1, 2, 3));
    ASSERT_TRUE(cv::imwrite((dir_ / "a.png").string(), wide));
    ASSERT_TRUE(cv::imwrite((dir_ / "b.png").string(), odd));
    auto c = config();
    c.preprocessing.resize_limit_multiple = std::make_pair(64, 32);
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, -1, -1}});
    EXPECT_EQ(data->get(0).inputs.at(0).shape(), (pot::Shape{1, 3, 32, 64}));
    // 90x140 -> ratio 64/140: 41x64 -> 41 is cut to (41 / 32 - 1) * 32 = 0, so 32; 64 stays.
    EXPECT_EQ(data->get(1).inputs.at(0).shape(), (pot::Shape{1, 3, 32, 64}));
    c.preprocessing.resize_limit_multiple = std::make_pair(2400, 32);
    data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, -1, -1}});
    // No limit reached: 90x140 -> (90 / 32 - 1) * 32 = 32 and (140 / 32 - 1) * 32 = 96.
    EXPECT_EQ(data->get(1).inputs.at(0).shape(), (pot::Shape{1, 3, 32, 96}));
}

TEST_F(Dataset, CropByFractionComesBeforeTheResize) {
    // 4x6 image whose blue channel is 10 * y + x; the central half is rows 1-2, columns 1.5-4.5.
    cv::Mat img(4, 6, CV_8UC3);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * y + x, 0, 0);
    ASSERT_TRUE(cv::imwrite((dir_ / "a.png").string(), img));
    auto c = config();
    c.preprocessing.color = "BGR";
    c.preprocessing.crop_fraction = 0.5f;  // 2x3: rows 1-2, columns 1-3
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
    const auto t = data->get(0).inputs.at(0);
    EXPECT_FLOAT_EQ(t.data<float>()[0], 11.0f);
    EXPECT_FLOAT_EQ(t.data<float>()[5], 23.0f);
}

TEST_F(Dataset, LabelOffsetShiftsEveryClassIndex) {
    write_color_image("a.png");
    write_text("labels.txt", "a.png 7\n");
    auto c = config();
    c.annotation = dir_ / "labels.txt";
    c.label_offset = 1;
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
    EXPECT_EQ(data->get(0).class_index(), 8);
}

TEST_F(Dataset, SizeMismatchNamesTheImageAndTheInput) {
    write_color_image("a.png");
    auto c = config();
    c.preprocessing.resize = {{5, 5}};
    auto data = pot::core::open_dataset(c, ValueInfo{"input", pot::DType::F32, {1, 3, 4, 4}});
    try {
        data->get(0);
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("a.png"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("'input'"), std::string::npos);
    }
}

TEST_F(Dataset, CorruptImageIsAnInputError) {
    write_text("broken.png", "not an image");
    auto data = pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
    try {
        data->get(0);
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("broken.png"), std::string::npos);
    }
}

TEST_F(Dataset, EmptyOrMissingFolderIsAnInputError) {
    EXPECT_THROW(pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}}), pot::Error);
    auto c = config();
    c.data_source = dir_ / "missing";
    try {
        pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
    }
}

TEST_F(Dataset, LabelFileMustCoverEveryImage) {
    write_color_image("a.png");
    write_color_image("b.png");
    write_text("labels.txt", "a.png 1\n");
    auto c = config();
    c.annotation = dir_ / "labels.txt";
    try {
        pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("no label for 'b.png'"), std::string::npos);
    }
}

TEST_F(Dataset, MalformedLabelLineNamesTheLine) {
    write_text("labels.txt", "a.png 1\nb.png x\n");
    try {
        pot::core::read_labels(dir_ / "labels.txt");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("labels.txt:2"), std::string::npos) << e.what();
    }
}

TEST_F(Dataset, NpyFolderAddsTheBatchDimension) {
    pot::core::write_npy(dir_ / "0.npy", pot::Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}));
    auto data = pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {-1, 2, 2}});
    const auto t = data->get(0).inputs.at(0);
    EXPECT_EQ(t.shape(), (pot::Shape{1, 2, 2}));
    EXPECT_EQ(t.to_floats(), (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(Dataset, ArraysOnlyReadsTheNpyFilesBesideImagesAndRefusesAFolderWithoutThem) {
    // Accuracy Checker's numpy_reader: the .npy files are the data, even with images beside them.
    write_color_image("preview.png");
    EngineConfig c = config();
    c.arrays_only = true;
    const ValueInfo input{"x", pot::DType::F32, {1, 2, 2}};
    try {
        pot::core::open_dataset(c, input);
        ADD_FAILURE() << "a folder without .npy files was taken";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("numpy_reader"), std::string::npos) << e.what();
    }
    pot::core::write_npy(dir_ / "0.npy", pot::Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}));
    pot::core::write_npy(dir_ / "1.npy", pot::Tensor::from_vector<float>({2, 2}, {5, 6, 7, 8}));
    auto data = pot::core::open_dataset(c, input);
    ASSERT_EQ(data->size(), 2u);
    EXPECT_EQ(data->get(1).inputs.at(0).to_floats(), (std::vector<float>{5, 6, 7, 8}));
    // Without the reader's word a folder of both kinds is read as images.
    EXPECT_EQ(pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}})->size(), 1u);
}

TEST_F(Dataset, NpyShapeMismatchIsNamed) {
    pot::core::write_npy(dir_ / "0.npy", pot::Tensor::from_vector<float>({3}, {1, 2, 3}));
    auto data = pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 2}});
    EXPECT_THROW(data->get(0), pot::Error);
}

TEST_F(Dataset, SeveralInputsReadOneNpyFolderPerInput) {
    const std::vector<ValueInfo> inputs{{"input_ids", pot::DType::I64, {-1, 4}},
                                        {"attention_mask", pot::DType::I64, {-1, 4}}};
    for (const auto& in : inputs) fs::create_directories(dir_ / in.name);
    for (int i = 0; i < 3; ++i) {
        const std::string file = "s" + std::to_string(i) + ".npy";
        pot::core::write_npy(dir_ / "input_ids" / file, pot::Tensor::from_vector<int64_t>({4}, {i, i + 1, 7, 9}));
        pot::core::write_npy(dir_ / "attention_mask" / file, pot::Tensor::from_vector<int64_t>({1, 4}, {1, 1, 1, i == 2 ? 0 : 1}));
    }
    auto data = pot::core::open_dataset(config(), inputs);
    ASSERT_EQ(data->size(), 3u);
    const auto s = data->get(2);
    ASSERT_EQ(s.inputs.size(), 2u);
    EXPECT_EQ(s.inputs[0].dtype(), pot::DType::I64);
    EXPECT_EQ(s.inputs[0].to_ints(), (std::vector<int64_t>{2, 3, 7, 9}));
    EXPECT_EQ(s.inputs[1].shape(), (pot::Shape{1, 4}));
    EXPECT_EQ(s.inputs[1].to_ints(), (std::vector<int64_t>{1, 1, 1, 0}));
    EXPECT_NE(data->describe().find("3 samples of 2 .npy tensors"), std::string::npos) << data->describe();

    // Folders whose file names differ cannot be paired.
    fs::rename(dir_ / "attention_mask" / "s1.npy", dir_ / "attention_mask" / "t1.npy");
    try {
        pot::core::open_dataset(config(), inputs);
        FAIL() << "unpaired files accepted";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("different .npy file names"), std::string::npos) << e.what();
    }
    // A missing folder names the input it is for.
    fs::remove_all(dir_ / "attention_mask");
    try {
        pot::core::open_dataset(config(), inputs);
        FAIL() << "missing folder accepted";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("no folder 'attention_mask'"), std::string::npos) << e.what();
    }
}

void write_be32(std::ofstream& out, uint32_t v) {
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                           static_cast<char>(v)};
    out.write(bytes, 4);
}

TEST_F(Dataset, IdxFilesGiveImagesAndLabels) {
    {
        std::ofstream images(dir_ / "images-idx3-ubyte", std::ios::binary);
        write_be32(images, 2051);
        write_be32(images, 2);
        write_be32(images, 2);
        write_be32(images, 2);
        const char pixels[8] = {0, 10, 20, 30, 40, 50, 60, 70};
        images.write(pixels, 8);
        std::ofstream labels(dir_ / "labels-idx1-ubyte", std::ios::binary);
        write_be32(labels, 2049);
        write_be32(labels, 2);
        const char l[2] = {3, 9};
        labels.write(l, 2);
    }
    auto c = config();
    c.preprocessing.scale = {10};
    auto data = pot::core::open_dataset(c, ValueInfo{"x", pot::DType::F32, {-1, 1, 2, 2}});
    ASSERT_EQ(data->size(), 2u);
    const auto s = data->get(1);
    EXPECT_EQ(s.class_index(), 9);
    EXPECT_EQ(s.inputs.at(0).to_floats(), (std::vector<float>{4, 5, 6, 7}));
}

TEST_F(Dataset, TruncatedIdxIsAnInputError) {
    {
        std::ofstream images(dir_ / "images-idx3-ubyte", std::ios::binary);
        write_be32(images, 2051);
        write_be32(images, 100);
        write_be32(images, 28);
        write_be32(images, 28);
    }
    try {
        pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {-1, 1, 28, 28}});
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
    }
}

TEST_F(Dataset, SymbolicLinkLoopInTheDataFolderIsNamed) {
    write_color_image("a.png");
    fs::create_symlink(dir_ / "loop.png", dir_ / "loop.png");
    try {
        pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find((dir_ / "loop.png").string()), std::string::npos) << e.what();
    }
}

TEST_F(Dataset, ImageDeclaringAHugeSizeIsRefusedBeforeDecoding) {
    // A PNG signature and IHDR chunk declaring 100000 x 100000 pixels: 30 GB once decoded.
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\x01\x86\xa0\0\x01\x86\xa0\x08\x02\0\0\0", 29);
    write_text("huge.png", png + std::string(16, '\0'));
    auto data = pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 3, 2, 3}});
    try {
        data->get(0);
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("huge.png"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("100000x100000"), std::string::npos) << e.what();
    }
}

TEST_F(Dataset, ModelInputLargerThanAnyImageIsRefused) {
    write_color_image("a.png");
    try {
        pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {1, 3, 100000, 100000}});
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
    }
}

TEST_F(Dataset, IdxHeaderWhoseSizeOverflowsIsRefused) {
    {
        // 2^16 images of 2^24 x 2^24 pixels: 2^64 bytes, which wrapped to 0 in 64-bit arithmetic.
        std::ofstream images(dir_ / "images-idx3-ubyte", std::ios::binary);
        write_be32(images, 2051);
        write_be32(images, 1u << 16);
        write_be32(images, 1u << 24);
        write_be32(images, 1u << 24);
    }
    try {
        pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {-1, 1, 28, 28}});
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("images-idx3-ubyte"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("16777216x16777216"), std::string::npos) << e.what();
    }
}

TEST_F(Dataset, IdxImageCountBeyondTheFileIsRefused) {
    {
        std::ofstream images(dir_ / "images-idx3-ubyte", std::ios::binary);
        write_be32(images, 2051);
        write_be32(images, 0xffffffffu);
        write_be32(images, 16384);
        write_be32(images, 4096);
        images.write(std::string(100, '\0').data(), 100);
    }
    try {
        pot::core::open_dataset(config(), ValueInfo{"x", pot::DType::F32, {-1, 1, 28, 28}});
        FAIL() << "expected an error";
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
}

// Readers of bytes held in memory, the entry points the fuzz targets drive.

std::string idx_bytes(uint32_t magic, std::vector<uint32_t> header, const std::string& payload) {
    std::string out;
    header.insert(header.begin(), magic);
    for (uint32_t v : header)
        for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
    return out + payload;
}

TEST(DatasetBytes, ParseIdxReadsImagesAndLabelsFromMemory) {
    const auto images = idx_bytes(2051, {2, 1, 2}, std::string("\x00\x0a\x14\x1e", 4));
    const auto labels = idx_bytes(2049, {2}, std::string("\x05\x06", 2));
    pot::core::Preprocessing pre;
    const auto data = pot::core::parse_idx(images, "mem-idx3", labels, "mem-idx1", pre,
                                           ValueInfo{"x", pot::DType::F32, {1, 1, 1, 2}});
    ASSERT_EQ(data->size(), 2u);
    const auto s = data->get(1);
    EXPECT_EQ(s.class_index(), 6);
    EXPECT_EQ(s.inputs.at(0).to_floats(), (std::vector<float>{20, 30}));
}

TEST(DatasetBytes, ParseIdxNamesTheOriginOfABadLabelFile) {
    const auto images = idx_bytes(2051, {1, 1, 1}, std::string(1, '\x07'));
    const auto labels = idx_bytes(2049, {3}, std::string(3, '\x00'));
    try {
        pot::core::parse_idx(images, "mem-idx3", labels, "mem-idx1", {},
                             ValueInfo{"x", pot::DType::F32, {1, 1, 1, 1}});
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("mem-idx1"), std::string::npos) << e.what();
    }
}

TEST(DatasetBytes, DecodeImageSampleGivesWhatTheImageFolderGives) {
    cv::Mat img(2, 3, CV_8UC3);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * y + x, 100, 200);
    std::vector<uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", img, png));
    pot::core::Preprocessing pre;
    pre.mean = {1, 2, 3};
    pre.scale = {2};
    const ValueInfo input{"x", pot::DType::F32, {1, 3, 2, 3}};
    const auto s = pot::core::decode_image_sample(std::string(png.begin(), png.end()), pre, input,
                                                  "mem.png");
    const auto& t = s.inputs.at(0);
    ASSERT_EQ(t.shape(), (pot::Shape{1, 3, 2, 3}));
    // RGB, from the model's 3 channels: the values of ImageFolderAppliesColorMeanScaleAndLayout.
    EXPECT_FLOAT_EQ(t.data<float>()[0], 99.5f);
    EXPECT_FLOAT_EQ(t.data<float>()[17], 4.5f);
}

TEST(DatasetBytes, DecodeImageSampleNamesTheOriginOfBytesThatAreNoImage) {
    try {
        pot::core::decode_image_sample("not an image", {},
                                       ValueInfo{"x", pot::DType::F32, {1, 1, 2, 2}}, "mem.png");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("mem.png"), std::string::npos) << e.what();
    }
}

TEST(DatasetBytes, ParseLabelsNamesTheOriginAndLine) {
    EXPECT_EQ(pot::core::parse_labels("a.png 3\n# note\nb.png 4\n", "mem.txt"),
              (std::map<std::string, int64_t>{{"a.png", 3}, {"b.png", 4}}));
    try {
        pot::core::parse_labels("a.png 3\nb.png four\n", "mem.txt");
        FAIL();
    } catch (const pot::Error& e) {
        EXPECT_NE(std::string(e.what()).find("mem.txt:2"), std::string::npos) << e.what();
    }
}

}  // namespace
