// 医療扶助 over HTTPS (issue 15 points 1, 2, 3, 7): a welfare office's certificate registers
// recipients and tickets under its own number and reads its view and quality report; insurers
// and institutions cannot write them; every bad record answers with field, code and Japanese
// message and changes nothing; every write and read is in the audit log. Run on SQLite and on
// PostgreSQL (when the test cluster is there), with real mTLS on 127.0.0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "security/audit_events.h"
#include "service_fixture.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::serve {
namespace {

namespace json = boost::json;
using testing::RunningService;

constexpr const char* kOffice = "12131017";
constexpr const char* kOtherOffice = "12130019";
constexpr const char* kPharmacy = "1340040128";

std::string recipient(const std::string& office, const std::string& number,
                      const std::string& start = "20240101", const std::string& end = "") {
  return "{\"insurerNumber\":\"" + office + "\",\"insurerName\":\"千代田区福祉事務所\"," +
         "\"insuredIdentificationNumber\":\"" + number + "\",\"name\":\"扶助　太郎\"," +
         "\"nameKana\":\"ﾌｼﾞｮ ﾀﾛｳ\",\"sex1\":\"1\",\"birthdate\":\"19600505\"," +
         "\"qualificationDate\":\"" + start + "\"" +
         (end.empty() ? "" : ",\"disqualificationDate\":\"" + end + "\"") +
         ",\"myNumber\":\"123456789018\"}";
}

// A 医療券 of April 2025 designating the clinic; `extra` replaces or adds members.
std::string ticket(const std::string& number, const std::string& issue,
                   const std::string& extra = "") {
  std::string t = "{\"insurerNumber\":\"" + std::string(kOffice) +
                  "\",\"insuredIdentificationNumber\":\"" + number +
                  "\",\"ticketType\":\"01\",\"medicalTicketValidDate\":\"20250401\","
                  "\"medicalTicketExpirationDate\":\"20250430\",\"issueNumber\":\"" +
                  issue +
                  "\",\"medicalTreatmentMonth\":\"202504\","
                  "\"designatedMedicalInstitutionCode\":\"" +
                  std::string(testing::kClinic) +
                  "\",\"designatedMedicalInstitutionName\":\"試験クリニック\","
                  "\"injuryName1\":\"高血圧症\",\"medicalTreatmentType\":\"02\","
                  "\"selfPayAmount\":\"0\",\"singleOrCombinedUse\":\"01\"" +
                  extra + "}";
  return t;
}

// The ticket with another TicketType.
std::string with_type(std::string t, const std::string& type) {
  const std::string from = "\"ticketType\":\"01\"";
  return t.replace(t.find(from), from.size(), "\"ticketType\":\"" + type + "\"");
}

json::object parse(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return ec || !v.is_object() ? json::object{} : v.as_object();
}

// The first error of a report: "field code".
std::string first_error(const json::object& report) {
  const auto& errors = report.at("errors").as_array();
  if (errors.empty()) return "";
  const auto& e = errors[0].as_object();
  return std::string(e.at("field").as_string()) + " " + std::string(e.at("code").as_string());
}

class MedicalAidService : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<onshi::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (ONSHI_TEST_PG_URL)";
    svc_ = std::make_unique<RunningService>("aid-" + GetParam(),
                                            GetParam() == "sqlite" ? "" : db_->url());
    ASSERT_TRUE(svc_->ok());
    ASSERT_TRUE(security::issue_client(svc_->dir(), security::Role::kWelfareOffice, kOffice,
                                       svc_->dir() / "office")
                    .ok());
    ASSERT_TRUE(security::issue_client(svc_->dir(), security::Role::kWelfareOffice, kOtherOffice,
                                       svc_->dir() / "other-office")
                    .ok());
  }
  http::ClientResponse call(const std::string& who, const std::string& method,
                            const std::string& target, const std::string& body = "") {
    auto r = svc_->client(who).request(method, target, body);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : http::ClientResponse{};
  }
  json::object post(const std::string& target, const std::string& body) {
    auto r = call("office", "POST", target, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  int64_t tickets_now() {
    auto r = call("office", "GET", std::string("/v1/medical-aid/tickets?insurerNumber=") + kOffice);
    return static_cast<int64_t>(parse(r.body).at("tickets").as_array().size());
  }
  std::unique_ptr<onshi::testing::TestDatabase> db_;
  std::unique_ptr<RunningService> svc_;
};

// R-AID-1, issue 15 points 2 and 3: recipients then tickets, each bad record with its field,
// code and Japanese message and nothing of it stored; a re-send changes nothing.
TEST_P(MedicalAidService, RecipientsAndTicketsWithPerRecordErrors) {
  auto r = post("/v1/medical-aid/recipients",
                "[" + recipient(kOffice, "1234566") + "," +
                    recipient(kOffice, "0000018", "20240101", "20250410") + "," +
                    recipient(kOffice, "1234567") + "]");  // wrong check digit
  EXPECT_EQ(r.at("accepted").as_int64(), 2);
  EXPECT_EQ(r.at("rejected").as_int64(), 1);
  EXPECT_EQ(first_error(r), "InsuredIdentificationNumber E_CHECK_DIGIT");
  EXPECT_EQ(post("/v1/medical-aid/recipients", "[" + recipient(kOffice, "1234566") + "]")
                .at("unchanged")
                .as_int64(),
            1);

  auto t = post("/v1/medical-aid/tickets", "[" + ticket("1234566", "0000123") + "]");
  EXPECT_EQ(t.at("accepted").as_int64(), 1) << json::serialize(t);
  struct Bad {
    std::string body, field, code;
  } bad[] = {
      {ticket("9999996", "1"), "InsuredIdentificationNumber", "E_RECIPIENT_NOT_FOUND"},
      {ticket("0000018", "2"), "MedicalTicketExpirationDate", "E_TICKET_PERIOD"},  // 廃止 0410
      {with_type(ticket("1234566", "3"), "09"), "TicketType", "E_CODE"},
      {ticket("1234566", "4", ",\"statusOfSocialInsurance\":\"05\""), "StatusOfSocialInsurance",
       "E_CODE"},
      {ticket("1234566", "5", ",\"prescriptionIssuerMedicalInstitutionCode\":\"1310112346\""),
       "PrescriptionIssuerMedicalInstitutionCode", "E_CHECK_DIGIT"},
      {"{\"insurerNumber\":\"12131017\",\"insuredIdentificationNumber\":\"1234566\","
       "\"ticketType\":\"02\",\"medicalTicketValidDate\":\"20250401\","
       "\"medicalTicketExpirationDate\":\"20250531\",\"issueNumber\":\"6\","
       "\"medicalTreatmentMonth\":\"202504\",\"designatedMedicalInstitutionCode\":\"" +
           std::string(kPharmacy) + "\"}",
       "MedicalTicketExpirationDate", "E_TICKET_MONTH"},
      {ticket("1234566", "7").replace(ticket("1234566", "7").find(kOffice), 8, kOtherOffice),
       "InsurerNumber", "E_FORBIDDEN_OFFICE"},
  };
  for (const auto& b : bad) {
    auto rep = post("/v1/medical-aid/tickets", "[" + b.body + "]");
    EXPECT_EQ(rep.at("rejected").as_int64(), 1) << b.code << " " << json::serialize(rep);
    const auto& errors = rep.at("errors").as_array();
    ASSERT_FALSE(errors.empty()) << b.code;
    bool found = false;
    for (const auto& e : errors) {
      const auto& o = e.as_object();
      if (o.at("code").as_string() != b.code) continue;
      found = true;
      if (!b.field.empty()) {
        EXPECT_EQ(o.at("field").as_string(), b.field) << b.code;
      }
      const std::string msg(o.at("message").as_string());
      EXPECT_TRUE(std::any_of(msg.begin(), msg.end(),
                              [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }))
          << "a Japanese message: " << msg;
    }
    EXPECT_TRUE(found) << b.code << " " << json::serialize(rep);
  }
  EXPECT_EQ(tickets_now(), 1);  // nothing of the bad rows was stored

  // A changed ticket is a new version; the same one again is unchanged.
  auto changed = post("/v1/medical-aid/tickets",
                      "[" + ticket("1234566", "0000123", ",\"selfPayAmount\":\"1200\"") + "]");
  EXPECT_EQ(changed.at("accepted").as_int64(), 1);
  auto same = post("/v1/medical-aid/tickets",
                   "[" + ticket("1234566", "0000123", ",\"selfPayAmount\":\"1200\"") + "]");
  EXPECT_EQ(same.at("unchanged").as_int64(), 1);
  EXPECT_EQ(tickets_now(), 1);
}

// Issue 15 point 1: insurers and institutions may not write recipients or tickets, and an
// office neither writes nor reads under another office's number.
TEST_P(MedicalAidService, OnlyTheOfficeItselfWritesAndReads) {
  for (const char* who : {"insurer", "clinic"}) {
    for (const char* target : {"/v1/medical-aid/recipients", "/v1/medical-aid/tickets"}) {
      auto r = call(who, "POST", target, "[" + recipient(kOffice, "1234566") + "]");
      EXPECT_EQ(r.status, 403) << who << " " << target;
      EXPECT_NE(r.body.find("E_FORBIDDEN_ROLE"), std::string::npos) << r.body;
    }
  }
  auto foreign = post("/v1/medical-aid/recipients", "[" + recipient(kOtherOffice, "1234566") + "]");
  EXPECT_EQ(first_error(foreign), "InsurerNumber E_FORBIDDEN_OFFICE");
  EXPECT_EQ(foreign.at("accepted").as_int64(), 0);
  auto read = call("office", "GET",
                   std::string("/v1/medical-aid/recipients?insurerNumber=") + kOtherOffice);
  EXPECT_EQ(read.status, 403);
  EXPECT_NE(read.body.find("E_FORBIDDEN_OFFICE"), std::string::npos);
  // The other office sees nothing of this one's recipients.
  auto list = call("other-office", "GET",
                   std::string("/v1/medical-aid/recipients?insurerNumber=") + kOtherOffice);
  EXPECT_EQ(parse(list.body).at("recipients").as_array().size(), 0u);
}

// Issue 15 point 7, R-AID-1: the office's view (recipients, tickets, confirmations) and its
// quality report; each read and write is a typed audit record.
TEST_P(MedicalAidService, OfficeViewQualityReportAndAudit) {
  post("/v1/medical-aid/recipients",
       "[" + recipient(kOffice, "1234566") + "," + recipient(kOffice, "0000018") + "]");
  post("/v1/medical-aid/tickets", "[" + ticket("1234566", "0000123") + "]");

  auto list = parse(
      call("office", "GET", std::string("/v1/medical-aid/recipients?insurerNumber=") + kOffice)
          .body);
  ASSERT_EQ(list.at("recipients").as_array().size(), 2u);
  EXPECT_EQ(json::serialize(list).find("123456789018"), std::string::npos);  // no My Number
  auto one = parse(call("office", "GET",
                        std::string("/v1/medical-aid/recipients?insurerNumber=") + kOffice +
                            "&insuredIdentificationNumber=1234566")
                       .body);
  const auto& rec = one.at("recipient").as_object();
  EXPECT_EQ(rec.at("tickets").as_array().size(), 1u);
  EXPECT_EQ(rec.at("versions").as_array().size(), 1u);
  EXPECT_TRUE(rec.at("confirmations").is_array());
  auto missing = call("office", "GET",
                      std::string("/v1/medical-aid/recipients?insurerNumber=") + kOffice +
                          "&insuredIdentificationNumber=9999996");
  EXPECT_EQ(missing.status, 404);

  auto report = parse(
      call("office", "GET", std::string("/v1/quality/medical-aid?insurerNumber=") + kOffice).body);
  const auto& summary = report.at("summary").as_object();
  EXPECT_EQ(summary.at("recipients").as_int64(), 2);
  // Both share one My Number: one person under two 受給者番号.
  EXPECT_EQ(summary.at("duplicateRecipients").as_int64(), 1);
  EXPECT_EQ(report.at("duplicateRecipients").as_array()[0].as_object().at("code").as_string(),
            "DUPLICATE_RECIPIENT");

  auto db = store::open_store(GetParam() == "sqlite" ? store::sqlite_url(svc_->dir()) : db_->url());
  ASSERT_TRUE(db.ok()) << db.error().message;
  std::map<std::string, int> actions;
  ASSERT_TRUE((*db)->members().scan_audit(1, [&](const store::AuditEntry& e) {
    auto rec = security::decode(e);
    EXPECT_TRUE(rec.ok()) << e.action;
    if (rec.ok() && (std::holds_alternative<security::MedicalAidRegistration>(*rec) ||
                     std::holds_alternative<security::MedicalAidView>(*rec)))
      ++actions[e.action + (std::holds_alternative<security::MedicalAidView>(*rec)
                                ? ":" + std::get<security::MedicalAidView>(*rec).view
                                : ":" + std::get<security::MedicalAidRegistration>(*rec).kind)];
    return true;
  }));
  EXPECT_EQ(actions["medicalAid.register:recipients"], 1);
  EXPECT_EQ(actions["medicalAid.register:tickets"], 1);
  EXPECT_EQ(actions["medicalAid.view:recipients"], 1);
  EXPECT_EQ(actions["medicalAid.view:recipient"], 1);
  EXPECT_EQ(actions["medicalAid.view:quality"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, MedicalAidService,
                         ::testing::ValuesIn(onshi::testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace onshi::serve
