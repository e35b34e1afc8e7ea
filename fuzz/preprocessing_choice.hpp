#pragma once

// The model input and preprocessing an image or idx fuzz input is read for, chosen by its first
// byte so that one corpus covers every layout, color and resize/crop path:
//   bits 0-1  input shape: [1,1,8,8], [1,3,8,8], [1,1,?,?], [1,3,?,?] (channels last with NHWC)
//   bit  2    layout NHWC
//   bit  3    resize to 6x6
//   bit  4    center crop 4x4
//   bits 5-6  color: from the model, RGB, BGR, GRAY
//   bit  7    mean 0.5 and scale 255
// Every choice is one a valid config can make.

#include <cstdint>
#include <utility>

#include "pot/core/config.hpp"
#include "pot/graph.hpp"

namespace pot::fuzz {

struct PreprocessingChoice {
    ValueInfo input;
    core::Preprocessing pre;
};

inline PreprocessingChoice preprocessing_choice(uint8_t flags) {
    PreprocessingChoice c;
    const int64_t channels = (flags & 1) ? 3 : 1;
    const int64_t side = (flags & 2) ? -1 : 8;
    c.pre.layout = (flags & 4) ? "NHWC" : "NCHW";
    c.input.name = "input";
    c.input.shape = c.pre.layout == "NHWC" ? Shape{1, side, side, channels}
                                           : Shape{1, channels, side, side};
    if (flags & 8) c.pre.resize = std::make_pair(6, 6);
    if (flags & 16) c.pre.crop = std::make_pair(4, 4);
    const char* colors[] = {"", "RGB", "BGR", "GRAY"};
    c.pre.color = colors[(flags >> 5) & 3];
    if (flags & 128) {
        c.pre.mean = {0.5f};
        c.pre.scale = {255.0f};
    }
    return c;
}

}  // namespace pot::fuzz
