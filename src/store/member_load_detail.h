// Private to src/store/: the bulk load of `qualification_version` on SQLite (Store::begin_bulk
// … finish_bulk, store/store.h) — the two indexes it leaves out while it appends, the lock it
// holds, the pragmas it runs under, and how a load cut short (kill -9) is completed (the
// scheme every bulk load shares: bulk_load_detail.h).
//
// A load starts only on an empty table: it takes the flock DIR/.onshi-members-load.lock
// (another stem than onshi.db: `<stem>-load`), drops the card and person indexes and appends
// every version in rowid order, each page written once at the table's end; at the end both
// indexes are built by one sort each (SQLite's sorter on two threads). An index missing with
// that lock free means a load was cut short: whoever sees it first (the next open, the next
// write) builds the indexes in one transaction, so the store holds the versions of the
// transactions committed, indexed, as put_qualifications would have left it.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/dir_lock.h"
#include "core/status.h"

struct sqlite3;

namespace onshi::store::detail {

class MemberLoad {
 public:
  // In its own write transaction on `db` (the store's writer): when the table is empty and
  // no other load runs, drops the indexes and holds the load's lock — an active() load;
  // otherwise an inactive one (a load cut short before is then completed first).
  static Result<MemberLoad> begin(sqlite3* db, const std::filesystem::path& file);
  MemberLoad() = default;
  bool active() const { return active_; }
  // Builds the indexes in one transaction, sets the connection's pragmas back (its page cache
  // to `cache_mib`) and releases the lock — also when the build fails (the next writer then
  // finds the indexes missing and the lock free).
  Status finish(sqlite3* db, int64_t cache_mib);

 private:
  core::DirLock lock_;
  bool active_ = false;
  std::filesystem::path file_;
};

// Inside a write transaction on `db`, before a write that looks versions up: Ok when both
// indexes are there; E_LOCKED while a load runs (`loading`: this store's own); a load cut
// short is completed here, in the caller's transaction.
Status member_indexes_ready(sqlite3* db, const std::filesystem::path& file, bool loading);

// Outside any transaction, when the store opens: completes a load cut short (nothing when a
// load runs in another process).
Status complete_cut_member_load(sqlite3* db, const std::filesystem::path& file);

}  // namespace onshi::store::detail
