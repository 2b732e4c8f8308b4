// The directory lock and the writability check (core/dir_lock.h): flock on a pid file, and
// access(2) with the process's effective ids, which is what the kernel will apply to writes.
#include "core/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace onshi::core {
namespace {

// The holder's line "pid role", or "" when it cannot be read.
std::string read_holder(int fd) {
  char buf[128] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<DirLock> DirLock::acquire(const std::filesystem::path& dir, std::string_view role,
                                 std::string_view field, std::string_view what) {
  DirLock lock;
  lock.path_ = dir / (".onshi-" + std::string(role) + ".lock");
  lock.fd_ = ::open(lock.path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock.fd_ < 0)
    return Error{
        "E_FILE", std::string(field),
        "cannot create the lock file " + lock.path_.string() + ": " + std::strerror(errno)};
  if (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder = read_holder(lock.fd_);
    std::string pid = holder.substr(0, holder.find(' '));
    if (err != EWOULDBLOCK)
      return Error{"E_FILE", std::string(field),
                   "cannot lock " + lock.path_.string() + ": " + std::strerror(err)};
    return Error{"E_LOCKED", std::string(field),
                 dir.string() + " is already used by " + std::string(what) +
                     (pid.empty() ? "" : " (pid " + pid + ")") +
                     " — stop that process first, or use another directory"};
  }
  std::string line = std::to_string(::getpid()) + " " + std::string(role) + "\n";
  if (::ftruncate(lock.fd_, 0) != 0 ||
      ::pwrite(lock.fd_, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    // The lock is held all the same; only the pid shown to a second process is missing.
  }
  return lock;
}

DirLock::DirLock(DirLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

DirLock& DirLock::operator=(DirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

Status check_writable(const std::vector<std::filesystem::path>& paths, std::string_view field) {
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) continue;
    const int mode = std::filesystem::is_directory(p, ec) ? (W_OK | X_OK) : W_OK;
    if (::faccessat(AT_FDCWD, p.c_str(), mode, AT_EACCESS) == 0) continue;
    return Error{"E_STORE_OPEN", std::string(field),
                 p.string() + " is not writable by this process (uid " +
                     std::to_string(::geteuid()) + "): " + std::strerror(errno) +
                     " — give the service's user ownership of the data directory (chown -R), "
                     "or run the service as its owner"};
  }
  return Status::Ok();
}

}  // namespace onshi::core
