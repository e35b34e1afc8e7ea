#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "pot/core/failure_context.hpp"
#include "pot/abi.h"
#include "pot/error.hpp"

namespace {
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int exit_code_of(pot::ErrorKind kind) {
    return kind == pot::ErrorKind::Usage || kind == pot::ErrorKind::Config ? kExitUsage : kExitFailure;
}
}  // namespace

int main(int argc, char** argv) {
    try {
        const auto request = pot::app::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
        switch (request.command) {
            case pot::app::Command::Help:
                std::cout << request.help_text;
                return 0;
            case pot::app::Command::Version:
                std::cout << "pot-host " << POT_VERSION << " (plugin ABI " << POT_ABI_MAJOR << "."
                          << POT_ABI_MINOR << ", " << POT_TOOLCHAIN_TAG << ")\n";
                return 0;
            case pot::app::Command::ListPlugins:
                return pot::app::run_list_plugins(request.plugins);
            case pot::app::Command::Benchmark:
                return pot::app::run_benchmark(request.benchmark);
            case pot::app::Command::Quantize:
                return pot::app::run_quantize(request.quantize);
        }
    } catch (...) {
        const auto failure = pot::core::describe_current_exception();
        std::cerr << "error: " << failure.message << std::endl;
        return exit_code_of(failure.kind);
    }
    return kExitFailure;
}
