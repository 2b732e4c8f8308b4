// Tests for dates: strict parsing, arithmetic at month/year/leap boundaries, JST clocks and
// 和暦 rendering through ICU (first year as 「元年」).
#include "core/date.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace onshi::core {
namespace {

Date D(int y, int m, int d) {
  return Date::from_ymd(y, m, d);
}

// R-REG-1: dates of a registration are `YYYYMMDD`, parsed strictly.
TEST(Date, ParsesValidDates) {
  auto r = Date::parse("20250415");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->year(), 2025);
  EXPECT_EQ(r->month(), 4);
  EXPECT_EQ(r->day(), 15);
  EXPECT_EQ(r->yyyymmdd(), "20250415");
  EXPECT_EQ(r->iso(), "2025-04-15");
  EXPECT_TRUE(Date::parse("20240229").ok());
  EXPECT_TRUE(Date::parse("18000101").ok());
  EXPECT_TRUE(Date::parse("29991231").ok());
}

// R-REG-1: a wrong date on a card is refused, never rolled over.
TEST(Date, RejectsInvalidDates) {
  EXPECT_EQ(Date::parse("20250231").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("20230229").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("21000229").error().code, "E_DATE_INVALID");  // not a leap year
  EXPECT_EQ(Date::parse("20251301").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("20250001").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("20250400").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("17991231").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("30000101").error().code, "E_DATE_INVALID");
  EXPECT_EQ(Date::parse("2025-04-15").error().code, "E_DATE_FORMAT");
  EXPECT_EQ(Date::parse("2025041").error().code, "E_DATE_FORMAT");
  EXPECT_EQ(Date::parse("").error().code, "E_DATE_FORMAT");
  EXPECT_EQ(Date::parse("２０２５０４１５").error().code, "E_DATE_FORMAT");
  EXPECT_EQ(Date::parse("2025041a").error().code, "E_DATE_FORMAT");
  EXPECT_EQ(Date::parse("20250231").error().message, "存在しない日付です");
}

TEST(Date, ValidYmd) {
  EXPECT_TRUE(Date::valid_ymd(2000, 2, 29));
  EXPECT_FALSE(Date::valid_ymd(1900, 2, 29));
  EXPECT_FALSE(Date::valid_ymd(2025, 4, 31));
  EXPECT_FALSE(Date::valid_ymd(2025, 0, 1));
  EXPECT_FALSE(Date::valid_ymd(2025, 1, 0));
  EXPECT_FALSE(Date::valid_ymd(2025, -1, 1));
}

TEST(Date, DayNumbersAndOrdering) {
  EXPECT_EQ(Date().days(), 0);
  EXPECT_EQ(Date().yyyymmdd(), "19700101");
  EXPECT_EQ(D(2025, 4, 15).days(), 20193);
  EXPECT_EQ(D(1969, 12, 31).days(), -1);
  EXPECT_LT(D(2025, 3, 31), D(2025, 4, 1));
  EXPECT_EQ(D(2025, 3, 31).add_days(1), D(2025, 4, 1));
  EXPECT_EQ(D(2024, 3, 1).add_days(-1), D(2024, 2, 29));
  EXPECT_EQ(D(1800, 1, 1).yyyymmdd(), "18000101");
}

// R-CONF-6 (age rules rely on it): n years later, 2/29 → 2/28 in a non-leap year.
TEST(Date, AddYearsAndMonthBoundaries) {
  EXPECT_EQ(D(2016, 2, 29).add_years(6), D(2022, 2, 28));
  EXPECT_EQ(D(2016, 2, 29).add_years(8), D(2024, 2, 29));
  EXPECT_EQ(D(1955, 4, 15).add_years(70), D(2025, 4, 15));
  EXPECT_EQ(D(2025, 4, 15).first_of_month(), D(2025, 4, 1));
  EXPECT_EQ(D(2025, 4, 15).first_of_next_month(), D(2025, 5, 1));
  EXPECT_EQ(D(2025, 12, 31).first_of_next_month(), D(2026, 1, 1));
  EXPECT_EQ(D(2025, 4, 1).first_of_next_month(), D(2025, 5, 1));
}

