// The rules of clinical access as values and through Gatekeeper::authorize on a real
// database of every backend (R-CONF-5): role scopes, the pharmacy rule, the consent windows by
// care setting, prefectures, and the gate's order — account, role, consent, disaster — with
// each decision in the audit log as a typed record.
#include <gtest/gtest.h>

#include "access/access.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::access {
namespace {

using onshi::testing::TestDatabase;
constexpr int64_t kHour = 3600LL * 1000000;
const std::string kPerson(32, '\x05');

TEST(AccessRules, RolesCategoriesWindowsPrefectures) {  // R-CONF-5
  EXPECT_FALSE(role_may_view(ProfessionalRole::kReception, Category::kMedication));
  EXPECT_TRUE(role_may_view(ProfessionalRole::kDentist, Category::kSurgery));
  EXPECT_TRUE(role_may_view(ProfessionalRole::kPharmacist, Category::kTreatment));
  EXPECT_FALSE(role_may_view(ProfessionalRole::kPharmacist, Category::kSurgery));
  EXPECT_EQ(*parse_role("薬剤師"), ProfessionalRole::kPharmacist);
  EXPECT_EQ(parse_role("nurse").error().code, "E_ACCOUNT_ROLE");
  EXPECT_EQ(*parse_category("SRJ"), Category::kTreatment);
  EXPECT_EQ(*parse_category("checkup"), Category::kHealthCheckup);
  EXPECT_EQ(*consent_window_us("1"), 24 * kHour);
  EXPECT_EQ(*consent_window_us("4"), 24 * kHour);
  EXPECT_EQ(*consent_window_us("2"), 30 * 24 * kHour);
  EXPECT_EQ(consent_window_us("5").error().code, "E_CODE");
  EXPECT_EQ(*parse_prefectures("14,13,1"), (std::vector<std::string>{"01", "13", "14"}));
  for (const char* bad : {"", "48", "00", "13,13", "1a", "13,", "013"})
    EXPECT_EQ(parse_prefectures(bad).error().code, "E_PREFECTURE") << bad;
  EXPECT_TRUE(is_pharmacy("1340112345"));
  EXPECT_FALSE(is_pharmacy("1310112345"));
  std::string link = "\x01\xff";
  EXPECT_EQ(person_link_hex(link), "01ff");
  EXPECT_EQ(parse_person_link_hex(std::string(64, 'A')).value(), std::string(32, '\xaa'));
  EXPECT_EQ(parse_person_link_hex("abc").error().code, "E_PERSON_LINK");
}

class GateTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    auto db = store::open_store(tdb_.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    audit_ = std::make_unique<security::AuditLog>(db_->members());
    GateOptions o;
    o.disaster_cache = std::chrono::milliseconds(0);
    gate_ = std::make_unique<Gatekeeper>(db_->access(), *audit_, o);
    ASSERT_TRUE(register_account(db_->access(), *audit_, "1310112345", "dr", "doctor"));
    ASSERT_TRUE(register_account(db_->access(), *audit_, "1310112345", "desk", "受付"));
    ASSERT_TRUE(register_account(db_->access(), *audit_, "1340112345", "ph", "pharmacist"));
  }
  Decision ask(const std::string& institution, const std::string& account, Category c,
               int64_t now = 0) {
    return gate_->authorize({institution, account, kPerson, c, "test", now});
  }
  TestDatabase tdb_{GetParam()};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<security::AuditLog> audit_;
  std::unique_ptr<Gatekeeper> gate_;
};

// R-CONF-5: a pharmacy registers pharmacists and reception, never doctors; ids are checked.
TEST_P(GateTest, AccountRegistrationRules) {
  EXPECT_EQ(register_account(db_->access(), *audit_, "1340112345", "d", "doctor").error().code,
            "E_ACCOUNT_ROLE");
  EXPECT_EQ(register_account(db_->access(), *audit_, "1310112345", "", "doctor").error().code,
            "E_ACCOUNT_ID");
  auto removed = remove_account(db_->access(), *audit_, "1310112345", "nobody");
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
}

