// Encoding and decoding of the typed audit records (security/audit_events.h).
//
// Encoding builds each detail with Boost.JSON in the key order the log has always used, so
// a new entry reads like an old one. Decoding parses the detail once into a small arena on
// the stack (a confirmation's detail is ~200 bytes; the claims check decodes millions of
// them) and copies out only the members of the record; every member is checked for its
// type, and a failure names it rather than guessing a default — except the few members old
// entries lack, whose defaults the header documents.
//
// size: the decoding helpers (Detail, with_detail, the actor checks) are private to this file
// and shared by the records of the core flows; features with codecs of their own keep them in
// audit_medical_aid.cpp and audit_clinical.cpp.
#include "security/audit_events.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "security/audit_clinical_detail.h"
#include "security/audit_detail.h"

namespace onshi::security {
namespace {

namespace json = boost::json;
using core::Role;

constexpr std::string_view kConfirm = "confirm";
constexpr std::string_view kInstitutionPrefix = "institution.";

Error bad(std::string field, std::string message) {
  return Error{"E_AUDIT_ENTRY", std::move(field), std::move(message)};
}

// ---- reading a detail ----

// The members of one detail object, each read with its type checked.
class Detail {
 public:
  explicit Detail(const json::object& o) : o_(o) {}
  const json::object& object() const { return o_; }

  Result<std::string> text(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (!v || !v->is_string()) return missing(key, "a string");
    return std::string(v->as_string());
  }
  // A string member that may be absent ("" then).
  Result<std::string> text_or_empty(std::string_view key) const {
    if (!o_.contains(key)) return std::string();
    return text(key);
  }
  Result<int64_t> count(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (v && v->is_int64() && v->as_int64() >= 0) return v->as_int64();
    if (v && v->is_uint64() && v->as_uint64() <= uint64_t(INT64_MAX))
      return static_cast<int64_t>(v->as_uint64());
    return missing(key, "a count (an integer ≥ 0)");
  }
  // A count that old entries may lack (0 then).
  Result<int64_t> count_or_zero(std::string_view key) const {
    if (!o_.contains(key)) return int64_t{0};
    return count(key);
  }
  Result<bool> boolean(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (!v || !v->is_bool()) return missing(key, "true or false");
    return v->as_bool();
  }
  // A consent flag written "1"/"0"; absent = "0".
  Result<bool> flag(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (!v) return false;
    if (v->is_string() && (v->as_string() == "1" || v->as_string() == "0"))
      return v->as_string() == "1";
    return missing(key, "\"1\" or \"0\"");
  }

