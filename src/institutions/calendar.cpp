// The government's business-day calendar and the onboarding schedule that rests on it.
//
// Holidays are computed from 国民の祝日に関する法律 rather than read from a list, so any year
// works without a data update: each 祝日 is a rule with the years it applies (a fixed day, the
// n-th Monday of ハッピーマンデー, the equinoxes by the usual approximation of the 国立天文台
// 暦要項 valid 1900–2099), the special laws of 2019–2021 are explicit exceptions, and 振替休日
// and 国民の休日 are derived from the 祝日 afterwards — the law defines them that way, which is
// why 2019's 4/30 and 5/2 fall out of the 即位の日 without being listed. The schedule is the
// rule of seed 002 (10th / 15th of the month before, next open day) overlaid by the agency's
// published table (別紙2) and then by an operator's overrides.
#include <array>

#include "institutions/institutions.h"

namespace onshi::institutions {
namespace {

using core::Date;

// The n-th Monday (n ≥ 1) of a month.
int nth_monday(int y, int m, int n) {
  int wd = Date::from_ymd(y, m, 1).weekday();  // 0 = Sunday
  int first = 1 + (8 - wd) % 7;                // day of the first Monday
  return first + 7 * (n - 1);
}

// 春分日 / 秋分日 (days in March / September).
int vernal_equinox_day(int y) {
  if (y <= 1979) return static_cast<int>(20.8357 + 0.242194 * (y - 1980) - (y - 1983) / 4);
  return static_cast<int>(20.8431 + 0.242194 * (y - 1980) - (y - 1980) / 4);
}
int autumnal_equinox_day(int y) {
  if (y <= 1979) return static_cast<int>(23.2588 + 0.242194 * (y - 1980) - (y - 1983) / 4);
  return static_cast<int>(23.2488 + 0.242194 * (y - 1980) - (y - 1980) / 4);
}

// The 国民の祝日 on y-m-d (not 振替休日, not 国民の休日), or "".
std::string national_day(int y, int m, int d) {
  if (y < 1949 || y > 2099) return "";
  switch (m) {
    case 1:
      if (d == 1) return "元日";
      if (y < 2000 ? d == 15 : d == nth_monday(y, 1, 2)) return "成人の日";
      break;
    case 2:
      if (y >= 1967 && d == 11) return "建国記念の日";
      if (y >= 2020 && d == 23) return "天皇誕生日";
      if (y == 1989 && d == 24) return "昭和天皇の大喪の礼";
      break;
    case 3:
      if (d == vernal_equinox_day(y)) return "春分の日";
      break;
    case 4:
      if (d == 29) return y <= 1988 ? "天皇誕生日" : y <= 2006 ? "みどりの日" : "昭和の日";
      if (y == 1959 && d == 10) return "皇太子明仁親王の結婚の儀";
      break;
    case 5:
      if (d == 3) return "憲法記念日";
      if (y >= 2007 && d == 4) return "みどりの日";
      if (d == 5) return "こどもの日";
      if (y == 2019 && d == 1) return "天皇の即位の日";
      break;
    case 6:
      if (y == 1993 && d == 9) return "皇太子徳仁親王の結婚の儀";
      break;
    case 7:
      if (y == 2020) {
        if (d == 23) return "海の日";
        if (d == 24) return "スポーツの日";
      } else if (y == 2021) {
        if (d == 22) return "海の日";
        if (d == 23) return "スポーツの日";
      } else if (y >= 1996 && y <= 2002 && d == 20) {
        return "海の日";
      } else if (y >= 2003 && d == nth_monday(y, 7, 3)) {
        return "海の日";
      }
      break;
    case 8:
      if (y == 2020) {
        if (d == 10) return "山の日";
      } else if (y == 2021) {
        if (d == 8) return "山の日";
      } else if (y >= 2016 && d == 11) {
        return "山の日";
      }
      break;
    case 9:
      if (y >= 1966 && y <= 2002 && d == 15) return "敬老の日";
      if (y >= 2003 && d == nth_monday(y, 9, 3)) return "敬老の日";
      if (d == autumnal_equinox_day(y)) return "秋分の日";
      break;
    case 10:
      if (y >= 1966 && y <= 1999 && d == 10) return "体育の日";
      if (y >= 2000 && y <= 2019 && d == nth_monday(y, 10, 2)) return "体育の日";
      if (y >= 2022 && d == nth_monday(y, 10, 2)) return "スポーツの日";
      if (y == 2019 && d == 22) return "即位礼正殿の儀の行われる日";
      break;
    case 11:
      if (d == 3) return "文化の日";
      if (d == 23) return "勤労感謝の日";
      if (y == 1990 && d == 12) return "即位礼正殿の儀";
      break;
    case 12:
      if (y >= 1989 && y <= 2018 && d == 23) return "天皇誕生日";
      break;
  }
  return "";
}

std::string national_day(Date d) {
  return national_day(d.year(), d.month(), d.day());
}

const Date kSubstituteFrom = Date::from_ymd(1973, 4, 12);  // 振替休日 introduced
const Date kSubstituteChain = Date::from_ymd(2007, 1, 1);  // any following non-祝日 day
const Date kCitizensFrom = Date::from_ymd(1985, 12, 27);   // 国民の休日 introduced

bool is_substitute_holiday(Date d) {
  if (d < kSubstituteFrom) return false;
  if (d < kSubstituteChain) {
    Date prev = d.add_days(-1);
    return prev >= kSubstituteFrom && prev.weekday() == 0 && !national_day(prev).empty();
  }
  // Since 2007: the first day after a Sunday 祝日 (and the 祝日 that follow it) that is
  // not itself a 祝日.
  for (Date e = d.add_days(-1); !national_day(e).empty(); e = e.add_days(-1)) {
    if (e.weekday() == 0) return true;
  }
  return false;
}

// The seed's 別紙2 (受付番号の情報提供等に係る日程, ～令和3年度): designation month, the bureau's
// dispatch date and the agency's deadline as published.
const std::array<ScheduleOverride, 14> kPublished = [] {
  auto row = [](int y, int m, Date bureau, Date agency) {
    ScheduleOverride o;
    o.year = y;
    o.month = m;
    o.bureau_answer = bureau;
    o.agency_deadline = agency;
    return o;
  };
  auto d = [](int y, int m, int day) { return Date::from_ymd(y, m, day); };
  return std::array<ScheduleOverride, 14>{
      row(2021, 3, d(2021, 2, 10), d(2021, 2, 15)),
      row(2021, 4, d(2021, 3, 10), d(2021, 3, 15)),
      row(2021, 5, d(2021, 4, 12), d(2021, 4, 16)),
      row(2021, 6, d(2021, 5, 10), d(2021, 5, 17)),
      row(2021, 7, d(2021, 6, 10), d(2021, 6, 15)),
      row(2021, 8, d(2021, 7, 12), d(2021, 7, 16)),
      row(2021, 9, d(2021, 8, 10), d(2021, 8, 16)),
      row(2021, 10, d(2021, 9, 10), d(2021, 9, 15)),
      row(2021, 11, d(2021, 10, 11), d(2021, 10, 18)),
      row(2021, 12, d(2021, 11, 10), d(2021, 11, 15)),
      row(2022, 1, d(2021, 12, 10), d(2021, 12, 15)),
      row(2022, 2, d(2022, 1, 11), d(2022, 1, 17)),
      row(2022, 3, d(2022, 2, 10), d(2022, 2, 15)),
      row(2022, 4, d(2022, 3, 10), d(2022, 3, 15)),
  };
}();

void overlay(Schedule& s, const ScheduleOverride& o, const char* source) {
  if (o.year != s.designation.year() || o.month != s.designation.month()) return;
  bool any = false;
  if (o.bureau_answer) s.bureau_answer = *o.bureau_answer, any = true;
  if (o.agency_deadline) s.agency_deadline = *o.agency_deadline, any = true;
  if (o.submission_deadline) s.submission_deadline = *o.submission_deadline, any = true;
  if (any) s.source = source;
}

}  // namespace

std::string holiday_name(Date d) {
  std::string n = national_day(d);
  if (!n.empty()) return n;
  if (is_substitute_holiday(d)) return "休日（振替休日）";
  if (d >= kCitizensFrom && d.weekday() != 0 && !national_day(d.add_days(-1)).empty() &&
      !national_day(d.add_days(1)).empty()) {
    return "休日（国民の休日）";
  }
  return "";
}

bool is_national_holiday(Date d) {
  return !holiday_name(d).empty();
}

std::vector<Holiday> holidays_of_year(int year) {
  std::vector<Holiday> out;
  if (year < 1800 || year > 2999) return out;
  for (Date d = Date::from_ymd(year, 1, 1); d.year() == year; d = d.add_days(1)) {
    std::string n = holiday_name(d);
    if (!n.empty()) out.push_back({d, std::move(n)});
  }
  return out;
}

bool is_closing_day(Date d) {
  int wd = d.weekday();
  if (wd == 0 || wd == 6) return true;
  int m = d.month(), day = d.day();
  if ((m == 12 && day >= 29) || (m == 1 && day <= 3)) return true;
  return is_national_holiday(d);
}

Date next_open_day(Date d) {
  while (is_closing_day(d)) d = d.add_days(1);
  return d;
}

Schedule rule_schedule(Date designation) {
  Schedule s;
  s.designation = designation;
  Date prev = designation.first_of_month().add_days(-1).first_of_month();  // month before
  s.bureau_answer = next_open_day(Date::from_ymd(prev.year(), prev.month(), 10));
  s.agency_deadline = next_open_day(Date::from_ymd(prev.year(), prev.month(), 15));
  s.submission_deadline = prev.add_days(-1);  // the last day of the month before that
  s.source = "rule";
  return s;
}

std::span<const ScheduleOverride> published_schedule() {
  return kPublished;
}

Schedule schedule_for(Date designation, std::span<const ScheduleOverride> overrides,
                      bool use_published) {
  Schedule s = rule_schedule(designation);
  if (use_published) {
    for (const auto& o : kPublished) overlay(s, o, "published");
  }
  for (const auto& o : overrides) overlay(s, o, "override");
  return s;
}

}  // namespace onshi::institutions
