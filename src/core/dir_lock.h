// One owner per directory: an advisory lock that a process holds on what it owns (a data
// directory's service role, a terminal's OQS folder), so a second process is refused with
// the first one's pid instead of silently fighting over the same files.
//
// The lock is flock(2) on a small file inside the directory (e.g. DIR/.onshi-serve.lock)
// that also holds the owner's pid and role. The kernel drops it when the holder exits, even
// after kill -9, so a stale file never blocks a restart; flock locks belong to the open file,
// so two holders in one process conflict as well (tests rely on that). Advisory: only onshi
// processes ask. Also here: whether this process can write a set of files, checked before a
// service starts (an unwritable audit file must stop it, not surprise its first patient).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace onshi::core {

class DirLock {
 public:
  // Takes DIR/.onshi-<role>.lock without waiting. Errors: E_LOCKED (field `field`) when
  // another process holds it — the message names the holder's pid and `what` —, E_FILE
  // when the lock file cannot be created.
  static Result<DirLock> acquire(const std::filesystem::path& dir, std::string_view role,
                                 std::string_view field, std::string_view what);
  DirLock() = default;
  DirLock(DirLock&& other) noexcept;
  DirLock& operator=(DirLock&& other) noexcept;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();  // releases the lock (the file stays)

  const std::filesystem::path& path() const { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// Ok when this process may write every existing path in `paths` (and create files in the
// directories among them); otherwise E_STORE_OPEN naming the first path that is not
// writable, with `field` and a hint. Paths that do not exist are skipped.
Status check_writable(const std::vector<std::filesystem::path>& paths, std::string_view field);

}  // namespace onshi::core
