// The institution registry: the onboarding state machine over the registry's store
// (store/institutions.h: DIR/institutions.db, or the tables of a PostgreSQL database).
//
// Each transition loads the entry, checks that its state allows the step, changes it and
// appends one row of history, all inside one unit of work of the store — serialised against
// every other one, in every process — so a refused step writes nothing and two writers (two
// servers, or the service and an operator's command) never interleave. The registry is kept
// apart from the member store because the two have nothing to join and different owners
// (agency and bureaus here, insurers there). The service's hash-chained audit log, when
// given, receives every committed transition too. Only storage lives in src/store/: every
// rule, deadline, number and message is decided here.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>

#include "core/date.h"
#include "core/numbers.h"
#include "core/text.h"
#include "institutions/institutions.h"
#include "security/audit.h"
#include "security/ca.h"
#include "store/institutions.h"

namespace onshi::institutions {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::Date;
using store::InstitutionKey;
using store::InstitutionRow;

Error fail(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
}

Stage parse_stage(const std::string& s) {
  for (Stage st : {Stage::kProvisional, Stage::kNumberAnswered, Stage::kDesignated, Stage::kInUse})
    if (stage_name(st) == s) return st;
  return Stage::kProvisional;
}
ReaderState parse_reader(const std::string& s) {
  for (ReaderState r : {ReaderState::kNone, ReaderState::kApplied, ReaderState::kUndecided,
                        ReaderState::kShipped, ReaderState::kCancelled})
    if (reader_state_name(r) == s) return r;
  return ReaderState::kNone;
}

// The registry's entries and the store's rows carry the same fields; the store keeps the
// enumerations by name.
Institution from_row(const InstitutionRow& r) {
  Institution i;
  i.id = r.id;
  i.provisional_code = r.provisional_code;
  i.kind = parse_kind(r.kind).value_or(Kind::kClinic);
  i.prefecture = r.prefecture;
  i.district = r.district;
  i.name = r.name;
  i.address = r.address;
  i.stage = parse_stage(r.stage);
  i.portal_account = r.portal_account;
  i.reader = parse_reader(r.reader);
  i.reader_model = r.reader_model;
  i.reader_applied_on = r.reader_applied_on;
  i.reader_model_deadline = r.reader_model_deadline;
  i.reader_shipped_on = r.reader_shipped_on;
  i.reception_number = r.reception_number;
  i.medical_institution_code = r.medical_institution_code;
  i.designation_date = r.designation_date;
  i.request_date = r.request_date;
  i.bureau_answer_date = r.bureau_answer_date;
  i.agency_deadline = r.agency_deadline;
  i.presented_on = r.presented_on;
  i.designated_on = r.designated_on;
  i.usage_applied_on = r.usage_applied_on;
  i.usage_start = r.usage_start;
  i.medical_aid = r.medical_aid;
  return i;
}

InstitutionRow to_row(const Institution& i) {
  InstitutionRow r;
  r.id = i.id;
  r.provisional_code = i.provisional_code;
  r.kind = kind_name(i.kind);
  r.prefecture = i.prefecture;
  r.district = i.district;
  r.name = i.name;
  r.address = i.address;
  r.stage = stage_name(i.stage);
  r.portal_account = i.portal_account;
  r.reader = reader_state_name(i.reader);
  r.reader_model = i.reader_model;
  r.reader_applied_on = i.reader_applied_on;
  r.reader_model_deadline = i.reader_model_deadline;
  r.reader_shipped_on = i.reader_shipped_on;
  r.reception_number = i.reception_number;
  r.medical_institution_code = i.medical_institution_code;
  r.designation_date = i.designation_date;
  r.request_date = i.request_date;
  r.bureau_answer_date = i.bureau_answer_date;
  r.agency_deadline = i.agency_deadline;
  r.presented_on = i.presented_on;
  r.designated_on = i.designated_on;
  r.usage_applied_on = i.usage_applied_on;
  r.usage_start = i.usage_start;
  r.medical_aid = i.medical_aid;
  return r;
}

Result<std::vector<Institution>> from_rows(Result<std::vector<InstitutionRow>> rows) {
  if (!rows) return rows.error();
  std::vector<Institution> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(from_row(r));
  return out;
}

bool two_digits_in(std::string_view s, int lo, int hi) {
  if (s.size() != 2 || !core::all_digits(s)) return false;
  int n = (s[0] - '0') * 10 + (s[1] - '0');
  return n >= lo && n <= hi;
}

Date last_day_of_month(int y, int m) {
  return Date::from_ymd(y, m, 1).first_of_next_month().add_days(-1);
}

std::string month_key(int y, int m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d%02d", y, m);
  return buf;
}

std::optional<Date> parse_optional_date(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto d = Date::parse(s);
  if (!d) return std::nullopt;
  return *d;
}

std::string date_or_empty(const std::optional<Date>& d) {
  return d ? d->yyyymmdd() : "";
}

// Finds the one entry a key names: 仮コード (00 + 5 digits), 受付番号 (7 digits) or
// 医療機関コード (10 digits).
Result<Institution> load(store::InstitutionReads& reads, const std::string& key) {
  InstitutionKey by;
  if (key.size() == 7 && key.rfind("00", 0) == 0 && core::all_digits(key)) {
    by = InstitutionKey::kProvisionalCode;
  } else if (key.size() == 7 && core::all_digits(key)) {
    by = InstitutionKey::kReceptionNumber;
  } else if (key.size() == 10 && core::all_digits(key)) {
    by = InstitutionKey::kMedicalInstitutionCode;
  } else {
    return fail("E_KEY", "key",
                "仮コード（00で始まる7桁）、受付番号（7桁）または医療機関コード（10桁）を指定して"
                "ください");
  }
  auto found = reads.find(by, key);
  if (!found) return found.error();
  if (found->empty()) return fail("E_NOT_FOUND", "key", "該当する医療機関等がありません: " + key);
  if (found->size() > 1)
    return fail("E_AMBIGUOUS", "key",
                "受付番号 " + key +
                    " は複数の都道府県・点数表にあります。10桁の医療機関コードで指定してください");
  return from_row(found->front());
}

Result<std::vector<ScheduleOverride>> overrides_of(store::InstitutionReads& reads) {
  auto stored = reads.schedule_overrides();
  if (!stored) return stored.error();
  std::vector<ScheduleOverride> out;
  for (const auto& s : *stored) {
    ScheduleOverride o;
    o.year = std::stoi(s.month.substr(0, 4));
    o.month = std::stoi(s.month.substr(4, 2));
    o.bureau_answer = parse_optional_date(s.bureau_answer);
    o.agency_deadline = parse_optional_date(s.agency_deadline);
    o.submission_deadline = parse_optional_date(s.submission_deadline);
    out.push_back(o);
  }
  return out;
}

Result<Schedule> schedule_from(store::InstitutionReads& reads, Date designation) {
  auto o = overrides_of(reads);
  if (!o) return o.error();
  return schedule_for(designation, *o);
}

}  // namespace

