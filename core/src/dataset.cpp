#include "pot/core/dataset.hpp"

#include <algorithm>
#include <cstring>
#include <fnmatch.h>
#include <set>
#include <sstream>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "annotation_dataset.hpp"
#include "image_decode.hpp"
#include "pot/core/npy.hpp"
#include "pot/error.hpp"
#include "pot/file_io.hpp"
#include "pot/json_parse.hpp"

namespace pot::core {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Regular files in `dir` (following symbolic links), in name order. A dangling link is skipped;
// an entry that cannot be inspected (a symbolic link loop, no permission) is an Input error
// naming it, as is a folder that cannot be read.
std::vector<fs::path> regular_files(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
        std::error_code status_ec;
        const auto status = it->status(status_ec);
        POT_CHECK_KIND(Input, !status_ec || status.type() == fs::file_type::not_found, "data folder '",
                       dir.string(), "': cannot inspect '", it->path().string(), "': ",
                       status_ec.message());
        if (fs::is_regular_file(status)) files.push_back(it->path());
    }
    POT_CHECK_KIND(Input, !ec, "cannot read folder '", dir.string(), "': ", ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<fs::path> list_files(const fs::path& dir, const std::set<std::string>& extensions) {
    std::vector<fs::path> files;
    for (auto& f : regular_files(dir))
        if (extensions.count(lower(f.extension().string()))) files.push_back(std::move(f));
    return files;
}

// Names, sizes and modification times of `files`: changes whenever the data does.
std::string files_identity(const std::vector<fs::path>& files) {
    std::string out;
    for (const auto& f : files) {
        std::error_code ec;
        const auto size = fs::file_size(f, ec);
        const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
        out += f.string() + "|" + std::to_string(size) + "|" + std::to_string(time) + "\n";
    }
    return out;
}

// Files read whole into memory: an idx file (MNIST's largest is 47 MB) and an annotation file
// (a line per sample).
constexpr uint64_t kMaxIdxFileBytes = uint64_t{2} << 30;
constexpr uint64_t kMaxAnnotationBytes = uint64_t{256} << 20;

const std::set<std::string> kImageExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"};

std::string preprocessing_identity(const Preprocessing& p) {
    std::ostringstream out;
    out << "pre:" << p.layout << p.color;
    if (p.crop_fraction) out << ":f" << *p.crop_fraction;
    if (p.resize) out << ":r" << p.resize->first << "x" << p.resize->second;
    if (p.resize_shorter_side) out << ":rs" << *p.resize_shorter_side;
    if (p.resize_limit_multiple) out << ":rl" << p.resize_limit_multiple->first << "m" << p.resize_limit_multiple->second;
    if (p.crop) out << ":c" << p.crop->first << "x" << p.crop->second;
    for (float m : p.mean) out << ":m" << m;
    for (float s : p.scale) out << ":s" << s;
    return out.str();
}

// Model input geometry: channels, height, width and where channels sit.
struct InputGeometry {
    bool nhwc = false;
    int64_t channels = -1, height = -1, width = -1;
};

InputGeometry geometry_of(const ValueInfo& input, const std::string& layout) {
    POT_CHECK_KIND(Input, input.shape.size() == 4, "model input '", input.name, "' has shape ",
                   shape_str(input.shape), "; image data needs a 4-D input (", layout, ")");
    InputGeometry g;
    g.nhwc = layout == "NHWC";
    g.channels = g.nhwc ? input.shape[3] : input.shape[1];
    g.height = g.nhwc ? input.shape[1] : input.shape[2];
    g.width = g.nhwc ? input.shape[2] : input.shape[3];
    // Images are resized to the input: its size bounds the memory of every sample.
    POT_CHECK_KIND(Input, image_size_allowed(g.height, g.width), "model input '", input.name,
                   "' of shape ", shape_str(input.shape), " is larger than the images pot reads (",
                   kMaxImageSide, " pixels a side, ", kMaxImagePixels, " pixels in all)");
    return g;
}

std::vector<std::optional<Annotation>> labels_for(const std::vector<fs::path>& files,
                                               const std::optional<fs::path>& labels_file) {
    std::vector<std::optional<Annotation>> out(files.size());
    if (!labels_file) return out;
    const auto labels = read_annotations(*labels_file);
    for (size_t i = 0; i < files.size(); ++i) {
        auto it = labels.find(files[i].filename().string());
        POT_CHECK_KIND(Input, it != labels.end(), labels_file->string(), ": no label for '",
                       files[i].filename().string(), "'");
        out[i] = it->second;
    }
    return out;
}

// Applies mean/scale per channel and writes an HWC float image into a [1,C,H,W] or [1,H,W,C] tensor.
Tensor to_tensor(const cv::Mat& hwc_float, const Preprocessing& pre, bool nhwc, const std::string& origin) {
    const int channels = hwc_float.channels();
    const int h = hwc_float.rows, w = hwc_float.cols;
    auto per_channel = [&](const std::vector<float>& v, float fallback, const char* what) {
        std::vector<float> out(static_cast<size_t>(channels), fallback);
        if (v.empty()) return out;
        POT_CHECK_KIND(Config, v.size() == 1 || v.size() == static_cast<size_t>(channels),
                       "/engine/preprocessing/", what, ": has ", v.size(), " values but ", origin,
                       " has ", channels, " channels");
        for (int c = 0; c < channels; ++c) out[static_cast<size_t>(c)] = v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
        return out;
    };
    const auto mean = per_channel(pre.mean, 0.0f, "mean");
    const auto scale = per_channel(pre.scale, 1.0f, "scale");
    Tensor t(DType::F32, nhwc ? Shape{1, h, w, channels} : Shape{1, channels, h, w});
    float* dst = t.data<float>();
    for (int y = 0; y < h; ++y) {
        const float* row = hwc_float.ptr<float>(y);
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c) {
                const float v = (row[x * channels + c] - mean[static_cast<size_t>(c)]) / scale[static_cast<size_t>(c)];
                const size_t at = nhwc ? (static_cast<size_t>(y) * w + x) * channels + c
                                       : (static_cast<size_t>(c) * h + y) * w + x;
                dst[at] = v;
            }
    }
    return t;
}

cv::Mat resize_and_crop(cv::Mat img, const Preprocessing& pre, const InputGeometry& g) {
    if (pre.crop_fraction) {
        const int ch = std::max(1, static_cast<int>(std::lround(img.rows * *pre.crop_fraction)));
        const int cw = std::max(1, static_cast<int>(std::lround(img.cols * *pre.crop_fraction)));
        img = img(cv::Rect((img.cols - cw) / 2, (img.rows - ch) / 2, cw, ch)).clone();
    }
    if (pre.resize_shorter_side) {
        const double scale = static_cast<double>(*pre.resize_shorter_side) / std::min(img.rows, img.cols);
        const auto h = static_cast<int64_t>(std::lround(img.rows * scale));
        const auto w = static_cast<int64_t>(std::lround(img.cols * scale));
        // A long, thin image grows its long side with the short one.
        POT_CHECK_KIND(Input, image_size_allowed(h, w), "resizing the shorter side to ",
                       *pre.resize_shorter_side, " makes a ", img.rows, "x", img.cols, " image ", h, "x", w,
                       ", more than the ", kMaxImageSide, " pixels a side / ", kMaxImagePixels, " in all allowed");
        cv::resize(img, img, cv::Size(static_cast<int>(w), static_cast<int>(h)), 0, 0, cv::INTER_LINEAR);
    } else if (pre.resize_limit_multiple) {
        const int limit = pre.resize_limit_multiple->first, multiple = pre.resize_limit_multiple->second;
        const int longer = std::max(img.rows, img.cols);
        const double ratio = longer > limit ? static_cast<double>(limit) / longer : 1.0;
        const auto snap = [&](int side) {
            const int scaled = static_cast<int>(side * ratio);
            return std::max(32, scaled % multiple == 0 ? scaled : (scaled / multiple - 1) * multiple);
        };
        cv::resize(img, img, cv::Size(snap(img.cols), snap(img.rows)), 0, 0, cv::INTER_LINEAR);
    } else if (pre.resize) {
        cv::resize(img, img, cv::Size(pre.resize->second, pre.resize->first), 0, 0, cv::INTER_LINEAR);
    } else if (!pre.crop && g.height > 0 && g.width > 0 && (img.rows != g.height || img.cols != g.width)) {
        cv::resize(img, img, cv::Size(static_cast<int>(g.width), static_cast<int>(g.height)), 0, 0,
                   cv::INTER_LINEAR);
    }
    if (pre.crop) {
        const int ch = pre.crop->first, cw = pre.crop->second;
        POT_CHECK_KIND(Config, ch <= img.rows && cw <= img.cols, "/engine/preprocessing/crop: ",
                       ch, "x", cw, " is larger than the image (", img.rows, "x", img.cols, ")");
        img = img(cv::Rect((img.cols - cw) / 2, (img.rows - ch) / 2, cw, ch)).clone();
    }
    return img;
}

void check_spatial(const cv::Mat& img, const InputGeometry& g, const std::string& origin,
                   const ValueInfo& input) {
    POT_CHECK_KIND(Input, (g.height < 0 || img.rows == g.height) && (g.width < 0 || img.cols == g.width),
                   origin, ": preprocessed image is ", img.rows, "x", img.cols, " but model input '",
                   input.name, "' expects ", g.height, "x", g.width,
                   "; set /engine/preprocessing/resize or crop");
}

// The sample an 8-bit image becomes: resized and cropped to the input, checked, converted to
// float and laid out as the model input wants it. `origin` names the image in errors.
Sample image_sample(size_t index, cv::Mat img, const Preprocessing& pre, const InputGeometry& g,
                    const ValueInfo& input, const std::string& origin, std::optional<Annotation> annotation) {
    cv::Mat f;
    try {
        img = resize_and_crop(std::move(img), pre, g);
        check_spatial(img, g, origin, input);
        img.convertTo(f, CV_32F);
    } catch (const cv::Exception& e) {
        POT_THROW(Input, origin, ": OpenCV failed to preprocess the image: ", e.what());
    }
    Sample s;
    s.index = index;
    s.inputs.push_back(to_tensor(f, pre, g.nhwc, origin));
    s.annotation = std::move(annotation);
    return s;
}

// The color images are decoded in: the configured one, else what the input's channels ask for.
std::string checked_color(const Preprocessing& pre, const InputGeometry& g,
                          const ValueInfo& input) {
    const std::string color = pre.color.empty() ? (g.channels == 1 ? "GRAY" : "RGB") : pre.color;
    const int64_t want = color == "GRAY" ? 1 : 3;
    POT_CHECK_KIND(Config, g.channels < 0 || g.channels == want, "/engine/preprocessing/color: '",
                   color, "' gives ", want, " channels but model input '", input.name, "' has ",
                   g.channels);
    return color;
}

class ImageFolder final : public DataLoader {
public:
    ImageFolder(fs::path dir, std::vector<fs::path> files, Preprocessing pre, ValueInfo input,
                std::vector<std::optional<Annotation>> labels)
        : dir_(std::move(dir)), files_(std::move(files)), pre_(std::move(pre)), input_(std::move(input)),
          labels_(std::move(labels)), geometry_(geometry_of(input_, pre_.layout)) {
        pre_.color = checked_color(pre_, geometry_, input_);
    }
    size_t size() const override { return files_.size(); }
    std::string describe() const override {
        return str_cat(files_.size(), " images in ", dir_.string());
    }
    std::string identity() const override { return files_identity(files_) + preprocessing_identity(pre_); }
    Sample get(size_t index) const override {
        const fs::path& file = files_.at(index);
        cv::Mat img = decode_image(file, pre_.color == "GRAY");
        if (pre_.color == "RGB") {
            try {
                cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
            } catch (const cv::Exception& e) {
                POT_THROW(Input, file.string(), ": OpenCV failed to convert the image to RGB: ", e.what());
            }
        }
        return image_sample(index, std::move(img), pre_, geometry_, input_, file.string(), labels_[index]);
    }

private:
    fs::path dir_;
    std::vector<fs::path> files_;
    Preprocessing pre_;
    ValueInfo input_;
    std::vector<std::optional<Annotation>> labels_;
    InputGeometry geometry_;
};

// One sample of `input` read from a .npy file: converted to the input's type, given its batch
// dimension of 1 when stored without it, and checked against the input's shape.
Tensor npy_sample(const fs::path& file, const ValueInfo& input) {
    Tensor t = read_npy(file);
    // Numbers convert between types; truth values are no numbers (nor the other way round).
    POT_CHECK_KIND(Input, (t.dtype() == DType::Bool) == (input.dtype == DType::Bool), file.string(),
                   ": holds ", dtype_name(t.dtype()), " values, model input '", input.name, "' takes ",
                   dtype_name(input.dtype));
    if (t.dtype() != input.dtype) t = t.cast(input.dtype);
    if (t.rank() + 1 == static_cast<int64_t>(input.shape.size())) {
        Shape s{1};
        s.insert(s.end(), t.shape().begin(), t.shape().end());
        t = t.reshaped(s);
    }
    bool fits = t.rank() == static_cast<int64_t>(input.shape.size()) && t.dim(0) == 1;
    for (size_t i = 1; fits && i < input.shape.size(); ++i)
        fits = input.shape[i] < 0 || input.shape[i] == t.shape()[i];
    POT_CHECK_KIND(Input, fits, file.string(), ": tensor of shape ", shape_str(t.shape()),
                   " does not fit model input '", input.name, "' of shape ", shape_str(input.shape));
    return t;
}

// Samples as .npy files. One input: the files of one folder. Several inputs: one folder per
// input, named after it, holding the same file names (sample i is file i of each folder).
class NpyFolder final : public DataLoader {
public:
    NpyFolder(fs::path dir, std::vector<std::vector<fs::path>> files, std::vector<ValueInfo> inputs,
              std::vector<std::optional<Annotation>> labels)
        : dir_(std::move(dir)), files_(std::move(files)), inputs_(std::move(inputs)), labels_(std::move(labels)) {}
    size_t size() const override { return files_.front().size(); }
    std::string describe() const override {
        return inputs_.size() == 1 ? str_cat(size(), " .npy tensors in ", dir_.string())
                                   : str_cat(size(), " samples of ", inputs_.size(), " .npy tensors in ",
                                             dir_.string(), "/<input name>/");
    }
    std::string identity() const override {
        std::string out;
        for (const auto& f : files_) out += files_identity(f);
        return out;
    }
    Sample get(size_t index) const override {
        Sample s;
        s.index = index;
        for (size_t i = 0; i < inputs_.size(); ++i) s.inputs.push_back(npy_sample(files_[i].at(index), inputs_[i]));
        s.annotation = labels_[index];
        return s;
    }

private:
    fs::path dir_;
    std::vector<std::vector<fs::path>> files_;  // per input
    std::vector<ValueInfo> inputs_;
    std::vector<std::optional<Annotation>> labels_;
};

uint32_t read_be32(const std::string& bytes, size_t at) {
    return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

class IdxImages final : public DataLoader {
public:
    // `origin` and `labels_origin` name the images and the labels in messages.
    IdxImages(std::string bytes, const std::string& origin,
              const std::optional<std::string>& labels, const std::string& labels_origin,
              const Preprocessing& pre, ValueInfo input)
        : file_(origin), pre_(pre), input_(std::move(input)), bytes_(std::move(bytes)) {
        POT_CHECK_KIND(Input, bytes_.size() >= 16 && read_be32(bytes_, 0) == 2051, file_.string(),
                       ": not an idx3-ubyte image file (magic 2051 expected)");
        count_ = read_be32(bytes_, 4);
        rows_ = read_be32(bytes_, 8);
        cols_ = read_be32(bytes_, 12);
        POT_CHECK_KIND(Input, rows_ > 0 && cols_ > 0 && image_size_allowed(rows_, cols_), file_.string(),
                       ": images of ", rows_, "x", cols_, " pixels; expected 1 to ", kMaxImageSide,
                       " pixels a side and at most ", kMaxImagePixels, " pixels in all");
        // Divided rather than multiplied: the count comes from the file and may be anything.
        const uint64_t image_bytes = uint64_t{rows_} * cols_;
        POT_CHECK_KIND(Input, count_ <= (bytes_.size() - 16) / image_bytes, file_.string(),
                       ": truncated: header says ", count_, " images of ", rows_, "x", cols_, " but the file holds ",
                       bytes_.size() - 16, " bytes of pixels");
        POT_CHECK_KIND(Input, count_ > 0, file_.string(), ": holds no images");
        if (labels) {
            POT_CHECK_KIND(Input, labels->size() >= 8 && read_be32(*labels, 0) == 2049,
                           labels_origin, ": not an idx1-ubyte label file (magic 2049 expected)");
            POT_CHECK_KIND(Input, read_be32(*labels, 4) == count_ && labels->size() - 8 >= count_,
                           labels_origin, ": has ", read_be32(*labels, 4), " labels for ", count_,
                           " images in ", file_.string());
            labels_.assign(labels->begin() + 8, labels->begin() + 8 + count_);
        }
        geometry_ = geometry_of(input_, pre_.layout);
        POT_CHECK_KIND(Input, geometry_.channels < 0 || geometry_.channels == 1, "model input '",
                       input_.name, "' has ", geometry_.channels, " channels; idx images have 1");
    }
    size_t size() const override { return count_; }
    std::string describe() const override { return str_cat(count_, " idx images in ", file_.string()); }
    std::string identity() const override { return files_identity({file_}) + preprocessing_identity(pre_); }
    Sample get(size_t index) const override {
        POT_CHECK(index < count_, "sample ", index, " is out of range (", count_, " images)");
        const auto* pixels = reinterpret_cast<const uint8_t*>(bytes_.data() + 16 + index * rows_ * cols_);
        const cv::Mat img(static_cast<int>(rows_), static_cast<int>(cols_), CV_8UC1, const_cast<uint8_t*>(pixels));
        std::optional<Annotation> label;
        if (!labels_.empty()) label = Annotation::of_class(static_cast<uint8_t>(labels_[index]));
        return image_sample(index, img.clone(), pre_, geometry_, input_,
                            str_cat(file_.string(), " image ", index), label);
    }

private:
    fs::path file_;
    Preprocessing pre_;
    ValueInfo input_;
    std::string bytes_;
    std::string labels_;
    uint32_t count_ = 0, rows_ = 0, cols_ = 0;
    InputGeometry geometry_;
};

bool is_idx_images(const fs::path& p) {
    return p.filename().string().find("idx3-ubyte") != std::string::npos;
}

}  // namespace

std::map<std::string, int64_t> read_labels(const fs::path& file) {
    return parse_labels(read_file_bounded(file, kMaxAnnotationBytes, "annotation file"), file.string());
}

std::map<std::string, Annotation> read_annotations(const fs::path& file) {
    return parse_annotations(read_file_bounded(file, kMaxAnnotationBytes, "annotation file"), file.string());
}

std::map<std::string, Annotation> parse_annotations(const std::string& text, const std::string& origin) {
    std::map<std::string, Annotation> out;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{') {
        for (const auto& [name, index] : parse_labels(text, origin)) out.emplace(name, Annotation::of_class(index));
        return out;
    }
    const auto json = parse_json(text, "annotation file '" + origin + "'", ErrorKind::Input);
    for (const auto& [name, value] : json.items()) {
        if (value.is_number_integer())
            out.emplace(name, Annotation::of_class(value.get<int64_t>()));
        else if (value.is_string())
            out.emplace(name, Annotation::of_text(value.get<std::string>()));
        else
            out.emplace(name, Annotation::of_json(value.dump()));
    }
    POT_CHECK_KIND(Input, !out.empty(), "annotation file '", origin, "' annotates no sample");
    return out;
}

std::map<std::string, int64_t> parse_labels(const std::string& text, const std::string& origin) {
    std::istringstream in(text);
    std::map<std::string, int64_t> labels;
    std::string line;
    for (size_t number = 1; std::getline(in, line); ++number) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        std::string name, label, extra;
        if (!(fields >> name)) continue;
        POT_CHECK_KIND(Input, static_cast<bool>(fields >> label) && !(fields >> extra), origin, ":",
                       number, ": expected '<file name> <class index>'");
        try {
            size_t used = 0;
            labels[name] = std::stoll(label, &used);
            POT_CHECK_KIND(Input, used == label.size(), origin, ":", number, ": bad class index '",
                           label, "'");
        } catch (const std::logic_error&) {
            POT_THROW(Input, origin, ":", number, ": bad class index '", label, "'");
        }
    }
    POT_CHECK_KIND(Input, !labels.empty(), "annotation file '", origin, "' has no labels");
    return labels;
}

