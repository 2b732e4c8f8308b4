// 医療券・調剤券 (registry/medical_aid.h): one ticket's rules, its check against the recipient,
// the HTTPS registrar and the CSV import on the batch pipeline.
//
// The rules are a table — each column's Japanese label, whether it is required and what it
// holds (a code of its OQSCD table, a date, a month, an institution code, digits or free
// text) — read by one checker, so the CSV file and the JSON body cannot drift apart. The
// check against the recipient reads the member store (a recipient is a qualification) on
// the pipeline's worker threads; the store is thread-safe.
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "core/codes.h"
#include "core/numbers.h"
#include "core/qualification.h"
#include "registry/fields.h"
#include "registry/medical_aid.h"
#include "store/ticket_load.h"

namespace onshi::registry {
namespace {

enum class Kind {
  kOfficeNumber,
  kRecipientNumber,
  kCode,
  kDate,
  kMonth,
  kInstitution,
  kDigits,
  kIssueNumber,
  kText
};

struct TicketColumn {
  std::string_view name;
  std::string_view label;
  bool required;
  Kind kind;
  std::string_view table;                    // kCode: OQSCD…
  std::string core::MedicalTicket::*member;  // where the value goes
};

using T = core::MedicalTicket;
const TicketColumn kColumns[] = {
    {"InsurerNumber", "公費負担者番号", true, Kind::kOfficeNumber, "", &T::insurer_number},
    {"InsuredIdentificationNumber", "受給者番号", true, Kind::kRecipientNumber, "",
     &T::insured_identification_number},
    {"TicketType", "医療券・調剤券別", true, Kind::kCode, "OQSCD018", &T::ticket_type},
    {"MedicalTicketValidDate", "有効開始年月日", true, Kind::kDate, "", &T::valid_date},
    {"MedicalTicketExpirationDate", "有効終了年月日", true, Kind::kDate, "", &T::expiration_date},
    {"IssueNumber", "交付番号", true, Kind::kIssueNumber, "", &T::issue_number},
    {"MedicalTreatmentMonth", "診療年月", true, Kind::kMonth, "", &T::medical_treatment_month},
    {"DesignatedMedicalInstitutionCode", "指定医療機関コード", true, Kind::kInstitution, "",
     &T::designated_code},
    {"DesignatedMedicalInstitutionName", "指定医療機関名", false, Kind::kText, "",
     &T::designated_name},
    {"PrescriptionIssuerMedicalInstitutionCode", "処方箋発行元医療機関コード", false,
     Kind::kInstitution, "", &T::prescription_issuer_code},
    {"PrescriptionIssuerMedicalInstitutionName", "処方箋発行元医療機関名", false, Kind::kText, "",
     &T::prescription_issuer_name},
    {"InjuryName1", "傷病名1", false, Kind::kText, "", &T::injury_name1},
    {"InjuryName2", "傷病名2", false, Kind::kText, "", &T::injury_name2},
    {"InjuryName3", "傷病名3", false, Kind::kText, "", &T::injury_name3},
    {"MedicalTreatmentType", "診療別", false, Kind::kCode, "OQSCD019", &T::medical_treatment_type},
    {"SelfPayAmount", "本人支払額", false, Kind::kDigits, "", &T::self_pay_amount},
    {"DistrictContactName", "地区担当員名", false, Kind::kText, "", &T::district_contact_name},
    {"HandlingContactName", "取扱担当者名", false, Kind::kText, "", &T::handling_contact_name},
    {"SingleOrCombinedUse", "単独・併用別", false, Kind::kCode, "OQSCD020",
     &T::single_or_combined_use},
    {"StatusOfSocialInsurance", "社会保険状況", false, Kind::kCode, "OQSCD021",
     &T::status_of_social_insurance},
    {"ConsistencyFlag", "社会保険状況の整合性フラグ", false, Kind::kCode, "OQSCD022",
     &T::consistency_flag},
    {"StatusOfInfecton", "感染症法第37条の2の該当状況", false, Kind::kCode, "OQSCD023",
     &T::status_of_infection},
    {"StatusOfElderlyMedicalCare", "後期高齢者医療の該当状況", false, Kind::kCode, "OQSCD024",
     &T::status_of_elderly_medical_care},
    {"StatusOfPrefecturalExpenses", "都道府県費の該当状況", false, Kind::kCode, "OQSCD025",
     &T::status_of_prefectural_expenses},
    {"Remarks1", "備考1", false, Kind::kText, "", &T::remarks1},
    {"Remarks2", "備考2", false, Kind::kText, "", &T::remarks2},
    {"Remarks3", "備考3", false, Kind::kText, "", &T::remarks3},
};
constexpr size_t kColumnCount = std::size(kColumns);
constexpr size_t kMaxTextBytes = 300;  // 100 characters of three UTF-8 bytes

using Values = std::array<std::string_view, kColumnCount>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int column_index(std::string_view name) {
  for (size_t i = 0; i < kColumnCount; ++i)
    if (kColumns[i].name == name) return static_cast<int>(i);
  return -1;
}

class TicketChecker {
 public:
  explicit TicketChecker(const Values& v) : v_(v) {}
  std::variant<core::MedicalTicket, std::vector<Error>> run();