std::string to_json(const Institution& i) {
  json::object o;
  o["provisionalCode"] = i.provisional_code;
  o["kind"] = kind_name(i.kind);
  o["kindLabel"] = kind_label(i.kind);
  o["scoreTable"] = std::string(1, score_table(i.kind));
  o["prefecture"] = i.prefecture;
  o["district"] = i.district;
  o["name"] = i.name;
  o["address"] = i.address;
  o["stage"] = stage_name(i.stage);
  o["stageLabel"] = stage_label(i.stage);
  o["portalAccount"] = i.portal_account;
  o["cardReader"] = reader_state_name(i.reader);
  o["cardReaderModel"] = i.reader_model;
  o["cardReaderAppliedOn"] = i.reader_applied_on;
  o["cardReaderModelDeadline"] = i.reader_model_deadline;
  o["cardReaderShippedOn"] = i.reader_shipped_on;
  o["receptionNumber"] = i.reception_number;
  o["medicalInstitutionCode"] = i.medical_institution_code;
  o["designationDate"] = i.designation_date;
  o["requestDate"] = i.request_date;
  o["bureauAnswerDate"] = i.bureau_answer_date;
  o["agencyDeadline"] = i.agency_deadline;
  o["presentedOn"] = i.presented_on;
  o["designatedOn"] = i.designated_on;
  o["usageAppliedOn"] = i.usage_applied_on;
  o["usageStart"] = i.usage_start;
  o["medicalAid"] = i.medical_aid;
  return json::serialize(o);
}

