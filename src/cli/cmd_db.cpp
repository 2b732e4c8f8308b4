// onshi db — the database as a whole: `db migrate` creates or upgrades every store's schema
// (the first step of an installation on PostgreSQL, and of an upgrade of onshi), and
// `db copy` moves an installation from one database to another (e.g. from the SQLite files
// of a data directory to a PostgreSQL server). Neither needs keys: they take URLs alone.
#include <iostream>

#include "cli/commands.h"
#include "store/database.h"

namespace onshi::cli {
namespace {

void fail(const char* cmd, const Error& e) {
  std::cerr << "onshi db " << cmd << ": " << e.code << ": " << e.message << "\n";
  g_exit_code = is_db_open_error(e) ? 2 : 1;
}

void run_migrate(const std::string& url) {
  auto db = store::open_store(url);
  if (!db) return fail("migrate", db.error());
  if (auto st = (*db)->migrate(); !st) return fail("migrate", st.error());
  std::cout << "{\"db\":\"" << (*db)->url() << "\",\"migrated\":true}\n";
  g_exit_code = 0;
}

}  // namespace

void register_db(CLI::App& app) {
  CLI::App* db = app.add_subcommand(
      "db", "データベースの作成・更新・移行 (create, upgrade and move the database)");
  db->require_subcommand(1);
  auto url = std::make_shared<std::string>();
  CLI::App* migrate = db->add_subcommand(
      "migrate",
      "すべてのストアのスキーマを作成または更新する (create or upgrade every store's schema)");
  migrate->add_option("--db", *url, "データベース URL: sqlite:DIR または postgresql://…")
      ->required();
  migrate->callback([url] { run_migrate(*url); });
}

}  // namespace onshi::cli
