// Confirmation by My Number card end to end over real HTTPS with an institution certificate
// (R-CONF-1, R-CONF-4, R-CONF-5): POST /v1/card/challenges, the card signs at the "reader",
// POST /v1/card/confirmations answers the result as JSON or as the OQSsiquc01res document.
// Also: the refusals as problem+json, the method and serial in the audit log, the My Number
// in none of the responses, and 初回登録 at the reader (R-CARD-1): POST /v1/card/links.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

#include "card/card.h"
#include "card_helpers.h"
#include "core/date.h"
#include "security/temp_dir.h"
#include "serve/service_fixture.h"

namespace onshi::card {
namespace {

using serve::testing::kClinic;
using serve::testing::RunningService;
namespace json = boost::json;

class CardServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new RunningService("card-service");
    ASSERT_TRUE(service_->ok());
    // Cards are issued after the service started: the verifier picks the new J-LIS CA up.
    auto db = testing::open_db(service_->dir());
    ASSERT_TRUE(db);
    IssueOptions o;
    o.my_number = number();
    o.pin = "1234";
    o.label = "試験 花子";
    ASSERT_TRUE(issue(service_->dir(), *db, o, linked_file()).ok());
    testing::register_person(service_->dir(), number(), testing::qualification("100", "20200401"));
    auto q2 = testing::qualification("101", "20100401", "20200401");  // an older, lost one
    testing::register_person(service_->dir(), number(), q2);
    ASSERT_TRUE(link(service_->dir(), *db, linked_file(), "1234").ok());
    o.my_number = testing::my_number("55555555555");  // nobody registered under this one
    ASSERT_TRUE(issue(service_->dir(), *db, o, unlinked_file()).ok());
    // A card for 初回登録 at the reader; its holder has a qualification.
    o.my_number = reader_number();
    o.label = "試験 読取";
    ASSERT_TRUE(issue(service_->dir(), *db, o, reader_file()).ok());
    auto q3 = testing::qualification("200", "20200401");
    q3.insured_card_symbol = "34";
    testing::register_person(service_->dir(), reader_number(), q3);
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  static std::string number() { return testing::my_number("12345678901"); }
  static std::filesystem::path linked_file() { return service_->dir() / "linked.card"; }
  static std::filesystem::path unlinked_file() { return service_->dir() / "unlinked.card"; }
  static std::string reader_number() { return testing::my_number("22222222222"); }
  static std::filesystem::path reader_file() { return service_->dir() / "reader.card"; }