std::string BulkReport::to_json() const {
  json::object o;
  o["designated"] = designated;
  o["rejected"] = rejected;
  json::array errs;
  for (const auto& e : errors) {
    errs.push_back(
        json::object{{"row", e.row}, {"code", e.code}, {"field", e.field}, {"message", e.message}});
  }
  o["errors"] = std::move(errs);
  return json::serialize(o);
}

struct Registry::Impl {
  store::InstitutionStore& store;
  fs::path key_dir;
  security::AuditLog* audit = nullptr;

  // One unit of work: the store's and the audit events it will record once committed.
  struct Tx {
    store::InstitutionTx& db;
    std::vector<security::AuditEvent> events;
  };

  // Runs `body` in one unit of work: committed when it returns Ok, rolled back otherwise.
  // Audit events collected by the body are recorded after the commit.
  template <class F>
  Status transaction(F&& body) {
    std::vector<security::AuditEvent> events;
    Status st = store.transact([&](store::InstitutionTx& db) -> Status {
      Tx tx{db, {}};
      Status s = body(tx);
      events = std::move(tx.events);  // a retried run starts over
      return s;
    });
    if (st && audit) {
      for (auto& e : events) audit->record(std::move(e));
    }
    return st;
  }

  static void audit_event(Tx& tx, std::string action, const std::string& actor, std::string subject,
                          std::string detail, int64_t time_us = 0) {
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution." + action;
    ev.subject = std::move(subject);
    ev.detail = std::move(detail);
    ev.time_us = time_us;
    tx.events.push_back(std::move(ev));
  }

  // Appends one line of the entry's history (and its audit event).
  static Status event(Tx& tx, const Institution& i, std::string_view action,
                      const std::string& actor, json::object detail) {
    detail["stage"] = stage_name(i.stage);
    if (!i.medical_institution_code.empty())
      detail["medicalInstitutionCode"] = i.medical_institution_code;
    store::InstitutionEvent e;
    e.time_us = core::now_unix_us();
    e.provisional_code = i.provisional_code;
    e.action = action;
    e.actor = actor;
    e.detail = json::serialize(detail);
    if (Status st = tx.db.append_event(e); !st) return st;
    audit_event(
        tx, std::string(action), actor,
        i.medical_institution_code.empty() ? i.provisional_code : i.medical_institution_code,
        e.detail, e.time_us);
    return {};
  }

  // Loads, checks and changes one entry in a unit of work; `step` mutates the entry and
  // fills the event's detail, or returns an error that rolls everything back.
  template <class F>
  Result<Institution> transition(const std::string& key, std::string_view action,
                                 const std::string& actor, F&& step) {
    Institution out;
    Status st = transaction([&](Tx& tx) -> Status {
      auto loaded = load(tx.db, key);
      if (!loaded) return loaded.error();
      Institution i = std::move(*loaded);
      json::object detail;
      if (Status s = step(tx, i, detail); !s) return s;
      if (Status s = tx.db.update(to_row(i)); !s) return s;
      if (Status s = event(tx, i, action, actor, std::move(detail)); !s) return s;
      out = std::move(i);
      return {};
    });
    if (!st) return st.error();
    return out;
  }
};

Registry::Registry() = default;
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::open(store::InstitutionStore& store,
                                                 const fs::path& key_dir,
                                                 security::AuditLog* audit) {
  if (Status st = store.migrate(); !st) return st.error();
  std::unique_ptr<Registry> r(new Registry());
  r->impl_.reset(new Impl{store, key_dir, audit});
  return r;
}