std::unique_ptr<DataLoader> open_image_folder(const fs::path& dir, const Preprocessing& pre,
                                              const ValueInfo& input,
                                              const std::optional<fs::path>& labels) {
    auto files = list_files(dir, kImageExtensions);
    POT_CHECK_KIND(Input, !files.empty(), "data folder '", dir.string(), "' has no images");
    auto l = labels_for(files, labels);
    return std::make_unique<ImageFolder>(dir, std::move(files), pre, input, std::move(l));
}

std::unique_ptr<DataLoader> open_npy_folder(const fs::path& dir, const ValueInfo& input,
                                            const std::optional<fs::path>& labels) {
    auto files = list_files(dir, {".npy"});
    POT_CHECK_KIND(Input, !files.empty(), "data folder '", dir.string(), "' has no .npy files");
    auto l = labels_for(files, labels);
    return std::make_unique<NpyFolder>(dir, std::vector<std::vector<fs::path>>{std::move(files)},
                                       std::vector<ValueInfo>{input}, std::move(l));
}

std::unique_ptr<DataLoader> open_npy_input_folders(const fs::path& dir, const std::vector<ValueInfo>& inputs,
                                                   const std::optional<fs::path>& labels) {
    std::vector<std::vector<fs::path>> files;
    std::vector<std::string> names;
    for (const auto& in : inputs) {
        const fs::path sub = dir / in.name;
        std::error_code ec;
        POT_CHECK_KIND(Input, in.name.find('/') == std::string::npos && in.name != "." && in.name != ".." &&
                                  fs::is_directory(sub, ec),
                       "data folder '", dir.string(), "' has no folder '", in.name, "' for model input '",
                       in.name, "': a model with several inputs reads one folder of .npy files per input, "
                       "named after the input");
        files.push_back(list_files(sub, {".npy"}));
        POT_CHECK_KIND(Input, !files.back().empty(), "data folder '", sub.string(), "' has no .npy files");
        std::vector<std::string> these;
        for (const auto& f : files.back()) these.push_back(f.filename().string());
        if (names.empty()) {
            names = std::move(these);
            continue;
        }
        POT_CHECK_KIND(Input, these == names, "data folders '", (dir / inputs.front().name).string(), "' and '",
                       sub.string(), "' hold different .npy file names; sample i is file i of every folder, "
                       "so they must match");
    }
    auto l = labels_for(files.front(), labels);
    return std::make_unique<NpyFolder>(dir, std::move(files), inputs, std::move(l));
}

