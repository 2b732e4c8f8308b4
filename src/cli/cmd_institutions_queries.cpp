// onshi institutions — the schedule (R-INST-3), the business-day calendar, the queries on one
// entry, the published lists (R-INST-4, R-AID-3) and the statistics (R-INST-5) on the command
// line; the onboarding steps are in cmd_institutions.cpp, the shared flags and exit codes in
// institutions_cmd.h.
#include <boost/json.hpp>
#include <iostream>
#include <tuple>

#include "cli/institutions_cmd.h"

namespace onshi::cli::institutions_cmd {
namespace {

namespace json = boost::json;
using core::Date;

std::string schedule_json(const inst::Schedule& s, bool full) {
  json::object o{{"bureauAnswerDate", s.bureau_answer.yyyymmdd()},
                 {"agencyDeadline", s.agency_deadline.yyyymmdd()}};
  if (full) {
    o["submissionDeadline"] = s.submission_deadline.yyyymmdd();
    o["source"] = s.source;
  }
  return json::serialize(o);
}

// ---------------------------------------------------------------------------------------
// The schedule and the calendar

int run_schedule(const Args& a) {
  auto d = date_flag(a.designation, "designation");
  if (!d) return report(d.error());
  bool has_state = !a.data_dir.empty() || !a.db.empty();
  if (a.rule_only || (!has_state && !a.published)) {
    // The defaults: 10th / 15th of the previous month, or the next open day.
    std::cout << schedule_json(inst::rule_schedule(*d), a.full) << "\n";
    return 0;
  }
  if (!has_state) {
    std::cout << schedule_json(inst::schedule_for(*d), a.full) << "\n";
    return 0;
  }
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto s = r.schedule(*d);
    if (!s) return s.error();
    std::cout << schedule_json(*s, a.full) << "\n";
    return {};
  });
}

}  // namespace

void add_schedule(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "schedule", "指定日に対する回答書発送日と実施機関提出期限 (R-INST-3)");
  c->add_option("--designation", a->designation, "保険医療機関等指定日 YYYYMMDD")->required();
  c->add_option(
      "--data-dir", a->data_dir,
      "運用者の上書き (別紙2を含む) を読むデータディレクトリ (省略時は規則どおりの既定値)");
  add_db_option(c, a->db);
  c->add_flag("--published", a->published,
              "実施機関が公表した期限表 (別紙2) を適用する (--data-dir なしのとき)");
  c->add_flag("--rule-only", a->rule_only, "別紙2と上書きを使わず規則だけで計算する");
  c->add_flag("--full", a->full, "提出期限 (submissionDeadline) と根拠 (source) も出力する");
  commands.on_run(c, [a] { return run_schedule(*a); });
}

namespace {

int run_holidays(const Args& a) {
  json::array arr;
  for (const auto& h : inst::holidays_of_year(a.year))
    arr.push_back(json::object{{"date", h.date.yyyymmdd()}, {"name", h.name}});
  std::cout << json::serialize(arr) << "\n";
  return 0;
}

}  // namespace

void add_holidays(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "holidays", "その年の祝日・休日 (国民の祝日に関する法律)");
  c->add_option("--year", a->year, "西暦年")->required()->check(CLI::Range(1949, 2099));
  commands.on_run(c, [a] { return run_holidays(*a); });
}

namespace {

// The override of --month from the date flags given (the others keep the rule's dates).
Result<inst::ScheduleOverride> override_flags(const Args& a, std::pair<int, int> month) {
  inst::ScheduleOverride ov;
  ov.year = month.first;
  ov.month = month.second;
  for (auto [value, target, field] :
       {std::tuple{&a.bureau_answer, &ov.bureau_answer, "bureau-answer"},
        std::tuple{&a.agency_deadline, &ov.agency_deadline, "agency-deadline"},
        std::tuple{&a.submission_deadline, &ov.submission_deadline, "submission-deadline"}}) {
    if (value->empty()) continue;
    auto d = date_flag(*value, field);
    if (!d) return d.error();
    *target = *d;
  }
  return ov;
}

int run_override(const Args& a) {
  auto m = month_flag(a.month);
  if (!m) return report(m.error());
  auto o = open(a.data_dir, a.db);
  if (!o) return report(o.error());
  inst::Registry& r = *(*o)->registry;
  if (a.clear) {
    if (auto st = r.clear_schedule_override(m->first, m->second, kActor); !st)
      return report(st.error());
  } else {
    auto ov = override_flags(a, *m);
    if (!ov) return report(ov.error());
    if (auto st = r.set_schedule_override(*ov, kActor); !st) return report(st.error());
  }
  auto s = r.schedule(Date::from_ymd(m->first, m->second, 1));
  if (!s) return report(s.error());
  std::cout << schedule_json(*s, true) << "\n";
  return 0;
}

}  // namespace

