// The JSON twins of the HTTPS API: strict request parsing (strings only, no unknown keys)
// and the result object, which carries the limit certificate only when the service allows
// it (R-CONF-4).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "oqs/messages.h"
#include "oqs_test_util.h"

namespace onshi::oqs {
namespace {

using testing::sample_result;

const char* kRequest = R"({
  "qualificationConfirmationDate": "20250415",
  "medicalInstitutionCode": "1312345678",
  "arbitraryFileIdentifier": "20250415093012345-a1b2c3d4",
  "insurerNumber": "06139999",
  "insuredCardSymbol": "１２３",
  "insuredIdentificationNumber": "4567",
  "insuredBranchNumber": "01",
  "birthdate": "19530718",
  "limitApplicationCertificateRelatedConsFlg": "1"
})";

// R-CONF-2
TEST(RequestJson, Parses) {
  auto r = parse_confirm_request_json(kRequest);
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  EXPECT_EQ(r->header.qualification_confirmation_date, "20250415");
  EXPECT_EQ(r->header.medical_institution_code, "1312345678");
  EXPECT_EQ(r->header.arbitrary_file_identifier, "20250415093012345-a1b2c3d4");
  EXPECT_EQ(r->search.insurer_number, "06139999");
  EXPECT_EQ(r->search.insured_card_symbol, "１２３");
  EXPECT_EQ(r->search.insured_identification_number, "4567");
  EXPECT_EQ(r->search.insured_branch_number, "01");
  EXPECT_EQ(r->search.birthdate, "19530718");
  EXPECT_EQ(r->search.limit_application_certificate_related_cons_flg, "1");
}

TEST(RequestJson, NullAndAbsentOptionalKeys) {
  auto r = parse_confirm_request_json(
      R"({"qualificationConfirmationDate":"20250415","medicalInstitutionCode":"1312345678",
          "insurerNumber":"  138149","insuredCardSymbol":null,"insuredIdentificationNumber":"1",
          "birthdate":"19800101","limitApplicationCertificateRelatedConsFlg":"0",
          "arbitraryIdentifier":"p-1"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->search.insured_card_symbol, "");
  EXPECT_EQ(r->search.insurer_number, "  138149");
  EXPECT_EQ(r->search.arbitrary_identifier, "p-1");
}

TEST(RequestJson, NumberWhereStringExpected) {
  std::string body = kRequest;
  body.replace(body.find("\"4567\""), 6, "4567");
  auto r = parse_confirm_request_json(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_TYPE");
  EXPECT_EQ(r.error().field, "insuredIdentificationNumber");
}

TEST(RequestJson, UnknownField) {
  std::string body = kRequest;
  body.replace(body.find("\"birthdate\""), 11, "\"birthDay\"");
  auto r = parse_confirm_request_json(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_UNKNOWN_FIELD");
  EXPECT_EQ(r.error().field, "birthDay");
}

TEST(RequestJson, SyntaxError) {
  for (const char* bad : {"", "{", "{\"insurerNumber\":}", "not json", "{\"a\":1,}"}) {
    auto r = parse_confirm_request_json(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "E_JSON_SYNTAX") << bad;
  }
}

TEST(RequestJson, NotAnObject) {
  auto r = parse_confirm_request_json("[1,2]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_TYPE");
}

TEST(RequestJson, MissingRequiredKey) {
  std::string body = kRequest;
  const size_t b = body.find("\"insurerNumber\"");
  body.erase(b, body.find('\n', b) + 1 - b);
  auto r = parse_confirm_request_json(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_MISSING");
  EXPECT_EQ(r.error().field, "insurerNumber");
}

boost::json::object parse_object(const std::string& s) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(s, ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << s;
  EXPECT_TRUE(v.is_object()) << s;
  return v.is_object() ? v.as_object() : boost::json::object();
}

// R-CONF-3
TEST(ResultJson, Shape) {
  boost::json::object o = parse_object(write_confirm_result_json(sample_result()));
  EXPECT_EQ(o.at("processExecutionTime"), "20250415093015");
  EXPECT_EQ(o.at("qualificationConfirmationDate"), "20250415");
  EXPECT_EQ(o.at("segmentOfResult"), "1");
  EXPECT_EQ(o.at("characterCodeIdentifier"), "0");
  EXPECT_FALSE(o.contains("errorCode"));  // empty → omitted
  EXPECT_EQ(o.at("processingResultStatus"), "1");
  EXPECT_EQ(o.at("qualificationValidity"), "1");
  EXPECT_EQ(o.at("qualificationConfirmSearchInfo").at("insurerNumber"), "131045");

  const boost::json::array& list = o.at("resultList").as_array();
  ASSERT_EQ(list.size(), 1u);
  const boost::json::object& item = list[0].as_object();
  EXPECT_EQ(item.at("insurerNumber"), "131045");  // digits, no padding in JSON
  EXPECT_EQ(item.at("nameKana"), "ｼｹﾝ ｲﾁﾛｳ");
  EXPECT_EQ(item.at("insurerName"), "試験健康保険組合");
  EXPECT_EQ(item.at("elderlyRecipientCertificateInfo").at("elderlyRecipientContributionRatio"),
            "020");
  EXPECT_EQ(item.at("limitApplicationCertificateRelatedConsFlg"), "1");
  EXPECT_EQ(item.at("limitApplicationCertificateRelatedInfo")
                .at("limitApplicationCertificateClassificationFlag"),
            "B05");
  const boost::json::array& diseases = item.at("specificDiseasesCertificateList").as_array();
  ASSERT_EQ(diseases.size(), 1u);
  EXPECT_EQ(diseases[0].at("specificDiseasesSelfPay"), "10000");
}

// R-CONF-4: the limit certificate appears only when include_limit.
TEST(ResultJson, LimitInfoOnlyWhenIncluded) {
  ConfirmResult r = sample_result();
  r.results[0].include_limit = false;
  boost::json::object o = parse_object(write_confirm_result_json(r));
  const boost::json::object& item = o.at("resultList").as_array()[0].as_object();
  EXPECT_FALSE(item.contains("limitApplicationCertificateRelatedInfo"));  // R-CONF-4
  EXPECT_EQ(item.at("limitApplicationCertificateRelatedConsFlg"), "1");

  r.results[0].include_limit = true;
  o = parse_object(write_confirm_result_json(r));
  EXPECT_TRUE(o.at("resultList")
                  .as_array()[0]
                  .as_object()
                  .contains("limitApplicationCertificateRelatedInfo"));  // R-CONF-4
}

TEST(ResultJson, AbnormalEndAndEscaping) {
  ConfirmResult r;
  r.header.segment_of_result = "9";
  r.header.error_code = "EXXX9999";
  r.header.error_message = "bad \"input\"\\\n\x01";
  const std::string s = write_confirm_result_json(r);
  boost::json::object o = parse_object(s);
  EXPECT_EQ(o.at("errorMessage"), "bad \"input\"\\\n\x01");
  EXPECT_FALSE(o.contains("resultList"));
  EXPECT_FALSE(o.contains("processingResultStatus"));
}

TEST(ResultJson, EmptyResultListIsAnEmptyArray) {
  ConfirmResult r;
  r.processing_result_status = "1";
  r.qualification_validity = "4";
  boost::json::object o = parse_object(write_confirm_result_json(r));
  EXPECT_TRUE(o.at("resultList").as_array().empty());
  EXPECT_EQ(o.at("qualificationValidity"), "4");
}

}  // namespace
}  // namespace onshi::oqs
