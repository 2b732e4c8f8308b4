// The codecs of the 医療扶助 audit records and of access.refused (security/audit_events.h),
// kept beside the others' in their own files (audit_medical_aid.cpp, audit_access.cpp);
// audit_events.cpp's encoder and decoder table call them.
#pragma once

#include <string_view>

#include "security/audit_events.h"

namespace onshi::security::detail {

AuditEvent encode_aid(const MedicalAidRegistration& r);
AuditEvent encode_aid(const MedicalAidView& v);
Result<AuditRecord> decode_aid_registration(std::string_view actor, std::string_view subject,
                                            std::string_view detail);
Result<AuditRecord> decode_aid_view(std::string_view actor, std::string_view subject,
                                    std::string_view detail);

AuditEvent encode_refusal(const AccessRefused& r);
Result<AuditRecord> decode_refusal(std::string_view actor, std::string_view subject,
                                   std::string_view detail);
// The portal's record (audit_portal.cpp).
AuditEvent encode_portal(const PortalView& v);
Result<AuditRecord> decode_portal_view(std::string_view actor, std::string_view subject,
                                       std::string_view detail);

}  // namespace onshi::security::detail
