// Tests for text: encoding detection, CP932 ⇄ UTF-8 without silent replacement, the
// normalisation of typed card data (domain-rules §5 vectors) and kana forms.
#include "core/text.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace onshi::core {
namespace {

// R-CONF-2: the §5 normalisation vectors, so typed card data matches registered data.
TEST(Text, NormalizeCardFieldResearchVectors) {
  EXPECT_EQ(normalize_card_field("１２３４"), "1234");
  EXPECT_EQ(normalize_card_field("ＡＢ－１"), "AB-1");
  EXPECT_EQ(normalize_card_field("AB\u20101"), "AB-1");  // U+2010 HYPHEN
  EXPECT_EQ(normalize_card_field("AB\u22121"), "AB-1");  // U+2212 MINUS SIGN
  EXPECT_EQ(normalize_card_field("ｶﾞｸ"), "ガク");
  EXPECT_EQ(normalize_card_field("北●"), "北●");  // kept: "●" is the insurer's wildcard
  EXPECT_EQ(normalize_card_field("ＡＢ１２３－４５‐６−７　ｶﾞｸ ﾄﾞｳ"), "AB123-45-6-7 ガク ドウ");
}

// R-CONF-2: every hyphen look-alike, ideographic space, trimming and ASCII upper case.
TEST(Text, NormalizeCardFieldDetails) {
  for (const char* dash :
       {"\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\uFF0D"}) {
    EXPECT_EQ(normalize_card_field(std::string("12") + dash + "34"), "12-34") << dash;
  }
  EXPECT_EQ(normalize_card_field("12ー34"), "12-34");     // 長音 typed between digits
  EXPECT_EQ(normalize_card_field("12ｰ34"), "12-34");      // half-width 長音
  EXPECT_EQ(normalize_card_field("ヤマー1"), "ヤマー1");  // not between digits: kept
  EXPECT_EQ(normalize_card_field("　ａｂ１２　"), "AB12");
  EXPECT_EQ(normalize_card_field("  ab-12 "), "AB-12");
  EXPECT_EQ(normalize_card_field("\tx1\n"), "X1");
  EXPECT_EQ(normalize_card_field(""), "");
  EXPECT_EQ(normalize_card_field("　"), "");
  // Leading zeros are part of the number: "0012" and "12" stay different.
  EXPECT_EQ(normalize_card_field("００１２"), "0012");
  EXPECT_NE(normalize_card_field("0012"), normalize_card_field("12"));
  // 枝番 stays a two-character string.
  EXPECT_EQ(normalize_card_field("０１"), "01");
  EXPECT_NE(normalize_card_field("01"), "1");
  // Kanji 記号 are untouched apart from compatibility folding.
  EXPECT_EQ(normalize_card_field("東京 ａ"), "東京 A");
}

// R-CONF-2: the pure-ASCII path gives the same answers as the ICU path.
TEST(Text, NormalizeAsciiMatchesIcuPath) {
  EXPECT_EQ(normalize_card_field("abc-123"), "ABC-123");
  EXPECT_EQ(normalize_card_field("abc-123"), normalize_card_field("ａｂｃ－１２３"));
  EXPECT_EQ(normalize_card_field(" 06130488 "), "06130488");
}

TEST(Text, Utf8Validity) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("abc"));
  EXPECT_TRUE(is_valid_utf8("資格確認 𠮷"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong "/"
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xE3\x81"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x82\xA0"));          // Shift_JIS あ
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
}

// R-CONF-2: receipt computers send Shift_JIS or UTF-8; the BOM and validity decide.
TEST(Text, DetectEncoding) {
  EXPECT_EQ(detect_encoding("\xEF\xBB\xBF<a/>"), Encoding::kUtf8);
  EXPECT_EQ(detect_encoding("<a>資格</a>"), Encoding::kUtf8);
  EXPECT_EQ(detect_encoding("<a>plain</a>"), Encoding::kUtf8);
  EXPECT_EQ(detect_encoding("<a>\x8E\x91\x8A\x69</a>"), Encoding::kShiftJis);  // 資格
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB\xBF"
                           "abc"),
            "abc");
  EXPECT_EQ(strip_utf8_bom("abc"), "abc");
}

// R-CONF-2: CP932 decoding maps like Windows (0x8160 → ～ U+FF5E, 0x817C → － U+FF0D,
// 0x5C → backslash) and round-trips, NEC/IBM extensions included.
TEST(Text, ShiftJisRoundTrip) {
  auto u = shift_jis_to_utf8("\x8E\x91\x8A\x69\x8A\x6D\x94\x46");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u, "資格確認");
  EXPECT_EQ(*shift_jis_to_utf8("\x81\x60"), "\uFF5E");
  EXPECT_EQ(*shift_jis_to_utf8("\x81\x7C"), "\uFF0D");
  EXPECT_EQ(*shift_jis_to_utf8("\x5C"), "\\");
  EXPECT_EQ(*shift_jis_to_utf8("\xB6\xDE\xB8"), "ｶﾞｸ");  // half-width kana
  EXPECT_EQ(*shift_jis_to_utf8("\xFB\xFC"), "髙");       // IBM extension
  EXPECT_EQ(*shift_jis_to_utf8("\x87\x40"), "①");        // NEC row 13
  for (const char* s : {"資格確認", "\uFF5E", "\uFF0D", "髙橋", "﨑", "①②", "ｼｹﾝ ｲﾁﾛｳ", "abc\\"}) {
    auto enc = utf8_to_shift_jis(s);
    ASSERT_TRUE(enc.ok()) << s;
    auto dec = shift_jis_to_utf8(*enc);
    ASSERT_TRUE(dec.ok()) << s;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(*utf8_to_shift_jis("\uFF5E"), "\x81\x60");
  EXPECT_EQ(*utf8_to_shift_jis("\uFF0D"), "\x81\x7C");
  EXPECT_EQ(*utf8_to_shift_jis(""), "");
}

