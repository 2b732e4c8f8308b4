// Tests for the burden ratio by age (domain-rules §8 vectors) and the consistency of
// 負担割合 × 限度額適用認定証 適用区分 × 証区分 (domain-rules §6 matrix and vectors).
#include "core/burden.h"

#include <gtest/gtest.h>

namespace onshi::core {
namespace {

Date D(int y, int m, int d) {
  return Date::from_ymd(y, m, d);
}

// The statutory base ratio on a day, as the research's ratio(b, d) states it; elderly and
// latter-elderly bands return their usual 一般 ratio for these vectors.
int ratio_on(Date birth, Date on) {
  switch (age_band(birth, on)) {
    case AgeBand::kPreschool:
      return 2;
    case AgeBand::kGeneral:
      return 3;
    case AgeBand::kElderly:
      return 2;
    case AgeBand::kLatterElderly:
      return 1;
  }
  return -1;
}

// R-CONF-3: n歳に達する日 is the day before the birthday; 2/29 births reach on 2/28.
TEST(Burden, ReachAge) {
  EXPECT_EQ(reach_age(D(2019, 4, 1), 6), D(2025, 3, 31));
  EXPECT_EQ(reach_age(D(2019, 4, 2), 6), D(2025, 4, 1));
  EXPECT_EQ(reach_age(D(2016, 2, 29), 6), D(2022, 2, 28));
  EXPECT_EQ(reach_age(D(2016, 2, 29), 8), D(2024, 2, 28));  // leap target: day before 2/29
  EXPECT_EQ(reach_age(D(1956, 2, 29), 70), D(2026, 2, 28));
  EXPECT_EQ(reach_age(D(1955, 4, 1), 70), D(2025, 3, 31));
}

// R-CONF-3: 未就学 ends on the first 31 March on or after reaching 6 (§8 vectors).
TEST(Burden, PreschoolBoundary) {
  EXPECT_EQ(preschool_end(D(2019, 4, 1)), D(2025, 3, 31));
  EXPECT_EQ(ratio_on(D(2019, 4, 1), D(2025, 3, 31)), 2);
  EXPECT_EQ(ratio_on(D(2019, 4, 1), D(2025, 4, 1)), 3);
  EXPECT_EQ(preschool_end(D(2019, 4, 2)), D(2026, 3, 31));
  EXPECT_EQ(ratio_on(D(2019, 4, 2), D(2026, 3, 31)), 2);
  EXPECT_EQ(ratio_on(D(2019, 4, 2), D(2026, 4, 1)), 3);
  EXPECT_EQ(preschool_end(D(2018, 9, 10)), D(2025, 3, 31));
  EXPECT_EQ(preschool_end(D(2016, 2, 29)), D(2022, 3, 31));
  EXPECT_TRUE(is_preschool(D(2018, 9, 10), D(2025, 3, 31)));
  EXPECT_FALSE(is_preschool(D(2018, 9, 10), D(2025, 4, 1)));
  EXPECT_EQ(age_band(D(2025, 4, 15), D(2025, 4, 15)), AgeBand::kPreschool);  // newborn
}

// R-CONF-3: 高齢受給者 from the 1st of the month after reaching 70 (§8 vectors).
TEST(Burden, ElderlyBoundary) {
  EXPECT_EQ(elderly_start(D(1955, 4, 15)), D(2025, 5, 1));
  EXPECT_EQ(ratio_on(D(1955, 4, 15), D(2025, 4, 30)), 3);
  EXPECT_EQ(ratio_on(D(1955, 4, 15), D(2025, 5, 1)), 2);
  // Born on the 1st: reaches 70 on the last day of the previous month → the birth month.
  EXPECT_EQ(elderly_start(D(1955, 4, 1)), D(2025, 4, 1));
  EXPECT_EQ(ratio_on(D(1955, 4, 1), D(2025, 3, 31)), 3);
  EXPECT_EQ(ratio_on(D(1955, 4, 1), D(2025, 4, 1)), 2);
  // Born on the 2nd: reaches 70 on the 1st → the next month.
  EXPECT_EQ(elderly_start(D(1955, 4, 2)), D(2025, 5, 1));
  EXPECT_EQ(ratio_on(D(1955, 4, 2), D(2025, 4, 30)), 3);
  EXPECT_EQ(ratio_on(D(1955, 4, 2), D(2025, 5, 1)), 2);
  EXPECT_EQ(elderly_start(D(1956, 2, 29)), D(2026, 3, 1));
  EXPECT_EQ(age_band(D(1956, 2, 29), D(2026, 2, 28)), AgeBand::kGeneral);
  EXPECT_EQ(age_band(D(1956, 2, 29), D(2026, 3, 1)), AgeBand::kElderly);
}

// R-CONF-3: 後期高齢者 from the 75th birthday itself (§8 vectors).
TEST(Burden, LatterElderlyBoundary) {
  EXPECT_EQ(latter_elderly_start(D(1950, 6, 10)), D(2025, 6, 10));
  EXPECT_EQ(age_band(D(1950, 6, 10), D(2025, 6, 9)), AgeBand::kElderly);
  EXPECT_EQ(ratio_on(D(1950, 6, 10), D(2025, 6, 9)), 2);
  EXPECT_EQ(age_band(D(1950, 6, 10), D(2025, 6, 10)), AgeBand::kLatterElderly);
  EXPECT_EQ(ratio_on(D(1950, 6, 10), D(2025, 6, 10)), 1);
  EXPECT_EQ(latter_elderly_start(D(1956, 2, 29)), D(2031, 3, 1));
  EXPECT_EQ(age_band(D(1956, 2, 29), D(2031, 2, 28)), AgeBand::kElderly);
  EXPECT_EQ(age_band(D(1956, 2, 29), D(2031, 3, 1)), AgeBand::kLatterElderly);
}

// R-CONF-7: impossible ratios are refused; 後期 2割 exists only from 2022-10-01 (§8 vector
// 1947-01-01: 2割 valid on 2022-10-01, invalid on 2022-09-30).
TEST(Burden, RatioAllowed) {
  Date b = D(1947, 1, 1);
  ASSERT_EQ(age_band(b, D(2022, 10, 1)), AgeBand::kLatterElderly);
  EXPECT_TRUE(ratio_allowed(AgeBand::kLatterElderly, 2, D(2022, 10, 1)));
  EXPECT_FALSE(ratio_allowed(AgeBand::kLatterElderly, 2, D(2022, 9, 30)));
  EXPECT_TRUE(ratio_allowed(AgeBand::kLatterElderly, 1, D(2022, 9, 30)));
  EXPECT_TRUE(ratio_allowed(AgeBand::kLatterElderly, 3, D(2025, 4, 15)));
  EXPECT_TRUE(ratio_allowed(AgeBand::kElderly, 2, D(2025, 4, 15)));
  EXPECT_TRUE(ratio_allowed(AgeBand::kElderly, 3, D(2025, 4, 15)));
  EXPECT_FALSE(ratio_allowed(AgeBand::kElderly, 1, D(2025, 4, 15)));  // 特例 extinct
  EXPECT_TRUE(ratio_allowed(AgeBand::kElderly, 1, D(2018, 4, 1)));
  EXPECT_TRUE(ratio_allowed(AgeBand::kGeneral, 3, D(2025, 4, 15)));
  EXPECT_FALSE(ratio_allowed(AgeBand::kGeneral, 2, D(2025, 4, 15)));
  EXPECT_TRUE(ratio_allowed(AgeBand::kPreschool, 2, D(2025, 4, 15)));
  EXPECT_FALSE(ratio_allowed(AgeBand::kPreschool, 3, D(2025, 4, 15)));
  EXPECT_EQ(default_ratio_tenths(AgeBand::kPreschool), 2);
  EXPECT_EQ(default_ratio_tenths(AgeBand::kGeneral), 3);
  EXPECT_EQ(default_ratio_tenths(AgeBand::kElderly), 0);
  EXPECT_EQ(default_ratio_tenths(AgeBand::kLatterElderly), 0);
}

// R-CONF-7: consistent triples of the §6 vectors.
TEST(Burden, ConsistencyMatrixConsistent) {
  Date on = D(2025, 4, 15);
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kGeneral, 3, "A03", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kPreschool, 2, "A05", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kElderly, 3, "B02", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kElderly, 2, "B04", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kElderly, 2, "B06", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kLatterElderly, 3, "B01", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kLatterElderly, 2, "B09", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kLatterElderly, 1, "B10", on));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kLatterElderly, 1, "B05", on));
  // Before the 2022-10 split, 後期 一般 was B04.
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kLatterElderly, 1, "B04", D(2022, 9, 30)));
  EXPECT_TRUE(limit_classification_consistent(AgeBand::kGeneral, 3, "", on));  // no certificate
}

