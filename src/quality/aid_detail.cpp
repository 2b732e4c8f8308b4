// Helpers of the welfare office's views and reports (quality/aid_detail.h).
#include "quality/aid_detail.h"

#include <algorithm>

#include "core/date.h"
#include "core/medical_aid.h"
#include "core/numbers.h"
#include "core/text.h"
#include "quality/detail.h"

namespace onshi::quality::detail {

Result<std::string> checked_office(std::string_view raw) {
  std::string n = core::trim_insurer_number(core::normalize_card_field(raw));
  if (n.empty())
    return Error{"E_INSURER_NUMBER", "insurerNumber", "公費負担者番号を指定してください"};
  Status st = core::check_public_expense_number(n);
  if (!st || !core::is_medical_aid_number(n))
    return Error{"E_INSURER_NUMBER", "insurerNumber",
                 "福祉事務所の公費負担者番号（法別 12 の8桁）ではありません" +
                     (st ? std::string() : ": " + st.error().message)};
  return n;
}

Result<std::string> checked_recipient(std::string_view raw) {
  std::string n = core::normalize_card_field(raw);
  if (Status st = core::check_beneficiary_number(n); !st)
    return Error{"E_BENEFICIARY_NUMBER", "insuredIdentificationNumber",
                 "受給者番号が不正です: " + st.error().message};
  return n;
}

std::string tickets_json(const std::vector<store::TicketVersion>& tickets) {
  std::string o = "[";
  for (size_t i = 0; i < tickets.size(); ++i) {
    const core::MedicalTicket& t = tickets[i].ticket;
    if (i) o.push_back(',');
    o.push_back('{');
    const std::pair<const char*, const std::string*> fields[] = {
        {"insurerNumber", &t.insurer_number},
        {"insuredIdentificationNumber", &t.insured_identification_number},
        {"ticketType", &t.ticket_type},
        {"medicalTicketValidDate", &t.valid_date},
        {"medicalTicketExpirationDate", &t.expiration_date},
        {"issueNumber", &t.issue_number},
        {"medicalTreatmentMonth", &t.medical_treatment_month},
        {"designatedMedicalInstitutionCode", &t.designated_code},
        {"designatedMedicalInstitutionName", &t.designated_name},
        {"prescriptionIssuerMedicalInstitutionCode", &t.prescription_issuer_code},
        {"prescriptionIssuerMedicalInstitutionName", &t.prescription_issuer_name},
        {"injuryName1", &t.injury_name1},
        {"injuryName2", &t.injury_name2},
        {"injuryName3", &t.injury_name3},
        {"medicalTreatmentType", &t.medical_treatment_type},
        {"selfPayAmount", &t.self_pay_amount},
        {"districtContactName", &t.district_contact_name},
        {"handlingContactName", &t.handling_contact_name},
        {"singleOrCombinedUse", &t.single_or_combined_use},
        {"statusOfSocialInsurance", &t.status_of_social_insurance},
        {"consistencyFlag", &t.consistency_flag},
        {"statusOfInfecton", &t.status_of_infection},
        {"statusOfElderlyMedicalCare", &t.status_of_elderly_medical_care},
        {"statusOfPrefecturalExpenses", &t.status_of_prefectural_expenses},
        {"remarks1", &t.remarks1},
        {"remarks2", &t.remarks2},
        {"remarks3", &t.remarks3}};
    for (const auto& [key, value] : fields)
      if (!value->empty()) json_field(o, key, *value);
    json_field(o, "recordedAt", iso_jst(tickets[i].recorded_at_us));
    o.push_back('}');
  }
  o.push_back(']');
  return o;
}

Result<std::map<std::string, int64_t>> ticket_counts_of_month(store::TicketStore& tickets,
                                                              const std::string& office,
                                                              const std::string& yyyymm) {
  std::map<std::string, int64_t> out;
  auto st = tickets.scan_current(office, [&](const store::TicketVersion& v) {
    if (v.ticket.medical_treatment_month == yyyymm) ++out[v.ticket.insured_identification_number];
    return true;
  });
  if (!st) return st.error();
  return out;
}

bool national_or_latter_elderly(std::string_view insurer_number) {
  return insurer_number.size() == 6 ||
         (insurer_number.size() == 8 && insurer_number.substr(0, 2) == "39");
}

std::optional<std::pair<std::string, std::string>> shared_days(const core::Qualification& a,
                                                               const core::Qualification& b) {
  const std::string& from = std::max(a.qualification_date, b.qualification_date);
  std::string end;  // first day not shared, "" = open
  for (const auto* q : {&a, &b})
    if (!q->disqualification_date.empty() && (end.empty() || q->disqualification_date < end))
      end = q->disqualification_date;
  if (!end.empty() && !(from < end)) return std::nullopt;
  std::string last;
  if (!end.empty()) {
    auto d = core::Date::parse(end);
    if (!d) return std::nullopt;
    last = d->add_days(-1).yyyymmdd();
  }
  return std::make_pair(from, last);
}

}  // namespace onshi::quality::detail
