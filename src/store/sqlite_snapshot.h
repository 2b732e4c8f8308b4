// A read snapshot kept open between lookups on a pooled SQLite reader connection.
//
// SQLite starts and ends a read transaction around every lookup: a lock on a WAL-index read
// mark and its release (a system call each), the file's size (another), the page cache's
// check. On a 2-core virtual machine that was about 40 % of a member lookup. A reader
// connection therefore keeps its read transaction open after a lookup, and the next lookup
// reuses it when nothing has been committed since: the WAL-index header in shared memory
// (both copies, 96 bytes: SQLite's documented file format, "WAL-index format") is what it was
// when the snapshot began. Every commit, from this process or another, rewrites that header,
// so a reused snapshot is exactly the current state of the file, never an older one; after a
// commit the snapshot is ended and a new one begun.
//
// A snapshot is never kept longer than kMaxSnapshotAge, and the store's sweeper ends those of
// idle connections (end_if_idle), so an open snapshot holds back another writer's checkpoint
// for at most about a tenth of a second.
#pragma once

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdint>

#include "core/status.h"
#include "store/sqlite.h"

namespace onshi::store::detail {

class ReaderSnapshot {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kMaxSnapshotAge = std::chrono::milliseconds(100);

  explicit ReaderSnapshot(sqlite3* db);
  ~ReaderSnapshot() { end(); }
  ReaderSnapshot(const ReaderSnapshot&) = delete;
  ReaderSnapshot& operator=(const ReaderSnapshot&) = delete;

  bool ok() const { return begin_stmt_.ok() && commit_stmt_.ok(); }
  // Before a lease's statements: keeps the open snapshot when nothing was committed since it
  // began (and it is young enough), else ends it and begins a new one — SQLite takes the new
  // snapshot at the lease's first statement. Errors: E_STORE.
  Status begin();
  void end();  // ends the read transaction, if one is open
  // The sweeper: ends a snapshot whose connection has not begun a lease for `idle`.
  void end_if_idle(Clock::duration idle, Clock::time_point now);

 private:
  using Header = std::array<uint32_t, 24>;  // both copies of the WAL-index header
  bool read_header(Header& out);
  bool unchanged();

  sqlite3* db_;
  sqlite::Stmt begin_stmt_, commit_stmt_;
  const volatile uint32_t* shm_ = nullptr;  // the WAL index's first region, once mapped
  bool open_ = false;
  bool reusable_ = false;  // the header was read when the snapshot began
  bool used_ = false;      // a statement has run on the connection (its WAL index exists)
  Header seen_{};
  Clock::time_point began_{}, last_begin_{};
};

}  // namespace onshi::store::detail
