// The backends behind open_store (store/database.h), private to src/store/: each one opens
// its Database from a parsed URL. Nothing outside src/store/ includes this.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/access.h"
#include "store/bulk.h"
#include "store/cards.h"
#include "store/database.h"

namespace onshi::store::pg {
class Conn;
class Pool;
}  // namespace onshi::store::pg

namespace onshi::store::detail {

// sqlite:DIR — the files of a data directory (sqlite_database.cpp).
Result<std::unique_ptr<Database>> open_sqlite_database(const DatabaseUrl& url,
                                                       const DatabaseOptions& options);
// postgresql://… — one database on a PostgreSQL server (pg_database.cpp).
Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options);

// The member store and audit chain on PostgreSQL (pg_store.cpp): creates or upgrades their
// tables (components "members" and "audit"; with `create` false an older schema is
// E_STORE_SCHEMA), and makes the store on the primary's pool, with confirmation lookups on
// `replica` when it is not null. The pools must outlive the store.
Status migrate_pg_members(pg::Conn& c, const std::string& display, bool create);
std::unique_ptr<Store> make_pg_store(pg::Pool& primary, pg::Pool* replica);
// The stores of a data directory's other files, each opened (created, migrated) on its first
// call, or now by open_now() (sqlite_cards.cpp: DIR/cards.db, sqlite_bulk.cpp: DIR/bulk.db).
// Errors of open_now: E_STORE_OPEN, E_STORE_SCHEMA.
class SqliteCardStore : public CardStore {
 public:
  virtual Status open_now() = 0;
};
class SqliteBulkStore : public BulkStore {
 public:
  virtual Status open_now() = 0;
};
std::unique_ptr<SqliteCardStore> make_sqlite_cards(const std::filesystem::path& dir, bool create);
std::unique_ptr<SqliteBulkStore> make_sqlite_bulk(const std::filesystem::path& dir, bool create);
// The access store (sqlite_access.cpp: DIR/access.db), opened like the two above.
class SqliteAccessStore : public AccessStore {
 public:
  virtual Status open_now() = 0;
};
std::unique_ptr<SqliteAccessStore> make_sqlite_access(const std::filesystem::path& dir,
                                                      bool create);
// A disaster period's prefectures as stored ("13,14") and back.
std::string join_prefectures(const std::vector<std::string>& prefectures);
std::vector<std::string> split_prefectures(std::string_view text);

}  // namespace onshi::store::detail
