// The central service on PostgreSQL (issue 12 §3): `onshi serve` with its state in a test
// database, driven over real HTTPS exactly as on SQLite — an insurer registers members, an
// institution confirms in XML and JSON (with and without 枝番, a member onshi does not know) —
// and the same requests sent to a second service on SQLite must get byte-identical answers
// apart from the processing timestamps. Afterwards both audit chains verify and hold the
// same number of entries. And when the database goes away under the running service, requests
// answer E_STORE (XML SegmentOfResult 9, problem+json 503) promptly, and the service recovers
// by itself when it returns (issue 12 "Bad input and faults"; a private cluster of its own).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "security/audit.h"
#include "serve/service_fixture.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::serve {
namespace {

using testing::kClinic;
using testing::kInsurer;

std::string member_json(const std::string& number, const std::string& extra = "") {
  return std::string("{\"insurerNumber\":\"") + kInsurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"１２３\",\"insuredIdentificationNumber\":\"" +
         number +
         "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
         "\"insuredName\":\"試験　一郎\",\"name\":\"試験　一郎\",\"nameKana\":\"シケン　イチロウ\","
         "\"sex1\":\"1\",\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\","
         "\"postNumber\":\"100-0013\",\"address\":\"東京都千代田区霞が関１－２－３\"" +
         extra + "}";
}

std::string xml_request(const std::string& number, const std::string& branch) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<XmlMsg><MessageHeader>"
         "<QualificationConfirmationDate>20250415</QualificationConfirmationDate>"
         "<MedicalInstitutionCode>" +
         std::string(kClinic) +
         "</MedicalInstitutionCode>"
         "<ArbitraryFileIdentifier>f-1</ArbitraryFileIdentifier></MessageHeader><MessageBody>"
         "<QualificationConfirmSearchInfo><InsurerNumber>" +
         kInsurer +
         "</InsurerNumber>"
         "<InsuredCardSymbol>１２３</InsuredCardSymbol>"
         "<InsuredIdentificationNumber>" +
         number + "</InsuredIdentificationNumber>" +
         (branch.empty() ? "" : "<InsuredBranchNumber>" + branch + "</InsuredBranchNumber>") +
         "<Birthdate>19800515</Birthdate>"
         "<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>"
         "</QualificationConfirmSearchInfo></MessageBody></XmlMsg>";
}

std::string json_request(const std::string& number) {
  return std::string(
             "{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
         kClinic + "\",\"insurerNumber\":\"" + kInsurer +
         "\",\"insuredCardSymbol\":\"123\",\"insuredIdentificationNumber\":\"" + number +
         "\",\"insuredBranchNumber\":\"01\",\"birthdate\":\"19800515\","
         "\"limitApplicationCertificateRelatedConsFlg\":\"1\"}";
}

// The answer with its processing timestamps (YYYYMMDDhhmmss) blanked.
std::string without_times(const std::string& body) {
  static const std::regex kStamp("20[0-9]{12}");
  return std::regex_replace(body, kStamp, "<time>");
}

struct Exchange {
  const char* path;
  std::string body;
  const char* content_type;
};

// Sends every exchange to `svc` and returns the answers (status and body, times blanked).
std::vector<std::string> answers(testing::RunningService& svc,
                                 const std::vector<Exchange>& exchanges) {
  auto c = svc.client("clinic");
  std::vector<std::string> out;
  for (const auto& x : exchanges) {
    auto r = c.request("POST", x.path, x.body, x.content_type);
    EXPECT_TRUE(r.ok()) << r.error().message;
    out.push_back(r.ok() ? std::to_string(r->status) + " " + without_times(r->body) : "failed");
  }
  return out;
}

void register_members(testing::RunningService& svc) {
  std::string limit =
      ",\"limitApplication\":{\"limitApplicationCertificateClassification\":\"01\","
      "\"limitApplicationCertificateClassificationFlag\":\"A03\","
      "\"limitApplicationCertificateDate\":\"20240401\","
      "\"limitApplicationCertificateValidStartDate\":\"20240401\","
      "\"limitApplicationCertificateValidEndDate\":\"20260331\"}";
  std::string body = "[" + member_json("4567", ",\"myNumber\":\"123456789018\"" + limit) + "," +
                     member_json("4568") + "]";
  auto r = svc.client("insurer").request("POST", "/v1/registrations", body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("\"accepted\":2"), std::string::npos) << r->body;
  auto again = svc.client("insurer").request("POST", "/v1/registrations", body);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->body.find("\"unchanged\":2"), std::string::npos) << again->body;
}

int64_t verified_entries(const std::string& url) {
  auto db = store::open_store(url);
  EXPECT_TRUE(db.ok()) << db.error().message;
  if (!db.ok()) return -1;
  auto report = security::verify_audit((*db)->members());
  EXPECT_TRUE(report.ok());
  if (!report.ok()) return -1;
  EXPECT_TRUE(report->ok) << report->problem;
  return report->entries;
}

