// Dates as day numbers, strict `YYYYMMDD` parsing, JST clocks and 和暦 rendering.
//
// The civil-calendar arithmetic is the standard library's (<chrono> year_month_day), so this
// file holds no date algorithm of its own; ICU is used only where the standard library has
// nothing — the Japanese era names. ICU's `ja_JP@calendar=japanese` data already write the
// first year of an era as 「元年」 when the year field uses the `jpanyear` numbering, which
// is how the formatter below is built.
#include "core/date.h"

#include <unicode/locid.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <chrono>
#include <memory>

namespace onshi::core {
namespace {

namespace chr = std::chrono;

constexpr int64_t kUsPerDay = int64_t{86400} * 1000 * 1000;
constexpr int64_t kJstOffsetUs = int64_t{9} * 3600 * 1000 * 1000;

chr::year_month_day to_ymd(int32_t days) {
  return chr::year_month_day{chr::sys_days{chr::days{days}}};
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void put_digits(std::string& out, int value, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, width);
}

// One formatter per thread: ICU formatters are not safe for concurrent use.
std::string format_japanese(Date d, bool year_only) {
  struct Formatter {
    std::unique_ptr<icu::SimpleDateFormat> fmt;
    explicit Formatter(const char* p) {
      UErrorCode err = U_ZERO_ERROR;
      fmt = std::make_unique<icu::SimpleDateFormat>(icu::UnicodeString::fromUTF8(p),
                                                    icu::UnicodeString(u"y=jpanyear"),
                                                    icu::Locale("ja_JP@calendar=japanese"), err);
      if (U_FAILURE(err)) {
        fmt.reset();
        return;
      }
      fmt->adoptTimeZone(icu::TimeZone::createTimeZone(icu::UnicodeString(u"UTC")));
    }
  };
  thread_local Formatter full("Gy年M月d日");
  thread_local Formatter era_year("Gy年");
  Formatter& f = year_only ? era_year : full;
  if (!f.fmt) return d.iso();  // ICU data missing: still show a date rather than nothing
  icu::UnicodeString out;
  f.fmt->format(static_cast<UDate>(d.days()) * 86400000.0, out);
  std::string s;
  out.toUTF8String(s);
  return s;
}

}  // namespace

Date Date::from_ymd(int y, int m, int d) {
  Date out;
  out.days_ = static_cast<int32_t>(chr::sys_days{
      chr::year{y} / chr::month{static_cast<unsigned>(m)} / chr::day{static_cast<unsigned>(d)}}
                                       .time_since_epoch()
                                       .count());
  return out;
}

bool Date::valid_ymd(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  return chr::year_month_day{chr::year{y}, chr::month{static_cast<unsigned>(m)},
                             chr::day{static_cast<unsigned>(d)}}
      .ok();
}

Result<Date> Date::parse(std::string_view s) {
  if (s.size() != 8) {
    return Error{"E_DATE_FORMAT", "", "日付は YYYYMMDD の8桁で入力してください"};
  }
  int v[8];
  for (int i = 0; i < 8; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return Error{"E_DATE_FORMAT", "", "日付は YYYYMMDD の8桁で入力してください"};
    }
    v[i] = s[i] - '0';
  }
  int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  int m = v[4] * 10 + v[5];
  int d = v[6] * 10 + v[7];
  if (y < 1800 || y > 2999) {
    return Error{"E_DATE_INVALID", "", "日付の年は1800年から2999年の範囲で入力してください"};
  }
  if (!valid_ymd(y, m, d)) return Error{"E_DATE_INVALID", "", "存在しない日付です"};
  return from_ymd(y, m, d);
}

Date Date::today_jst() {
  return from_unix_us_jst(now_unix_us());
}

Date Date::from_unix_us_jst(int64_t unix_us) {
  Date out;
  out.days_ = static_cast<int32_t>(floor_div(unix_us + kJstOffsetUs, kUsPerDay));
  return out;
}

int Date::year() const {
  return static_cast<int>(to_ymd(days_).year());
}
int Date::month() const {
  return static_cast<int>(static_cast<unsigned>(to_ymd(days_).month()));
}
int Date::day() const {
  return static_cast<int>(static_cast<unsigned>(to_ymd(days_).day()));
}

std::string Date::yyyymmdd() const {
  auto ymd = to_ymd(days_);
  std::string out;
  out.reserve(8);
  put_digits(out, static_cast<int>(ymd.year()), 4);
  put_digits(out, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  put_digits(out, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  return out;
}

std::string Date::iso() const {
  auto ymd = to_ymd(days_);
  std::string out;
  out.reserve(10);
  put_digits(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  put_digits(out, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  out += '-';
  put_digits(out, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  return out;
}

Date Date::add_years(int n) const {
  auto ymd = to_ymd(days_) + chr::years{n};
  if (!ymd.ok()) ymd = ymd.year() / ymd.month() / chr::last;  // 2/29 → 2/28
  Date out;
  out.days_ = static_cast<int32_t>(chr::sys_days{ymd}.time_since_epoch().count());
  return out;
}

Date Date::first_of_month() const {
  auto ymd = to_ymd(days_);
  Date out;
  out.days_ = static_cast<int32_t>(
      chr::sys_days{ymd.year() / ymd.month() / chr::day{1}}.time_since_epoch().count());
  return out;
}

Date Date::first_of_next_month() const {
  auto ym = chr::year_month{to_ymd(days_).year(), to_ymd(days_).month()} + chr::months{1};
  Date out;
  out.days_ = static_cast<int32_t>(chr::sys_days{ym / chr::day{1}}.time_since_epoch().count());
  return out;
}

int Date::weekday() const {
  return static_cast<int>(chr::weekday{chr::sys_days{chr::days{days_}}}.c_encoding());
}

int age_on(Date birth, Date on) {
  // Comparing (month, day) pairs makes a 2/29 birthday count from 3/1 in non-leap years.
  int age = on.year() - birth.year();
  if (on.month() < birth.month() || (on.month() == birth.month() && on.day() < birth.day())) {
    --age;
  }
  return age;
}

std::string to_wareki(Date d) {
  return format_japanese(d, false);
}
std::string to_wareki_year(Date d) {
  return format_japanese(d, true);
}

std::string timestamp_jst() {
  return timestamp_jst(now_unix_us());
}

std::string timestamp_jst(int64_t unix_us) {
  Date d = Date::from_unix_us_jst(unix_us);
  int64_t secs_of_day =
      (unix_us + kJstOffsetUs - static_cast<int64_t>(d.days()) * kUsPerDay) / 1000000;
  std::string out = d.yyyymmdd();
  out.reserve(14);
  put_digits(out, static_cast<int>(secs_of_day / 3600), 2);
  put_digits(out, static_cast<int>(secs_of_day / 60 % 60), 2);
  put_digits(out, static_cast<int>(secs_of_day % 60), 2);
  return out;
}

int64_t now_unix_us() {
  return chr::duration_cast<chr::microseconds>(chr::system_clock::now().time_since_epoch()).count();
}

}  // namespace onshi::core
