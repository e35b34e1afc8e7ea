#pragma once

#include <filesystem>
#include <vector>

namespace pot::core::staging_cleanup {

/// Removes the staging folder when SIGINT, SIGTERM or SIGHUP arrives, then lets the signal end
/// the process as it would have without pot. One set of paths per process.
///
/// Design: a signal handler may only do async-signal-safe work, so every path it needs is copied
/// into static C strings before the handlers are installed, and the handler removes the staging
/// folder's files with open/getdents64/unlinkat and the folders with rmdir: no allocation, no
/// locks, no C++ library. A self-pipe or flag would need the main thread to poll, which it cannot
/// do while it is inside an engine kernel for minutes. The handler and commit() agree through one
/// lock-free atomic phase: the handler cleans only while staging (a commit then waits for the
/// process to end), and a signal arriving during a commit is held until the commit has finished
/// or rolled back, so the results are either whole or absent.

/// Records the paths and installs the handlers. `folders` are removed after the staging folder,
/// in order, when empty (folders the run created, innermost first). Throws pot::Error when a
/// path is too long for the handler's buffers or handlers are already installed.
void arm(const std::filesystem::path& staging, const std::vector<std::filesystem::path>& folders);

/// Restores the previous handlers. If a signal handler is removing the staging folder right now,
/// never returns: that handler ends the process.
void disarm();

/// True once SIGINT asked the run to stop. The first call makes the next SIGINT (while staging)
/// a stop request instead of the end of the run; a second SIGINT ends it as usual. Cleared by arm()
/// and disarm().
bool stop_requested();

/// Enters the commit phase: signals are held until end_commit(). Never returns if a handler is
/// already removing the staging folder.
void begin_commit();

/// Leaves the commit phase. `committed`: the staging folder is gone and nothing needs removing.
/// A signal held during the commit is then delivered: the process cleans up (when not committed)
/// and ends.
void end_commit(bool committed);

}  // namespace pot::core::staging_cleanup
