#include "pot/core/plugin_library.hpp"

#include <cstring>
#include <fstream>
#include <set>
#include <vector>

#include <elf.h>
#include <link.h>

#include "pot/error.hpp"

namespace pot::core {

const char* kind_name(PotKind kind) {
    switch (kind) {
        case POT_KIND_ALGORITHM: return "algorithm";
        case POT_KIND_OPTIMIZER: return "optimizer";
        case POT_KIND_ENGINE: return "engine";
        case POT_KIND_METRIC: return "metric";
    }
    return "unknown";
}

namespace {
// Records shorter than ABI 2.0's are refused. Fixed, not sizeof(): the record of a later minor is
// longer, and a plugin built against 2.0 must still load.
constexpr uint32_t kInfoSizeV2_0 = POT_PLUGIN_INFO_SIZE_2_0;
#if defined(__LP64__)
static_assert(sizeof(PotPluginInfo) >= kInfoSizeV2_0, "PotPluginInfo lost a field of ABI 2.0");
#endif

std::string copy_string(const char* s) { return s ? std::string(s) : std::string(); }

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr uint16_t kHostMachine = EM_386;
#elif defined(__arm__)
constexpr uint16_t kHostMachine = EM_ARM;
#elif defined(__powerpc64__)
constexpr uint16_t kHostMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr uint16_t kHostMachine = EM_S390;
#elif defined(__riscv)
constexpr uint16_t kHostMachine = EM_RISCV;
#else
constexpr uint16_t kHostMachine = EM_NONE;  // unknown here: not checked
#endif
constexpr unsigned char kHostClass = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;
constexpr unsigned char kHostData =
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;

// True when [offset, offset + size) lies within a file of `file_size` bytes.
bool within(uint64_t offset, uint64_t size, uint64_t file_size) {
    return offset <= file_size && size <= file_size - offset;
}

// The dynamic loader maps every segment straight from the file: a segment reaching past the end
// of a truncated file maps pages that do not exist, and touching them kills the process with
// SIGBUS. So the header and every segment are checked against the file size before dlopen.
void check_elf_file(const std::filesystem::path& file) {
    const std::string where = file.string();
    std::error_code ec;
    const uint64_t file_size = std::filesystem::file_size(file, ec);
    POT_CHECK_KIND(Input, !ec, where, ": cannot read: ", ec.message());
    std::ifstream in(file, std::ios::binary);
    POT_CHECK_KIND(Input, in.good(), where, ": cannot open");
    ElfW(Ehdr) header{};
    const bool complete = file_size >= sizeof(header) &&
                          in.read(reinterpret_cast<char*>(&header), sizeof(header)).good();
    POT_CHECK_KIND(Input, complete && std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0, where,
                   ": not an ELF shared library");
    POT_CHECK_KIND(Input,
                   header.e_ident[EI_CLASS] == kHostClass && header.e_ident[EI_DATA] == kHostData &&
                       (kHostMachine == EM_NONE || header.e_machine == kHostMachine),
                   where, ": built for another architecture (ELF class ",
                   int{header.e_ident[EI_CLASS]}, ", machine ", header.e_machine,
                   "; pot-host has class ", int{kHostClass}, ", machine ", kHostMachine, ")");
    POT_CHECK_KIND(Input, header.e_type == ET_DYN, where, ": ELF type ", header.e_type,
                   " is not a shared library");
    POT_CHECK_KIND(Input,
                   header.e_ehsize >= sizeof(header) && header.e_phentsize == sizeof(ElfW(Phdr)) &&
                       header.e_phnum > 0 && header.e_phnum < PN_XNUM,
                   where, ": damaged ELF header (header size ", header.e_ehsize,
                   ", program header size ", header.e_phentsize, ", ", header.e_phnum,
                   " program headers)");
    const uint64_t table_size = uint64_t{header.e_phnum} * sizeof(ElfW(Phdr));
    POT_CHECK_KIND(Input, within(header.e_phoff, table_size, file_size), where,
                   ": truncated: the program headers end past the end of the file (", file_size,
                   " bytes)");
    std::vector<ElfW(Phdr)> segments(header.e_phnum);
    in.seekg(static_cast<std::streamoff>(header.e_phoff));
    in.read(reinterpret_cast<char*>(segments.data()), static_cast<std::streamsize>(table_size));
    POT_CHECK_KIND(Input, in.good(), where, ": cannot read the program headers");
    for (size_t i = 0; i < segments.size(); ++i) {
        const auto& s = segments[i];
        POT_CHECK_KIND(Input, within(s.p_offset, s.p_filesz, file_size), where,
                       ": truncated or damaged: segment ", i, " (type ", s.p_type, ") needs bytes ",
                       s.p_offset, " to ", s.p_offset + s.p_filesz, " but the file has ",
                       file_size);
        POT_CHECK_KIND(Input, s.p_type != PT_LOAD || s.p_filesz <= s.p_memsz, where,
                       ": damaged: loadable segment ", i, " is larger in the file (", s.p_filesz,
                       " bytes) than in memory (", s.p_memsz, ")");
    }
}
}  // namespace

std::shared_ptr<const PluginLibrary> PluginLibrary::load(const std::filesystem::path& file) {
    const std::string where = file.string();
    check_elf_file(file);
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
    POT_CHECK_KIND(Input, info->struct_size >= kInfoSizeV2_0, where, ": plugin record has ",
                   info->struct_size, " bytes, expected at least ", kInfoSizeV2_0);
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
        POT_CHECK_KIND(Input, f.kind >= POT_KIND_ALGORITHM && f.kind <= POT_KIND_METRIC, where,
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