 private:
  static Error missing(std::string_view key, std::string_view what) {
    return bad("detail." + std::string(key),
               "the member " + std::string(key) + " must be " + std::string(what));
  }
  const json::object& o_;
};

// Parses `text` into `storage` and hands the object to `fn`; "" is an empty object when
// `empty_ok` (the actions written without a detail).
template <class F>
auto with_detail(std::string_view text, bool empty_ok, F&& fn) -> decltype(fn(Detail{{}})) {
  if (text.empty()) {
    if (!empty_ok) return bad("detail", "the detail is empty");
    json::object none;
    return fn(Detail{none});
  }
  unsigned char buffer[2048];
  json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, &arena);
  if (ec) return bad("detail", "the detail is not JSON: " + ec.message());
  if (!v.is_object()) return bad("detail", "the detail is not a JSON object");
  return fn(Detail{v.as_object()});
}

// ---- small codecs ----

const char* flag_text(bool b) {
  return b ? "1" : "0";
}

std::string digit_text(int v) {
  return std::string(1, static_cast<char>('0' + v));
}

Result<core::QualificationValidity> validity_of(const std::string& s) {
  if (s.size() == 1 && s[0] >= '1' && s[0] <= '6')
    return static_cast<core::QualificationValidity>(s[0] - '0');
  return bad("detail.validity", "validity must be one digit 1–6 (OQSCD006)");
}

Result<core::ReferenceClassification> reference_of(const std::string& s) {
  if (s == "1") return core::ReferenceClassification::kMyNumberCard;
  if (s == "2") return core::ReferenceClassification::kInsuranceCard;
  return bad("detail.referenceClassification", "referenceClassification must be 1 or 2");
}

// The actor, required to have one of `roles` and an id unless the role is the operator.
Result<Actor> actor_of(std::string_view text, std::initializer_list<Role> roles) {
  auto a = parse_actor(text);
  if (!a) return a.error();
  for (Role r : roles)
    if (a->role == r) return a;
  return bad("actor", "this action is not recorded for the actor " + std::string(text));
}

Result<std::string> institution_of(std::string_view actor) {
  auto a = actor_of(actor, {Role::kInstitution});
  if (!a) return a.error();
  return a->id;
}

Result<std::string> insurer_of(std::string_view actor) {
  auto a = actor_of(actor, {Role::kInsurer});
  if (!a) return a.error();
  return a->id;
}

// ---- one encoder and one decoder per action ----

json::object confirmation_detail(const Confirmation& c) {
  json::object o;
  o["date"] = c.date.yyyymmdd();
  o["validity"] = digit_text(static_cast<int>(c.validity));
  o["matches"] = c.matches;
  o["limitConsent"] = flag_text(c.limit_consent);
  const bool by_card = c.method != IdentityCheck::kNumbers;
  if (by_card) {
    o["medicationConsent"] = flag_text(c.medication_consent);
    o["healthCheckupConsent"] = flag_text(c.health_checkup_consent);
    if (c.treatment_consent) o["treatmentConsent"] = flag_text(true);
    if (c.surgery_consent) o["surgeryConsent"] = flag_text(true);
  }
  o["referenceClassification"] = digit_text(static_cast<int>(c.reference_classification));
  if (by_card) {
    o["method"] = identity_check_name(c.method);
    o["cardSerial"] = c.card_serial;
  }
  if (!c.medical_aid.empty()) o["medicalAid"] = c.medical_aid;
  return o;
}

// What the patient chose at the reader and how they were identified (by-card entries only;
// an entry without "method" is a confirmation by numbers).
Status card_part_from(const Detail& d, Confirmation& c) {
  auto method = d.text_or_empty("method");
  if (!method) return method.error();
  if (method->empty()) return Status::Ok();
  auto m = parse_identity_check(*method);
  if (!m || *m == IdentityCheck::kNumbers)
    return bad("detail.method", "method must be pin, face or visual: " + *method);
  c.method = *m;
  auto serial = d.text_or_empty("cardSerial");
  if (!serial) return serial.error();
  c.card_serial = std::move(*serial);
  auto medication = d.flag("medicationConsent");
  if (!medication) return medication.error();
  c.medication_consent = *medication;
  auto checkup = d.flag("healthCheckupConsent");
  if (!checkup) return checkup.error();
  c.health_checkup_consent = *checkup;
  auto treatment = d.flag("treatmentConsent");
  if (!treatment) return treatment.error();
  c.treatment_consent = *treatment;
  auto surgery = d.flag("surgeryConsent");
  if (!surgery) return surgery.error();
  c.surgery_consent = *surgery;
  return Status::Ok();
}

Result<Confirmation> confirmation_from(const Detail& d, Confirmation c) {
  auto date = d.text("date");
  if (!date) return date.error();
  auto parsed = core::Date::parse(*date);
  if (!parsed) return bad("detail.date", "date must be YYYYMMDD: " + parsed.error().message);
  c.date = *parsed;
  auto validity = d.text("validity");
  if (!validity) return validity.error();
  auto v = validity_of(*validity);
  if (!v) return v.error();
  c.validity = *v;
  auto matches = d.count_or_zero("matches");
  if (!matches) return matches.error();
  c.matches = *matches;
  auto limit = d.flag("limitConsent");
  if (!limit) return limit.error();
  c.limit_consent = *limit;
  if (Status st = card_part_from(d, c); !st) return st.error();
  auto aid = d.text_or_empty("medicalAid");
  if (!aid) return aid.error();
  c.medical_aid = std::move(*aid);
  auto reference = d.text_or_empty("referenceClassification");
  if (!reference) return reference.error();
  if (reference->empty()) {
    c.reference_classification = c.method == IdentityCheck::kNumbers
                                     ? core::ReferenceClassification::kInsuranceCard
                                     : core::ReferenceClassification::kMyNumberCard;
  } else {
    auto r = reference_of(*reference);
    if (!r) return r.error();
    c.reference_classification = *r;
  }
  return c;
}

Result<AuditRecord> decode_confirm(std::string_view actor, std::string_view subject,
                                   std::string_view detail) {
  auto code = institution_of(actor);
  if (!code) return code.error();
  Confirmation c;
  c.medical_institution_code = std::move(*code);
  c.card_key = std::string(subject);
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    auto r = confirmation_from(d, std::move(c));
    if (!r) return r.error();
    return AuditRecord(std::move(*r));
  });
}

