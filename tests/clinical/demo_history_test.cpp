// The demo's clinical history (demo/generator.h: demo_clinical_csv) loads whole into a store
// holding the demo members, on every backend: three years of medication, yearly checks,
// treatments and the last 100 days' prescriptions, no row rejected (R-CONF-5; issue 16 point 1).
#include <gtest/gtest.h>

#include <fstream>

#include "clinical/clinical.h"
#include "demo/generator.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/test_database.h"

namespace onshi::clinical {
namespace {

class DemoHistoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  onshi::testing::TestDatabase tdb_{GetParam()};
};

TEST_P(DemoHistoryTest, EveryRowLoads) {
  ONSHI_REQUIRE_DATABASE(tdb_);
  auto db = store::open_store(tdb_.url());
  ASSERT_TRUE(db.ok());
  auto keys = security::Keyring::load_or_create(tdb_.dir());
  ASSERT_TRUE(keys.ok());
  const core::Date today = core::Date::today_jst();
  std::ofstream(tdb_.dir() / "members.csv") << demo::demo_members_csv(today);
  auto members = registry::import_csv((*db)->members(), *keys, tdb_.dir() / "members.csv");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->rejected, 0);
  int64_t medication = 0;
  for (const std::string& kind : demo::clinical_kinds()) {
    const auto file = tdb_.dir() / (kind + ".csv");
    std::ofstream(file) << demo::demo_clinical_csv(kind, today);
    LoadOptions load;
    load.source = "import:" + kind + ".csv";
    auto r = import_csv(**db, *store::parse_clinical_kind(kind), file, load);
    ASSERT_TRUE(r.ok()) << kind << ": " << r.error().message;
    EXPECT_EQ(r->rejected, 0) << kind << ": " << r->to_json();
    EXPECT_GT(r->accepted, 0) << kind;
    if (kind == "medication") medication = r->accepted;
  }
  EXPECT_GT(medication, 150);  // three years of chronic prescriptions for several people
  // 山田 太郎's history as a view would ask for it: newest first, inside the 3-year window.
  auto link = (*db)->members().qualification_as_of(
      core::make_card_key("06139992", "1234", "5678", "00"), core::now_unix_us());
  ASSERT_TRUE(link.ok() && link->has_value());
  auto from = viewable_from((*db)->clinical(), store::ClinicalKind::kMedication, today);
  ASSERT_TRUE(from.ok());
  auto rows = (*db)->clinical().records_of((*link)->person_link, store::ClinicalKind::kMedication,
                                           from->yyyymmdd(), "");
  ASSERT_TRUE(rows.ok());
  EXPECT_GT(rows->size(), 60u);
  EXPECT_GE(rows->front().record_date, rows->back().record_date);
}

INSTANTIATE_TEST_SUITE_P(Backends, DemoHistoryTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::clinical
