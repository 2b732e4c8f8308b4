// onshi quality report | overlaps — an insurer's data-quality report and its
// 資格重複状況結果一覧 (R-REG-4..6), from the data directory, for the operator's batch run;
// and a welfare office's 医療扶助 data (quality recipients | tickets | medical-aid: its
// recipients, tickets and quality report, quality/medical_aid.h), each read audited.
//
// The command only wires flags and files to quality/: it opens the store without creating
// it, runs the report or the list, writes the output whole (a temporary file renamed into
// place) and records one audit entry for the run (actor "operator"), since both read
// personal data. Exit 0 done, 2 unusable input (flags, insurer number, no data directory,
// unwritable output), 1 a store failure. A one-line JSON summary goes to stdout.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/messages.h"
#include "core/files.h"
#include "core/json_text.h"
#include "quality/medical_aid.h"
#include "quality/quality.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::cli {
namespace {

struct QualityArgs {
  std::string data_dir, db, insurer, out, encoding, since, as_of, recipient, month;
  int late_days = 14;
};

int fail(const char* cmd, const Error& e, int code) {
  print_error(std::cerr, std::string("onshi quality ") + cmd, e);
  return code;
}

int exit_code_of(const Error& e) {
  return e.code == "E_STORE" || e.code == "E_STORE_CORRUPT" ? 1 : 2;
}

Result<std::unique_ptr<store::Database>> open_store(const QualityArgs& a) {
  if (a.data_dir.empty() && a.db.empty())
    return Error{"E_DATA_DIR", "data-dir", "--data-dir DIR か --db URL を指定してください"};
  return open_database(a.data_dir, a.db, false);
}

Result<core::Date> date_flag(const std::string& value, const char* flag) {
  auto d = core::Date::parse(value);
  if (!d) return Error{"E_FLAG", flag, std::string("--") + flag + " は YYYYMMDD の日付です"};
  return *d;
}

// Records the run's entry (the actor is the operator) and waits until it is durable.
Status audit_run(store::Store& store, const security::AuditRecord& record) {
  security::AuditLog audit(store);
  audit.record(record);
  return audit.flush();
}

// Writes beside the target and renames (a reader never sees half a file); a device or pipe
// (/dev/null) is written in place.
Status write_file(const std::string& path, const std::string& text) {
  const bool in_place = core::is_special_file(path);
  std::filesystem::path tmp = in_place ? path : path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (f) f.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!f) {
      std::error_code ec;
      if (!in_place) std::filesystem::remove(tmp, ec);
      return Status::Fail("E_FILE", "out", "ファイル " + path + " を書けません");
    }
  }
  if (in_place) return {};
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::Fail("E_FILE", "out", "ファイル " + path + " を書けません");
  }
  return {};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_report(const QualityArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  quality::ReportOptions o;
  o.insurer_number = a.insurer;
  o.late_days = a.late_days;
  if (a.late_days < 0)
    return fail("report", Error{"E_FLAG", "late-days", "--late-days は0以上です"}, 2);
  if (!a.since.empty()) {
    auto d = date_flag(a.since, "since");
    if (!d) return fail("report", d.error(), 2);
    o.lag_since = *d;
  }
  if (!a.as_of.empty()) {
    auto d = date_flag(a.as_of, "as-of");
    if (!d) return fail("report", d.error(), 2);
    o.today = *d;
  }
  auto db = open_store(a);
  if (!db) return fail("report", db.error(), is_db_open_error(db.error()) ? 2 : 1);
  store::Store* store = &(*db)->members();
  auto report = quality::build_report(*store, o);
  if (!report) return fail("report", report.error(), exit_code_of(report.error()));
  if (auto st = write_file(a.out, *report); !st) return fail("report", st.error(), 2);
  if (auto st =
          audit_run(*store, security::QualityReport{security::operator_actor(), o.insurer_number});
      !st)
    return fail("report", st.error(), 1);
  // The summary object of the report, plus the time taken.
  std::string summary = "{}";
  if (auto p = report->find("\"summary\":{"); p != std::string::npos) {
    auto e = report->find('}', p);
    summary = report->substr(p + 10, e - (p + 10) + 1);
  }
  summary.pop_back();
  char secs[48];
  std::snprintf(secs, sizeof secs, ",\"seconds\":%.3f}", seconds_since(t0));
  std::cout << summary << secs << "\n";
  return 0;
}

int run_overlaps(const QualityArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  quality::OverlapOptions o;
  o.insurer_number = a.insurer;
  if (a.encoding == "shift_jis" || a.encoding == "sjis" || a.encoding == "cp932") {
    o.encoding = core::Encoding::kShiftJis;
  } else if (!a.encoding.empty() && a.encoding != "utf-8" && a.encoding != "utf8") {
    return fail("overlaps",
                Error{"E_FLAG", "encoding", "--encoding は utf-8 または shift_jis です"}, 2);
  }
  auto db = open_store(a);
  if (!db) return fail("overlaps", db.error(), is_db_open_error(db.error()) ? 2 : 1);
  store::Store* store = &(*db)->members();
  auto summary = quality::write_overlaps(*store, o, a.out);
  if (!summary) return fail("overlaps", summary.error(), exit_code_of(summary.error()));
  if (auto st = audit_run(*store, security::QualityOverlaps{security::operator_actor(),
                                                            o.insurer_number, summary->overlaps});
      !st)
    return fail("overlaps", st.error(), 1);
  char secs[48];
  std::snprintf(secs, sizeof secs, "%.3f", seconds_since(t0));
  std::cout << "{\"members\":" << summary->members << ",\"overlaps\":" << summary->overlaps
            << ",\"substituted\":" << summary->substituted << ",\"seconds\":" << secs << "}\n";
  return 0;
}

