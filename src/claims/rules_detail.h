// Internals the rules of the claims check share between their source files (not part of the
// contract): the parsed claim (parse.cpp), the person check and the verdict type (rules.cpp),
// and the 医療扶助 part of a claim (medical_aid.cpp).
//
// A claim is parsed once into integers and normalised numbers; a 医療扶助 claim carries its
// 公費負担者番号 and 受給者番号 beside (併用) or instead of (単独) the insurance card key, so the
// rules of each part read the same Parsed and give one Verdict each.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "claims/detail.h"
#include "core/date.h"
#include "store/tickets.h"

namespace onshi::claims::detail {

inline constexpr int64_t kDayUs = 86400LL * 1000000;

inline int32_t to_int(core::Date d) {
  return d.year() * 10000 + d.month() * 100 + d.day();
}
inline core::Date from_int(int32_t v) {
  return core::Date::from_ymd(v / 10000, v / 100 % 100, v % 100);
}
inline std::string str(int32_t v) {
  return std::to_string(v);
}
// 00:00 JST of `d` in Unix µs.
inline int64_t start_of_day_us(core::Date d) {
  return (static_cast<int64_t>(d.days()) * 86400 - 9 * 3600) * 1000000;
}

// A claim whose fields are valid: dates as Date and yyyymmdd, numbers normalised.
struct Parsed {
  core::Date first, last, month_start;
  int32_t fi = 0, li = 0;
  std::string month;  // ServiceMonth YYYYMM
  std::string institution, prescriber;
  std::string insurer, symbol, number, branch, card_key;
  int32_t birthdate = 0;
  char sex1 = 0;
  std::string name;
  int32_t elderly_ratio = 0;  // ElderlyRecipientContributionRatio in tenths, 0 = not given
  std::string disease;        // SpecificDiseasesDiseaseCategory, "" = not given
  // 医療扶助: the 公費負担者番号 and 受給者番号 and the recipient's card key, "" when the claim
  // has no 医療扶助 part. `aid_only`: InsurerNumber itself is the 公費負担者番号 (単独), so
  // insurer/number above are these same numbers and there is no insurance part.
  std::string aid_insurer, aid_number, aid_key;
  bool aid_only = false;
  // A PublicExpenseNumber of another 法別 (not checked; the row says so), "" when none.
  std::string other_public_expense;
  bool has_aid() const { return !aid_key.empty(); }
};

struct ParseFail {
  std::string code, message;
};

std::string field_message(std::string_view field, const Error& e);

// Step 1 of the rules: the claim's fields, or the first problem found (parse.cpp).
std::optional<ParseFail> parse(const Claim& c, Parsed& p);

// ---- the person: birth date, sex, name (with recorded kanji conversions) ----
enum class Match { kSame, kKanji, kDifferent };
struct PersonCheck {
  Match match = Match::kSame;
  std::string detail;  // the differing field, or the conversions used
};
PersonCheck person_match(const History::Impl& h, const Version& v, const Parsed& p);

// What a step decided: the outcome of the claim, its reason code and message.
struct Verdict {
  Outcome outcome;
  std::string code, message;
};

// Splits a card key into the row's four number columns.
void set_numbers_from_key(ResultRow& r, std::string_view key);

// The 医療扶助 part of a claim (R-CLM-3, medical_aid.cpp): the recipient, the month's ticket
// for the claiming institution, what reception was shown, another office of the same person.
// Sets `row`'s public_expense_number / beneficiary_number (the new office's for REASSIGN).
// `tickets` null: no ticket is registered.
Verdict judge_medical_aid(const History::Impl& h, store::Store& store, store::TicketStore* tickets,
                          const Parsed& p, ResultRow& row, Summary& summary);

}  // namespace onshi::claims::detail
