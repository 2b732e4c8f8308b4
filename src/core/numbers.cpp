// Identifier numbers and their check digits (domain-rules §0–§4).
//
// Every validator runs the same ladder — empty, foreign character, length, structure, check
// digit — and stops at the first rung that fails, so the operator sees the most basic
// problem first (a letter in the number is reported as such, not as a wrong check digit).
// Messages describe the rule that failed and never echo the input, since one of these
// numbers is a My Number.
#include "core/numbers.h"

namespace onshi::core {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int two_digits(std::string_view s, size_t pos) {
  return (s[pos] - '0') * 10 + (s[pos + 1] - '0');
}

// 都道府県番号: 01–47, or the alternates 51–97 issued once a prefecture runs out of numbers.
bool prefecture_ok(int p, bool allow_alternate) {
  if (p >= 1 && p <= 47) return true;
  return allow_alternate && p >= 51 && p <= 97;
}

// 法別番号 of medical insurance (§2); 67 退職者医療 is kept so historical records still load.
bool is_medical_insurance_law(int law) {
  static constexpr int kLaws[] = {1, 2, 3, 4, 6, 7, 31, 32, 33, 34, 39, 63, 67, 72, 73, 74, 75};
  for (int l : kLaws) {
    if (l == law) return true;
  }
  return false;
}

Status fail(const char* code, std::string message) {
  return Status::Fail(code, "", std::move(message));
}

// The first three rungs of the ladder: empty, non-digit, length (one of two lengths).
Status check_shape(std::string_view s, const char* what, size_t len_a, size_t len_b = 0) {
  if (s.empty()) return fail("E_EMPTY", std::string(what) + "が入力されていません");
  for (char c : s) {
    if (!is_digit(c)) return fail("E_NOT_DIGIT", std::string(what) + "に数字以外の文字があります");
  }
  if (s.size() != len_a && (len_b == 0 || s.size() != len_b)) {
    std::string want = std::to_string(len_a);
    if (len_b != 0) want += "桁または" + std::to_string(len_b);
    return fail("E_LENGTH", std::string(what) + "は" + want + "桁です（入力は" +
                                std::to_string(s.size()) + "桁）");
  }
  return Status::Ok();
}

bool weighted_ok(std::string_view s) {
  return weighted_check_digit(s.substr(0, s.size() - 1)) == s.back() - '0';
}

Status check_digit_error(const char* what) {
  return fail("E_CHECK_DIGIT", std::string(what) + "の検証番号が一致しません");
}

}  // namespace

int weighted_check_digit(std::string_view body) {
  if (body.empty()) return -1;
  int total = 0;
  bool twice = true;  // the rightmost body digit is weighted 2
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    if (!is_digit(*it)) return -1;
    int p = (*it - '0') * (twice ? 2 : 1);
    total += p / 10 + p % 10;
    twice = !twice;
  }
  return (10 - total % 10) % 10;
}

