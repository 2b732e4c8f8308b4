// Writing and reading OQSsiquc01res (research onshi-interface §3, §6.2–§6.4): element
// order, InsurerNumber padding, half-width NameKana, the limit certificate only when the
// service allows it (R-CONF-4), Shift_JIS output, abnormal ends and escaping.
#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <string>
#include <vector>

#include "core/text.h"
#include "oqs/messages.h"
#include "oqs_test_util.h"

namespace onshi::oqs {
namespace {

using testing::read_fixture;
using testing::sample_result;

pugi::xml_document load_utf8(const std::string& xml) {
  pugi::xml_document doc;
  pugi::xml_parse_result r =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  EXPECT_TRUE(r) << r.description() << "\n" << xml;
  return doc;
}

std::string write_utf8(const ConfirmResult& r) {
  auto xml = write_confirm_result_xml(r);
  EXPECT_TRUE(xml.ok()) << xml.error().message;
  return xml.ok() ? *xml : std::string();
}

std::vector<std::string> child_names(pugi::xml_node n) {
  std::vector<std::string> names;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element) names.emplace_back(c.name());
  return names;
}

// R-CONF-3: the result carries name, kana, sex, birth date, insurer, card numbers, dates,
// address and postcode in the interface's form.
TEST(ResultXml, Sample62KeyElements) {
  const std::string xml = write_utf8(sample_result());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>", 0), 0u);
  pugi::xml_document doc = load_utf8(xml);
  pugi::xml_node header = doc.child("XmlMsg").child("MessageHeader");
  EXPECT_STREQ(header.child_value("CharacterCodeIdentifier"), "0");
  EXPECT_STREQ(header.child_value("SegmentOfResult"), "1");
  EXPECT_STREQ(header.child_value("ArbitraryFileIdentifier"), "20250415093012345-a1b2c3d4");

  pugi::xml_node body = doc.child("XmlMsg").child("MessageBody");
  EXPECT_STREQ(body.child("QualificationConfirmSearchInfo").child_value("InsurerNumber"),
               "  131045");
  EXPECT_STREQ(body.child_value("ProcessingResultStatus"), "1");
  EXPECT_STREQ(body.child_value("QualificationValidity"), "1");

  pugi::xml_node item = body.child("ResultList").child("ResultOfQualificationConfirmation");
  ASSERT_TRUE(item);
  EXPECT_STREQ(item.child_value("InsurerNumber"), "  131045");  // space-padded to 8
  EXPECT_STREQ(item.child_value("NameKana"), "ｼｹﾝ ｲﾁﾛｳ");       // half-width
  EXPECT_STREQ(item.child_value("Name"), "試験　一郎");
  EXPECT_STREQ(item.child("ElderlyRecipientCertificateInfo")
                   .child_value("ElderlyRecipientContributionRatio"),
               "020");
  EXPECT_STREQ(item.child_value("LimitApplicationCertificateRelatedConsFlg"), "1");
  EXPECT_STREQ(item.child("LimitApplicationCertificateRelatedInfo")
                   .child_value("LimitApplicationCertificateClassificationFlag"),
               "B05");
  EXPECT_STREQ(item.child("SpecificDiseasesCertificateList")
                   .child("SpecificDiseasesCertificateInfo")
                   .child_value("SpecificDiseasesSelfPay"),
               "10000");
  EXPECT_STREQ(item.child_value("ArbitraryIdentifier"), "10234_1");
  // Empty elements are omitted.
  EXPECT_FALSE(item.child("Sex2"));
  EXPECT_FALSE(item.child("LimitApplicationCertificateRelatedInfo")
                   .child("LimitApplicationCertificateLongTermDate"));
  EXPECT_FALSE(body.child("PrescriptionIssueSelect"));
  EXPECT_FALSE(header.child("ErrorCode"));
}

TEST(ResultXml, ElementOrderFollowsTheInterface) {
  pugi::xml_document doc = load_utf8(write_utf8(sample_result()));
  pugi::xml_node msg = doc.child("XmlMsg");
  EXPECT_EQ(child_names(msg.child("MessageHeader")),
            (std::vector<std::string>{"ProcessExecutionTime", "QualificationConfirmationDate",
                                      "MedicalInstitutionCode", "ArbitraryFileIdentifier",
                                      "ReferenceClassification", "SegmentOfResult",
                                      "CharacterCodeIdentifier"}));
  EXPECT_EQ(child_names(msg.child("MessageBody")),
            (std::vector<std::string>{"QualificationConfirmSearchInfo", "ProcessingResultStatus",
                                      "QualificationValidity", "ResultList"}));
  EXPECT_EQ(child_names(msg.child("MessageBody").child("ResultList").first_child()),
            (std::vector<std::string>{"InsuredCardClassification",
                                      "InsurerNumber",
                                      "InsuredCardSymbol",
                                      "InsuredIdentificationNumber",
                                      "InsuredBranchNumber",
                                      "PersonalFamilyClassification",
                                      "InsuredName",
                                      "Name",
                                      "NameKana",
                                      "Sex1",
                                      "Birthdate",
                                      "Address",
                                      "PostNumber",
                                      "QualificationDate",
                                      "InsuredCertificateIssuanceDate",
                                      "InsuredCardValidDate",
                                      "InsurerName",
                                      "ElderlyRecipientCertificateInfo",
                                      "LimitApplicationCertificateRelatedConsFlg",
                                      "LimitApplicationCertificateRelatedConsTime",
                                      "LimitApplicationCertificateRelatedInfo",
                                      "SpecificDiseasesCertificateRelatedConsFlg",
                                      "SpecificDiseasesCertificateRelatedConsTime",
                                      "SpecificDiseasesCertificateList",
                                      "ArbitraryIdentifier"}));
}

// R-CONF-4: the limit certificate is disclosed only when the service allows it; the consent
// flag and time are written either way.
TEST(ResultXml, LimitBlockOnlyWhenIncluded) {
  ConfirmResult r = sample_result();
  r.results[0].include_limit = false;
  r.results[0].consents.limit_flg = "0";
  pugi::xml_document doc = load_utf8(write_utf8(r));
  pugi::xml_node item = doc.child("XmlMsg").child("MessageBody").child("ResultList").first_child();
  EXPECT_FALSE(item.child("LimitApplicationCertificateRelatedInfo"));  // R-CONF-4
  EXPECT_STREQ(item.child_value("LimitApplicationCertificateRelatedConsFlg"), "0");
  EXPECT_STREQ(item.child_value("LimitApplicationCertificateRelatedConsTime"), "20250415093015");

  r.results[0].include_limit = true;
  doc = load_utf8(write_utf8(r));
  item = doc.child("XmlMsg").child("MessageBody").child("ResultList").first_child();
  EXPECT_TRUE(item.child("LimitApplicationCertificateRelatedInfo"));  // R-CONF-4
}

TEST(ResultXml, SpecificDiseasesOnlyWhenIncludedAndPresent) {
  ConfirmResult r = sample_result();
  r.results[0].include_specific_diseases = false;
  pugi::xml_document doc = load_utf8(write_utf8(r));
  pugi::xml_node item = doc.child("XmlMsg").child("MessageBody").child("ResultList").first_child();
  EXPECT_FALSE(item.child("SpecificDiseasesCertificateList"));
  EXPECT_STREQ(item.child_value("SpecificDiseasesCertificateRelatedConsFlg"), "1");

  r = sample_result();
  r.results[0].qualification.specific_diseases.push_back({"2", "20240601", "", "", "20000"});
  doc = load_utf8(write_utf8(r));
  item = doc.child("XmlMsg").child("MessageBody").child("ResultList").first_child();
  EXPECT_EQ(child_names(item.child("SpecificDiseasesCertificateList")).size(), 2u);
}

TEST(ResultXml, EightDigitInsurerIsNotPadded) {
  ConfirmResult r = sample_result();
  r.results[0].qualification.insurer_number = "06139999";
  pugi::xml_document doc = load_utf8(write_utf8(r));
  EXPECT_STREQ(doc.child("XmlMsg")
                   .child("MessageBody")
                   .child("ResultList")
                   .first_child()
                   .child_value("InsurerNumber"),
               "06139999");
}

// R-CONF-3: what the service writes, the institution's system reads back unchanged.
TEST(ResultXml, RoundTrip) {
  const ConfirmResult original = sample_result();
  const std::string xml = write_utf8(original);
  auto back = parse_confirm_result_xml(xml);
  ASSERT_TRUE(back.ok()) << back.error().code << " " << back.error().message;
  EXPECT_EQ(back->header.process_execution_time, original.header.process_execution_time);
  EXPECT_EQ(back->header.arbitrary_file_identifier, original.header.arbitrary_file_identifier);
  EXPECT_EQ(back->header.character_code_identifier, "0");
  ASSERT_TRUE(back->search_echo.has_value());
  EXPECT_EQ(back->search_echo->insurer_number, "  131045");
  EXPECT_EQ(back->processing_result_status, "1");
  EXPECT_EQ(back->qualification_validity, "1");
  ASSERT_EQ(back->results.size(), 1u);

  const ResultItem& item = back->results[0];
  core::Qualification expected = original.results[0].qualification;
  // The parser returns NameKana as the document carries it (half-width).
  expected.name_kana = core::to_halfwidth_katakana(expected.name_kana);
  EXPECT_EQ(item.qualification, expected);
  EXPECT_EQ(item.qualification.insurer_number, "131045");
  EXPECT_TRUE(item.include_limit);
  EXPECT_EQ(item.consents.limit_flg, "1");
  EXPECT_EQ(item.consents.specific_diseases_time, "20250415093015");
  EXPECT_EQ(item.arbitrary_identifier, "10234_1");

  // Writing the parsed result gives the same document.
  EXPECT_EQ(write_utf8(*back), xml);
}

TEST(ResultXml, ShiftJisOutput) {
  auto sjis = write_confirm_result_xml(sample_result(), core::Encoding::kShiftJis);
  ASSERT_TRUE(sjis.ok()) << sjis.error().message;
  EXPECT_EQ(sjis->rfind("<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>", 0), 0u);
  EXPECT_FALSE(core::is_valid_utf8(*sjis));
  auto utf8 = core::shift_jis_to_utf8(*sjis);
  ASSERT_TRUE(utf8.ok());
  pugi::xml_document doc = load_utf8(*utf8);
  EXPECT_STREQ(doc.child("XmlMsg").child("MessageHeader").child_value("CharacterCodeIdentifier"),
               "1");
  EXPECT_STREQ(doc.child("XmlMsg")
                   .child("MessageBody")
                   .child("ResultList")
                   .first_child()
                   .child_value("NameKana"),
               "ｼｹﾝ ｲﾁﾛｳ");

  // And our own parser reads it back through the declaration.
  auto back = parse_confirm_result_xml(*sjis);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->header.character_code_identifier, "1");
  EXPECT_EQ(back->results.at(0).qualification.insurer_name, "試験健康保険組合");
}