std::unique_ptr<DataLoader> open_idx(const fs::path& images, const Preprocessing& pre,
                                     const ValueInfo& input, const std::optional<fs::path>& labels) {
    std::optional<fs::path> label_file = labels;
    if (!label_file) {
        // Conventional names: the images file with idx3 -> idx1 and "images" -> "labels".
        auto name = images.filename().string();
        if (auto at = name.find("idx3"); at != std::string::npos) name.replace(at, 4, "idx1");
        if (auto at = name.find("images"); at != std::string::npos) name.replace(at, 6, "labels");
        const auto candidate = images.parent_path() / name;
        // A link loop or unreadable file there is reported when it is read, not ignored.
        std::error_code ec;
        if (candidate != images && fs::exists(fs::symlink_status(candidate, ec))) label_file = candidate;
    }
    std::string image_bytes = read_file_bounded(images, kMaxIdxFileBytes, "idx image file");
    std::optional<std::string> label_bytes;
    if (label_file) label_bytes = read_file_bounded(*label_file, kMaxIdxFileBytes, "idx label file");
    return parse_idx(std::move(image_bytes), images.string(), label_bytes,
                     label_file ? label_file->string() : std::string(), pre, input);
}

std::unique_ptr<DataLoader> parse_idx(std::string images, const std::string& origin,
                                      const std::optional<std::string>& labels,
                                      const std::string& labels_origin, const Preprocessing& pre,
                                      const ValueInfo& input) {
    return std::make_unique<IdxImages>(std::move(images), origin, labels, labels_origin, pre,
                                       input);
}