Result<Institution> Registry::issue_provisional(const NewInstitution& n, const std::string& actor) {
  auto kind = parse_kind(n.kind);
  if (!kind)
    return fail("E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです");
  if (!two_digits_in(n.prefecture, 1, 47))
    return fail("E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です");
  if (!two_digits_in(n.district, 1, 99))
    return fail("E_DISTRICT", "district", "郡市区番号は01〜99の2桁です");
  if (n.name.empty() || core::codepoint_count(n.name) > 100 || !core::is_valid_utf8(n.name))
    return fail("E_NAME", "name", "名称は1〜100文字で入力してください");
  if (!core::representable_in_shift_jis(n.name))
    return fail("E_NAME", "name", "名称にShift_JISで表せない文字があります");
  if (n.address.empty() || core::codepoint_count(n.address) > 200 ||
      !core::is_valid_utf8(n.address))
    return fail("E_ADDRESS", "address", "所在地は1〜200文字で入力してください");
  if (!core::representable_in_shift_jis(n.address))
    return fail("E_ADDRESS", "address", "所在地にShift_JISで表せない文字があります");
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto seq = tx.db.next_counter("provisional");
    if (!seq) return seq.error();
    if (*seq > 99999)
      return fail("E_NUMBER_EXHAUSTED", "", "仮コードの払い出し可能な番号がありません");
    std::string code = std::to_string(*seq);
    Institution i;
    i.provisional_code = "00" + std::string(5 - code.size(), '0') + code;
    i.kind = *kind;
    i.prefecture = n.prefecture;
    i.district = n.district;
    i.name = n.name;
    i.address = n.address;
    auto inserted = tx.db.insert(to_row(i));
    if (!inserted) return inserted.error();
    out = from_row(*inserted);
    return m.event(tx, out, "provisional", actor,
                   json::object{{"kind", kind_name(*kind)}, {"prefecture", n.prefecture}});
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::register_portal_account(const std::string& key,
                                                      const std::string& actor) {
  return impl_->transition(
      key, "portalAccount", actor, [](Impl::Tx&, Institution& i, json::object&) -> Status {
        if (i.portal_account)
          return fail("E_STATE", "provisionalCode", "ポータルサイトのアカウントは登録済みです");
        i.portal_account = true;
        return {};
      });
}

Result<Institution> Registry::apply_card_reader(const std::string& key, const std::string& model,
                                                Date on, const std::string& actor) {
  return impl_->transition(
      key, "cardReaderApplication", actor,
      [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
        if (!i.portal_account)
          return fail(
              "E_NO_PORTAL_ACCOUNT", "provisionalCode",
              "顔認証付きカードリーダーの申込みの前にポータルサイトのアカウント登録が必要です");
        if (i.reader != ReaderState::kNone && i.reader != ReaderState::kCancelled)
          return fail("E_STATE", "cardReader", "顔認証付きカードリーダーは申込み済みです");
        bool undecided = model.empty() || model == "機種未定";
        i.reader_applied_on = on.yyyymmdd();
        i.reader_shipped_on.clear();
        if (undecided) {
          i.reader = ReaderState::kUndecided;
          i.reader_model.clear();
          Date third = on.first_of_month();
          for (int k = 0; k < 3; ++k) third = third.first_of_next_month();
          i.reader_model_deadline = last_day_of_month(third.year(), third.month()).yyyymmdd();
        } else {
          i.reader = ReaderState::kApplied;
          i.reader_model = model;
          i.reader_model_deadline.clear();
          if (!i.presented_on.empty()) {
            i.reader = ReaderState::kShipped;
            i.reader_shipped_on = on.yyyymmdd();
          }
        }
        d["model"] = undecided ? "機種未定" : model;
        return {};
      });
}

Result<Institution> Registry::choose_reader_model(const std::string& key, const std::string& model,
                                                  Date on, const std::string& actor) {
  return impl_->transition(key, "cardReaderModel", actor,
                           [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
                             if (model.empty() || model == "機種未定")
                               return fail("E_MODEL", "model", "機種を指定してください");
                             if (i.reader != ReaderState::kUndecided)
                               return fail("E_STATE", "cardReader", "機種未定の申込みがありません");
                             if (on.yyyymmdd() > i.reader_model_deadline)
                               return fail("E_READER_CANCELLED", "model",
                                           "機種選定の期限（" + i.reader_model_deadline +
                                               "）を過ぎたため申込みはキャンセル扱いです");
                             i.reader = ReaderState::kApplied;
                             i.reader_model = model;
                             if (!i.presented_on.empty()) {
                               i.reader = ReaderState::kShipped;
                               i.reader_shipped_on = on.yyyymmdd();
                             }
                             d["model"] = model;
                             return {};
                           });
}

Result<std::vector<Institution>> Registry::cancel_undecided_readers(Date as_of,
                                                                    const std::string& actor) {
  auto& m = *impl_;
  std::vector<Institution> out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    out.clear();
    auto due = from_rows(tx.db.undecided_readers_before(as_of.yyyymmdd()));
    if (!due) return due.error();
    for (auto& i : *due) {
      i.reader = ReaderState::kCancelled;
      if (Status x = tx.db.update(to_row(i)); !x) return x;
      if (Status x = m.event(tx, i, "cardReaderCancelled", actor,
                             json::object{{"deadline", i.reader_model_deadline}});
          !x)
        return x;
      out.push_back(i);
    }
    return {};
  });
  if (!st) return st.error();
  return out;
}

