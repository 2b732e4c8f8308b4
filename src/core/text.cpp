// Encodings, card-field normalisation and kana forms, all through ICU.
//
// The decision that shaped this file: conversions never substitute. ICU converters are set
// to stop at the first invalid byte or unmappable character and the caller gets E_ENCODING
// with the position, because a silently replaced character in a name or a 記号 would match
// the wrong person later. The one deliberate exception is the handful of JIS characters
// that Unicode holds twice (〜 U+301C vs ～ U+FF5E, − U+2212 vs － U+FF0D, …): text from
// non-Windows sources uses the JIS-side code points, which CP932 spells with the other one,
// so they are folded to the CP932 side before encoding — the same character, not a guess.
//
// Normalisation of typed card data runs per field on million-row imports, so pure-ASCII
// input (the common case) takes a byte loop and never reaches ICU.
#include "core/text.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <memory>
#include <vector>

namespace onshi::core {
namespace {

// ICU's name for Microsoft's CP932 table (alias "windows-31j"): 0x8160 ⇄ U+FF5E,
// 0x817C ⇄ U+FF0D, 0x5C ⇄ U+005C, NEC and IBM extensions included.
constexpr const char* kCp932 = "ibm-943_P15A-2003";

struct Converter {
  UConverter* cnv = nullptr;
  Converter() {
    UErrorCode err = U_ZERO_ERROR;
    cnv = ucnv_open(kCp932, &err);
    if (U_FAILURE(err)) {
      cnv = nullptr;
      return;
    }
    ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
    ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  }
  ~Converter() {
    if (cnv) ucnv_close(cnv);
  }
};

// Converters carry state, so each thread has its own.
UConverter* cp932() {
  thread_local Converter c;
  if (c.cnv) ucnv_reset(c.cnv);
  return c.cnv;
}

Error encoding_error(std::string message) {
  return Error{"E_ENCODING", "", std::move(message)};
}

std::string hex_upper(uint32_t v, int min_width) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (int shift = 28; shift >= 0; shift -= 4) {
    int nibble = (v >> shift) & 0xF;
    if (nibble != 0 || !out.empty() || shift < min_width * 4) out += kHex[nibble];
  }
  return out;
}

// JIS code points that CP932 spells with a different Unicode character.
UChar32 to_cp932_side(UChar32 c) {
  switch (c) {
    case 0x301C:
      return 0xFF5E;  // 〜 WAVE DASH → ～
    case 0x2016:
      return 0x2225;  // ‖ → ∥
    case 0x2212:
      return 0xFF0D;  // − MINUS SIGN → －
    case 0x00A2:
      return 0xFFE0;  // ¢
    case 0x00A3:
      return 0xFFE1;  // £
    case 0x00AC:
      return 0xFFE2;  // ¬
    case 0x2014:
      return 0x2015;  // — EM DASH → ―
    default:
      return c;
  }
}

bool all_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string trim_upper_ascii(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  std::string out(s.substr(b, e - b));
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool is_ascii_digit(UChar c) {
  return c >= u'0' && c <= u'9';
}

// A compound transliterator per thread (instances must not be shared between threads).
std::string transliterate(std::string_view utf8, const char* id, int which) {
  struct Cache {
    std::unique_ptr<icu::Transliterator> t[2];
  };
  thread_local Cache cache;
  auto& t = cache.t[which];
  if (!t) {
    UErrorCode err = U_ZERO_ERROR;
    t.reset(icu::Transliterator::createInstance(icu::UnicodeString(id, -1, US_INV), UTRANS_FORWARD,
                                                err));
    if (U_FAILURE(err)) t.reset();
  }
  if (!t) return std::string(utf8);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  t->transliterate(u);
  std::string out;
  u.toUTF8String(out);
  return out;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  int32_t length = static_cast<int32_t>(bytes.size());
  int32_t i = 0;
  while (i < length) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(s, i, length, c);  // strict: overlongs, surrogates and truncations give c < 0
    if (c < 0) return false;
  }
  return true;
}

std::string_view strip_utf8_bom(std::string_view bytes) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  return bytes;
}

Encoding detect_encoding(std::string_view bytes) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") return Encoding::kUtf8;
  return is_valid_utf8(bytes) ? Encoding::kUtf8 : Encoding::kShiftJis;
}

Result<std::string> shift_jis_to_utf8(std::string_view sjis) {
  if (all_ascii(sjis)) {
    // CP932's single-byte half is ASCII (0x5C stays a backslash, as on Windows).
    return std::string(sjis);
  }
  UConverter* cnv = cp932();
  if (!cnv) return encoding_error("Shift_JIS 変換器を開けません");
  icu::UnicodeString u;
  UChar* buf = u.getBuffer(static_cast<int32_t>(sjis.size()) + 1);  // ≤ one UChar per byte
  UChar* target = buf;
  const char* source = sjis.data();
  const char* limit = sjis.data() + sjis.size();
  UErrorCode err = U_ZERO_ERROR;
  ucnv_toUnicode(cnv, &target, buf + sjis.size() + 1, &source, limit, nullptr, true, &err);
  u.releaseBuffer(static_cast<int32_t>(target - buf));
  if (U_FAILURE(err)) {
    char bad[8];
    int8_t bad_len = sizeof bad;
    UErrorCode e2 = U_ZERO_ERROR;
    ucnv_getInvalidChars(cnv, bad, &bad_len, &e2);
    size_t offset = static_cast<size_t>(source - sjis.data()) - (U_SUCCESS(e2) ? bad_len : 0);
    return encoding_error("Shift_JIS（CP932）として不正なバイト列があります（" +
                          std::to_string(offset + 1) + "バイト目）");
  }
  std::string out;
  out.reserve(sjis.size() * 3 / 2);
  u.toUTF8String(out);
  return out;
}