  // Asks for a challenge as `who`, has the card sign it, returns the confirmation body.
  json::object presentation(http::Client& client, const std::filesystem::path& card_file,
                            Method method, const std::string& pin = "") {
    auto res = client.request("POST", "/v1/card/challenges", "{}");
    EXPECT_TRUE(res.ok());
    if (!res.ok()) return {};
    record(res->body);
    EXPECT_EQ(res->status, 200) << res->body;
    json::object c = json::parse(res->body).as_object();
    EXPECT_EQ(c.at("expiresInSeconds").as_int64(), 120);
    auto card = Card::load(card_file);
    EXPECT_TRUE(card.ok());
    auto p = card->present(std::string(c.at("challenge").as_string()), method, pin);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().code);
    if (!p.ok()) return {};
    return json::object{{"challenge", p->challenge},
                        {"certificate", p->certificate_pem},
                        {"signature", p->signature},
                        {"method", std::string(method_name(method))}};
  }
  Result<http::ClientResponse> post(http::Client& client, const json::object& body,
                                    const std::string& target = "/v1/card/confirmations") {
    auto r = client.request("POST", target, json::serialize(body));
    if (r.ok()) record(r->body);
    return r;
  }
  // R-CONF-1: every response of this suite is checked — the My Number is in none of them.
  static void record(const std::string& body) {
    EXPECT_EQ(body.find(number()), std::string::npos) << body;
    EXPECT_EQ(body.find(testing::my_number("55555555555")), std::string::npos) << body;
    EXPECT_EQ(body.find(reader_number()), std::string::npos) << body;
  }
  // The audit entries of `action`, as "actor subject detail" (the log commits in groups: waits,
  // bounded, until at least `want` are there).
  static std::vector<std::string> audited(const std::string& action, size_t want) {
    std::vector<std::string> found;
    auto st = store::open_sqlite(store::store_path(service_->dir()));
    EXPECT_TRUE(st.ok());
    if (!st.ok()) return found;
    for (int i = 0; i < 500 && found.size() < want; ++i) {
      found.clear();
      EXPECT_TRUE((*st)->scan_audit(1, [&](const store::AuditEntry& e) {
        if (e.action == action) found.push_back(e.actor + " " + e.subject + " " + e.detail);
        return true;
      }).ok());
      if (found.size() < want) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return found;
  }

  static RunningService* service_;
};
RunningService* CardServiceTest::service_ = nullptr;

// R-CONF-1, R-CONF-5: PIN, medication and health-check consent; the covering qualification
// only, ReferenceClassification 1, no search echo, a service-made file identifier.
TEST_F(CardServiceTest, ConfirmsByPinOverHttpsAsJson) {
  auto client = service_->client("clinic");
  auto body = presentation(client, linked_file(), Method::kPin, "1234");
  body["consent"] = json::object{{"medication", true}, {"healthCheckup", true}};
  body["confirmationDate"] = "20250415";
  auto res = post(client, body);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->status, 200) << res->body;
  json::object r = json::parse(res->body).as_object();
  EXPECT_EQ(testing::js(r.at("referenceClassification")), "1");
  EXPECT_EQ(testing::js(r.at("qualificationValidity")), "1");
  EXPECT_EQ(testing::js(r.at("qualificationConfirmationDate")), "20250415");
  EXPECT_EQ(testing::js(r.at("medicalInstitutionCode")), kClinic);
  EXPECT_FALSE(r.contains("qualificationConfirmSearchInfo"));
  const std::string fid(r.at("arbitraryFileIdentifier").as_string());
  EXPECT_FALSE(fid.empty());
  EXPECT_LE(fid.size(), 50u);
  ASSERT_EQ(r.at("resultList").as_array().size(), 1u);
  const json::object& item = r.at("resultList").as_array()[0].as_object();
  EXPECT_EQ(testing::js(item.at("insuredIdentificationNumber")), "100");
  EXPECT_EQ(testing::js(item.at("pharmacistsInfoConsFlg")), "1");
  EXPECT_EQ(testing::js(item.at("specificHealthCheckupsInfoConsFlg")), "1");
  EXPECT_EQ(testing::js(item.at("limitApplicationCertificateRelatedConsFlg")), "0");
  EXPECT_EQ(testing::js(item.at("diagnosisInfoConsFlg")), "0");
  EXPECT_TRUE(item.contains("pharmacistsInfoAvailableTime"));
  EXPECT_FALSE(item.contains("limitApplicationCertificateRelatedConsTime"));
}

// R-CONF-1, R-CONF-4: the face-file document, UTF-8, with the consents the patient gave.
TEST_F(CardServiceTest, ConfirmsByFaceAsTheXmlDocument) {
  auto client = service_->client("clinic");
  auto body = presentation(client, linked_file(), Method::kFace);
  body["consent"] = json::object{{"limitApplication", true}};
  auto res = post(client, body, "/v1/card/confirmations?format=xml");
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->content_type.find("xml"), std::string::npos);
  const std::string& x = res->body;
  EXPECT_NE(x.find("encoding=\"UTF-8\""), std::string::npos);
  EXPECT_NE(x.find("<ReferenceClassification>1</ReferenceClassification>"), std::string::npos);
  EXPECT_NE(x.find("<QualificationValidity>1</QualificationValidity>"), std::string::npos);
  EXPECT_NE(x.find("<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>"),
            std::string::npos);
  EXPECT_NE(x.find("<LimitApplicationCertificateRelatedConsTime>"), std::string::npos);
  EXPECT_NE(x.find("<PharmacistsInfoConsFlg>0</PharmacistsInfoConsFlg>"), std::string::npos);
  EXPECT_EQ(x.find("QualificationConfirmSearchInfo"), std::string::npos);
  EXPECT_EQ(x.find("<ResultOfQualificationConfirmation>"),
            x.rfind("<ResultOfQualificationConfirmation>"));  // exactly one
  EXPECT_NE(x.find("<QualificationConfirmationDate>" + core::Date::today_jst().yyyymmdd()),
            std::string::npos);
}

