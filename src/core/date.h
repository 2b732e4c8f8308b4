// Calendar dates as the interface writes them (`YYYYMMDD`), date arithmetic for the
// age rules, and 和暦 (Japanese era) rendering through ICU's Japanese calendar.
//
// A Date is a day number (days since 1970-01-01, proleptic Gregorian) so comparison and
// subtraction are integer operations; parsing is strict (`20250231` is an error), because
// a wrong date on a card must be refused, not rolled over.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::core {

class Date {
 public:
  Date() = default;  // 1970-01-01
  static Date from_ymd(int y, int m, int d);  // caller guarantees a valid date
  static bool valid_ymd(int y, int m, int d);
  // Parses exactly 8 digits `YYYYMMDD` (years 1800–2999). Errors: E_DATE_FORMAT, E_DATE_INVALID.
  static Result<Date> parse(std::string_view yyyymmdd);
  // Parses a 和暦 date as front-desk staff type it: an era (明治/大正/昭和/平成/令和, the
  // one-kanji forms 明/大/昭/平/令, or the letters M/T/S/H/R in either case or width), the
  // year (1–99 or 元), month and day, separated by "." "/" "-" or written 年/月/日 —
  // "S55.5.15", "昭和55年5月15日", "R2.1.1", "令和元年5月1日", "h1/2/3" — or the compact
  // letter form "S550515". Full-width digits are accepted. The date must exist and lie in
  // the era (平成元年 starts on 1月8日; "S64.1.8" is refused).
  // Errors: E_DATE_FORMAT (not a 和暦 date), E_DATE_INVALID (no such date in that era).
  static Result<Date> parse_wareki(std::string_view text);
  // Today in Japan (UTC+9), or the date of a Unix time in microseconds, in JST.
  static Date today_jst();
  static Date from_unix_us_jst(int64_t unix_us);

  int year() const;
  int month() const;
  int day() const;
  int32_t days() const { return days_; }
  std::string yyyymmdd() const;  // "20250415"
  std::string iso() const;       // "2025-04-15"

  Date add_days(int n) const { Date d; d.days_ = days_ + n; return d; }
  // Same month/day n years later; 2/29 → 2/28 in a non-leap target year.
  Date add_years(int n) const;
  Date first_of_month() const;
  Date first_of_next_month() const;
  // 0 = Sunday … 6 = Saturday.
  int weekday() const;

  auto operator<=>(const Date&) const = default;

 private:
  int32_t days_ = 0;
};

// Age in completed years on `on` (年齢計算ニ関スル法律: the age increases at the start
// of the birthday; a 2/29 birthday counts on 3/1 in non-leap years — via add_years).
int age_on(Date birth, Date on);

// 和暦 rendering with ICU ("令和7年4月15日", the first year as "元年": "令和元年5月1日").
std::string to_wareki(Date d);
// Era and year only ("令和7年").
std::string to_wareki_year(Date d);

// Current time as `YYYYMMDDHHmmss` in JST, and from Unix microseconds.
std::string timestamp_jst();
std::string timestamp_jst(int64_t unix_us);
// Unix time now in microseconds.
int64_t now_unix_us();

}  // namespace onshi::core
