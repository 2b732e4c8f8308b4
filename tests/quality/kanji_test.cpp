// The stored character set and the recorded kanji conversion at registration (R-REG-5):
// variants to their standard form, unmappable characters to 〓, plain JIS X 0208 names
// untouched, and the conversion kept with the version in a real SQLite store.
#include <gtest/gtest.h>

#include "core/text.h"
#include "quality_test_util.h"

namespace onshi::qtest {
namespace {

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) return std::string(1, static_cast<char>(c));
  if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

// R-REG-5: the set is JIS X 0208 (as CP932 spells it), ASCII and half-width kana.
TEST(StoredCharacterSet, MembershipFollowsJisX0208) {
  for (char32_t c : {U'山', U'田', U'高', U'崎', U'辺', U'邊', U'邉', U'ヴ', U'ー', U'　', U'●',
                     U'〓', U'ｱ', U'A', U'～', U'－', U'凛', U'煕', U'堯', U'槇', U'遙', U'瑤'})
    EXPECT_TRUE(registry::in_stored_character_set(c)) << utf8(c);
  // CP932's IBM/NEC extensions, JIS X 0213-only characters, beyond the BMP, the 1990 additions.
  for (char32_t c : {U'髙', U'﨑', U'德', U'栁', U'濵', U'①', U'𠮷', U'凜', U'熙', U'〜', U'−'})
    EXPECT_FALSE(registry::in_stored_character_set(c)) << utf8(c);
}

// R-REG-5: each variant of the table becomes a standard form that is in the set.
TEST(StoredCharacterSet, VariantsMapToStandardForms) {
  const std::pair<char32_t, char32_t> cases[] = {
      {U'髙', U'高'}, {U'﨑', U'崎'}, {U'德', U'徳'}, {U'栁', U'柳'}, {U'濵', U'浜'},
      {U'曻', U'昇'}, {U'﨔', U'欅'}, {U'𠮷', U'吉'}, {U'凜', U'凛'}, {U'熙', U'煕'},
      {U'剝', U'剥'}, {U'〜', U'～'}, {U'−', U'－'},
      {0xFA10, U'塚'},  // compatibility ideograph 塚, by canonical equivalence
      {0xF9DC, U'隆'},  // 隆
      {U'①', U'1'},     // by compatibility equivalence
      {0x2F2D, U'山'},  // Kangxi radical ⼭
  };
  for (auto [from, to] : cases) {
    EXPECT_FALSE(registry::in_stored_character_set(from)) << utf8(from);
    EXPECT_EQ(registry::stored_form_of(from), to) << utf8(from);
    EXPECT_TRUE(registry::in_stored_character_set(to)) << utf8(to);
  }
  // No known form: the substitute.
  EXPECT_EQ(registry::stored_form_of(U'彅'), registry::kSubstituteCharacter);
  EXPECT_TRUE(registry::in_stored_character_set(registry::kSubstituteCharacter));
}

// R-REG-5: conversion at validation, with field, position, original and replacement.
TEST(KanjiConversion, RecordedAtValidation) {
  auto r = registry::validate_record(
      member(kKenpo, "1234", "1", "00", "髙橋　一郎", "タカハシ　イチロウ", "19800515", "1",
             "20200401", {{"Address", "東京都世田谷区﨑町１－２"}}),
      core::Date::from_ymd(2025, 4, 15));
  ASSERT_TRUE(std::holds_alternative<registry::ValidatedRecord>(r));
  const auto& rec = std::get<registry::ValidatedRecord>(r);
  EXPECT_EQ(rec.qualification.name, "高橋　一郎");
  EXPECT_EQ(rec.qualification.address, "東京都世田谷区崎町１－２");
  EXPECT_EQ(rec.conversions,
            R"([{"field":"Name","position":0,"original":"髙","replacement":"高"},)"
            R"({"field":"Address","position":7,"original":"﨑","replacement":"崎"}])");
}

// R-REG-5: an unmappable rare character becomes 〓, at its position.
TEST(KanjiConversion, UnmappableBecomesSubstitute) {
  std::vector<registry::KanjiConversion> conv;
  EXPECT_EQ(registry::to_stored_text("Name", "草彅　剛", conv), "草〓　剛");
  ASSERT_EQ(conv.size(), 1u);
  EXPECT_EQ(conv[0].field, "Name");
  EXPECT_EQ(conv[0].position, 1);
  EXPECT_EQ(conv[0].original, "彅");
  EXPECT_EQ(conv[0].replacement, "〓");
  // Beyond the BMP, two variants in one name.
  conv.clear();
  EXPECT_EQ(registry::to_stored_text("Name", "𠮷田　德子", conv), "吉田　徳子");
  ASSERT_EQ(conv.size(), 2u);
  EXPECT_EQ(conv[1].position, 3);
  EXPECT_EQ(registry::conversions_to_json(conv),
            R"([{"field":"Name","position":0,"original":"𠮷","replacement":"吉"},)"
            R"({"field":"Name","position":3,"original":"德","replacement":"徳"}])");
}

// R-REG-5: plain JIS X 0208 names (and ASCII, half-width kana) are left as they are.
TEST(KanjiConversion, PlainNamesUnchanged) {
  std::vector<registry::KanjiConversion> conv;
  for (const char* s : {"山田　太郎", "渡邊　花子", "渡邉　一", "ｼｹﾝ ﾀﾛｳ", "John Smith",
                        "斎藤　凛", "北●　次郎"})
    EXPECT_EQ(registry::to_stored_text("Name", s, conv), s);
  EXPECT_TRUE(conv.empty());
  EXPECT_EQ(registry::conversions_to_json(conv), "");
  auto r = registry::validate_record(
      member(kKenpo, "1234", "1", "00", "山田　太郎", "ヤマダ　タロウ", "19800515", "1", "20200401"),
      core::Date::from_ymd(2025, 4, 15));
  ASSERT_TRUE(std::holds_alternative<registry::ValidatedRecord>(r));
  EXPECT_EQ(std::get<registry::ValidatedRecord>(r).conversions, "");
}

// R-REG-5: the conversion is kept with the version in the store; names stay Shift_JIS-safe.
TEST_F(StoreFixture, ConversionStoredWithTheVersion) {
  reg({member(kKenpo, "1234", "77", "00", "髙﨑　彅", "タカサキ　ナギ", "19800515", "1", "20200401",
              {{"InsuredName", "髙﨑　彅"}})});
  auto v = store->qualification_as_of(core::make_card_key(kKenpo, "1234", "77", "00"), INT64_MAX);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification.name, "高崎　〓");
  EXPECT_EQ((*v)->qualification.insured_name, "高崎　〓");
  EXPECT_TRUE(core::representable_in_shift_jis((*v)->qualification.name));
  auto conv = parse((*v)->conversions);
  ASSERT_TRUE(conv.is_array());
  ASSERT_EQ(conv.as_array().size(), 6u);  // three in InsuredName, three in Name
  int names = 0;
  for (const auto& c : conv.as_array()) {
    if (str(c, "field") != "Name") continue;
    ++names;
    if (c.as_object().at("position").as_int64() == 3) {
      EXPECT_EQ(str(c, "original"), "彅");
      EXPECT_EQ(str(c, "replacement"), "〓");
    }
  }
  EXPECT_EQ(names, 3);
}

}  // namespace
}  // namespace onshi::qtest
