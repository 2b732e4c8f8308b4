// onshi institutions — the onboarding workflow, the schedule, the lists and the statistics
// for operators on the command line: the same steps the agency, the bureaus and the
// institutions take over HTTPS, on the same registry: the database of --db URL, or the
// SQLite files of --data-dir DIR (DIR/institutions.db) without it. Usage applications also
// need --data-dir for the CA that signs the certificate.
//
// Every command prints JSON on stdout (the lists print CSV unless told otherwise), refusals
// on stderr as "CODE: message". Exit codes: 0 done, 1 refused or failed (an illegal step, a
// deadline passed), 2 unusable input (a bad flag value). Every change is recorded in the
// service's audit log as actor "operator", like the transitions made over HTTPS.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "institutions/institutions.h"
#include "security/audit.h"
#include "store/database.h"

namespace onshi::cli {
namespace {

namespace inst = institutions;
namespace json = boost::json;
using core::Date;

const char* kActor = "operator";

bool is_bad_input(const std::string& code) {
  static const std::set<std::string> kInput = {
      "E_KIND",      "E_PREFECTURE",  "E_DISTRICT",     "E_NAME",       "E_ADDRESS",
      "E_DATE",      "E_DATE_FORMAT", "E_DATE_INVALID", "E_KEY",        "E_FLAG",
      "E_MODEL",     "E_COUNT",       "E_HEADER",       "E_ENCODING",   "E_EMPTY",
      "E_NOT_DIGIT", "E_LENGTH",      "E_STRUCTURE",    "E_CHECK_DIGIT"};
  return kInput.count(code) > 0;
}

void report(const Error& e) {
  std::cerr << "onshi institutions: " << e.code << (e.field.empty() ? "" : " (" + e.field + ")")
            << ": " << e.message << "\n";
  g_exit_code = is_bad_input(e.code) || is_db_open_error(e) ? 2 : 1;
}

// The registry of a database with the service's audit log attached.
struct Opened {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<inst::Registry> registry;
  ~Opened() {
    registry.reset();
    if (audit) audit->flush();
  }
};

std::unique_ptr<Opened> open(const std::string& data_dir, const std::string& db_url) {
  if (data_dir.empty() && db_url.empty()) {
    report(Error{"E_FLAG", "db", "--data-dir か --db を指定してください"});
    return nullptr;
  }
  auto o = std::make_unique<Opened>();
  auto db = open_database(data_dir, db_url, /*create=*/true);
  if (!db) {
    report(db.error());
    return nullptr;
  }
  o->db = std::move(*db);
  o->audit = std::make_unique<security::AuditLog>(o->db->members());
  auto r = inst::Registry::open(o->db->institutions(), data_dir, o->audit.get());
  if (!r) {
    report(r.error());
    return nullptr;
  }
  o->registry = std::move(*r);
  return o;
}

// Parses a YYYYMMDD flag; an empty value is today. Reports and returns nullopt when bad.
std::optional<Date> date_flag(const std::string& value, const char* field) {
  if (value.empty()) return Date::today_jst();
  auto d = Date::parse(value);
  if (!d) {
    report(Error{d.error().code, field, d.error().message});
    return std::nullopt;
  }
  return *d;
}

std::optional<std::pair<int, int>> month_flag(const std::string& value) {
  auto d = value.size() == 6 ? Date::parse(value + "01") : Result<Date>(Error{"E_DATE", "", ""});
  if (!d) {
    report(Error{"E_DATE", "month", "年月は YYYYMM で指定してください"});
    return std::nullopt;
  }
  return std::pair{d->year(), d->month()};
}

void print_institution(const inst::Institution& i) {
  std::cout << inst::to_json(i) << "\n";
}

std::string schedule_json(const inst::Schedule& s, bool full) {
  json::object o{{"bureauAnswerDate", s.bureau_answer.yyyymmdd()},
                 {"agencyDeadline", s.agency_deadline.yyyymmdd()}};
  if (full) {
    o["submissionDeadline"] = s.submission_deadline.yyyymmdd();
    o["source"] = s.source;
  }
  return json::serialize(o);
}

bool write_out(const std::string& path, const std::string& bytes) {
  if (path.empty() || path == "-") {
    std::cout << bytes;
    return true;
  }
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) {
    report(Error{"E_IO", "out", "書き込めません: " + path});
    return false;
  }
  return true;
}

struct Args {
  std::string data_dir, db, designation, kind, prefecture, name, address, district = "01";
  std::string provisional, request_date, reception_number, code, out, date, model, as_of, month;
  std::string format = "csv", key, file, bureau_answer, agency_deadline, submission_deadline;
  bool retroactive = false, not_designated = false, late = false, rule_only = false, full = false;
  bool use = false, no_use = false, clear = false, published = false;
  int year = 0;
  int64_t count = 0, issued = 0, registrations = 0;
};

CLI::App* sub(CLI::App* parent, const char* name, const char* help) {
  return parent->add_subcommand(name, help);
}
// --data-dir DIR and --db URL: the state is in --db, or in DIR/institutions.db without it.
void data_dir_flag(CLI::App* c, Args& a) {
  c->add_option("--data-dir", a.data_dir,
                "データディレクトリ (鍵・証明書; --db がなければ DIR/institutions.db も)");
  add_db_option(c, a.db);
}

}  // namespace