 private:
  void fail(const TicketColumn& c, std::string code, std::string message) {
    errors_.push_back(Error{std::move(code), std::string(c.name), std::move(message)});
  }
  void one(const TicketColumn& c, std::string_view s, core::MedicalTicket& t);
  void across(const core::MedicalTicket& t);

  const Values& v_;
  std::vector<Error> errors_;
};

// One column's own rule; the value goes into the ticket when it passes.
void TicketChecker::one(const TicketColumn& c, std::string_view s, core::MedicalTicket& t) {
  const std::string_view label = c.label;  // made a string only for a message
  if (s.empty()) {
    if (c.required) fail(c, "E_MISSING", std::string(label) + "が入力されていません");
    return;
  }
  Status st = Status::Ok();
  switch (c.kind) {
    case Kind::kOfficeNumber:
      st = core::check_public_expense_number(s);
      if (s.size() == 8 && digits(s) && !core::is_medical_aid_number(s))
        st = Error{"E_MEDICAL_AID_NUMBER", "",
                   "公費負担者番号は法別 12（生活保護法 医療扶助）で始まる8桁です"};
      break;
    case Kind::kRecipientNumber:
      st = core::check_beneficiary_number(s);
      if (!st) st = Error{st.error().code, "", "受給者番号: " + st.error().message};
      break;
    case Kind::kCode:
      if (!core::valid_code(c.table, s))
        st = Error{"E_CODE", "",
                   std::string(label) + "は " + std::string(c.table) + " にないコードです"};
      break;
    case Kind::kDate:
      if (auto d = core::Date::parse(s); !d)
        st = Error{d.error().code, "", std::string(label) + ": " + d.error().message};
      break;
    case Kind::kMonth:
      if (s.size() != 6 || !digits(s) || !core::Date::parse(std::string(s) + "01"))
        st = Error{"E_MONTH", "", std::string(label) + "は YYYYMM の形の年月です（例: 202504）"};
      break;
    case Kind::kInstitution:
      st = core::check_medical_institution_code(s);
      if (!st) st = Error{st.error().code, "", std::string(label) + ": " + st.error().message};
      break;
    case Kind::kDigits:
      if (!digits(s) || s.size() > 9)
        st = Error{"E_FORMAT", "", std::string(label) + "は円単位の数字です"};
      break;
    case Kind::kIssueNumber:
      if (!digits(s) || s.size() > 10)
        st = Error{"E_FORMAT", "", std::string(label) + "は10桁までの数字です"};
      break;
    case Kind::kText:
      if (std::any_of(s.begin(), s.end(),
                      [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F; }))
        st = Error{"E_BAD_CHARACTER", "",
                   std::string(label) + "に制御文字（改行など）が含まれています"};
      else if (s.size() > kMaxTextBytes)
        st = Error{"E_LENGTH", "", std::string(label) + "は100文字までです"};
      break;
  }
  if (!st) {
    fail(c, st.error().code, st.error().message);
    return;
  }
  (t.*(c.member)).assign(s);
}

// Rules between columns: dates in order and inside the month, the ticket's kind and the
// designated institution's kind (a 調剤券 designates a pharmacy, a 医療券 does not).
void TicketChecker::across(const core::MedicalTicket& t) {
  const TicketColumn& valid = kColumns[3];
  const TicketColumn& expiry = kColumns[4];
  if (!t.valid_date.empty() && !t.expiration_date.empty() && t.expiration_date < t.valid_date)
    fail(expiry, "E_DATE_ORDER", "有効終了年月日が有効開始年月日より前です");
  const std::string& month = t.medical_treatment_month;
  if (!month.empty()) {
    for (const auto* col : {&valid, &expiry}) {
      const std::string& d = t.*(col->member);
      if (!d.empty() && d.compare(0, 6, month) != 0)
        fail(*col, "E_TICKET_MONTH",
             std::string(col->label) + "が診療年月 " + month + " の月の日付ではありません");
    }
  }
  if (!t.ticket_type.empty() && t.designated_code.size() == 10) {
    const bool pharmacy = t.designated_code[2] == '4';
    if ((t.ticket_type == "02") != pharmacy)
      fail(kColumns[7], "E_TICKET_INSTITUTION",
           t.ticket_type == "02"
               ? "調剤券の指定医療機関は薬局（医療機関コードの点数表番号 4）です"
               : "医療券の指定医療機関は病院・診療所（点数表番号 1 または 3）です");
  }
}

std::variant<core::MedicalTicket, std::vector<Error>> TicketChecker::run() {
  core::MedicalTicket t;
  for (size_t i = 0; i < kColumnCount; ++i) one(kColumns[i], trim(v_[i]), t);
  across(t);
  if (!errors_.empty()) return std::move(errors_);
  return t;
}

std::vector<RecordError> with_row(std::vector<Error>&& errors, int64_t row) {
  std::vector<RecordError> out;
  for (auto& e : errors)
    out.push_back(RecordError{row, std::move(e.field), std::move(e.code), std::move(e.message)});
  return out;
}

}  // namespace

const std::vector<std::string>& ticket_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> v;
    for (const auto& c : kColumns) v.emplace_back(c.name);
    return v;
  }();
  return fields;
}

