// Tests of the typed audit records (security/audit_events.h): every record survives encode →
// store → decode unchanged; entries in the hand-built format of the code before the types
// (copied here byte for byte) still decode, and their chain still verifies; new entries are
// byte-identical to the old ones where the format did not change; and whatever is malformed
// decodes to E_AUDIT_ACTION / E_AUDIT_ENTRY naming the part, never to a crash or a guess.
#include "security/audit_events.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <vector>

#include "security/audit.h"
#include "store/store.h"
#include "temp_dir.h"

namespace onshi::security {
namespace {

using core::Role;
using onshi::testing::TempDir;

constexpr const char* kClinic = "1310112345";
constexpr const char* kInsurer = "06139999";
const std::string kCardKey = std::string("06139999\x1f") + "12\x1f" + "345\x1f" + "01";

core::Date date(const char* yyyymmdd) {
  return *core::Date::parse(yyyymmdd);
}

// One record of every type (two for the types with two shapes).
std::vector<AuditRecord> every_record() {
  Confirmation by_numbers;
  by_numbers.medical_institution_code = kClinic;
  by_numbers.card_key = kCardKey;
  by_numbers.date = date("20250415");
  by_numbers.validity = core::QualificationValidity::kValid;
  by_numbers.matches = 1;
  by_numbers.limit_consent = true;
  Confirmation by_face = by_numbers;
  by_face.validity = core::QualificationValidity::kInvalidNewer;
  by_face.limit_consent = false;
  by_face.reference_classification = core::ReferenceClassification::kMyNumberCard;
  by_face.method = IdentityCheck::kFace;
  by_face.card_serial = "1234ABCD5678EF";
  by_face.medication_consent = true;
  by_face.health_checkup_consent = true;
  InstitutionChange change;
  change.actor = Actor{Role::kBureau, "kanto"};
  change.step = "receptionNumber";
  change.key = "P000123";
  change.stage = "numbered";
  change.facts = boost::json::object{{"receptionNumber", "R-0042"}, {"late", false}};
  InstitutionChange designated = change;
  designated.step = "designated";
  designated.key = kClinic;
  designated.stage = "designated";
  designated.medical_institution_code = kClinic;
  designated.facts = {};
  return {by_numbers,
          by_face,
          Registration{kInsurer, 10, 2, 1},
          CardLink{kClinic, "1234ABCD5678EF", IdentityCheck::kPin, true},
          MemberView{kInsurer, kCardKey, 3},
          ClaimsCheck{Actor{Role::kReviewer, "shiharai-01"}, 4, 5, 1, 1, 1, 1, 0, 2, 3, ""},
          ClaimsCheck{operator_actor(), 4, 4, 4, 0, 0, 0, 0, 0, 0, "claims 2025-04.csv"},
          QualityReport{Actor{Role::kInsurer, kInsurer}, kInsurer},
          QualityReport{operator_actor(), kInsurer},
          QualityOverlaps{Actor{Role::kInsurer, kInsurer}, kInsurer, 7},
          change,
          designated,
          InstitutionPopulation{operator_actor(), "clinic", "13", 14000},
          CardFigures{Actor{Role::kAgency, "kikin"}, 1000, 600},
          ScheduleOverride{operator_actor(), "202504", false},
          ScheduleOverride{operator_actor(), "202504", true}};
}

store::AuditEntry entry_of(const AuditEvent& e) {
  store::AuditEntry x;
  x.actor = e.actor;
  x.action = e.action;
  x.subject = e.subject;
  x.detail = e.detail;
  return x;
}

Result<AuditRecord> decode_event(const AuditEvent& e) {
  return decode(e.actor, e.action, e.subject, e.detail);
}

// R-AID-1 (issue 15 points 1, 7): a welfare office's registrations and reads round-trip; the
// records are the office's or the operator's, nobody else's; malformed ones name the part.
TEST(AuditEvents, MedicalAidRecordsRoundTrip) {
  const AuditRecord records[] = {
      MedicalAidRegistration{Actor{Role::kWelfareOffice, "12131017"}, "12131017", "recipients", 3,
                             1, 1, ""},
      MedicalAidRegistration{operator_actor(), "", "tickets", 5, 0, 2, "tickets.csv"},
      MedicalAidView{Actor{Role::kWelfareOffice, "12131017"}, "12131017", "recipient",
                     std::string("12131017\x1f\x1f" "1234566\x1f"), 2},
      MedicalAidView{operator_actor(), "12131017", "quality", "", 40}};
  for (const AuditRecord& r : records) {
    AuditEvent e = encode(r);
    auto back = decode_event(e);
    ASSERT_TRUE(back.ok()) << e.action << " " << e.detail << ": " << back.error().message;
    EXPECT_TRUE(*back == r) << e.action << " " << e.detail;
    EXPECT_EQ(encode(*back).detail, e.detail);
  }
  EXPECT_EQ(encode(records[0]).action, "medicalAid.register");
  EXPECT_EQ(encode(records[2]).action, "medicalAid.view");
  EXPECT_EQ(encode(records[2]).subject, std::string("12131017\x1f\x1f" "1234566\x1f"));
  auto insurer = decode(
      "insurer:06139992", "medicalAid.register", "",
      R"({"insurerNumber":"12131017","kind":"tickets","accepted":1,"unchanged":0,"rejected":0})");
  ASSERT_FALSE(insurer.ok());
  EXPECT_EQ(insurer.error().field, "actor");
  auto kind = decode(
      "welfare-office:12131017", "medicalAid.register", "",
      R"({"insurerNumber":"12131017","kind":"members","accepted":1,"unchanged":0,"rejected":0})");
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.error().field, "detail.kind");
  auto rows = decode("welfare-office:12131017", "medicalAid.view", "",
                     R"({"insurerNumber":"12131017","view":"tickets","rows":-1})");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, "E_AUDIT_ENTRY");
  EXPECT_EQ(rows.error().field, "detail.rows");
}

