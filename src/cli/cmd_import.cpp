// onshi import — an insurer's member CSV into the store of a data directory (R-REG-1..4).
//
// The command only wires files to registry::import_csv: it opens the store and the keyring,
// runs the import, and writes the report. The report is written to a temporary file and
// renamed into place, so a crash never leaves a half-written report next to a store that
// is itself consistent batch by batch. Rejected rows do not make the run fail (exit 0);
// input that cannot be used at all (missing file, bad header, bad encoding, bad flags)
// exits 2 with `code: message` on stderr; a store failure exits 1.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/store.h"

namespace onshi::cli {
namespace {

struct ImportArgs {
  std::string data_dir, db;
  std::string report;
  std::string encoding;
  size_t batch_size = 20000;
  int threads = 2;
  std::string file;
};

void fail(const Error& e, int code) {
  std::cerr << "onshi import: " << e.code << ": " << e.message << "\n";
  g_exit_code = code;
}

bool write_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text << "\n";
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

void run(const ImportArgs& a) {
  registry::ImportOptions opt;
  if (a.encoding == "utf-8" || a.encoding == "utf8") {
    opt.encoding = core::Encoding::kUtf8;
  } else if (a.encoding == "shift_jis" || a.encoding == "sjis" || a.encoding == "cp932") {
    opt.encoding = core::Encoding::kShiftJis;
  } else if (!a.encoding.empty()) {
    fail(Error{"E_FLAG", "encoding", "--encoding は utf-8 または shift_jis です"}, 2);
    return;
  }
  if (a.batch_size == 0) {
    fail(Error{"E_FLAG", "batch-size", "--batch-size は1以上です"}, 2);
    return;
  }
  opt.batch_size = a.batch_size;
  opt.threads = a.threads;
  opt.progress = isatty(STDERR_FILENO) == 1;

  std::error_code ec;
  if (!std::filesystem::is_regular_file(a.file, ec)) {
    fail(Error{"E_FILE", "", "ファイル " + a.file + " がありません"}, 2);
    return;
  }
  std::filesystem::create_directories(a.data_dir, ec);
  auto database = open_database(a.data_dir, a.db, true);
  if (!database) return fail(database.error(), is_db_open_error(database.error()) ? 2 : 1);
  store::Store* store = &(*database)->members();
  if (!security::Keyring::exists(a.data_dir)) {
    auto n = store->count_versions();
    if (n && *n > 0)
      return fail(Error{"E_KEY_MISSING", "data-dir",
                        "登録済みのデータがありますが keys/master.key がありません。"
                        "バックアップから復元してください"},
                  2);
  }
  auto keyring = security::Keyring::load_or_create(a.data_dir);
  if (!keyring) return fail(keyring.error(), 1);

  auto report = registry::import_csv(*store, *keyring, a.file, opt);
  if (!report) {
    const std::string& c = report.error().code;
    bool unusable = c == "E_FILE" || c == "E_ENCODING" || c == "E_CSV_HEADER";
    return fail(report.error(), unusable ? 2 : 1);
  }
  if (!a.report.empty() && !write_atomically(a.report, report->to_json())) {
    return fail(Error{"E_REPORT", "", "レポート " + a.report + " を書けません"}, 1);
  }
  std::cout << "accepted " << report->accepted << ", unchanged " << report->unchanged
            << ", rejected " << report->rejected << "\n";
  g_exit_code = 0;
}

}  // namespace

void register_import(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "加入者 CSV を登録する (register an insurer's member CSV; UTF-8 or Shift_JIS)");
  cmd->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)")
      ->required();
  add_db_option(cmd, args->db);
  cmd->add_option("--report", args->report, "結果 JSON の出力先 (report file)")->required();
  cmd->add_option("--encoding", args->encoding,
                  "文字コード utf-8 | shift_jis (default: detect; a UTF-8 BOM is skipped)");
  cmd->add_option("--batch-size", args->batch_size, "1トランザクションの行数 (rows per batch)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "検証スレッド数 (validation threads)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("file", args->file, "CSV ファイル (member CSV)")->required();
  cmd->callback([args] { run(*args); });
}

}  // namespace onshi::cli
