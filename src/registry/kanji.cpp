// The character set names are stored in, and the recorded conversion into it (R-REG-5).
//
// onshi stores names, addresses and insurer names in JIS X 0208 (as CP932 spells it: rows
// 1–8 and 16–84, without the NEC and IBM extensions and without 凜/熙, the two characters
// added in 1990 that レセ電 still refuses), plus ASCII and half-width katakana. The decision:
// what reception sees is what it copies into a claim, and claims accept only JIS X 0208 —
// storing a JIS X 0213 character such as 德 would hand the institution a name its claim
// cannot carry. ICU 72 has no JIS X 0213 converter to check the wider set against
// (x-MS932_0213 is an alias of a CP932 table), which settled it.
//
// A character outside the set becomes, in this order: its standard form from the variant
// table below (髙→高 …; the table is written from common knowledge of Japanese name
// variants), its Unicode canonical or compatibility equivalent when that is one character of
// the set (compatibility ideographs 塚→塚, Kangxi radicals ⼭→山, ①→1), or 〓 (U+3013, the
// 下駄 mark JIS text uses for a character it cannot show; "●" is left to mean a conversion
// made upstream that nobody recorded). Every replacement is one character for one, so the
// recorded position is the same in the original and the stored text.
//
// The hot path is a bitmap lookup per non-ASCII character, built once from CP932 by ICU;
// only a character outside the set (rare) reaches the table and the normaliser.
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <memory>
#include <mutex>

#include "core/text.h"
#include "registry/fields.h"
#include "registry/registry.h"

namespace onshi::registry {
namespace {

// Variant → standard form. Sources: the pairs insurers themselves use when they drop 外字
// (髙→高, 﨑→崎), the JIS X 0213:2004 glyph changes (剝→剥 …) and the old/new forms of the
// 常用漢字 table (德→徳, 淸→清 …) — all common knowledge of Japanese names, checked by a test
// to map a character outside the set to one inside it.
struct Variant {
  char32_t from, to;
};
constexpr Variant kVariants[] = {
    {0x00A0, 0x0020},  // no-break space → space
    {0x00A2, 0xFFE0},  // ¢ → ￠ (the same JIS character under CP932's code point)
    {0x00A3, 0xFFE1},  // £ → ￡
    {0x00A5, 0xFFE5},  // ¥ → ￥
    {0x00AC, 0xFFE2},  // ¬ → ￢
    {0x2011, 0x2010},  // non-breaking hyphen → ‐
    {0x2014, 0x2015},  // — → ―
    {0x2016, 0x2225},  // ‖ → ∥
    {0x2212, 0xFF0D},  // − → －
    {0x301C, 0xFF5E},  // 〜 → ～
    {0x4FE0, 0x4FA0},  // 俠 → 侠
    {0x4FF1, 0x5036},  // 俱 → 倶
    {0x51DC, 0x51DB},  // 凜 → 凛 (JIS X 0208:1990 addition, refused by レセ電)
    {0x525D, 0x5265},  // 剝 → 剥
    {0x541E, 0x5451},  // 吞 → 呑
    {0x5653, 0x5618},  // 噓 → 嘘
    {0x589E, 0x5897},  // 增 → 増
    {0x5D5C, 0x5D0E},  // 嵜 → 崎
    {0x5D8C, 0x5CF6},  // 嶌 → 島
    {0x5DE2, 0x5DE3},  // 巢 → 巣
    {0x5FB7, 0x5FB3},  // 德 → 徳
    {0x6451, 0x63B4},  // 摑 → 掴
    {0x654E, 0x6559},  // 敎 → 教
    {0x66FA, 0x66F9},  // 曺 → 曹
    {0x66FB, 0x6607},  // 曻 → 昇
    {0x6801, 0x67F3},  // 栁 → 柳
    {0x6852, 0x6851},  // 桒 → 桑
    {0x69D7, 0x6A4B},  // 槗 → 橋
    {0x6B65, 0x6B69},  // 步 → 歩
    {0x6DF8, 0x6E05},  // 淸 → 清
    {0x6FF5, 0x6D5C},  // 濵 → 浜
    {0x7028, 0x702C},  // 瀨 → 瀬
    {0x7199, 0x7155},  // 熙 → 煕 (JIS X 0208:1990 addition, refused by レセ電)
    {0x7626, 0x75E9},  // 瘦 → 痩
    {0x784F, 0x7814},  // 硏 → 研
    {0x797F, 0x7984},  // 祿 → 禄
    {0x7E6B, 0x7E4B},  // 繫 → 繋
    {0x8229, 0x8239},  // 舩 → 船
    {0x85B0, 0x85AB},  // 薰 → 薫
    {0x87EC, 0x8749},  // 蟬 → 蝉
    {0x8CF4, 0x983C},  // 賴 → 頼
    {0x91AC, 0x91A4},  // 醬 → 醤
    {0x9751, 0x9752},  // 靑 → 青
    {0x9830, 0x982C},  // 頰 → 頬
    {0x9AD9, 0x9AD8},  // 髙 → 高
    {0x9DD7, 0x9D0E},  // 鷗 → 鴎
    {0x9ED1, 0x9ED2},  // 黑 → 黒
    {0xFA11, 0x5D0E},  // 﨑 → 崎
    {0xFA14, 0x6B05},  // 﨔 → 欅
    {0x2123D, 0x571F},  // 𡈽 → 土
    {0x20B9F, 0x53F1},  // 𠮟 → 叱
    {0x20BB7, 0x5409},  // 𠮷 → 吉
    {0x2363A, 0x6A4B},  // 𣘺 → 橋
    {0x2550E, 0x5D0E},  // 𥔎 → 崎
};

// The JIS X 0208 set as CP932 spells it, plus ASCII and half-width katakana, as a bitmap
// over the BMP (no character of the set lies beyond it).
class StoredSet {
 public:
  StoredSet() {
    for (char32_t c = 0x20; c < 0x7F; ++c) bits_.set(c);
    for (char32_t c = 0xFF61; c <= 0xFF9F; ++c) bits_.set(c);
    auto add_lead = [&](int lead) {
      for (int trail = 0x40; trail <= 0xFC; ++trail) {
        if (trail == 0x7F) continue;
        const char bytes[2] = {static_cast<char>(lead), static_cast<char>(trail)};
        auto u = core::shift_jis_to_utf8(std::string_view(bytes, 2));
        if (!u || u->empty()) continue;
        icu::UnicodeString s = icu::UnicodeString::fromUTF8(*u);
        if (s.countChar32() != 1) continue;
        UChar32 c = s.char32At(0);
        if (c > 0 && c < 0x10000) bits_.set(static_cast<size_t>(c));
      }
    };
    for (int lead = 0x81; lead <= 0x84; ++lead) add_lead(lead);  // rows 1–8
    for (int lead = 0x88; lead <= 0x9F; ++lead) add_lead(lead);  // rows 16–62
    for (int lead = 0xE0; lead <= 0xEA; ++lead) add_lead(lead);  // rows 63–84
    bits_.reset(0x51DC);  // 凜
    bits_.reset(0x7199);  // 熙
  }
  bool contains(char32_t c) const { return c < 0x10000 && bits_.test(c); }

