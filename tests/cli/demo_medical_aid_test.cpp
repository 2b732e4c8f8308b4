// The demo's 医療扶助 part (issue 15 point 8): after `onshi demo --no-serve` the data directory
// holds the welfare office's certificate, the two recipients with their cards and person links,
// this month's tickets (one designating the demo clinic, one another clinic), the demo clinic
// with 医療扶助 on, and the sample requests; a second run changes nothing.
#include "cli/demo_medical_aid.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/date.h"
#include "core/qualification.h"
#include "store/database.h"

namespace {

namespace fs = std::filesystem;
using namespace onshi;

int run_demo(const fs::path& dir) {
  std::string cmd = std::string(ONSHI_BINARY) + " demo --no-serve --members 10 --data-dir '" +
                    dir.string() + "' >'" + (dir.parent_path() / "demo.out").string() + "' 2>&1";
  return std::system(cmd.c_str());
}

// R-AID-1, R-AID-2, R-AID-3: the demo's welfare office, recipients, tickets and setting.
TEST(DemoMedicalAid, DemoHoldsTheOfficeRecipientsTicketsAndSetting) {
  fs::path root = fs::temp_directory_path() / ("onshi-demo-aid-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  fs::path dir = root / "data";
  ASSERT_EQ(run_demo(dir), 0);
  EXPECT_TRUE(fs::exists(dir / "welfare-office" / "cert.pem"));
  for (const auto& c : cli::demo_aid::kCards)
    EXPECT_TRUE(fs::exists(dir / "cards" / (std::string(c.id) + ".card"))) << c.id;
  EXPECT_TRUE(fs::exists(dir / "requests" / "aid-contracted.xml"));
  EXPECT_TRUE(fs::exists(dir / "requests" / "aid-not-contracted.xml"));

  auto db = store::open_store(store::sqlite_url(dir));
  ASSERT_TRUE(db.ok()) << db.error().message;
  const std::string month = core::Date::today_jst().yyyymmdd().substr(0, 6);
  struct Expect {
    const char* number;
    const char* designated;
  };
  for (Expect e : {Expect{cli::demo_aid::kContractedNumber, "1310112345"},
                   Expect{cli::demo_aid::kNotContractedNumber, cli::demo_aid::kOtherClinic}}) {
    auto q = (*db)->members().qualification_as_of(
        core::make_card_key(cli::demo_aid::kOffice, "", e.number, ""), INT64_MAX);
    ASSERT_TRUE(q.ok()) << e.number;
    ASSERT_TRUE(q->has_value()) << e.number;
    EXPECT_EQ((**q).qualification.insured_card_classification, "A1");
    EXPECT_FALSE((**q).person_link.empty());
    auto t = (*db)->tickets().tickets_of(cli::demo_aid::kOffice, e.number, INT64_MAX);
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t->size(), 1u) << e.number;
    EXPECT_EQ((*t)[0].ticket.medical_treatment_month, month);
    EXPECT_EQ((*t)[0].ticket.designated_code, e.designated);
  }
  auto clinic =
      (*db)->institutions().find(store::InstitutionKey::kMedicalInstitutionCode, "1310112345");
  ASSERT_TRUE(clinic.ok());
  ASSERT_EQ(clinic->size(), 1u);
  EXPECT_TRUE((*clinic)[0].medical_aid);
  auto users = (*db)->institutions().medical_aid_users(core::Date::today_jst().yyyymmdd());
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].medical_institution_code, "1310112345");

  // Re-running the demo in the same month adds nothing.
  auto versions = (*db)->tickets().count_versions();
  ASSERT_TRUE(versions.ok());
  db->reset();
  ASSERT_EQ(run_demo(dir), 0);
  auto again = store::open_store(store::sqlite_url(dir));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->tickets().count_versions(), *versions);
  auto rows = (*again)->institutions().all();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);
  again->reset();
  fs::remove_all(root);
}

}  // namespace
