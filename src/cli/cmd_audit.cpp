// onshi audit — checks the audit log of a database (`audit verify --db URL`, or
// `--data-dir DIR` for the SQLite files of a data directory).
//
// Verification walks the whole hash chain in the store and prints one JSON object, so an
// operator can read it and a monitoring job can parse it; the exit code alone says whether
// the chain is intact (0) or broken (1). The store is opened without creating it: verifying
// a directory that has no store is a usage mistake (exit 2), not an empty, "valid" log.
#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/messages.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::cli {
namespace {

// Walks the chain of the store and prints the report; 0 intact, 1 broken, 2 no usable store.
int run_verify(const std::string& data_dir, const std::string& db) {
  if (data_dir.empty() && db.empty()) {
    std::cerr << "onshi audit verify: E_FLAG: --db URL か --data-dir DIR を指定してください\n";
    return 2;
  }
  auto st = open_database(data_dir, db, false);
  if (!st.ok()) {
    print_error(std::cerr, "onshi audit verify", st.error());
    return 2;
  }
  auto report = security::verify_audit((*st)->members());
  if (!report.ok()) {
    print_error(std::cerr, "onshi audit verify", report.error());
    return 1;
  }
  boost::json::object out;
  out["entries"] = report->entries;
  out["ok"] = report->ok;
  if (!report->ok) {
    out["firstBadSeq"] = report->first_bad_seq;
    out["problem"] = report->problem;
  }
  std::cout << boost::json::serialize(out) << "\n";
  return report->ok ? 0 : 1;
}

}  // namespace

void register_audit(CLI::App& app, Commands& commands) {
  auto data_dir = std::make_shared<std::string>();
  auto db = std::make_shared<std::string>();
  CLI::App* audit = app.add_subcommand(
      "audit", "監査ログ (the hash-chained log of every read of a person's data)");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "監査ログのハッシュチェーンを検証する。結果を JSON で出力; 0 = 正常, 1 = 改ざん・欠落あり "
      "(walk the chain and recompute every hash; prints JSON; exit 0 intact, 1 broken)");
  auto* dir_opt =
      verify->add_option("--data-dir", *data_dir, "データディレクトリ (store: DIR/onshi.db)");
  add_db_option(verify, *db);
  verify->get_option("--db")->excludes(dir_opt);
  commands.on_run(verify, [data_dir, db] { return run_verify(*data_dir, *db); });
}

}  // namespace onshi::cli
