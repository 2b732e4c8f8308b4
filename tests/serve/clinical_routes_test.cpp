// POST /v1/clinical/{kind} over real mTLS (R-CONF-5; issue 16 point 1), on every backend:
// a reviewer loads medication, treatments and prescriptions, an insurer the checkups of its
// own members only; every other role is refused; malformed bodies answer problem+json; each
// load is one audit entry.
#include <gtest/gtest.h>

#include "security/audit_events.h"
#include "security/ca.h"
#include "serve/service_fixture.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::serve {
namespace {

std::string member_json(const char* insurer, const char* number, const char* my_number) {
  return std::string("{\"insurerNumber\":\"") + insurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"" + number +
         "\",\"insuredBranchNumber\":\"00\",\"personalFamilyClassification\":\"1\","
         "\"name\":\"試験　一郎\",\"nameKana\":\"シケン　イチロウ\",\"sex1\":\"1\","
         "\"birthdate\":\"19700101\",\"qualificationDate\":\"20180401\",\"myNumber\":\"" +
         my_number + "\"}";
}

std::string checkup_json(const char* insurer, const char* number) {
  return std::string("{\"insurerNumber\":\"") + insurer +
         "\",\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"" + number +
         "\",\"insuredBranchNumber\":\"00\",\"effectiveTime\":\"20240610\","
         "\"itemCode\":\"3F077000002327101\",\"itemName\":\"LDLコレステロール\","
         "\"dataType\":\"PQ\",\"dataValue\":\"142\",\"unit\":\"mg/dL\","
         "\"referenceRangeHigh\":\"119\",\"judgement\":\"H\"}";
}

const char* const kMedication =
    R"([{"insurerNumber":"06130488","insuredCardSymbol":"12","insuredIdentificationNumber":"501",
        "insuredBranchNumber":"00","dispensingDate":"20250301",
        "medicalInstitutionCode":"1340140126","medicalInstitutionName":"さくら薬局",
        "institutionClassification":"4","drugC":"622083601","drugN":"アムロジピン錠5mg",
        "qua1":1,"unit":"錠","usageN":"1日1回朝食後","times":28},
       {"insurerNumber":"06130488","insuredCardSymbol":"12","insuredIdentificationNumber":"999",
        "insuredBranchNumber":"00","dispensingDate":"20250301",
        "medicalInstitutionCode":"1340140126","medicalInstitutionName":"さくら薬局",
        "institutionClassification":"4","drugC":"622083601","drugN":"アムロジピン錠5mg",
        "qua1":1,"unit":"錠","times":28}])";

class ClinicalRoutesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    svc_ = std::make_unique<testing::RunningService>("clinical-" + GetParam(), tdb_.url());
    ASSERT_TRUE(svc_->ok());
    ASSERT_TRUE(security::issue_client(svc_->dir(), security::Role::kReviewer, "REV01",
                                       svc_->dir() / "reviewer")
                    .ok());
    ASSERT_TRUE(security::issue_client(svc_->dir(), security::Role::kInsurer, "131045",
                                       svc_->dir() / "kokuho")
                    .ok());
    post_ok("insurer", "/v1/registrations", "[" + member_json("06130488", "501", "987654321018") + "]");
    post_ok("kokuho", "/v1/registrations", "[" + member_json("131045", "777", "112233445560") + "]");
  }
  http::ClientResponse post(const std::string& who, const std::string& path,
                            const std::string& body) {
    auto r = svc_->client(who).request("POST", path, body);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : http::ClientResponse{};
  }
  void post_ok(const std::string& who, const std::string& path, const std::string& body) {
    auto r = post(who, path, body);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_NE(r.body.find("\"rejected\":0"), std::string::npos) << r.body;
  }
  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<testing::RunningService> svc_;
};

// R-CONF-5: a reviewer loads medication with per-record errors; a re-send changes nothing;
// other roles are refused the route.
TEST_P(ClinicalRoutesTest, ReviewerLoadsMedication) {
  auto r = post("reviewer", "/v1/clinical/medication", kMedication);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"row\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("E_CLINICAL_QUALIFICATION"), std::string::npos) << r.body;
  auto again = post("reviewer", "/v1/clinical/medication", kMedication);
  EXPECT_NE(again.body.find("\"unchanged\":1"), std::string::npos) << again.body;

  for (const char* who : {"insurer", "clinic"}) {
    auto refused = post(who, "/v1/clinical/medication", kMedication);
    EXPECT_EQ(refused.status, 403) << who;
    EXPECT_NE(refused.body.find("E_FORBIDDEN_ROLE"), std::string::npos) << refused.body;
  }
  auto bad = post("reviewer", "/v1/clinical/treatments", "[{");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("E_JSON_SYNTAX"), std::string::npos) << bad.body;
  auto shape = post("reviewer", "/v1/clinical/prescriptions", "{\"rows\":[]}");
  EXPECT_EQ(shape.status, 400);
  EXPECT_NE(shape.body.find("E_JSON_TYPE"), std::string::npos) << shape.body;
  EXPECT_EQ(post("reviewer", "/v1/clinical/unknown", "[]").status, 404);

  auto db = store::open_store(tdb_.url());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->clinical().count_records(store::ClinicalKind::kMedication), 1);
}

// Issue 16 point 1: an insurer posts checkups of its own members; one for another insurer's
// member is refused and stores nothing; a reviewer may not post checkups. Each load is
// audited with the counts.
TEST_P(ClinicalRoutesTest, InsurerPostsOnlyItsOwnMembersCheckups) {
  auto mine = post("insurer", "/v1/clinical/checkups", "[" + checkup_json("06130488", "501") + "]");
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_NE(mine.body.find("\"accepted\":1"), std::string::npos) << mine.body;
  auto theirs =
      post("insurer", "/v1/clinical/checkups", "[" + checkup_json("131045", "777") + "]");
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_NE(theirs.body.find("\"accepted\":0"), std::string::npos) << theirs.body;
  EXPECT_NE(theirs.body.find("E_FORBIDDEN_INSURER"), std::string::npos) << theirs.body;
  EXPECT_EQ(post("reviewer", "/v1/clinical/checkups", "[]").status, 403);

  svc_.reset();  // stops the service: its audit entries are flushed
  auto db = store::open_store(tdb_.url());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->clinical().count_records(store::ClinicalKind::kCheckup), 1);
  std::vector<security::ClinicalLoad> loads;
  ASSERT_TRUE((*db)->members().scan_audit(1, [&](const store::AuditEntry& e) {
    auto r = security::decode(e);
    if (r.ok())
      if (auto* l = std::get_if<security::ClinicalLoad>(&*r)) loads.push_back(*l);
    return true;
  }));
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[0].actor, (security::Actor{core::Role::kInsurer, "06130488"}));
  EXPECT_EQ(loads[0].kind, "checkups");
  EXPECT_EQ(loads[0].accepted, 1);
  EXPECT_EQ(loads[1].rejected, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClinicalRoutesTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::serve