// quality recipients | tickets | medical-aid: one of the welfare office's views, written to
// --out; the read is audited inside (actor "operator", "medicalAid.view").
int run_aid(const QualityArgs& a, const char* cmd,
            Result<std::string> (*view)(store::Store&, store::TicketStore&, security::AuditLog&,
                                        const quality::AidQuery&)) {
  quality::AidQuery q;
  q.actor = security::operator_actor();
  q.insurer_number = a.insurer;
  q.recipient_number = a.recipient;
  q.month = a.month;
  if (!a.as_of.empty()) {
    auto d = date_flag(a.as_of, "as-of");
    if (!d) return fail(cmd, d.error(), 2);
    q.today = *d;
  }
  auto db = open_store(a);
  if (!db) return fail(cmd, db.error(), is_db_open_error(db.error()) ? 2 : 1);
  security::AuditLog audit((*db)->members());
  auto body = view((*db)->members(), (*db)->tickets(), audit, q);
  if (!body) return fail(cmd, body.error(), exit_code_of(body.error()));
  if (auto st = audit.flush(); !st) return fail(cmd, st.error(), 1);
  if (auto st = write_file(a.out, *body); !st) return fail(cmd, st.error(), 2);
  std::string line = "{\"out\":";
  core::append_json_string(line, a.out);
  std::cout << line << "}\n";
  return 0;
}

// The three views of a welfare office, each a subcommand of `onshi quality`.
void register_aid_views(CLI::App* quality, Commands& commands, std::shared_ptr<QualityArgs> args) {
  struct Sub {
    const char* name;
    const char* help;
    Result<std::string> (*view)(store::Store&, store::TicketStore&, security::AuditLog&,
                                const quality::AidQuery&);
  };
  const Sub subs[] = {
      {"recipients",
       "福祉事務所の医療扶助の受給者 (JSON): 一覧、または --recipient "
       "の受給者の履歴・医療券・資格確認",
       quality::recipients_view},
      {"tickets", "福祉事務所の医療券・調剤券 (JSON): --recipient, --month で絞り込み",
       quality::tickets_view},
      {"medical-aid",
       "福祉事務所のデータ品質レポート (JSON): 今月の医療券のない受給者、期間外の医療券、重複、"
       "国保・後期との重複など",
       quality::medical_aid_report}};
  for (const auto& sub : subs) {
    CLI::App* cmd = quality->add_subcommand(sub.name, sub.help);
    cmd->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)");
    add_db_option(cmd, args->db);
    cmd->add_option("--insurer", args->insurer, "福祉事務所の公費負担者番号 (法別 12)")->required();
    cmd->add_option("--out", args->out, "JSON の出力先 (output file)")->required();
    if (sub.view != quality::medical_aid_report)
      cmd->add_option("--recipient", args->recipient, "受給者番号 (7 digits)");
    if (sub.view == quality::tickets_view)
      cmd->add_option("--month", args->month, "診療年月 YYYYMM");
    cmd->add_option("--as-of", args->as_of, "判定日 YYYYMMDD (default: today in JST)");
    std::string name = std::string("") + sub.name;
    auto view = sub.view;
    commands.on_run(cmd, [args, name, view] { return run_aid(*args, name.c_str(), view); });
  }
}

}  // namespace

void register_quality(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<QualityArgs>();
  CLI::App* quality = app.add_subcommand(
      "quality", "保険者向けデータ品質 (data quality for insurers; see docs/data-quality.md)");
  quality->require_subcommand(1);

  CLI::App* report = quality->add_subcommand(
      "report",
      "データ品質レポート (JSON): 個人番号の取り違い疑い, 個人番号未登録, 漢字変換, ●, "
      "高齢受給者証×限度額適用区分×年齢の矛盾, 登録の遅れ, 取込時の不備件数");
  report->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)");
  add_db_option(report, args->db);
  report->add_option("--insurer", args->insurer, "保険者番号 (insurer number)")->required();
  report->add_option("--out", args->out, "レポート JSON の出力先 (report file)")->required();
  report
      ->add_option(
          "--late-days", args->late_days,
          "この日数を超えて登録されたものを遅延とする (days after which a registration is late)")
      ->capture_default_str();
  report->add_option("--since", args->since,
                     "この日以降の取得・喪失だけを遅延の集計に含める YYYYMMDD (default: the "
                     "insurer's first registration day)");
  report->add_option("--as-of", args->as_of, "判定日 YYYYMMDD (default: today in JST)");
  commands.on_run(report, [args] { return run_report(*args); });

  CLI::App* overlaps = quality->add_subcommand(
      "overlaps", "資格重複状況結果一覧 (CSV): 同じ人が他の資格を重複して持つ期間");
  overlaps->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)");
  add_db_option(overlaps, args->db);
  overlaps->add_option("--insurer", args->insurer, "保険者番号 (insurer number)")->required();
  overlaps->add_option("--out", args->out, "CSV の出力先 (CSV file)")->required();
  overlaps->add_option("--encoding", args->encoding,
                       "出力の文字コード utf-8 | shift_jis (default utf-8)");
  commands.on_run(overlaps, [args] { return run_overlaps(*args); });
  register_aid_views(quality, commands, args);
}

}  // namespace onshi::cli
