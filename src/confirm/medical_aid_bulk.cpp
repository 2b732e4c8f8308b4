// The 医療扶助 bulk inquiry (OQSmutic01, research §2.3): every recipient with a ticket of the
// month asked designating the institution, each answered by the rules of medical_aid.h.
//
// A month is not a day, so each recipient is judged on one day of it: today when today is in
// the month, else the month's first day (a month to come) or last day (a month past), moved
// to the nearest day of the month the recipient is covered on — so a recipient covered on
// any day of the month is answered as covered. The units are audited like confirmations by
// numbers (one entry each, with the branch), all made durable before anything is answered.
#include <algorithm>
#include <map>

#include "confirm/confirm.h"
#include "core/date.h"
#include "core/numbers.h"

namespace onshi::confirm {
namespace {

// The last day of the month of `first` (a first of month).
core::Date last_of_month(core::Date first) {
  return first.first_of_next_month().add_days(-1);
}

// The day of the month a recipient is judged on (above).
core::Date judged_day(const core::Qualification& q, core::Date base, core::Date first) {
  const core::Date last = last_of_month(first);
  core::Date d = base;
  if (q.covers(d.yyyymmdd())) return d;
  if (auto start = core::Date::parse(q.qualification_date); start && *start > d && *start <= last)
    return *start;
  if (auto end = core::Date::parse(q.disqualification_date); end && *end <= d && *end > first)
    return end->add_days(-1);
  return d;
}

}  // namespace

Result<MonthlyRecipients> Confirmer::recipients_of_month(const Caller& caller,
                                                         std::string_view month, core::Date today) {
  auto first = core::Date::parse(std::string(month) + "01");
  if (month.size() != 6 || !first)
    return Error{"E_DATE", "MedicalTreatmentMonth", "診療年月は YYYYMM の形式で指定してください"};
  auto enabled = settings_->enabled(aid_, caller.medical_institution_code, today.yyyymmdd());
  if (!enabled) return enabled.error();
  if (!*enabled)
    return Error{
        "E_MEDICAL_AID_NOT_ENABLED", "MedicalInstitutionCode",
        "医療扶助情報の設定が「利用する」になっていないため、医療扶助の一括照会はできません"};
  const core::Date base = std::clamp(today, *first, last_of_month(*first));
  const int64_t known_at = core::now_unix_us();
  auto tickets =
      aid_.tickets->tickets_for_institution(caller.medical_institution_code, month, known_at);
  if (!tickets) return tickets.error();
  std::map<std::pair<std::string, std::string>, bool> recipients;  // in (office, 受給者番号) order
  for (const auto& t : *tickets)
    recipients[{t.ticket.insurer_number, t.ticket.insured_identification_number}] = true;

  MonthlyRecipients out;
  out.date = base;
  for (const auto& [key, unused] : recipients) {
    auto versions = store_.find_by_card(key.first, "", key.second, known_at);
    if (!versions) return versions.error();
    std::vector<const store::QualificationVersion*> candidates;
    for (const auto& v : *versions)
      if (is_recipient(v.qualification)) candidates.push_back(&v);
    oqs::BulkConfirmUnit& u = out.units.emplace_back();
    u.search.insurer_number = key.first;
    u.processing_result_status = std::string(1, '1');  // not = "1": GCC 12 -Wrestrict
    AidAnswer a;
    core::Date d = base;
    if (!candidates.empty()) {
      d = judged_day(candidates.back()->qualification, base, *first);
      if (const auto* chosen = recipient_on(candidates, d.yyyymmdd())) {
        auto answered = answer_recipient(aid_, *chosen, caller.medical_institution_code,
                                         d.yyyymmdd(), known_at);
        if (!answered) return answered.error();
        a = std::move(*answered);
        u.search.birthdate = chosen->qualification.birthdate;
      }
    }
    // R-AID-2: the 受給者番号 only where the institution is the contracted one.
    if (a.branch == AidBranch::kContracted) u.search.insured_identification_number = key.second;
    u.qualification_validity = std::to_string(static_cast<int>(a.validity));
    if (a.item) u.results.push_back(std::move(*a.item));
    audit_.record(recipient_audit(caller.medical_institution_code, d, a));
  }
  if (Status st = audit_.flush(); !st)
    return Error{"E_STORE", "", "監査記録を保存できなかったため回答できません"};
  return out;
}

}  // namespace onshi::confirm
