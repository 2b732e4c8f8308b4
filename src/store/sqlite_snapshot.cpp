// Read snapshots kept open between lookups (see sqlite_snapshot.h): the WAL-index header is
// read through the VFS's own mapping of the -shm file (xShmMap of region 0, never extended),
// and compared word by word with the copy taken when the snapshot began.
#include "store/sqlite_snapshot.h"

#include <atomic>

namespace onshi::store::detail {
namespace {

constexpr int kWalIndexRegion = 32768;  // SQLite's WAL-index region size (WALINDEX_PGSZ)

}  // namespace

ReaderSnapshot::ReaderSnapshot(sqlite3* db)
    : db_(db), begin_stmt_(db, "BEGIN", true), commit_stmt_(db, "COMMIT", true) {}

bool ReaderSnapshot::read_header(Header& out) {
  if (!shm_) {
    if (!used_) return false;  // the connection has not opened its WAL index yet
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        !file || !file->pMethods || file->pMethods->iVersion < 2 || !file->pMethods->xShmMap)
      return false;
    void volatile* region = nullptr;
    if (file->pMethods->xShmMap(file, 0, kWalIndexRegion, 0, &region) != SQLITE_OK || !region)
      return false;
    shm_ = static_cast<const volatile uint32_t*>(region);
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  for (size_t i = 0; i < out.size(); ++i) out[i] = shm_[i];
  std::atomic_thread_fence(std::memory_order_acquire);
  return true;
}

// The same header as when the snapshot began, and its two copies equal (a writer that died
// between them leaves the file to SQLite's recovery, which a new snapshot runs).
bool ReaderSnapshot::unchanged() {
  Header now;
  if (!reusable_ || !read_header(now) || now != seen_) return false;
  for (size_t i = 0; i < now.size() / 2; ++i)
    if (now[i] != now[i + now.size() / 2]) return false;
  return true;
}

Status ReaderSnapshot::begin() {
  const auto now = Clock::now();
  last_begin_ = now;
  // A statement that failed inside the transaction may have rolled it back.
  if (open_ && sqlite3_get_autocommit(db_)) open_ = false;
  if (open_ && now - began_ < kMaxSnapshotAge && unchanged()) return {};
  end();
  reusable_ = read_header(seen_);
  begin_stmt_.reset();
  const int rc = begin_stmt_.step();
  begin_stmt_.reset();
  if (rc != SQLITE_DONE) return sqlite::error(db_, "begin read");
  open_ = true;
  used_ = true;
  began_ = now;
  return {};
}

void ReaderSnapshot::end() {
  if (!open_) return;
  open_ = false;
  if (sqlite3_get_autocommit(db_)) return;
  commit_stmt_.reset();
  if (commit_stmt_.step() != SQLITE_DONE) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  commit_stmt_.reset();
}

void ReaderSnapshot::end_if_idle(Clock::duration idle, Clock::time_point now) {
  if (open_ && now - last_begin_ >= idle) end();
}

}  // namespace onshi::store::detail