namespace {

// The next number above the high-water mark of (都道府県, 点数表, 郡市区) that no entry holds
// (an entry registered with its code, e.g. from a bureau's list, holds one), or -1.
Result<int> free_number(store::InstitutionTx& db, const Institution& i) {
  char table = score_table(i.kind);
  auto high = db.high_water(i.prefecture, std::string(1, table), i.district);
  if (!high) return high.error();
  int number = next_number(table, static_cast<int>(*high));
  for (; number > 0; number = next_number(table, number)) {
    auto candidate = make_institution_number(i.prefecture, table, i.district, number);
    auto used =
        db.find(InstitutionKey::kMedicalInstitutionCode, candidate.medical_institution_code);
    if (!used) return used.error();
    if (used->empty()) break;
  }
  return number;
}

}  // namespace

Result<Institution> Registry::request_reception_number(const NumberRequest& r,
                                                       const std::string& actor) {
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto loaded = load(tx.db, r.provisional_code);
    if (!loaded) return loaded.error();
    Institution i = std::move(*loaded);
    if (i.stage != Stage::kProvisional)
      return fail("E_STATE", "provisionalCode", "受付番号は回答済みです: " + i.reception_number);
    if (r.retroactive || r.designation < r.request_date)
      return fail("E_RETROACTIVE", "designationDate",
                  "指定期日を遡及して指定を受ける医療機関等は受付番号の情報提供の対象外です");
    auto s = schedule_from(tx.db, r.designation);
    if (!s) return s.error();
    if (r.request_date > s->submission_deadline)
      return fail("E_SUBMISSION_DEADLINE", "requestDate",
                  "地方厚生（支）局の提出期限（" + core::to_wareki(s->submission_deadline) +
                      "）を過ぎているため、診療開始月の月初からの利用には間に合いません（返戻）");
    auto number = free_number(tx.db, i);
    if (!number) return number.error();
    if (*number < 0)
      return fail("E_NUMBER_EXHAUSTED", "district",
                  "この郡市区・点数表で払い出せる番号がありません");
    char table = score_table(i.kind);
    if (Status x = tx.db.set_high_water(i.prefecture, std::string(1, table), i.district, *number);
        !x)
      return x;
    auto num = make_institution_number(i.prefecture, table, i.district, *number);
    i.reception_number = num.reception_number;
    i.medical_institution_code = num.medical_institution_code;
    i.designation_date = r.designation.yyyymmdd();
    i.request_date = r.request_date.yyyymmdd();
    i.bureau_answer_date = s->bureau_answer.yyyymmdd();
    i.agency_deadline = s->agency_deadline.yyyymmdd();
    i.stage = Stage::kNumberAnswered;
    if (Status x = tx.db.update(to_row(i)); !x) return x;
    if (Status x = m.event(tx, i, "receptionNumber", actor,
                           json::object{{"receptionNumber", i.reception_number},
                                        {"designationDate", i.designation_date},
                                        {"bureauAnswerDate", i.bureau_answer_date},
                                        {"agencyDeadline", i.agency_deadline}});
        !x)
      return x;
    out = std::move(i);
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::present_reception_number(const std::string& key, Date on,
                                                       bool late_accepted,
                                                       const std::string& actor) {
  auto& m = *impl_;
  return m.transition(
      key, "presentation", actor, [&](Impl::Tx& tx, Institution& i, json::object& d) -> Status {
        if (i.stage == Stage::kProvisional)
          return fail("E_STATE", "receptionNumber", "受付番号がまだ回答されていません");
        if (!i.presented_on.empty() || i.stage == Stage::kInUse)
          return fail("E_STATE", "receptionNumber", "受付番号は提示済みです");
        Date deadline = on;
        if (auto designation = Date::parse(i.designation_date)) {
          auto s = schedule_from(tx.db, *designation);
          if (!s) return s.error();
          deadline = s->agency_deadline;
        }
        if (on > deadline && !late_accepted)
          return fail("E_PRESENTATION_DEADLINE", "date",
                      "実施機関への提出期限（" + core::to_wareki(deadline) +
                          "）を過ぎています。実施機関の個別対応が必要です");
        i.presented_on = on.yyyymmdd();
        if (i.reader == ReaderState::kApplied) {
          i.reader = ReaderState::kShipped;
          i.reader_shipped_on = on.yyyymmdd();
        }
        d["late"] = on > deadline;
        return {};
      });
}

Result<Institution> Registry::designate(const std::string& key, const std::string& actor) {
  return impl_->transition(key, "designated", actor,
                           [](Impl::Tx&, Institution& i, json::object&) -> Status {
                             if (i.stage == Stage::kProvisional)
                               return fail("E_STATE", "receptionNumber",
                                           "受付番号が回答されていない医療機関等は指定できません");
                             if (i.stage != Stage::kNumberAnswered)
                               return fail("E_STATE", "receptionNumber", "既に指定済みです");
                             i.stage = Stage::kDesignated;
                             i.designated_on = Date::today_jst().yyyymmdd();
                             return {};
                           });
}

Result<Institution> Registry::report_not_designated(const std::string& key,
                                                    const std::string& actor) {
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto loaded = load(tx.db, key);
    if (!loaded) return loaded.error();
    Institution i = std::move(*loaded);
    if (i.stage != Stage::kNumberAnswered)
      return fail("E_STATE", "receptionNumber",
                  i.stage == Stage::kProvisional ? "受付番号が回答されていません"
                                                 : "指定済みの医療機関等は削除できません");
    if (Status x = tx.db.remove(i.id); !x) return x;
    // The number stays below the high-water mark, so it is never handed out again.
    if (Status x =
            m.event(tx, i, "notDesignated", actor,
                    json::object{{"receptionNumber", i.reception_number}, {"deleted", true}});
        !x)
      return x;
    out = std::move(i);
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::apply_usage(const std::string& key, Date on, const fs::path& cert_out,
                                          const std::string& actor) {
  auto& m = *impl_;
  return m.transition(
      key, "usage", actor, [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
        if (i.stage == Stage::kInUse)
          return fail("E_STATE", "medicalInstitutionCode", "利用申請は受付済みです");
        if (i.stage != Stage::kDesignated)
          return fail(
              "E_NOT_DESIGNATED", "medicalInstitutionCode",
              "保険医療機関等として指定されていないため、利用申請・電子証明書の発行はできません");
        if (Status s = security::issue_client(m.key_dir, security::Role::kInstitution,
                                              i.medical_institution_code, cert_out);
            !s)
          return s;
        i.stage = Stage::kInUse;
        i.usage_applied_on = on.yyyymmdd();
        i.usage_start = std::max(i.usage_applied_on, i.designation_date);
        d["usageStart"] = i.usage_start;
        d["certificate"] = "issued";
        return {};
      });
}

Result<Institution> Registry::set_medical_aid(const std::string& key, bool use, Date on,
                                              const std::string& actor) {
  auto& m = *impl_;
  return m.transition(
      key, "medicalAid", actor, [&](Impl::Tx& tx, Institution& i, json::object& d) -> Status {
        if (i.stage != Stage::kInUse)
          return fail("E_STATE", "medicalInstitutionCode",
                      "医療扶助情報の設定はオンライン資格確認を利用中の医療機関等のみ変更できます");
        if (Status s = tx.db.add_medical_aid_setting(i.id, on.yyyymmdd(), use); !s) return s;
        i.medical_aid = use;
        d["use"] = use;
        d["effectiveOn"] = on.yyyymmdd();
        return {};
      });
}

Result<Institution> Registry::find(const std::string& key) {
  return load(impl_->store, key);
}

Result<std::vector<Institution>> Registry::all() {
  return from_rows(impl_->store.all());
}

Result<std::vector<Institution>> Registry::published_list(Date as_of, const ListFilter& f) {
  store::InstitutionFilter sf;
  sf.prefecture = f.prefecture;
  if (f.kind) sf.kind = kind_name(*f.kind);
  sf.name = f.name;
  return from_rows(impl_->store.in_use_before(publication_monday(as_of).yyyymmdd(), sf));
}

Result<std::vector<Institution>> Registry::medical_aid_list(int year, int month) {
  if (!Date::valid_ymd(year, month, 1)) return fail("E_DATE", "month", "年月が正しくありません");
  return from_rows(impl_->store.medical_aid_users(Date::from_ymd(year, month, 1).yyyymmdd()));
}

Result<std::vector<std::string>> Registry::history(const std::string& key) {
  auto& m = *impl_;
  std::string provisional = key;
  if (auto i = load(m.store, key)) provisional = i->provisional_code;
  auto events = m.store.history(provisional);
  if (!events) return events.error();
  std::vector<std::string> out;
  for (const auto& e : *events) {
    json::object o{{"seq", e.seq},
                   {"time", core::timestamp_jst(e.time_us)},
                   {"action", e.action},
                   {"actor", e.actor}};
    boost::system::error_code ec;
    o["detail"] = json::parse(e.detail, ec);
    out.push_back(json::serialize(o));
  }
  if (out.empty()) return fail("E_NOT_FOUND", "key", "該当する医療機関等がありません: " + key);
  return out;
}

Status Registry::set_schedule_override(const ScheduleOverride& o, const std::string& actor) {
  if (!Date::valid_ymd(o.year, o.month, 1))
    return fail("E_DATE", "month", "年月が正しくありません");
  if (!o.bureau_answer && !o.agency_deadline && !o.submission_deadline)
    return fail("E_FLAG", "", "変更する日付を1つ以上指定してください");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    store::StoredScheduleOverride s{month_key(o.year, o.month), date_or_empty(o.bureau_answer),
                                    date_or_empty(o.agency_deadline),
                                    date_or_empty(o.submission_deadline)};
    if (Status x = tx.db.put_schedule_override(s); !x) return x;
    m.audit_event(tx, "scheduleOverride", actor, s.month, "");
    return {};
  });
}