const std::vector<std::string>& recipient_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> v;
    for (int f : detail::kRecipientFields) v.emplace_back(detail::field_name(f));
    return v;
  }();
  return fields;
}

std::variant<core::MedicalTicket, std::vector<Error>> validate_ticket(const FieldMap& fields) {
  Values values{};
  std::vector<Error> structural;
  std::array<bool, kColumnCount> seen{};
  for (const auto& [k, v] : fields) {
    int i = column_index(k);
    std::string shown = k.size() <= 64 ? k : k.substr(0, 64);
    if (i < 0) {
      structural.push_back(Error{"E_UNKNOWN_FIELD", shown, "不明な項目「" + shown + "」です"});
    } else if (seen[static_cast<size_t>(i)]) {
      structural.push_back(
          Error{"E_DUPLICATE_FIELD", shown, "項目「" + shown + "」が重複しています"});
    } else {
      seen[static_cast<size_t>(i)] = true;
      values[static_cast<size_t>(i)] = v;
    }
  }
  auto r = TicketChecker(values).run();
  if (structural.empty()) return r;
  if (auto* errs = std::get_if<std::vector<Error>>(&r))
    structural.insert(structural.end(), errs->begin(), errs->end());
  return structural;
}

namespace {

// What a ticket is checked against: whether the recipient is registered and its covered
// period as known at the check's time.
struct RecipientPeriod {
  bool found = false;
  std::string qualification_date, disqualification_date;
};

Result<RecipientPeriod> recipient_period(store::Store& members, const std::string& recipient_key,
                                         int64_t known_at_us) {
  auto version = members.qualification_as_of(recipient_key, known_at_us);
  if (!version) return version.error();
  RecipientPeriod p;
  if (!*version) return p;
  p.found = true;
  p.qualification_date = std::move((*version)->qualification.qualification_date);
  p.disqualification_date = std::move((*version)->qualification.disqualification_date);
  return p;
}

std::vector<Error> check_against(const core::MedicalTicket& ticket, const RecipientPeriod& p) {
  std::vector<Error> errors;
  if (!p.found) {
    errors.push_back(Error{"E_RECIPIENT_NOT_FOUND", "InsuredIdentificationNumber",
                           "この公費負担者番号・受給者番号の受給者は登録されていません。"
                           "先に受給者を登録してください"});
    return errors;
  }
  if (ticket.valid_date < p.qualification_date)
    errors.push_back(
        Error{"E_TICKET_PERIOD", "MedicalTicketValidDate",
              "有効開始年月日が受給者の保護開始日（" + p.qualification_date + "）より前です"});
  if (!p.disqualification_date.empty() && !(ticket.expiration_date < p.disqualification_date))
    errors.push_back(
        Error{"E_TICKET_PERIOD", "MedicalTicketExpirationDate",
              "有効終了年月日が受給者の保護の廃止日（" + p.disqualification_date + "）以降です"});
  return errors;
}

}  // namespace

