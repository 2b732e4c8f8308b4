// Burden ratio by age and the 高齢受給者証 × 限度額適用認定証 consistency matrix
// (domain-rules §6, §8).
//
// Everything hangs on one definition: the day a person "reaches" an age (n歳に達する日) is the
// day before the birthday, and a 2/29 birthday in a non-leap year reaches on 2/28. The three
// band starts (school entry, 高齢受給者, 後期) are then plain date arithmetic from it, so a
// boundary case is decided by the statute's wording rather than by a month count.
#include "core/burden.h"

namespace onshi::core {
namespace {

// 後期高齢者 一般Ⅱ (2割) and the B09/B10 split exist from this day.
const Date kLatterTwoTenthsStart = Date::from_ymd(2022, 10, 1);
// The last 70–74 year olds with the 1割 特例 turned 75 before this day.
const Date kElderlyOneTenthEnd = Date::from_ymd(2019, 4, 1);

bool in(std::string_view flag, std::initializer_list<std::string_view> codes) {
  for (auto c : codes) {
    if (flag == c) return true;
  }
  return false;
}

bool is_under70_code(std::string_view f) {
  return in(f, {"A01", "A02", "A03", "A04", "A05", "A06"});
}
bool is_upper_income(std::string_view f) {
  return in(f, {"B01", "B02", "B03"});
}  // 現役並み
bool is_low_income(std::string_view f) {
  return in(f, {"B05", "B06", "B07", "B08"});
}

}  // namespace

Date reach_age(Date birth, int n) {
  if (birth.month() == 2 && birth.day() == 29) {
    Date same_day = birth.add_years(n);  // 2/28 when the target year is not leap
    return same_day.day() == 28 ? same_day : same_day.add_days(-1);
  }
  return birth.add_years(n).add_days(-1);
}

Date preschool_end(Date birth) {
  Date reach6 = reach_age(birth, 6);
  Date march31 = Date::from_ymd(reach6.year(), 3, 31);
  return reach6 <= march31 ? march31 : Date::from_ymd(reach6.year() + 1, 3, 31);
}

Date elderly_start(Date birth) {
  return reach_age(birth, 70).first_of_next_month();
}

Date latter_elderly_start(Date birth) {
  return reach_age(birth, 75).add_days(1);
}

AgeBand age_band(Date birth, Date on) {
  if (on >= latter_elderly_start(birth)) return AgeBand::kLatterElderly;
  if (on >= elderly_start(birth)) return AgeBand::kElderly;
  if (on <= preschool_end(birth)) return AgeBand::kPreschool;
  return AgeBand::kGeneral;
}

bool is_preschool(Date birth, Date on) {
  return on <= preschool_end(birth);
}

int default_ratio_tenths(AgeBand band) {
  switch (band) {
    case AgeBand::kPreschool:
      return 2;
    case AgeBand::kGeneral:
      return 3;
    default:
      return 0;
  }
}

bool ratio_allowed(AgeBand band, int ratio_tenths, Date on) {
  switch (band) {
    case AgeBand::kPreschool:
      return ratio_tenths == 2;
    case AgeBand::kGeneral:
      return ratio_tenths == 3;
    case AgeBand::kElderly:
      return ratio_tenths == 2 || ratio_tenths == 3 ||
             (ratio_tenths == 1 && on < kElderlyOneTenthEnd);
    case AgeBand::kLatterElderly:
      return ratio_tenths == 1 || ratio_tenths == 3 ||
             (ratio_tenths == 2 && on >= kLatterTwoTenthsStart);
  }
  return false;
}

bool limit_classification_consistent(AgeBand band, int ratio_tenths, std::string_view flag,
                                     Date on) {
  if (flag.empty()) return true;  // no certificate: nothing to contradict
  if (!ratio_allowed(band, ratio_tenths, on)) return false;
  switch (band) {
    case AgeBand::kPreschool:
    case AgeBand::kGeneral:
      return is_under70_code(flag);
    case AgeBand::kElderly:
      if (ratio_tenths == 3) return is_upper_income(flag);
      return flag == "B04" || is_low_income(flag);  // 2割 (or the old 1割 特例)
    case AgeBand::kLatterElderly:
      if (ratio_tenths == 3) return is_upper_income(flag);
      if (on < kLatterTwoTenthsStart) return flag == "B04" || is_low_income(flag);
      if (ratio_tenths == 2) return flag == "B09";
      return flag == "B10" || is_low_income(flag);
  }
  return false;
}

bool limit_certificate_kind_consistent(std::string_view certificate_classification,
                                       std::string_view flag) {
  // 減額 区分 (住民税非課税) come on a 限度額適用・標準負担額減額認定証 (02) or a
  // 標準負担額減額認定証 (03); every other 区分 on a 限度額適用認定証 (01).
  bool reduced = flag == "A05" || flag == "A06" || is_low_income(flag);
  if (reduced) return certificate_classification == "02" || certificate_classification == "03";
  return certificate_classification == "01";
}

int parse_ratio_percent(std::string_view s) {
  if (s.size() != 3) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  if (v % 10 != 0 || v > 100) return -1;
  return v / 10;
}

bool limit_classification_plausible(AgeBand band, int elderly_ratio_tenths,
                                    int card_ratio_tenths, std::string_view classification_flag,
                                    Date on) {
  auto consistent = [&](int r) {
    return limit_classification_consistent(band, r, classification_flag, on);
  };
  switch (band) {
    case AgeBand::kPreschool:
      return consistent(2);
    case AgeBand::kGeneral:
      return consistent(3);
    case AgeBand::kElderly:
      if (elderly_ratio_tenths > 0) return consistent(elderly_ratio_tenths);
      return consistent(2) || consistent(3);
    case AgeBand::kLatterElderly:
      if (card_ratio_tenths > 0) return consistent(card_ratio_tenths);
      return consistent(1) || consistent(2) || consistent(3);
  }
  return false;
}

}  // namespace onshi::core
