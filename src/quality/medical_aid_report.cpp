// Quality of 医療扶助 data (quality/medical_aid.h): the welfare office's own report, and the
// finding the insurer's report lists when one of its 国保 or 後期 members is also covered by
// 医療扶助 (a recipient leaves 国保 and 後期 — research domain-rules §3, ReasonOfLoss 02).
//
// The office's report reads its recipients (one scan of the member store under its number)
// and its tickets (one scan of the ticket store under the same number) into memory — an
// office has thousands of recipients, not millions — then one person-link lookup per
// recipient with a My Number finds the same person elsewhere: another 受給者番号 of the office
// or a 国保/後期 qualification over the same days. Every finding has a stable `code`.
#include <map>
#include <set>

#include "core/medical_aid.h"
#include "quality/aid_detail.h"
#include "quality/detail.h"
#include "quality/medical_aid.h"

namespace onshi::quality {
namespace {

using detail::json_field;
using detail::json_key;

struct Findings {
  std::string text = "[";
  int64_t count = 0;
  void add(const std::string& o) {
    if (count++) text.push_back(',');
    text += o;
  }
  std::string close() const { return text + "]"; }
};

std::string recipient_ref(const core::Qualification& q) {
  std::string o = "{";
  json_field(o, "insuredIdentificationNumber", q.insured_identification_number);
  json_field(o, "name", q.name);
  o.push_back('}');
  return o;
}

// Appends the days both qualifications cover and closes the object.
std::string with_shared(std::string o, const std::pair<std::string, std::string>& days) {
  json_field(o, "sharedFrom", days.first);
  json_field(o, "sharedTo", days.second);
  return o + "}";
}

// The office's data as the report reads it.
struct OfficeData {
  std::vector<store::QualificationVersion> recipients;
  std::map<std::string, const store::QualificationVersion*> by_number;
  std::vector<store::TicketVersion> tickets;
};

Result<OfficeData> read_office(store::Store& members, store::TicketStore& tickets,
                               const std::string& office) {
  OfficeData d;
  auto st = members.scan_current(office, [&](const store::QualificationVersion& v) {
    d.recipients.push_back(v);
    return true;
  });
  if (!st) return st.error();
  for (const auto& v : d.recipients)
    d.by_number[v.qualification.insured_identification_number] = &v;
  st = tickets.scan_current(office, [&](const store::TicketVersion& v) {
    d.tickets.push_back(v);
    return true;
  });
  if (!st) return st.error();
  return d;
}

// Tickets outside their recipient's period, and several tickets for one recipient, month,
// institution and kind.
void ticket_findings(const OfficeData& d, Findings& outside, Findings& duplicates) {
  std::map<std::string, std::vector<const core::MedicalTicket*>> groups;
  for (const auto& v : d.tickets) {
    const core::MedicalTicket& t = v.ticket;
    auto it = d.by_number.find(t.insured_identification_number);
    const core::Qualification* q = it == d.by_number.end() ? nullptr : &it->second->qualification;
    if (!q || t.valid_date < q->qualification_date ||
        (!q->disqualification_date.empty() && !(t.expiration_date < q->disqualification_date))) {
      std::string o = "{";
      json_field(o, "code", "TICKET_OUTSIDE_COVERAGE");
      json_field(o, "insuredIdentificationNumber", t.insured_identification_number);
      json_field(o, "issueNumber", t.issue_number);
      json_field(o, "medicalTreatmentMonth", t.medical_treatment_month);
      json_field(o, "medicalTicketValidDate", t.valid_date);
      json_field(o, "medicalTicketExpirationDate", t.expiration_date);
      if (q) {
        json_field(o, "qualificationDate", q->qualification_date);
        json_field(o, "disqualificationDate", q->disqualification_date);
      }
      o.push_back('}');
      outside.add(o);
    }
    groups[t.insured_identification_number + '\x1f' + t.medical_treatment_month + '\x1f' +
           t.designated_code + '\x1f' + t.ticket_type]
        .push_back(&t);
  }
  for (const auto& [key, list] : groups) {
    if (list.size() < 2) continue;
    std::string o = "{";
    json_field(o, "code", "DUPLICATE_TICKET");
    json_field(o, "insuredIdentificationNumber", list[0]->insured_identification_number);
    json_field(o, "medicalTreatmentMonth", list[0]->medical_treatment_month);
    json_field(o, "designatedMedicalInstitutionCode", list[0]->designated_code);
    json_field(o, "ticketType", list[0]->ticket_type);
    json_key(o, "issueNumbers");
    o.push_back('[');
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) o.push_back(',');
      detail::json_string(o, list[i]->issue_number);
    }
    o += "]}";
    duplicates.add(o);
  }
}

struct PersonFindings {
  Findings duplicates, insured, without_my_number;
};

