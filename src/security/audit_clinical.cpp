// The audit records of clinical information (security/audit_events.h): who viewed or was
// refused which category of whose information, consents withdrawn, disaster periods, and the
// professional accounts institutions register. A person is named by the subject
// "person:<hex of the person link>", never by the My Number; decoding checks every member
// like the other records (E_AUDIT_ENTRY naming the part).
#include <boost/json.hpp>

#include "security/audit_clinical_detail.h"

namespace onshi::security {
namespace {

namespace json = boost::json;
using core::Role;

constexpr std::string_view kPersonPrefix = "person:";

Error bad(std::string field, std::string message) {
  return Error{"E_AUDIT_ENTRY", std::move(field), std::move(message)};
}

// A detail's members, each read with its type checked ("" / 0 / false when `optional`).
struct Reader {
  json::object o;
  Result<std::string> text(std::string_view key, bool optional = false) const {
    const json::value* v = o.if_contains(key);
    if (!v && optional) return std::string();
    if (!v || !v->is_string()) return bad("detail." + std::string(key), "must be a string");
    return std::string(v->as_string());
  }
  Result<int64_t> count(std::string_view key) const {
    const json::value* v = o.if_contains(key);
    if (v && v->is_int64() && v->as_int64() >= 0) return v->as_int64();
    return bad("detail." + std::string(key), "must be an integer ≥ 0");
  }
};

Result<Reader> read_detail(std::string_view detail) {
  boost::system::error_code ec;
  json::value v = json::parse(detail, ec);
  if (ec) return bad("detail", "the detail is not JSON: " + ec.message());
  if (!v.is_object()) return bad("detail", "the detail is not a JSON object");
  return Reader{std::move(v.as_object())};
}

// The person link's hex from a subject ("" for an empty subject).
Result<std::string> person_of(std::string_view subject) {
  if (subject.empty()) return std::string();
  if (subject.substr(0, kPersonPrefix.size()) != kPersonPrefix)
    return bad("subject", "a clinical entry's subject is person:<hex>");
  return std::string(subject.substr(kPersonPrefix.size()));
}

Result<std::string> institution_actor(std::string_view actor) {
  auto who = parse_actor(actor);
  if (!who) return who.error();
  if (who->role != Role::kInstitution) return bad("actor", "the actor must be an institution");
  return who->id;
}

Result<AuditRecord> decode_access(std::string_view actor, bool allowed, std::string_view subject,
                                  std::string_view detail) {
  ClinicalAccess a;
  a.allowed = allowed;
  auto code = institution_actor(actor);
  if (!code) return code.error();
  a.medical_institution_code = std::move(*code);
  auto person = person_of(subject);
  if (!person) return person.error();
  a.person = std::move(*person);
  auto d = read_detail(detail);
  if (!d) return d.error();
  for (auto [key, target, optional] : {std::tuple{"account", &a.account, false},
                                       {"role", &a.role, false},
                                       {"category", &a.category, false},
                                       {"view", &a.view, false},
                                       {"code", &a.code, allowed},
                                       {"basis", &a.basis, !allowed}}) {
    auto v = d->text(key, optional);
    if (!v) return v.error();
    *target = std::move(*v);
  }
  return AuditRecord(std::move(a));
}

Result<AuditRecord> decode_withdrawal(std::string_view actor, std::string_view subject,
                                      std::string_view detail) {
  ConsentWithdrawal w;
  auto who = parse_actor(actor);
  if (!who) return who.error();
  w.actor = std::move(*who);
  auto person = person_of(subject);
  if (!person) return person.error();
  w.person = std::move(*person);
  auto d = read_detail(detail);
  if (!d) return d.error();
  for (auto [key, target] : {std::pair{"institution", &w.institution},
                             {"category", &w.category},
                             {"reason", &w.reason}}) {
    auto v = d->text(key);
    if (!v) return v.error();
    *target = std::move(*v);
  }
  auto n = d->count("withdrawn");
  if (!n) return n.error();
  w.withdrawn = *n;
  return AuditRecord(std::move(w));
}

Result<AuditRecord> decode_disaster(std::string_view actor, bool ended, std::string_view subject,
                                    std::string_view detail) {
  DisasterChange c;
  c.ended = ended;
  auto who = parse_actor(actor);
  if (!who) return who.error();
  c.actor = std::move(*who);
  try {
    c.id = std::stoll(std::string(subject));
  } catch (...) {
    return bad("subject", "a disaster entry's subject is the period's id");
  }
  auto d = read_detail(detail);
  if (!d) return d.error();
  for (auto [key, target] : {std::pair{"prefectures", &c.prefectures},
                             {"from", &c.from},
                             {"to", &c.to},
                             {"note", &c.note}}) {
    auto v = d->text(key);
    if (!v) return v.error();
    *target = std::move(*v);
  }
  return AuditRecord(std::move(c));
}

Result<AuditRecord> decode_account(std::string_view actor, bool removed, std::string_view subject,
                                   std::string_view detail) {
  AccountChange a;
  a.removed = removed;
  auto code = institution_actor(actor);
  if (!code) return code.error();
  a.medical_institution_code = std::move(*code);
  if (subject.empty()) return bad("subject", "an account entry names the account");
  a.account = std::string(subject);
  if (!removed) {
    auto d = read_detail(detail);
    if (!d) return d.error();
    auto role = d->text("role");
    if (!role) return role.error();
    a.role = std::move(*role);
  }
  return AuditRecord(std::move(a));
}

}  // namespace

std::string person_subject(std::string_view person_link_hex) {
  if (person_link_hex.empty()) return "";
  return std::string(kPersonPrefix) + std::string(person_link_hex);
}

AuditEvent encode_clinical(const ClinicalAccess& a) {
  json::object o{
      {"account", a.account}, {"role", a.role}, {"category", a.category}, {"view", a.view}};
  if (a.allowed)
    o["basis"] = a.basis;
  else
    o["code"] = a.code;
  return {actor_text({Role::kInstitution, a.medical_institution_code}),
          a.allowed ? "clinical.view" : "clinical.refused", person_subject(a.person),
          json::serialize(o)};
}

AuditEvent encode_clinical(const ConsentWithdrawal& w) {
  json::object o{{"institution", w.institution},
                 {"category", w.category},
                 {"reason", w.reason},
                 {"withdrawn", w.withdrawn}};
  return {actor_text(w.actor), "clinical.consentWithdrawn", person_subject(w.person),
          json::serialize(o)};
}

AuditEvent encode_clinical(const DisasterChange& d) {
  json::object o{{"prefectures", d.prefectures}, {"from", d.from}, {"to", d.to}, {"note", d.note}};
  return {actor_text(d.actor), d.ended ? "clinical.disasterEnded" : "clinical.disaster",
          std::to_string(d.id), json::serialize(o)};
}

AuditEvent encode_clinical(const AccountChange& a) {
  std::string detail;
  if (!a.removed) detail = json::serialize(json::object{{"role", a.role}});
  return {actor_text({Role::kInstitution, a.medical_institution_code}),
          a.removed ? "account.remove" : "account.add", a.account, detail};
}

std::optional<Result<AuditRecord>> decode_clinical(std::string_view actor, std::string_view action,
                                                   std::string_view subject,
                                                   std::string_view detail) {
  if (action == "clinical.view" || action == "clinical.refused")
    return decode_access(actor, action == "clinical.view", subject, detail);
  if (action == "clinical.consentWithdrawn") return decode_withdrawal(actor, subject, detail);
  if (action == "clinical.disaster" || action == "clinical.disasterEnded")
    return decode_disaster(actor, action == "clinical.disasterEnded", subject, detail);
  if (action == "account.add" || action == "account.remove")
    return decode_account(actor, action == "account.remove", subject, detail);
  return std::nullopt;
}

}  // namespace onshi::security