// R-CONF-5: the gate's order and answers, each audited.
TEST_P(GateTest, ConsentRoleAndDisaster) {
  const int64_t now = core::now_unix_us();
  ReaderConsent c{kPerson, "1310112345", "0A",
                  "1",     now - kHour,  {Category::kMedication, Category::kSurgery}};
  ASSERT_TRUE(record_consents(db_->access(), c));
  ReaderConsent p{kPerson, "1340112345", "0A", "1", now - kHour, {Category::kSurgery}};
  ASSERT_TRUE(record_consents(db_->access(), p));

  Decision ok = ask("1310112345", "dr", Category::kMedication);
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.basis, "consent");
  EXPECT_EQ(ok.role, "doctor");
  EXPECT_EQ(ask("1310112345", "desk", Category::kMedication).refusal.code, "E_ACCOUNT_ROLE");
  EXPECT_EQ(ask("1310112345", "", Category::kMedication).refusal.code, "E_ACCOUNT_MISSING");
  EXPECT_EQ(ask("1340112345", "ph", Category::kSurgery).refusal.code, "E_ACCOUNT_ROLE");
  EXPECT_EQ(ask("1310112345", "dr", Category::kTreatment).refusal.code, "E_CONSENT_NONE");
  // 25 hours later the outpatient consent has ended.
  Decision late = ask("1310112345", "dr", Category::kMedication, now + 24 * kHour);
  EXPECT_EQ(late.refusal.code, "E_CONSENT_EXPIRED");
  EXPECT_EQ(late.expiry_reason, "0");

  // 災害時 in 13: treatment without consent; not checkups; not in 34.
  auto id = declare_disaster(db_->access(), *audit_, {"13"}, now - kHour, now + kHour, "");
  ASSERT_TRUE(id.ok()) << id.error().message;
  Decision d = ask("1310112345", "dr", Category::kTreatment);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.basis, "disaster");
  EXPECT_EQ(ask("1310112345", "dr", Category::kHealthCheckup).refusal.code, "E_CONSENT_NONE");
  EXPECT_EQ(ask("1310112345", "desk", Category::kTreatment).refusal.code, "E_ACCOUNT_ROLE");
  EXPECT_EQ(declare_disaster(db_->access(), *audit_, {"13"}, now, now, "").error().code,
            "E_DISASTER_PERIOD");
  ASSERT_TRUE(end_disaster(db_->access(), *audit_, *id));
  EXPECT_EQ(end_disaster(db_->access(), *audit_, *id).error().code, "E_DISASTER_UNKNOWN");
  EXPECT_EQ(ask("1310112345", "dr", Category::kTreatment).refusal.code, "E_CONSENT_NONE");

  // The audit: a typed record per decision, the person in hex, never anything else of them.
  ASSERT_TRUE(audit_->flush());
  int views = 0, refusals = 0, disasters = 0;
  ASSERT_TRUE(db_->members().scan_audit(1, [&](const store::AuditEntry& e) {
    auto r = security::decode(e);
    EXPECT_TRUE(r.ok()) << e.action << " " << r.error().message;
    if (!r.ok()) return true;
    if (auto* a = std::get_if<security::ClinicalAccess>(&*r)) {
      (a->allowed ? views : refusals)++;
      EXPECT_EQ(a->person, person_link_hex(kPerson));
      EXPECT_EQ(e.subject, "person:" + person_link_hex(kPerson));
      if (a->allowed) EXPECT_FALSE(a->basis.empty());
      if (!a->allowed) EXPECT_FALSE(a->code.empty());
    }
    if (std::holds_alternative<security::DisasterChange>(*r)) ++disasters;
    return true;
  }));
  EXPECT_EQ(views, 2);
  EXPECT_EQ(refusals, 8);
  EXPECT_EQ(disasters, 2);
}

// R-CONF-5: the audit records of clinical access round-trip through encode and decode.
TEST(AccessAudit, RecordsRoundTrip) {
  std::vector<security::AuditRecord> records = {
      security::ClinicalAccess{"1310112345", "ab", "dr", "doctor", "YZK", "medication", true, "",
                               "consent"},
      security::ClinicalAccess{"1310112345", "", "", "", "SRJ", "consentStatus", false,
                               "E_ACCOUNT_MISSING", ""},
      security::ConsentWithdrawal{security::operator_actor(), "ab", "", "TKK", "2", 1},
      security::DisasterChange{security::operator_actor(), 3, true, "13,14", "20250401000000",
                               "20250402000000", "訓練"},
      security::AccountChange{"1310112345", "dr", "doctor", false},
      security::AccountChange{"1310112345", "dr", "", true}};
  for (const auto& rec : records) {
    auto e = security::encode(rec);
    auto back = security::decode(e.actor, e.action, e.subject, e.detail);
    ASSERT_TRUE(back.ok()) << e.action << " " << back.error().message;
    EXPECT_TRUE(*back == rec) << e.action << " " << e.detail;
  }
  auto bad = security::decode("insurer:06130488", "clinical.view", "person:ab", "{}");
  EXPECT_EQ(bad.error().code, "E_AUDIT_ENTRY");
}

INSTANTIATE_TEST_SUITE_P(Backends, GateTest, ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::access
