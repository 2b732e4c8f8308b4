// Japanese text: the encodings files arrive in, and normalisation of typed card data.
//
// Receipt computers send Shift_JIS (CP932) or UTF-8; everything inside onshi is UTF-8.
// Card data typed at a front desk mixes full- and half-width forms, hyphen look-alikes and
// spaces, so values are compared only after `normalize_card_field` (NFKC, hyphen variants →
// "-", trimmed, ASCII upper-case) — "１２３" and "123" then match. Leading zeros are kept:
// "0012" and "12" are different numbers. ICU does the conversions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::core {

enum class Encoding { kUtf8, kShiftJis };

// Decides how bytes are encoded: a UTF-8 BOM or valid UTF-8 → kUtf8, otherwise kShiftJis.
Encoding detect_encoding(std::string_view bytes);
bool is_valid_utf8(std::string_view bytes);
// Removes a leading UTF-8 BOM if present.
std::string_view strip_utf8_bom(std::string_view bytes);

// CP932 ⇄ UTF-8. Errors: E_ENCODING (bytes not valid in the source encoding, or a character
// with no CP932 form — never replaced silently).
Result<std::string> shift_jis_to_utf8(std::string_view sjis);
Result<std::string> utf8_to_shift_jis(std::string_view utf8);
// Whether every character of `utf8` has a CP932 form.
bool representable_in_shift_jis(std::string_view utf8);

// Typed-card normalisation for matching (記号・番号・枝番, insurer number):
// NFKC, U+2010–U+2015/U+2212/U+FF0D/U+30FC-between-digits → "-", U+3000 → " ", trim, ASCII upper.
std::string normalize_card_field(std::string_view utf8);

// Kana name forms. The interface returns NameKana in half-width katakana with a half-width
// space between family and given name ("ｼｹﾝ ｲﾁﾛｳ"); registrations may send full-width
// katakana or hiragana.
std::string to_halfwidth_katakana(std::string_view utf8);
std::string to_fullwidth_katakana(std::string_view utf8);
// True when the text is katakana (either width), the prolonged mark, middle dot and spaces.
bool is_kana_name(std::string_view utf8);

// Number of Unicode code points.
size_t codepoint_count(std::string_view utf8);
// True when `s` contains only ASCII digits (and is non-empty).
bool all_digits(std::string_view s);
// Equal but for the case of ASCII letters (encoding names, HTTP tokens).
bool ascii_iequals(std::string_view a, std::string_view b);

}  // namespace onshi::core