// The same person elsewhere: another 受給者番号 of this office, or 国保/後期 over the same days.
Status person_findings(store::Store& members, const OfficeData& d, const std::string& office,
                       PersonFindings& out) {
  const int64_t now = core::now_unix_us();
  for (const auto& v : d.recipients) {
    const core::Qualification& q = v.qualification;
    if (v.person_link.empty()) {
      std::string o = "{";
      json_field(o, "code", "NO_MY_NUMBER");
      o += "," + recipient_ref(q).substr(1);
      out.without_my_number.add(o);
      continue;
    }
    auto others = members.find_by_person_link(v.person_link, now);
    if (!others) return others.error();
    for (const auto& other : *others) {
      const core::Qualification& x = other.qualification;
      auto days = detail::shared_days(q, x);
      if (!days) continue;
      std::string o = "{";
      if (x.insurer_number == office &&
          x.insured_identification_number > q.insured_identification_number) {
        json_field(o, "code", "DUPLICATE_RECIPIENT");
        json_key(o, "recipient");
        o += recipient_ref(q);
        json_key(o, "other");
        o += recipient_ref(x);
        out.duplicates.add(with_shared(o, *days));
      } else if (detail::national_or_latter_elderly(x.insurer_number)) {
        json_field(o, "code", "MEDICAL_AID_OVERLAP");
        json_key(o, "recipient");
        o += recipient_ref(q);
        json_field(o, "otherInsurerNumber", x.insurer_number);
        out.insured.add(with_shared(o, *days));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> medical_aid_report(store::Store& members, store::TicketStore& tickets,
                                       security::AuditLog& audit, const AidQuery& query) {
  auto office = detail::checked_office(query.insurer_number);
  if (!office) return office.error();
  auto data = read_office(members, tickets, *office);
  if (!data) return data.error();
  const std::string today = query.today.yyyymmdd();
  const std::string month = today.substr(0, 6);
  std::set<std::string> with_ticket;
  for (const auto& t : data->tickets)
    if (t.ticket.medical_treatment_month == month)
      with_ticket.insert(t.ticket.insured_identification_number);
  Findings without_ticket, outside, duplicate_tickets;
  int64_t covered = 0;
  for (const auto& v : data->recipients) {
    if (!v.qualification.covers(today)) continue;
    ++covered;
    if (with_ticket.count(v.qualification.insured_identification_number)) continue;
    std::string o = "{";
    json_field(o, "code", "NO_TICKET_THIS_MONTH");
    without_ticket.add(o + "," + recipient_ref(v.qualification).substr(1));
  }
  ticket_findings(*data, outside, duplicate_tickets);
  PersonFindings people;
  if (auto st = person_findings(members, *data, *office, people); !st) return st.error();

  std::string o = "{";
  json_field(o, "insurerNumber", *office);
  json_field(o, "asOf", query.today.iso());
  json_field(o, "medicalTreatmentMonth", month);
  json_field(o, "generatedAt", detail::iso_jst(core::now_unix_us()));
  json_key(o, "summary");
  o.push_back('{');
  json_field(o, "recipients", static_cast<int64_t>(data->recipients.size()));
  json_field(o, "coveredToday", covered);
  json_field(o, "tickets", static_cast<int64_t>(data->tickets.size()));
  const std::pair<const char*, const Findings*> lists[] = {
      {"recipientsWithoutTicket", &without_ticket}, {"ticketsOutsideCoverage", &outside},
      {"duplicateTickets", &duplicate_tickets},     {"duplicateRecipients", &people.duplicates},
      {"alsoInNationalInsurance", &people.insured}, {"withoutMyNumber", &people.without_my_number}};
  for (const auto& [name, f] : lists) json_field(o, name, f->count);
  o.push_back('}');
  for (const auto& [name, f] : lists) {
    json_key(o, name);
    o += f->close();
  }
  o.push_back('}');
  security::MedicalAidView ev{query.actor, *office, "quality", "",
                              static_cast<int64_t>(data->recipients.size())};
  if (auto st = audit.record_durable(ev); !st) return st.error();
  return o;
}

Result<std::string> medical_aid_overlaps(store::Store& members, const std::string& insurer_number,
                                         int64_t* count) {
  Findings out;
  if (detail::national_or_latter_elderly(insurer_number)) {
    std::vector<store::QualificationVersion> own;
    auto st = members.scan_current(insurer_number, [&](const store::QualificationVersion& v) {
      if (!v.person_link.empty()) own.push_back(v);
      return true;
    });
    if (!st) return st.error();
    const int64_t now = core::now_unix_us();
    for (const auto& v : own) {
      auto others = members.find_by_person_link(v.person_link, now);
      if (!others) return others.error();
      for (const auto& other : *others) {
        if (!core::is_medical_aid_number(other.qualification.insurer_number)) continue;
        auto days = detail::shared_days(v.qualification, other.qualification);
        if (!days) continue;
        std::string o = "{";
        json_field(o, "code", "MEDICAL_AID_OVERLAP");
        json_key(o, "member");
        o.push_back('{');
        detail::member_fields(o, v.qualification);
        o.push_back('}');
        json_field(o, "medicalAidInsurerNumber", other.qualification.insurer_number);
        json_field(o, "qualificationDate", v.qualification.qualification_date);
        json_field(o, "disqualificationDate", v.qualification.disqualification_date);
        out.add(with_shared(o, *days));
      }
    }
  }
  if (count) *count = out.count;
  return out.close();
}

}  // namespace onshi::quality
