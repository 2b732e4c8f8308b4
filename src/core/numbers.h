// Identifier numbers of Japanese health insurance and their check digits.
//
// Most numbers (保険者番号, 公費負担者番号, 公費受給者番号, 医療機関コード, 後期 被保険者番号)
// share one 検証番号: weights 2,1 from the right, digit-sum of each product, 10 − last digit
// (the Luhn check digit). The 個人番号 (My Number) has its own mod-11 rule. These functions
// are pure; they validate structure as well as the check digit and say which rule failed,
// so registration and reception can show the operator a precise reason.
// Test vectors: tests/core/numbers_test.cpp (the published worked examples and synthetic ones).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::core {

// The 2-1 weighted 検証番号 over `body` (digits only, any length). -1 if `body` has a
// non-digit or is empty.
int weighted_check_digit(std::string_view body);

// 個人番号: the mod-11 check digit of an 11-digit body, or -1 when not 11 digits.
int my_number_check_digit(std::string_view body11);

// Validators. Each returns Ok or an Error with code:
//   E_EMPTY       the value is empty
//   E_NOT_DIGIT   a character that cannot be in the number (e.g. "●", letters, spaces)
//   E_LENGTH      wrong number of digits
//   E_STRUCTURE   digits in the wrong ranges (e.g. 都道府県 00 or 48, 点数表 2)
//   E_CHECK_DIGIT the check digit does not match
// The `field` of the error is left empty (callers know it); messages are Japanese.

// 保険者番号: 6 digits (市町村国保・国保組合: 都道府県 2 + 保険者別 3 + 検証 1) or 8 digits
// (法別 2 + 都道府県 2 + 保険者別 3 + 検証 1). 都道府県 01–47 or the alternates 51–97.
// A value padded with leading spaces to 8 (as in the XML interface) is accepted.
Status check_insurer_number(std::string_view s);

// Strips the interface's space padding: "  131045" → "131045".
std::string trim_insurer_number(std::string_view s);
// Pads a 6- or 8-digit insurer number with leading spaces to 8 characters.
std::string pad_insurer_number(std::string_view digits);

// 医療機関コード (10 digits): 都道府県 2 (01–47) + 点数表 1 (1 医科, 3 歯科, 4 薬局) +
// 郡市区 2 + 番号 4 + 検証 1; the check digit covers the first 9 digits.
Status check_medical_institution_code(std::string_view s);

// 公費負担者番号 (8 digits: 法別 2 + 都道府県 2 + 実施機関 3 + 検証 1). A check-digit failure on
// 法別 80–99 (地方公費) is reported with code W_CHECK_DIGIT (a warning; callers may accept).
Status check_public_expense_number(std::string_view s);

// 公費受給者番号 (7 digits: 6 + 検証 1).
Status check_beneficiary_number(std::string_view s);

// 個人番号 (12 digits, mod-11).
Status check_my_number(std::string_view s);

// 後期高齢者医療 被保険者番号 (8 digits, 2-1 check digit over the first 7).
Status check_latter_elderly_insured_number(std::string_view s);

// 仮コード for institutions not yet designated: 7 digits starting "00" (no check digit).
Status check_provisional_code(std::string_view s);

// R-CONF-9 (seed 000 §6): the layout-free form of a card's numbers, under which numbers read
// wrongly from a card face — 記号 and 番号 run together or split elsewhere, leading zeros
// dropped, hyphens, spaces, full width (already folded by normalize_card_field) — coincide:
// the insurer number, U+001F, then the letters and digits of 記号 and 番号 without separators
// and without leading zeros, stripped from each part (`each`) or from the joined digits.
// "" when 記号 and 番号 hold no letter or digit.
std::string card_layout_form(std::string_view insurer, std::string_view symbol,
                             std::string_view number, bool each);

}  // namespace onshi::core
