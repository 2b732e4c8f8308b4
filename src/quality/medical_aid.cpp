// The welfare office's views of its 医療扶助 data (quality/medical_aid.h): the recipient list,
// one recipient with its versions, tickets and confirmations, and the ticket list.
//
// Like the insurer's member view, each answer is built whole and returned only after its
// audit entry is durable (audit or refuse). A recipient is a qualification with the office's
// 公費負担者番号 as insurer number, so the lists are the member store's scan of that number
// and the ticket store's scan of the same number; the confirmations are the audit entries
// whose subject is the recipient's card key.
#include "core/medical_aid.h"

#include "core/log.h"
#include "core/numbers.h"
#include "core/qualification_json.h"
#include "core/text.h"
#include "quality/aid_detail.h"
#include "quality/detail.h"
#include "quality/medical_aid.h"

namespace onshi::quality {
namespace {

using detail::json_field;
using detail::json_key;

// The current versions of the office's recipients, in 受給者番号 order.
Result<std::vector<store::QualificationVersion>> recipients_of(store::Store& members,
                                                               const std::string& office) {
  std::vector<store::QualificationVersion> out;
  auto st = members.scan_current(office, [&](const store::QualificationVersion& v) {
    out.push_back(v);
    return true;
  });
  if (!st) return st.error();
  return out;
}

std::string recipient_summary(const store::QualificationVersion& v, core::Date today,
                              int64_t tickets_this_month) {
  const core::Qualification& q = v.qualification;
  std::string o = "{";
  json_field(o, "insuredIdentificationNumber", q.insured_identification_number);
  json_field(o, "name", q.name);
  json_field(o, "nameKana", q.name_kana);
  json_field(o, "sex1", q.sex1);
  json_field(o, "birthdate", q.birthdate);
  json_field(o, "qualificationDate", q.qualification_date);
  json_field(o, "disqualificationDate", q.disqualification_date);
  json_field(o, "reasonOfLoss", q.reason_of_loss);
  json_key(o, "coveredToday");
  o += q.covers(today.yyyymmdd()) ? "true" : "false";
  json_key(o, "myNumberRegistered");
  o += v.person_link.empty() ? "false" : "true";
  json_field(o, "ticketsThisMonth", tickets_this_month);
  o.push_back('}');
  return o;
}

// "confirmations": the confirmations institutions made of the recipient (audit log).
Status append_confirmations(std::string& o, store::Store& members, const std::string& key) {
  json_key(o, "confirmations");
  o.push_back('[');
  bool first = true;
  auto st = members.scan_audit_by_subject(key, [&](const store::AuditEntry& e) {
    if (!security::is_confirmation(e)) return true;
    auto c = security::decode_confirmation(e);
    if (!c) {
      core::log_warn("quality.audit_entry_unreadable",
                     {{"seq", std::to_string(e.seq)}, {"code", c.error().code}});
      return true;
    }
    if (!first) o.push_back(',');
    first = false;
    o.push_back('{');
    json_field(o, "medicalInstitutionCode", c->medical_institution_code);
    json_field(o, "time", detail::iso_jst(e.time_us));
    json_field(o, "qualificationConfirmationDate", c->date.yyyymmdd());
    json_field(o, "qualificationValidity", std::to_string(static_cast<int>(c->validity)));
    json_field(o, "referenceClassification",
               std::to_string(static_cast<int>(c->reference_classification)));
    json_field(o, "auditSeq", e.seq);
    o.push_back('}');
    return true;
  });
  if (!st) return st;
  o.push_back(']');
  return Status::Ok();
}

// One recipient: its versions (oldest first), tickets as known now, confirmations.
Result<std::string> one_recipient(store::Store& members, store::TicketStore& tickets,
                                  const std::string& office, const std::string& number,
                                  int64_t& rows) {
  const std::string key = core::make_card_key(office, "", number, "");
  auto history = members.history(key);
  if (!history) return history.error();
  if (history->empty())
    return Error{"E_RECIPIENT_NOT_FOUND", "insuredIdentificationNumber",
                 "この受給者番号の受給者は登録されていません"};
  auto list = tickets.tickets_of(office, number, core::now_unix_us());
  if (!list) return list.error();
  std::string o = "{";
  json_field(o, "insuredIdentificationNumber", number);
  json_key(o, "myNumberRegistered");
  o += history->back().person_link.empty() ? "false" : "true";
  json_key(o, "current");
  o += core::qualification_to_json(history->back().qualification);
  json_key(o, "versions");
  o.push_back('[');
  for (size_t i = 0; i < history->size(); ++i) {
    const auto& v = (*history)[i];
    if (i) o.push_back(',');
    o.push_back('{');
    json_field(o, "recordedAt", detail::iso_jst(v.recorded_at_us));
    json_field(o, "source", v.source);
    json_key(o, "recipient");
    o += core::qualification_to_json(v.qualification);
    o.push_back('}');
  }
  o += "]";
  json_key(o, "tickets");
  o += detail::tickets_json(*list);
  if (auto st = append_confirmations(o, members, key); !st) return st.error();
  o.push_back('}');
  rows = static_cast<int64_t>(list->size());
  return o;
}

Status audit_view(security::AuditLog& audit, const AidQuery& q, const std::string& office,
                  const char* view, const std::string& key, int64_t rows) {
  return audit.record_durable(security::MedicalAidView{q.actor, office, view, key, rows});
}

}  // namespace

Result<std::string> recipients_view(store::Store& members, store::TicketStore& tickets,
                                    security::AuditLog& audit, const AidQuery& query) {
  auto office = detail::checked_office(query.insurer_number);
  if (!office) return office.error();
  std::string out = "{";
  json_field(out, "insurerNumber", *office);
  json_field(out, "asOf", query.today.iso());
  if (!query.recipient_number.empty()) {
    auto number = detail::checked_recipient(query.recipient_number);
    if (!number) return number.error();
    int64_t rows = 0;
    auto one = one_recipient(members, tickets, *office, *number, rows);
    if (!one) return one.error();
    if (auto st = audit_view(audit, query, *office, "recipient",
                             core::make_card_key(*office, "", *number, ""), rows);
        !st)
      return st.error();
    json_key(out, "recipient");
    return out + *one + "}";
  }
  auto list = recipients_of(members, *office);
  if (!list) return list.error();
  auto month_tickets =
      detail::ticket_counts_of_month(tickets, *office, query.today.yyyymmdd().substr(0, 6));
  if (!month_tickets) return month_tickets.error();
  json_key(out, "recipients");
  out.push_back('[');
  for (size_t i = 0; i < list->size(); ++i) {
    if (i) out.push_back(',');
    const auto& v = (*list)[i];
    auto it = month_tickets->find(v.qualification.insured_identification_number);
    out += recipient_summary(v, query.today, it == month_tickets->end() ? 0 : it->second);
  }
  out += "]}";
  if (auto st =
          audit_view(audit, query, *office, "recipients", "", static_cast<int64_t>(list->size()));
      !st)
    return st.error();
  return out;
}

Result<std::string> tickets_view(store::Store&, store::TicketStore& tickets,
                                 security::AuditLog& audit, const AidQuery& query) {
  auto office = detail::checked_office(query.insurer_number);
  if (!office) return office.error();
  std::string number;
  if (!query.recipient_number.empty()) {
    auto n = detail::checked_recipient(query.recipient_number);
    if (!n) return n.error();
    number = *n;
  }
  if (!query.month.empty() && (query.month.size() != 6 || !core::Date::parse(query.month + "01")))
    return Error{"E_MONTH", "medicalTreatmentMonth",
                 "診療年月は YYYYMM の形の年月です（例: 202504）"};
  std::vector<store::TicketVersion> list;
  auto st = tickets.scan_current(*office, [&](const store::TicketVersion& v) {
    if ((number.empty() || v.ticket.insured_identification_number == number) &&
        (query.month.empty() || v.ticket.medical_treatment_month == query.month))
      list.push_back(v);
    return true;
  });
  if (!st) return st.error();
  const std::string key = number.empty() ? "" : core::make_card_key(*office, "", number, "");
  if (auto a = audit_view(audit, query, *office, "tickets", key, static_cast<int64_t>(list.size()));
      !a)
    return a.error();
  std::string out = "{";
  json_field(out, "insurerNumber", *office);
  if (!number.empty()) json_field(out, "insuredIdentificationNumber", number);
  if (!query.month.empty()) json_field(out, "medicalTreatmentMonth", query.month);
  json_key(out, "tickets");
  out += detail::tickets_json(list);
  out.push_back('}');
  return out;
}

}  // namespace onshi::quality
