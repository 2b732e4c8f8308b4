// onshi card issue | link | revoke | show — J-LIS's side of the simulated My Number card
// (card/card.h, R-CARD-1): issuing a card file, 初回登録 with the PIN, revocation, and reading
// what a card file says about itself.
//
// The commands are thin; every rule lives in card/. The J-LIS CA and the keyring are files in
// --data-dir; the register is in the database, --db URL (by default the SQLite files of
// --data-dir); `revoke` needs no key and takes --db alone. Exit codes: 0 done; 1 failed (wrong
// PIN, locked, revoked, unknown card, no qualification to link to, store errors); 2 unusable
// input (bad flags, a My Number or PIN of the wrong form, a missing or unreadable card file, a
// database that cannot be opened). The My Number given to `issue` is never printed, not even
// in an error; nor is a password in --db.
#include <boost/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "card/card.h"
#include "cli/commands.h"
#include "cli/messages.h"
#include "store/database.h"

namespace onshi::cli {
namespace {

struct CardArgs {
  std::string data_dir, db, my_number, pin, out, label, card, serial;
  int days = 5 * 365;
};

void print_error(const Error& e) {
  cli::print_error(std::cerr, "onshi card", e);
}

bool is_input_error(const std::string& c) {
  return c == "E_EMPTY" || c == "E_NOT_DIGIT" || c == "E_LENGTH" || c == "E_CHECK_DIGIT" ||
         c == "E_CARD_PIN_FORMAT" || c == "E_CARD_LABEL" || c == "E_CARD_FILE" ||
         c == "E_VALIDITY" || c == "E_FLAG";
}

// Prints the refusal; returns the exit code: 2 unusable input or database, else 1.
int fail(const Error& e) {
  print_error(e);
  return is_input_error(e.code) || is_db_open_error(e) ? 2 : 1;
}

// The database of --db, or the SQLite files of --data-dir.
Result<std::unique_ptr<store::Database>> open_db(const CardArgs& args) {
  if (args.data_dir.empty() && args.db.empty())
    return Error{"E_FLAG", "db", "--db か --data-dir を指定してください"};
  return store::open_store(db_url_of(args.data_dir, args.db));
}

// card issue: the card file and its register entry.
int run_issue(const CardArgs& a) {
  card::IssueOptions o;
  o.my_number = a.my_number;
  o.pin = a.pin;
  o.label = a.label;
  o.validity_days = a.days;
  auto db = open_db(a);
  if (!db) return fail(db.error());
  auto r = card::issue(a.data_dir, **db, o, a.out);
  if (!r) return fail(r.error());
  const std::string db_flag = a.db.empty() ? "" : " --db " + store::redact_url(a.db);
  std::cout << "カードを発行しました\n  シリアル番号: " << r->serial
            << "\n  カードファイル: " << a.out << " (0600)\n  初回登録: onshi card link --data-dir "
            << a.data_dir << db_flag << " --card " << a.out << " --pin ****\n";
  return 0;
}

// card link: 初回登録 with the PIN.
int run_link(const CardArgs& a) {
  auto db = open_db(a);
  if (!db) return fail(db.error());
  Status s = card::link(a.data_dir, **db, a.card, a.pin);
  if (!s) return fail(s.error());
  std::cout << "初回登録が完了しました。このカードを健康保険証として利用できます。\n";
  return 0;
}

// card revoke: by --serial, or the serial of --card.
int run_revoke(const CardArgs& a) {
  std::string serial = a.serial;
  if (serial.empty()) {
    if (a.card.empty())
      return fail(Error{"E_FLAG", "card", "--card か --serial を指定してください"});
    auto c = card::Card::load(a.card);
    if (!c) return fail(c.error());
    serial = c->serial();
  }
  auto db = open_db(a);
  if (!db) return fail(db.error());
  Status s = card::revoke(**db, serial);
  if (!s) return fail(s.error());
  std::cout << "カードを失効させました (シリアル番号 " << serial << ")\n";
  return 0;
}

// card show: what a card file says about itself, as JSON.
int run_show(const CardArgs& a) {
  auto c = card::Card::load(a.card);
  if (!c) return fail(c.error());
  boost::json::object o{{"serial", c->serial()},
                        {"label", c->label()},
                        {"pinRetriesLeft", c->pin_retries_left()},
                        {"locked", c->locked()}};
  std::cout << boost::json::serialize(o) << "\n";
  return 0;
}

}  // namespace

void register_card(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<CardArgs>();
  auto* cmd = app.add_subcommand(
      "card", "マイナンバーカード (模擬) の発行・初回登録・失効・読み取り. Simulated My Number cards.");
  cmd->require_subcommand(1);

  CLI::App* issue = cmd->add_subcommand(
      "issue",
      "カードを発行する: J-LIS の電子証明書と鍵を持つカードファイルを作り、台帳に登録する "
      "(issue a card file; the J-LIS CA in DIR/jlis is made on first use)");
  issue->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)")->required();
  issue->add_option("--my-number", args->my_number,
                    "個人番号 12桁 (検査用数字つき)。保存されず、表示もされない")
      ->required();
  issue->add_option("--pin", args->pin, "利用者証明用の暗証番号 4桁 (4-digit PIN)")->required();
  issue->add_option("--out", args->out, "作成するカードファイル (0600; 既存のファイルは上書きしない)")
      ->required();
  issue->add_option("--label", args->label, "カードの表示名 (例 山田太郎; 個人番号は不可)");
  issue->add_option("--days", args->days, "電子証明書の有効日数 (validity in days)")
      ->capture_default_str()
      ->check(CLI::Range(1, 20 * 365));
  add_db_option(issue, args->db);
  commands.on_run(issue, [args] { return run_issue(*args); });

  CLI::App* link = cmd->add_subcommand(
      "link",
      "初回登録: 暗証番号でカードを確認し、健康保険証として利用できるようにする "
      "(link the card for use as a health insurance card; the holder must have a registered "
      "qualification)");
  link->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)")->required();
  link->add_option("--card", args->card, "カードファイル (card file)")->required();
  link->add_option("--pin", args->pin, "暗証番号 4桁 (間違えると残り回数が減る)")->required();
  add_db_option(link, args->db);
  commands.on_run(link, [args] { return run_link(*args); });

  CLI::App* revoke = cmd->add_subcommand(
      "revoke", "カードの電子証明書を失効させる (revoke a card: lost, stolen, reissued)");
  revoke->add_option("--data-dir", args->data_dir,
                     "データディレクトリ (data directory; --db がないとき、その SQLite)");
  add_db_option(revoke, args->db);
  auto* card_opt = revoke->add_option("--card", args->card, "カードファイル (card file)");
  auto* serial_opt =
      revoke->add_option("--serial", args->serial, "電子証明書のシリアル番号 (hex)");
  card_opt->excludes(serial_opt);
  serial_opt->excludes(card_opt);
  commands.on_run(revoke, [args] { return run_revoke(*args); });

  CLI::App* show = cmd->add_subcommand(
      "show", "カードファイルの内容を表示する (JSON: serial, label, pinRetriesLeft, locked)");
  show->add_option("--card", args->card, "カードファイル (card file)")->required();
  commands.on_run(show, [args] { return run_show(*args); });
}

}  // namespace onshi::cli
