// Dates as day numbers, strict `YYYYMMDD` parsing, JST clocks and 和暦 rendering.
//
// The civil-calendar arithmetic is the standard library's (<chrono> year_month_day), so this
// file holds no date algorithm of its own; ICU is used only where the standard library has
// nothing — the Japanese era names. ICU's `ja_JP@calendar=japanese` data already write the
// first year of an era as 「元年」 when the year field uses the `jpanyear` numbering, which
// is how the formatter below is built.
#include "core/date.h"

#include "core/text.h"

#include <unicode/locid.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <chrono>
#include <iterator>
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

namespace {

struct Era {
  std::string_view letter, name, short_name;
  int y, m, d;  // first day (Gregorian)
};
// Meiji is counted from 1 January 1868, as dates of that year are written in practice.
constexpr Era kEras[] = {{"M", "明治", "明", 1868, 1, 1},
                         {"T", "大正", "大", 1912, 7, 30},
                         {"S", "昭和", "昭", 1926, 12, 25},
                         {"H", "平成", "平", 1989, 1, 8},
                         {"R", "令和", "令", 2019, 5, 1}};

bool take(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// 1–2 ASCII digits (or 元 when `gan` is allowed) → value, or -1.
int take_number(std::string_view& s, bool gan) {
  if (gan && take(s, "元")) return 1;
  int v = 0, n = 0;
  while (!s.empty() && s.front() >= '0' && s.front() <= '9' && n < 2) {
    v = v * 10 + (s.front() - '0');
    s.remove_prefix(1);
    ++n;
  }
  return n == 0 ? -1 : v;
}

bool take_separator(std::string_view& s, std::string_view kanji) {
  if (take(s, kanji)) {
    while (take(s, " ")) {}
    return true;
  }
  if (!s.empty() && (s.front() == '.' || s.front() == '/' || s.front() == '-' || s.front() == ' ')) {
    s.remove_prefix(1);
    return true;
  }
  return false;
}

}  // namespace

Result<Date> Date::parse_wareki(std::string_view text) {
  const Error bad{"E_DATE_FORMAT", "",
                  "和暦は「S55.5.15」「昭和55年5月15日」「R2.1.1」のように入力してください"};
  std::string norm = normalize_card_field(text);  // NFKC: full-width digits/letters, upper case
  std::string_view s = norm;
  size_t era = std::size(kEras);
  for (size_t i = 0; i < std::size(kEras) && era == std::size(kEras); ++i) {
    if (take(s, kEras[i].name) || take(s, kEras[i].short_name) || take(s, kEras[i].letter)) era = i;
  }
  if (era == std::size(kEras)) return bad;
  while (take(s, " ")) {}
  int year = 0, month = 0, day = 0;
  if (s.size() == 6 && all_digits(s)) {  // compact "S550515"
    year = (s[0] - '0') * 10 + (s[1] - '0');
    month = (s[2] - '0') * 10 + (s[3] - '0');
    day = (s[4] - '0') * 10 + (s[5] - '0');
  } else {
    year = take_number(s, true);
    if (year < 0 || !take_separator(s, "年")) return bad;
    month = take_number(s, false);
    if (month < 0 || !take_separator(s, "月")) return bad;
    day = take_number(s, false);
    if (day < 0) return bad;
    take(s, "日");
    if (!s.empty()) return bad;
  }
  const Era& e = kEras[era];
  int y = e.y + year - 1;
  if (year < 1 || !valid_ymd(y, month, day)) return Error{"E_DATE_INVALID", "", "存在しない日付です"};
  Date d = from_ymd(y, month, day);
  bool before = d < from_ymd(e.y, e.m, e.d);
  bool after = era + 1 < std::size(kEras) &&
               d >= from_ymd(kEras[era + 1].y, kEras[era + 1].m, kEras[era + 1].d);
  if (before || after)
    return Error{"E_DATE_INVALID", "",
                 std::string(e.name) + "にない日付です（" + std::string(e.name) + "は" + to_wareki(from_ymd(e.y, e.m, e.d)) +
                     (era + 1 < std::size(kEras) ? "から" + to_wareki(from_ymd(kEras[era + 1].y, kEras[era + 1].m,
                                                                                 kEras[era + 1].d).add_days(-1)) +
                                                       "まで"
                                                 : "から") +
                     "）"};
  return d;
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
