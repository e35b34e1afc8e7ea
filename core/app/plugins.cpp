#include <iomanip>
#include <iostream>

#include <boost/dll/runtime_symbol_info.hpp>

#include "commands.hpp"
#include "pot/core/quantization_job.hpp"
#include "pot/core/registry.hpp"

namespace pot::app {

std::filesystem::path default_plugin_dir() {
    const std::filesystem::path exe = boost::dll::program_location().string();
    return (exe.parent_path() / ".." / POT_PLUGIN_RELATIVE_DIR).lexically_normal();
}

std::vector<std::string> load_plugins(core::Registry& registry,
                                      const std::vector<std::filesystem::path>& folders) {
    std::vector<std::string> skipped;
    for (const auto& s : core::load_plugin_dirs(registry, plugin_dirs(folders))) skipped.push_back(s.reason);
    return skipped;
}

std::vector<std::filesystem::path> plugin_dirs(const std::vector<std::filesystem::path>& folders) {
    return folders.empty() ? std::vector<std::filesystem::path>{default_plugin_dir()} : folders;
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