// R-CONF-7: contradictory triples of the §6 vectors (高齢受給者証負担割合 contradicting
// the 限度額適用認定証区分).
TEST(Burden, ConsistencyMatrixContradictory) {
  Date on = D(2025, 4, 15);
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kGeneral, 3, "B04", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kElderly, 2, "A04", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kElderly, 3, "B04", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kElderly, 2, "B02", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kElderly, 2, "B09", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 2, "B10", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 1, "B09", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 3, "B09", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 1, "B04", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 2, "B04", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 1, "B01", on));
  // Any 後期 2割 before 2022-10-01, and a ratio the band cannot have.
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kLatterElderly, 2, "B09", D(2022, 9, 30)));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kGeneral, 2, "A03", on));
  EXPECT_FALSE(limit_classification_consistent(AgeBand::kGeneral, 3, "Z99", on));
}

// R-CONF-7: 減額 区分 belong on 証区分 02/03, the others on 01 (§6 vectors).
TEST(Burden, CertificateKind) {
  EXPECT_TRUE(limit_certificate_kind_consistent("02", "B06"));
  EXPECT_TRUE(limit_certificate_kind_consistent("01", "A03"));
  EXPECT_FALSE(limit_certificate_kind_consistent("01", "B06"));
  EXPECT_FALSE(limit_certificate_kind_consistent("01", "A05"));
  EXPECT_TRUE(limit_certificate_kind_consistent("02", "A06"));
  EXPECT_TRUE(limit_certificate_kind_consistent("03", "B05"));
  EXPECT_FALSE(limit_certificate_kind_consistent("02", "A01"));
  EXPECT_FALSE(limit_certificate_kind_consistent("02", "B01"));
  EXPECT_TRUE(limit_certificate_kind_consistent("01", "B01"));
  EXPECT_TRUE(limit_certificate_kind_consistent("01", "B04"));
}