// Issue 12 §3, R-CONF-2, R-CONF-4: registration and confirmation over HTTPS with the state on
// PostgreSQL answer byte-identically to SQLite, and the audit chain verifies.
TEST(ServiceOnPostgres, SameAnswersAsSqliteAndAuditVerifies) {
  onshi::testing::TestDatabase pg("postgresql"), lite("sqlite");
  ONSHI_REQUIRE_DATABASE(pg);
  std::vector<Exchange> exchanges{
      {"/xml/OQSsiquc01", xml_request("4567", "01"), "application/xml"},
      {"/xml/OQSsiquc01", xml_request("4568", ""), "application/xml"},    // without 枝番
      {"/xml/OQSsiquc01", xml_request("9999", "01"), "application/xml"},  // not known
      {"/v1/qualification-confirmations", json_request("4567"), "application/json"},
      {"/v1/qualification-confirmations", json_request("9999"), "application/json"},
  };
  auto on_pg = std::make_unique<testing::RunningService>("svc-on-pg", pg.url());
  ASSERT_TRUE(on_pg->ok());
  auto on_sqlite = std::make_unique<testing::RunningService>("svc-on-sqlite", lite.url());
  ASSERT_TRUE(on_sqlite->ok());

  register_members(*on_pg);
  register_members(*on_sqlite);
  auto from_pg = answers(*on_pg, exchanges);
  auto from_sqlite = answers(*on_sqlite, exchanges);
  ASSERT_EQ(from_pg.size(), exchanges.size());
  for (size_t i = 0; i < exchanges.size(); ++i)
    EXPECT_EQ(from_pg[i], from_sqlite[i]) << "exchange " << i;
  EXPECT_NE(from_pg[0].find("<SegmentOfResult>1</SegmentOfResult>"), std::string::npos)
      << from_pg[0];
  EXPECT_NE(from_pg[0].find("A03"), std::string::npos) << from_pg[0];  // consent given
  EXPECT_NE(from_pg[3].find("\"qualificationValidity\":\"1\""), std::string::npos) << from_pg[3];
  EXPECT_EQ(from_pg[0].find("123456789018"), std::string::npos);  // never a My Number

  // Stopping the services flushes their audit logs; then both chains verify, alike in length.
  on_pg.reset();
  on_sqlite.reset();
  int64_t pg_entries = verified_entries(pg.url());
  EXPECT_GE(pg_entries, static_cast<int64_t>(exchanges.size()));
  EXPECT_EQ(pg_entries, verified_entries(lite.url()));
}

// Runs scripts/pg-test.sh; returns its first output line ("ok" when it printed nothing), or
// "" when it failed.
std::string pg_test(const std::string& args) {
  std::string cmd = std::string(ONSHI_SOURCE_DIR) + "/scripts/pg-test.sh " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[512] = {0};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  if (pclose(p) != 0) return "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.empty() ? "ok" : out;
}

// Issue 12 faults: the database stops while the service runs → E_STORE answers at once
// (XML SegmentOfResult 9, JSON 503, registration 503); it starts again → answers as before.
TEST(ServiceOnPostgres, DatabaseGoesAwayAndComesBack) {
  if (onshi::testing::test_pg_base_url().empty()) GTEST_SKIP() << "no PostgreSQL test cluster";
  char tmpl[] = "/tmp/onshi-svc-restart.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, url = pg_test("start " + dir);
  ASSERT_FALSE(url.empty()) << "could not start a private cluster";
  {
    testing::RunningService svc("svc-pg-restart", url);
    ASSERT_TRUE(svc.ok());
    register_members(svc);
    auto c = svc.client("clinic");
    ASSERT_EQ(c.request("POST", "/v1/qualification-confirmations", json_request("4567"))->status,
              200);

    ASSERT_EQ(pg_test("halt " + dir), "ok");
    auto t0 = std::chrono::steady_clock::now();
    auto j = c.request("POST", "/v1/qualification-confirmations", json_request("4567"));
    ASSERT_TRUE(j.ok()) << j.error().message;
    EXPECT_EQ(j->status, 503) << j->body;
    EXPECT_NE(j->body.find("E_STORE"), std::string::npos) << j->body;
    auto x = c.request("POST", "/xml/OQSsiquc01", xml_request("4567", "01"), "application/xml");
    ASSERT_TRUE(x.ok());
    EXPECT_NE(x->body.find("<SegmentOfResult>9</SegmentOfResult>"), std::string::npos) << x->body;
    EXPECT_NE(x->body.find("E_STORE"), std::string::npos) << x->body;
    auto reg =
        svc.client("insurer").request("POST", "/v1/registrations", "[" + member_json("4569") + "]");
    ASSERT_TRUE(reg.ok());
    EXPECT_EQ(reg->status, 503) << reg->body;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));

    ASSERT_EQ(pg_test("resume " + dir), "ok");
    auto back = c.request("POST", "/v1/qualification-confirmations", json_request("4567"));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->status, 200) << back->body;
    auto reg2 =
        svc.client("insurer").request("POST", "/v1/registrations", "[" + member_json("4569") + "]");
    ASSERT_TRUE(reg2.ok());
    EXPECT_EQ(reg2->status, 200) << reg2->body;
  }
  pg_test("stop " + dir);
}

}  // namespace
}  // namespace onshi::serve