Sample decode_image_sample(const std::string& bytes, const Preprocessing& pre,
                           const ValueInfo& input, const std::string& origin) {
    const InputGeometry geometry = geometry_of(input, pre.layout);
    const std::string color = checked_color(pre, geometry, input);
    cv::Mat img = decode_image_bytes(bytes, color == "GRAY", origin);
    if (color == "RGB") {
        try {
            cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
        } catch (const cv::Exception& e) {
            POT_THROW(Input, origin, ": OpenCV failed to convert the image to RGB: ", e.what());
        }
    }
    Preprocessing resolved = pre;
    resolved.color = color;
    return image_sample(0, std::move(img), resolved, geometry, input, origin, std::nullopt);
}

namespace {

// Class-index annotations shifted by a fixed offset (EngineConfig::label_offset).
class LabelOffset final : public DataLoader {
public:
    LabelOffset(std::unique_ptr<DataLoader> data, int64_t offset) : data_(std::move(data)), offset_(offset) {}
    size_t size() const override { return data_->size(); }
    Sample get(size_t index) const override {
        Sample s = data_->get(index);
        if (s.annotation && s.annotation->kind == Annotation::Kind::ClassIndex) s.annotation->class_index += offset_;
        return s;
    }
    std::string describe() const override { return str_cat(data_->describe(), ", labels + ", offset_); }
    std::string identity() const override { return data_->identity(); }

private:
    std::unique_ptr<DataLoader> data_;
    int64_t offset_;
};

std::unique_ptr<DataLoader> with_label_offset(std::unique_ptr<DataLoader> data, int64_t offset) {
    if (offset == 0) return data;
    return std::make_unique<LabelOffset>(std::move(data), offset);
}

std::unique_ptr<DataLoader> open_source(const EngineConfig& config, const ValueInfo& input);

}  // namespace