Result<AuditRecord> decode_register(std::string_view actor, std::string_view,
                                    std::string_view detail) {
  auto insurer = insurer_of(actor);
  if (!insurer) return insurer.error();
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    auto a = d.count("accepted"), u = d.count("unchanged"), r = d.count("rejected");
    if (!a) return a.error();
    if (!u) return u.error();
    if (!r) return r.error();
    return AuditRecord(Registration{*insurer, *a, *u, *r});
  });
}

Result<AuditRecord> decode_card_link(std::string_view actor, std::string_view,
                                     std::string_view detail) {
  auto code = institution_of(actor);
  if (!code) return code.error();
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    auto serial = d.text("cardSerial");
    if (!serial) return serial.error();
    auto method = d.text("method");
    if (!method) return method.error();
    auto m = parse_identity_check(*method);
    if (!m || *m == IdentityCheck::kNumbers)
      return bad("detail.method", "method must be pin, face or visual: " + *method);
    auto already = d.boolean("alreadyLinked");
    if (!already) return already.error();
    return AuditRecord(CardLink{*code, std::move(*serial), *m, *already});
  });
}

Result<AuditRecord> decode_member_view(std::string_view actor, std::string_view subject,
                                       std::string_view detail) {
  auto insurer = insurer_of(actor);
  if (!insurer) return insurer.error();
  if (subject.empty()) return bad("subject", "a member view names the card key it read");
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    auto versions = d.count("versions");
    if (!versions) return versions.error();
    return AuditRecord(MemberView{*insurer, std::string(subject), *versions});
  });
}

Result<AuditRecord> decode_claims_check(std::string_view actor, std::string_view,
                                        std::string_view detail) {
  auto who = actor_of(actor, {Role::kReviewer, Role::kOperator});
  if (!who) return who.error();
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    ClaimsCheck c;
    c.actor = std::move(*who);
    const std::pair<const char*, int64_t*> counts[] = {
        {"claims", &c.claims},
        {"rows", &c.rows},
        {"ok", &c.ok},
        {"accept", &c.accept},
        {"reassign", &c.reassign},
        {"split", &c.split},
        {"return", &c.returned},
        {"personLookups", &c.person_lookups},
        {"confirmationLookups", &c.confirmation_lookups}};
    for (const auto& [key, target] : counts) {
      auto n = d.count(key);
      if (!n) return n.error();
      *target = *n;
    }
    auto input = d.text_or_empty("input");
    if (!input) return input.error();
    c.input = std::move(*input);
    return AuditRecord(std::move(c));
  });
}

Result<AuditRecord> decode_clinical_load(std::string_view actor, std::string_view,
                                         std::string_view detail) {
  auto who = actor_of(actor, {Role::kReviewer, Role::kInsurer, Role::kOperator});
  if (!who) return who.error();
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    ClinicalLoad c;
    c.actor = std::move(*who);
    auto kind = d.text("kind");
    if (!kind) return kind.error();
    c.kind = std::move(*kind);
    for (auto [key, target] :
         {std::pair{"accepted", &c.accepted}, std::pair{"unchanged", &c.unchanged},
          std::pair{"rejected", &c.rejected}}) {
      auto n = d.count(key);
      if (!n) return n.error();
      *target = *n;
    }
    auto input = d.text_or_empty("input");
    if (!input) return input.error();
    c.input = std::move(*input);
    return AuditRecord(std::move(c));
  });
}

