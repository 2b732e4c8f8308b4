// The scheme every SQLite bulk load shares (bulk_load_detail.h): the load's lock, dropping
// the indexes (or index tables) of an empty table, building them back, and completing a load
// cut short.
#include "store/bulk_load_detail.h"

#include "store/sqlite.h"

namespace onshi::store::detail {

namespace fs = std::filesystem;
using sqlite::Stmt;

std::optional<core::DirLock> take_load_lock(const fs::path& dir, const BulkTable& t) {
  auto held = core::DirLock::acquire(dir, t.lock_role, t.subject, t.holder);
  if (!held) return std::nullopt;
  return std::move(*held);
}

Result<bool> drop_indexes_if_empty(sqlite3* db, const BulkTable& t) {
  bool empty = false;
  {
    Stmt q(db, ("SELECT NOT EXISTS(SELECT 1 FROM " + t.table + ")").c_str());
    if (q.step() != SQLITE_ROW) return sqlite::error(db, t.table + " bulk load");
    empty = q.col_i64(0) != 0;
  }  // finalised: a pending read would block DROP INDEX
  if (!empty) {
    auto present = indexes_present(db, t);
    if (!present) return present.error();
    if (!*present)
      if (Status st = build_indexes(db, t); !st) return st.error();
    return false;
  }
  for (const std::string& name : t.indexes) {
    std::string type;
    {
      Stmt q(db, "SELECT type FROM sqlite_schema WHERE name=?");
      if (q.text(1, name).step() == SQLITE_ROW) type = q.col_text(0);
    }  // finalised, as above
    if (type == "index" || type == "table")
      if (Status st = sqlite::exec(db, ("DROP " + type + " " + name + ";").c_str()); !st)
        return st.error();
  }
  return true;
}

Status build_indexes(sqlite3* db, const BulkTable& t) {
  return sqlite::exec(db, t.create_indexes.c_str());
}

Result<bool> indexes_present(sqlite3* db, const BulkTable& t) {
  std::string names;
  for (const std::string& name : t.indexes) names += (names.empty() ? "'" : ",'") + name + "'";
  Stmt q(db, ("SELECT COUNT(*) FROM sqlite_schema WHERE type IN ('index','table') AND name IN (" +
              names + ")")
                 .c_str());
  if (q.step() != SQLITE_ROW) return sqlite::error(db, t.table + " schema");
  return q.col_i64(0) == static_cast<int64_t>(t.indexes.size());
}

Status indexes_ready(sqlite3* db, const fs::path& dir, const BulkTable& t, bool loading) {
  const Status busy = Status::Fail("E_LOCKED", t.subject, t.busy_message);
  if (loading) return busy;
  auto present = indexes_present(db, t);
  if (!present) return present.status();
  if (*present) return Status::Ok();
  auto held = core::DirLock::acquire(dir, t.lock_role, t.subject, t.holder);
  if (!held) return held.error().code == "E_LOCKED" ? busy : held.status();
  return build_indexes(db, t);
}

}  // namespace onshi::store::detail
