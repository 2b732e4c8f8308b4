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

#include "cli/institutions_cmd.h"
#include "cli/messages.h"

namespace onshi::cli {
namespace institutions_cmd {

namespace json = boost::json;
using core::Date;

namespace {

bool is_bad_input(const std::string& code) {
  static const std::set<std::string> kInput = {
      "E_KIND",      "E_PREFECTURE",  "E_DISTRICT",     "E_NAME",       "E_ADDRESS",
      "E_DATE",      "E_DATE_FORMAT", "E_DATE_INVALID", "E_KEY",        "E_FLAG",
      "E_MODEL",     "E_COUNT",       "E_HEADER",       "E_ENCODING",   "E_EMPTY",
      "E_NOT_DIGIT", "E_LENGTH",      "E_STRUCTURE",    "E_CHECK_DIGIT"};
  return kInput.count(code) > 0;
}

}  // namespace

// Prints the refusal; returns the exit code: 2 unusable input or database, else 1.
int report(const Error& e) {
  print_error(std::cerr, "onshi institutions", e, true);
  return is_bad_input(e.code) || is_db_open_error(e) ? 2 : 1;
}

Result<std::unique_ptr<Opened>> open(const std::string& data_dir, const std::string& db_url) {
  if (data_dir.empty() && db_url.empty())
    return Error{"E_FLAG", "db", "--data-dir か --db を指定してください"};
  auto o = std::make_unique<Opened>();
  auto db = open_database(data_dir, db_url, /*create=*/true);
  if (!db) return db.error();
  o->db = std::move(*db);
  o->audit = std::make_unique<security::AuditLog>(o->db->members());
  auto r = inst::Registry::open(o->db->institutions(), data_dir, o->audit.get());
  if (!r) return r.error();
  o->registry = std::move(*r);
  return o;
}

// Parses a YYYYMMDD flag; an empty value is today.
Result<Date> date_flag(const std::string& value, const char* field) {
  if (value.empty()) return Date::today_jst();
  auto d = Date::parse(value);
  if (!d) return Error{d.error().code, field, d.error().message};
  return *d;
}

Result<std::pair<int, int>> month_flag(const std::string& value) {
  auto d = value.size() == 6 ? Date::parse(value + "01") : Result<Date>(Error{"E_DATE", "", ""});
  if (!d) return Error{"E_DATE", "month", "年月は YYYYMM で指定してください"};
  return std::pair{d->year(), d->month()};
}

Status write_out(const std::string& path, const std::string& bytes) {
  if (path.empty() || path == "-") {
    std::cout << bytes;
    return {};
  }
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) return Error{"E_IO", "out", "書き込めません: " + path};
  return {};
}

// Prints the entry a registry operation returned.
Status print_result(const Result<inst::Institution>& i) {
  if (!i) return i.error();
  std::cout << inst::to_json(*i) << "\n";
  return {};
}

CLI::App* sub(CLI::App* parent, const char* name, const char* help) {
  return parent->add_subcommand(name, help);
}
// --data-dir DIR and --db URL: the state is in --db, or in DIR/institutions.db without it.
void data_dir_flag(CLI::App* c, Args& a) {
  c->add_option("--data-dir", a.data_dir,
                "データディレクトリ (鍵・証明書; --db がなければ DIR/institutions.db も)");
  add_db_option(c, a.db);
}

namespace {

// ---------------------------------------------------------------------------------------
// The onboarding

int run_provisional(const Args& a) {
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto i = r.issue_provisional({a.kind, a.prefecture, a.name, a.address, a.district}, kActor);
    if (!i) return i.error();
    std::cout << json::serialize(json::object{{"provisionalCode", i->provisional_code}}) << "\n";
    return {};
  });
}

void add_provisional(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "provisional", "① 仮コードを発行する (実施機関; 医科・歯科は別々に)");
  data_dir_flag(c, *a);
  c->add_option("--kind", a->kind, "clinic | hospital | dental | pharmacy")->required();
  c->add_option("--prefecture", a->prefecture, "都道府県番号 01–47")->required();
  c->add_option("--name", a->name, "医療機関・薬局の名称")->required();
  c->add_option("--address", a->address, "所在地")->required();
  c->add_option("--district", a->district, "郡市区番号 01–99 (受付番号の先頭2桁)")
      ->capture_default_str();
  commands.on_run(c, [a] { return run_provisional(*a); });
}

int run_portal_account(const Args& a) {
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) {
    return print_result(r.register_portal_account(a.provisional, kActor));
  });
}

void add_portal_account(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "portal-account", "② ポータルサイトのアカウント登録 (仮コードで)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード 00NNNNN")->required();
  commands.on_run(c, [a] { return run_portal_account(*a); });
}

