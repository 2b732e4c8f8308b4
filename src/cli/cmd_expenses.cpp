// onshi expenses verify FILE.xml --data-dir DIR: checks the signature of a yearly 医療費通知情報
// statement the service signed (expenses/expenses.h) against the CA certificate of the data
// directory, and prints what it vouches for as one JSON line. Exit 0 valid, 1 not valid (a
// changed byte, another signer), 2 unusable input (no file, no CA).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/messages.h"
#include "core/json_text.h"
#include "expenses/expenses.h"

namespace onshi::cli {
namespace {

struct VerifyArgs {
  std::string file, data_dir;
};

int run_verify(const VerifyArgs& a) {
  auto fail = [](const Error& e, int code) {
    print_error(std::cerr, "onshi expenses verify", e);
    return code;
  };
  std::ifstream in(a.file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return fail(Error{"E_FILE", "file", "ファイル " + a.file + " を読めません"}, 2);
  auto v = expenses::verify_statement(text.str(), a.data_dir);
  if (!v) return fail(v.error(), v.error().code == "E_EXPENSE_SIGNATURE" ? 1 : 2);
  std::string line = "{\"valid\":true,\"year\":" + std::to_string(v->year) +
                     ",\"lines\":" + std::to_string(v->lines) + ",\"signer\":";
  core::append_json_string(line, v->signer);
  std::cout << line << "}\n";
  return 0;
}

}  // namespace

void register_expenses(CLI::App& app, Commands& commands) {
  CLI::App* expenses = app.add_subcommand(
      "expenses", "医療費通知情報 (the yearly statement for the medical expense deduction)");
  expenses->require_subcommand(1);
  auto a = std::make_shared<VerifyArgs>();
  CLI::App* verify = expenses->add_subcommand(
      "verify", "年間の医療費通知情報 (XML) の署名を確認する (verify a signed statement)");
  verify->add_option("file", a->file, "署名付き XML (the statement downloaded from the portal)")
      ->required();
  verify->add_option("--data-dir", a->data_dir, "認証局のあるデータディレクトリ (DIR/ca/ca.pem)")
      ->required();
  commands.on_run(verify, [a] { return run_verify(*a); });
}

}  // namespace onshi::cli
