// Encoding and decoding of the 医療扶助 audit records: "medicalAid.register" (a welfare
// office's recipients or tickets registered) and "medicalAid.view" (its own data read).
//
// Same conventions as audit_events.cpp: details in a fixed key order, every member checked
// for its type on decoding, a failure naming the member (E_AUDIT_ENTRY, field "detail.…").
// The actor is a welfare office or the operator, nobody else.
#include <boost/json.hpp>

#include "security/audit_detail.h"

namespace onshi::security::detail {
namespace {

namespace json = boost::json;

Error bad(std::string field, std::string message) {
  return Error{"E_AUDIT_ENTRY", std::move(field), std::move(message)};
}

Result<Actor> office_or_operator(std::string_view text) {
  auto a = parse_actor(text);
  if (!a) return a.error();
  if (a->role != core::Role::kWelfareOffice && a->role != core::Role::kOperator)
    return bad("actor", "this action is not recorded for the actor " + std::string(text));
  return a;
}

Result<json::object> object_of(std::string_view detail) {
  boost::system::error_code ec;
  json::value v = json::parse(detail, ec);
  if (ec) return bad("detail", "the detail is not JSON: " + ec.message());
  if (!v.is_object()) return bad("detail", "the detail is not a JSON object");
  return std::move(v.as_object());
}

Result<std::string> text(const json::object& o, std::string_view key, bool optional = false) {
  const json::value* v = o.if_contains(key);
  if (!v && optional) return std::string();
  if (!v || !v->is_string())
    return bad("detail." + std::string(key),
               "the member " + std::string(key) + " must be a string");
  return std::string(v->as_string());
}

Result<int64_t> count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_int64() && v->as_int64() >= 0) return v->as_int64();
  return bad("detail." + std::string(key),
             "the member " + std::string(key) + " must be a count (an integer ≥ 0)");
}

}  // namespace

AuditEvent encode_aid(const MedicalAidRegistration& r) {
  json::object o{{"insurerNumber", r.insurer_number},
                 {"kind", r.kind},
                 {"accepted", r.accepted},
                 {"unchanged", r.unchanged},
                 {"rejected", r.rejected}};
  if (!r.input.empty()) o["input"] = r.input;
  return {actor_text(r.actor), "medicalAid.register", "", json::serialize(o)};
}

AuditEvent encode_aid(const MedicalAidView& v) {
  json::object o{{"insurerNumber", v.insurer_number}, {"view", v.view}, {"rows", v.rows}};
  return {actor_text(v.actor), "medicalAid.view", v.card_key, json::serialize(o)};
}

Result<AuditRecord> decode_aid_registration(std::string_view actor, std::string_view,
                                            std::string_view detail) {
  auto who = office_or_operator(actor);
  if (!who) return who.error();
  auto o = object_of(detail);
  if (!o) return o.error();
  MedicalAidRegistration r;
  r.actor = std::move(*who);
  auto insurer = text(*o, "insurerNumber"), kind = text(*o, "kind"),
       input = text(*o, "input", true);
  auto a = count(*o, "accepted"), u = count(*o, "unchanged"), x = count(*o, "rejected");
  for (const auto* t : {&insurer, &kind, &input})
    if (!*t) return t->error();
  for (const auto* n : {&a, &u, &x})
    if (!*n) return n->error();
  if (*kind != "recipients" && *kind != "tickets")
    return bad("detail.kind", "kind must be recipients or tickets");
  r.insurer_number = std::move(*insurer);
  r.kind = std::move(*kind);
  r.input = std::move(*input);
  r.accepted = *a;
  r.unchanged = *u;
  r.rejected = *x;
  return AuditRecord(std::move(r));
}

Result<AuditRecord> decode_aid_view(std::string_view actor, std::string_view subject,
                                    std::string_view detail) {
  auto who = office_or_operator(actor);
  if (!who) return who.error();
  auto o = object_of(detail);
  if (!o) return o.error();
  auto insurer = text(*o, "insurerNumber"), view = text(*o, "view");
  auto rows = count(*o, "rows");
  if (!insurer) return insurer.error();
  if (!view) return view.error();
  if (!rows) return rows.error();
  return AuditRecord(MedicalAidView{std::move(*who), std::move(*insurer), std::move(*view),
                                    std::string(subject), *rows});
}

}  // namespace onshi::security::detail