int run_card_reader(const Args& a) {
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) {
    return print_result(r.apply_card_reader(a.provisional, a.model, *on, kActor));
  });
}

void add_card_reader(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "card-reader",
                "③ 顔認証付きカードリーダーの申込み (機種、または --model 省略で機種未定)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード 00NNNNN")->required();
  c->add_option("--model", a->model, "機種 (省略または「機種未定」で機種未定)");
  c->add_option("--date", a->date, "申込日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_card_reader(*a); });
}

int run_choose_model(const Args& a) {
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) {
    return print_result(r.choose_reader_model(a.provisional, a.model, *on, kActor));
  });
}

void add_choose_model(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c =
      sub(root, "choose-model", "機種未定の申込みに機種を決める (期限を過ぎるとキャンセル扱い)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード・受付番号・医療機関コード")->required();
  c->add_option("--model", a->model, "機種")->required();
  c->add_option("--date", a->date, "選定日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_choose_model(*a); });
}

int run_reader_undecided(const Args& a) {
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  auto channel = inst::parse_change_channel(a.channel);
  if (!channel)
    return report(Error{"E_FLAG", "channel", "--channel は portal か call-centre です"});
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) {
    return print_result(r.change_reader_to_undecided(a.provisional, *channel, *on, kActor));
  });
}

void add_reader_undecided(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "reader-undecided",
                "機種を指定した申込みを「機種未定」に変更する (申込日と窓口ごとの期限は seed 003 の表)");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード・受付番号・医療機関コード")->required();
  c->add_option("--channel", a->channel, "portal (ポータルサイト) か call-centre (コールセンター)")
      ->required();
  c->add_option("--date", a->date, "変更日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_reader_undecided(*a); });
}

int run_cancel_undecided(const Args& a) {
  auto on = date_flag(a.as_of, "as-of");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto done = r.cancel_undecided_readers(*on, kActor);
    if (!done) return done.error();
    json::array arr;
    for (const auto& i : *done) arr.push_back(json::string(i.provisional_code));
    std::cout << json::serialize(json::object{{"cancelled", std::move(arr)}}) << "\n";
    return {};
  });
}

void add_cancel_undecided(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "cancel-undecided", "機種選定の期限を過ぎた機種未定の申込みをキャンセルする");
  data_dir_flag(c, *a);
  c->add_option("--as-of", a->as_of, "基準日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_cancel_undecided(*a); });
}

int run_request_number(const Args& a) {
  auto designation = date_flag(a.designation, "designation");
  if (!designation) return report(designation.error());
  auto request_date = date_flag(a.request_date, "request-date");
  if (!request_date) return report(request_date.error());
  inst::NumberRequest q{a.provisional, *designation, *request_date, a.retroactive};
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto i = r.request_reception_number(q, kActor);
    if (!i) return i.error();
    std::cout << json::serialize(
                     json::object{{"receptionNumber", i->reception_number},
                                  {"medicalInstitutionCode", i->medical_institution_code},
                                  {"bureauAnswerDate", i->bureau_answer_date},
                                  {"agencyDeadline", i->agency_deadline}})
              << "\n";
    return {};
  });
}

void add_request_number(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "request-number",
                "④ 指定申請とあわせた受付番号の情報提供依頼に、地方厚生局が受付番号を回答する");
  data_dir_flag(c, *a);
  c->add_option("--provisional", a->provisional, "仮コード 00NNNNN")->required();
  c->add_option("--designation", a->designation, "指定日 (診療開始月の1日) YYYYMMDD")->required();
  c->add_flag("--retroactive", a->retroactive,
              "指定期日を遡及する指定 (受付番号の対象外: 拒否される)");
  c->add_option("--request-date", a->request_date, "地方厚生局の受付日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_request_number(*a); });
}

int run_present(const Args& a) {
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) {
    return print_result(r.present_reception_number(a.reception_number, *on, a.late, kActor));
  });
}

void add_present(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c =
      sub(root, "present",
          "⑤ 受付番号を実施機関に提示する (期限は前月15日等; 機種決定済みのリーダーが発送される)");
  data_dir_flag(c, *a);
  c->add_option("--reception-number", a->reception_number,
                "受付番号 (7桁) または医療機関コード (10桁)")
      ->required();
  c->add_option("--date", a->date, "提示日 YYYYMMDD (省略時は今日)");
  c->add_flag("--late-accepted", a->late, "期限後の提示を実施機関の個別対応として受け付ける");
  commands.on_run(c, [a] { return run_present(*a); });
}

