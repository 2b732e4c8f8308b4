// The bulk load of `qualification_version` on SQLite (store/member_load_detail.h): its two
// indexes, its lock and pragmas, on the scheme every bulk load shares (bulk_load_detail.h).
#include <string>

#include "store/bulk_load_detail.h"
#include "store/member_load_detail.h"
#include "store/sqlite.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;

// The table's load: the indexes as the migrations made them (sqlite_store.cpp, 1 and 4); the
// lock is DIR/.onshi-members-load.lock for onshi.db (another stem than the file's own). While it
// runs the connection has kBulkLoadPragmas: the index sort's files take about 60 B a member.
BulkTable member_table(const fs::path& file) {
  const std::string stem = file.stem().string();
  return BulkTable{
      "qualification_version",
      {"qualification_version_card", "qualification_version_person8"},
      "CREATE INDEX IF NOT EXISTS qualification_version_card "
      "ON qualification_version(card_key, recorded_at);"
      "CREATE INDEX IF NOT EXISTS qualification_version_person8 "
      "ON qualification_version(substr(person_link, 1, 8)) WHERE person_link IS NOT NULL;",
      (stem == "onshi" ? std::string("members") : stem) + "-load",
      "members",
      "a member import",
      "onshi.db は別の処理（onshi import）が資格の一括登録中です。終わってから書き込んでください"};
}

}  // namespace

Result<MemberLoad> MemberLoad::begin(sqlite3* db, const fs::path& file) {
  MemberLoad load;
  const BulkTable t = member_table(file);
  auto held = take_load_lock(file.parent_path(), t);
  if (!held) return load;  // another load, or a recovery: this one goes version by version
  auto began =
      sqlite::write_transaction(db, [&](sqlite3* d) { return drop_indexes_if_empty(d, t); });
  if (!began) return began.error();
  if (!*began) return load;
  load.lock_ = std::move(*held);
  load.active_ = true;
  load.file_ = file;
  sqlite::exec(db, kBulkLoadPragmas);
  return load;
}

Status MemberLoad::finish(sqlite3* db, int64_t cache_mib) {
  if (!active_) return Status::Ok();
  const BulkTable t = member_table(file_);
  Status st = sqlite::write_transaction(db, [&](sqlite3* d) { return build_indexes(d, t); });
  const std::string normal = std::string(kAfterBulkLoadPragmas) + " PRAGMA cache_size=-" +
                             std::to_string(cache_mib * 1024) + ";";
  sqlite::exec(db, normal.c_str());
  lock_ = core::DirLock();
  active_ = false;
  return st;
}

Status member_indexes_ready(sqlite3* db, const fs::path& file, bool loading) {
  return indexes_ready(db, file.parent_path(), member_table(file), loading);
}

Status complete_cut_member_load(sqlite3* db, const fs::path& file) {
  return complete_cut_load(db, file.parent_path(), member_table(file),
                           [](sqlite3* d, auto fn) { return sqlite::write_transaction(d, fn); });
}

}  // namespace onshi::store::detail