Result<std::vector<Error>> check_ticket_recipient(store::Store& members,
                                                  const core::MedicalTicket& ticket,
                                                  int64_t known_at_us) {
  auto p = recipient_period(members, ticket.recipient_key(), known_at_us);
  if (!p) return p.error();
  return check_against(ticket, *p);
}

Result<Report> register_tickets(store::Store& members, store::TicketStore& tickets,
                                const std::vector<FieldMap>& records, const std::string& source,
                                const std::optional<std::string>& only_office, int64_t first_row) {
  Report report;
  const int64_t now_us = core::now_unix_us();
  std::vector<store::TicketPut> items;
  for (size_t i = 0; i < records.size(); ++i) {
    const int64_t row = first_row + static_cast<int64_t>(i);
    auto r = validate_ticket(records[i]);
    if (auto* t = std::get_if<core::MedicalTicket>(&r);
        t && only_office && t->insurer_number != *only_office) {
      r = std::vector<Error>{
          Error{"E_FORBIDDEN_OFFICE", "InsurerNumber",
                "他の福祉事務所の公費負担者番号では医療券・調剤券を登録できません"}};
    } else if (t) {
      auto recipient_errors = check_ticket_recipient(members, *t, now_us);
      if (!recipient_errors) return recipient_errors.error();
      if (!recipient_errors->empty()) r = std::move(*recipient_errors);
    }
    if (auto* errs = std::get_if<std::vector<Error>>(&r)) {
      ++report.rejected;
      for (auto& e : with_row(std::move(*errs), row)) report.errors.push_back(std::move(e));
      continue;
    }
    items.push_back(store::TicketPut{std::get<core::MedicalTicket>(std::move(r)), source});
  }
  if (!items.empty()) {
    auto outcomes = tickets.put_tickets(items);
    if (!outcomes) return outcomes.error();
    for (auto o : *outcomes)
      (o == store::PutOutcome::kUnchanged ? report.unchanged : report.accepted)++;
  }
  return report;
}

namespace {

// The ticket file on the batch pipeline: rows validated and checked against their recipient
// on the worker threads; the first row of a ticket key wins; one put_tickets per batch.
//
// A file holds several tickets of each recipient (one a month, often several kinds), and
// every row is checked as of the run's start, so each recipient's period is read from the
// member store once per run and remembered (RecipientCache) — the same answer the store
// would give each row.
// The periods of the recipients a run has looked up, shared by the worker threads. It is
// emptied when it reaches kMaxEntries, so memory stays bounded on any file.
class RecipientCache {
 public:
  RecipientCache(store::Store& members, int64_t known_at_us)
      : members_(members), known_at_us_(known_at_us) {}

  Result<RecipientPeriod> period(const std::string& recipient_key) {
    {
      std::lock_guard lock(mu_);
      if (auto it = periods_.find(recipient_key); it != periods_.end()) return it->second;
    }
    auto p = recipient_period(members_, recipient_key, known_at_us_);
    if (!p) return p;
    std::lock_guard lock(mu_);
    if (periods_.size() >= kMaxEntries) periods_.clear();
    periods_.emplace(recipient_key, *p);
    return p;
  }

 private:
  static constexpr size_t kMaxEntries = 1'000'000;
  store::Store& members_;
  const int64_t known_at_us_;
  std::mutex mu_;
  std::unordered_map<std::string, RecipientPeriod> periods_;
};

class TicketInput {
 public:
  TicketInput(store::Store& members, store::TicketStore& tickets, const std::filesystem::path& csv)
      : tickets_(tickets),
        source_("import:" + csv.filename().string()),
        recipients_(members, core::now_unix_us()) {}