// R-CONF-1: the method and the card serial are in the audit entry of the read.
TEST_F(CardServiceTest, MethodAndSerialAreAudited) {
  auto client = service_->client("clinic");
  auto body = presentation(client, linked_file(), Method::kVisual);
  auto res = post(client, body);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string serial = Card::load(linked_file())->serial();
  auto st = store::open_sqlite(store::store_path(service_->dir()));
  ASSERT_TRUE(st.ok());
  // The audit log commits in groups; wait for the entry (bounded), then look at it.
  std::string found;
  for (int i = 0; i < 500 && found.empty(); ++i) {
    ASSERT_TRUE((*st)->scan_audit(1, [&](const store::AuditEntry& e) {
      if (e.action == "confirm" && e.detail.find("\"method\":\"visual\"") != std::string::npos)
        found = e.actor + " " + e.subject + " " + e.detail;
      return true;
    }).ok());
    if (found.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(found.empty()) << "no audit entry with method visual";
  EXPECT_NE(found.find(std::string("institution:") + kClinic), std::string::npos) << found;
  EXPECT_NE(found.find("\"cardSerial\":\"" + serial + "\""), std::string::npos) << found;
  EXPECT_NE(found.find("\"referenceClassification\":\"1\""), std::string::npos) << found;
  EXPECT_EQ(found.find(number()), std::string::npos);
}

// R-CARD-1: no 初回登録, no confirmation — 403 with the code and the guidance.
TEST_F(CardServiceTest, UnlinkedCardIsRefusedWith403) {
  auto client = service_->client("clinic");
  auto res = post(client, presentation(client, unlinked_file(), Method::kFace));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->content_type.find("problem+json"), std::string::npos);
  json::object p = json::parse(res->body).as_object();
  EXPECT_EQ(testing::js(p.at("code")), "E_CARD_NOT_LINKED");
  EXPECT_NE(std::string(p.at("detail").as_string()).find("初回登録"), std::string::npos);
}

// R-CONF-1: a challenge asked by one institution cannot be answered by another.
TEST_F(CardServiceTest, AnotherInstitutionsChallengeIsRefused) {
  auto clinic = service_->client("clinic");
  auto other = service_->client("other");
  auto body = presentation(clinic, linked_file(), Method::kFace);
  auto res = post(other, body);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(testing::js(json::parse(res->body).at("code")), "E_CARD_CHALLENGE");
  auto again = post(clinic, body);  // spent by the refused attempt
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 403);
  EXPECT_EQ(testing::js(json::parse(again->body).at("code")), "E_CARD_CHALLENGE");
}

// Malformed bodies are 400 with the field; only institutions may call.
TEST_F(CardServiceTest, MalformedBodiesAre400AndOtherRolesAre403) {
  auto client = service_->client("clinic");
  struct Case {
    std::string body, code, field;
  };
  auto good = presentation(client, linked_file(), Method::kFace);
  json::object no_sig = good;
  no_sig.erase("signature");
  json::object bad_method = good;
  bad_method["method"] = "fingerprint";
  json::object bad_consent = good;
  bad_consent["consent"] = json::object{{"medication", "yes"}};
  json::object bad_date = good;
  bad_date["confirmationDate"] = "20250231";
  json::object extra = good;
  extra["myNumber"] = "x";
  const Case cases[] = {
      {"{", "E_JSON_SYNTAX", ""},
      {"[]", "E_JSON_TYPE", ""},
      {json::serialize(no_sig), "E_MISSING", "signature"},
      {json::serialize(bad_method), "E_CODE", "method"},
      {json::serialize(bad_consent), "E_JSON_TYPE", "consent.medication"},
      {json::serialize(bad_date), "E_DATE_INVALID", "confirmationDate"},
      {json::serialize(extra), "E_JSON_UNKNOWN_FIELD", "myNumber"},
  };
  for (const auto& c : cases) {
    auto res = client.request("POST", "/v1/card/confirmations", c.body);
    ASSERT_TRUE(res.ok());
    record(res->body);
    EXPECT_EQ(res->status, 400) << c.body;
    json::object p = json::parse(res->body).as_object();
    EXPECT_EQ(testing::js(p.at("code")), c.code) << c.body;
    EXPECT_EQ(p.contains("field") ? testing::js(p.at("field")) : "", c.field) << c.body;
  }
  auto insurer = service_->client("insurer");
  auto res = insurer.request("POST", "/v1/card/challenges", "{}");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
}

// R-CONF-1: the My Number is in no response, successful or refused, JSON or XML.
TEST_F(CardServiceTest, MyNumberIsInNoResponse) {
  auto client = service_->client("clinic");
  std::string all;
  for (const char* target : {"/v1/card/confirmations", "/v1/card/confirmations?format=xml"}) {
    auto res = post(client, presentation(client, linked_file(), Method::kFace), target);
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->status, 200);
    all += res->body;
  }
  auto refused = post(client, presentation(client, unlinked_file(), Method::kFace));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 403);
  all += refused->body;
  EXPECT_NE(all.find("試験　花子"), std::string::npos);  // the person's data did come back
  EXPECT_EQ(all.find(number()), std::string::npos);
  EXPECT_EQ(all.find(testing::my_number("55555555555")), std::string::npos);
}

