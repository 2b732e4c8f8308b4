// onshi clinical — clinical information's sources on the command line (R-CONF-5):
// `clinical import` loads a file of one kind (the twin of POST /v1/clinical/{kind}) and
// `clinical windows` shows or changes how far back each kind may be viewed.
//
// The import writes its report like `onshi import`: replaced atomically, saying "running"
// while it runs, {"refused":…} for a file that cannot be used (exit 2) and {"failed":…} for a
// store failure (exit 1). Rejected rows do not fail the run (exit 0). The run is one audit
// entry ("clinical.load", actor operator, with the file name and the counts).
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/messages.h"
#include "clinical/clinical.h"
#include "core/files.h"
#include "core/json_text.h"
#include "security/audit.h"

namespace onshi::cli {
namespace {

struct ClinicalImportArgs {
  std::string data_dir, db, report, encoding, kind, file;
  size_t batch_size = 20000;
  int threads = 2;
};

struct WindowsArgs {
  std::string data_dir, db;
  std::vector<std::string> set;
};

int fail(const Error& e, int code) {
  print_error(std::cerr, "onshi clinical", e);
  return code;
}

// In place for a device or pipe, else beside the target and renamed over it.
bool write_report(const std::string& path, const std::string& text) {
  if (path.empty()) return true;
  const bool special = core::is_special_file(path);
  const std::string tmp = special ? path : path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text << "\n";
    out.flush();
    if (!out) return false;
  }
  if (special) return true;
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// The run ends with `e`: on stderr, and in the report as {"refused"|"failed":{…}}.
int finish(const ClinicalImportArgs& a, const char* kind, const Error& e, int exit_code) {
  std::string j = std::string("{\"") + kind + "\":{\"code\":";
  core::append_json_string(j, e.code);
  j += ",\"field\":";
  core::append_json_string(j, e.field);
  j += ",\"message\":";
  core::append_json_string(j, e.message);
  write_report(a.report, j + "}}");
  return fail(e, exit_code);
}

Result<batch::Options> pipeline_options(const ClinicalImportArgs& a) {
  batch::Options opt;
  if (a.encoding == "utf-8" || a.encoding == "utf8") {
    opt.encoding = core::Encoding::kUtf8;
  } else if (a.encoding == "shift_jis" || a.encoding == "sjis" || a.encoding == "cp932") {
    opt.encoding = core::Encoding::kShiftJis;
  } else if (!a.encoding.empty()) {
    return Error{"E_FLAG", "encoding", "--encoding は utf-8 または shift_jis です"};
  }
  if (a.batch_size == 0) return Error{"E_FLAG", "batch-size", "--batch-size は1以上です"};
  if (a.data_dir.empty() && a.db.empty())
    return Error{"E_FLAG", "db", "--db か --data-dir を指定してください"};
  opt.batch_size = a.batch_size;
  opt.threads = a.threads;
  opt.progress = isatty(STDERR_FILENO) == 1;
  opt.progress_label = "clinical " + a.kind;
  return opt;
}

int run_import(const ClinicalImportArgs& a) {
  std::string running = "{\"running\":{\"pid\":" + std::to_string(::getpid()) + ",\"file\":";
  core::append_json_string(running, a.file);
  if (!write_report(a.report, running + "}}"))
    return fail(Error{"E_REPORT", "report", "レポート " + a.report + " を書けません"}, 1);
  auto kind = store::parse_clinical_kind(a.kind);
  if (!kind)
    return finish(a, "refused",
                  Error{"E_FLAG", "kind",
                        "--kind は medication, checkups, treatments, prescriptions, expenses のいずれかです"},
                  2);
  auto opt = pipeline_options(a);
  if (!opt) return finish(a, "refused", opt.error(), 2);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(a.file, ec))
    return finish(a, "refused", Error{"E_FILE", "", "ファイル " + a.file + " がありません"}, 2);
  auto db = open_database(a.data_dir, a.db, true);
  if (!db) {
    const bool unusable = is_db_open_error(db.error());
    return finish(a, unusable ? "refused" : "failed", db.error(), unusable ? 2 : 1);
  }
  const std::string name = std::filesystem::path(a.file).filename().string();
  clinical::LoadOptions load;
  load.source = "import:" + name;
  auto report = clinical::import_csv(**db, *kind, a.file, load, *opt);
  if (!report) {
    const std::string& c = report.error().code;
    const bool unusable = c == "E_FILE" || c == "E_ENCODING" || c == "E_CSV_HEADER";
    return finish(a, unusable ? "refused" : "failed", report.error(), unusable ? 2 : 1);
  }
  {
    security::AuditLog audit((*db)->members());
    audit.record(security::ClinicalLoad{security::operator_actor(), a.kind, report->accepted,
                                        report->unchanged, report->rejected, name});
    if (auto st = audit.flush(); !st) return finish(a, "failed", st.error(), 1);
  }
  if (!write_report(a.report, report->to_json()))
    return fail(Error{"E_REPORT", "report", "レポート " + a.report + " を書けません"}, 1);
  if (!report->notice.empty()) std::cerr << "onshi clinical: " << report->notice << "\n";
  std::cout << "accepted " << report->accepted << ", unchanged " << report->unchanged
            << ", rejected " << report->rejected << "\n";
  return 0;
}

// Applies each --set KIND=WINDOW, then prints every window as a JSON line.
int run_windows(const WindowsArgs& a) {
  if (a.data_dir.empty() && a.db.empty())
    return fail(Error{"E_FLAG", "db", "--db か --data-dir を指定してください"}, 2);
  std::vector<store::ViewingWindow> changes;
  for (const std::string& s : a.set) {
    const size_t eq = s.find('=');
    auto kind = store::parse_clinical_kind(s.substr(0, eq));
    if (eq == std::string::npos || !kind)
      return fail(Error{"E_FLAG", "set", "--set は 種類=期間 です（例: medication=3y）"}, 2);
    auto w = clinical::parse_window(*kind, s.substr(eq + 1));
    if (!w) return fail(w.error(), 2);
    changes.push_back(*w);
  }
  auto db = open_database(a.data_dir, a.db, true);
  if (!db) return fail(db.error(), is_db_open_error(db.error()) ? 2 : 1);
  for (const auto& w : changes)
    if (auto st = (*db)->clinical().set_window(w); !st) return fail(st.error(), 1);
  auto windows = (*db)->clinical().windows();
  if (!windows) return fail(windows.error(), 1);
  for (const auto& w : *windows) {
    std::string line = "{\"kind\":";
    core::append_json_string(line, store::clinical_kind_name(w.kind));
    line += ",\"amount\":" + std::to_string(w.amount) + ",\"unit\":";
    core::append_json_string(line, std::string(1, w.unit));
    line += ",\"basis\":";
    core::append_json_string(line, w.basis);
    std::cout << line << "}\n";
  }
  return 0;
}

void register_import_command(CLI::App* parent, Commands& commands) {
  auto a = std::make_shared<ClinicalImportArgs>();
  CLI::App* cmd = parent->add_subcommand(
      "import", "臨床情報のファイルを登録する (load a CSV of one kind; UTF-8 or Shift_JIS)");
  cmd->add_option("--kind", a->kind, "medication | checkups | treatments | prescriptions | expenses")
      ->required();
  cmd->add_option("--data-dir", a->data_dir, "データディレクトリ (data directory: sqlite:DIR)");
  add_db_option(cmd, a->db);
  cmd->add_option("--report", a->report, "結果 JSON の出力先 (report file)");
  cmd->add_option("--encoding", a->encoding, "文字コード utf-8 | shift_jis (default: detect)");
  cmd->add_option("--batch-size", a->batch_size, "1トランザクションの行数 (rows per batch)")
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "検証スレッド数 (validation threads)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("file", a->file, "CSV ファイル (the kind's columns, docs/clinical.md)")
      ->required();
  commands.on_run(cmd, [a] { return run_import(*a); });
}

}  // namespace

void register_clinical(CLI::App& app, Commands& commands) {
  CLI::App* clinical = app.add_subcommand(
      "clinical", "臨床情報（薬剤・健診・診療・処方） (clinical information: import, windows)");
  clinical->require_subcommand(1);
  register_import_command(clinical, commands);
  auto w = std::make_shared<WindowsArgs>();
  CLI::App* windows = clinical->add_subcommand(
      "windows", "閲覧できる期間を表示・変更する (show or set the viewing windows)");
  windows->add_option("--data-dir", w->data_dir, "データディレクトリ (data directory)");
  add_db_option(windows, w->db);
  windows->add_option("--set", w->set, "種類=期間, e.g. medication=3y, prescriptions=100d");
  commands.on_run(windows, [w] { return run_windows(*w); });
}

}  // namespace onshi::cli
