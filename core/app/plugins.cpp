#include <iomanip>
#include <iostream>

#include <boost/dll/runtime_symbol_info.hpp>

#include "commands.hpp"
#include "pot/core/registry.hpp"

namespace pot::app {

std::filesystem::path default_plugin_dir() {
    const std::filesystem::path exe = boost::dll::program_location().string();
    return (exe.parent_path() / ".." / POT_PLUGIN_RELATIVE_DIR).lexically_normal();
}

std::vector<std::string> load_plugins(core::Registry& registry,
                                      const std::vector<std::filesystem::path>& folders) {
    std::vector<std::string> skipped;
    const auto dirs = folders.empty() ? std::vector<std::filesystem::path>{default_plugin_dir()} : folders;
    for (const auto& dir : dirs)
        for (const auto& s : registry.load_directory(dir)) skipped.push_back(s.reason);
    return skipped;
}

int run_list_plugins(const std::vector<std::filesystem::path>& plugins) {
    core::Registry registry;
    const auto skipped = load_plugins(registry, plugins);
    std::cout << std::left << std::setw(10) << "KIND" << std::setw(28) << "NAME" << std::setw(9)
              << "VERSION" << "LIBRARY / DESCRIPTION\n";
    for (const auto& e : registry.entries()) {
        std::cout << std::left << std::setw(10) << core::kind_name(e.kind) << std::setw(28) << e.name
                  << std::setw(9) << e.version << e.file.string() << "\n"
                  << std::setw(47) << "" << e.description << "\n";
    }
    for (const auto& s : skipped) std::cout << "skipped: " << s << "\n";
    return 0;
}

}  // namespace pot::app
