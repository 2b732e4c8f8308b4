// onshi import — an insurer's member CSV into the store of a data directory (R-REG-1..4).
//
// The command only wires files to registry::import_csv: it opens the store and the keyring,
// runs the import, and writes the report. The report is written to a temporary file and
// renamed into place, so a crash never leaves a half-written report next to a store that
// is itself consistent batch by batch. Every run writes the report, whatever its end: while
// it runs the report says so, a refused file gets {"refused":…} with each problem, a store
// failure {"failed":…} — never the previous run's success. Rejected rows do not make the run
// fail (exit 0); input that cannot be used at all (missing file, bad header, bad encoding,
// bad flags) exits 2 with `code: message` on stderr; a store failure exits 1. One import runs
// per data directory at a time (DIR/.onshi-import.lock); a running service may share it.
// `--kind` chooses the file: an insurer's members (default), a welfare office's 医療扶助
// recipients (medical-aid) or their tickets (medical-aid-tickets, registry/medical_aid.h);
// a medical-aid run is recorded in the audit log (actor "operator", "medicalAid.register").
// The file may be `-` (standard input) or another pipe, e.g. a generator's or zcat's output:
// it is read once, so a run cut short starts again from the beginning (docs/operations.md).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "batch/batch.h"
#include "cli/commands.h"
#include "cli/messages.h"
#include "core/dir_lock.h"
#include "core/files.h"
#include "core/json_text.h"
#include "registry/medical_aid.h"
#include "registry/registry.h"
#include "security/audit.h"
#include "security/crypto.h"
#include "store/store.h"

