// Tests for the identifier numbers (domain-rules §0–§4): every vector of the research, valid
// and invalid, through the validator that owns it and through the raw check-digit functions.
#include "core/numbers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace onshi::core {
namespace {

std::string code_of(const Status& s) {
  return s.ok() ? "OK" : s.error().code;
}

// R-REG-4: the shared 2-1 検証番号 is the Luhn digit; worked examples of the MHLW text.
TEST(Numbers, WeightedCheckDigitWorkedExamples) {
  EXPECT_EQ(weighted_check_digit("0613048"), 8);    // 別添２ 第1 example (Σ22 → 8)
  EXPECT_EQ(weighted_check_digit("3312001"), 5);    // 千葉県警察 33120015
  EXPECT_EQ(weighted_check_digit("341071236"), 2);  // 別添２ 第4-5 example (Σ28 → 2)
  EXPECT_EQ(weighted_check_digit("5401602"), 7);    // 公費 example 54016027
  EXPECT_EQ(weighted_check_digit("133011234"), 1);  // 歯科 1330112341 demonstration
  EXPECT_EQ(weighted_check_digit("134011234"), 9);  // 薬局 1340112349 demonstration
  EXPECT_EQ(weighted_check_digit("131011234"), 5);  // 医科 1310112345
  // Leading zeros do not change the digit: a 6-digit 国保 number validates padded or not.
  EXPECT_EQ(weighted_check_digit("13104"), weighted_check_digit("0013104"));
  EXPECT_EQ(weighted_check_digit(""), -1);
  EXPECT_EQ(weighted_check_digit("12a4"), -1);
}

// R-REG-4: known limit — adjacent 0↔9 transpositions pass (so a pass is not proof).
TEST(Numbers, WeightedCheckDigitMissesZeroNineTransposition) {
  EXPECT_TRUE(check_insurer_number("31090012").ok());
  EXPECT_TRUE(check_insurer_number("31900012").ok());
}

// R-REG-4: 個人番号 mod-11 check digit, every vector of §1.
TEST(Numbers, MyNumberValid) {
  for (const char* n : {"123456789018", "000000000000", "000000000019", "100000000005",
                        "111111111118", "987654321093", "201904011237", "555555555557",
                        "200000000000", "325003123401", "325003123410"}) {
    EXPECT_EQ(code_of(check_my_number(n)), "OK") << n;
  }
  EXPECT_EQ(my_number_check_digit("12345678901"), 8);  // hsaito/python-mynumber test vector
  EXPECT_EQ(my_number_check_digit("00000000001"), 9);  // Σ=2 → 9
  EXPECT_EQ(my_number_check_digit("10000000000"), 5);  // Σ=6 → 5
  EXPECT_EQ(my_number_check_digit("1234567890"), -1);
  EXPECT_EQ(my_number_check_digit("1234567890A"), -1);
}

// R-REG-4: wrong check digit, swapped digits, wrong length and letters are all refused.
TEST(Numbers, MyNumberInvalid) {
  EXPECT_EQ(code_of(check_my_number("123456789010")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_my_number("123456789019")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_my_number("213456789018")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_my_number("12345678901")), "E_LENGTH");
  EXPECT_EQ(code_of(check_my_number("1234567890180")), "E_LENGTH");
  EXPECT_EQ(code_of(check_my_number("12345678901A")), "E_NOT_DIGIT");
  EXPECT_EQ(code_of(check_my_number("")), "E_EMPTY");
  EXPECT_EQ(code_of(check_my_number("1234●6789018")), "E_NOT_DIGIT");
}

// R-REG-4: an error message never contains the My Number it rejects; it is in Japanese.
TEST(Numbers, MyNumberNeverInMessage) {
  for (const char* n : {"123456789010", "12345678901", "12345678901A"}) {
    Status s = check_my_number(n);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message.find(n), std::string::npos);
    EXPECT_EQ(s.error().message.find("1234567890"), std::string::npos);
    EXPECT_TRUE(s.error().field.empty());
  }
  EXPECT_EQ(check_my_number("123456789010").error().message, "個人番号の検証番号が一致しません");
}

// R-REG-1 / R-REG-4: 保険者番号, real and synthetic valid numbers of §2.
TEST(Numbers, InsurerNumberValid) {
  std::vector<std::string> valid = {"06130488", "33120015", "01130012", "01040013", "123455",
                                    "131045",   "131011",   "133033",   "271007",   "145003",
                                    "06270011", "31130016", "32130015", "34130013", "63130017",
                                    "72130016", "02130011", "07130016", "39140017"};
  for (const auto& n : valid) EXPECT_EQ(code_of(check_insurer_number(n)), "OK") << n;
}

