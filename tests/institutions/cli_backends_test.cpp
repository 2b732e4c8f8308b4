// onshi institutions on the server database: the real binary with --db postgresql://… walks
// an institution from 仮コード to 利用中, and every answer that does not carry a time or a
// file path — the steps' JSON, the published list in CSV and JSON, the medical-aid list, the
// statistics, the history's actions — is byte-identical to the same walk on SQLite
// (issue 12 §1, §3: the service-level check of the institutions on PostgreSQL).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "institutions/test_util.h"
#include "security/ca.h"
#include "store/test_database.h"

namespace onshi::institutions {
namespace {

namespace json = boost::json;
using testing::quoted;
using testing::run_onshi;

// The walk on one database; returns every comparable answer, in order. `keys` holds the CA.
std::vector<std::string> walk(const std::string& db_url, const std::filesystem::path& keys) {
  std::string db = " --db " + quoted(db_url);
  std::string both = db + " --data-dir " + quoted(keys.string());
  std::vector<std::string> out;
  auto step = [&](const std::string& args) {
    auto r = run_onshi("institutions " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    out.push_back(r.out);
    return r.out;
  };
  std::string name = quoted("オン資クリニック"), address = quoted("東京都千代田区霞が関1-2-2");
  step("provisional" + db + " --kind clinic --prefecture 13 --name " + name + " --address " +
       address);
  step("provisional" + db + " --kind dental --prefecture 13 --name " + name + " --address " +
       address);
  step("portal-account" + db + " --provisional 0000001");
  // 機種未定 under seed 003's 2021 programme, its model chosen before 令和3年6月末.
  step("card-reader" + db + " --provisional 0000001 --model 機種未定 --date 20210305");
  step("choose-model" + db + " --provisional 0000001 --model " + quoted("A社 KR-1") +
       " --date 20210401");
  step("reader-undecided" + db + " --provisional 0000001 --channel portal --date 20210331");
  step("choose-model" + db + " --provisional 0000001 --model " + quoted("A社 KR-1") +
       " --date 20210402");
  std::string numbers[2], mic;
  for (int i = 0; i < 2; ++i) {
    auto answer =
        json::parse(step("request-number" + db + " --provisional 000000" + std::to_string(i + 1) +
                         " --designation 20300401 --request-date 20300120"))
            .as_object();
    numbers[i] = answer["receptionNumber"].as_string().c_str();
    if (i == 0) mic = answer["medicalInstitutionCode"].as_string().c_str();
  }
  step("present" + db + " --reception-number " + numbers[0] + " --date 20300310");
  step("designate" + db + " --reception-number " + numbers[0]);
  step("designate" + db + " --reception-number " + numbers[1] + " --not-designated");
  auto use = run_onshi("institutions apply-usage" + both + " --code " + mic + " --out " +
                       quoted((keys / "clinic").string()) + " --date 20300315");
  EXPECT_EQ(use.exit_code, 0) << use.err;
  EXPECT_TRUE(std::filesystem::exists(keys / "clinic" / "cert.pem"));
  step("medical-aid" + db + " --code " + mic + " --use --date 20300320");
  step("show" + db + " " + mic);
  step("list" + db + " --as-of 20300408");
  step("list" + db + " --as-of 20300408 --format json --prefecture 13 --kind clinic");
  step("medical-aid-list" + db + " --month 203005");
  step("set-total" + db + " --kind clinic --prefecture 13 --count 12000");
  step("set-card-figures" + db + " --issued 90000000 --registrations 60000000");
  step("stats" + db + " --as-of 20300408 --format json");
  auto history = run_onshi("institutions history" + db + " 0000002");
  EXPECT_EQ(history.exit_code, 0) << history.err;
  std::string actions;
  for (size_t at = 0; (at = history.out.find("\"action\":\"", at)) != std::string::npos;) {
    at += 10;
    actions += history.out.substr(at, history.out.find('"', at) - at) + " ";
  }
  out.push_back(actions);
  return out;
}

TEST(InstitutionsOnPostgres, WalkToInUseAnswersAsOnSqlite) {
  onshi::testing::TestDatabase pg("postgresql"), lite("sqlite");
  ONSHI_REQUIRE_DATABASE(pg);
  ASSERT_TRUE(security::ca_init(pg.dir()).ok());
  ASSERT_TRUE(security::ca_init(lite.dir()).ok());
  auto on_pg = walk(pg.url(), pg.dir());
  auto on_sqlite = walk(lite.url(), lite.dir());
  ASSERT_EQ(on_pg.size(), on_sqlite.size());
  for (size_t i = 0; i < on_pg.size(); ++i) EXPECT_EQ(on_pg[i], on_sqlite[i]) << "answer " << i;
  const std::string& show = on_pg[on_pg.size() - 8];
  EXPECT_NE(show.find("\"stage\":\"inUse\""), std::string::npos) << show;
  EXPECT_NE(show.find("\"cardReader\":\"shipped\""), std::string::npos) << show;
  EXPECT_NE(on_pg[on_pg.size() - 7].find("オン資クリニック"), std::string::npos);  // listed
  EXPECT_NE(on_pg[on_pg.size() - 5].find("オン資クリニック"), std::string::npos);  // 医療扶助
  EXPECT_EQ(on_pg.back(), "provisional receptionNumber notDesignated ");
}

// Issue 12 "Bad input and faults": an unreachable database is exit 2 with a message naming
// the URL without its password, and an unknown scheme is refused the same way.
TEST(InstitutionsOnPostgres, UnusableDatabaseIsExitTwoWithoutPassword) {
  auto r = run_onshi("institutions show 0000001 --db postgresql://onshi:s3cret@127.0.0.1:1/onshi");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("E_STORE_OPEN"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
  r = run_onshi("institutions show 0000001 --db mysql://x@y/z");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("E_DB_URL"), std::string::npos) << r.err;
  r = run_onshi("institutions show 0000001");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--db"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace onshi::institutions