bool is_file_pattern(const fs::path& path) {
    return path.filename().string().find_first_of("*?[") != std::string::npos;
}

std::unique_ptr<DataLoader> open_dataset(const EngineConfig& config, const ValueInfo& input) {
    if (config.annotation_data) return open_annotation_dataset(config, {input});
    check_input_bindings(config.input_bindings, {input});
    return with_label_offset(open_source(config, input), config.label_offset);
}

std::unique_ptr<DataLoader> open_dataset(const EngineConfig& config, const std::vector<ValueInfo>& inputs) {
    POT_CHECK_KIND(Input, !inputs.empty(), "the model has no inputs to feed");
    // Accuracy Checker data made from annotations feed any number of inputs by the launcher's
    // input entries.
    if (config.annotation_data) return open_annotation_dataset(config, inputs);
    if (inputs.size() == 1) return open_dataset(config, inputs.front());
    std::error_code ec;
    POT_CHECK_KIND(Input, fs::is_directory(config.data_source, ec), "data_source '",
                   config.data_source.string(), "': a model with ", inputs.size(), " inputs reads a folder "
                   "holding one folder of .npy files per input, named after the input");
    return with_label_offset(open_npy_input_folders(config.data_source, inputs, config.annotation),
                             config.label_offset);
}

namespace {

// Why a numpy_reader dataset (EngineConfig::arrays_only) found no arrays at `source`.
std::string arrays_missing(const fs::path& source, const char* why) {
    return str_cat("data_source '", source.string(), "': the dataset's reader (numpy_reader) reads a folder of "
                   ".npy files and ", why);
}

// POT's simplified engine takes data_source as a folder or a file-name pattern in one
// (calib/*.png): the images (or .npy files) of the folder whose names match, in name order.
std::unique_ptr<DataLoader> open_pattern(const EngineConfig& config, const ValueInfo& input) {
    const fs::path dir = config.data_source.parent_path();
    const std::string pattern = config.data_source.filename().string();
    std::error_code ec;
    POT_CHECK_KIND(Input, fs::is_directory(dir, ec), "data_source '", config.data_source.string(), "': the folder '",
                   dir.string(), "' of the file-name pattern does not exist");
    std::vector<fs::path> images, npy;
    for (const auto& file : regular_files(dir)) {
        if (fnmatch(pattern.c_str(), file.filename().c_str(), 0) != 0) continue;
        const auto ext = lower(file.extension().string());
        if (kImageExtensions.count(ext)) images.push_back(file);
        if (ext == ".npy") npy.push_back(file);
    }
    POT_CHECK_KIND(Input, !images.empty() || !npy.empty(), "data_source '", config.data_source.string(),
                   "': no image or .npy file of '", dir.string(), "' matches '", pattern, "'");
    if (config.arrays_only) images.clear();
    POT_CHECK_KIND(Input, !npy.empty() || !config.arrays_only, arrays_missing(config.data_source, "none matches"));
    POT_CHECK_KIND(Input, images.empty() || npy.empty(), "data_source '", config.data_source.string(),
                   "' matches both images and .npy files; make the pattern pick one kind");
    if (!npy.empty()) {
        auto l = labels_for(npy, config.annotation);
        return std::make_unique<NpyFolder>(dir, std::vector<std::vector<fs::path>>{std::move(npy)},
                                           std::vector<ValueInfo>{input}, std::move(l));
    }
    auto l = labels_for(images, config.annotation);
    return std::make_unique<ImageFolder>(dir, std::move(images), config.preprocessing, input, std::move(l));
}

std::unique_ptr<DataLoader> open_source(const EngineConfig& config, const ValueInfo& input) {
    const fs::path& source = config.data_source;
    std::error_code ec;
    if (is_file_pattern(source) && !fs::exists(source, ec)) return open_pattern(config, input);
    const auto status = fs::status(source, ec);
    POT_CHECK_KIND(Input, fs::exists(status), "data_source '", source.string(), "' ",
                   status.type() == fs::file_type::not_found ? "does not exist" : "cannot be inspected: " + ec.message());
    if (fs::is_regular_file(status)) {
        POT_CHECK_KIND(Input, !config.arrays_only, arrays_missing(source, "it is a file, not a folder"));
        POT_CHECK_KIND(Input, is_idx_images(source), "data_source '", source.string(),
                       "' is a file but not an idx3-ubyte image file; give a folder of images or .npy files");
        return open_idx(source, config.preprocessing, input, config.annotation);
    }
    POT_CHECK_KIND(Input, fs::is_directory(status), "data_source '", source.string(),
                   "' is neither a file nor a folder");
    std::vector<fs::path> idx;
    size_t images = 0, npy = 0;
    for (const auto& file : regular_files(source)) {
        const auto ext = lower(file.extension().string());
        if (is_idx_images(file)) idx.push_back(file);
        else if (ext == ".npy") ++npy;
        else if (kImageExtensions.count(ext)) ++images;
    }
    POT_CHECK_KIND(Input, !config.arrays_only || npy > 0, arrays_missing(source, "the folder has none"));
    if (npy > 0 && (images == 0 || config.arrays_only)) return open_npy_folder(source, input, config.annotation);
    if (images > 0) return open_image_folder(source, config.preprocessing, input, config.annotation);
    if (idx.size() == 1) return open_idx(idx.front(), config.preprocessing, input, config.annotation);
    POT_CHECK_KIND(Input, idx.empty(), "data folder '", source.string(), "' holds ", idx.size(),
                   " idx image files; name one in /engine/data_source");
    POT_THROW(Input, "data folder '", source.string(), "' is empty: no images, .npy or idx files");
}

}  // namespace

}  // namespace pot::core