// R-REG-1: all 47 後期高齢者医療広域連合 numbers 39010004 … 39470000 validate.
TEST(Numbers, InsurerNumberAllLatterElderlyUnions) {
  for (int pref = 1; pref <= 47; ++pref) {
    std::string body = "39" + std::string(pref < 10 ? "0" : "") + std::to_string(pref) + "000";
    std::string n = body + std::to_string(weighted_check_digit(body));
    EXPECT_EQ(code_of(check_insurer_number(n)), "OK") << n;
  }
  EXPECT_EQ(weighted_check_digit("3901000"), 4);  // 39010004 北海道
  EXPECT_EQ(weighted_check_digit("3947000"), 0);  // 39470000 沖縄
}

// R-REG-4: wrong check digits, lengths and characters of §2.
TEST(Numbers, InsurerNumberInvalid) {
  EXPECT_EQ(code_of(check_insurer_number("06130480")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_insurer_number("01130013")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_insurer_number("123456")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_insurer_number("3913000")), "E_LENGTH");
  EXPECT_EQ(code_of(check_insurer_number("391300001")), "E_LENGTH");
  EXPECT_EQ(code_of(check_insurer_number("1313")), "E_LENGTH");
  EXPECT_EQ(code_of(check_insurer_number("0613048X")), "E_NOT_DIGIT");
  EXPECT_EQ(code_of(check_insurer_number("")), "E_EMPTY");
  EXPECT_EQ(code_of(check_insurer_number("        ")), "E_EMPTY");
  EXPECT_EQ(check_insurer_number("06130480").error().message, "保険者番号の検証番号が一致しません");
}

// R-REG-1: 都道府県 00/48–50/98–99 and unknown 法別 are structural errors even when the
// check digit happens to pass; the alternates 51–97 are accepted.
TEST(Numbers, InsurerNumberStructure) {
  auto with_cd = [](std::string body) { return body + std::to_string(weighted_check_digit(body)); };
  EXPECT_EQ(code_of(check_insurer_number(with_cd("00104"))), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_insurer_number(with_cd("48104"))), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_insurer_number(with_cd("0648001"))), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_insurer_number(with_cd("0698001"))), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_insurer_number(with_cd("0663001"))), "OK");  // 13 + 50
  EXPECT_EQ(code_of(check_insurer_number(with_cd("63104"))), "OK");
  EXPECT_EQ(code_of(check_insurer_number(with_cd("1213001"))), "E_STRUCTURE");  // 法別 12 公費
  EXPECT_EQ(code_of(check_insurer_number(with_cd("0013104"))), "E_STRUCTURE");  // zero-padded 国保
}

// R-CONF-2: the XML interface pads 6-digit numbers with spaces to 8 characters.
TEST(Numbers, InsurerNumberPadding) {
  EXPECT_EQ(pad_insurer_number("131045"), "  131045");
  EXPECT_EQ(pad_insurer_number("06130488"), "06130488");
  EXPECT_EQ(trim_insurer_number("  131045"), "131045");
  EXPECT_EQ(trim_insurer_number("06130488"), "06130488");
  EXPECT_EQ(code_of(check_insurer_number("  131045")), "OK");
  EXPECT_EQ(code_of(check_insurer_number("  123456")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_insurer_number("131045  ")), "E_NOT_DIGIT");
}

// R-INST-1: 医療機関コード vectors of §4.
TEST(Numbers, MedicalInstitutionCodeValid) {
  for (const char* c :
       {"3410712362", "0110113719", "1310112345", "1310112352", "1330130012", "1340140019"}) {
    EXPECT_EQ(code_of(check_medical_institution_code(c)), "OK") << c;
  }
}

