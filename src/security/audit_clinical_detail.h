// Inside security/: the encoding of the clinical-information audit records
// (audit_events.h: ClinicalAccess, ConsentWithdrawal, DisasterChange, AccountChange), kept
// in audit_clinical.cpp so the records of one feature live together. audit_events.cpp's
// encoder and decoder call these.
#pragma once

#include <optional>
#include <string_view>

#include "security/audit_events.h"

namespace onshi::security {

AuditEvent encode_clinical(const ClinicalAccess& a);
AuditEvent encode_clinical(const ConsentWithdrawal& w);
AuditEvent encode_clinical(const DisasterChange& d);
AuditEvent encode_clinical(const AccountChange& a);

// The record of a clinical action ("clinical.*", "account.*"), or nullopt when `action` is
// none of them (the caller tries the other decoders then).
std::optional<Result<AuditRecord>> decode_clinical(std::string_view actor, std::string_view action,
                                                   std::string_view subject,
                                                   std::string_view detail);

}  // namespace onshi::security
