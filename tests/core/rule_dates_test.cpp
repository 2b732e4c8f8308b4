// The seeds' dates (core/rule_dates.h): each date as its seed sets it, and the rules that ask
// for them.
#include "core/rule_dates.h"

#include <gtest/gtest.h>

namespace onshi::core {
namespace {

// 本格運用 2021-10-20 (seed 000), プレ運用 from 2021-03-04 (seed 003), 医療扶助 2024-03-01,
// 処方・調剤情報 and 医療扶助の健診情報 from 2024-04 (seed 004 §2).
TEST(RuleDates, EachDateAsItsSeedSetsIt) {
  EXPECT_EQ(pre_operation_start().yyyymmdd(), "20210304");
  EXPECT_EQ(full_operation_start().yyyymmdd(), "20211020");
  EXPECT_EQ(medical_aid_start().yyyymmdd(), "20240301");
  EXPECT_EQ(prescription_info_start().yyyymmdd(), "20240401");
  EXPECT_EQ(medical_aid_health_check_start().yyyymmdd(), "20240401");
  ASSERT_EQ(rule_dates().size(), 5u);
  for (const auto& d : rule_dates()) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.seed.empty()) << d.name;
  }
}

// R-CONF-6 / R-CLM-1 and the limit-certificate information from full operation on, not before.
TEST(RuleDates, FullOperationDecidesTheRuleInForce) {
  EXPECT_FALSE(in_full_operation(Date::from_ymd(2021, 10, 19)));
  EXPECT_TRUE(in_full_operation(Date::from_ymd(2021, 10, 20)));
  EXPECT_FALSE(limit_information_viewable(Date::from_ymd(2021, 3, 4)));
  EXPECT_TRUE(limit_information_viewable(Date::from_ymd(2021, 10, 20)));
}

}  // namespace
}  // namespace onshi::core