 private:
  std::bitset<0x10000> bits_;
};

const StoredSet& stored_set() {
  static const StoredSet set;
  return set;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Decodes one code point at s[i] and advances i; a broken sequence yields U+FFFD.
char32_t decode(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (n == 0 || i + n >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = n == 3 ? (c & 0x07) : n == 2 ? (c & 0x0F) : (c & 0x1F);
  for (int k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += static_cast<size_t>(n) + 1;
  return cp;
}

// The replacement for a character outside the set (rare path).
char32_t replacement_for(char32_t c) {
  const auto* end = std::end(kVariants);
  const auto* it = std::find_if(std::begin(kVariants), end, [c](const Variant& v) { return v.from == c; });
  if (it != end && stored_set().contains(it->to)) return it->to;
  // One-character canonical (NFC) or compatibility (NFKC) equivalent inside the set.
  UErrorCode err = U_ZERO_ERROR;
  for (const icu::Normalizer2* n :
       {icu::Normalizer2::getNFCInstance(err), icu::Normalizer2::getNFKCInstance(err)}) {
    if (U_FAILURE(err) || !n) break;
    icu::UnicodeString src(static_cast<UChar32>(c));
    UErrorCode e2 = U_ZERO_ERROR;
    icu::UnicodeString norm = n->normalize(src, e2);
    if (U_SUCCESS(e2) && norm.countChar32() == 1) {
      UChar32 r = norm.char32At(0);
      if (r > 0 && stored_set().contains(static_cast<char32_t>(r))) return static_cast<char32_t>(r);
    }
  }
  return kSubstituteCharacter;
}

}  // namespace

bool in_stored_character_set(char32_t c) { return stored_set().contains(c); }

char32_t stored_form_of(char32_t c) {
  return stored_set().contains(c) ? c : replacement_for(c);
}

std::string to_stored_text(std::string_view field, std::string_view text,
                           std::vector<KanjiConversion>& conversions) {
  bool ascii = true;
  for (unsigned char b : text) {
    if (b >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::string(text);
  const StoredSet& set = stored_set();
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  int64_t position = 0;
  while (i < text.size()) {
    size_t start = i;
    char32_t c = decode(text, i);
    if (c < 0x80 || set.contains(c)) {
      out.append(text.substr(start, i - start));
    } else {
      char32_t r = replacement_for(c);
      append_utf8(out, r);
      KanjiConversion k;
      k.field = std::string(field);
      k.position = position;
      k.original = std::string(text.substr(start, i - start));
      append_utf8(k.replacement, r);
      conversions.push_back(std::move(k));
    }
    ++position;
  }
  return out;
}

std::string conversions_to_json(const std::vector<KanjiConversion>& conversions) {
  if (conversions.empty()) return {};
  std::string out = "[";
  for (size_t i = 0; i < conversions.size(); ++i) {
    const auto& k = conversions[i];
    if (i) out.push_back(',');
    out += "{\"field\":";
    detail::append_json_string(out, k.field);
    out += ",\"position\":" + std::to_string(k.position) + ",\"original\":";
    detail::append_json_string(out, k.original);
    out += ",\"replacement\":";
    detail::append_json_string(out, k.replacement);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace onshi::registry
