// The central service end to end over real HTTPS on 127.0.0.1 (port 0): certificates from
// onshi's own CA, registration by an insurer, confirmation by an institution in XML (UTF-8
// and Shift_JIS) and JSON, role and identity checks, malformed input, and the privacy rule
// that a My Number never comes back.
#include "serve/service.h"
#include "serve/service_fixture.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <filesystem>

#include "core/text.h"
#include "http/client.h"
#include "security/audit.h"
#include "security/ca.h"
#include "store/store.h"

namespace onshi::serve {
namespace {

namespace fs = std::filesystem;
using testing::kClinic;
using testing::kInsurer;
using testing::kOther;
const char* kMyNumber = "123456789018";

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    svc_ = new testing::RunningService("serve");
    ASSERT_TRUE(svc_->ok());
  }
  static void TearDownTestSuite() {
    delete svc_;
    svc_ = nullptr;
  }

  static http::Client client(const std::string& who) { return svc_->client(who); }

  static std::string member_json(const std::string& number, const std::string& extra = "") {
    return std::string("{\"insurerNumber\":\"") + kInsurer +
           "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
           "\"insuredCardSymbol\":\"１２３\",\"insuredIdentificationNumber\":\"" + number +
           "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
           "\"insuredName\":\"試験　一郎\",\"name\":\"試験　一郎\",\"nameKana\":\"シケン　イチロウ\","
           "\"sex1\":\"1\",\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\","
           "\"postNumber\":\"100-0013\",\"address\":\"東京都千代田区霞が関１－２－３\"" + extra + "}";
  }

  static std::string request_xml(const std::string& number, const std::string& consent = "1",
                                 const std::string& institution = kClinic,
                                 const std::string& encoding = "UTF-8") {
    return "<?xml version=\"1.0\" encoding=\"" + encoding +
           "\" standalone=\"no\"?>\n<XmlMsg><MessageHeader>"
           "<QualificationConfirmationDate>20250415</QualificationConfirmationDate>"
           "<MedicalInstitutionCode>" + institution + "</MedicalInstitutionCode>"
           "<ArbitraryFileIdentifier>f-1</ArbitraryFileIdentifier></MessageHeader><MessageBody>"
           "<QualificationConfirmSearchInfo><InsurerNumber>" + kInsurer + "</InsurerNumber>"
           "<InsuredCardSymbol>１２３</InsuredCardSymbol>"
           "<InsuredIdentificationNumber>" + number + "</InsuredIdentificationNumber>"
           "<InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>19800515</Birthdate>"
           "<LimitApplicationCertificateRelatedConsFlg>" + consent +
           "</LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo>"
           "</MessageBody></XmlMsg>";
  }

  static std::string text_of(const std::string& xml, const char* xpath) {
    pugi::xml_document d;
    if (!d.load_string(xml.c_str())) return "<unparsable>";
    return d.select_node(xpath).node().text().as_string();
  }

  void register_members() {
    auto c = client("insurer");
    std::string limit =
        ",\"limitApplication\":{\"limitApplicationCertificateClassification\":\"01\","
        "\"limitApplicationCertificateClassificationFlag\":\"A03\","
        "\"limitApplicationCertificateDate\":\"20240401\","
        "\"limitApplicationCertificateValidStartDate\":\"20240401\","
        "\"limitApplicationCertificateValidEndDate\":\"20260331\"}";
    std::string body = "[" + member_json("4567", ",\"myNumber\":\"" + std::string(kMyNumber) + "\"" + limit) + "," +
                       member_json("4568") + "]";
    auto r = c.request("POST", "/v1/registrations", body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 200) << r->body;
    ASSERT_NE(r->body.find("\"rejected\":0"), std::string::npos) << r->body;
  }

  static testing::RunningService* svc_;
};
testing::RunningService* ServiceTest::svc_ = nullptr;

// R-REG-1: an insurer registers over HTTPS; per-record errors; a re-send changes nothing.
TEST_F(ServiceTest, RegistrationOverHttps) {
  auto c = client("insurer");
  std::string second = member_json("7002");
  second.replace(second.find("19800515"), 8, "19801340");  // an impossible birth date
  std::string body = "{\"records\":[" + member_json("7001") + "," + second + "]}";
  auto r = c.request("POST", "/v1/registrations", body);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("\"accepted\":1"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("\"rejected\":1"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("\"row\":1"), std::string::npos) << r->body;
  auto again = c.request("POST", "/v1/registrations", "[" + member_json("7001") + "]");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->body.find("\"unchanged\":1"), std::string::npos) << again->body;
}

// R-INST-1: an insurer may register only its own insurer number; institutions may not register.
TEST_F(ServiceTest, RegistrationIsLimitedToTheInsurersOwnNumber) {
  auto c = client("insurer");
  std::string foreign = member_json("7100");
  foreign.replace(foreign.find(kInsurer), 8, "01130012");
  auto r = c.request("POST", "/v1/registrations", "[" + foreign + "]");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("E_FORBIDDEN_INSURER"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("\"accepted\":0"), std::string::npos) << r->body;
  auto clinic = client("clinic");
  auto f = clinic.request("POST", "/v1/registrations", "[" + member_json("7101") + "]");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->status, 403);
  EXPECT_NE(f->content_type.find("problem+json"), std::string::npos);
}