TEST(Date, Weekday) {
  EXPECT_EQ(D(1970, 1, 1).weekday(), 4);    // Thursday
  EXPECT_EQ(D(2025, 4, 15).weekday(), 2);   // Tuesday
  EXPECT_EQ(D(2025, 4, 13).weekday(), 0);   // Sunday
  EXPECT_EQ(D(1969, 12, 27).weekday(), 6);  // Saturday before the epoch
}

// R-CONF-3: the result shows the age; 年齢計算ニ関スル法律 — the age rises on the birthday,
// and a 2/29 birthday counts from 3/1 in non-leap years.
TEST(Date, AgeOn) {
  EXPECT_EQ(age_on(D(1955, 4, 15), D(2025, 4, 14)), 69);
  EXPECT_EQ(age_on(D(1955, 4, 15), D(2025, 4, 15)), 70);
  EXPECT_EQ(age_on(D(2016, 2, 29), D(2022, 2, 28)), 5);
  EXPECT_EQ(age_on(D(2016, 2, 29), D(2022, 3, 1)), 6);
  EXPECT_EQ(age_on(D(2016, 2, 29), D(2024, 2, 29)), 8);
  EXPECT_EQ(age_on(D(2025, 4, 15), D(2025, 4, 15)), 0);
  EXPECT_EQ(age_on(D(2000, 12, 31), D(2025, 12, 30)), 24);
}

// R-CONF-3: 和暦 on the result screen, first era year as 「元年」, era changes exact.
TEST(Date, Wareki) {
  EXPECT_EQ(to_wareki(D(2019, 5, 1)), "令和元年5月1日");
  EXPECT_EQ(to_wareki(D(2025, 4, 15)), "令和7年4月15日");
  EXPECT_EQ(to_wareki(D(1989, 1, 7)), "昭和64年1月7日");
  EXPECT_EQ(to_wareki(D(1989, 1, 8)), "平成元年1月8日");
  EXPECT_EQ(to_wareki(D(2019, 4, 30)), "平成31年4月30日");
  EXPECT_EQ(to_wareki(D(1926, 12, 25)), "昭和元年12月25日");
  EXPECT_EQ(to_wareki(D(1926, 12, 24)), "大正15年12月24日");
  EXPECT_EQ(to_wareki(D(1955, 4, 15)), "昭和30年4月15日");
  EXPECT_EQ(to_wareki_year(D(2019, 5, 1)), "令和元年");
  EXPECT_EQ(to_wareki_year(D(2025, 4, 15)), "令和7年");
  EXPECT_EQ(to_wareki_year(D(1989, 1, 8)), "平成元年");
}

// R-CONF-3: the confirmation date is Japan's date (UTC+9), whatever the host's zone.
TEST(Date, JstClock) {
  // 2025-04-14T15:00:00Z is 2025-04-15 00:00 JST.
  int64_t us = int64_t{1744642800} * 1000000;
  EXPECT_EQ(Date::from_unix_us_jst(us), D(2025, 4, 15));
  EXPECT_EQ(Date::from_unix_us_jst(us - 1), D(2025, 4, 14));
  EXPECT_EQ(timestamp_jst(us), "20250415000000");
  EXPECT_EQ(timestamp_jst(us + (int64_t{10} * 3600 + 15 * 60 + 22) * 1000000), "20250415101522");
  EXPECT_EQ(timestamp_jst(us - 1), "20250414235959");
  EXPECT_EQ(Date::from_unix_us_jst(-int64_t{9} * 3600 * 1000000 - 1), D(1969, 12, 31));
  // The clock itself: today is a plausible date and agrees with the timestamp.
  int64_t now = now_unix_us();
  EXPECT_GT(now, int64_t{1700000000} * 1000000);
  EXPECT_EQ(timestamp_jst(now).substr(0, 8), Date::from_unix_us_jst(now).yyyymmdd());
  EXPECT_EQ(timestamp_jst().size(), 14u);
  EXPECT_GE(Date::today_jst(), D(2024, 1, 1));
}

}  // namespace
}  // namespace onshi::core

