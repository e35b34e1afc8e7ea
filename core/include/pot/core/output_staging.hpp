#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pot::core {

/// Where the results of one run go, so that a failed or interrupted run leaves nothing behind
/// and no run ever overwrites the results folder of another.
///
/// Files are written into a hidden staging folder, `.pot-staging-<pid>`, on the same file system
/// as the results:
///  - Layout::Timestamped: the staging folder is `<output_dir>/<model_name>/.pot-staging-<pid>`
///    and commit() renames it to `<output_dir>/<model_name>/<timestamp>`, or `<timestamp>_2`,
///    `_3`, ... when that name is taken. The rename never replaces an existing folder, and it is
///    one step: the results appear whole or not at all.
///  - Layout::Direct (-d): the staging folder is `<output_dir>/.pot-staging-<pid>` and commit()
///    moves each file into `output_dir`, replacing files of the same name. A replaced file is
///    first moved aside into the staging folder, so a failed move undoes every move before it
///    and restores the old files. A result whose name is taken by a folder is refused before
///    anything moves.
///
/// While the object lives, SIGINT, SIGTERM and SIGHUP remove the staging folder and the folders
/// the constructor created, then end the process with the signal. Staging folders left in the
/// same place by processes that no longer exist are removed by the constructor.
/// Only one OutputStaging may exist at a time in a process.
class OutputStaging {
public:
    enum class Layout { Timestamped, Direct };

    /// Creates the missing folders and the staging folder. `model_name` must be a plain file
    /// name (the config checks it); `timestamp` names the results folder in the timestamped
    /// layout (see results_timestamp()). Throws pot::Error(Runtime) naming the folder it cannot
    /// create or write.
    OutputStaging(const std::filesystem::path& output_dir, const std::string& model_name,
                  Layout layout, const std::string& timestamp);
    /// Removes the staging folder, and the folders the constructor created if they are empty.
    ~OutputStaging();
    OutputStaging(const OutputStaging&) = delete;
    OutputStaging& operator=(const OutputStaging&) = delete;

    /// The folder to write results into until commit().
    const std::filesystem::path& dir() const { return staging_; }
    /// The folder that holds the staging folder and the results: `<output_dir>/<model_name>` in
    /// the timestamped layout, `output_dir` in the direct one.
    const std::filesystem::path& parent() const { return parent_; }
    /// Stale staging folders of dead processes the constructor removed.
    const std::vector<std::filesystem::path>& removed_stale() const { return removed_stale_; }

    /// Moves the staged results into place and returns the folder they are in. `finish`, when
    /// set, is called first with that folder, to write the files that name it (it is called
    /// again with the next name if the folder was taken in the meantime). Throws pot::Error
    /// when the results cannot be moved; nothing has moved then, and the staging folder is kept
    /// until destruction.
    std::filesystem::path commit(
        const std::function<void(const std::filesystem::path&)>& finish = {});

private:
    std::filesystem::path commit_timestamped(
        const std::function<void(const std::filesystem::path&)>& finish);
    std::filesystem::path commit_direct(
        const std::function<void(const std::filesystem::path&)>& finish);

    std::filesystem::path output_dir_, parent_, staging_;
    Layout layout_;
    std::string timestamp_;
    std::vector<std::filesystem::path> created_;  ///< innermost first
    std::vector<std::filesystem::path> removed_stale_;
    bool committed_ = false;
};

/// The local time as "2024-05-01_13-45-07": the name of a timestamped results folder.
std::string results_timestamp();

}  // namespace pot::core
