// The bulk load of `qualification_version` on SQLite (store/member_load_detail.h): dropping
// and building its two indexes, the load's lock and pragmas, and completing a load cut short.
#include <string>

#include "store/member_load_detail.h"
#include "store/sqlite.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

// The indexes a load leaves out, as the migrations made them (sqlite_store.cpp, 1 and 4).
constexpr const char* kDropIndexes =
    "DROP INDEX IF EXISTS qualification_version_card;"
    "DROP INDEX IF EXISTS qualification_version_person8;";
constexpr const char* kCreateIndexes =
    "CREATE INDEX IF NOT EXISTS qualification_version_card "
    "ON qualification_version(card_key, recorded_at);"
    "CREATE INDEX IF NOT EXISTS qualification_version_person8 "
    "ON qualification_version(substr(person_link, 1, 8)) WHERE person_link IS NOT NULL;";
// While versions are appended: fewer, larger checkpoints (each one syncs both files) and a
// small page cache (appended pages are not read again; a large cache only allocates a fresh
// page for each). The indexes are sorted on two threads with that cache bounding the runs.
constexpr const char* kLoadPragmas =
    "PRAGMA wal_autocheckpoint=16384; PRAGMA cache_size=-16384; PRAGMA threads=2;";

std::string load_role(const fs::path& file) {
  const std::string stem = file.stem().string();
  return (stem == "onshi" ? std::string("members") : stem) + "-load";
}

Result<core::DirLock> take_lock(const fs::path& file) {
  return core::DirLock::acquire(file.parent_path(), load_role(file), "members",
                                "a member import");
}

Result<bool> indexes_present(sqlite3* db) {
  Stmt q(db,
         "SELECT COUNT(*) FROM sqlite_schema WHERE type='index' AND name IN "
         "('qualification_version_card','qualification_version_person8')");
  if (q.step() != SQLITE_ROW) return sqlite::error(db, "store schema");
  return q.col_i64(0) == 2;
}

Status locked_error() {
  return Status::Fail("E_LOCKED", "members",
                      "onshi.db は別の処理（onshi import）が資格の一括登録中です。"
                      "終わってから書き込んでください");
}

}  // namespace

Result<MemberLoad> MemberLoad::begin(sqlite3* db, const fs::path& file) {
  MemberLoad load;
  auto held = take_lock(file);
  if (!held) return load;  // another load, or a recovery: this one goes version by version
  auto began = sqlite::write_transaction(db, [&](sqlite3* d) -> Result<bool> {
    Stmt q(d, "SELECT EXISTS(SELECT 1 FROM qualification_version)");
    if (q.step() != SQLITE_ROW) return sqlite::error(d, "store bulk load");
    const bool empty = q.col_i64(0) == 0;
    q = Stmt();  // finalised: a pending read would block DROP INDEX
    // Not empty: a load cut short before this one's open is completed instead.
    if (auto st = sqlite::exec(d, empty ? kDropIndexes : kCreateIndexes); !st) return st.error();
    return empty;
  });
  if (!began) return began.error();
  if (!*began) return load;
  load.lock_ = std::move(*held);
  load.active_ = true;
  sqlite::exec(db, kLoadPragmas);
  return load;
}

Status MemberLoad::finish(sqlite3* db, int64_t cache_mib) {
  if (!active_) return Status::Ok();
  Status st =
      sqlite::write_transaction(db, [](sqlite3* d) { return sqlite::exec(d, kCreateIndexes); });
  const std::string normal = "PRAGMA threads=0; PRAGMA wal_autocheckpoint=1000; "
                             "PRAGMA cache_size=-" + std::to_string(cache_mib * 1024) + ";";
  sqlite::exec(db, normal.c_str());
  lock_ = core::DirLock();
  active_ = false;
  return st;
}

Status member_indexes_ready(sqlite3* db, const fs::path& file, bool loading) {
  if (loading) return locked_error();
  auto present = indexes_present(db);
  if (!present) return present.status();
  if (*present) return Status::Ok();
  auto held = take_lock(file);
  if (!held) return held.error().code == "E_LOCKED" ? locked_error() : held.status();
  return sqlite::exec(db, kCreateIndexes);
}

Status complete_cut_member_load(sqlite3* db, const fs::path& file) {
  auto present = indexes_present(db);
  if (!present) return present.status();
  if (*present) return Status::Ok();
  return sqlite::write_transaction(db, [&](sqlite3* d) -> Status {
    Status st = member_indexes_ready(d, file, false);
    return st || st.error().code == "E_LOCKED" ? Status::Ok() : st;
  });
}

}  // namespace onshi::store::detail