// issue 14: typed audit records — every type round-trips through its encoding.
TEST(AuditEvents, EveryRecordRoundTrips) {
  for (const AuditRecord& r : every_record()) {
    AuditEvent e = encode(r, 42);
    EXPECT_EQ(e.time_us, 42);
    EXPECT_EQ(e.action, action_name(r));
    auto back = decode_event(e);
    ASSERT_TRUE(back.ok()) << e.action << " " << e.detail << ": " << back.error().field << " "
                           << back.error().message;
    EXPECT_TRUE(*back == r) << e.action << " " << e.detail;
    EXPECT_EQ(encode(*back).detail, e.detail);  // one encoding per record
  }
}

// issue 14: typed audit records — through a real store: recorded by AuditLog, chained, read
// back and decoded; the chain verifies.
TEST(AuditEvents, RecordsWrittenByTheLogDecodeAndVerify) {
  TempDir dir("audit-events");
  auto st = store::open_sqlite(store::store_path(dir.path()));
  ASSERT_TRUE(st.ok()) << st.error().message;
  const auto records = every_record();
  {
    AuditLog log(**st);
    for (const auto& r : records) log.record(r);
    ASSERT_TRUE(log.record_durable(records[0]).ok());
    ASSERT_TRUE(log.flush().ok());
  }
  std::vector<AuditRecord> read;
  ASSERT_TRUE((*st)
                  ->scan_audit(1,
                               [&](const store::AuditEntry& e) {
                                 auto r = decode(e);
                                 EXPECT_TRUE(r.ok())
                                     << e.action << ": " << (r.ok() ? "" : r.error().message);
                                 if (r.ok()) read.push_back(std::move(*r));
                                 return true;
                               })
                  .ok());
  ASSERT_EQ(read.size(), records.size() + 1);
  for (size_t i = 0; i < records.size(); ++i) EXPECT_TRUE(read[i] == records[i]) << i;
  auto report = verify_audit(**st);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

// The entries the code wrote before the typed records, byte for byte as it built them.
struct OldEntry {
  const char* actor;
  const char* action;
  std::string subject;
  const char* detail;
};
std::vector<OldEntry> old_entries() {
  return {
      {"institution:1310112345", "confirm", kCardKey,
       R"({"date":"20250415","validity":"1","matches":1,"limitConsent":"1","referenceClassification":"2"})"},
      {"institution:1310112345", "confirm", kCardKey,
       R"({"date":"20250415","validity":"3","matches":1,"limitConsent":"0","medicationConsent":"1","healthCheckupConsent":"1","referenceClassification":"1","method":"face","cardSerial":"1234ABCD5678EF"})"},
      {"insurer:06139999", "register", "", R"({"accepted":10,"unchanged":2,"rejected":1})"},
      {"institution:1310112345", "card.link", "",
       R"({"cardSerial":"1234ABCD5678EF","method":"pin","alreadyLinked":true})"},
      {"insurer:06139999", "member.view", kCardKey, R"({"versions":3})"},
      {"reviewer:shiharai-01", "claims.check", "",
       R"({"claims":4,"rows":5,"ok":1,"accept":1,"reassign":1,"split":1,"return":0,"personLookups":2,"confirmationLookups":3})"},
      {"operator", "claims.check", "",
       R"({"claims":4,"rows":4,"ok":4,"accept":0,"reassign":0,"split":0,"return":0,"personLookups":0,"confirmationLookups":0,"input":"claims 2025-04.csv"})"},
      {"insurer:06139999", "quality.report", "", ""},  // over HTTPS: no detail
      {"operator", "quality.report", "", R"({"insurerNumber":"06139999"})"},
      {"insurer:06139999", "quality.overlaps", "", R"({"rows":7})"},  // over HTTPS
      {"bureau:kanto", "institution.receptionNumber", "P000123",
       R"({"receptionNumber":"R-0042","late":false,"stage":"numbered"})"},
      {"bureau:kanto", "institution.designated", "1310112345",
       R"({"stage":"designated","medicalInstitutionCode":"1310112345"})"},
      {"operator", "institution.population", "clinic:13", R"({"total":14000})"},
      {"agency:kikin", "institution.cardFigures", "", R"({"issued":1000,"registrations":600})"},
      {"operator", "institution.scheduleOverride", "202504", ""},
      {"operator", "institution.scheduleOverrideCleared", "202504", ""},
  };
}

// issue 14: typed audit records — entries written in the old hand-built format decode to the
// records the writers now build, and (but for the two quality entries over HTTPS, which now
// name the insurer) re-encode to the very same bytes.
TEST(AuditEvents, OldHandBuiltEntriesDecode) {
  const auto olds = old_entries();
  const auto records = every_record();
  ASSERT_EQ(olds.size(), records.size());
  for (size_t i = 0; i < olds.size(); ++i) {
    const OldEntry& o = olds[i];
    auto r = decode(o.actor, o.action, o.subject, o.detail);
    ASSERT_TRUE(r.ok()) << o.action << ": " << r.error().field << " " << r.error().message;
    EXPECT_TRUE(*r == records[i]) << o.action << " " << o.detail;
    AuditEvent now = encode(records[i]);
    EXPECT_EQ(now.actor, o.actor);
    EXPECT_EQ(now.action, o.action);
    EXPECT_EQ(now.subject, o.subject);
    if (i != 7 && i != 9) {
      EXPECT_EQ(now.detail, o.detail) << o.action;
    }
  }
  // The fixture of the claims tests writes a confirmation with only date, validity, matches.
  auto minimal = decode("institution:1310112345", "confirm", kCardKey,
                        R"({"date":"20250415","validity":"1","matches":1})");
  ASSERT_TRUE(minimal.ok());
  const auto& c = std::get<Confirmation>(*minimal);
  EXPECT_FALSE(c.limit_consent);
  EXPECT_EQ(c.method, IdentityCheck::kNumbers);
  EXPECT_EQ(c.reference_classification, core::ReferenceClassification::kInsuranceCard);
}

// Issue 15 (R-AID-2): a recipient's confirmation names the branch of the rules taken, and an
// entry without it (every one written before) decodes with none.
TEST(AuditEvents, RecipientConfirmationKeepsItsBranch) {
  Confirmation c;
  c.medical_institution_code = kClinic;
  c.card_key = std::string("12131017\x1f\x1f") + "1234566\x1f";
  c.date = date("20250415");
  c.validity = core::QualificationValidity::kValidUnregistered;
  c.matches = 1;
  c.medical_aid = "unregistered";
  AuditEvent e = encode(AuditRecord(c));
  EXPECT_NE(e.detail.find("\"medicalAid\":\"unregistered\""), std::string::npos) << e.detail;
  auto back = decode(e.actor, e.action, e.subject, e.detail);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::get<Confirmation>(*back) == c);
  auto old = decode("institution:1310112345", "confirm", kCardKey,
                    R"({"date":"20250415","validity":"1","matches":1})");
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(std::get<Confirmation>(*old).medical_aid.empty());
}