namespace onshi::core {
namespace {

// R-CONF-3: 和暦 is rendered on several threads at once (one ICU formatter per thread).
TEST(Date, WarekiConcurrent) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong, t] {
      for (int i = 0; i < 200; ++i) {
        Date d = Date::from_ymd(2019, 5, 1).add_days(t);
        std::string want = "令和元年5月" + std::to_string(1 + t) + "日";
        if (to_wareki(d) != want) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace onshi::core

namespace onshi::core {
namespace {

Date W(std::string_view s) {
  auto r = Date::parse_wareki(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Date{};
}

// R-CONF-2: the birth date on a card is typed in 和暦 at many front desks.
TEST(Date, ParseWarekiForms) {
  EXPECT_EQ(W("S55.5.15"), Date::from_ymd(1980, 5, 15));
  EXPECT_EQ(W("昭和55年5月15日"), Date::from_ymd(1980, 5, 15));
  EXPECT_EQ(W("R2.1.1"), Date::from_ymd(2020, 1, 1));
  EXPECT_EQ(W("令和元年5月1日"), Date::from_ymd(2019, 5, 1));
  EXPECT_EQ(W("H1.2.3"), Date::from_ymd(1989, 2, 3));
  EXPECT_EQ(W("h1/2/3"), Date::from_ymd(1989, 2, 3));
  EXPECT_EQ(W("Ｓ５５．５．１５"), Date::from_ymd(1980, 5, 15));
  EXPECT_EQ(W("平成元年1月8日"), Date::from_ymd(1989, 1, 8));
  EXPECT_EQ(W("昭55.05.15"), Date::from_ymd(1980, 5, 15));
  EXPECT_EQ(W("S550515"), Date::from_ymd(1980, 5, 15));
  EXPECT_EQ(W("T15.12.24"), Date::from_ymd(1926, 12, 24));
  EXPECT_EQ(W("M45.7.29"), Date::from_ymd(1912, 7, 29));
  EXPECT_EQ(W("昭和 55年 5月 15日"), Date::from_ymd(1980, 5, 15));
}

TEST(Date, ParseWarekiRoundTripsWithRendering) {
  for (Date d : {Date::from_ymd(1926, 12, 25), Date::from_ymd(1989, 1, 7), Date::from_ymd(1989, 1, 8),
                 Date::from_ymd(2019, 4, 30), Date::from_ymd(2019, 5, 1), Date::from_ymd(2026, 11, 26)})
    EXPECT_EQ(W(to_wareki(d)), d) << to_wareki(d);
}

TEST(Date, ParseWarekiRefusals) {
  auto code = [](std::string_view s) {
    auto r = Date::parse_wareki(s);
    return r.ok() ? std::string("ok") : r.error().code;
  };
  EXPECT_EQ(code("S64.1.8"), "E_DATE_INVALID");   // 平成元年1月8日
  EXPECT_EQ(code("H31.5.1"), "E_DATE_INVALID");   // 令和元年5月1日
  EXPECT_EQ(code("R1.4.30"), "E_DATE_INVALID");   // still 平成
  EXPECT_EQ(code("S55.2.30"), "E_DATE_INVALID");  // no such day
  EXPECT_EQ(code("S0.1.1"), "E_DATE_INVALID");
  EXPECT_EQ(code("19800515"), "E_DATE_FORMAT");
  EXPECT_EQ(code("X55.5.15"), "E_DATE_FORMAT");
  EXPECT_EQ(code("S55.5"), "E_DATE_FORMAT");
  EXPECT_EQ(code("S55.5.15x"), "E_DATE_FORMAT");
  EXPECT_EQ(code(""), "E_DATE_FORMAT");
  EXPECT_EQ(code("昭和五十五年"), "E_DATE_FORMAT");
}

}  // namespace
}  // namespace onshi::core