namespace onshi::cli {
namespace {

struct ImportArgs {
  std::string data_dir, db;
  std::string report;
  std::string encoding;
  std::string kind = "members";
  size_t batch_size = 20000;
  int threads = 2;
  std::string file;
};

// The input's path: `-` is standard input. "" when the pipeline cannot read it.
std::string input_path(const std::string& file) {
  const std::string path = file == "-" ? "/dev/stdin" : file;
  return batch::readable_input(path) ? path : "";
}

int fail(const Error& e, int code) {
  print_error(std::cerr, "onshi import", e);
  return code;
}

// Writes the report beside its target and renames it, so a reader never sees half of it;
// a target that exists and is not a regular file (/dev/null, a pipe) is written in place —
// renaming over it would replace the device.
bool write_atomically(const std::filesystem::path& path, const std::string& text) {
  if (core::is_special_file(path)) {
    std::ofstream out(path, std::ios::binary);
    out << text << "\n";
    out.flush();
    return static_cast<bool>(out);
  }
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

void append_error(std::string& out, const Error& e) {
  out += "{\"code\":";
  core::append_json_string(out, e.code);
  out += ",\"field\":";
  core::append_json_string(out, e.field);
  out += ",\"message\":";
  core::append_json_string(out, e.message);
  out += "}";
}

// The report of a run that did not finish: {"refused":{…},"errors":[…]} when the file was
// refused as a whole (exit 2; nothing was imported), {"failed":{…}} when the store or the
// key failed (exit 1; the batches committed before are kept), {"running":{…}} while a run is
// under way (so a crash never leaves the previous run's success in place).
std::string unfinished_report(const char* kind, const Error& e,
                              const std::vector<registry::RecordError>& problems) {
  std::string out = std::string("{\"") + kind + "\":";
  append_error(out, e);
  if (!problems.empty()) {
    out += ",\"errors\":[";
    for (size_t i = 0; i < problems.size(); ++i) {
      if (i) out += ",";
      out += "{\"row\":" + std::to_string(problems[i].row) + ",";
      std::string one;
      append_error(one, Error{problems[i].code, problems[i].field, problems[i].message});
      out += one.substr(1);
    }
    out += "]";
  }
  return out + "}";
}

// Ends the run with an error: the report says so too (a report that cannot be written is
// only mentioned — the error itself is what the operator must see).
// Returns `exit_code`.
int finish_failed(const ImportArgs& a, const char* kind, const Error& e, int exit_code,
                  const std::vector<registry::RecordError>& problems = {}) {
  fail(e, exit_code);
  if (!write_atomically(a.report, unfinished_report(kind, e, problems)))
    std::cerr << "onshi import: E_REPORT: レポート " << a.report << " も書けません\n";
  return exit_code;
}

Result<registry::ImportOptions> import_options(const ImportArgs& a) {
  registry::ImportOptions opt;
  if (a.encoding == "utf-8" || a.encoding == "utf8") {
    opt.encoding = core::Encoding::kUtf8;
  } else if (a.encoding == "shift_jis" || a.encoding == "sjis" || a.encoding == "cp932") {
    opt.encoding = core::Encoding::kShiftJis;
  } else if (!a.encoding.empty()) {
    return Error{"E_FLAG", "encoding", "--encoding は utf-8 または shift_jis です"};
  }
  if (a.batch_size == 0) return Error{"E_FLAG", "batch-size", "--batch-size は1以上です"};
  opt.batch_size = a.batch_size;
  opt.threads = a.threads;
  opt.progress = isatty(STDERR_FILENO) == 1;
  return opt;
}

int run(const ImportArgs& a) {
  // First replace any previous report: until this run ends, the report says it is running.
  std::string running = "{\"running\":{\"pid\":" + std::to_string(::getpid()) + ",\"file\":";
  core::append_json_string(running, a.file);
  if (!write_atomically(a.report, running + "}}")) {
    return fail(Error{"E_REPORT", "report", "レポート " + a.report + " を書けません"}, 1);
  }
  auto opt = import_options(a);
  if (!opt) return finish_failed(a, "refused", opt.error(), 2);
  const std::string file = input_path(a.file);
  if (file.empty())
    return finish_failed(a, "refused",
                         Error{"E_FILE", "",
                               a.file == "-" ? "標準入力 (-) がパイプでもファイルでもありません"
                                             : "ファイル " + a.file + " がありません"},
                         2);
  std::error_code ec;
  std::filesystem::create_directories(a.data_dir, ec);
  // One import at a time per data directory; a running `onshi serve` may share it (WAL).
  auto lock = core::DirLock::acquire(a.data_dir, "import", "data-dir", "another onshi import");
  if (!lock) return finish_failed(a, "failed", lock.error(), 1);
  auto database = open_database(a.data_dir, a.db, true);
  if (!database) {
    bool unusable = is_db_open_error(database.error());
    return finish_failed(a, unusable ? "refused" : "failed", database.error(), unusable ? 2 : 1);
  }
  store::Store* store = &(*database)->members();
  if (!security::Keyring::exists(a.data_dir)) {
    auto n = store->count_versions();
    if (n && *n > 0)
      return finish_failed(a, "refused",
                           Error{"E_KEY_MISSING", "data-dir",
                                 "登録済みのデータがありますが keys/master.key がありません。"
                                 "バックアップから復元してください"},
                           2);
  }
  auto keyring = security::Keyring::load_or_create(a.data_dir);
  if (!keyring) return finish_failed(a, "failed", keyring.error(), 1);

  std::vector<registry::RecordError> problems;
  opt->file_problems = &problems;
  auto report = a.kind == "medical-aid"
                    ? registry::import_recipients_csv(*store, *keyring, file, *opt)
                : a.kind == "medical-aid-tickets"
                    ? registry::import_tickets_csv(*store, (*database)->tickets(), file, *opt)
                    : registry::import_csv(*store, *keyring, file, *opt);
  if (!report) {
    const std::string& c = report.error().code;
    bool unusable = c == "E_FILE" || c == "E_ENCODING" || c == "E_CSV_HEADER";
    return finish_failed(a, unusable ? "refused" : "failed", report.error(), unusable ? 2 : 1,
                         problems);
  }
  if (a.kind != "members") {
    security::AuditLog audit(*store);
    audit.record(security::MedicalAidRegistration{
        security::operator_actor(), "", a.kind == "medical-aid" ? "recipients" : "tickets",
        report->accepted, report->unchanged, report->rejected,
        std::filesystem::path(file).filename().string()});
    if (auto st = audit.flush(); !st) return finish_failed(a, "failed", st.error(), 1);
  }
  if (!write_atomically(a.report, report->to_json())) {
    return fail(Error{"E_REPORT", "", "レポート " + a.report + " を書けません"}, 1);
  }
  if (!report->notice.empty()) std::cerr << "onshi import: " << report->notice << "\n";
  std::cout << "accepted " << report->accepted << ", unchanged " << report->unchanged
            << ", rejected " << report->rejected << "\n";
  return 0;
}

}  // namespace

void register_import(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "加入者 CSV を登録する (register an insurer's member CSV, or a welfare office's 医療扶助 "
      "recipients or tickets; UTF-8 or Shift_JIS)");
  cmd->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)")->required();
  add_db_option(cmd, args->db);
  cmd->add_option("--report", args->report, "結果 JSON の出力先 (report file)")->required();
  cmd->add_option("--kind", args->kind,
                  "ファイルの種類: members (加入者), medical-aid (医療扶助の受給者), "
                  "medical-aid-tickets (医療券・調剤券); docs/medical-aid.md")
      ->capture_default_str()
      ->check(CLI::IsMember({"members", "medical-aid", "medical-aid-tickets"}));
  cmd->add_option("--encoding", args->encoding,
                  "文字コード utf-8 | shift_jis (default: detect; a UTF-8 BOM is skipped)");
  cmd->add_option("--batch-size", args->batch_size, "1トランザクションの行数 (rows per batch)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "検証スレッド数 (validation threads)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("file", args->file,
                  "CSV ファイル、- は標準入力 (member, recipient or ticket CSV; - reads stdin)")
      ->required();
  commands.on_run(cmd, [args] { return run(*args); });
}

}  // namespace onshi::cli