Status Registry::clear_schedule_override(int year, int month, const std::string& actor) {
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    auto deleted = tx.db.delete_schedule_override(month_key(year, month));
    if (!deleted) return deleted.error();
    if (!*deleted) return fail("E_NOT_FOUND", "month", "その月の日程の上書きはありません");
    m.audit_event(tx, "scheduleOverrideCleared", actor, month_key(year, month), "");
    return {};
  });
}

Result<std::vector<ScheduleOverride>> Registry::schedule_overrides() {
  return overrides_of(impl_->store);
}

Result<Schedule> Registry::schedule(Date designation) {
  return schedule_from(impl_->store, designation);
}

Status Registry::set_total(Kind k, const std::string& prefecture, int64_t count,
                           const std::string& actor) {
  if (!two_digits_in(prefecture, 1, 47))
    return fail("E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です");
  if (count < 0) return fail("E_COUNT", "count", "件数は0以上です");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    if (Status x = tx.db.set_population(kind_name(k), prefecture, count); !x) return x;
    m.audit_event(tx, "population", actor, std::string(kind_name(k)) + ":" + prefecture,
                  "{\"total\":" + std::to_string(count) + "}");
    return {};
  });
}

Status Registry::set_card_figures(int64_t issued, int64_t registrations, const std::string& actor) {
  if (issued < 0 || registrations < 0 || registrations > issued)
    return fail("E_COUNT", "registrations", "利用登録数は0以上、交付数以下です");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    if (Status x = tx.db.set_counter("cards_issued", issued); !x) return x;
    if (Status x = tx.db.set_counter("card_registrations", registrations); !x) return x;
    m.audit_event(tx, "cardFigures", actor, "",
                  "{\"issued\":" + std::to_string(issued) +
                      ",\"registrations\":" + std::to_string(registrations) + "}");
    return {};
  });
}