void register_institutions(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* root = app.add_subcommand(
      "institutions",
      "医療機関等の導入手続: 仮コード・受付番号・指定・利用申請と証明書、日程、一覧、統計 "
      "(institution onboarding, schedule, published lists, statistics)");
  root->require_subcommand(1);

  // --- schedule and calendar
  auto* c = sub(root, "schedule", "指定日に対する回答書発送日と実施機関提出期限 (R-INST-3)");
  c->add_option("--designation", a->designation, "保険医療機関等指定日 YYYYMMDD")->required();
  c->add_option("--data-dir", a->data_dir,
                "運用者の上書き (別紙2を含む) を読むデータディレクトリ (省略時は規則どおりの既定値)");
  add_db_option(c, a->db);
  c->add_flag("--published", a->published,
              "実施機関が公表した期限表 (別紙2) を適用する (--data-dir なしのとき)");
  c->add_flag("--rule-only", a->rule_only, "別紙2と上書きを使わず規則だけで計算する");
  c->add_flag("--full", a->full, "提出期限 (submissionDeadline) と根拠 (source) も出力する");
  c->callback([a] {
    auto d = date_flag(a->designation, "designation");
    if (!d) return;
    inst::Schedule s;
    bool has_state = !a->data_dir.empty() || !a->db.empty();
    if (a->rule_only || (!has_state && !a->published)) {
      // The defaults: 10th / 15th of the previous month, or the next open day.
      s = inst::rule_schedule(*d);
    } else if (has_state) {
      auto o = open(a->data_dir, a->db);
      if (!o) return;
      auto r = o->registry->schedule(*d);
      if (!r) return report(r.error());
      s = *r;
    } else {
      s = inst::schedule_for(*d);
    }
    std::cout << schedule_json(s, a->full) << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "holidays", "その年の祝日・休日 (国民の祝日に関する法律)");
  c->add_option("--year", a->year, "西暦年")->required()->check(CLI::Range(1949, 2099));
  c->callback([a] {
    json::array arr;
    for (const auto& h : inst::holidays_of_year(a->year))
      arr.push_back(json::object{{"date", h.date.yyyymmdd()}, {"name", h.name}});
    std::cout << json::serialize(arr) << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "override", "ある指定月の日程を上書きする／上書きを消す (運用者)");
  data_dir_flag(c, *a);
  c->add_option("--month", a->month, "指定月 YYYYMM")->required();
  c->add_option("--bureau-answer", a->bureau_answer, "回答書発送日 YYYYMMDD");
  c->add_option("--agency-deadline", a->agency_deadline, "実施機関提出期限 YYYYMMDD");
  c->add_option("--submission-deadline", a->submission_deadline, "地方厚生局の提出期限 YYYYMMDD");
  c->add_flag("--clear", a->clear, "その月の上書きを消す");
  c->callback([a] {
    auto m = month_flag(a->month);
    if (!m) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    if (a->clear) {
      if (auto st = o->registry->clear_schedule_override(m->first, m->second, kActor); !st)
        return report(st.error());
    } else {
      inst::ScheduleOverride ov;
      ov.year = m->first;
      ov.month = m->second;
      for (auto [value, target, field] :
           {std::tuple{&a->bureau_answer, &ov.bureau_answer, "bureau-answer"},
            std::tuple{&a->agency_deadline, &ov.agency_deadline, "agency-deadline"},
            std::tuple{&a->submission_deadline, &ov.submission_deadline, "submission-deadline"}}) {
        if (value->empty()) continue;
        auto d = date_flag(*value, field);
        if (!d) return;
        *target = *d;
      }
      if (auto st = o->registry->set_schedule_override(ov, kActor); !st) return report(st.error());
    }
    auto s = o->registry->schedule(Date::from_ymd(m->first, m->second, 1));
    if (!s) return report(s.error());
    std::cout << schedule_json(*s, true) << "\n";
    g_exit_code = 0;
  });

  // --- onboarding
  c = sub(root, "provisional", "① 仮コードを発行する (実施機関; 医科・歯科は別々に)");
  data_dir_flag(c, *a);
  c->add_option("--kind", a->kind, "clinic | hospital | dental | pharmacy")->required();
  c->add_option("--prefecture", a->prefecture, "都道府県番号 01–47")->required();
  c->add_option("--name", a->name, "医療機関・薬局の名称")->required();
  c->add_option("--address", a->address, "所在地")->required();
  c->add_option("--district", a->district, "郡市区番号 01–99 (受付番号の先頭2桁)")
      ->capture_default_str();
  c->callback([a] {
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->issue_provisional(
        {a->kind, a->prefecture, a->name, a->address, a->district}, kActor);
    if (!i) return report(i.error());
    std::cout << json::serialize(json::object{{"provisionalCode", i->provisional_code}}) << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "portal-account", "② ポータルサイトのアカウント登録 (仮コードで)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード 00NNNNN")->required();
  c->callback([a] {
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->register_portal_account(a->provisional, kActor);
    if (!i) return report(i.error());
    print_institution(*i);
    g_exit_code = 0;
  });

  c = sub(root, "card-reader",
          "③ 顔認証付きカードリーダーの申込み (機種、または --model 省略で機種未定)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード 00NNNNN")->required();
  c->add_option("--model", a->model, "機種 (省略または「機種未定」で機種未定)");
  c->add_option("--date", a->date, "申込日 YYYYMMDD (省略時は今日)");
  c->callback([a] {
    auto on = date_flag(a->date, "date");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->apply_card_reader(a->provisional, a->model, *on, kActor);
    if (!i) return report(i.error());
    print_institution(*i);
    g_exit_code = 0;
  });

  c = sub(root, "choose-model", "機種未定の申込みに機種を決める (期限を過ぎるとキャンセル扱い)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード・受付番号・医療機関コード")->required();
  c->add_option("--model", a->model, "機種")->required();
  c->add_option("--date", a->date, "選定日 YYYYMMDD (省略時は今日)");
  c->callback([a] {
    auto on = date_flag(a->date, "date");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->choose_reader_model(a->provisional, a->model, *on, kActor);
    if (!i) return report(i.error());
    print_institution(*i);
    g_exit_code = 0;
  });

  c = sub(root, "cancel-undecided", "機種選定の期限を過ぎた機種未定の申込みをキャンセルする");
  data_dir_flag(c, *a);
  c->add_option("--as-of", a->as_of, "基準日 YYYYMMDD (省略時は今日)");
  c->callback([a] {
    auto on = date_flag(a->as_of, "as-of");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto done = o->registry->cancel_undecided_readers(*on, kActor);
    if (!done) return report(done.error());
    json::array arr;
    for (const auto& i : *done) arr.push_back(json::string(i.provisional_code));
    std::cout << json::serialize(json::object{{"cancelled", std::move(arr)}}) << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "request-number",
          "④ 指定申請とあわせた受付番号の情報提供依頼に、地方厚生局が受付番号を回答する");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード 00NNNNN")->required();
  c->add_option("--designation", a->designation, "指定日 (診療開始月の1日) YYYYMMDD")->required();
  c->add_flag("--retroactive", a->retroactive,
              "指定期日を遡及する指定 (受付番号の対象外: 拒否される)");
  c->add_option("--request-date", a->request_date, "地方厚生局の受付日 YYYYMMDD (省略時は今日)");
  c->callback([a] {
    auto designation = date_flag(a->designation, "designation");
    if (!designation) return;
    auto request_date = date_flag(a->request_date, "request-date");
    if (!request_date) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    inst::NumberRequest r{a->provisional, *designation, *request_date, a->retroactive};
    auto i = o->registry->request_reception_number(r, kActor);
    if (!i) return report(i.error());
    std::cout << json::serialize(
                     json::object{{"receptionNumber", i->reception_number},
                                  {"medicalInstitutionCode", i->medical_institution_code},
                                  {"bureauAnswerDate", i->bureau_answer_date},
                                  {"agencyDeadline", i->agency_deadline}})
              << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "present",
          "⑤ 受付番号を実施機関に提示する (期限は前月15日等; 機種決定済みのリーダーが発送される)");
  data_dir_flag(c, *a);
  c->add_option("--reception-number", a->reception_number,
                "受付番号 (7桁) または医療機関コード (10桁)")
      ->required();
  c->add_option("--date", a->date, "提示日 YYYYMMDD (省略時は今日)");
  c->add_flag("--late-accepted", a->late, "期限後の提示を実施機関の個別対応として受け付ける");
  c->callback([a] {
    auto on = date_flag(a->date, "date");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->present_reception_number(a->reception_number, *on, a->late, kActor);
    if (!i) return report(i.error());
    print_institution(*i);
    g_exit_code = 0;
  });

  c = sub(root, "designate",
          "地方厚生局の指定 (または --not-designated: 指定されなかった報告、登録を削除)");
  data_dir_flag(c, *a);
  c->add_option("--reception-number", a->reception_number,
                "受付番号 (7桁) または医療機関コード (10桁)")
      ->required();
  c->add_flag("--not-designated", a->not_designated,
              "指定されなかった: 報告して登録を削除する (番号は再利用しない)");
  c->callback([a] {
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = a->not_designated ? o->registry->report_not_designated(a->reception_number, kActor)
                               : o->registry->designate(a->reception_number, kActor);
    if (!i) return report(i.error());
    json::object out{{"receptionNumber", i->reception_number},
                     {"medicalInstitutionCode", i->medical_institution_code}};
    if (a->not_designated) {
      out["deleted"] = true;
    } else {
      out["stage"] = inst::stage_name(i->stage);
      out["designationDate"] = i->designation_date;
    }
    std::cout << json::serialize(out) << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "designate-list",
          "地方厚生局の「新規指定医療機関一覧表」(CSV, UTF-8/Shift_JIS) で一括して指定する");
  data_dir_flag(c, *a);
  c->add_option("file", a->file, "一覧表の CSV (見出し行に「医療機関コード」)")->required();
  c->callback([a] {
    std::ifstream in(a->file, std::ios::binary);
    if (!in) return report(Error{"E_HEADER", "file", "ファイルを読めません: " + a->file});
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto r = o->registry->designate_from_list(bytes.str(), kActor);
    if (!r) return report(r.error());
    std::cout << r->to_json() << "\n";
    g_exit_code = r->rejected ? 1 : 0;
  });

  c = sub(root, "apply-usage",
          "⑥ 利用申請と電子証明書の発行 (指定済みの医療機関等のみ; 10桁コードに紐付く証明書)");
  data_dir_flag(c, *a);
  c->get_option("--data-dir")->required();  // the CA that signs the certificate
  c->add_option("--code", a->code, "医療機関コード (10桁)")->required();
  c->add_option("--out", a->out, "証明書の出力先: OUT/cert.pem, OUT/key.pem (0600), OUT/ca.pem")
      ->required();
  c->add_option("--date", a->date, "申請日 YYYYMMDD (省略時は今日)");
  c->callback([a] {
    auto on = date_flag(a->date, "date");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->apply_usage(a->code, *on, a->out, kActor);
    if (!i) return report(i.error());
    std::cout << json::serialize(json::object{
                     {"medicalInstitutionCode", i->medical_institution_code},
                     {"usageStart", i->usage_start},
                     {"certificate", (std::filesystem::path(a->out) / "cert.pem").string()}})
              << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "medical-aid", "「医療扶助情報：利用する」の設定 (R-AID-3)");
  data_dir_flag(c, *a);
  c->add_option("--code", a->code, "医療機関コード (10桁)")->required();
  auto* use = c->add_flag("--use", a->use, "利用する");
  auto* no_use = c->add_flag("--no-use", a->no_use, "利用しない");
  use->excludes(no_use);
  c->add_option("--date", a->date, "設定日 YYYYMMDD (省略時は今日)");
  c->callback([a] {
    if (a->use == a->no_use)
      return report(Error{"E_FLAG", "use", "--use か --no-use のどちらかを指定してください"});
    auto on = date_flag(a->date, "date");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->set_medical_aid(a->code, a->use, *on, kActor);
    if (!i) return report(i.error());
    print_institution(*i);
    g_exit_code = 0;
  });

  // --- queries, lists and statistics
  c = sub(root, "show", "1件の状態 (仮コード・受付番号・医療機関コードで)");
  data_dir_flag(c, *a);
  c->add_option("key", a->key, "仮コード・受付番号・医療機関コード")->required();
  c->callback([a] {
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto i = o->registry->find(a->key);
    if (!i) return report(i.error());
    print_institution(*i);
    g_exit_code = 0;
  });

  c = sub(root, "history", "1件の手続の履歴 (削除された登録も)");
  data_dir_flag(c, *a);
  c->add_option("key", a->key, "仮コード・受付番号・医療機関コード")->required();
  c->callback([a] {
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto h = o->registry->history(a->key);
    if (!h) return report(h.error());
    for (const auto& line : *h) std::cout << line << "\n";
    g_exit_code = 0;
  });

  c = sub(root, "list", "導入医療機関等一覧 (毎週月曜日更新; R-INST-4)");
  data_dir_flag(c, *a);
  c->add_option("--as-of", a->as_of,
                "基準日 YYYYMMDD: その日以前の直近の月曜日の一覧 (省略時は今日)");
  c->add_option("--prefecture", a->prefecture, "都道府県番号 01–47");
  c->add_option("--kind", a->kind, "clinic | hospital | dental | pharmacy");
  c->add_option("--name", a->name, "名称の一部");
  c->add_option("--format", a->format, "csv | csv-sjis | xlsx | html | json")
      ->check(CLI::IsMember({"csv", "csv-sjis", "xlsx", "html", "json"}))
      ->capture_default_str();
  c->add_option("--out", a->out, "出力ファイル (省略時は標準出力; xlsx は必須)");
  c->callback([a] {
    auto on = date_flag(a->as_of, "as-of");
    if (!on) return;
    inst::ListFilter f;
    f.prefecture = a->prefecture;
    if (!f.prefecture.empty() && inst::prefecture_name(f.prefecture).empty())
      return report(Error{"E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です"});
    if (!a->kind.empty()) {
      f.kind = inst::parse_kind(a->kind);
      if (!f.kind)
        return report(
            Error{"E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです"});
    }
    f.name = a->name;
    if (a->format == "xlsx" && (a->out.empty() || a->out == "-"))
      return report(Error{"E_FLAG", "out", "xlsx には --out が必要です"});
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto rows = o->registry->published_list(*on, f);
    if (!rows) return report(rows.error());
    Result<std::string> bytes = std::string();
    if (a->format == "csv" || a->format == "csv-sjis") {
      bytes = inst::list_csv(*rows, a->format == "csv-sjis");
    } else if (a->format == "xlsx") {
      bytes =
          inst::list_xlsx(*rows, "導入医療機関等一覧 " + inst::publication_monday(*on).yyyymmdd());
    } else if (a->format == "html") {
      bytes = inst::list_html(*rows, *on, f, "/institutions/list.csv" + inst::list_query(*on, f));
    } else {
      json::array arr;
      for (const auto& i : *rows) arr.push_back(json::parse(inst::to_json(i)));
      bytes = json::serialize(arr) + "\n";
    }
    if (!bytes) return report(bytes.error());
    if (!write_out(a->out, *bytes)) return;
    g_exit_code = 0;
  });

  c = sub(root, "medical-aid-list",
          "医療扶助のオンライン資格確認導入医療機関等リスト (月次; R-AID-3)");
  data_dir_flag(c, *a);
  c->add_option("--month", a->month, "年月 YYYYMM")->required();
  c->add_option("--out", a->out, "出力ファイル (省略時は標準出力)");
  c->callback([a] {
    auto m = month_flag(a->month);
    if (!m) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto rows = o->registry->medical_aid_list(m->first, m->second);
    if (!rows) return report(rows.error());
    auto csv = inst::list_csv(*rows);
    if (!csv) return report(csv.error());
    if (!write_out(a->out, *csv)) return;
    g_exit_code = 0;
  });

  c = sub(root, "stats", "導入状況の統計 (種別・都道府県; R-INST-5)");
  data_dir_flag(c, *a);
  c->add_option("--as-of", a->as_of, "基準日 YYYYMMDD (省略時は今日)");
  c->add_option("--format", a->format, "json | html")
      ->check(CLI::IsMember({"json", "html", "csv"}));
  c->add_option("--out", a->out, "出力ファイル (省略時は標準出力)");
  c->callback([a] {
    auto on = date_flag(a->as_of, "as-of");
    if (!on) return;
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    auto s = o->registry->statistics(*on);
    if (!s) return report(s.error());
    if (!write_out(a->out, a->format == "html" ? inst::statistics_html(*s) : s->to_json() + "\n"))
      return;
    g_exit_code = 0;
  });

  c = sub(root, "set-total", "統計の母数: ある種別・都道府県の医療機関等の総数");
  data_dir_flag(c, *a);
  c->add_option("--kind", a->kind, "clinic | hospital | dental | pharmacy")->required();
  c->add_option("--prefecture", a->prefecture, "都道府県番号 01–47")->required();
  c->add_option("--count", a->count, "総数")->required();
  c->callback([a] {
    auto k = inst::parse_kind(a->kind);
    if (!k)
      return report(
          Error{"E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです"});
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    if (auto st = o->registry->set_total(*k, a->prefecture, a->count, kActor); !st)
      return report(st.error());
    std::cout << "{\"ok\":true}\n";
    g_exit_code = 0;
  });

  c = sub(root, "set-card-figures", "マイナンバーカードの交付数と健康保険証利用の申込数");
  data_dir_flag(c, *a);
  c->add_option("--issued", a->issued, "交付実施済数")->required();
  c->add_option("--registrations", a->registrations, "健康保険証利用の申込数")->required();
  c->callback([a] {
    auto o = open(a->data_dir, a->db);
    if (!o) return;
    if (auto st = o->registry->set_card_figures(a->issued, a->registrations, kActor); !st)
      return report(st.error());
    std::cout << "{\"ok\":true}\n";
    g_exit_code = 0;
  });
}

}  // namespace onshi::cli