Result<std::string> utf8_to_shift_jis(std::string_view utf8) {
  if (all_ascii(utf8)) return std::string(utf8);
  if (!is_valid_utf8(utf8)) return encoding_error("UTF-8 として不正なバイト列があります");
  UConverter* cnv = cp932();
  if (!cnv) return encoding_error("Shift_JIS 変換器を開けません");
  // UTF-16 written straight into a buffer (≤ one unit per UTF-8 byte): appending to a
  // UnicodeString a character at a time cost more than the conversion itself.
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  int32_t length = static_cast<int32_t>(utf8.size());
  std::vector<UChar> u(static_cast<size_t>(length) + 1);
  int32_t units = 0;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    U16_APPEND_UNSAFE(u.data(), units, to_cp932_side(c));
  }
  std::string out(static_cast<size_t>(units) * 2, '\0');  // ≤ two bytes per UChar
  char* target = out.data();
  const UChar* source = u.data();
  const UChar* limit = source + units;
  UErrorCode err = U_ZERO_ERROR;
  ucnv_fromUnicode(cnv, &target, out.data() + out.size(), &source, limit, nullptr, true, &err);
  if (U_FAILURE(err)) {
    UChar bad[4];
    int8_t bad_len = 4;
    UErrorCode e2 = U_ZERO_ERROR;
    ucnv_getInvalidUChars(cnv, bad, &bad_len, &e2);
    UChar32 c = 0xFFFD;
    if (U_SUCCESS(e2) && bad_len > 0) {
      int32_t j = 0;
      U16_NEXT(bad, j, bad_len, c);
    }
    std::string ch;
    icu::UnicodeString(c).toUTF8String(ch);
    return encoding_error("Shift_JIS（CP932）で表せない文字「" + ch + "」（U+" + hex_upper(c, 4) +
                          "）があります");
  }
  out.resize(static_cast<size_t>(target - out.data()));
  return out;
}

bool representable_in_shift_jis(std::string_view utf8) {
  return utf8_to_shift_jis(utf8).ok();
}

std::string normalize_card_field(std::string_view utf8) {
  if (all_ascii(utf8)) return trim_upper_ascii(utf8);
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  if (U_SUCCESS(err)) {
    icu::UnicodeString n = nfkc->normalize(u, err);
    if (U_SUCCESS(err)) u = std::move(n);
  }
  // Hyphen look-alikes → "-" (U+FF0D and U+3000 are already folded by NFKC); a long vowel
  // mark between digits is a hyphen typed in kana mode ("12ー34").
  for (int32_t i = 0; i < u.length(); ++i) {
    UChar c = u.charAt(i);
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFF0D) {
      u.setCharAt(i, u'-');
    } else if (c == 0x3000) {
      u.setCharAt(i, u' ');
    } else if (c == 0x30FC && i > 0 && i + 1 < u.length() && is_ascii_digit(u.charAt(i - 1)) &&
               is_ascii_digit(u.charAt(i + 1))) {
      u.setCharAt(i, u'-');
    }
  }
  std::string out;
  u.toUTF8String(out);
  return trim_upper_ascii(out);
}

// NameKana goes out on every confirmation result, so the common case — kana, ASCII and the
// ideographic space — is served from a table that ICU itself filled once, character by
// character (both transforms map one character at a time); anything else takes ICU's path.
std::string to_halfwidth_katakana(std::string_view utf8) {
  static const std::vector<std::string>* kTable = [] {
    auto* t = new std::vector<std::string>(0x3100);
    for (UChar32 c = 0x20; c < 0x3100; ++c) {
      if (c >= 0x7F && c != 0x3000 && c < 0x3041) continue;
      char buf[4];
      int32_t n = 0;
      U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buf), n, c);
      (*t)[static_cast<size_t>(c)] =
          transliterate(std::string_view(buf, static_cast<size_t>(n)),
                        "Hiragana-Katakana; Fullwidth-Halfwidth", 0);
    }
    return t;
  }();
  std::string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  int32_t length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0 || c >= 0x3100 || (*kTable)[static_cast<size_t>(c)].empty())
      return transliterate(utf8, "Hiragana-Katakana; Fullwidth-Halfwidth", 0);
    out += (*kTable)[static_cast<size_t>(c)];
  }
  return out;
}

std::string to_fullwidth_katakana(std::string_view utf8) {
  return transliterate(utf8, "Halfwidth-Fullwidth; Hiragana-Katakana", 1);
}

bool is_kana_name(std::string_view utf8) {
  if (utf8.empty() || !is_valid_utf8(utf8)) return false;
  // Katakana letters of both widths, voiced marks, ー / ｰ, ・ / ･, and spaces.
  static const icu::UnicodeSet* kAllowed = [] {
    UErrorCode err = U_ZERO_ERROR;
    auto* set = new icu::UnicodeSet(
        icu::UnicodeString(u"[\\u30A1-\\u30FA\\u30FB\\u30FC\\u30FD\\u30FE\\uFF65-\\uFF9F"
                           u"\\u309B\\u309C\\u0020\\u3000]"),
        err);
    set->freeze();
    return set;
  }();
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  int32_t length = static_cast<int32_t>(utf8.size());
  bool letter = false;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (!kAllowed->contains(c)) return false;
    if ((c >= 0x30A1 && c <= 0x30FA) || (c >= 0xFF66 && c <= 0xFF9D && c != 0xFF70)) letter = true;
  }
  return letter;
}

size_t codepoint_count(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace onshi::core