int my_number_check_digit(std::string_view body11) {
  if (body11.size() != 11) return -1;
  // Weights 6 5 4 3 2 7 6 5 4 3 2 from the left (Qn = n+1 / n−5 counted from the right).
  static constexpr int kWeights[11] = {6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (size_t i = 0; i < 11; ++i) {
    if (!is_digit(body11[i])) return -1;
    sum += (body11[i] - '0') * kWeights[i];
  }
  int r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

std::string trim_insurer_number(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return std::string(s.substr(i));
}

std::string pad_insurer_number(std::string_view digits) {
  std::string out;
  if (digits.size() < 8) out.assign(8 - digits.size(), ' ');
  out += digits;
  return out;
}

Status check_insurer_number(std::string_view s) {
  constexpr const char* kWhat = "保険者番号";
  size_t lead = 0;
  while (lead < s.size() && s[lead] == ' ') ++lead;
  std::string_view d = s.substr(lead);
  if (Status st = check_shape(d, kWhat, 6, 8); !st) return st;
  if (d.size() == 6) {
    if (!prefecture_ok(two_digits(d, 0), true)) {
      return fail("E_STRUCTURE", "保険者番号の都道府県番号が範囲外です");
    }
  } else {
    int law = two_digits(d, 0);
    if (law == 0) {
      return fail("E_STRUCTURE",
                  "保険者番号の法別番号 00 はありません（国保の保険者番号は6桁です）");
    }
    if (!is_medical_insurance_law(law)) {
      return fail("E_STRUCTURE", "保険者番号の法別番号が医療保険のものではありません");
    }
    if (!prefecture_ok(two_digits(d, 2), true)) {
      return fail("E_STRUCTURE", "保険者番号の都道府県番号が範囲外です");
    }
  }
  if (!weighted_ok(d)) return check_digit_error(kWhat);
  return Status::Ok();
}

Status check_medical_institution_code(std::string_view s) {
  constexpr const char* kWhat = "医療機関コード";
  if (Status st = check_shape(s, kWhat, 10); !st) return st;
  if (!prefecture_ok(two_digits(s, 0), false)) {
    return fail("E_STRUCTURE", "医療機関コードの都道府県番号が範囲外です");
  }
  // 点数表番号 and the 医療機関(薬局)番号 range it allows (別添２ 第４-３).
  int lo = 0, hi = 0;
  switch (s[2]) {
    case '1':
      lo = 1000;
      hi = 2999;
      break;  // 医科
    case '3':
      lo = 3000;
      hi = 3999;
      break;  // 歯科
    case '4':
      lo = 4000;
      hi = 4999;
      break;  // 薬局
    default:
      return fail("E_STRUCTURE",
                  "医療機関コードの点数表番号は 1（医科）・3（歯科）・4（薬局）です");
  }
  int serial = two_digits(s, 5) * 100 + two_digits(s, 7);
  if (serial < lo || serial > hi) {
    return fail("E_STRUCTURE", "医療機関コードの医療機関番号が点数表番号の範囲外です");
  }
  // Numbers whose middle or last two digits are 90 are never issued (欠番).
  if (two_digits(s, 6) == 90 || two_digits(s, 7) == 90) {
    return fail("E_STRUCTURE", "医療機関コードの医療機関番号は欠番です");
  }
  if (!weighted_ok(s)) return check_digit_error(kWhat);
  return Status::Ok();
}

Status check_public_expense_number(std::string_view s) {
  constexpr const char* kWhat = "公費負担者番号";
  if (Status st = check_shape(s, kWhat, 8); !st) return st;
  int law = two_digits(s, 0);
  if (law < 10) {
    return fail("E_STRUCTURE", "公費負担者番号の法別番号が公費のものではありません");
  }
  if (!prefecture_ok(two_digits(s, 2), true)) {
    return fail("E_STRUCTURE", "公費負担者番号の都道府県番号が範囲外です");
  }
  if (!weighted_ok(s)) {
    if (law >= 80) {
      // 地方公費: local schemes are known to issue numbers without a valid check digit.
      return fail("W_CHECK_DIGIT", "公費負担者番号（地方公費）の検証番号が一致しません");
    }
    return check_digit_error(kWhat);
  }
  return Status::Ok();
}

Status check_beneficiary_number(std::string_view s) {
  constexpr const char* kWhat = "公費受給者番号";
  if (Status st = check_shape(s, kWhat, 7); !st) return st;
  if (!weighted_ok(s)) return check_digit_error(kWhat);
  return Status::Ok();
}

Status check_my_number(std::string_view s) {
  constexpr const char* kWhat = "個人番号";
  if (Status st = check_shape(s, kWhat, 12); !st) return st;
  if (my_number_check_digit(s.substr(0, 11)) != s[11] - '0') return check_digit_error(kWhat);
  return Status::Ok();
}

Status check_latter_elderly_insured_number(std::string_view s) {
  constexpr const char* kWhat = "後期高齢者医療の被保険者番号";
  if (Status st = check_shape(s, kWhat, 8); !st) return st;
  if (!weighted_ok(s)) return check_digit_error(kWhat);
  return Status::Ok();
}

Status check_provisional_code(std::string_view s) {
  constexpr const char* kWhat = "仮コード";
  if (Status st = check_shape(s, kWhat, 7); !st) return st;
  if (s[0] != '0' || s[1] != '0') return fail("E_STRUCTURE", "仮コードは 00 で始まる7桁です");
  return Status::Ok();
}

namespace {

std::string layout_chars(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
      out += c;
  }
  return out;
}

std::string without_leading_zeros(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '0') ++i;
  return s.substr(i);
}

}  // namespace

std::string card_layout_form(std::string_view insurer, std::string_view symbol,
                             std::string_view number, bool each) {
  std::string body =
      each ? without_leading_zeros(layout_chars(symbol)) + without_leading_zeros(layout_chars(number))
           : without_leading_zeros(layout_chars(symbol) + layout_chars(number));
  if (body.empty()) return {};
  return std::string(insurer) + '\x1f' + body;
}

}  // namespace onshi::core
