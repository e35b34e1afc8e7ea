// Peer for docs/ACCURACY.md: OpenCV's own INT8 post-training quantizer, cv::dnn::Net::quantize.
//
//   pot-opencv-peer MODEL.onnx CALIBRATION_DIR TEST_IMAGES_IDX3 TEST_LABELS_IDX1 [THREADS]
//
// Reads the model with readNetFromONNX, quantizes it with the PNGs listed in
// CALIBRATION_DIR/labels.txt as one calibration blob (x = pixel / 255, NCHW, the models'
// preprocessing), then scores the FP32 and the INT8 net (float inputs and outputs) on the
// uncompressed idx test set. Prints one JSON object; a model OpenCV cannot import or quantize
// gives {"error": ..., "stage": "import" | "quantize" | ...} and exit code 1.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::uint32_t read_be32(std::istream& in) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw std::runtime_error("truncated idx header");
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

// An uncompressed idx file of uint8: returns the dimensions and the data.
std::vector<unsigned char> read_idx(const std::string& path, std::vector<int>& dims) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    const std::uint32_t magic = read_be32(in);
    if ((magic >> 8) != 0x08) throw std::runtime_error(path + ": not a uint8 idx file (gunzip it first)");
    const int ndim = static_cast<int>(magic & 0xff);
    std::size_t count = 1;
    dims.clear();
    for (int i = 0; i < ndim; ++i) {
        dims.push_back(static_cast<int>(read_be32(in)));
        count *= static_cast<std::size_t>(dims.back());
    }
    std::vector<unsigned char> data(count);
    if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(count)))
        throw std::runtime_error(path + ": truncated data");
    return data;
}

// NCHW float blob [n, 1, h, w] from n uint8 images, x = pixel / 255.
cv::Mat to_blob(const unsigned char* pixels, int n, int h, int w) {
    const int shape[] = {n, 1, h, w};
    cv::Mat blob(4, shape, CV_32F);
    float* dst = blob.ptr<float>();
    const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(h * w);
    for (std::size_t i = 0; i < total; ++i) dst[i] = static_cast<float>(pixels[i]) / 255.0f;
    return blob;
}

cv::Mat load_calibration(const std::string& dir, int& h, int& w) {
    std::ifstream labels(dir + "/labels.txt");
    if (!labels) throw std::runtime_error("cannot open " + dir + "/labels.txt");
    std::vector<std::string> names;
    std::string line;
    while (std::getline(labels, line)) {
        std::istringstream fields(line);
        std::string name;
        if (fields >> name) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    std::vector<unsigned char> pixels;
    for (const auto& name : names) {
        cv::Mat image = cv::imread(dir + "/" + name, cv::IMREAD_GRAYSCALE);
        if (image.empty()) throw std::runtime_error("cannot read " + dir + "/" + name);
        if (pixels.empty()) {
            h = image.rows;
            w = image.cols;
        } else if (image.rows != h || image.cols != w) {
            throw std::runtime_error(dir + "/" + name + ": size differs from the first image");
        }
        pixels.insert(pixels.end(), image.datastart, image.dataend);
    }
    if (names.empty()) throw std::runtime_error(dir + ": no images");
    return to_blob(pixels.data(), static_cast<int>(names.size()), h, w);
}

// Top-1 accuracy of `net` on the test images, in batches.
double evaluate(cv::dnn::Net& net, const std::vector<unsigned char>& images, const std::vector<unsigned char>& labels,
                int n, int h, int w, double& seconds) {
    constexpr int kBatch = 500;
    int correct = 0;
    const auto start = Clock::now();
    for (int first = 0; first < n; first += kBatch) {
        const int count = std::min(kBatch, n - first);
        net.setInput(to_blob(images.data() + static_cast<std::size_t>(first) * static_cast<std::size_t>(h * w), count, h, w));
        cv::Mat logits = net.forward();
        logits = logits.reshape(1, count);
        if (logits.type() != CV_32F) throw std::runtime_error("net output is not float");
        for (int i = 0; i < count; ++i) {
            cv::Point best;
            cv::minMaxLoc(logits.row(i), nullptr, nullptr, nullptr, &best);
            if (best.x == labels[static_cast<std::size_t>(first + i)]) ++correct;
        }
    }
    seconds = seconds_since(start);
    return static_cast<double>(correct) / n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5 || argc > 6) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx CALIBRATION_DIR TEST_IMAGES_IDX3 TEST_LABELS_IDX1 [THREADS]\n";
        return 2;
    }
    const std::string model = argv[1];
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    if (argc == 6) cv::setNumThreads(std::stoi(argv[5]));

    std::string stage = "data";
    std::ostringstream json;
    json << "{\n  \"tool\": \"OpenCV " << CV_VERSION << " cv::dnn::Net::quantize\",\n  \"model\": \"" << json_escape(model)
         << "\",\n";
    try {
        int h = 0, w = 0;
        const cv::Mat calibration = load_calibration(argv[2], h, w);
        std::vector<int> image_dims, label_dims;
        const auto images = read_idx(argv[3], image_dims);
        const auto labels = read_idx(argv[4], label_dims);
        if (image_dims.size() != 3 || label_dims.size() != 1 || image_dims[0] != label_dims[0] || image_dims[1] != h ||
            image_dims[2] != w)
            throw std::runtime_error("test images/labels do not match each other or the calibration images");
        const int n = image_dims[0];
        json << "  \"calibration_samples\": " << calibration.size[0] << ",\n  \"test_samples\": " << n << ",\n";

        stage = "import";
        cv::dnn::Net net = cv::dnn::readNetFromONNX(model);
        net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);

        stage = "fp32 inference";
        double fp32_seconds = 0;
        const double fp32 = evaluate(net, images, labels, n, h, w, fp32_seconds);
        json << "  \"fp32_top1\": " << fp32 << ",\n  \"fp32_eval_seconds\": " << fp32_seconds << ",\n";

        stage = "quantize";
        const auto start = Clock::now();
        cv::dnn::Net qnet = net.quantize(calibration, CV_32F, CV_32F);
        const double calib_seconds = seconds_since(start);
        qnet.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        qnet.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        json << "  \"calibration_seconds\": " << calib_seconds << ",\n";

        stage = "int8 inference";
        double int8_seconds = 0;
        const double int8 = evaluate(qnet, images, labels, n, h, w, int8_seconds);
        json << "  \"int8_top1\": " << int8 << ",\n  \"int8_eval_seconds\": " << int8_seconds << ",\n"
             << "  \"drop_points\": " << (fp32 - int8) * 100.0 << "\n}\n";
        std::cout << json.str();
        return 0;
    } catch (const std::exception& e) {
        json << "  \"stage\": \"" << stage << "\",\n  \"error\": \"" << json_escape(e.what()) << "\"\n}\n";
        std::cout << json.str();
        return 1;
    }
}
