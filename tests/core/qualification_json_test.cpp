// Tests for Qualification ⇄ JSON (the store's payload): exact round trips, lowerCamelCase
// element-name keys, omission of empty strings, and typed errors. Also the card key and the
// coverage rule of qualification.h.
#include "core/qualification_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace onshi::core {
namespace {

namespace json = boost::json;

Qualification full_qualification() {
  Qualification q;
  q.insurer_number = "06130488";
  q.insured_card_symbol = "12-34";
  q.insured_identification_number = "0012";
  q.insured_branch_number = "01";
  q.insurer_name = "試験健康保険組合";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.insured_name = "試験　太郎";
  q.name = "試験　太郎";
  q.name_of_other = "通称　太郎";
  q.name_kana = "シケン　タロウ";
  q.name_of_other_kana = "ツウショウ　タロウ";
  q.sex1 = "1";
  q.sex2 = "2";
  q.birthdate = "19550415";
  q.post_number = "123-4567";
  q.address = "東京都千代田区霞が関1-2-2 \"A\" \\棟";
  q.qualification_date = "20200401";
  q.disqualification_date = "20260401";
  q.reason_of_loss = "03";
  q.insured_certificate_issuance_date = "20200401";
  q.insured_card_valid_date = "20200401";
  q.insured_card_expiration_date = "20270331";
  q.insured_partial_contribution_ratio = "020";
  q.elderly_recipient = ElderlyRecipientCertificate{"20250401", "20250501", "20260731", "020"};
  q.limit_application =
      LimitApplicationCertificate{"02", "B05", "20250401", "20250501", "20260731", "20250901"};
  q.specific_diseases = {
      SpecificDiseasesCertificate{"1", "20250401", "20250401", "", "10000"},
      SpecificDiseasesCertificate{"2", "20250402", "20250402", "20260331", "20000"}};
  return q;
}

// R-REG-1 / R-REG-2: the whole qualification with its certificates survives the store.
TEST(QualificationJson, RoundTripFull) {
  Qualification q = full_qualification();
  std::string s = qualification_to_json(q);
  auto back = qualification_from_json(s);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, q);
  EXPECT_EQ(qualification_to_json(*back), s);  // stable output
}

// R-REG-1: keys are the interface element names in lowerCamelCase, nested per certificate.
TEST(QualificationJson, KeysFollowElementNames) {
  json::value v = json::parse(qualification_to_json(full_qualification()));
  const json::object& o = v.as_object();
  EXPECT_EQ(o.at("insurerNumber").as_string(), "06130488");
  EXPECT_EQ(o.at("insuredCardSymbol").as_string(), "12-34");
  EXPECT_EQ(o.at("insuredIdentificationNumber").as_string(), "0012");
  EXPECT_EQ(o.at("insuredBranchNumber").as_string(), "01");
  EXPECT_EQ(o.at("nameKana").as_string(), "シケン　タロウ");
  EXPECT_EQ(o.at("nameOfOtherKana").as_string(), "ツウショウ　タロウ");
  EXPECT_EQ(o.at("sex1").as_string(), "1");
  EXPECT_EQ(o.at("birthdate").as_string(), "19550415");
  EXPECT_EQ(o.at("postNumber").as_string(), "123-4567");
  EXPECT_EQ(o.at("disqualificationDate").as_string(), "20260401");
  EXPECT_EQ(o.at("insuredCertificateIssuanceDate").as_string(), "20200401");
  EXPECT_EQ(o.at("insuredPartialContributionRatio").as_string(), "020");
  const json::object& e = o.at("elderlyRecipient").as_object();
  EXPECT_EQ(e.at("elderlyRecipientCertificateDate").as_string(), "20250401");
  EXPECT_EQ(e.at("elderlyRecipientContributionRatio").as_string(), "020");
  const json::object& l = o.at("limitApplication").as_object();
  EXPECT_EQ(l.at("limitApplicationCertificateClassification").as_string(), "02");
  EXPECT_EQ(l.at("limitApplicationCertificateClassificationFlag").as_string(), "B05");
  EXPECT_EQ(l.at("limitApplicationCertificateLongTermDate").as_string(), "20250901");
  const json::array& d = o.at("specificDiseases").as_array();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].as_object().at("specificDiseasesDiseaseCategory").as_string(), "1");
  EXPECT_EQ(d[0].as_object().at("specificDiseasesSelfPay").as_string(), "10000");
  EXPECT_FALSE(d[0].as_object().contains("specificDiseasesValidEndDate"));  // empty omitted
  EXPECT_EQ(d[1].as_object().at("specificDiseasesValidEndDate").as_string(), "20260331");
  EXPECT_EQ(o.size(), 27u);  // 24 strings + 3 certificate keys
}