// The insurer number of a quality entry: its member, or (old HTTPS entries) the actor's id.
Result<std::string> quality_insurer(const Detail& d, const Actor& actor) {
  auto insurer = d.text_or_empty("insurerNumber");
  if (!insurer) return insurer.error();
  if (!insurer->empty()) return std::move(*insurer);
  if (actor.role == Role::kInsurer) return actor.id;
  return bad("detail.insurerNumber", "the member insurerNumber must be a string");
}

Result<AuditRecord> decode_quality_report(std::string_view actor, std::string_view,
                                          std::string_view detail) {
  auto who = actor_of(actor, {Role::kInsurer, Role::kOperator});
  if (!who) return who.error();
  return with_detail(detail, true, [&](const Detail& d) -> Result<AuditRecord> {
    auto insurer = quality_insurer(d, *who);
    if (!insurer) return insurer.error();
    return AuditRecord(QualityReport{std::move(*who), std::move(*insurer)});
  });
}

Result<AuditRecord> decode_quality_overlaps(std::string_view actor, std::string_view,
                                            std::string_view detail) {
  auto who = actor_of(actor, {Role::kInsurer, Role::kOperator});
  if (!who) return who.error();
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    auto insurer = quality_insurer(d, *who);
    if (!insurer) return insurer.error();
    auto rows = d.count("rows");
    if (!rows) return rows.error();
    return AuditRecord(QualityOverlaps{std::move(*who), std::move(*insurer), *rows});
  });
}

// The lifecycle steps of institutions/registry.cpp (the action is "institution.<step>").
constexpr std::array<std::string_view, 11> kLifecycleSteps = {
    "provisional",     "portalAccount",       "cardReaderApplication",
    "cardReaderModel", "cardReaderCancelled", "receptionNumber",
    "presentation",    "designated",          "notDesignated",
    "usage",           "medicalAid"};

Result<AuditRecord> decode_institution(std::string_view actor, std::string_view step,
                                       std::string_view subject, std::string_view detail) {
  auto who = parse_actor(actor);
  if (!who) return who.error();
  if (step == "population") {
    size_t colon = subject.find(':');
    if (colon == std::string_view::npos)
      return bad("subject", "a population entry's subject is <kind>:<prefecture>");
    return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
      auto total = d.count("total");
      if (!total) return total.error();
      return AuditRecord(InstitutionPopulation{std::move(*who),
                                               std::string(subject.substr(0, colon)),
                                               std::string(subject.substr(colon + 1)), *total});
    });
  }
  if (step == "cardFigures") {
    return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
      auto issued = d.count("issued"), registrations = d.count("registrations");
      if (!issued) return issued.error();
      if (!registrations) return registrations.error();
      return AuditRecord(CardFigures{std::move(*who), *issued, *registrations});
    });
  }
  if (step == "scheduleOverride" || step == "scheduleOverrideCleared") {
    if (subject.empty()) return bad("subject", "a schedule override names its month");
    return AuditRecord(
        ScheduleOverride{std::move(*who), std::string(subject), step == "scheduleOverrideCleared"});
  }
  if (std::find(kLifecycleSteps.begin(), kLifecycleSteps.end(), step) == kLifecycleSteps.end())
    return Error{"E_AUDIT_ACTION", "action",
                 "unknown audit action institution." + std::string(step)};
  return with_detail(detail, false, [&](const Detail& d) -> Result<AuditRecord> {
    InstitutionChange c;
    c.actor = std::move(*who);
    c.step = std::string(step);
    c.key = std::string(subject);
    auto stage = d.text("stage");
    if (!stage) return stage.error();
    c.stage = std::move(*stage);
    auto code = d.text_or_empty("medicalInstitutionCode");
    if (!code) return code.error();
    c.medical_institution_code = std::move(*code);
    for (const auto& kv : d.object()) {
      if (kv.key() == "stage" || kv.key() == "medicalInstitutionCode") continue;
      c.facts.emplace(kv.key(), json::value(kv.value(), json::storage_ptr()));
    }
    return AuditRecord(std::move(c));
  });
}