TEST(ResultXml, ShiftJisRefusesUnencodableCharacter) {
  ConfirmResult r = sample_result();
  r.results[0].qualification.address = "東京都🏯区";
  auto sjis = write_confirm_result_xml(r, core::Encoding::kShiftJis);
  ASSERT_FALSE(sjis.ok());
  EXPECT_EQ(sjis.error().code, "E_ENCODING");
  EXPECT_EQ(sjis.error().field, "Address");
  EXPECT_TRUE(write_confirm_result_xml(r).ok());  // UTF-8 can carry it
}

TEST(ResultXml, AbnormalEndHasNoBody) {
  ConfirmResult r;
  r.header.process_execution_time = "20250415093530";
  r.header.qualification_confirmation_date = "20250415";
  r.header.medical_institution_code = "1312345678";
  r.header.segment_of_result = "9";
  r.header.error_code = "EXXX9999";
  r.header.error_message = "要求ファイルの形式に誤りがあります。";
  r.processing_result_status = "2";  // ignored: no body on an abnormal end
  const std::string xml = write_utf8(r);
  pugi::xml_document doc = load_utf8(xml);
  EXPECT_FALSE(doc.child("XmlMsg").child("MessageBody"));
  EXPECT_EQ(child_names(doc.child("XmlMsg").child("MessageHeader")),
            (std::vector<std::string>{"ProcessExecutionTime", "QualificationConfirmationDate",
                                      "MedicalInstitutionCode", "ReferenceClassification",
                                      "SegmentOfResult", "ErrorCode", "ErrorMessage",
                                      "CharacterCodeIdentifier"}));
  auto back = parse_confirm_result_xml(xml);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->header.error_code, "EXXX9999");
  EXPECT_TRUE(back->results.empty());
}