// R-INST-1: check digit over all nine digits; structure errors even when the digit passes.
TEST(Numbers, MedicalInstitutionCodeInvalid) {
  EXPECT_EQ(code_of(check_medical_institution_code("3410712360")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_medical_institution_code("3410712326")), "E_CHECK_DIGIT");
  // Dummy codes of public sample XML are refused (1312345678: 番号 4567 is not 医科).
  EXPECT_EQ(code_of(check_medical_institution_code("1312345678")), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_medical_institution_code("1311111111")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_medical_institution_code("0010712362")), "E_STRUCTURE");  // 都道府県 00
  EXPECT_EQ(code_of(check_medical_institution_code("4810712366")), "E_STRUCTURE");  // 都道府県 48
  EXPECT_EQ(code_of(check_medical_institution_code("3420712360")), "E_STRUCTURE");  // 点数表 2
  EXPECT_EQ(code_of(check_medical_institution_code("3410739993")), "E_STRUCTURE");  // 医科 3999
  // 1234 is outside the 歯科 / 薬局 ranges although the check digits (1 / 9) are right.
  EXPECT_EQ(code_of(check_medical_institution_code("1330112341")), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_medical_institution_code("1340112349")), "E_STRUCTURE");
  // §4 also lists 2712345673 and 4710145006 as valid; their check digits are right but their
  // 医療機関番号 (4567, 4500) lie outside the 医科 range 1000–2999 of 別添２ 第４-３.
  EXPECT_EQ(weighted_check_digit("271234567"), 3);
  EXPECT_EQ(weighted_check_digit("471014500"), 6);
  EXPECT_EQ(code_of(check_medical_institution_code("2712345673")), "E_STRUCTURE");
  // 欠番: middle or last two digits of the 医療機関番号 are 90.
  std::string body = "131011900";
  EXPECT_EQ(
      code_of(check_medical_institution_code(body + std::to_string(weighted_check_digit(body)))),
      "E_STRUCTURE");
  body = "131012901";
  EXPECT_EQ(
      code_of(check_medical_institution_code(body + std::to_string(weighted_check_digit(body)))),
      "E_STRUCTURE");
  EXPECT_EQ(code_of(check_medical_institution_code("341071236")), "E_LENGTH");
  EXPECT_EQ(code_of(check_medical_institution_code("34107-2362")), "E_NOT_DIGIT");
}

// R-AID-1: 公費負担者番号 vectors of §3, national and local.
TEST(Numbers, PublicExpenseNumber) {
  for (const char* n :
       {"54016027", "51136018", "83136010", "51137016", "82138009", "82134008", "82137001",
        "82137555", "82137670", "82137530", "38136016", "38136024", "87136008", "93137008",
        "12130019", "12131017", "12270021", "21130000", "54136015", "15010002", "80130008"}) {
    EXPECT_EQ(code_of(check_public_expense_number(n)), "OK") << n;
  }
  // 地方公費 (法別 80–99) with a failing check digit: a warning the caller may accept.
  EXPECT_EQ(code_of(check_public_expense_number("83133007")), "W_CHECK_DIGIT");
  EXPECT_EQ(weighted_check_digit("8313300"), 9);
  // National 法別: an error.
  EXPECT_EQ(code_of(check_public_expense_number("54016028")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_public_expense_number("12130018")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_public_expense_number("5401602")), "E_LENGTH");
  EXPECT_EQ(code_of(check_public_expense_number("06130488")), "E_STRUCTURE");  // an insurer
}

// R-AID-1: 公費受給者番号 vectors of §3.
TEST(Numbers, BeneficiaryNumber) {
  for (const char* n : {"0000018", "1234566", "9999996", "1000009", "6543219", "0123455"}) {
    EXPECT_EQ(code_of(check_beneficiary_number(n)), "OK") << n;
  }
  EXPECT_EQ(code_of(check_beneficiary_number("1234560")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_beneficiary_number("1234568")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_beneficiary_number("123456")), "E_LENGTH");
  EXPECT_EQ(code_of(check_beneficiary_number("")), "E_EMPTY");
}

// R-REG-1: the 後期 被保険者番号 carries the 2-1 check digit over its first 7 digits.
TEST(Numbers, LatterElderlyInsuredNumber) {
  EXPECT_EQ(code_of(check_latter_elderly_insured_number("06130488")), "OK");
  EXPECT_EQ(code_of(check_latter_elderly_insured_number("12345674")), "OK");
  EXPECT_EQ(code_of(check_latter_elderly_insured_number("12345670")), "E_CHECK_DIGIT");
  EXPECT_EQ(code_of(check_latter_elderly_insured_number("1234567")), "E_LENGTH");
}

// R-INST-2: 仮コード — 7 digits starting 00, no check digit.
TEST(Numbers, ProvisionalCode) {
  EXPECT_EQ(code_of(check_provisional_code("0012345")), "OK");
  EXPECT_EQ(code_of(check_provisional_code("0012346")), "OK");
  EXPECT_EQ(code_of(check_provisional_code("0112345")), "E_STRUCTURE");
  EXPECT_EQ(code_of(check_provisional_code("001234")), "E_LENGTH");
  EXPECT_EQ(code_of(check_provisional_code("00A2345")), "E_NOT_DIGIT");
}

}  // namespace
}  // namespace onshi::core
