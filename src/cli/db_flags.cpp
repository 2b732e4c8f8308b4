// The --db flag shared by every command that touches state, and what it means without a
// value: the SQLite files of the --data-dir (store/database.h).
#include <system_error>

#include "cli/commands.h"
#include "store/database.h"

namespace onshi::cli {

void add_db_option(CLI::App* cmd, std::string& db) {
  cmd->add_option("--db", db,
                  "データベース URL: sqlite:DIR または postgresql://USER@HOST:PORT/DB "
                  "(省略時は --data-dir の SQLite)");
}

std::string db_url_of(const std::string& data_dir, const std::string& db) {
  return db.empty() ? store::sqlite_url(data_dir) : db;
}

Result<std::unique_ptr<store::Database>> open_database(const std::string& data_dir,
                                                       const std::string& db, bool create) {
  std::string url = db_url_of(data_dir, db);
  auto parsed = store::parse_database_url(url);
  if (!parsed) return parsed.error();
  std::error_code ec;
  if (!create && parsed->backend == store::Backend::kSqlite &&
      !std::filesystem::is_regular_file(store::store_path(parsed->dir), ec))
    return Error{"E_DATA_DIR", db.empty() ? "data-dir" : "db",
                 parsed->dir.string() + " に登録データ (onshi.db) がありません"};
  store::DatabaseOptions o;
  o.create = create;
  return store::open_store(url, o);
}

bool is_db_open_error(const onshi::Error& e) {
  return e.code == "E_DB_URL" || e.code == "E_STORE_OPEN" || e.code == "E_STORE_SCHEMA" ||
         e.code == "E_DATA_DIR";
}

}  // namespace onshi::cli