TEST(ResultXml, EscapesMarkupCharacters) {
  ConfirmResult r = sample_result();
  r.results[0].qualification.address = "A&B <C> \"D\"";
  r.header.arbitrary_file_identifier = "x</ArbitraryFileIdentifier><Injected>";
  const std::string xml = write_utf8(r);
  EXPECT_NE(xml.find("A&amp;B &lt;C&gt; &quot;D&quot;"), std::string::npos);
  pugi::xml_document doc = load_utf8(xml);
  EXPECT_FALSE(doc.child("XmlMsg").child("MessageHeader").child("Injected"));
  auto back = parse_confirm_result_xml(xml);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->results[0].qualification.address, "A&B <C> \"D\"");
  EXPECT_EQ(back->header.arbitrary_file_identifier, "x</ArbitraryFileIdentifier><Injected>");
}

TEST(ResultXml, ParsesFaceFileInAnyOrder) {
  // §6.3 (abridged), Shift_JIS, header elements shuffled, ResultList before the status and
  // PrescriptionIssueSelect at body level.
  const std::string face =
      "<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\n"
      "<XmlMsg><MessageHeader>"
      "<ProcessExecutionTime>20250415101522</ProcessExecutionTime>"
      "<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"
      "<SegmentOfResult>1</SegmentOfResult>"
      "<QualificationConfirmationDate>20250415</QualificationConfirmationDate>"
      "<ReferenceClassification>1</ReferenceClassification>"
      "<ArbitraryFileIdentifier>Qm9ndXNGaWxlSWQx</ArbitraryFileIdentifier>"
      "<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
      "</MessageHeader><MessageBody><ResultList><ResultOfQualificationConfirmation>"
      "<InsuredCardClassification>01</InsuredCardClassification>"
      "<InsurerNumber>39131234</InsurerNumber>"
      "<InsuredIdentificationNumber>12345678</InsuredIdentificationNumber>"
      "<Name>見本　花子</Name><NameKana>ﾐﾎﾝ ﾊﾅｺ</NameKana><Sex1>2</Sex1>"
      "<Birthdate>19450203</Birthdate>"
      "<InsuredPartialContributionRatio>010</InsuredPartialContributionRatio>"
      "<InsurerName>東京都後期高齢者医療広域連合</InsurerName>"
      "<LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg>"
      "<PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>"
      "<PharmacistsInfoAvailableTime>20250416101510</PharmacistsInfoAvailableTime>"
      "<ReferenceNumber>10234</ReferenceNumber>"
      "</ResultOfQualificationConfirmation></ResultList>"
      "<ProcessingResultStatus>1</ProcessingResultStatus>"
      "<QualificationValidity>1</QualificationValidity>"
      "<PrescriptionIssueSelect>2</PrescriptionIssueSelect>"
      "</MessageBody></XmlMsg>\n";
  auto sjis = core::utf8_to_shift_jis(face);
  ASSERT_TRUE(sjis.ok());
  auto r = parse_confirm_result_xml(*sjis);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->header.reference_classification, "1");
  EXPECT_EQ(r->header.medical_institution_code, "1312345678");
  EXPECT_FALSE(r->search_echo.has_value());
  EXPECT_EQ(r->prescription_issue_select, "2");
  ASSERT_EQ(r->results.size(), 1u);
  const ResultItem& item = r->results[0];
  EXPECT_EQ(item.qualification.name, "見本　花子");
  EXPECT_EQ(item.qualification.name_kana, "ﾐﾎﾝ ﾊﾅｺ");
  EXPECT_EQ(item.qualification.insured_partial_contribution_ratio, "010");
  EXPECT_EQ(item.consents.pharmacists_flg, "1");
  EXPECT_EQ(item.consents.pharmacists_available, "20250416101510");
  EXPECT_EQ(item.reference_number, "10234");
  EXPECT_FALSE(item.include_limit);
  EXPECT_FALSE(item.qualification.limit_application.has_value());
}

