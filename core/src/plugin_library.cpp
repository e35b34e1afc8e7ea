#include "pot/core/plugin_library.hpp"

#include <cstring>
#include <set>

#include "pot/error.hpp"

namespace pot::core {

const char* kind_name(PotKind kind) {
    switch (kind) {
        case POT_KIND_ALGORITHM: return "algorithm";
        case POT_KIND_OPTIMIZER: return "optimizer";
        case POT_KIND_ENGINE: return "engine";
    }
    return "unknown";
}

namespace {
// Size of the record as of ABI 1.0; later minors only append fields.
constexpr uint32_t kInfoSizeV1_0 = sizeof(PotPluginInfo);

std::string copy_string(const char* s) { return s ? std::string(s) : std::string(); }
}  // namespace

std::shared_ptr<const PluginLibrary> PluginLibrary::load(const std::filesystem::path& file) {
    const std::string where = file.string();
    std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
    lib->file_ = file;
    boost::dll::fs::error_code ec;
    lib->library_.load(boost::dll::fs::path(file.string()), boost::dll::load_mode::rtld_now, ec);
    POT_CHECK_KIND(Input, !ec, where, ": cannot load shared library: ", ec.message());
    POT_CHECK_KIND(Input, lib->library_.has(POT_PLUGIN_ENTRY), where, ": no '", POT_PLUGIN_ENTRY,
                   "' symbol; not a pot plugin");

    const PotPluginInfo* info = nullptr;
    try {
        info = lib->library_.get_alias<const PotPluginInfo*()>(POT_PLUGIN_ENTRY)();
    } catch (const std::exception& e) {
        POT_THROW(Input, where, ": '", POT_PLUGIN_ENTRY, "' failed: ", e.what());
    }
    POT_CHECK_KIND(Input, info != nullptr, where, ": '", POT_PLUGIN_ENTRY, "' returned no record");
    POT_CHECK_KIND(Input, info->abi_major == POT_ABI_MAJOR, where, " speaks plugin ABI ",
                   info->abi_major, ".x; pot-host speaks ", POT_ABI_MAJOR, ".x; rebuild it against this SDK");
    POT_CHECK_KIND(Input, info->abi_minor <= POT_ABI_MINOR, where, " needs plugin ABI ",
                   info->abi_major, ".", info->abi_minor, "; pot-host provides ", POT_ABI_MAJOR, ".",
                   POT_ABI_MINOR, "; update pot-host");
    POT_CHECK_KIND(Input, info->struct_size >= kInfoSizeV1_0, where, ": plugin record has ",
                   info->struct_size, " bytes, expected at least ", kInfoSizeV1_0);
    POT_CHECK_KIND(Input, info->toolchain && std::strcmp(info->toolchain, POT_TOOLCHAIN_TAG) == 0,
                   where, " was built with C++ runtime '", copy_string(info->toolchain),
                   "'; pot-host uses '", POT_TOOLCHAIN_TAG, "'; rebuild it with a compatible toolchain");
    POT_CHECK_KIND(Input, info->factory_count == 0 || info->factories, where,
                   ": plugin record lists factories but no table");
    lib->plugin_name_ = copy_string(info->plugin_name);
    lib->version_ = copy_string(info->plugin_version);
    POT_CHECK_KIND(Input, !lib->plugin_name_.empty(), where, ": plugin has no name");

    std::set<std::string> names;
    for (uint32_t i = 0; i < info->factory_count; ++i) {
        const PotFactory& f = info->factories[i];
        FactoryInfo factory;
        factory.name = copy_string(f.name);
        factory.description = copy_string(f.description);
        POT_CHECK_KIND(Input, !factory.name.empty(), where, ": factory ", i, " has no name");
        POT_CHECK_KIND(Input, f.create && f.destroy, where, ": factory '", factory.name,
                       "' lacks create or destroy");
        POT_CHECK_KIND(Input, f.kind >= POT_KIND_ALGORITHM && f.kind <= POT_KIND_ENGINE, where,
                       ": factory '", factory.name, "' has unknown kind ", f.kind);
        POT_CHECK_KIND(Input, names.insert(factory.name + "/" + std::to_string(f.kind)).second,
                       where, ": factory '", factory.name, "' is listed twice");
        factory.kind = static_cast<PotKind>(f.kind);
        factory.create = f.create;
        factory.destroy = f.destroy;
        lib->factories_.push_back(std::move(factory));
    }
    return lib;
}

}  // namespace pot::core
