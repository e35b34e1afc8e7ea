#include "pot/core/output_staging.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pot/error.hpp"
#include "staging_cleanup.hpp"

namespace pot::core {

namespace fs = std::filesystem;

namespace {

const std::string kStagingPrefix = ".pot-staging-";
// Files a direct commit replaces wait here, inside the staging folder, until it has succeeded.
const std::string kReplacedFolder = ".replaced";
// Results folders per model and second before pot gives up looking for a free name.
constexpr int kMaxResultsPerSecond = 1000;

bool exists_no_follow(const fs::path& p) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
}

// The pid in a ".pot-staging-<pid>" name, or 0.
pid_t staging_owner(const std::string& name) {
    if (name.rfind(kStagingPrefix, 0) != 0 || name.size() == kStagingPrefix.size()) return 0;
    const std::string digits = name.substr(kStagingPrefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
    return static_cast<pid_t>(std::stol(digits));
}

// Only ESRCH proves the owner is gone; EPERM means it lives under another user.
bool process_is_gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// Renames `src` to `dst` unless `dst` exists; false (errno EEXIST or ENOTEMPTY) when it does.
bool rename_no_replace(const fs::path& src, const fs::path& dst) {
    if (renameat2(AT_FDCWD, src.c_str(), AT_FDCWD, dst.c_str(), RENAME_NOREPLACE) == 0) return true;
    if (errno != EINVAL && errno != ENOSYS) return false;
    // File systems without RENAME_NOREPLACE: claim the name with mkdir, which fails when it is
    // taken, then replace the claimed empty folder (rename only replaces an empty one).
    if (mkdir(dst.c_str(), 0777) != 0) return false;
    if (std::rename(src.c_str(), dst.c_str()) == 0) return true;
    const int saved = errno;
    rmdir(dst.c_str());
    errno = saved;
    return false;
}

}  // namespace

std::string results_timestamp() {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    localtime_r(&now, &tm);
    std::ostringstream out;
    out << std::put_time(&tm, "%Y-%m-%d_%H-%M-%S");
    return out.str();
}

OutputStaging::OutputStaging(const fs::path& output_dir, const std::string& model_name,
                             Layout layout, const std::string& timestamp)
    : output_dir_(output_dir),
      parent_(layout == Layout::Direct ? output_dir : output_dir / model_name),
      layout_(layout),
      timestamp_(timestamp) {
    fs::path existing = parent_;
    while (!existing.empty() && !exists_no_follow(existing)) {
        created_.push_back(existing);
        existing = existing.parent_path();
    }
    if (existing.empty()) existing = ".";
    POT_CHECK_KIND(Runtime, access(existing.c_str(), W_OK) == 0, "output folder '",
                   output_dir.string(), "' is not writable (", existing.string(), ")");
    staging_ = parent_ / (kStagingPrefix + std::to_string(getpid()));
    staging_cleanup::arm(staging_, created_);
    try {
        std::error_code ec;
        for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
            fs::create_directory(*it, ec);
            POT_CHECK_KIND(Runtime, !ec, "cannot create output folder '", it->string(),
                           "': ", ec.message());
        }
        for (const auto& entry : fs::directory_iterator(parent_, ec)) {
            const pid_t owner = staging_owner(entry.path().filename().string());
            if (owner == 0 || owner == getpid() || !process_is_gone(owner)) continue;
            std::error_code removed;
            fs::remove_all(entry.path(), removed);
            if (!removed) removed_stale_.push_back(entry.path());
        }
        // A folder of this pid is left over by a dead process whose pid was reused.
        fs::remove_all(staging_, ec);
        fs::create_directory(staging_, ec);
        POT_CHECK_KIND(Runtime, !ec, "cannot write into output folder '", parent_.string(),
                       "': ", ec.message());
    } catch (...) {
        for (const auto& folder : created_) {
            std::error_code ignored;
            fs::remove(folder, ignored);
        }
        staging_cleanup::disarm();
        throw;
    }
}

OutputStaging::~OutputStaging() {
    std::error_code ec;
    if (!committed_) fs::remove_all(staging_, ec);
    // Only empty ones: after a commit they hold the results.
    for (const auto& folder : created_) fs::remove(folder, ec);
    staging_cleanup::disarm();
}

fs::path OutputStaging::commit(const std::function<void(const fs::path&)>& finish) {
    POT_CHECK(!committed_, "internal: output committed twice");
    staging_cleanup::begin_commit();
    try {
        const fs::path results =
            layout_ == Layout::Direct ? commit_direct(finish) : commit_timestamped(finish);
        committed_ = true;
        staging_cleanup::end_commit(true);
        return results;
    } catch (...) {
        staging_cleanup::end_commit(false);
        throw;
    }
}

fs::path OutputStaging::commit_timestamped(const std::function<void(const fs::path&)>& finish) {
    for (int n = 1; n <= kMaxResultsPerSecond; ++n) {
        const fs::path results = parent_ / (n == 1 ? timestamp_ : str_cat(timestamp_, "_", n));
        if (exists_no_follow(results)) continue;
        if (finish) finish(results);
        if (rename_no_replace(staging_, results)) return results;
        POT_CHECK(errno == EEXIST || errno == ENOTEMPTY, "cannot move the results into '",
                  results.string(), "': ", std::strerror(errno));
    }
    POT_THROW(Runtime, "cannot find a free results folder name in '", parent_.string(), "' (",
              timestamp_, " up to _", kMaxResultsPerSecond, " are taken)");
}

fs::path OutputStaging::commit_direct(const std::function<void(const fs::path&)>& finish) {
    if (finish) finish(output_dir_);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(staging_)) {
        const std::string name = entry.path().filename().string();
        if (name == kReplacedFolder) continue;
        POT_CHECK(!fs::is_directory(fs::symlink_status(output_dir_ / name)), "cannot write '",
                  (output_dir_ / name).string(),
                  "': a folder of that name is in the way; move it "
                  "or choose another --output-dir");
        names.push_back(name);
    }
    const fs::path replaced = staging_ / kReplacedFolder;
    std::error_code ec;
    fs::create_directory(replaced, ec);
    POT_CHECK(!ec, "cannot create '", replaced.string(), "': ", ec.message());

    struct Move {
        std::string name;
        bool replaced = false;
    };
    std::vector<Move> done;
    const auto undo = [&] {
        std::error_code ignored;
        for (auto it = done.rbegin(); it != done.rend(); ++it) {
            fs::rename(output_dir_ / it->name, staging_ / it->name, ignored);
            if (it->replaced) fs::rename(replaced / it->name, output_dir_ / it->name, ignored);
        }
    };
    for (const auto& name : names) {
        Move move{name};
        const fs::path target = output_dir_ / name;
        if (exists_no_follow(target)) {
            fs::rename(target, replaced / name, ec);
            move.replaced = !ec;
        }
        if (!ec) {
            fs::rename(staging_ / name, target, ec);
            if (ec && move.replaced) {
                std::error_code ignored;
                fs::rename(replaced / name, target, ignored);
            }
        }
        if (ec) {
            undo();
            POT_THROW(Runtime, "cannot move '", name, "' into '", output_dir_.string(),
                      "': ", ec.message(), "; no result was written");
        }
        done.push_back(move);
    }
    fs::remove_all(staging_, ec);
    return output_dir_;
}

}  // namespace pot::core
