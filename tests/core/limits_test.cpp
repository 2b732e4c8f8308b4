// The field length table (core/limits.h): limits from the interface spec, counted in their
// unit, refused with E_LENGTH naming the element and the limit. issue 14: one set of limits.
#include "core/limits.h"

#include <gtest/gtest.h>

namespace onshi::core {
namespace {

// research onshi-interface §2.1: 記号 ≤ 20, 番号 ≤ 20, 任意のファイル識別子 ≤ 50 characters.
TEST(LimitsTest, TheTableFollowsTheInterface) {
  EXPECT_EQ(kInsuredCardSymbolLimit.max, 20u);
  EXPECT_EQ(kInsuredIdentificationNumberLimit.max, 20u);
  EXPECT_EQ(kArbitraryFileIdentifierLimit.max, 50u);
  for (const auto& l : field_limits()) EXPECT_EQ(l.unit, LengthUnit::kCharacters) << l.element;
  EXPECT_EQ(field_limits().size(), 3u);
}

TEST(LimitsTest, CharactersAreCodePointsNotBytes) {
  std::string wide;
  for (int i = 0; i < 20; ++i) wide += "記";  // 60 bytes, 20 characters
  EXPECT_TRUE(check_length(kInsuredCardSymbolLimit, wide).ok());
  EXPECT_FALSE(check_length(kInsuredCardSymbolLimit, wide + "1").ok());
  EXPECT_EQ(length_in(kInsuredCardSymbolLimit, wide), 20u);
  FieldLimit bytes{"X", "エックス", LengthUnit::kBytes, 3};
  EXPECT_EQ(length_in(bytes, "記"), 3u);
  EXPECT_FALSE(check_length(bytes, "記1").ok());
}

TEST(LimitsTest, TheErrorNamesTheElementAndTheLimit) {
  Status s = check_length(kInsuredIdentificationNumberLimit, std::string(23, '1'));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_LENGTH");
  EXPECT_EQ(s.error().field, "InsuredIdentificationNumber");
  EXPECT_EQ(s.error().message, "被保険者証番号が長すぎます（20文字以内、入力は23文字）");
  EXPECT_TRUE(check_length(kInsuredIdentificationNumberLimit, "").ok());
}

}  // namespace
}  // namespace onshi::core
