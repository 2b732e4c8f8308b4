// The 医療扶助 rules of confirm/medical_aid.h. The one decision: a withheld answer is built by
// copying the few elements that may remain into an empty qualification, never by erasing
// the others from a full one — so an element added to core::Qualification or to the ticket
// later is withheld unless someone decides it may be shown.
#include "confirm/medical_aid.h"

#include "core/medical_aid.h"
#include "core/rule_dates.h"

namespace onshi::confirm {
namespace {

// The elements of a recipient a non-contracted institution may see (medical_aid.h).
core::Qualification withheld(const core::Qualification& q) {
  core::Qualification out;
  out.insured_card_classification = std::string(core::kMedicalAidCardClassification);
  out.insurer_number = q.insurer_number;
  out.insurer_name = q.insurer_name;
  out.name = q.name;
  out.name_kana = q.name_kana;
  out.sex1 = q.sex1;
  out.birthdate = q.birthdate;
  return out;
}

}  // namespace

std::string_view aid_branch_name(AidBranch branch) {
  switch (branch) {
    case AidBranch::kNotEnabled:
      return "not-enabled";
    case AidBranch::kNotFound:
      return "not-found";
    case AidBranch::kContracted:
      return "contracted";
    case AidBranch::kNotContracted:
      return "not-contracted";
    case AidBranch::kUnregistered:
      return "unregistered";
  }
  return "not-found";
}

bool is_recipient(const core::Qualification& q) {
  return q.insured_card_classification == core::kMedicalAidCardClassification ||
         core::is_medical_aid_number(q.insurer_number);
}

std::string_view ticket_type_for(std::string_view institution_code) {
  return institution_code.size() > 2 && institution_code[2] == '4' ? "02" : "01";
}

Result<bool> medical_aid_enabled(const MedicalAidSources& sources,
                                 std::string_view institution_code, std::string_view yyyymmdd) {
  if (!sources.available()) return false;
  // R-AID-1: 医療扶助 is confirmed online from 2024-03-01 on (seed 004, core/rule_dates.h).
  auto d = core::Date::parse(yyyymmdd);
  if (!d || *d < core::medical_aid_start()) return false;
  return sources.institutions->medical_aid_on(institution_code, yyyymmdd);
}

Result<bool> SettingCache::enabled(const MedicalAidSources& sources,
                                   std::string_view institution_code, std::string_view yyyymmdd) {
  std::string key(institution_code);
  key.append(yyyymmdd);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end() && it->second.until > now)
      return it->second.on;
  }
  auto on = medical_aid_enabled(sources, institution_code, yyyymmdd);
  if (!on) return on;
  std::lock_guard lock(mu_);
  if (entries_.size() > 100000) entries_.clear();  // bounded: a day's institutions
  entries_[key] = Entry{*on, now + ttl_};
  return on;
}

AidAnswer decide(const core::Qualification& recipient, std::vector<store::TicketVersion> tickets,
                 std::string_view institution_code, const std::string& yyyymmdd) {
  AidAnswer a;
  if (!recipient.covers(yyyymmdd)) return a;  // not-found: nothing of the person
  a.card_key = recipient.card_key();
  const std::string month = yyyymmdd.substr(0, 6);
  const std::string_view type = ticket_type_for(institution_code);
  std::vector<oqs::MedicalTicketInfo> mine;
  bool any_of_month = false;
  for (auto& v : tickets) {
    core::MedicalTicket& t = v.ticket;
    if (t.medical_treatment_month != month) continue;
    any_of_month = true;
    if (t.designated_code == institution_code && t.ticket_type == type)
      mine.push_back(oqs::MedicalTicketInfo{std::move(t), "0"});
  }
  oqs::ResultItem item;
  if (!mine.empty()) {
    a.branch = AidBranch::kContracted;
    a.validity = core::QualificationValidity::kValid;
    item.qualification = recipient;
    item.medical_tickets = std::move(mine);
  } else if (any_of_month) {
    a.branch = AidBranch::kNotContracted;
    a.validity = core::QualificationValidity::kValid;
    item.qualification = withheld(recipient);
    oqs::MedicalTicketInfo flag;
    flag.ticket.medical_treatment_month = month;
    flag.designated_medical_institution_flag = std::string(1, '1');  // not = "1": GCC 12 -Wrestrict
    item.medical_tickets.push_back(std::move(flag));
  } else {
    a.branch = AidBranch::kUnregistered;
    a.validity = core::QualificationValidity::kValidUnregistered;
    item.qualification = withheld(recipient);
  }
  // The consents of the interface are about insurance certificates: none for 医療扶助.
  item.include_limit = false;
  item.include_specific_diseases = false;
  a.item = std::move(item);
  return a;
}

Result<AidAnswer> answer_recipient(const MedicalAidSources& sources,
                                   const store::QualificationVersion& recipient,
                                   std::string_view institution_code, const std::string& yyyymmdd,
                                   int64_t known_at_us) {
  const core::Qualification& q = recipient.qualification;
  if (!q.covers(yyyymmdd)) return AidAnswer{};
  auto tickets = sources.tickets->tickets_of_month(
      q.insurer_number, q.insured_identification_number, yyyymmdd.substr(0, 6), known_at_us);
  if (!tickets) return tickets.error();
  return decide(q, std::move(*tickets), institution_code, yyyymmdd);
}

security::Confirmation recipient_audit(std::string_view institution_code, core::Date date,
                                       const AidAnswer& a) {
  security::Confirmation ev;
  ev.medical_institution_code = std::string(institution_code);
  ev.card_key = a.card_key;
  ev.date = date;
  ev.validity = a.validity;
  ev.matches = a.item ? 1 : 0;
  ev.medical_aid = std::string(aid_branch_name(a.branch));
  return ev;
}

const store::QualificationVersion* recipient_on(
    const std::vector<const store::QualificationVersion*>& versions, const std::string& yyyymmdd) {
  const store::QualificationVersion* chosen = nullptr;
  for (const auto* v : versions) {
    if (!v->qualification.covers(yyyymmdd)) continue;
    if (!chosen || v->qualification.qualification_date > chosen->qualification.qualification_date)
      chosen = v;
  }
  return chosen;
}

}  // namespace onshi::confirm