// R-CONF-2: the JIS-side code points of 〜 and − (used by non-Windows systems) encode to the
// same CP932 bytes as the Windows-side ones.
TEST(Text, JisSideCodePointsEncode) {
  EXPECT_EQ(*utf8_to_shift_jis("\u301C"), "\x81\x60");  // WAVE DASH
  EXPECT_EQ(*utf8_to_shift_jis("\u2212"), "\x81\x7C");  // MINUS SIGN
  EXPECT_EQ(*utf8_to_shift_jis("\u2016"), "\x81\x61");  // DOUBLE VERTICAL LINE
  EXPECT_EQ(*utf8_to_shift_jis("\u2014"), "\x81\x5C");  // EM DASH
  EXPECT_TRUE(representable_in_shift_jis("1\u301C3"));
}

// R-REG-5: invalid bytes and characters without a CP932 form are errors, never replaced.
TEST(Text, EncodingErrorsAreNotReplaced) {
  auto bad = shift_jis_to_utf8("AB\x81");  // truncated double-byte character
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_ENCODING");
  auto bad2 = shift_jis_to_utf8("A\x85\x40");  // unassigned row
  ASSERT_FALSE(bad2.ok());
  EXPECT_EQ(bad2.error().code, "E_ENCODING");
  EXPECT_NE(bad2.error().message.find("2バイト目"), std::string::npos);

  auto yoshi = utf8_to_shift_jis("𠮷田");  // U+20BB7 is not in CP932
  ASSERT_FALSE(yoshi.ok());
  EXPECT_EQ(yoshi.error().code, "E_ENCODING");
  EXPECT_NE(yoshi.error().message.find("U+20BB7"), std::string::npos);
  EXPECT_FALSE(representable_in_shift_jis("𠮷"));
  EXPECT_FALSE(representable_in_shift_jis("한국"));
  EXPECT_TRUE(representable_in_shift_jis("髙橋 德 ●"));
  EXPECT_EQ(utf8_to_shift_jis("\xC0\xAF").error().code, "E_ENCODING");  // invalid UTF-8
}

// R-CONF-3: NameKana is shown in half-width katakana; registrations may send full-width
// katakana or hiragana.
TEST(Text, KanaWidths) {
  EXPECT_EQ(to_halfwidth_katakana("シケン　イチロウ"), "ｼｹﾝ ｲﾁﾛｳ");
  EXPECT_EQ(to_halfwidth_katakana("しけん いちろう"), "ｼｹﾝ ｲﾁﾛｳ");
  EXPECT_EQ(to_halfwidth_katakana("ガッコウ　パン"), "ｶﾞｯｺｳ ﾊﾟﾝ");
  EXPECT_EQ(to_halfwidth_katakana("ヤマモト・ジョー"), "ﾔﾏﾓﾄ･ｼﾞｮｰ");
  EXPECT_EQ(to_fullwidth_katakana("ｼｹﾝ ｲﾁﾛｳ"), "シケン　イチロウ");
  EXPECT_EQ(to_fullwidth_katakana("ｶﾞｯｺｳ ﾊﾟﾝ"), "ガッコウ　パン");
  EXPECT_EQ(to_fullwidth_katakana("しけん"), "シケン");
  EXPECT_EQ(to_fullwidth_katakana(to_halfwidth_katakana("ジョー")), "ジョー");
}

TEST(Text, IsKanaName) {
  EXPECT_TRUE(is_kana_name("ｼｹﾝ ｲﾁﾛｳ"));
  EXPECT_TRUE(is_kana_name("シケン　イチロウ"));
  EXPECT_TRUE(is_kana_name("ヤマモト・ジョー"));
  EXPECT_TRUE(is_kana_name("ｶﾞｸ"));
  EXPECT_FALSE(is_kana_name("しけん"));
  EXPECT_FALSE(is_kana_name("試験"));
  EXPECT_FALSE(is_kana_name("SHIKEN"));
  EXPECT_FALSE(is_kana_name(""));
  EXPECT_FALSE(is_kana_name("　"));
  EXPECT_FALSE(is_kana_name("ー"));
}

TEST(Text, CodepointsAndDigits) {
  EXPECT_EQ(codepoint_count(""), 0u);
  EXPECT_EQ(codepoint_count("abc"), 3u);
  EXPECT_EQ(codepoint_count("資格確認"), 4u);
  EXPECT_EQ(codepoint_count("𠮷田"), 2u);
  EXPECT_TRUE(all_digits("0123456789"));
  EXPECT_FALSE(all_digits(""));
  EXPECT_FALSE(all_digits("12 3"));
  EXPECT_FALSE(all_digits("１２"));
}

}  // namespace
}  // namespace onshi::core

namespace onshi::core {
namespace {

// R-CONF-2: conversions run on server worker threads at once; each thread keeps its own ICU
// converter and transliterators, so results do not interfere.
TEST(Text, ConcurrentConversions) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong] {
      for (int i = 0; i < 200; ++i) {
        auto u = shift_jis_to_utf8("\x8E\x91\x8A\x69");
        if (!u.ok() || *u != "資格") ++wrong;
        if (utf8_to_shift_jis("𠮷").ok()) ++wrong;
        if (normalize_card_field("ＡＢ－１") != "AB-1") ++wrong;
        if (to_halfwidth_katakana("シケン") != "ｼｹﾝ") ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace onshi::core