// §6.2 as published: parsing it and writing it again reproduces the document byte for
// byte, which pins the element order, the omission of empty elements and the layout.
TEST(ResultXml, Sample62ParsesAndRewritesIdentically) {
  const std::string published = read_fixture("siquc01res_62.xml");
  ASSERT_FALSE(published.empty());
  auto r = parse_confirm_result_xml(published);
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  ASSERT_EQ(r->results.size(), 1u);
  const ResultItem& item = r->results[0];
  EXPECT_EQ(item.qualification.insurer_number, "06139999");
  EXPECT_EQ(item.qualification.name_kana, "ｼｹﾝ ｲﾁﾛｳ");
  ASSERT_TRUE(item.qualification.elderly_recipient.has_value());
  EXPECT_EQ(item.qualification.elderly_recipient->contribution_ratio, "020");
  ASSERT_TRUE(item.qualification.limit_application.has_value());
  EXPECT_EQ(item.qualification.limit_application->classification_flag, "B05");
  EXPECT_TRUE(item.include_limit);
  ASSERT_EQ(item.qualification.specific_diseases.size(), 1u);
  EXPECT_EQ(item.qualification.specific_diseases[0].self_pay, "10000");
  EXPECT_EQ(write_utf8(*r), published);
}

// §6.3 as published, saved in CP932: a face file whose header is in no particular order.
TEST(ResultXml, Sample63FaceFileShiftJis) {
  const std::string bytes = read_fixture("siquc01res_face_63_sjis.xml");
  ASSERT_FALSE(core::is_valid_utf8(bytes));
  auto r = parse_confirm_result_xml(bytes);
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  EXPECT_EQ(r->header.character_code_identifier, "1");
  EXPECT_EQ(r->header.reference_classification, "1");
  EXPECT_EQ(r->header.arbitrary_file_identifier, "Qm9ndXNGaWxlSWQx");
  EXPECT_EQ(r->prescription_issue_select, "2");
  ASSERT_EQ(r->results.size(), 1u);
  const ResultItem& item = r->results[0];
  EXPECT_EQ(item.qualification.insurer_name, "東京都後期高齢者医療広域連合");
  EXPECT_EQ(item.qualification.address, "東京都杉並区阿佐谷北１－１－１");
  EXPECT_EQ(item.consents.health_checkups_available, "20250416101510");
  EXPECT_EQ(item.consents.diagnosis_flg, "0");
  EXPECT_EQ(item.consents.operation_flg, "0");
  EXPECT_EQ(item.reference_number, "10234");
}

TEST(ResultXml, ResultParserRefusesBadDocuments) {
  auto r = parse_confirm_result_xml("<Other/>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_STRUCTURE");
  r = parse_confirm_result_xml(
      "<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>"
      "</MessageHeader></XmlMsg>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_STRUCTURE");
  r = parse_confirm_result_xml("<XmlMsg>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_SYNTAX");
}

}  // namespace
}  // namespace onshi::oqs