// issue 14: typed audit records — a log written by the old code keeps verifying, and the
// readers' decoder reads it.
TEST(AuditEvents, OldLogVerifiesAndDecodes) {
  TempDir dir("audit-events-old");
  auto st = store::open_sqlite(store::store_path(dir.path()));
  ASSERT_TRUE(st.ok()) << st.error().message;
  {
    AuditLog log(**st);
    for (const auto& o : old_entries())
      log.record(AuditEvent{o.actor, o.action, o.subject, o.detail, 0});
    ASSERT_TRUE(log.flush().ok());
  }
  auto report = verify_audit(**st);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, static_cast<int64_t>(old_entries().size()));
  int confirmations = 0;
  ASSERT_TRUE((*st)
                  ->scan_audit(1,
                               [&](const store::AuditEntry& e) {
                                 EXPECT_TRUE(decode(e).ok()) << e.action;
                                 if (is_confirmation(e)) {
                                   auto c = decode_confirmation(e);
                                   EXPECT_TRUE(c.ok());
                                   if (c.ok()) {
                                     EXPECT_EQ(c->medical_institution_code, kClinic);
                                   }
                                   ++confirmations;
                                 }
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(confirmations, 2);
}

void expect_error(const char* actor, const char* action, const std::string& subject,
                  const char* detail, const char* code, const char* field) {
  auto r = decode(actor, action, subject, detail);
  ASSERT_FALSE(r.ok()) << action << " " << detail;
  EXPECT_EQ(r.error().code, code) << action << " " << detail;
  EXPECT_EQ(r.error().field, field) << action << " " << detail << ": " << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

// issue 14: typed audit records — an unknown action or a malformed entry is a clear error.
TEST(AuditEvents, MalformedEntriesAreErrors) {
  const char* clinic = "institution:1310112345";
  expect_error(clinic, "confirm.v2", kCardKey, "{}", "E_AUDIT_ACTION", "action");
  expect_error("operator", "institution.demolished", "P1", R"({"stage":"x"})", "E_AUDIT_ACTION",
               "action");
  expect_error(clinic, "", "", "", "E_AUDIT_ACTION", "action");
  expect_error(clinic, "confirm", kCardKey, "", "E_AUDIT_ENTRY", "detail");
  expect_error(clinic, "confirm", kCardKey, R"({"date":"2025)", "E_AUDIT_ENTRY", "detail");
  expect_error(clinic, "confirm", kCardKey, R"(["date"])", "E_AUDIT_ENTRY", "detail");
  expect_error(clinic, "confirm", kCardKey, R"({"validity":"1"})", "E_AUDIT_ENTRY", "detail.date");
  expect_error(clinic, "confirm", kCardKey, R"({"date":"20250231","validity":"1"})",
               "E_AUDIT_ENTRY", "detail.date");
  expect_error(clinic, "confirm", kCardKey, R"({"date":"20250415","validity":1})", "E_AUDIT_ENTRY",
               "detail.validity");
  expect_error(clinic, "confirm", kCardKey, R"({"date":"20250415","validity":"9"})",
               "E_AUDIT_ENTRY", "detail.validity");
  expect_error(clinic, "confirm", kCardKey, R"({"date":"20250415","validity":"1","matches":-1})",
               "E_AUDIT_ENTRY", "detail.matches");
  expect_error(clinic, "confirm", kCardKey,
               R"({"date":"20250415","validity":"1","limitConsent":"yes"})", "E_AUDIT_ENTRY",
               "detail.limitConsent");
  expect_error(clinic, "confirm", kCardKey,
               R"({"date":"20250415","validity":"1","method":"numbers"})", "E_AUDIT_ENTRY",
               "detail.method");
  expect_error(clinic, "confirm", kCardKey,
               R"({"date":"20250415","validity":"1","referenceClassification":"3"})",
               "E_AUDIT_ENTRY", "detail.referenceClassification");
  // Actors: the wrong role for the action, no role, no id.
  expect_error("insurer:06139999", "confirm", kCardKey, R"({"date":"20250415","validity":"1"})",
               "E_AUDIT_ENTRY", "actor");
  expect_error("clinic:1310112345", "confirm", kCardKey, R"({"date":"20250415","validity":"1"})",
               "E_AUDIT_ENTRY", "actor");
  expect_error("institution", "confirm", kCardKey, R"({"date":"20250415","validity":"1"})",
               "E_AUDIT_ENTRY", "actor");
  expect_error("institution:1310112345", "claims.check", "", "{}", "E_AUDIT_ENTRY", "actor");
  // Other actions: missing or ill-typed members, subjects that cannot be what they say.
  expect_error("insurer:06139999", "register", "", R"({"accepted":"10"})", "E_AUDIT_ENTRY",
               "detail.accepted");
  expect_error(clinic, "card.link", "", R"({"cardSerial":"X","method":"pin","alreadyLinked":"1"})",
               "E_AUDIT_ENTRY", "detail.alreadyLinked");
  expect_error("insurer:06139999", "member.view", "", R"({"versions":3})", "E_AUDIT_ENTRY",
               "subject");
  expect_error("operator", "quality.report", "", "", "E_AUDIT_ENTRY", "detail.insurerNumber");
  expect_error("reviewer:r1", "claims.check", "", R"({"claims":1})", "E_AUDIT_ENTRY",
               "detail.rows");
  expect_error("operator", "institution.population", "clinic13", R"({"total":1})", "E_AUDIT_ENTRY",
               "subject");
  expect_error("operator", "institution.usage", "P1", R"({"medicalInstitutionCode":"1"})",
               "E_AUDIT_ENTRY", "detail.stage");
  // decode_confirmation refuses what is not a confirmation.
  store::AuditEntry view = entry_of(encode(MemberView{kInsurer, kCardKey, 1}));
  EXPECT_FALSE(is_confirmation(view));
  auto c = decode_confirmation(view);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "E_AUDIT_ACTION");
}

// issue 14: roles — actors are written with the role names of core/role.h, both ways.
TEST(AuditEvents, ActorsUseTheRoleNames) {
  for (Role r : core::kRoles) {
    Actor a{r, "x-1"};
    EXPECT_EQ(actor_text(a), std::string(core::role_name(r)) + ":x-1");
    auto back = parse_actor(actor_text(a));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, a);
  }
  EXPECT_EQ(actor_text(operator_actor()), "operator");
  ASSERT_TRUE(parse_actor("operator").ok());
  EXPECT_EQ(*parse_actor("operator"), operator_actor());
  EXPECT_FALSE(parse_actor("").ok());
  EXPECT_FALSE(parse_actor("insurer").ok());  // a certificate role needs its id
  EXPECT_FALSE(parse_actor("insurer:").ok());
  EXPECT_FALSE(parse_actor("Insurer:06139999").ok());
  EXPECT_FALSE(parse_actor(":06139999").ok());
}

// R-CONF-1: how the patient was identified is part of the confirmation's record.
TEST(AuditEvents, IdentityChecksHaveOneNameEach) {
  for (IdentityCheck c :
       {IdentityCheck::kNumbers, IdentityCheck::kPin, IdentityCheck::kFace, IdentityCheck::kVisual})
    EXPECT_EQ(parse_identity_check(identity_check_name(c)), c);
  EXPECT_FALSE(parse_identity_check("PIN").has_value());
  EXPECT_FALSE(parse_identity_check("").has_value());
}


// R-CONF-5: a clinical load round-trips through the log's strings, for each role that loads.
TEST(AuditEvents, ClinicalLoadRoundTrips) {
  const ClinicalLoad loads[] = {
      {Actor{core::Role::kReviewer, "shiharai-01"}, "medication", 120, 3, 2, ""},
      {Actor{core::Role::kInsurer, "06139992"}, "checkups", 5, 0, 1, ""},
      {operator_actor(), "treatments", 7, 0, 0, "treatments 2025.csv"}};
  for (const ClinicalLoad& l : loads) {
    AuditEvent e = encode(l);
    EXPECT_EQ(e.action, "clinical.load");
    auto back = decode(e.actor, e.action, e.subject, e.detail);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(std::get<ClinicalLoad>(*back) == l);
  }
  auto wrong = decode("institution:1310112345", "clinical.load", "",
                      R"({"kind":"medication","accepted":1,"unchanged":0,"rejected":0})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "E_AUDIT_ENTRY");
}

}  // namespace
}  // namespace onshi::security
