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

int run_list_plugins(const std::optional<std::filesystem::path>& plugins) {
    core::Registry registry;
    const auto dir = plugins.value_or(default_plugin_dir());
    const auto skipped = registry.load_directory(dir);
    std::cout << "Plugins in " << dir.string() << ":\n";
    std::cout << std::left << std::setw(10) << "KIND" << std::setw(28) << "NAME" << std::setw(9)
              << "VERSION" << "LIBRARY / DESCRIPTION\n";
    for (const auto& e : registry.entries()) {
        std::cout << std::left << std::setw(10) << core::kind_name(e.kind) << std::setw(28) << e.name
                  << std::setw(9) << e.version << e.file.string() << "\n"
                  << std::setw(47) << "" << e.description << "\n";
    }
    for (const auto& s : skipped) std::cout << "skipped " << s.file.string() << ": " << s.reason << "\n";
    return 0;
}

}  // namespace pot::app
