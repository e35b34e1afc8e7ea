// A plugin file is checked before the dynamic loader maps it: a truncated library would
// otherwise kill the process with SIGBUS.
#include <elf.h>
#include <link.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "pot/core/plugin_library.hpp"
#include "pot/core/registry.hpp"
#include "pot/error.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

fs::path good_plugin() {
    for (const auto& e : fs::directory_iterator(fs::path(POT_FIXTURE_PLUGIN_DIR) / "good"))
        return e.path();
    throw std::runtime_error("no fixture plugin in good/");
}

// A copy of the good fixture plugin cut right after its program headers, so the dynamic loader
// would map segments beyond the end of the file.
fs::path truncated_copy(const fs::path& dir) {
    const fs::path file = dir / "libtruncated.so";
    fs::copy_file(good_plugin(), file);
    ElfW(Ehdr) header{};
    std::ifstream(file, std::ios::binary).read(reinterpret_cast<char*>(&header), sizeof(header));
    fs::resize_file(file, header.e_phoff + header.e_phnum * sizeof(ElfW(Phdr)) + 64);
    return file;
}

std::string load_error(const fs::path& file) {
    try {
        pot::core::PluginLibrary::load(file);
    } catch (const pot::Error& e) {
        EXPECT_EQ(e.kind(), pot::ErrorKind::Input);
        return e.what();
    }
    ADD_FAILURE() << "expected " << file << " to be refused";
    return "";
}

TEST(PluginElf, TruncatedLibraryIsRefusedNamingTheFile) {
    pot::test::TempDir dir;
    const auto message = load_error(truncated_copy(dir.path()));
    EXPECT_NE(message.find("libtruncated.so"), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(PluginElf, TruncatedLibraryInAFolderIsSkippedAndTheOthersLoad) {
    pot::test::TempDir dir;
    truncated_copy(dir.path());
    fs::copy_file(good_plugin(), dir.path() / "libgood.so");
    pot::core::Registry registry;
    const auto skipped = registry.load_directory(dir.path());
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_EQ(skipped[0].file.filename(), "libtruncated.so");
    EXPECT_FALSE(registry.entries().empty());
}

TEST(PluginElf, CutInsideTheHeaderIsRefused) {
    pot::test::TempDir dir;
    const fs::path file = dir.path() / "libtiny.so";
    fs::copy_file(good_plugin(), file);
    fs::resize_file(file, 20);
    EXPECT_NE(load_error(file).find("not an ELF shared library"), std::string::npos);
}

TEST(PluginElf, LibraryForAnotherMachineIsRefused) {
    pot::test::TempDir dir;
    const fs::path file = dir.path() / "libforeign.so";
    fs::copy_file(good_plugin(), file);
    {
        std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
        const uint16_t machine = EM_SPARCV9;
        f.seekp(offsetof(ElfW(Ehdr), e_machine));
        f.write(reinterpret_cast<const char*>(&machine), sizeof(machine));
    }
    EXPECT_NE(load_error(file).find("another architecture"), std::string::npos);
}

TEST(PluginElf, IntactLibraryLoads) {
    EXPECT_NO_THROW(pot::core::PluginLibrary::load(good_plugin()));
}

}  // namespace