  batch::Input<store::TicketPut> input() {
    batch::Input<store::TicketPut> in;
    for (const auto& c : kColumns) in.columns.push_back({std::string(c.name), c.required});
    in.parse = [this](const batch::Row& row) { return parse(row); };
    in.write = [this](batch::Batch<store::TicketPut>& b) { return write(b); };
    in.start = [this](const batch::FileInfo& file) { return begin_load(file.path); };
    return in;
  }
  Report& report() { return report_; }

  // The end of a file: the store completes a bulk load (also after a failed run).
  Status finish_load() { return load_ ? load_->finish() : Status::Ok(); }

 private:
  std::variant<store::TicketPut, std::vector<RecordError>> parse(const batch::Row& row) const {
    Values values{};
    for (size_t c = 0; c < kColumnCount; ++c) values[c] = row.value(c);
    auto r = TicketChecker(values).run();
    if (auto* errs = std::get_if<std::vector<Error>>(&r))
      return with_row(std::move(*errs), row.number);
    store::TicketPut put{std::get<core::MedicalTicket>(std::move(r)), source_};
    auto period = recipients_.period(put.ticket.recipient_key());
    if (!period)
      return std::vector<RecordError>{
          {row.number, "", period.error().code, period.error().message}};
    auto recipient_errors = check_against(put.ticket, *period);
    if (!recipient_errors.empty()) return with_row(std::move(recipient_errors), row.number);
    return put;
  }

  Status write(batch::Batch<store::TicketPut>& b) {
    batch::keep_first_of_each_key(
        b, first_row_, [](const store::TicketPut& put) { return put.ticket.ticket_key(); },
        "E_DUPLICATE_KEY", [](int64_t row, int64_t first) {
          return "行 " + std::to_string(row) + " は行 " + std::to_string(first) +
                 " と同じ医療券・調剤券（公費負担者番号・受給者番号・交付番号）です。"
                 "ファイルの中では最初の行だけを登録し、この行は登録しません";
        });
    if (b.records.empty()) return Status::Ok();
    // In a bulk load each key is given once: the rule above has rejected the file's repeats.
    auto outcomes = load_->put(b.records);
    if (!outcomes) return outcomes.status();
    for (auto o : *outcomes)
      (o == store::PutOutcome::kUnchanged ? report_.unchanged : report_.accepted)++;
    return Status::Ok();
  }

  // A file's first batch is near: room for its keys (a ticket row takes 130 bytes or more),
  // and the store's load (a bulk load when it holds no ticket yet, store/ticket_load.h).
  Status begin_load(const std::filesystem::path& file) {
    std::error_code ec;
    if (auto size = std::filesystem::file_size(file, ec); !ec)
      first_row_.reserve(std::min<uintmax_t>(size / 128, 20'000'000));
    auto load = store::begin_ticket_load(tickets_);
    if (!load) return load.status();
    load_ = std::move(*load);
    return Status::Ok();
  }

  store::TicketStore& tickets_;
  std::string source_;
  mutable RecipientCache recipients_;
  Report report_;
  batch::FirstRows first_row_;  // each ticket key kept from the file → its row
  std::unique_ptr<store::TicketLoad> load_;  // from start() on
};

}  // namespace

Result<Report> import_tickets_csv(store::Store& members, store::TicketStore& tickets,
                                  const std::filesystem::path& csv, const ImportOptions& options) {
  TicketInput tickets_in(members, tickets, csv);
  auto input = tickets_in.input();
  batch::Options opt = options;
  opt.checkpoint = nullptr;  // the duplicate rule needs every row: a re-run repeats the file
  auto summary = batch::run(csv, input, opt);
  Status finished = tickets_in.finish_load();
  if (!summary) return summary.error();
  if (!finished) return finished.error();
  Report& report = tickets_in.report();
  report.rejected = summary->rejected;
  report.errors = std::move(summary->errors);
  report.notice = std::move(summary->notice);
  return std::move(report);
}

}  // namespace onshi::registry
