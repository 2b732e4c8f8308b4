// Record validation: one test per error code with the field it names, normalisation of card
// fields, and the rule that a My Number never appears in an error message.
#include <gtest/gtest.h>

#include "core/text.h"
#include "registry/registry.h"

namespace onshi::registry {
namespace {

const core::Date kToday = core::Date::from_ymd(2025, 6, 1);

FieldMap base() {
  return {{"InsurerNumber", "06139992"},
          {"InsurerName", "オンシ電機健康保険組合"},
          {"InsuredCardClassification", "01"},
          {"InsuredCardSymbol", "1234"},
          {"InsuredIdentificationNumber", "5678"},
          {"InsuredBranchNumber", "00"},
          {"PersonalFamilyClassification", "1"},
          {"Name", "山田\u3000太郎"},
          {"NameKana", "ヤマダ\u3000タロウ"},
          {"Sex1", "1"},
          {"Birthdate", "19800515"},
          {"QualificationDate", "20100401"},
          {"MyNumber", "987654321018"}};
}

FieldMap with(FieldMap m, const std::string& key, const std::string& value) {
  for (auto& [k, v] : m) {
    if (k == key) {
      v = value;
      return m;
    }
  }
  m.emplace_back(key, value);
  return m;
}

FieldMap without(FieldMap m, const std::string& key) {
  std::erase_if(m, [&](const auto& kv) { return kv.first == key; });
  return m;
}

std::vector<Error> errors_of(const FieldMap& m) {
  auto r = validate_record(m, kToday);
  if (auto* e = std::get_if<std::vector<Error>>(&r)) return *e;
  return {};
}

core::Qualification ok(const FieldMap& m) {
  auto r = validate_record(m, kToday);
  if (auto* e = std::get_if<std::vector<Error>>(&r)) {
    for (const auto& x : *e) ADD_FAILURE() << x.field << " " << x.code << " " << x.message;
    return {};
  }
  return std::get<ValidatedRecord>(r).qualification;
}

::testing::AssertionResult has_error(const FieldMap& m, const std::string& field,
                                     const std::string& code) {
  auto errs = errors_of(m);
  std::string seen;
  for (const auto& e : errs) {
    if (e.field == field && e.code == code) {
      if (e.message.empty()) return ::testing::AssertionFailure() << "empty message";
      return ::testing::AssertionSuccess();
    }
    seen += e.field + ":" + e.code + " ";
  }
  return ::testing::AssertionFailure() << "expected " << field << ":" << code << ", got [" << seen
                                       << "]";
}

// A 70–74 member (高齢受給者) with a certificate, valid on kToday.
FieldMap elderly() {
  FieldMap m = base();
  m = with(m, "Birthdate", "19530610");  // 高齢受給者 from 2023-07-01, 後期 from 2028-06-10
  m = with(m, "QualificationDate", "19750401");
  m = with(m, "ElderlyRecipientCertificateDate", "20240801");
  m = with(m, "ElderlyRecipientValidStartDate", "20240801");
  m = with(m, "ElderlyRecipientValidEndDate", "20250731");
  m = with(m, "ElderlyRecipientContributionRatio", "020");
  return m;
}

TEST(Validate, AcceptsAValidRecord) {  // R-REG-1
  auto q = ok(base());
  EXPECT_EQ(q.insurer_number, "06139992");
  EXPECT_EQ(q.insured_card_symbol, "1234");
  EXPECT_EQ(q.insured_branch_number, "00");
  EXPECT_EQ(q.name_kana, "ヤマダ\u3000タロウ");
  auto r = validate_record(base(), kToday);
  EXPECT_EQ(std::get<ValidatedRecord>(r).my_number, "987654321018");
}

TEST(Validate, InsurerCheckDigit) {  // R-REG-4
  EXPECT_TRUE(has_error(with(base(), "InsurerNumber", "06139993"), "InsurerNumber", "E_CHECK_DIGIT"));
  EXPECT_TRUE(has_error(with(base(), "InsurerNumber", "0613999"), "InsurerNumber", "E_LENGTH"));
}

TEST(Validate, BlackCircleAndOtherNonNumberCharacters) {  // R-REG-4 "●"
  EXPECT_TRUE(has_error(with(base(), "InsuredIdentificationNumber", "56●8"),
                        "InsuredIdentificationNumber", "E_BAD_CHARACTER"));
  EXPECT_TRUE(has_error(with(base(), "InsuredCardSymbol", "12●4"), "InsuredCardSymbol",
                        "E_BAD_CHARACTER"));
  EXPECT_TRUE(has_error(with(base(), "InsuredIdentificationNumber", "56?8"),
                        "InsuredIdentificationNumber", "E_BAD_CHARACTER"));
  EXPECT_TRUE(has_error(with(base(), "InsuredCardSymbol", "〓12"), "InsuredCardSymbol",
                        "E_BAD_CHARACTER"));
  EXPECT_TRUE(has_error(with(base(), "InsuredIdentificationNumber", "56\x01" "8"),
                        "InsuredIdentificationNumber", "E_BAD_CHARACTER"));
  // The number has no kanji; the symbol may.
  EXPECT_TRUE(has_error(with(base(), "InsuredIdentificationNumber", "東5678"),
                        "InsuredIdentificationNumber", "E_BAD_CHARACTER"));
  EXPECT_EQ(ok(with(base(), "InsuredCardSymbol", "本省12")).insured_card_symbol, "本省12");
}

TEST(Validate, NormalisesCardFields) {  // R-REG-1
  auto q = ok(with(with(with(base(), "InsuredCardSymbol", "１２３"), "InsuredIdentificationNumber",
                        "ａｂ－５６７８"),
                   "InsuredBranchNumber", "０１"));
  EXPECT_EQ(q.insured_card_symbol, "123");
  EXPECT_EQ(q.insured_identification_number, "AB-5678");
  EXPECT_EQ(q.insured_branch_number, "01");
  auto k = ok(with(with(base(), "InsurerNumber", "  131045"), "InsuredCardSymbol", ""));
  EXPECT_EQ(k.insurer_number, "131045");
  EXPECT_EQ(ok(with(base(), "PostNumber", "1638001")).post_number, "163-8001");
  EXPECT_EQ(ok(with(base(), "PostNumber", "163-8001")).post_number, "163-8001");
  EXPECT_TRUE(has_error(with(base(), "PostNumber", "16-38001"), "PostNumber", "E_POST_NUMBER"));
}

TEST(Validate, KanaIsStoredFullWidth) {
  auto q = ok(with(base(), "NameKana", "ﾔﾏﾀﾞ ﾀﾛｳ"));
  EXPECT_EQ(q.name_kana, core::to_fullwidth_katakana("ﾔﾏﾀﾞ ﾀﾛｳ"));
  EXPECT_TRUE(core::is_kana_name(q.name_kana));
  EXPECT_EQ(q.name_kana.find("ﾀ"), std::string::npos);
  // The fast path (already full-width) gives exactly what the ICU path gives.
  for (std::string s : {"ヤマダ\u3000タロウ", "サトウ\u3000ハナ", "ヴィ・ラー"})
    EXPECT_EQ(ok(with(base(), "NameKana", s)).name_kana, core::to_fullwidth_katakana(s)) << s;
  EXPECT_TRUE(has_error(with(base(), "NameKana", "山田"), "NameKana", "E_KANA"));
}

TEST(Validate, BranchNumberIsEmptyOrTwoDigits) {
  EXPECT_EQ(ok(with(base(), "InsuredBranchNumber", "")).insured_branch_number, "");
  EXPECT_TRUE(has_error(with(base(), "InsuredBranchNumber", "1"), "InsuredBranchNumber",
                        "E_BRANCH_NUMBER"));
  EXPECT_TRUE(has_error(with(base(), "InsuredBranchNumber", "001"), "InsuredBranchNumber",
                        "E_BRANCH_NUMBER"));
}

TEST(Validate, Dates) {
  EXPECT_TRUE(has_error(with(base(), "Birthdate", "19800231"), "Birthdate", "E_DATE_INVALID"));
  EXPECT_TRUE(has_error(with(base(), "Birthdate", "1980-05-15"), "Birthdate", "E_DATE_FORMAT"));
  EXPECT_TRUE(has_error(with(base(), "Birthdate", "20250602"), "Birthdate", "E_DATE_FUTURE"));
  // 資格喪失日 is the first uncovered day: it must come after the 取得日.
  EXPECT_TRUE(has_error(with(base(), "DisqualificationDate", "20100401"), "DisqualificationDate",
                        "E_DATE_ORDER"));
  EXPECT_TRUE(has_error(with(base(), "QualificationDate", "19800514"), "QualificationDate",
                        "E_DATE_ORDER"));
  EXPECT_TRUE(has_error(with(with(base(), "InsuredCardValidDate", "20250801"),
                             "InsuredCardExpirationDate", "20250731"),
                        "InsuredCardExpirationDate", "E_DATE_ORDER"));
  auto lost = ok(with(with(base(), "DisqualificationDate", "20240401"), "ReasonOfLoss", "03"));
  EXPECT_EQ(lost.disqualification_date, "20240401");
  EXPECT_TRUE(has_error(with(base(), "ReasonOfLoss", "03"), "DisqualificationDate", "E_MISSING"));
}

TEST(Validate, Codes) {
  EXPECT_TRUE(has_error(with(base(), "Sex1", "9"), "Sex1", "E_CODE"));
  EXPECT_TRUE(has_error(with(base(), "InsuredCardClassification", "08"),
                        "InsuredCardClassification", "E_CODE"));
  EXPECT_TRUE(has_error(with(base(), "PersonalFamilyClassification", "3"),
                        "PersonalFamilyClassification", "E_CODE"));
  EXPECT_TRUE(has_error(with(with(base(), "DisqualificationDate", "20240401"), "ReasonOfLoss", "04"),
                        "ReasonOfLoss", "E_CODE"));
}

TEST(Validate, Ratios) {
  EXPECT_TRUE(has_error(with(base(), "InsuredPartialContributionRatio", "025"),
                        "InsuredPartialContributionRatio", "E_RATIO"));
  EXPECT_TRUE(has_error(with(base(), "InsuredPartialContributionRatio", "30"),
                        "InsuredPartialContributionRatio", "E_RATIO"));
  EXPECT_TRUE(has_error(with(elderly(), "ElderlyRecipientContributionRatio", "010"),
                        "ElderlyRecipientContributionRatio", "E_RATIO"));
}

TEST(Validate, ElderlyCertificateAndLimitCertificateConsistency) {  // R-REG-2, R-CONF-7
  auto q = ok(elderly());
  ASSERT_TRUE(q.elderly_recipient.has_value());
  EXPECT_EQ(q.elderly_recipient->contribution_ratio, "020");

  auto limit = [](FieldMap m, const std::string& cls, const std::string& flag) {
    m = with(m, "LimitApplicationCertificateClassification", cls);
    m = with(m, "LimitApplicationCertificateClassificationFlag", flag);
    m = with(m, "LimitApplicationCertificateValidStartDate", "20240801");
    m = with(m, "LimitApplicationCertificateValidEndDate", "20250731");
    return m;
  };
  EXPECT_TRUE(ok(limit(elderly(), "02", "B05")).limit_application.has_value());
  // 高齢受給者 2割 with 現役並み (3割) 区分 → contradiction.
  EXPECT_TRUE(has_error(limit(elderly(), "01", "B02"),
                        "LimitApplicationCertificateClassificationFlag", "E_CERT_INCONSISTENT"));
  // An under-70 区分 for a 70–74 person.
  EXPECT_TRUE(has_error(limit(elderly(), "01", "A03"),
                        "LimitApplicationCertificateClassificationFlag", "E_CERT_INCONSISTENT"));
  // 減額 区分 on a 限度額適用認定証 (01).
  EXPECT_TRUE(has_error(limit(base(), "01", "A05"), "LimitApplicationCertificateClassification",
                        "E_CERT_INCONSISTENT"));
  EXPECT_TRUE(ok(limit(base(), "01", "A03")).limit_application.has_value());
  // A 高齢受給者証 for someone under 70.
  EXPECT_TRUE(has_error(with(elderly(), "Birthdate", "19700101"), "ElderlyRecipientValidStartDate",
                        "E_CERT_INCONSISTENT"));
  EXPECT_TRUE(has_error(limit(base(), "01", "Z99"),
                        "LimitApplicationCertificateClassificationFlag", "E_CODE"));
}

TEST(Validate, PartialCertificateBlockIsMissingFields) {
  EXPECT_TRUE(has_error(with(base(), "ElderlyRecipientContributionRatio", "020"),
                        "ElderlyRecipientValidStartDate", "E_MISSING"));
  EXPECT_TRUE(has_error(with(base(), "LimitApplicationCertificateClassificationFlag", "A03"),
                        "LimitApplicationCertificateClassification", "E_MISSING"));
  EXPECT_TRUE(has_error(with(base(), "SpecificDiseasesDiseaseCategory", "1"),
                        "SpecificDiseasesSelfPay", "E_MISSING"));
}

TEST(Validate, SpecificDiseasesSeveralCertificates) {  // R-REG-2
  FieldMap m = base();
  m = with(m, "SpecificDiseasesDiseaseCategory", "2|3");
  m = with(m, "SpecificDiseasesValidStartDate", "20240101|20240201");
  m = with(m, "SpecificDiseasesSelfPay", "10000|10000");
  auto q = ok(m);
  ASSERT_EQ(q.specific_diseases.size(), 2u);
  EXPECT_EQ(q.specific_diseases[1].disease_category, "3");
  EXPECT_EQ(q.specific_diseases[1].valid_start_date, "20240201");
  EXPECT_TRUE(has_error(with(m, "SpecificDiseasesSelfPay", "10000"), "SpecificDiseasesSelfPay",
                        "E_CERT_INCONSISTENT"));
  // 20,000 yen only for 人工透析 (1) under 70.
  EXPECT_TRUE(has_error(with(m, "SpecificDiseasesSelfPay", "20000|10000"),
                        "SpecificDiseasesSelfPay", "E_CERT_INCONSISTENT"));
  EXPECT_TRUE(has_error(with(m, "SpecificDiseasesDiseaseCategory", "4|3"),
                        "SpecificDiseasesDiseaseCategory", "E_CODE"));
}

TEST(Validate, LatterElderly) {
  FieldMap m = base();
  m = with(m, "InsurerNumber", "39130000");
  m = with(m, "InsuredCardSymbol", "");
  m = with(m, "InsuredIdentificationNumber", "12345674");
  m = with(m, "InsuredBranchNumber", "");
  m = with(m, "Birthdate", "19450210");
  m = with(m, "QualificationDate", "20200210");
  m = with(m, "InsuredPartialContributionRatio", "010");
  EXPECT_EQ(ok(m).insured_partial_contribution_ratio, "010");
  EXPECT_TRUE(has_error(with(m, "InsuredCardSymbol", "12"), "InsuredCardSymbol",
                        "E_SYMBOL_NOT_ALLOWED"));
  // The 後期 被保険者番号 check digit is a claim-side rule of the review organisations, not a
  // registration rule: a number without it is registered as the insurer sent it.
  EXPECT_EQ(ok(with(m, "InsuredIdentificationNumber", "12345675")).insured_identification_number,
            "12345675");
  // 2割 for 後期 only from 2022-10-01: a qualification lost before then cannot be 2割.
  EXPECT_TRUE(has_error(with(with(m, "InsuredPartialContributionRatio", "020"),
                             "DisqualificationDate", "20220901"),
                        "InsuredPartialContributionRatio", "E_RATIO"));
  // A 被用者保険 card without 記号 is registered (insurers' systems differ); it is matched by
  // the empty 記号 the institution then also sends.
  EXPECT_EQ(ok(with(base(), "InsuredCardSymbol", "")).insured_card_symbol, "");
}

TEST(Validate, MissingRequiredFields) {
  for (const auto& f : required_fields()) {
    EXPECT_TRUE(has_error(without(base(), f), f, "E_MISSING")) << f;
    EXPECT_TRUE(has_error(with(base(), f, "  "), f, "E_MISSING")) << f;
  }
}

TEST(Validate, CollectsEveryErrorOfARecord) {
  FieldMap m = with(with(with(base(), "Sex1", "9"), "Birthdate", "19800231"), "InsurerNumber",
                    "06139993");
  auto errs = errors_of(m);
  EXPECT_EQ(errs.size(), 3u);
}

TEST(Validate, UnknownAndDuplicateFields) {
  FieldMap m = base();
  m.emplace_back("Foo", "1");
  m.emplace_back("Sex1", "1");
  auto errs = errors_of(m);
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].code, "E_UNKNOWN_FIELD");
  EXPECT_EQ(errs[1].code, "E_DUPLICATE_FIELD");
}