// ---- encoding, one visitor ----

struct Encoder {
  AuditEvent operator()(const Confirmation& c) const {
    return {actor_text({Role::kInstitution, c.medical_institution_code}), std::string(kConfirm),
            c.card_key, json::serialize(confirmation_detail(c))};
  }
  AuditEvent operator()(const Registration& r) const {
    json::object o{{"accepted", r.accepted}, {"unchanged", r.unchanged}, {"rejected", r.rejected}};
    return {actor_text({Role::kInsurer, r.insurer_number}), "register", "", json::serialize(o)};
  }
  AuditEvent operator()(const CardLink& l) const {
    json::object o{{"cardSerial", l.card_serial},
                   {"method", identity_check_name(l.method)},
                   {"alreadyLinked", l.already_linked}};
    return {actor_text({Role::kInstitution, l.medical_institution_code}), "card.link", "",
            json::serialize(o)};
  }
  AuditEvent operator()(const MemberView& v) const {
    json::object o{{"versions", v.versions}};
    return {actor_text({Role::kInsurer, v.insurer_number}), "member.view", v.card_key,
            json::serialize(o)};
  }
  AuditEvent operator()(const ClaimsCheck& c) const {
    json::object o{{"claims", c.claims},
                   {"rows", c.rows},
                   {"ok", c.ok},
                   {"accept", c.accept},
                   {"reassign", c.reassign},
                   {"split", c.split},
                   {"return", c.returned},
                   {"personLookups", c.person_lookups},
                   {"confirmationLookups", c.confirmation_lookups}};
    if (!c.input.empty()) o["input"] = c.input;
    return {actor_text(c.actor), "claims.check", "", json::serialize(o)};
  }
  AuditEvent operator()(const ClinicalLoad& c) const {
    json::object o{{"kind", c.kind},
                   {"accepted", c.accepted},
                   {"unchanged", c.unchanged},
                   {"rejected", c.rejected}};
    if (!c.input.empty()) o["input"] = c.input;
    return {actor_text(c.actor), "clinical.load", "", json::serialize(o)};
  }
  AuditEvent operator()(const QualityReport& q) const {
    json::object o{{"insurerNumber", q.insurer_number}};
    return {actor_text(q.actor), "quality.report", "", json::serialize(o)};
  }
  AuditEvent operator()(const QualityOverlaps& q) const {
    json::object o{{"insurerNumber", q.insurer_number}, {"rows", q.rows}};
    return {actor_text(q.actor), "quality.overlaps", "", json::serialize(o)};
  }
  AuditEvent operator()(const InstitutionChange& c) const {
    json::object o = c.facts;
    o["stage"] = c.stage;
    if (!c.medical_institution_code.empty())
      o["medicalInstitutionCode"] = c.medical_institution_code;
    return {actor_text(c.actor), std::string(kInstitutionPrefix) + c.step, c.key,
            json::serialize(o)};
  }
  AuditEvent operator()(const InstitutionPopulation& p) const {
    json::object o{{"total", p.total}};
    return {actor_text(p.actor), "institution.population", p.kind + ":" + p.prefecture,
            json::serialize(o)};
  }
  AuditEvent operator()(const CardFigures& f) const {
    json::object o{{"issued", f.issued}, {"registrations", f.registrations}};
    return {actor_text(f.actor), "institution.cardFigures", "", json::serialize(o)};
  }
  AuditEvent operator()(const MedicalAidRegistration& r) const { return detail::encode_aid(r); }
  AuditEvent operator()(const MedicalAidView& v) const { return detail::encode_aid(v); }
  AuditEvent operator()(const AccessRefused& r) const { return detail::encode_refusal(r); }
  AuditEvent operator()(const PortalView& v) const { return detail::encode_portal(v); }
  AuditEvent operator()(const ClinicalAccess& a) const { return encode_clinical(a); }
  AuditEvent operator()(const ConsentWithdrawal& w) const { return encode_clinical(w); }
  AuditEvent operator()(const DisasterChange& d) const { return encode_clinical(d); }
  AuditEvent operator()(const AccountChange& a) const { return encode_clinical(a); }
  AuditEvent operator()(const ScheduleOverride& s) const {
    return {actor_text(s.actor),
            s.cleared ? "institution.scheduleOverrideCleared" : "institution.scheduleOverride",
            s.month, ""};
  }
};

}  // namespace

