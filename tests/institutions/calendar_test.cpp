// The business-day calendar and the schedule of seed 002: national holidays of normal and
// special years, closing days, the 10th/15th rule, the agency's published table (別紙2,
// every row) and operator overrides.
#include <gtest/gtest.h>

#include <map>

#include "institutions/institutions.h"

namespace onshi::institutions {
namespace {

using core::Date;

Date D(int y, int m, int d) {
  return Date::from_ymd(y, m, d);
}

std::map<std::string, std::string> holidays(int year) {
  std::map<std::string, std::string> out;
  for (const auto& h : holidays_of_year(year)) out[h.date.yyyymmdd()] = h.name;
  return out;
}

// R-INST-3: 2019 — 即位の日 (5/1) makes 4/30 and 5/2 国民の休日; 即位礼正殿の儀 10/22; no
// 天皇誕生日; 振替休日 after the Sunday 5/5, 8/11 and 11/3.
TEST(Holidays, Year2019SpecialDays) {
  std::map<std::string, std::string> expected = {
      {"20190101", "元日"},
      {"20190114", "成人の日"},
      {"20190211", "建国記念の日"},
      {"20190321", "春分の日"},
      {"20190429", "昭和の日"},
      {"20190430", "休日（国民の休日）"},
      {"20190501", "天皇の即位の日"},
      {"20190502", "休日（国民の休日）"},
      {"20190503", "憲法記念日"},
      {"20190504", "みどりの日"},
      {"20190505", "こどもの日"},
      {"20190506", "休日（振替休日）"},
      {"20190715", "海の日"},
      {"20190811", "山の日"},
      {"20190812", "休日（振替休日）"},
      {"20190916", "敬老の日"},
      {"20190923", "秋分の日"},
      {"20191014", "体育の日"},
      {"20191022", "即位礼正殿の儀の行われる日"},
      {"20191103", "文化の日"},
      {"20191104", "休日（振替休日）"},
      {"20191123", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays(2019), expected);
}

// R-INST-3: 2020 — the Olympic moves (海の日 7/23, スポーツの日 7/24, 山の日 8/10), the new
// 天皇誕生日 2/23 on a Sunday (2/24 振替), and 5/6 振替 after the Sunday 5/3.
TEST(Holidays, Year2020OlympicMoves) {
  auto h = holidays(2020);
  EXPECT_EQ(h["20200723"], "海の日");
  EXPECT_EQ(h["20200724"], "スポーツの日");
  EXPECT_EQ(h["20200810"], "山の日");
  EXPECT_EQ(h["20200223"], "天皇誕生日");
  EXPECT_EQ(h["20200224"], "休日（振替休日）");
  EXPECT_EQ(h["20200506"], "休日（振替休日）");
  EXPECT_EQ(h.count("20200720"), 0u);  // the usual 3rd Monday is not a holiday
  EXPECT_EQ(h.count("20200811"), 0u);
  EXPECT_EQ(h.count("20201012"), 0u);
  EXPECT_EQ(h.size(), 18u);
}

// R-INST-3: 2021 — 海の日 7/22, スポーツの日 7/23, 山の日 8/8 (Sunday) with 8/9 振替; 10/11 is
// an ordinary Monday (which is why 別紙2 has the bureau answer on 10/11).
TEST(Holidays, Year2021OlympicMoves) {
  auto h = holidays(2021);
  EXPECT_EQ(h["20210722"], "海の日");
  EXPECT_EQ(h["20210723"], "スポーツの日");
  EXPECT_EQ(h["20210808"], "山の日");
  EXPECT_EQ(h["20210809"], "休日（振替休日）");
  EXPECT_EQ(h.count("20211011"), 0u);
  EXPECT_EQ(h.count("20210719"), 0u);
  EXPECT_EQ(h.count("20210811"), 0u);
  EXPECT_EQ(h.size(), 17u);
}

// R-INST-3: normal years — 国民の休日 between 敬老の日 and 秋分の日 (2009, 2015, 2026), the
// pre-2007 振替 (Monday only) and the 2007 chain rule, the old fixed-date holidays.
TEST(Holidays, NormalYears) {
  EXPECT_EQ(holiday_name(D(2026, 9, 21)), "敬老の日");
  EXPECT_EQ(holiday_name(D(2026, 9, 22)), "休日（国民の休日）");
  EXPECT_EQ(holiday_name(D(2026, 9, 23)), "秋分の日");
  EXPECT_EQ(holiday_name(D(2015, 9, 22)), "休日（国民の休日）");
  EXPECT_EQ(holiday_name(D(2009, 9, 22)), "休日（国民の休日）");
  EXPECT_EQ(holiday_name(D(2026, 5, 6)), "休日（振替休日）");  // 5/3 Sunday → chain → 5/6
  EXPECT_EQ(holiday_name(D(2008, 5, 6)), "休日（振替休日）");  // みどりの日 5/4 Sunday
  EXPECT_EQ(holiday_name(D(2006, 1, 2)), "休日（振替休日）");
  EXPECT_EQ(holiday_name(D(2006, 5, 4)), "休日（国民の休日）");
  EXPECT_EQ(holiday_name(D(1999, 1, 15)), "成人の日");
  EXPECT_EQ(holiday_name(D(2000, 1, 10)), "成人の日");
  EXPECT_EQ(holiday_name(D(1989, 2, 24)), "昭和天皇の大喪の礼");
  EXPECT_EQ(holiday_name(D(1988, 4, 29)), "天皇誕生日");
  EXPECT_EQ(holiday_name(D(2018, 12, 23)), "天皇誕生日");
  EXPECT_EQ(holiday_name(D(2018, 12, 24)), "休日（振替休日）");
  EXPECT_EQ(holiday_name(D(2026, 3, 20)), "春分の日");
  EXPECT_EQ(holiday_name(D(2022, 10, 10)), "スポーツの日");
  EXPECT_EQ(holiday_name(D(2016, 8, 11)), "山の日");
  EXPECT_EQ(holiday_name(D(2015, 8, 11)), "");
  EXPECT_EQ(holiday_name(D(2026, 9, 24)), "");
  EXPECT_EQ(holidays(2026).size(), 18u);
}

// The equinoxes from the astronomical approximation, against published dates.
TEST(Holidays, Equinoxes) {
  EXPECT_EQ(holiday_name(D(1960, 3, 20)), "春分の日");
  EXPECT_EQ(holiday_name(D(1979, 3, 21)), "春分の日");
  EXPECT_EQ(holiday_name(D(2012, 9, 22)), "秋分の日");
  EXPECT_EQ(holiday_name(D(2024, 3, 20)), "春分の日");
  EXPECT_EQ(holiday_name(D(2025, 9, 23)), "秋分の日");
  EXPECT_EQ(holiday_name(D(2044, 9, 22)), "秋分の日");
}

// Closing days: weekends, holidays and 12/29–1/3.
TEST(ClosingDays, WeekendsHolidaysAndYearEnd) {
  EXPECT_TRUE(is_closing_day(D(2025, 12, 29)));  // Monday, year end
  EXPECT_TRUE(is_closing_day(D(2026, 1, 2)));
  EXPECT_TRUE(is_closing_day(D(2026, 1, 3)));
  EXPECT_FALSE(is_closing_day(D(2026, 1, 5)));
  EXPECT_TRUE(is_closing_day(D(2026, 9, 22)));
  EXPECT_TRUE(is_closing_day(D(2026, 4, 11)));  // Saturday
  EXPECT_EQ(next_open_day(D(2025, 12, 27)), D(2026, 1, 5));
  EXPECT_EQ(next_open_day(D(2026, 9, 19)), D(2026, 9, 24));
  EXPECT_EQ(next_open_day(D(2026, 9, 24)), D(2026, 9, 24));
}

// R-INST-3: the rule — the 10th and the 15th of the month before, or the next open day.
TEST(Schedule, RuleTenthAndFifteenth) {
  auto s = rule_schedule(D(2026, 5, 1));
  EXPECT_EQ(s.bureau_answer, D(2026, 4, 10));
  EXPECT_EQ(s.agency_deadline, D(2026, 4, 15));
  EXPECT_EQ(s.submission_deadline, D(2026, 3, 31));
  EXPECT_EQ(s.source, "rule");
  // 2027-01-10 is a Sunday and 1/11 成人の日: the answer goes on Tuesday the 12th.
  s = rule_schedule(D(2027, 2, 1));
  EXPECT_EQ(s.bureau_answer, D(2027, 1, 12));
  EXPECT_EQ(s.agency_deadline, D(2027, 1, 15));
  // A mid-month designation date uses the same month before.
  EXPECT_EQ(rule_schedule(D(2026, 5, 20)).bureau_answer, D(2026, 4, 10));
}

// R-INST-3: seed 002 別紙2, every row — the default schedule reproduces the published table,
// including the months where the agency set a later deadline than the rule.
TEST(Schedule, PublishedTableReproducedRowByRow) {
  struct Row {
    Date designation, bureau, agency;
  };
  const Row table[] = {
      {D(2021, 3, 1), D(2021, 2, 10), D(2021, 2, 15)},
      {D(2021, 4, 1), D(2021, 3, 10), D(2021, 3, 15)},
      {D(2021, 5, 1), D(2021, 4, 12), D(2021, 4, 16)},
      {D(2021, 6, 1), D(2021, 5, 10), D(2021, 5, 17)},
      {D(2021, 7, 1), D(2021, 6, 10), D(2021, 6, 15)},
      {D(2021, 8, 1), D(2021, 7, 12), D(2021, 7, 16)},
      {D(2021, 9, 1), D(2021, 8, 10), D(2021, 8, 16)},
      {D(2021, 10, 1), D(2021, 9, 10), D(2021, 9, 15)},
      {D(2021, 11, 1), D(2021, 10, 11), D(2021, 10, 18)},
      {D(2021, 12, 1), D(2021, 11, 10), D(2021, 11, 15)},
      {D(2022, 1, 1), D(2021, 12, 10), D(2021, 12, 15)},
      {D(2022, 2, 1), D(2022, 1, 11), D(2022, 1, 17)},
      {D(2022, 3, 1), D(2022, 2, 10), D(2022, 2, 15)},
      {D(2022, 4, 1), D(2022, 3, 10), D(2022, 3, 15)},
  };
  ASSERT_EQ(published_schedule().size(), std::size(table));
  int differs_from_rule = 0;
  for (const auto& row : table) {
    auto s = schedule_for(row.designation);
    EXPECT_EQ(s.bureau_answer, row.bureau) << row.designation.yyyymmdd();
    EXPECT_EQ(s.agency_deadline, row.agency) << row.designation.yyyymmdd();
    EXPECT_EQ(s.source, "published");
    // The bureau's dates all follow the rule; the agency's differ in three months.
    auto rule = rule_schedule(row.designation);
    EXPECT_EQ(rule.bureau_answer, row.bureau) << row.designation.yyyymmdd();
    if (rule.agency_deadline != row.agency) ++differs_from_rule;
  }
  EXPECT_EQ(differs_from_rule, 3);  // 2021-05, 2021-08, 2021-11
  EXPECT_EQ(rule_schedule(D(2021, 5, 1)).agency_deadline, D(2021, 4, 15));
  EXPECT_EQ(schedule_for(D(2021, 5, 1), {}, false).agency_deadline, D(2021, 4, 15));
}

// R-INST-3: an operator's override wins over the rule and the published table, per field.
TEST(Schedule, OperatorOverride) {
  ScheduleOverride o;
  o.year = 2021;
  o.month = 5;
  o.agency_deadline = D(2021, 4, 20);
  ScheduleOverride other;
  other.year = 2026;
  other.month = 7;
  other.bureau_answer = D(2026, 6, 9);
  ScheduleOverride both[] = {o, other};
  auto s = schedule_for(D(2021, 5, 1), both);
  EXPECT_EQ(s.agency_deadline, D(2021, 4, 20));
  EXPECT_EQ(s.bureau_answer, D(2021, 4, 12));
  EXPECT_EQ(s.source, "override");
  auto t = schedule_for(D(2026, 7, 1), both);
  EXPECT_EQ(t.bureau_answer, D(2026, 6, 9));
  EXPECT_EQ(t.agency_deadline, D(2026, 6, 15));
  EXPECT_EQ(schedule_for(D(2026, 8, 1), both).source, "rule");
}

// R-INST-4: the weekly publication is the Monday on or before the date.
TEST(Lists, PublicationMonday) {
  EXPECT_EQ(publication_monday(D(2026, 4, 13)), D(2026, 4, 13));  // Monday
  EXPECT_EQ(publication_monday(D(2026, 4, 19)), D(2026, 4, 13));  // Sunday
  EXPECT_EQ(publication_monday(D(2026, 4, 14)), D(2026, 4, 13));
  EXPECT_EQ(publication_monday(D(2026, 4, 12)), D(2026, 4, 6));
}

}  // namespace
}  // namespace onshi::institutions
