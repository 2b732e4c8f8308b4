// onshi clinical disaster | consents — the operator's side of clinical access (access/access.h):
//
//   onshi clinical disaster --prefectures 13,14 --from 20250401 --to 20250415 [--note …]
//   onshi clinical disaster list                 every period, JSON lines
//   onshi clinical disaster end --id N           ends a period now
//   onshi clinical consents list (--person-link HEX | --card-serial S)
//   onshi clinical consents withdraw (--person-link HEX | --card-serial S) [--institution C]
//                                    [--category medication|checkup|treatment|surgery]
//                                    [--reason 2]
//
// Every change is audited (actor operator) and is in the database, so running servers see it
// without a restart: a withdrawal at once, a disaster period within a second. Times are JST:
// YYYYMMDD (midnight), YYYYMMDDHHmm or YYYYMMDDHHmmss, or "now".
#include <boost/json.hpp>
#include <iostream>

#include "access/access.h"
#include "cli/commands.h"
#include "cli/messages.h"
#include "core/date.h"
#include "security/audit.h"

namespace onshi::cli {
namespace {

namespace json = boost::json;

struct ClinicalArgs {
  std::string data_dir, db;
  std::string prefectures, from, to, note;
  int64_t id = 0;
  std::string person_link, card_serial, institution, category, reason = "2";
};

int fail(const char* prefix, const Error& e, int code) {
  print_error(std::cerr, prefix, e, true);
  return code;
}

}  // namespace

// A JST time of the command line → Unix µs. Errors: E_FLAG (field `field`).
Result<int64_t> parse_jst_time(std::string_view text, const std::string& field) {
  if (text == "now") return core::now_unix_us();
  auto bad = [&] {
    return Error{
        "E_FLAG", field,
        "日時は YYYYMMDD, YYYYMMDDHHmm, YYYYMMDDHHmmss (日本時間) か now で指定してください"};
  };
  if (text.size() != 8 && text.size() != 12 && text.size() != 14) return bad();
  for (char c : text)
    if (c < '0' || c > '9') return bad();
  auto d = core::Date::parse(text.substr(0, 8));
  if (!d) return bad();
  auto num = [&](size_t at) {
    return at < text.size() ? (text[at] - '0') * 10 + (text[at + 1] - '0') : 0;
  };
  const int h = num(8), m = num(10), s = num(12);
  if (h > 23 || m > 59 || s > 59) return bad();
  const int64_t seconds = int64_t{d->days()} * 86400 + h * 3600 + m * 60 + s - 9 * 3600;
  return seconds * 1000000;
}

namespace {

// The person link from --person-link or, through the card register, --card-serial.
Result<std::string> person_link_of(store::Database& db, const ClinicalArgs& a) {
  if (!a.person_link.empty()) return access::parse_person_link_hex(a.person_link);
  auto card = db.cards().find(a.card_serial);
  if (!card) return card.error();
  if (!*card) return Error{"E_CARD_UNKNOWN", "card-serial", "そのシリアル番号のカードはありません"};
  return (*card)->person_link;
}

int run_declare(const ClinicalArgs& a) {
  const char* prefix = "onshi clinical disaster";
  auto prefectures = access::parse_prefectures(a.prefectures);
  if (!prefectures) return fail(prefix, prefectures.error(), 2);
  auto from = parse_jst_time(a.from.empty() ? "now" : a.from, "from");
  if (!from) return fail(prefix, from.error(), 2);
  auto to = parse_jst_time(a.to, "to");
  if (!to) return fail(prefix, to.error(), 2);
  auto db = open_database(a.data_dir, a.db, false);
  if (!db) return fail(prefix, db.error(), 2);
  security::AuditLog audit((*db)->members());
  auto id = access::declare_disaster((*db)->access(), audit, *prefectures, *from, *to, a.note);
  if (!id) return fail(prefix, id.error(), id.error().code == "E_STORE" ? 1 : 2);
  if (auto st = audit.flush(); !st) return fail(prefix, st.error(), 1);
  std::cout << json::serialize(json::object{{"id", *id},
                                            {"prefectures", a.prefectures},
                                            {"from", core::timestamp_jst(*from)},
                                            {"to", core::timestamp_jst(*to)}})
            << "\n";
  return 0;
}

int run_list(const ClinicalArgs& a) {
  auto db = open_database(a.data_dir, a.db, false);
  if (!db) return fail("onshi clinical disaster list", db.error(), 2);
  auto all = (*db)->access().disasters();
  if (!all) return fail("onshi clinical disaster list", all.error(), 1);
  const int64_t now = core::now_unix_us();
  for (const auto& p : *all) {
    json::array prefs;
    for (const auto& x : p.prefectures) prefs.push_back(json::string(x));
    json::object o{{"id", p.id},
                   {"prefectures", std::move(prefs)},
                   {"from", core::timestamp_jst(p.from_us)},
                   {"to", core::timestamp_jst(p.to_us)},
                   {"inForce", p.from_us <= now && now < p.to_us},
                   {"note", p.note}};
    if (p.ended_at_us) o["endedAt"] = core::timestamp_jst(*p.ended_at_us);
    std::cout << json::serialize(o) << "\n";
  }
  return 0;
}

int run_end(const ClinicalArgs& a) {
  const char* prefix = "onshi clinical disaster end";
  auto db = open_database(a.data_dir, a.db, false);
  if (!db) return fail(prefix, db.error(), 2);
  security::AuditLog audit((*db)->members());
  if (auto st = access::end_disaster((*db)->access(), audit, a.id); !st)
    return fail(prefix, st.error(), st.error().code == "E_STORE" ? 1 : 2);
  if (auto st = audit.flush(); !st) return fail(prefix, st.error(), 1);
  std::cout << json::serialize(json::object{{"id", a.id}, {"ended", true}}) << "\n";
  return 0;
}

int run_consents(const ClinicalArgs& a, bool withdraw) {
  const char* prefix =
      withdraw ? "onshi clinical consents withdraw" : "onshi clinical consents list";
  if (a.person_link.empty() == a.card_serial.empty())
    return fail(prefix,
                Error{"E_FLAG", "person-link",
                      "--person-link か --card-serial のどちらか一つを指定してください"},
                2);
  std::optional<access::Category> category;
  if (!a.category.empty()) {
    auto c = access::parse_category(a.category);
    if (!c) return fail(prefix, c.error(), 2);
    category = *c;
  }
  auto db = open_database(a.data_dir, a.db, false);
  if (!db) return fail(prefix, db.error(), 2);
  auto link = person_link_of(**db, a);
  if (!link) return fail(prefix, link.error(), link.error().code == "E_STORE" ? 1 : 2);
  if (withdraw) {
    security::AuditLog audit((*db)->members());
    auto n = access::withdraw_consents((*db)->access(), audit, security::operator_actor(), *link,
                                       a.institution, category, a.reason);
    if (!n) return fail(prefix, n.error(), n.error().code == "E_STORE" ? 1 : 2);
    if (auto st = audit.flush(); !st) return fail(prefix, st.error(), 1);
    std::cout << json::serialize(json::object{{"withdrawn", *n}}) << "\n";
    return 0;
  }
  auto rows = (*db)->access().consents_of(*link);
  if (!rows) return fail(prefix, rows.error(), 1);
  const int64_t now = core::now_unix_us();
  for (const auto& r : *rows) {
    json::object o{{"personLink", access::person_link_hex(r.person_link)},
                   {"institution", r.institution},
                   {"category", r.category},
                   {"careSetting", r.care_setting},
                   {"consentedAt", core::timestamp_jst(r.consented_at_us)},
                   {"availableUntil", core::timestamp_jst(r.available_until_us)},
                   {"live", !r.withdrawn_at_us && now < r.available_until_us}};
    if (r.withdrawn_at_us) {
      o["withdrawnAt"] = core::timestamp_jst(*r.withdrawn_at_us);
      o["withdrawnReason"] = r.withdrawn_reason;
    }
    std::cout << json::serialize(o) << "\n";
  }
  return 0;
}

void add_db_flags(CLI::App* cmd, ClinicalArgs& a) {
  auto* dir = cmd->add_option("--data-dir", a.data_dir, "データディレクトリ (SQLite)");
  add_db_option(cmd, a.db);
  cmd->get_option("--db")->excludes(dir);
}

void add_person_flags(CLI::App* cmd, ClinicalArgs& a) {
  cmd->add_option("--person-link", a.person_link,
                  "個人リンク (64桁の16進数; 監査ログの person:… と同じ)");
  cmd->add_option("--card-serial", a.card_serial,
                  "マイナンバーカードのシリアル番号 (onshi card show)");
}

}  // namespace

void register_clinical_access(CLI::App& app, Commands& commands) {
  CLI::App* clinical = nullptr;
  for (CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == "clinical") clinical = sub;
  if (!clinical) {
    clinical = app.add_subcommand("clinical",
                                  "診療情報等 (clinical information: consents, disaster mode)");
    clinical->require_subcommand(1);
  }
  auto a = std::make_shared<ClinicalArgs>();
  CLI::App* disaster = clinical->add_subcommand(
      "disaster",
      "災害時モード: 都道府県と期間を指定して、同意なしの薬剤情報・診療情報の閲覧を認める "
      "(declare a disaster period; also list, end)");
  disaster->require_subcommand(0, 1);
  CLI::App* list = disaster->add_subcommand("list", "災害時の期間の一覧 (JSON lines)");
  add_db_flags(list, *a);
  commands.on_run(list, [a] { return run_list(*a); });
  CLI::App* end = disaster->add_subcommand("end", "災害時の期間を今終わらせる (end a period now)");
  add_db_flags(end, *a);
  end->add_option("--id", a->id, "期間の番号 (disaster list の id)")->required();
  commands.on_run(end, [a] { return run_end(*a); });
  add_db_flags(disaster, *a);
  disaster->add_option("--prefectures", a->prefectures, "都道府県番号 (カンマ区切り, 例: 13,14)");
  disaster->add_option("--from", a->from, "開始 (日本時間 YYYYMMDD[HHmm[ss]] か now; 既定 now)");
  disaster->add_option("--to", a->to, "終了 (日本時間 YYYYMMDD[HHmm[ss]])");
  disaster->add_option("--note", a->note, "災害の名称など");
  commands.on_run(disaster, [a] {
    if (a->prefectures.empty() || a->to.empty())
      return fail("onshi clinical disaster",
                  Error{"E_FLAG", "prefectures", "--prefectures と --to を指定してください"}, 2);
    return run_declare(*a);
  });

  CLI::App* consents = clinical->add_subcommand(
      "consents", "患者の閲覧同意 (consents given at the card reader: list, withdraw)");
  consents->require_subcommand(1);
  CLI::App* clist = consents->add_subcommand("list", "ある人の同意の一覧 (JSON lines)");
  add_db_flags(clist, *a);
  add_person_flags(clist, *a);
  commands.on_run(clist, [a] { return run_consents(*a, false); });
  CLI::App* withdraw = consents->add_subcommand(
      "withdraw",
      "同意を取り消す (すべてのサーバーで直ちに有効; OQSCD031 の理由, 既定 2 患者による取り消し)");
  add_db_flags(withdraw, *a);
  add_person_flags(withdraw, *a);
  withdraw->add_option("--institution", a->institution, "この医療機関の同意だけ (医療機関コード)");
  withdraw->add_option("--category", a->category,
                       "この種別だけ: medication, checkup, treatment, surgery");
  withdraw->add_option("--reason", a->reason, "理由 (OQSCD031): 1 医療機関, 2 患者, 3 用途変更")
      ->capture_default_str();
  commands.on_run(withdraw, [a] { return run_consents(*a, true); });
}

}  // namespace onshi::cli
