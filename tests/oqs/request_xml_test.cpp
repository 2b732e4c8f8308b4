// Parsing and writing OQSsiquc01req (research onshi-interface §2.1, §6.1): the encodings a
// receipt computer may send, the required elements, and the hostile documents the parser
// must refuse without crashing or expanding anything.
#include <gtest/gtest.h>

#include <string>

#include "core/text.h"
#include "oqs/clinical.h"
#include "oqs/messages.h"
#include "oqs_test_util.h"

namespace onshi::oqs {
namespace {

using testing::read_fixture;

void expect_sample_61(const ConfirmRequest& r) {
  EXPECT_EQ(r.header.qualification_confirmation_date, "20250415");
  EXPECT_EQ(r.header.medical_institution_code, "1312345678");
  EXPECT_EQ(r.header.arbitrary_file_identifier, "20250415093012345-a1b2c3d4");
  EXPECT_EQ(r.search.insurer_number, "06139999");
  EXPECT_EQ(r.search.insured_card_symbol, "１２３");
  EXPECT_EQ(r.search.insured_identification_number, "4567");
  EXPECT_EQ(r.search.insured_branch_number, "01");
  EXPECT_EQ(r.search.birthdate, "19530718");
  EXPECT_EQ(r.search.limit_application_certificate_related_cons_flg, "1");
  EXPECT_EQ(r.search.arbitrary_identifier, "10234_1");
}

std::string sample_utf8() {
  return read_fixture("siquc01req_utf8.xml");
}

// Replaces the first occurrence of `from` in `s` with `to`.
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// R-CONF-2: typed card data arrive as the §6.1 request in CP932.
TEST(RequestXml, ShiftJisFixtureParses) {
  const std::string bytes = read_fixture("siquc01req_sjis.xml");
  ASSERT_FALSE(bytes.empty());
  ASSERT_FALSE(core::is_valid_utf8(bytes)) << "fixture must be real CP932 bytes";
  auto r = parse_confirm_request_xml(bytes);
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  expect_sample_61(*r);
}

// R-CONF-2
TEST(RequestXml, Utf8Parses) {
  auto r = parse_confirm_request_xml(sample_utf8());
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  expect_sample_61(*r);
}

TEST(RequestXml, Utf8WithBomParses) {
  auto r = parse_confirm_request_xml("\xEF\xBB\xBF" + sample_utf8());
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  expect_sample_61(*r);
}

TEST(RequestXml, NoDeclarationMeansUtf8) {
  std::string doc = sample_utf8();
  doc.erase(0, doc.find("<XmlMsg>"));
  auto r = parse_confirm_request_xml(doc);
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  expect_sample_61(*r);
}

TEST(RequestXml, EncodingNamesAreCaseInsensitiveAndIncludeAliases) {
  for (const char* name : {"shift_jis", "SHIFT_JIS", "Windows-31J", "cp932", "SJIS"}) {
    std::string doc =
        replaced(sample_utf8(), "encoding=\"UTF-8\"", std::string("encoding=\"") + name + "\"");
    auto sjis = core::utf8_to_shift_jis(doc);
    ASSERT_TRUE(sjis.ok());
    auto r = parse_confirm_request_xml(*sjis);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().code << " " << r.error().message;
    expect_sample_61(*r);
  }
  auto r = parse_confirm_request_xml(replaced(sample_utf8(), "\"UTF-8\"", "'utf-8'"));
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(RequestXml, ShuffledShiftJisWithKanjiAndPaddedInsurer) {
  // Elements in no particular order, Windows-31J declared, a 6-digit insurer padded with
  // spaces: the padding is kept as sent (the service trims it).
  auto r = parse_confirm_request_xml(read_fixture("siquc01req_sjis_shuffled.xml"));
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  EXPECT_EQ(r->search.insurer_number, "  138149");
  EXPECT_EQ(r->search.insured_card_symbol, "杉並");
  EXPECT_EQ(r->search.insured_identification_number, "999999");
  EXPECT_EQ(r->search.birthdate, "19800101");
  EXPECT_EQ(r->search.limit_application_certificate_related_cons_flg, "0");
  EXPECT_EQ(r->header.medical_institution_code, "1312345678");
  EXPECT_EQ(r->header.arbitrary_file_identifier, "");
  EXPECT_EQ(r->search.insured_branch_number, "");
}

TEST(RequestXml, ValuesAreTrimmedExceptInsurerLeadingSpaces) {
  std::string doc = replaced(sample_utf8(), "<InsuredIdentificationNumber>4567<",
                             "<InsuredIdentificationNumber>\n   4567  \n<");
  doc = replaced(doc, "<InsurerNumber>06139999<", "<InsurerNumber>  131045 <");
  auto r = parse_confirm_request_xml(doc);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->search.insured_identification_number, "4567");
  EXPECT_EQ(r->search.insurer_number, "  131045");
}

TEST(RequestXml, EscapedCharactersAreDecoded) {
  auto r = parse_confirm_request_xml(
      replaced(sample_utf8(), "10234_1", "a&amp;b&lt;c&gt;&#x41;<![CDATA[&x]]>"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->search.arbitrary_identifier, "a&b<c>A&x");
}

TEST(RequestXml, MissingInsuredIdentificationNumber) {
  auto r = parse_confirm_request_xml(replaced(
      sample_utf8(), "<InsuredIdentificationNumber>4567</InsuredIdentificationNumber>", ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_MISSING");
  EXPECT_EQ(r.error().field, "InsuredIdentificationNumber");
}

TEST(RequestXml, EmptyRequiredElementCountsAsMissing) {
  auto r = parse_confirm_request_xml(
      replaced(sample_utf8(), "<Birthdate>19530718</Birthdate>", "<Birthdate>  </Birthdate>"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_MISSING");
  EXPECT_EQ(r.error().field, "Birthdate");
}

TEST(RequestXml, EachRequiredElementIsReportedByName) {
  const char* required[] = {"QualificationConfirmationDate",
                            "MedicalInstitutionCode",
                            "InsurerNumber",
                            "InsuredIdentificationNumber",
                            "Birthdate",
                            "LimitApplicationCertificateRelatedConsFlg"};
  for (const std::string name : required) {
    std::string doc = sample_utf8();
    const size_t b = doc.find("<" + name + ">");
    const size_t e = doc.find("</" + name + ">");
    ASSERT_NE(b, std::string::npos);
    doc.erase(b, e + name.size() + 3 - b);
    auto r = parse_confirm_request_xml(doc);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, "E_XML_MISSING") << name;
    EXPECT_EQ(r.error().field, name);
  }
}

TEST(RequestXml, OptionalElementsMayBeAbsent) {
  std::string doc = replaced(sample_utf8(), "<InsuredCardSymbol>１２３</InsuredCardSymbol>", "");
  doc = replaced(doc, "<InsuredBranchNumber>01</InsuredBranchNumber>", "");
  doc = replaced(doc, "<ArbitraryIdentifier>10234_1</ArbitraryIdentifier>", "");
  auto r = parse_confirm_request_xml(doc);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->search.insured_card_symbol, "");
  EXPECT_EQ(r->search.insured_branch_number, "");
}

TEST(RequestXml, WrongRootIsStructureError) {
  std::string doc = replaced(sample_utf8(), "<XmlMsg>", "<Message>");
  doc = replaced(doc, "</XmlMsg>", "</Message>");
  auto r = parse_confirm_request_xml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_STRUCTURE");
}

TEST(RequestXml, MissingHeaderOrBodyIsStructureError) {
  std::string doc = sample_utf8();
  doc.erase(doc.find("<MessageHeader>"),
            doc.find("</MessageHeader>") + 16 - doc.find("<MessageHeader>"));
  auto r = parse_confirm_request_xml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_STRUCTURE");
  EXPECT_EQ(r.error().field, "MessageHeader");

  doc = sample_utf8();
  doc.erase(doc.find("<MessageBody>"), doc.find("</MessageBody>") + 14 - doc.find("<MessageBody>"));
  r = parse_confirm_request_xml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_STRUCTURE");
  EXPECT_EQ(r.error().field, "MessageBody");
}

TEST(RequestXml, GarbageIsSyntaxError) {
  for (std::string bad :
       {std::string("this is not xml"), std::string(""),
        std::string("<XmlMsg><MessageHeader></XmlMsg>"), std::string("<XmlMsg/><XmlMsg/>"),
        std::string("\x00\x01\x02", 3), sample_utf8().substr(0, 300)}) {
    auto r = parse_confirm_request_xml(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "E_XML_SYNTAX") << bad;
  }
}

TEST(RequestXml, DeclaredUtf8ButShiftJisBytesIsEncodingError) {
  std::string sjis = read_fixture("siquc01req_sjis.xml");
  sjis = replaced(sjis, "encoding=\"Shift_JIS\"", "encoding=\"UTF-8\"");
  auto r = parse_confirm_request_xml(sjis);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_ENCODING");
}

TEST(RequestXml, UnknownOrContradictoryEncodingIsRefused) {
  auto r = parse_confirm_request_xml(replaced(sample_utf8(), "UTF-8", "EBCDIC-JP"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_ENCODING");

  // A BOM says UTF-8 while the declaration says Shift_JIS.
  r = parse_confirm_request_xml("\xEF\xBB\xBF" + read_fixture("siquc01req_sjis.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_ENCODING");

  // Bytes that are not Shift_JIS at all under a Shift_JIS declaration.
  std::string doc = replaced(sample_utf8(), "UTF-8", "Shift_JIS");
  doc = replaced(doc, "10234_1", "\x81\x7F\xFF\xFF");
  r = parse_confirm_request_xml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_ENCODING");
}

TEST(RequestXml, DoctypeAndEntityBombAreRefused) {
  const std::string bomb =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE XmlMsg [\n"
      " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
      " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
      " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
      " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
      "]>\n"
      "<XmlMsg><MessageHeader><QualificationConfirmationDate>&d;</QualificationConfirmationDate>"
      "</MessageHeader><MessageBody/></XmlMsg>";
  auto r = parse_confirm_request_xml(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_SYNTAX");

  const std::string external =
      "<?xml version=\"1.0\"?><!DOCTYPE XmlMsg SYSTEM \"file:///etc/passwd\">" +
      sample_utf8().substr(sample_utf8().find("<XmlMsg>"));
  r = parse_confirm_request_xml(external);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_SYNTAX");
}

TEST(RequestXml, UndeclaredEntityIsNotExpanded) {
  auto r = parse_confirm_request_xml(replaced(sample_utf8(), "10234_1", "&xxe;"));
  if (r.ok()) {
    EXPECT_EQ(r->search.arbitrary_identifier.find("root"), std::string::npos);
  }
}

// R-CONF-2, issue 20 (fuzzing: fuzz/corpus/clinical_xml/crash-08913752-control-characters.xml):
// a C0 control character, which XML 1.0 does not allow (raw, or as a character reference),
// is refused as E_XML_SYNTAX by every XML reader — before, such a value was taken, and the
// writer, which cannot put it back, made a request that no longer parsed. Tab, line feed and
// carriage return stay allowed.
TEST(RequestXml, ControlCharactersAreRefused) {
  for (const std::string& bad : {std::string("45\x19") + "67", std::string("4567\x01"),
                                std::string("45&#25;67"), std::string("45&#x1;67")}) {
    auto r = parse_confirm_request_xml(
        replaced(sample_utf8(), "<InsuredIdentificationNumber>4567<",
                 "<InsuredIdentificationNumber>" + bad + "<"));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "E_XML_SYNTAX") << bad;
  }
  auto tab = parse_confirm_request_xml(replaced(sample_utf8(), "10234_1", "a\tb&#9;c\r\nd"));
  ASSERT_TRUE(tab.ok()) << tab.error().message;
  const std::string crash = testing::read_fixture(
      "../../../fuzz/corpus/clinical_xml/crash-08913752-control-characters.xml");
  ASSERT_FALSE(crash.empty());
  auto clinical = parse_clinical_request_xml(crash);
  ASSERT_FALSE(clinical.ok());
  EXPECT_EQ(clinical.error().code, "E_XML_SYNTAX");
  // The second input it found: a reference whose number overflows (&#x0…06148914691236517204;).
  auto huge = parse_confirm_request_xml(replaced(sample_utf8(), "10234_1", "&#x110000;"));
  if (!huge.ok()) {
    EXPECT_EQ(huge.error().code, "E_XML_SYNTAX");
  }
  auto overflow = parse_clinical_request_xml(testing::read_fixture(
      "../../../fuzz/corpus/clinical_xml/crash-15bf03db-overflowing-character-reference.xml"));
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.error().code, "E_XML_SYNTAX");
}

TEST(RequestXml, OversizedDocumentIsRefused) {
  std::string doc = sample_utf8();
  doc = replaced(doc, "</XmlMsg>", "<!--" + std::string((1 << 20) + 1, 'x') + "--></XmlMsg>");
  auto r = parse_confirm_request_xml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_XML_SYNTAX");
}

// R-CONF-2: the terminal's request writer and the service's parser agree.
TEST(RequestXml, WriteThenParseShiftJis) {
  ConfirmRequest req;
  req.header.qualification_confirmation_date = "20250415";
  req.header.medical_institution_code = "1312345678";
  req.header.arbitrary_file_identifier = "id-1";
  req.search.insurer_number = "131045";
  req.search.insured_card_symbol = "杉並";
  req.search.insured_identification_number = "999999";
  req.search.birthdate = "19800101";
  req.search.limit_application_certificate_related_cons_flg = "0";

  auto bytes = write_confirm_request_xml(req);  // Shift_JIS by default
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(bytes->rfind("<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>", 0),
            0u);
  EXPECT_FALSE(core::is_valid_utf8(*bytes));  // 杉並 in CP932
  EXPECT_NE(bytes->find("<InsurerNumber>  131045</InsurerNumber>"), std::string::npos);
  EXPECT_EQ(bytes->find("InsuredBranchNumber"), std::string::npos);  // empty → omitted

  auto back = parse_confirm_request_xml(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->search.insurer_number, "  131045");
  EXPECT_EQ(back->search.insured_card_symbol, "杉並");
  EXPECT_EQ(back->header.arbitrary_file_identifier, "id-1");

  auto utf8 = write_confirm_request_xml(req, core::Encoding::kUtf8);
  ASSERT_TRUE(utf8.ok());
  EXPECT_TRUE(core::is_valid_utf8(*utf8));
  EXPECT_NE(utf8->find("杉並"), std::string::npos);
}

TEST(RequestXml, WriterRefusesCharactersWithoutShiftJisForm) {
  ConfirmRequest req;
  req.header.qualification_confirmation_date = "20250415";
  req.header.medical_institution_code = "1312345678";
  req.search.insurer_number = "06139999";
  req.search.insured_card_symbol = "😀";
  req.search.insured_identification_number = "1";
  req.search.birthdate = "19800101";
  req.search.limit_application_certificate_related_cons_flg = "0";
  auto r = write_confirm_request_xml(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_ENCODING");
  EXPECT_EQ(r.error().field, "InsuredCardSymbol");
}

}  // namespace
}  // namespace onshi::oqs
