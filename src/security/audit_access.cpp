// Encoding and decoding of "access.refused" (security/audit_events.h): a caller the service
// refused at a route, for its certificate's role or for an institution code that is not the
// certificate's. Same conventions as audit_events.cpp: the detail in a fixed key order, every
// member checked for its type on decoding (E_AUDIT_ENTRY, field "detail.code").
#include <boost/json.hpp>

#include "security/audit_detail.h"

namespace onshi::security::detail {

namespace json = boost::json;

AuditEvent encode_refusal(const AccessRefused& r) {
  json::object o{{"code", r.code}};
  return {actor_text(r.actor), "access.refused", r.route, json::serialize(o)};
}

Result<AuditRecord> decode_refusal(std::string_view actor, std::string_view subject,
                                   std::string_view detail) {
  auto who = parse_actor(actor);
  if (!who) return who.error();
  boost::system::error_code ec;
  json::value v = json::parse(detail, ec);
  const json::value* code = !ec && v.is_object() ? v.as_object().if_contains("code") : nullptr;
  if (!code || !code->is_string())
    return Error{"E_AUDIT_ENTRY", "detail.code", "the member code must be a string"};
  return AuditRecord{
      AccessRefused{std::move(*who), std::string(subject), std::string(code->as_string())}};
}

}  // namespace onshi::security::detail