// R-CARD-1: 初回登録 at an institution's card reader — the card answers a challenge after the
// PIN, POST /v1/card/links links it; again is 200 too; both are audited by serial; the card
// then confirms.
TEST_F(CardServiceTest, LinksAtTheReaderThenConfirms) {
  auto client = service_->client("clinic");
  const std::string serial = Card::load(reader_file())->serial();
  auto before = post(client, presentation(client, reader_file(), Method::kPin, "1234"));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->status, 403);
  EXPECT_EQ(testing::js(json::parse(before->body).at("code")), "E_CARD_NOT_LINKED");

  auto res = post(client, presentation(client, reader_file(), Method::kPin, "1234"), "/v1/card/links");
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->status, 200) << res->body;
  json::object r = json::parse(res->body).as_object();
  EXPECT_EQ(r.at("linked"), true);
  EXPECT_EQ(testing::js(r.at("serial")), serial);
  EXPECT_EQ(r.at("alreadyLinked"), false);

  auto again = post(client, presentation(client, reader_file(), Method::kPin, "1234"), "/v1/card/links");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(json::parse(again->body).at("alreadyLinked"), true);

  auto confirmed = post(client, presentation(client, reader_file(), Method::kPin, "1234"));
  ASSERT_TRUE(confirmed.ok());
  ASSERT_EQ(confirmed->status, 200) << confirmed->body;
  json::object c = json::parse(confirmed->body).as_object();
  EXPECT_EQ(testing::js(c.at("qualificationValidity")), "1");
  ASSERT_EQ(c.at("resultList").as_array().size(), 1u);
  EXPECT_EQ(testing::js(c.at("resultList").as_array()[0].at("insuredCardSymbol")), "34");

  auto entries = audited("card.link", 2);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_NE(entries[0].find(std::string("institution:") + kClinic), std::string::npos) << entries[0];
  EXPECT_NE(entries[0].find("\"cardSerial\":\"" + serial + "\""), std::string::npos) << entries[0];
  EXPECT_NE(entries[0].find("\"alreadyLinked\":false"), std::string::npos) << entries[0];
  EXPECT_NE(entries[1].find("\"alreadyLinked\":true"), std::string::npos) << entries[1];
  for (const auto& e : entries) EXPECT_EQ(e.find(reader_number()), std::string::npos) << e;
}

// R-CARD-1: 初回登録 needs the PIN — a face or visual check is refused (400, field method), and
// the body has no consent or date; the card stays unlinked.
TEST_F(CardServiceTest, LinkNeedsThePin) {
  auto client = service_->client("clinic");
  for (Method m : {Method::kFace, Method::kVisual}) {
    auto res = post(client, presentation(client, unlinked_file(), m), "/v1/card/links");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->status, 400) << res->body;
    EXPECT_NE(res->content_type.find("problem+json"), std::string::npos);
    json::object p = json::parse(res->body).as_object();
    EXPECT_EQ(testing::js(p.at("code")), "E_CODE");
    EXPECT_EQ(testing::js(p.at("field")), "method");
    EXPECT_NE(testing::js(p.at("detail")).find("暗証番号"), std::string::npos) << res->body;
  }
  auto body = presentation(client, unlinked_file(), Method::kPin, "1234");
  body["consent"] = json::object{{"medication", true}};
  auto extra = post(client, body, "/v1/card/links");
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ(extra->status, 400);
  EXPECT_EQ(testing::js(json::parse(extra->body).at("code")), "E_JSON_UNKNOWN_FIELD");
  auto still = post(client, presentation(client, unlinked_file(), Method::kFace));
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(testing::js(json::parse(still->body).at("code")), "E_CARD_NOT_LINKED");
}

// R-CARD-1: nobody registered under the holder → 403 E_CARD_NO_QUALIFICATION, still unlinked.
TEST_F(CardServiceTest, LinkWithoutQualificationIsRefused) {
  auto client = service_->client("clinic");
  auto res = post(client, presentation(client, unlinked_file(), Method::kPin, "1234"), "/v1/card/links");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(testing::js(json::parse(res->body).at("code")), "E_CARD_NO_QUALIFICATION");
  auto still = post(client, presentation(client, unlinked_file(), Method::kFace));
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(testing::js(json::parse(still->body).at("code")), "E_CARD_NOT_LINKED");
}

// R-CARD-1: a challenge asked by one institution cannot be used for 初回登録 at another; only
// institutions may call.
TEST_F(CardServiceTest, LinkWithAnotherInstitutionsChallengeIsRefused) {
  auto clinic = service_->client("clinic");
  auto other = service_->client("other");
  auto res = post(other, presentation(clinic, linked_file(), Method::kPin, "1234"), "/v1/card/links");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(testing::js(json::parse(res->body).at("code")), "E_CARD_CHALLENGE");
  auto insurer = service_->client("insurer");
  auto denied = insurer.request("POST", "/v1/card/links", "{}");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 403);
}

}  // namespace
}  // namespace onshi::card
