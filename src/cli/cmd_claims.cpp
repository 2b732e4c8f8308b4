// onshi claims check — the claims check (振替・分割) of a claims CSV against the registry, for
// a review & payment organisation's batch run (R-CLM-1..3).
//
// The command wires files to the claims module: it opens the store read-mostly, loads the
// qualification history once, streams the claims through claims::check_csv_file and records
// one audit entry for the whole run (actor "operator", action "claims.check", the counts of
// claims and of person and confirmation lookups) — every read of a person's data is audited,
// in aggregate, as a run of millions of claims must not write millions of entries. The
// compact history is kept in DIR/claims-history.bin between runs and reused while nothing new
// was registered (claims/claims.h: History::load); 医療扶助 claims read the ticket store
// (Database::tickets()). Exit 0
// when the run finished (RETURN rows are results, not failures), 2 for unusable input (flags,
// missing file, bad header, no data directory), 1 for a store failure.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "claims/claims.h"
#include "cli/commands.h"
#include "cli/messages.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::cli {
namespace {

struct ClaimsArgs {
  std::string data_dir, db, in, out, encoding;
  size_t batch_size = 20000;
  int threads = 2;
};

int fail(const Error& e, int code) {
  print_error(std::cerr, "onshi claims check", e);
  return code;
}

int run(const ClaimsArgs& a) {
  if (a.data_dir.empty() && a.db.empty())
    return fail(Error{"E_FLAG", "data-dir", "--data-dir DIR か --db URL を指定してください"}, 2);
  claims::CheckOptions opt;
  if (a.encoding == "utf-8" || a.encoding == "utf8") {
    opt.encoding = core::Encoding::kUtf8;
  } else if (a.encoding == "shift_jis" || a.encoding == "sjis" || a.encoding == "cp932") {
    opt.encoding = core::Encoding::kShiftJis;
  } else if (!a.encoding.empty()) {
    return fail(Error{"E_FLAG", "encoding", "--encoding は utf-8 または shift_jis です"}, 2);
  }
  if (a.batch_size == 0) return fail(Error{"E_FLAG", "batch-size", "--batch-size は1以上です"}, 2);
  opt.batch_size = a.batch_size;
  opt.threads = a.threads;
  opt.progress = isatty(STDERR_FILENO) == 1;

  std::error_code ec;
  if (!std::filesystem::is_regular_file(a.in, ec)) {
    return fail(Error{"E_FILE", "in", "ファイル " + a.in + " がありません"}, 2);
  }
  auto database = open_database(a.data_dir, a.db, false);
  if (!database) return fail(database.error(), is_db_open_error(database.error()) ? 2 : 1);
  store::Store* store = &(*database)->members();

  auto t0 = std::chrono::steady_clock::now();
  if (opt.progress) std::cerr << "loading the qualification history…" << std::flush;
  std::filesystem::path cache = (*database)->cache_dir();
  auto history =
      claims::History::load(*store, 0, cache.empty() ? cache : cache / "claims-history.bin");
  if (!history) return fail(history.error(), 1);
  if (opt.progress) {
    std::cerr << " " << (*history)->versions() << " versions of " << (*history)->card_keys()
              << " card keys\n";
  }
  double load_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The 医療扶助 tickets; a data directory where no office registered any has no ticket file.
  store::TicketStore* tickets = &(*database)->tickets();
  if (!cache.empty() && !std::filesystem::exists(cache / "medical_aid.db")) tickets = nullptr;
  auto summary = claims::check_csv_file(**history, *store, a.in, a.out, opt, tickets);
  if (!summary) {
    const std::string& c = summary.error().code;
    return fail(summary.error(), c == "E_STORE" ? 1 : 2);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // One audit entry for the run's reads of personal data.
  {
    security::AuditLog audit(*store);
    audit.record(summary->audit_record(security::operator_actor(),
                                       std::filesystem::path(a.in).filename().string()));
    if (auto st = audit.flush(); !st.ok()) return fail(st.error(), 1);
  }
  std::string line = summary->to_json();
  line.pop_back();
  char secs_text[96];
  std::snprintf(secs_text, sizeof secs_text,
                ",\"historyFromSnapshot\":%s,\"loadSeconds\":%.3f,\"seconds\":%.3f}",
                (*history)->from_snapshot() ? "true" : "false", load_secs, secs);
  std::cout << line << secs_text << "\n";
  return 0;
}

}  // namespace

void register_claims(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<ClaimsArgs>();
  CLI::App* claims = app.add_subcommand("claims", "レセプトの資格確認 (claims check, 振替・分割)");
  claims->require_subcommand(1);
  CLI::App* cmd = claims->add_subcommand(
      "check",
      "請求 CSV を資格履歴と照合し、結果 CSV を書く (OK / ACCEPT / REASSIGN / SPLIT / RETURN; "
      "see docs/claims.md)");
  cmd->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)");
  add_db_option(cmd, args->db);
  cmd->add_option("--in", args->in, "請求 CSV (claims CSV, UTF-8 or Shift_JIS)")->required();
  cmd->add_option("--out", args->out, "結果 CSV (results CSV, in the input's encoding)")
      ->required();
  cmd->add_option("--encoding", args->encoding,
                  "入力の文字コード utf-8 | shift_jis (default: detect; a UTF-8 BOM is skipped)");
  cmd->add_option("--batch-size", args->batch_size, "1バッチの請求件数 (claims per batch)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "照合スレッド数 (checking threads)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  commands.on_run(cmd, [args] { return run(*args); });
}

}  // namespace onshi::cli