void add_override(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "override", "ある指定月の日程を上書きする／上書きを消す (運用者)");
  data_dir_flag(c, *a);
  c->add_option("--month", a->month, "指定月 YYYYMM")->required();
  c->add_option("--bureau-answer", a->bureau_answer, "回答書発送日 YYYYMMDD");
  c->add_option("--agency-deadline", a->agency_deadline, "実施機関提出期限 YYYYMMDD");
  c->add_option("--submission-deadline", a->submission_deadline, "地方厚生局の提出期限 YYYYMMDD");
  c->add_flag("--clear", a->clear, "その月の上書きを消す");
  commands.on_run(c, [a] { return run_override(*a); });
}

namespace {

// ---------------------------------------------------------------------------------------
// Queries, lists and statistics

int run_show(const Args& a) {
  return on_registry(a.data_dir, a.db,
                     [&](inst::Registry& r) { return print_result(r.find(a.key)); });
}

int run_history(const Args& a) {
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto h = r.history(a.key);
    if (!h) return h.error();
    for (const auto& line : *h) std::cout << line << "\n";
    return {};
  });
}

}  // namespace

void add_show_and_history(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "show", "1件の状態 (仮コード・受付番号・医療機関コードで)");
  data_dir_flag(c, *a);
  c->add_option("key", a->key, "仮コード・受付番号・医療機関コード")->required();
  commands.on_run(c, [a] { return run_show(*a); });

  c = sub(root, "history", "1件の手続の履歴 (削除された登録も)");
  data_dir_flag(c, *a);
  c->add_option("key", a->key, "仮コード・受付番号・医療機関コード")->required();
  commands.on_run(c, [a] { return run_history(*a); });
}

namespace {

// The filter of --prefecture, --kind and --name.
Result<inst::ListFilter> list_filter(const Args& a) {
  inst::ListFilter f;
  f.prefecture = a.prefecture;
  if (!f.prefecture.empty() && inst::prefecture_name(f.prefecture).empty())
    return Error{"E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です"};
  if (!a.kind.empty()) {
    f.kind = inst::parse_kind(a.kind);
    if (!f.kind)
      return Error{"E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです"};
  }
  f.name = a.name;
  return f;
}

// The published list in --format.
Result<std::string> list_bytes(const std::vector<inst::Institution>& rows,
                               const std::string& format, Date on, const inst::ListFilter& f) {
  if (format == "csv" || format == "csv-sjis") return inst::list_csv(rows, format == "csv-sjis");
  if (format == "xlsx")
    return inst::list_xlsx(rows, "導入医療機関等一覧 " + inst::publication_monday(on).yyyymmdd());
  if (format == "html")
    return inst::list_html(rows, on, f, "/institutions/list.csv" + inst::list_query(on, f));
  json::array arr;
  for (const auto& i : rows) arr.push_back(json::parse(inst::to_json(i)));
  return json::serialize(arr) + "\n";
}

int run_list(const Args& a) {
  auto on = date_flag(a.as_of, "as-of");
  if (!on) return report(on.error());
  auto f = list_filter(a);
  if (!f) return report(f.error());
  if (a.format == "xlsx" && (a.out.empty() || a.out == "-"))
    return report(Error{"E_FLAG", "out", "xlsx には --out が必要です"});
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto rows = r.published_list(*on, *f);
    if (!rows) return rows.error();
    auto bytes = list_bytes(*rows, a.format, *on, *f);
    if (!bytes) return bytes.error();
    return write_out(a.out, *bytes);
  });
}

}  // namespace

void add_list(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "list", "導入医療機関等一覧 (毎週月曜日更新; R-INST-4)");
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
  commands.on_run(c, [a] { return run_list(*a); });
}

