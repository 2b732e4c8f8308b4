// The bulk inquiry (一括照会) over real HTTPS on 127.0.0.1 (port 0): OQSmuquc01 answers a
// ReceptionNumber, OQSmuquc02 hands back one BulkConfirmUnit per patient with the validity
// as registered; only the requesting institution may fetch the result; unknown numbers,
// malformed documents and Shift_JIS requests.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <filesystem>

#include "core/text.h"
#include "http/client.h"
#include "oqs/messages.h"
#include "security/ca.h"
#include "serve/service.h"
#include "serve/service_fixture.h"

namespace onshi::serve {
namespace {

namespace fs = std::filesystem;
using testing::kClinic;
using testing::kInsurer;
using testing::kOther;

class BulkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    svc_ = new testing::RunningService("bulk");
    ASSERT_TRUE(svc_->ok());
    auto c = client("insurer");
    auto r = c.request("POST", "/v1/registrations", "[" + member("4567") + "," + member("4568") + "]");
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->body.find("\"accepted\":2"), std::string::npos) << r->body;
  }
  static void TearDownTestSuite() {
    delete svc_;
    svc_ = nullptr;
  }

  static http::Client client(const std::string& who) { return svc_->client(who); }

  static std::string member(const std::string& number) {
    return std::string("{\"insurerNumber\":\"") + kInsurer +
           "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
           "\"insuredCardSymbol\":\"１２３\",\"insuredIdentificationNumber\":\"" + number +
           "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
           "\"insuredName\":\"試験　一郎\",\"name\":\"試験　一郎\",\"nameKana\":\"シケン　イチロウ\","
           "\"sex1\":\"1\",\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\"}";
  }

  static oqs::SearchInfo search(const std::string& number, const std::string& id) {
    oqs::SearchInfo s;
    s.insurer_number = kInsurer;
    s.insured_card_symbol = "１２３";
    s.insured_identification_number = number;
    s.insured_branch_number = "01";
    s.birthdate = "19800515";
    s.limit_application_certificate_related_cons_flg = "0";
    s.arbitrary_identifier = id;
    return s;
  }

  static std::string bulk_xml(core::Encoding enc, const std::string& institution = kClinic) {
    oqs::BulkRequest req;
    req.header.qualification_confirmation_date = "20250416";
    req.header.medical_institution_code = institution;
    req.header.arbitrary_file_identifier = "BULK-1";
    req.searches = {search("4567", "p1"), search("9999", "p2"), search("4568", "p3")};
    req.searches[1].birthdate = "19801340";  // invalid entry: a unit with status 2
    auto x = oqs::write_bulk_request_xml(req, enc);
    EXPECT_TRUE(x.ok());
    return *x;
  }

  static std::string fetch_xml(const std::string& number, const std::string& institution = kClinic) {
    auto x = oqs::write_bulk_result_request_xml({institution, number}, core::Encoding::kUtf8);
    EXPECT_TRUE(x.ok());
    return *x;
  }

  static std::string text_of(const std::string& xml, const char* xpath) {
    pugi::xml_document d;
    if (!d.load_string(xml.c_str())) return "<unparsable>";
    return d.select_node(xpath).node().text().as_string();
  }

  // Sends a bulk request and returns its reception number.
  static std::string submit(const std::string& body) {
    auto r = client("clinic").request("POST", "/xml/OQSmuquc01", body, "application/xml");
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    auto receipt = oqs::parse_bulk_receipt_xml(r->body);
    EXPECT_TRUE(receipt.ok()) << r->body;
    return receipt.ok() ? receipt->reception_number : "";
  }

  static testing::RunningService* svc_;
};
testing::RunningService* BulkTest::svc_ = nullptr;