// R-REG-1: empty strings and absent certificates are omitted; an empty 枝番 stays empty and
// a present-but-empty certificate stays present.
TEST(QualificationJson, OmitsEmpty) {
  Qualification q;
  q.insurer_number = "131045";
  q.insured_identification_number = "12";
  EXPECT_EQ(qualification_to_json(q),
            R"({"insurerNumber":"131045","insuredIdentificationNumber":"12"})");
  EXPECT_EQ(qualification_to_json(Qualification{}), "{}");
  q.elderly_recipient = ElderlyRecipientCertificate{};
  std::string s = qualification_to_json(q);
  EXPECT_NE(s.find(R"("elderlyRecipient":{})"), std::string::npos);
  auto back = qualification_from_json(s);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, q);
  EXPECT_TRUE(back->elderly_recipient.has_value());
  EXPECT_FALSE(back->limit_application.has_value());
  EXPECT_TRUE(back->insured_branch_number.empty());
}

// R-REG-1: malformed payloads are errors with a code, and the key for type errors.
TEST(QualificationJson, Errors) {
  auto r = qualification_from_json("{\"insurerNumber\":");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_SYNTAX");
  EXPECT_EQ(qualification_from_json("").error().code, "E_JSON_SYNTAX");
  EXPECT_EQ(qualification_from_json("[1]").error().code, "E_JSON_TYPE");

  r = qualification_from_json(R"({"insuredBranchNumber":1})");  // 枝番 must stay a string
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_TYPE");
  EXPECT_EQ(r.error().field, "insuredBranchNumber");

  r = qualification_from_json(R"({"elderlyRecipient":"020"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "elderlyRecipient");
  r = qualification_from_json(
      R"({"limitApplication":{"limitApplicationCertificateClassificationFlag":5}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "limitApplicationCertificateClassificationFlag");
  r = qualification_from_json(R"({"specificDiseases":{}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "specificDiseases");
  r = qualification_from_json(R"({"specificDiseases":[1]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_JSON_TYPE");
}

// Unknown keys (a newer writer) are ignored; null means absent.
TEST(QualificationJson, TolerantReader) {
  auto r = qualification_from_json(
      R"({"insurerNumber":"06130488","futureElement":[1,2],"name":null,"elderlyRecipient":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->insurer_number, "06130488");
  EXPECT_TRUE(r->name.empty());
  EXPECT_FALSE(r->elderly_recipient.has_value());
}

// Large payloads (more than the writer's stack arena) still serialise correctly.
TEST(QualificationJson, LargePayload) {
  Qualification q = full_qualification();
  q.address = std::string(3000, 'x') + "住所";
  for (int i = 0; i < 50; ++i) q.specific_diseases.push_back(q.specific_diseases[0]);
  auto back = qualification_from_json(qualification_to_json(q));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, q);
}

// R-CONF-2: the card key joins the four card fields; an empty 枝番 is a distinct key.
TEST(Qualification, CardKey) {
  Qualification q = full_qualification();
  EXPECT_EQ(q.card_key(), std::string("06130488\x1f"
                                      "12-34\x1f"
                                      "0012\x1f"
                                      "01"));
  EXPECT_EQ(q.card_key(), make_card_key("06130488", "12-34", "0012", "01"));
  EXPECT_NE(make_card_key("06130488", "", "0012", ""), make_card_key("06130488", "", "12", ""));
  EXPECT_NE(make_card_key("06130488", "1", "23", ""), make_card_key("06130488", "12", "3", ""));
}

// R-CONF-6: coverage is half-open — 資格喪失日 is the first uncovered day.
TEST(Qualification, Covers) {
  Qualification q;
  q.qualification_date = "20200401";
  q.disqualification_date = "20250401";
  EXPECT_FALSE(q.covers("20200331"));
  EXPECT_TRUE(q.covers("20200401"));
  EXPECT_TRUE(q.covers("20250331"));
  EXPECT_FALSE(q.covers("20250401"));
  q.disqualification_date.clear();
  EXPECT_TRUE(q.covers("29991231"));
  q.qualification_date.clear();
  EXPECT_FALSE(q.covers("20250401"));
}

}  // namespace
}  // namespace onshi::core
