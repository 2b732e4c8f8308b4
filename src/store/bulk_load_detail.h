// Private to src/store/: what every bulk load into an empty SQLite table shares — the member
// versions (member_load_detail.h), the clinical records and the 医療扶助 tickets. Each table
// says which indexes a load leaves out and how they are made; the scheme is the same:
//
// - a load starts only on an empty table, holding the flock DIR/.onshi-<role>.lock from
//   before its indexes are dropped until after they are built again;
// - while the lock is held, other writers of the table get E_LOCKED (readers scan);
// - an index missing with the lock free means a load was cut short (kill -9, a full disk):
//   whoever sees it first — the next open, the next write — builds the indexes in one
//   transaction, so the store holds the rows of the transactions committed, indexed, as
//   row-by-row writes would have left it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/dir_lock.h"
#include "core/status.h"

struct sqlite3;

namespace onshi::store::detail {

// A loading connection's settings: fewer, larger checkpoints (each syncs both files), a small
// page cache (appended pages are not read again), and the indexes sorted on two threads in
// temporary files — with an in-memory temp store SQLite's sorter uses one thread only. The
// files go where SQLite puts them ($TMPDIR, else /var/tmp, /usr/tmp, /tmp).
inline constexpr const char* kBulkLoadPragmas =
    "PRAGMA wal_autocheckpoint=16384; PRAGMA cache_size=-16384; PRAGMA threads=2; "
    "PRAGMA temp_store=FILE;";
// The same settings back as every connection has them (sqlite.cpp), but the page cache, which
// each store sizes itself.
inline constexpr const char* kAfterBulkLoadPragmas =
    "PRAGMA threads=0; PRAGMA wal_autocheckpoint=1000; PRAGMA temp_store=MEMORY;";

struct BulkTable {
  std::string table;                 // the loaded table, e.g. "clinical_records"
  std::vector<std::string> indexes;  // what a load leaves out, by name: indexes, or tables
                                     // that serve as one (clinical_keys)
  std::string create_indexes;        // the SQL that makes each from the table, as migrated
  std::string lock_role;             // DIR/.onshi-<lock_role>.lock, e.g. "clinical-load"
  std::string subject;               // E_LOCKED's field and the lock's subject: "clinical"
  std::string holder;                // named in the lock's refusal: "a clinical import"
  std::string busy_message;          // E_LOCKED's message while a load runs (Japanese)
};

// The load's lock, or nullopt while another load (or a completion) holds it.
std::optional<core::DirLock> take_load_lock(const std::filesystem::path& dir, const BulkTable& t);

// Inside the caller's write transaction, holding the lock: when the table is empty, drops
// its indexes and answers true; otherwise completes a load cut short (builds the missing
// indexes) and answers false — the caller then writes row by row.
Result<bool> drop_indexes_if_empty(sqlite3* db, const BulkTable& t);

// Builds the indexes (inside the caller's write transaction).
Status build_indexes(sqlite3* db, const BulkTable& t);

Result<bool> indexes_present(sqlite3* db, const BulkTable& t);

// Inside a write transaction, before a write that needs the indexes: Ok when they are
// there; E_LOCKED while a load runs (`loading`: this store's own, or another process's
// lock); a load cut short is completed here, in this transaction.
Status indexes_ready(sqlite3* db, const std::filesystem::path& dir, const BulkTable& t,
                     bool loading);

// When a store opens: a load cut short is completed in one transaction of `write_tx`
// (write_tx(db, fn) runs fn(db) in a write transaction); a load running in another process
// is left alone.
template <class WriteTx>
Status complete_cut_load(sqlite3* db, const std::filesystem::path& dir, const BulkTable& t,
                         WriteTx write_tx) {
  auto present = indexes_present(db, t);
  if (!present) return present.status();
  if (*present) return Status::Ok();
  return write_tx(db, [&](sqlite3* d) -> Status {
    Status st = indexes_ready(d, dir, t, false);
    return st || st.error().code == "E_LOCKED" ? Status::Ok() : st;
  });
}

}  // namespace onshi::store::detail