// R-CONF-2: the bulk round trip; each patient judged like a single request.
TEST_F(BulkTest, RoundTripGivesOneUnitPerPatient) {
  const std::string number = submit(bulk_xml(core::Encoding::kUtf8));
  ASSERT_EQ(number.size(), 16u) << number;
  auto r = client("clinic").request("POST", "/xml/OQSmuquc02", fetch_xml(number), "application/xml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  auto result = oqs::parse_bulk_result_xml(r->body);
  ASSERT_TRUE(result.ok()) << r->body;
  EXPECT_EQ(result->header.segment_of_result, "1");
  EXPECT_EQ(result->header.reception_number, number);
  EXPECT_EQ(result->header.number_of_processing_result, "3");
  EXPECT_EQ(result->header.number_of_normal_processing, "2");
  EXPECT_EQ(result->header.number_of_error, "1");
  ASSERT_EQ(result->units.size(), 3u);
  EXPECT_EQ(result->units[0].search.arbitrary_identifier, "p1");
  EXPECT_EQ(result->units[0].processing_result_status, "1");
  EXPECT_EQ(result->units[0].qualification_validity, "1");
  ASSERT_EQ(result->units[0].results.size(), 1u);
  EXPECT_EQ(result->units[0].results[0].qualification.insurer_number, kInsurer);
  EXPECT_EQ(result->units[1].processing_result_status, "2");
  EXPECT_FALSE(result->units[1].processing_result_code.empty());
  EXPECT_EQ(result->units[2].qualification_validity, "1");
  EXPECT_EQ(text_of(r->body, "//BulkConfirmUnit/ResultList/ResultOfQualificationConfirmation/NameKana"),
            "ｼｹﾝ ｲﾁﾛｳ");
}

// R-CONF-2: an unregistered card is 4 該当資格なし in its unit.
TEST_F(BulkTest, UnregisteredPatientIsValidity4) {
  oqs::BulkRequest req;
  req.header = {"20250416", kClinic, ""};
  req.searches = {search("4567", "a"), search("5555", "b")};
  auto x = oqs::write_bulk_request_xml(req, core::Encoding::kUtf8);
  ASSERT_TRUE(x.ok());
  const std::string number = submit(*x);
  auto r = client("clinic").request("POST", "/xml/OQSmuquc02", fetch_xml(number), "application/xml");
  ASSERT_TRUE(r.ok());
  auto result = oqs::parse_bulk_result_xml(r->body);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->units.size(), 2u);
  EXPECT_EQ(result->units[0].qualification_validity, "1");
  EXPECT_EQ(result->units[1].qualification_validity, "4") << r->body;
}

// R-CONF-2: receipt computers send Shift_JIS.
TEST_F(BulkTest, ShiftJisRequest) {
  const std::string number = submit(bulk_xml(core::Encoding::kShiftJis));
  EXPECT_EQ(number.size(), 16u);
}

// R-INST-1: only the institution that made the request gets the result.
TEST_F(BulkTest, AnotherInstitutionIsRefused) {
  const std::string number = submit(bulk_xml(core::Encoding::kUtf8));
  auto other = client("other");
  auto r = other.request("POST", "/xml/OQSmuquc02", fetch_xml(number, kOther), "application/xml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/SegmentOfResult"), "9") << r->body;
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/ErrorCode"), "E_RECEPTION_NOT_FOUND");
  EXPECT_EQ(r->body.find("BulkConfirmUnit"), std::string::npos);
  auto m = other.request("POST", "/xml/OQSmuquc02", fetch_xml(number, kClinic), "application/xml");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(text_of(m->body, "/XmlMsg/MessageHeader/ErrorCode"), "E_INSTITUTION_MISMATCH");
  auto i = client("insurer").request("POST", "/xml/OQSmuquc02", fetch_xml(number), "application/xml");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->status, 403);
  // A bulk request in another institution's name is refused as a whole.
  auto b = client("clinic").request("POST", "/xml/OQSmuquc01", bulk_xml(core::Encoding::kUtf8, kOther),
                                    "application/xml");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(text_of(b->body, "/XmlMsg/MessageHeader/ErrorCode"), "E_INSTITUTION_MISMATCH");
}

TEST_F(BulkTest, UnknownReceptionNumber) {
  auto r = client("clinic").request("POST", "/xml/OQSmuquc02", fetch_xml("2099010199999999"),
                                    "application/xml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/SegmentOfResult"), "9");
  EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/ErrorCode"), "E_RECEPTION_NOT_FOUND");
  EXPECT_FALSE(text_of(r->body, "/XmlMsg/MessageHeader/ErrorMessage").empty());
}

// Malformed documents: SegmentOfResult 9 with a stable ErrorCode, never a crash.
TEST_F(BulkTest, MalformedDocumentsAreAnsweredInBand) {
  auto c = client("clinic");
  struct Case {
    const char* path;
    std::string body, code;
  } cases[] = {
      {"/xml/OQSmuquc01", "<XmlMsg><MessageHeader>", "E_XML_SYNTAX"},
      {"/xml/OQSmuquc01", "", "E_XML_SYNTAX"},
      {"/xml/OQSmuquc01", "<Other/>", "E_XML_STRUCTURE"},
      {"/xml/OQSmuquc01",
       std::string("<XmlMsg><MessageHeader><QualificationConfirmationDate>20250416"
                   "</QualificationConfirmationDate><MedicalInstitutionCode>") + kClinic +
           "</MedicalInstitutionCode></MessageHeader><MessageBody/></XmlMsg>",
       "E_XML_MISSING"},
      {"/xml/OQSmuquc02", "<XmlMsg><MessageHeader/><MessageBody/></XmlMsg>", "E_XML_MISSING"},
      {"/xml/OQSmuquc02", "not xml", "E_XML_SYNTAX"},
  };
  for (const auto& k : cases) {
    auto r = c.request("POST", k.path, k.body, "application/xml");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/SegmentOfResult"), "9") << k.code << r->body;
    EXPECT_EQ(text_of(r->body, "/XmlMsg/MessageHeader/ErrorCode"), k.code) << r->body;
  }
  auto ok = c.request("GET", "/healthz");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

}  // namespace
}  // namespace onshi::serve