// R-CONF-3: ratio strings of the interface ("010" = 1割).
TEST(Burden, ParseRatioPercent) {
  EXPECT_EQ(parse_ratio_percent("010"), 1);
  EXPECT_EQ(parse_ratio_percent("020"), 2);
  EXPECT_EQ(parse_ratio_percent("030"), 3);
  EXPECT_EQ(parse_ratio_percent("000"), 0);
  EXPECT_EQ(parse_ratio_percent("30"), -1);
  EXPECT_EQ(parse_ratio_percent("035"), -1);
  EXPECT_EQ(parse_ratio_percent("0３0"), -1);
  EXPECT_EQ(parse_ratio_percent(""), -1);
  EXPECT_EQ(parse_ratio_percent("200"), -1);
}

}  // namespace
}  // namespace onshi::core

namespace onshi::core {
namespace {

// R-CONF-7: the 高齢受給者証負担割合 × 限度額適用区分 check when the ratio may not be registered.
TEST(LimitClassificationPlausible, UnknownRatioTriesWhatTheBandAllows) {
  const Date on = Date::from_ymd(2025, 6, 1);
  EXPECT_TRUE(limit_classification_plausible(AgeBand::kElderly, 0, 0, "B04", on));
  EXPECT_TRUE(limit_classification_plausible(AgeBand::kElderly, 0, 0, "B02", on));
  EXPECT_FALSE(limit_classification_plausible(AgeBand::kElderly, 0, 0, "A03", on));
  EXPECT_FALSE(limit_classification_plausible(AgeBand::kElderly, 3, 0, "B04", on));  // 3割 known
  EXPECT_TRUE(limit_classification_plausible(AgeBand::kLatterElderly, 0, 0, "B09", on));
  EXPECT_FALSE(limit_classification_plausible(AgeBand::kLatterElderly, 0, 1, "B09", on));
  EXPECT_FALSE(limit_classification_plausible(AgeBand::kGeneral, 0, 0, "B04", on));
  EXPECT_TRUE(limit_classification_plausible(AgeBand::kGeneral, 0, 0, "A03", on));
  EXPECT_TRUE(limit_classification_plausible(AgeBand::kPreschool, 0, 0, "A05", on));
}

}  // namespace
}  // namespace onshi::core
