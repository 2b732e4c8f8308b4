// Typed audit records: one struct per action the service records, turned into the log's
// (actor, action, subject, detail) strings and back in this one place.
//
// The log keeps strings (store::AuditEntry) because the hash chain covers exactly those
// bytes. Writers build a record below and hand it to AuditLog::record / record_durable;
// readers — the claims check, the insurer's member view, a person's "who looked at my data"
// page — call `decode` and never search the text. The JSON keys, the actor prefixes
// ("institution:1310112345", "operator") and the action names are the ones the log has
// always used, so entries written before these types existed decode as well (a few old
// shapes are accepted on decoding; each is noted at its field).
//
// Decoding never trusts the text and never throws: an action it does not know is
// E_AUDIT_ACTION; an actor of the wrong role, a detail that is not JSON, or a member that
// is missing or of the wrong type is E_AUDIT_ENTRY, the error's field naming the part
// ("actor", "subject", "detail.date" …). Nothing here ever carries a My Number.
//
// Thread-safe: plain functions over values.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/codes.h"
#include "core/date.h"
#include "core/role.h"
#include "core/status.h"
#include "store/store.h"

namespace onshi::security {

// One event as the log stores it (before the store numbers and chains it).
struct AuditEvent {
  std::string actor;    // "institution:1310112345"
  std::string action;   // "confirm"
  std::string subject;  // card key or ""
  std::string detail;   // compact JSON, or "" for the few actions without one
  int64_t time_us = 0;  // 0 = now
};

// Who acted: a certificate identity, or the operator at the command line (kOperator, id "").
// Written "<role>:<id>" ("insurer:06139999"), or the role name alone when the id is empty.
struct Actor {
  core::Role role = core::Role::kOperator;
  std::string id;
  bool operator==(const Actor&) const = default;
};
// The operator at the command line (`onshi claims check`, `onshi institutions …`).
inline Actor operator_actor() {
  return Actor{core::Role::kOperator, ""};
}
std::string actor_text(const Actor& actor);
// Errors: E_AUDIT_ENTRY (field "actor") when the text names no role or lacks the id.
Result<Actor> parse_actor(std::string_view text);

// How the patient was identified at reception: by the numbers of the insurance card, or by
// the My Number card with its PIN, face recognition or a visual check of the photograph.
enum class IdentityCheck { kNumbers, kPin, kFace, kVisual };
std::string_view identity_check_name(IdentityCheck check);  // "numbers", "pin", "face", "visual"
std::optional<IdentityCheck> parse_identity_check(std::string_view name);

// "confirm" — a qualification confirmation (R-CONF-1..6), by numbers (XML, JSON, bulk) or by
// card (the face-file result). Actor institution:<code>, subject the card key answered.
struct Confirmation {
  std::string medical_institution_code;
  std::string card_key;  // "" when nothing was answered
  core::Date date;       // "date": the QualificationConfirmationDate asked
  core::QualificationValidity validity = core::QualificationValidity::kNotFound;  // "validity"
  int64_t matches = 0;         // "matches": qualifications found for the numbers / the person
  bool limit_consent = false;  // "limitConsent" ("1"/"0"; absent = "0")
  // "referenceClassification" (absent = 2 by numbers, 1 by card)
  core::ReferenceClassification reference_classification =
      core::ReferenceClassification::kInsuranceCard;
  // By card only ("method" present): how, which card, and the consents given at the reader.
  IdentityCheck method = IdentityCheck::kNumbers;  // "method"
  std::string card_serial;                         // "cardSerial"
  bool medication_consent = false;                 // "medicationConsent"
  bool health_checkup_consent = false;             // "healthCheckupConsent"
  // "medicalAid" (absent = ""): for a 医療扶助 recipient, the branch of the rules taken
  // (confirm/medical_aid.h: "contracted", "not-contracted", "unregistered"); "" otherwise.
  std::string medical_aid;
  bool treatment_consent = false;  // "treatmentConsent" (written only when "1"; absent = "0")
  bool surgery_consent = false;    // "surgeryConsent" (written only when "1"; absent = "0")
  bool operator==(const Confirmation&) const = default;
};

// "register" — an insurer's registration batch over HTTPS. Actor insurer:<number>.
struct Registration {
  std::string insurer_number;
  int64_t accepted = 0, unchanged = 0, rejected = 0;  // "accepted", "unchanged", "rejected"
  bool operator==(const Registration&) const = default;
};

// "card.link" — 初回登録 of a My Number card at an institution's reader (R-CARD-1).
struct CardLink {
  std::string medical_institution_code;
  std::string card_serial;                     // "cardSerial"
  IdentityCheck method = IdentityCheck::kPin;  // "method"
  bool already_linked = false;                 // "alreadyLinked"
  bool operator==(const CardLink&) const = default;
};

// "member.view" — an insurer read one member's history and confirmations (R-REG-6).
struct MemberView {
  std::string insurer_number;
  std::string card_key;  // subject
  int64_t versions = 0;  // "versions"
  bool operator==(const MemberView&) const = default;
};

// "claims.check" — one run of the claims check (R-CLM-1): a reviewer over HTTPS or the
// operator's batch run, with the run's counts.
struct ClaimsCheck {
  Actor actor;                                                        // reviewer:<id> or operator
  int64_t claims = 0, rows = 0;                                       // "claims", "rows"
  int64_t ok = 0, accept = 0, reassign = 0, split = 0, returned = 0;  // "ok" … "return"
  int64_t person_lookups = 0;                                         // "personLookups"
  int64_t confirmation_lookups = 0;                                   // "confirmationLookups"
  std::string input;  // "input": the file name of a batch run ("" = absent, over HTTPS)
  bool operator==(const ClaimsCheck&) const = default;
};

// "quality.report" — an insurer's data-quality report (R-REG-4), over HTTPS or by the operator.
struct QualityReport {
  Actor actor;                 // insurer:<number> or operator
  std::string insurer_number;  // "insurerNumber" (old HTTPS entries: none — the actor's id)
  bool operator==(const QualityReport&) const = default;
};

// "quality.overlaps" — an insurer's 資格重複状況結果一覧 (R-REG-5).
struct QualityOverlaps {
  Actor actor;                 // insurer:<number> or operator
  std::string insurer_number;  // "insurerNumber" (old HTTPS entries: none — the actor's id)
  int64_t rows = 0;            // "rows"
  bool operator==(const QualityOverlaps&) const = default;
};

// "institution.<step>" — one step of an institution's onboarding lifecycle
// (institutions/institutions.h): the same detail as the institution's own history line.
struct InstitutionChange {
  Actor actor;        // agency:…, bureau:…, institution:… or operator
  std::string step;   // "provisional", "designated", "usage", …
  std::string key;    // subject: 医療機関コード, else the provisional code
  std::string stage;  // "stage": the stage after the step
  std::string medical_institution_code;  // "medicalInstitutionCode" ("" before designation)
  boost::json::object facts;             // the step's own members (kind, receptionNumber …)
  bool operator==(const InstitutionChange&) const = default;
};

// "institution.population" — the number of institutions of a kind in a prefecture.
struct InstitutionPopulation {
  Actor actor;
  std::string kind, prefecture;  // subject "<kind>:<prefecture>"
  int64_t total = 0;             // "total"
  bool operator==(const InstitutionPopulation&) const = default;
};

// "institution.cardFigures" — My Number cards issued and registered for insurance use.
struct CardFigures {
  Actor actor;
  int64_t issued = 0, registrations = 0;  // "issued", "registrations"
  bool operator==(const CardFigures&) const = default;
};

// "institution.scheduleOverride" / "institution.scheduleOverrideCleared" — a month's
// designation schedule set or cleared by hand (no detail).
struct ScheduleOverride {
  Actor actor;
  std::string month;  // subject, as the registry keys it
  bool cleared = false;
  bool operator==(const ScheduleOverride&) const = default;
};

// "clinical.load" — clinical rows loaded (R-CONF-5): a reviewer's or insurer's request, or the
// operator's `onshi clinical import`, with the kind and the counts.
struct ClinicalLoad {
  Actor actor;       // reviewer:<id>, insurer:<number> or operator
  std::string kind;  // "kind": medication, checkups, treatments, prescriptions
  int64_t accepted = 0, unchanged = 0, rejected = 0;  // "accepted", "unchanged", "rejected"
  std::string input;  // "input": the file name of an import ("" = absent, over HTTPS)
  bool operator==(const ClinicalLoad&) const = default;
};

// "medicalAid.register" — 医療扶助 recipients or tickets registered (R-AID-1): by a welfare
// office over HTTPS (actor welfare-office:<公費負担者番号>) or by the operator's import.
struct MedicalAidRegistration {
  Actor actor;                 // welfare-office:<number> or operator
  std::string insurer_number;  // "insurerNumber": the office's number ("" = a file of any office)
  std::string kind;            // "kind": "recipients" or "tickets"
  int64_t accepted = 0, unchanged = 0, rejected = 0;  // "accepted", "unchanged", "rejected"
  std::string input;  // "input": the file name of an import ("" = absent, over HTTPS)
  bool operator==(const MedicalAidRegistration&) const = default;
};

// "medicalAid.view" — a welfare office (or the operator) read its own 医療扶助 data: the list
// of recipients, one recipient with tickets and confirmations, tickets, or its quality report.
struct MedicalAidView {
  Actor actor;                 // welfare-office:<number> or operator
  std::string insurer_number;  // "insurerNumber"
  std::string view;            // "view": "recipients", "recipient", "tickets" or "quality"
  std::string card_key;        // subject: the recipient read, "" for a list
  int64_t rows = 0;            // "rows": recipients or tickets answered
  bool operator==(const MedicalAidView&) const = default;
};

// ---- clinical information (access/access.h; encoded in audit_clinical.cpp) ----

// The audit subject naming a person: "person:" + the person link in hex (never the My
// Number), so `onshi audit show --person-link` finds a person's entries through the index.
std::string person_subject(std::string_view person_link_hex);

// "clinical.view" / "clinical.refused" — a professional's request for one category of a
// person's clinical information (R-CONF-5), allowed or refused by access::Gatekeeper.
// Actor institution:<code>, subject person_subject(person) ("" when no person was found).
struct ClinicalAccess {
  std::string medical_institution_code;
  std::string person;    // the person link in hex, or ""
  std::string account;   // "account": the professional account named ("" = none)
  std::string role;      // "role": its role code ("" when unknown)
  std::string category;  // "category": OQSCD036 (YZK, TKK, SRJ, SHJ)
  std::string view;      // "view": what was asked ("consentStatus", "medication" …)
  bool allowed = false;  // the action
  std::string code;      // "code": the refusal's error code (refused only)
  std::string basis;     // "basis": "consent" or "disaster" (allowed only)
  bool operator==(const ClinicalAccess&) const = default;
};

// "clinical.consentWithdrawn" — consents withdrawn (OQSCD031 reason). Actor operator or
// institution:<code>; subject person_subject(person).
struct ConsentWithdrawal {
  Actor actor;
  std::string person;       // hex
  std::string institution;  // "institution": "" = every institution
  std::string category;     // "category": "" = every category
  std::string reason;       // "reason": OQSCD031 "1" | "2" | "3"
  int64_t withdrawn = 0;    // "withdrawn": consents that ended
  bool operator==(const ConsentWithdrawal&) const = default;
};

// "clinical.disaster" / "clinical.disasterEnded" — a disaster period declared or ended by the
// operator. Subject the period's id.
struct DisasterChange {
  Actor actor;
  int64_t id = 0;
  bool ended = false;
  std::string prefectures;  // "prefectures": "13,14"
  std::string from, to;     // "from", "to": YYYYMMDDHHmmss (JST)
  std::string note;         // "note"
  bool operator==(const DisasterChange&) const = default;
};

// "account.add" / "account.remove" — an institution registered or removed a professional
// account (its certificate, through the terminal). Actor institution:<code>, subject the
// account id.
struct AccountChange {
  std::string medical_institution_code;
  std::string account;
  std::string role;  // "role" (add only)
  bool removed = false;
  bool operator==(const AccountChange&) const = default;
};

// "access.refused" — a caller refused at a route of the service: its certificate's role may
// not call the route (E_FORBIDDEN_ROLE), or the institution code in the request is not the
// certificate's (E_INSTITUTION_MISMATCH). Actor the certificate's identity; subject the route
// ("POST /v1/registrations"). Nothing of a person is recorded.
struct AccessRefused {
  Actor actor;
  std::string route;
  std::string code;  // "code"
  bool operator==(const AccessRefused&) const = default;
};

// ---- the patient's own portal (card::Sessions; encoded in audit_portal.cpp) ----

// "portal.view" — the person read or changed their own data through the portal (R-CARD-2):
// signed in or out, read their card's state, qualifications, consents or who looked,
// registered the card (初回登録) or withdrew a consent. Actor "person:<link hex>" — the
// person themself, not a certificate —, subject person_subject(person).
struct PortalView {
  std::string person;  // the person link in hex
  std::string portal;  // "portal": the id of the portal certificate
  std::string view;    // "view": "signIn", "signOut", "card", "link", "qualifications" …
  int64_t rows = 0;    // "rows": entries answered (0 for a change)
  bool operator==(const PortalView&) const = default;
};

using AuditRecord =
    std::variant<Confirmation, Registration, CardLink, MemberView, ClaimsCheck, QualityReport,
                 QualityOverlaps, InstitutionChange, InstitutionPopulation, CardFigures,
                 ScheduleOverride, ClinicalLoad, ClinicalAccess, ConsentWithdrawal, DisasterChange,
                 AccountChange, MedicalAidRegistration, MedicalAidView, AccessRefused,
                 PortalView>;

// The action name a record is stored under ("confirm", "institution.usage" …).
std::string action_name(const AuditRecord& record);

// The log's strings for `record`; `time_us` 0 = now.
AuditEvent encode(const AuditRecord& record, int64_t time_us = 0);

// The record an entry holds. Errors: E_AUDIT_ACTION (an action this build does not know),
// E_AUDIT_ENTRY (anything else malformed; the field names the part).
Result<AuditRecord> decode(std::string_view actor, std::string_view action,
                           std::string_view subject, std::string_view detail);
Result<AuditRecord> decode(const store::AuditEntry& entry);

// Whether an entry is a confirmation (action "confirm"), without decoding it.
bool is_confirmation(const store::AuditEntry& entry);
// The confirmation an entry holds: E_AUDIT_ACTION when it holds something else, and the
// errors of `decode`. For readers that want only confirmations (claims, member view).
Result<Confirmation> decode_confirmation(const store::AuditEntry& entry);

}  // namespace onshi::security