int run_designate(const Args& a) {
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto i = a.not_designated ? r.report_not_designated(a.reception_number, kActor)
                              : r.designate(a.reception_number, kActor);
    if (!i) return i.error();
    json::object out{{"receptionNumber", i->reception_number},
                     {"medicalInstitutionCode", i->medical_institution_code}};
    if (a.not_designated) {
      out["deleted"] = true;
    } else {
      out["stage"] = inst::stage_name(i->stage);
      out["designationDate"] = i->designation_date;
    }
    std::cout << json::serialize(out) << "\n";
    return {};
  });
}

void add_designate(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "designate",
                "地方厚生局の指定 (または --not-designated: 指定されなかった報告、登録を削除)");
  data_dir_flag(c, *a);
  c->add_option("--reception-number", a->reception_number,
                "受付番号 (7桁) または医療機関コード (10桁)")
      ->required();
  c->add_flag("--not-designated", a->not_designated,
              "指定されなかった: 報告して登録を削除する (番号は再利用しない)");
  commands.on_run(c, [a] { return run_designate(*a); });
}

// Exit 1 when any row of the list was rejected (the report says which).
int run_designate_list(const Args& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return report(Error{"E_HEADER", "file", "ファイルを読めません: " + a.file});
  std::ostringstream bytes;
  bytes << in.rdbuf();
  bool rejected = false;
  int code = on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto rep = r.designate_from_list(bytes.str(), kActor);
    if (!rep) return rep.error();
    std::cout << rep->to_json() << "\n";
    rejected = rep->rejected > 0;
    return {};
  });
  return code == 0 && rejected ? 1 : code;
}

void add_designate_list(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "designate-list",
                "地方厚生局の「新規指定医療機関一覧表」(CSV, UTF-8/Shift_JIS) で一括して指定する");
  data_dir_flag(c, *a);
  c->add_option("file", a->file, "一覧表の CSV (見出し行に「医療機関コード」)")->required();
  commands.on_run(c, [a] { return run_designate_list(*a); });
}

int run_apply_usage(const Args& a) {
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto i = r.apply_usage(a.code, *on, a.out, kActor);
    if (!i) return i.error();
    std::cout << json::serialize(json::object{
                     {"medicalInstitutionCode", i->medical_institution_code},
                     {"usageStart", i->usage_start},
                     {"certificate", (std::filesystem::path(a.out) / "cert.pem").string()}})
              << "\n";
    return {};
  });
}

void add_apply_usage(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c =
      sub(root, "apply-usage",
          "⑥ 利用申請と電子証明書の発行 (指定済みの医療機関等のみ; 10桁コードに紐付く証明書)");
  data_dir_flag(c, *a);
  c->get_option("--data-dir")->required();  // the CA that signs the certificate
  c->add_option("--code", a->code, "医療機関コード (10桁)")->required();
  c->add_option("--out", a->out, "証明書の出力先: OUT/cert.pem, OUT/key.pem (0600), OUT/ca.pem")
      ->required();
  c->add_option("--date", a->date, "申請日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_apply_usage(*a); });
}

int run_medical_aid(const Args& a) {
  if (a.use == a.no_use)
    return report(Error{"E_FLAG", "use", "--use か --no-use のどちらかを指定してください"});
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) {
    return print_result(r.set_medical_aid(a.code, a.use, *on, kActor));
  });
}

void add_medical_aid(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "medical-aid", "「医療扶助情報：利用する」の設定 (R-AID-3)");
  data_dir_flag(c, *a);
  c->add_option("--code", a->code, "医療機関コード (10桁)")->required();
  auto* use = c->add_flag("--use", a->use, "利用する");
  auto* no_use = c->add_flag("--no-use", a->no_use, "利用しない");
  use->excludes(no_use);
  c->add_option("--date", a->date, "設定日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_medical_aid(*a); });
}

}  // namespace
}  // namespace institutions_cmd

void register_institutions(CLI::App& app, Commands& commands) {
  using namespace institutions_cmd;
  auto a = std::make_shared<Args>();
  CLI::App* root = app.add_subcommand(
      "institutions",
      "医療機関等の導入手続: 仮コード・受付番号・指定・利用申請と証明書、日程、一覧、統計 "
      "(institution onboarding, schedule, published lists, statistics)");
  root->require_subcommand(1);
  // The subcommands in the order of --help: schedule and calendar, onboarding, queries.
  for (auto add : {add_schedule, add_holidays, add_override, add_provisional, add_portal_account,
                   add_card_reader, add_choose_model, add_reader_undecided, add_cancel_undecided, add_request_number,
                   add_present, add_designate, add_designate_list, add_apply_usage, add_medical_aid, add_e_prescription,
                   add_show_and_history, add_list, add_medical_aid_list, add_stats, add_figures})
    add(root, commands, a);
}

}  // namespace onshi::cli
