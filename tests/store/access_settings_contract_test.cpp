// The access store's dated institution settings (store/access.h InstitutionSetting), written
// once and run on every backend: the 「電子処方箋：利用する」 setting in force on a day is the
// latest one effective on or before it, seen at once by a second Database (another server),
// listed per institution, and copied verbatim (conflicts refused).
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

InstitutionSetting setting(const std::string& institution, const std::string& on, bool use) {
  return InstitutionSetting{0, institution, std::string(kSettingEPrescription), on, use, 1};
}

class AccessSettingsContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    db_ = open();
  }
  std::unique_ptr<Database> open() {
    auto db = open_store(tdb_.url());
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(*db) : nullptr;
  }
  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// Seed 004 §2 (R-CONF-5): the e-prescription setting is dated; the latest effective on or
// before the day counts (the later id on the same day), other institutions' are apart.
TEST_P(AccessSettingsContractTest, SettingInForceOnADay) {
  AccessStore& s = db_->access();
  auto on = [&](const char* institution, const char* day) -> std::optional<bool> {
    auto r = s.setting_on(institution, kSettingEPrescription, day);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok() || !r->has_value()) return std::nullopt;
    return (*r)->use;
  };
  EXPECT_EQ(on("1310112345", "20260101"), std::nullopt);
  auto a = s.add_setting(setting("1310112345", "20240401", true));
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = s.add_setting(setting("1310112345", "20250101", false));
  ASSERT_TRUE(b.ok());
  EXPECT_LT(*a, *b);
  ASSERT_TRUE(s.add_setting(setting("1310112345", "20250101", true)).ok());  // same day, later
  ASSERT_TRUE(s.add_setting(setting("2710154321", "20200101", true)).ok());
  EXPECT_EQ(on("1310112345", "20240331"), std::nullopt);
  EXPECT_EQ(on("1310112345", "20240401"), true);
  EXPECT_EQ(on("1310112345", "20241231"), true);
  EXPECT_EQ(on("1310112345", "20250101"), true);
  EXPECT_EQ(on("9999999999", "20250101"), std::nullopt);
  ASSERT_TRUE(s.add_setting(setting("1310112345", "20260201", false)).ok());
  // A second Database (another server) sees it at once.
  auto other = open();
  auto seen = other->access().setting_on("1310112345", kSettingEPrescription, "20260201");
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_FALSE((*seen)->use);
  auto mine = s.settings("1310112345");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 4u);
  auto all = s.settings("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
}

// `onshi db copy`: settings are copied with their ids; the same row again is skipped, a
// different row under an id held is E_COPY_CONFLICT and writes nothing; later adds get new ids.
TEST_P(AccessSettingsContractTest, VerbatimPuts) {
  AccessStore& s = db_->access();
  std::vector<InstitutionSetting> rows{setting("1310112345", "20240401", true),
                                       setting("1310112345", "20250101", false)};
  rows[0].id = 7;
  rows[1].id = 9;
  auto n = s.put_settings_verbatim(rows);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2);
  auto again = s.put_settings_verbatim(rows);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto changed = rows;
  changed[1].use = true;
  changed.push_back(setting("2710154321", "20200101", true));
  changed.back().id = 11;
  auto conflict = s.put_settings_verbatim(changed);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, "E_COPY_CONFLICT");
  EXPECT_EQ(s.settings("")->size(), 2u);
  auto next = s.add_setting(setting("1310112345", "20260101", true));
  ASSERT_TRUE(next.ok());
  EXPECT_GT(*next, 9);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessSettingsContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
