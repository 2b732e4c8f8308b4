// Encoding and decoding of the portal's audit record, "portal.view" (security/audit_events.h):
// what a person did with their own data through the patient's portal.
//
// The actor is the person, written "person:<person link hex>" — not a certificate role, so
// it is parsed here rather than by parse_actor — and the subject is the same person, so a
// person's own visits are found through the audit's subject index like every other entry
// about them. Same conventions as audit_events.cpp otherwise: a fixed key order, every member
// checked on decoding, a failure naming the member (E_AUDIT_ENTRY).
#include <boost/json.hpp>

#include "security/audit_detail.h"

namespace onshi::security::detail {
namespace {

namespace json = boost::json;
constexpr std::string_view kPersonActor = "person:";

Error bad(std::string field, std::string message) {
  return Error{"E_AUDIT_ENTRY", std::move(field), std::move(message)};
}

}  // namespace

AuditEvent encode_portal(const PortalView& v) {
  json::object o{{"portal", v.portal}, {"view", v.view}, {"rows", v.rows}};
  return {std::string(kPersonActor) + v.person, "portal.view", person_subject(v.person),
          json::serialize(o)};
}

Result<AuditRecord> decode_portal_view(std::string_view actor, std::string_view subject,
                                       std::string_view detail) {
  if (actor.substr(0, kPersonActor.size()) != kPersonActor || actor.size() == kPersonActor.size())
    return bad("actor", "portal.view is recorded for a person only: " + std::string(actor));
  PortalView v;
  v.person = std::string(actor.substr(kPersonActor.size()));
  if (subject != person_subject(v.person))
    return bad("subject", "the subject of portal.view is the acting person");
  boost::system::error_code ec;
  json::value doc = json::parse(detail, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  if (!o) return bad("detail", "the detail is not a JSON object");
  for (auto [key, target] : {std::pair{"portal", &v.portal}, {"view", &v.view}}) {
    const json::value* m = o->if_contains(key);
    if (!m || !m->is_string())
      return bad(std::string("detail.") + key,
                 std::string("the member ") + key + " must be a string");
    *target = std::string(m->as_string());
  }
  const json::value* rows = o->if_contains("rows");
  if (!rows || !rows->is_int64() || rows->as_int64() < 0)
    return bad("detail.rows", "the member rows must be a count (an integer ≥ 0)");
  v.rows = rows->as_int64();
  return AuditRecord{std::move(v)};
}

}  // namespace onshi::security::detail