namespace {

int run_medical_aid_list(const Args& a) {
  auto m = month_flag(a.month);
  if (!m) return report(m.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto rows = r.medical_aid_list(m->first, m->second);
    if (!rows) return rows.error();
    auto csv = inst::list_csv(*rows);
    if (!csv) return csv.error();
    return write_out(a.out, *csv);
  });
}

}  // namespace

void add_medical_aid_list(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "medical-aid-list",
                "医療扶助のオンライン資格確認導入医療機関等リスト (月次; R-AID-3)");
  data_dir_flag(c, *a);
  c->add_option("--month", a->month, "年月 YYYYMM")->required();
  c->add_option("--out", a->out, "出力ファイル (省略時は標準出力)");
  commands.on_run(c, [a] { return run_medical_aid_list(*a); });
}

namespace {

int run_stats(const Args& a) {
  auto on = date_flag(a.as_of, "as-of");
  if (!on) return report(on.error());
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    auto s = r.statistics(*on);
    if (!s) return s.error();
    return write_out(a.out, a.format == "html" ? inst::statistics_html(*s) : s->to_json() + "\n");
  });
}

}  // namespace

void add_stats(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "stats", "導入状況の統計 (種別・都道府県; R-INST-5)");
  data_dir_flag(c, *a);
  c->add_option("--as-of", a->as_of, "基準日 YYYYMMDD (省略時は今日)");
  c->add_option("--format", a->format, "json | html")
      ->check(CLI::IsMember({"json", "html", "csv"}));
  c->add_option("--out", a->out, "出力ファイル (省略時は標準出力)");
  commands.on_run(c, [a] { return run_stats(*a); });
}

namespace {

int run_set_total(const Args& a) {
  auto k = inst::parse_kind(a.kind);
  if (!k)
    return report(
        Error{"E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです"});
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    if (auto st = r.set_total(*k, a.prefecture, a.count, kActor); !st) return st;
    std::cout << "{\"ok\":true}\n";
    return {};
  });
}

int run_set_card_figures(const Args& a) {
  return on_registry(a.data_dir, a.db, [&](inst::Registry& r) -> Status {
    if (auto st = r.set_card_figures(a.issued, a.registrations, kActor); !st) return st;
    std::cout << "{\"ok\":true}\n";
    return {};
  });
}

// R-INST-5: card use counted from the card register and its links, kept for the statistics.
int run_count_cards(const Args& a) {
  auto o = open(a.data_dir, a.db);
  if (!o) return report(o.error());
  auto& opened = **o;
  auto rows = opened.registry->count_card_use(opened.db->cards(), opened.db->members(), kActor);
  if (!rows) return report(rows.error());
  int64_t issued = 0, registrations = 0;
  for (const auto& c : *rows) {
    issued += c.issued;
    registrations += c.registrations;
  }
  std::cout << json::serialize(json::object{{"rows", static_cast<int64_t>(rows->size())},
                                            {"issued", issued},
                                            {"registrations", registrations}})
            << "\n";
  return 0;
}

}  // namespace

void add_figures(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "set-total", "統計の母数: ある種別・都道府県の医療機関等の総数");
  data_dir_flag(c, *a);
  c->add_option("--kind", a->kind, "clinic | hospital | dental | pharmacy")->required();
  c->add_option("--prefecture", a->prefecture, "都道府県番号 01–47")->required();
  c->add_option("--count", a->count, "総数")->required();
  commands.on_run(c, [a] { return run_set_total(*a); });

  c = sub(root, "set-card-figures", "マイナンバーカードの交付数と健康保険証利用の申込数");
  data_dir_flag(c, *a);
  c->add_option("--issued", a->issued, "交付実施済数")->required();
  c->add_option("--registrations", a->registrations, "健康保険証利用の申込数")->required();
  commands.on_run(c, [a] { return run_set_card_figures(*a); });

  c = sub(root, "count-cards",
          "マイナンバーカードの交付数と健康保険証利用登録数をカードの記録から数える (都道府県・月別)");
  data_dir_flag(c, *a);
  commands.on_run(c, [a] { return run_count_cards(*a); });
}

}  // namespace onshi::cli::institutions_cmd