std::string actor_text(const Actor& actor) {
  std::string out(core::role_name(actor.role));
  if (!actor.id.empty()) {
    out.push_back(':');
    out += actor.id;
  }
  return out;
}

Result<Actor> parse_actor(std::string_view text) {
  size_t colon = text.find(':');
  auto role = core::parse_role(text.substr(0, colon));
  if (!role) return bad("actor", "the actor names no role: " + std::string(text));
  Actor a{*role, colon == std::string_view::npos ? "" : std::string(text.substr(colon + 1))};
  if (a.id.empty() && a.role != Role::kOperator)
    return bad("actor", "the actor lacks the certificate id: " + std::string(text));
  return a;
}

std::string_view identity_check_name(IdentityCheck check) {
  switch (check) {
    case IdentityCheck::kNumbers:
      return "numbers";
    case IdentityCheck::kPin:
      return "pin";
    case IdentityCheck::kFace:
      return "face";
    case IdentityCheck::kVisual:
      return "visual";
  }
  return "numbers";
}

std::optional<IdentityCheck> parse_identity_check(std::string_view name) {
  for (IdentityCheck c :
       {IdentityCheck::kNumbers, IdentityCheck::kPin, IdentityCheck::kFace, IdentityCheck::kVisual})
    if (identity_check_name(c) == name) return c;
  return std::nullopt;
}

std::string action_name(const AuditRecord& record) {
  return encode(record).action;
}

AuditEvent encode(const AuditRecord& record, int64_t time_us) {
  AuditEvent e = std::visit(Encoder{}, record);
  e.time_us = time_us;
  return e;
}

Result<AuditRecord> decode(std::string_view actor, std::string_view action,
                           std::string_view subject, std::string_view detail) {
  using Decoder = Result<AuditRecord> (*)(std::string_view, std::string_view, std::string_view);
  static constexpr std::pair<std::string_view, Decoder> kDecoders[] = {
      {kConfirm, decode_confirm},
      {"register", decode_register},
      {"card.link", decode_card_link},
      {"member.view", decode_member_view},
      {"claims.check", decode_claims_check},
      {"quality.report", decode_quality_report},
      {"quality.overlaps", decode_quality_overlaps},
      {"clinical.load", decode_clinical_load},
      {"medicalAid.register", detail::decode_aid_registration},
      {"medicalAid.view", detail::decode_aid_view},
      {"access.refused", detail::decode_refusal},

      {"portal.view", detail::decode_portal_view}};
  for (const auto& [name, fn] : kDecoders)
    if (action == name) return fn(actor, subject, detail);
  if (auto clinical = decode_clinical(actor, action, subject, detail)) return std::move(*clinical);
  if (action.substr(0, kInstitutionPrefix.size()) == kInstitutionPrefix)
    return decode_institution(actor, action.substr(kInstitutionPrefix.size()), subject, detail);
  return Error{"E_AUDIT_ACTION", "action", "unknown audit action " + std::string(action)};
}

Result<AuditRecord> decode(const store::AuditEntry& entry) {
  return decode(entry.actor, entry.action, entry.subject, entry.detail);
}

bool is_confirmation(const store::AuditEntry& entry) {
  return entry.action == kConfirm;
}

Result<Confirmation> decode_confirmation(const store::AuditEntry& entry) {
  if (!is_confirmation(entry))
    return Error{"E_AUDIT_ACTION", "action", "not a confirmation: " + entry.action};
  auto code = institution_of(entry.actor);
  if (!code) return code.error();
  Confirmation c;
  c.medical_institution_code = std::move(*code);
  c.card_key = entry.subject;
  return with_detail(entry.detail, false,
                     [&](const Detail& d) { return confirmation_from(d, std::move(c)); });
}

}  // namespace onshi::security