TEST(Validate, MyNumberNeverInAMessage) {  // R-REG-3, R-REG-4
  for (std::string bad : {"987654321019", "98765432101", "9876543210189", "98765432101X"}) {
    FieldMap m = with(with(base(), "MyNumber", bad), "Sex1", "9");
    auto errs = errors_of(m);
    bool my_number_error = false;
    for (const auto& e : errs) {
      EXPECT_EQ(e.message.find("98765432101"), std::string::npos) << e.message;
      EXPECT_EQ(e.field.find("98765432101"), std::string::npos);
      my_number_error = my_number_error || e.field == "MyNumber";
    }
    EXPECT_TRUE(my_number_error) << bad;
  }
  EXPECT_TRUE(has_error(with(base(), "MyNumber", "987654321019"), "MyNumber", "E_CHECK_DIGIT"));
  // Absent My Number is fine (R-REG-3: people without one stay confirmable by card).
  auto r = validate_record(without(base(), "MyNumber"), kToday);
  EXPECT_EQ(std::get<ValidatedRecord>(r).my_number, "");
}

TEST(Validate, JsonKeysAndKnownFields) {
  EXPECT_EQ(element_name_from_json_key("insurerNumber"), "InsurerNumber");
  EXPECT_EQ(element_name_from_json_key("myNumber"), "MyNumber");
  EXPECT_EQ(known_fields().size(), 40u);
  EXPECT_EQ(known_fields().front(), "InsurerNumber");
  EXPECT_EQ(known_fields().back(), "MyNumber");
}

TEST(Validate, ReportJson) {
  Report r;
  r.accepted = 2;
  r.rejected = 1;
  r.errors.push_back({3, "Sex1", "E_CODE", "性別1「\"9」"});
  EXPECT_EQ(r.to_json(),
            "{\"accepted\":2,\"unchanged\":0,\"rejected\":1,\"errors\":[{\"row\":3,\"field\":"
            "\"Sex1\",\"code\":\"E_CODE\",\"message\":\"性別1「\\\"9」\"}]}");
}

}  // namespace
}  // namespace onshi::registry
