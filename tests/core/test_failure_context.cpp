#include "pot/core/failure_context.hpp"

#include <filesystem>
#include <new>
#include <stdexcept>
#include <system_error>

#include <gtest/gtest.h>

namespace {

using pot::core::describe_current_exception;
using pot::core::FailureReport;
using pot::core::StageScope;

template <typename F>
FailureReport report_of(F&& f) {
    try {
        f();
    } catch (...) {
        return describe_current_exception();
    }
    ADD_FAILURE() << "expected an exception";
    return {};
}

void load_model() {
    const StageScope stage("loading model 'net.onnx'");
    throw std::bad_alloc();
}

TEST(FailureContext, OutOfMemoryNamesTheStageItHappenedIn) {
    const auto r = report_of([] {
        const StageScope job("quantizing 'net'");
        load_model();
    });
    EXPECT_EQ(r.kind, pot::ErrorKind::Runtime);
    EXPECT_EQ(r.message, "out of memory while quantizing 'net', loading model 'net.onnx'");
}

TEST(FailureContext, OutOfMemoryOutsideAnyStageSaysSoPlainly) {
    EXPECT_EQ(report_of([] { throw std::bad_alloc(); }).message, "out of memory");
}

TEST(FailureContext, AFailureCaughtEarlierDoesNotNameTheNextOne) {
    try {
        load_model();
    } catch (const std::bad_alloc&) {
    }
    const auto r = report_of([] {
        const StageScope stage("saving 'net.onnx'");
        throw std::bad_alloc();
    });
    EXPECT_EQ(r.message, "out of memory while saving 'net.onnx'");
}

TEST(FailureContext, FilesystemErrorNamesBothPaths) {
    const auto r = report_of([] {
        const StageScope stage("writing the results");
        throw std::filesystem::filesystem_error(
            "cannot rename", "/out/a", "/out/b",
            std::make_error_code(std::errc::no_space_on_device));
    });
    EXPECT_NE(r.message.find("'/out/a' and '/out/b'"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("No space left on device"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("while writing the results"), std::string::npos) << r.message;
}

TEST(FailureContext, PotErrorKeepsItsMessageAndKind) {
    const auto r = report_of([] {
        const StageScope stage("reading the config");
        POT_THROW(Config, "/model/model_name: required");
    });
    EXPECT_EQ(r.kind, pot::ErrorKind::Config);
    EXPECT_EQ(r.message, "/model/model_name: required");
}

TEST(FailureContext, OtherExceptionsGetTheStageAppended) {
    const auto r = report_of([] {
        const StageScope stage("applying MinMaxQuantization (/compression/algorithms/0)");
        throw std::out_of_range("key 'axis' not found");
    });
    EXPECT_EQ(r.message,
              "key 'axis' not found while applying MinMaxQuantization (/compression/algorithms/0)");
}

TEST(FailureContext, StagesNestOutermostFirstAndCloseWithTheirScope) {
    {
        const StageScope outer("a");
        {
            const StageScope inner("b");
            EXPECT_EQ(pot::core::current_stage(), "a, b");
        }
        EXPECT_EQ(pot::core::current_stage(), "a");
    }
    EXPECT_EQ(pot::core::current_stage(), "");
}

TEST(FailureContext, ProgressNamesTheSampleBeingProcessed) {
    pot::core::StageProgress progress(nullptr);
    const auto r = report_of([&] {
        const StageScope stage("collecting statistics");
        progress.start("statistics", 300);
        progress.advance(12);
        throw std::bad_alloc();
    });
    EXPECT_EQ(r.message, "out of memory while collecting statistics, statistics: sample 13 of 300");
}

}  // namespace
