// A welfare office's view of its own 医療扶助 data (R-AID-1): its recipients, their tickets
// (医療券・調剤券), the confirmations institutions made of them, and a quality report of the
// data it registered — the office's counterpart of the insurer's member view and report
// (quality/quality.h). Plus the finding the insurer's report gains from 医療扶助: its 国保 or
// 後期高齢者医療 members who are also covered by 医療扶助 over the same days (recipients leave
// 国保 and 後期, ReasonOfLoss 02 — research domain-rules §3).
//
// An office is named by its 公費負担者番号 (8 digits, 法別 12, check digit; E_INSURER_NUMBER
// otherwise) and sees only recipients and tickets under it. Every view is a read of personal
// data and is answered only once its audit entry (security::MedicalAidView, "medicalAid.view")
// is durable. Recipients are named by the office's own numbers, never by the My Number.
// Thread-safe as far as the stores are.
#pragma once

#include <cstdint>
#include <string>

#include "core/date.h"
#include "core/status.h"
#include "security/audit.h"
#include "security/audit_events.h"
#include "store/store.h"
#include "store/tickets.h"

namespace onshi::quality {

struct AidQuery {
  security::Actor actor;         // who reads: welfare-office:<number> or the operator
  std::string insurer_number;    // the office's 公費負担者番号
  std::string recipient_number;  // 受給者番号; "" = every recipient of the office
  std::string month;             // tickets view: MedicalTreatmentMonth YYYYMM, "" = every month
  core::Date today = core::Date::today_jst();
};

// The office's recipients as one JSON document (docs/medical-aid.md): without a 受給者番号
// the list of current recipients ({"recipients":[…]}, each with coveredToday and the number
// of tickets of the current month); with one, that recipient's versions, tickets (as known
// now) and the confirmations made of it (from the audit log). Errors: E_INSURER_NUMBER,
// E_BENEFICIARY_NUMBER (a malformed 受給者番号), E_RECIPIENT_NOT_FOUND, E_STORE (also when
// the read could not be audited).
Result<std::string> recipients_view(store::Store& members, store::TicketStore& tickets,
                                    security::AuditLog& audit, const AidQuery& query);

// The office's tickets as known now ({"tickets":[…]}), of one recipient and/or one month when
// the query names them. Errors: E_INSURER_NUMBER, E_BENEFICIARY_NUMBER, E_MONTH, E_STORE.
Result<std::string> tickets_view(store::Store& members, store::TicketStore& tickets,
                                 security::AuditLog& audit, const AidQuery& query);

// The office's quality report (JSON), as of `query.today`: recipientsWithoutTicket (covered
// today, no ticket of this month), ticketsOutsideCoverage (a ticket whose validity lies
// outside the recipient's period as registered now — e.g. 保護 ended after the ticket was
// issued), duplicateTickets (one recipient, one month, one institution and kind, several
// IssueNumbers), duplicateRecipients (one person under two 受給者番号 of the office over the
// same days), alsoInNationalInsurance (the recipient also covered by 国保 or 後期 over the
// same days), withoutMyNumber (cannot confirm by card). Each finding carries its `code`.
// Audited like the views. Errors: E_INSURER_NUMBER, E_STORE.
Result<std::string> medical_aid_report(store::Store& members, store::TicketStore& tickets,
                                       security::AuditLog& audit, const AidQuery& query);

// For the insurer's report (build_report): a JSON array of its 国保 (6-digit number) or 後期
// (法別 39) members covered by 医療扶助 on some of the same days, each with code
// "MEDICAL_AID_OVERLAP", the member's numbers, the office's number and the days shared.
// Other insurers get "[]". Errors: E_STORE.
Result<std::string> medical_aid_overlaps(store::Store& members, const std::string& insurer_number,
                                         int64_t* count);

}  // namespace onshi::quality