TEST_F(ServiceTest, MalformedRegistrationBodies) {
  auto c = client("insurer");
  auto r = c.request("POST", "/v1/registrations", "{not json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("E_JSON_SYNTAX"), std::string::npos);
  auto t = c.request("POST", "/v1/registrations", "{\"records\":3}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, 400);
  auto n = c.request("POST", "/v1/registrations", "[{\"insurerNumber\":6130488}]");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->status, 200);
  EXPECT_NE(n->body.find("E_JSON_TYPE"), std::string::npos) << n->body;
}

// R-CONF-2, R-CONF-3, R-CONF-4: XML confirmation with consent shows the limit certificate.
TEST_F(ServiceTest, XmlConfirmationWithAndWithoutConsent) {
  register_members();
  auto c = client("clinic");
  auto r = c.request("POST", "/xml/OQSsiquc01", request_xml("4567", "1"), "application/xml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/SegmentOfResult"), "1") << r->body;
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/CharacterCodeIdentifier"), "0");
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageBody/QualificationValidity"), "1");
  EXPECT_EQ(text_of(r->body, "//ResultOfQualificationConfirmation/InsurerNumber"), kInsurer);
  EXPECT_EQ(text_of(r->body, "//ResultOfQualificationConfirmation/NameKana"), "ｼｹﾝ ｲﾁﾛｳ");
  EXPECT_EQ(text_of(r->body, "//LimitApplicationCertificateRelatedInfo/LimitApplicationCertificateClassificationFlag"),
            "A03");
  auto no = c.request("POST", "/xml/OQSsiquc01", request_xml("4567", "0"), "application/xml");
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(text_of(no->body, "/XmlMsg/MessageBody/QualificationValidity"), "1");
  EXPECT_EQ(no->body.find("LimitApplicationCertificateRelatedInfo"), std::string::npos);
  // Privacy: the My Number registered for this member never comes back.
  EXPECT_EQ(r->body.find(kMyNumber), std::string::npos);
  EXPECT_EQ(no->body.find(kMyNumber), std::string::npos);
}

// Receipt computers send Shift_JIS; the answer is UTF-8 with CharacterCodeIdentifier 0.
TEST_F(ServiceTest, ShiftJisRequest) {
  register_members();
  auto sjis = core::utf8_to_shift_jis(request_xml("4568", "0", kClinic, "Shift_JIS"));
  ASSERT_TRUE(sjis.ok());
  auto r = client("clinic").request("POST", "/xml/OQSsiquc01", *sjis, "application/xml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageBody/QualificationValidity"), "1") << r->body;
}

// Malformed or invalid requests: SegmentOfResult 9 with a stable ErrorCode, never a crash.
TEST_F(ServiceTest, XmlErrorsAreInBand) {
  auto c = client("clinic");
  struct Case {
    std::string body, code;
  } cases[] = {
      {"<XmlMsg><MessageHeader>", "E_XML_SYNTAX"},
      {"<Other/>", "E_XML_STRUCTURE"},
      {request_xml("4567", "1", "3410712362"), "E_INSTITUTION_MISMATCH"},
      {request_xml("4567", "7"), "E_CODE"},
      {"", "E_XML_SYNTAX"},
  };
  for (const auto& k : cases) {
    auto r = c.request("POST", "/xml/OQSsiquc01", k.body, "application/xml");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/SegmentOfResult"), "9") << k.code << r->body;
    EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/ErrorCode"), k.code) << r->body;
    EXPECT_FALSE(text_of(r->body, "/XmlMsg/MessageHeader/ErrorMessage").empty());
  }
  auto ok = c.request("GET", "/healthz");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

// The JSON twin: results in JSON, errors as problem+json.
TEST_F(ServiceTest, JsonConfirmation) {
  register_members();
  auto c = client("clinic");
  std::string req = std::string("{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
                    kClinic + "\",\"insurerNumber\":\"" + kInsurer +
                    "\",\"insuredCardSymbol\":\"123\",\"insuredIdentificationNumber\":\"4567\","
                    "\"insuredBranchNumber\":\"01\",\"birthdate\":\"19800515\","
                    "\"limitApplicationCertificateRelatedConsFlg\":\"0\"}";
  auto r = c.request("POST", "/v1/qualification-confirmations", req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("\"qualificationValidity\":\"1\""), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find(kMyNumber), std::string::npos);
  std::string bad = req;
  bad.replace(bad.find("19800515"), 8, "1980051");
  auto e = c.request("POST", "/v1/qualification-confirmations", bad);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, 400);
  EXPECT_NE(e->content_type.find("application/problem+json"), std::string::npos);
  EXPECT_NE(e->body.find("\"field\":\"Birthdate\""), std::string::npos) << e->body;
  auto syn = c.request("POST", "/v1/qualification-confirmations", "{");
  ASSERT_TRUE(syn.ok());
  EXPECT_EQ(syn->status, 400);
  // Another institution's code in the body: refused.
  std::string other = req;
  other.replace(other.find(kClinic), 10, "3410712362");
  auto m = c.request("POST", "/v1/qualification-confirmations", other);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, 403);
}

// R-INST-1: only institutions confirm; an insurer's certificate is refused.
TEST_F(ServiceTest, RolesAreEnforced) {
  auto r = client("insurer").request("POST", "/xml/OQSsiquc01", request_xml("4567"), "application/xml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403);
}

TEST_F(ServiceTest, HealthAndMetrics) {
  auto c = client("clinic");
  auto h = c.request("GET", "/healthz");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  c.request("POST", "/xml/OQSsiquc01", request_xml("4567"), "application/xml");
  auto m = c.request("GET", "/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("onshi_http_requests_total"), std::string::npos);
  EXPECT_NE(m->body.find("onshi_audit_committed_total"), std::string::npos);
}

}  // namespace
}  // namespace onshi::serve