namespace {

struct Cell {
  int64_t count = 0, readers = 0, in_use = 0, aid = 0;
  std::optional<int64_t> population;
};
using Cells = std::map<std::pair<std::string, std::string>, Cell>;  // (kind, prefecture)

// The figures of every kind and prefecture: the registry's counts, and as denominators the
// operator's totals where they are larger than the registry's own count.
Statistics aggregate(const Cells& cells, const std::string& day) {
  Statistics st;
  st.as_of = day;
  std::map<std::string, PrefectureStatistics> prefs;
  for (int p = 1; p <= 47; ++p) {
    char two[3];
    std::snprintf(two, sizeof two, "%02d", p);
    prefs[two].prefecture = two;
  }
  for (Kind k : {Kind::kHospital, Kind::kClinic, Kind::kDental, Kind::kPharmacy}) {
    KindStatistics ks{k};
    for (const auto& [key, c] : cells) {
      if (key.first != kind_name(k)) continue;
      int64_t total = std::max(c.population.value_or(c.count), c.count);
      ks.total += total;
      ks.reader_applications += c.readers;
      ks.in_use += c.in_use;
      ks.medical_aid += c.aid;
      auto& ps = prefs[key.second];
      ps.total += total;
      ps.reader_applications += c.readers;
      ps.in_use += c.in_use;
    }
    st.total += ks.total;
    st.reader_applications += ks.reader_applications;
    st.in_use += ks.in_use;
    st.medical_aid += ks.medical_aid;
    st.by_kind.push_back(ks);
  }
  for (auto& [_, ps] : prefs) st.by_prefecture.push_back(ps);
  return st;
}

}  // namespace

