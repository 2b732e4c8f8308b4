// The --db flag shared by every command that touches state, and what it means without a
// value: the SQLite files of the --data-dir (store/database.h).
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

bool is_db_open_error(const onshi::Error& e) {
  return e.code == "E_DB_URL" || e.code == "E_STORE_OPEN" || e.code == "E_STORE_SCHEMA";
}

}  // namespace onshi::cli
