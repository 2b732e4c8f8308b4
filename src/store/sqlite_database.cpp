// The embedded backend as a Database: the files of one data directory. Each concern keeps
// its own SQLite file (onshi.db with onshi-audit.db beside it, institutions.db, cards.db,
// bulk.db), the layout data directories have always had, so existing ones keep working
// without a migration; a file is opened the first time its store is used.
#include "store/backends.h"

namespace onshi::store::detail {
namespace {

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const DatabaseUrl& url, std::unique_ptr<Store> members)
      : dir_(url.dir), url_(url.display), members_(std::move(members)) {}

  Store& members() override { return *members_; }
  Status migrate() override { return Status::Ok(); }  // opening migrated every file
  std::filesystem::path cache_dir() const override { return dir_; }
  Backend backend() const override { return Backend::kSqlite; }
  const std::string& url() const override { return url_; }

 private:
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> members_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite_database(const DatabaseUrl& url,
                                                       const DatabaseOptions& options) {
  SqliteOptions so = options.sqlite;
  so.create = options.create;
  auto members = open_sqlite(store_path(url.dir), so);
  if (!members) return members.error();
  return std::unique_ptr<Database>(new SqliteDatabase(url, std::move(*members)));
}

}  // namespace onshi::store::detail
