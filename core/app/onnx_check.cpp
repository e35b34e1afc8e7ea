// pot-onnx-check: runs the ONNX checker and shape inference on the serialized ModelProto given
// on standard input and writes the report of pot::core::model_io::check_and_infer_report() to
// standard output. pot_core starts it for every model it loads, so that the ONNX library, which
// crashes or hangs on some malformed files, runs in a process of its own.
#include <unistd.h>

#include <cerrno>
#include <string>

#include <onnx/onnx_pb.h>

#include "model_io/onnx_validation.hpp"

namespace {

bool read_stdin(std::string& bytes) {
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        bytes.append(buffer, static_cast<size_t>(n));
    }
}

bool write_stdout(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

int run() {
    std::string bytes;
    if (!read_stdin(bytes)) return 3;
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) return 4;
    return write_stdout(pot::core::model_io::check_and_infer_report(model)) ? 0 : 5;
}

}  // namespace

// _exit: the report is written, and nothing at exit (a leak checker's report in a sanitizer build)
// may change the status the caller reads.
int main() { ::_exit(run()); }
