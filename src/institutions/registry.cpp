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
// rule, deadline, number and message is decided in src/institutions/.
//
// This file holds what every operation shares: the conversion between entries and the
// store's rows, the lookup of an entry by any of its keys, the schedule with the operator's
// overrides, the JSON of an entry, and opening the registry. The operations themselves are
// in onboarding.cpp (the transitions), settings.cpp (the operator's settings), queries.cpp
// (queries and statistics) and designation_list.cpp (the bureau's list).
#include <boost/json.hpp>
#include <cstdio>

#include "core/numbers.h"
#include "core/text.h"
#include "institutions/detail.h"

namespace onshi::institutions {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::Date;

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

std::optional<Date> parse_optional_date(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto d = Date::parse(s);
  if (!d) return std::nullopt;
  return *d;
}

}  // namespace

namespace detail {

using store::InstitutionKey;
using store::InstitutionRow;

Error fail(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
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

}  // namespace detail

using detail::fail;

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

}  // namespace onshi::institutions