Result<Statistics> Registry::statistics(Date as_of) {
  auto& s = impl_->store;
  std::string day = as_of.yyyymmdd();
  auto counts = s.counts(day);
  if (!counts) return counts.error();
  auto population = s.population();
  if (!population) return population.error();
  Cells cells;
  for (const auto& c : *counts)
    cells[{c.kind, c.prefecture}] = {c.total, c.reader_applications, c.in_use, c.medical_aid, {}};
  for (const auto& p : *population) cells[{p.kind, p.prefecture}].population = p.total;
  Statistics st = aggregate(cells, day);
  auto issued = s.counter("cards_issued");
  if (!issued) return issued.error();
  auto registrations = s.counter("card_registrations");
  if (!registrations) return registrations.error();
  st.cards_issued = issued->value_or(0);
  st.card_registrations = registrations->value_or(0);
  return st;
}

}  // namespace onshi::institutions

namespace onshi::institutions {
namespace {

// RFC 4180 rows of a CSV text (quoted fields, doubled quotes, CRLF or LF).
std::vector<std::vector<std::string>> csv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

}  // namespace

Result<BulkReport> Registry::designate_from_list(std::string_view file, const std::string& actor) {
  std::string text;
  if (core::detect_encoding(file) == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(file);
    if (!u)
      return Error{"E_ENCODING", "file",
                   "ファイルの文字コードを読み取れません（UTF-8 または Shift_JIS）"};
    text = std::move(*u);
  } else {
    text = std::string(core::strip_utf8_bom(file));
  }
  auto rows = csv_rows(text);
  if (rows.empty()) return Error{"E_HEADER", "file", "見出し行がありません"};
  int code_col = -1;
  for (size_t c = 0; c < rows[0].size(); ++c) {
    std::string h = trim(rows[0][c]);
    if (h == "医療機関コード" || h == "医療機関等コード" || h == "MedicalInstitutionCode")
      code_col = static_cast<int>(c);
  }
  if (code_col < 0)
    return Error{"E_HEADER", "file", "見出し行に「医療機関コード」の列がありません"};
  BulkReport report;
  for (size_t r = 1; r < rows.size(); ++r) {
    auto reject = [&](const Error& e) {
      report.rejected++;
      report.errors.push_back({static_cast<int64_t>(r), e.code, "医療機関コード", e.message});
    };
    if (static_cast<size_t>(code_col) >= rows[r].size()) {
      reject(Error{"E_EMPTY", "", "医療機関コードがありません"});
      continue;
    }
    std::string code = trim(rows[r][static_cast<size_t>(code_col)]);
    if (Status s = core::check_medical_institution_code(code); !s) {
      reject(s.error());
      continue;
    }
    auto done = designate(code, actor);
    if (!done) {
      reject(done.error());
      continue;
    }
    report.designated++;
  }
  return report;
}

}  // namespace onshi::institutions
