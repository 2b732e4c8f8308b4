// kill -9 at seeded random points (issue 20 point 3) of the command-line work that writes
// state: a member import, an institution's onboarding transition (provisional → reception
// number → designated), a claims check and a clinical import into an empty store (its bulk
// load). Each point kills the real binary with SIGKILL on
// a fresh database, restarts the work as an operator would, and compares the database with
// one clean run's (kill_util.h: the rows and versions without times), and `onshi audit verify`
// must pass. On SQLite, and on PostgreSQL when ONSHI_TEST_PG_URL is set. The seed is printed;
// ONSHI_KILL_SEED replays it, ONSHI_KILL_POINTS sets the points per scenario.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "claims/claims.h"
#include "reliability/kill_util.h"
#include "security/crypto.h"
#include "store/test_database.h"

namespace onshi::reliability {
namespace {

namespace fs = std::filesystem;
using onshi::testing::TestDatabase;
constexpr int kMembers = 5000;

class KillCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(clean_);
    ASSERT_TRUE(security::Keyring::load_or_create(clean_.dir()).ok());
  }
  // A fresh database with the clean one's master key, so person links compare.
  std::unique_ptr<TestDatabase> fresh() {
    auto t = std::make_unique<TestDatabase>(GetParam());
    fs::create_directories(t->dir() / "keys");
    fs::copy_file(clean_.dir() / "keys" / "master.key", t->dir() / "keys" / "master.key");
    return t;
  }
  fs::path members_csv() {
    fs::path csv = clean_.dir() / "members.csv";
    if (!fs::exists(csv)) {
      auto r = run_onshi({"generate", "members", "--count", std::to_string(kMembers), "--seed",
                          "20", "--as-of", "20251101", "--out", csv.string()},
                         clean_.dir());
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    return csv;
  }
  std::vector<std::string> import_args(const TestDatabase& t) {
    return {ONSHI_BINARY,  "import",       "--data-dir", t.dir().string(), "--db",
            t.url(),       "--report",     (t.dir() / "report.json").string(),
            "--batch-size", "250",         members_csv().string()};
  }
  TestDatabase clean_{GetParam()};
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// R-REG-1: an import killed anywhere, then run again, equals one clean run.
TEST_P(KillCliTest, MemberImport) {
  auto t0 = std::chrono::steady_clock::now();
  auto args = import_args(clean_);
  ASSERT_EQ(wait_exit(spawn(args, (clean_.dir() / "o").string(), (clean_.dir() / "e").string())),
            0)
      << slurp(clean_.dir() / "e");
  const double span = seconds_since(t0);
  const std::string want = canonical_dump(clean_.url());
  int landed = 0;
  for (double delay : kill_delays("import-" + GetParam(), span)) {
    auto t = fresh();
    auto a = import_args(*t);
    const std::string o = (t->dir() / "o").string(), e = (t->dir() / "e").string();
    if (kill_after(spawn(a, o, e), delay)) {
      ++landed;
      auto db = store::open_store(t->url());
      auto n = db ? (*db)->members().count_card_keys() : Result<int64_t>(Error{"E", "", ""});
      std::cout << "killed at " << delay << " s: " << (n ? *n : -1) << " of " << kMembers
                << " members in\n";
    }
    ASSERT_EQ(wait_exit(spawn(a, o, e)), 0) << "restart after a kill at " << delay << " s: "
                                            << slurp(e);
    EXPECT_EQ(canonical_dump(t->url()), want) << "kill at " << delay << " s";
    EXPECT_TRUE(audit_verifies(t->url(), t->dir())) << "kill at " << delay << " s";
  }
  EXPECT_GE(landed, 1) << "no kill landed while the import ran";
}

// The onboarding steps of one institution, each its own process; the step under way when
// the kill lands dies. Returns whether a kill landed.
bool onboard_with_kill(const TestDatabase& t, double delay) {
  auto t0 = std::chrono::steady_clock::now();
  const std::string o = (t.dir() / "o").string(), e = (t.dir() / "e").string();
  const std::vector<std::string> base{ONSHI_BINARY, "institutions"};
  std::vector<std::vector<std::string>> steps{
      {"provisional", "--kind", "clinic", "--prefecture", "13", "--name", "試験クリニック",
       "--address", "東京都千代田区霞が関1-2-2"},
      {"request-number", "--provisional", "0000001", "--designation", "20300401"},
      {"designate", "--reception-number", "RECEPTION"}};
  for (auto& step : steps) {
    std::vector<std::string> a = base;
    a.insert(a.end(), step.begin(), step.end());
    a.insert(a.end(), {"--data-dir", t.dir().string(), "--db", t.url()});
    for (auto& w : a)
      if (w == "RECEPTION") {
        auto r = boost::json::parse(slurp(o));
        w = std::string(r.at("receptionNumber").as_string());
      }
    if (kill_after(spawn(a, o, e), std::max(0.0, delay - seconds_since(t0)))) return true;
  }
  return false;
}

// The restart: the operator looks at the institution (`institutions show`) and runs the
// steps it has not yet taken.
void finish_onboarding(const TestDatabase& t) {
  auto show = run_onshi({"institutions", "show", "--data-dir", t.dir().string(), "--db", t.url(),
                         "0000001"},
                        t.dir());
  boost::system::error_code ec;
  auto v = boost::json::parse(show.out, ec);
  std::string stage = !ec && v.is_object() ? std::string(v.at("stage").as_string()) : "";
  const std::vector<std::string> flags{"--data-dir", t.dir().string(), "--db", t.url()};
  auto step = [&](std::vector<std::string> a) {
    a.insert(a.begin(), "institutions");
    a.insert(a.end(), flags.begin(), flags.end());
    auto r = run_onshi(a, t.dir());
    EXPECT_EQ(r.exit_code, 0) << a[1] << ": " << r.err;
    return r.out;
  };
  if (stage.empty())
    step({"provisional", "--kind", "clinic", "--prefecture", "13", "--name", "試験クリニック",
          "--address", "東京都千代田区霞が関1-2-2"});
  std::string reception = !ec && v.is_object() ? std::string(v.at("receptionNumber").as_string())
                                               : "";
  if (reception.empty()) {
    auto r = boost::json::parse(
        step({"request-number", "--provisional", "0000001", "--designation", "20300401"}));
    reception = std::string(r.at("receptionNumber").as_string());
  }
  if (stage != "designated") step({"designate", "--reception-number", reception});
}

// R-INST-1, R-INST-2: an institution's transition killed anywhere, then finished, equals
// the clean run: one entry, one reception number, no number handed out twice.
TEST_P(KillCliTest, InstitutionTransition) {
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(onboard_with_kill(clean_, 1e9));
  const double span = seconds_since(t0);
  const std::string want = canonical_dump(clean_.url());
  ASSERT_NE(want.find(" designated "), std::string::npos) << want;
  int landed = 0;
  for (double delay : kill_delays("institution-" + GetParam(), span)) {
    auto t = fresh();
    landed += onboard_with_kill(*t, delay) ? 1 : 0;
    finish_onboarding(*t);
    EXPECT_EQ(canonical_dump(t->url()), want) << "kill at " << delay << " s";
    EXPECT_TRUE(audit_verifies(t->url(), t->dir())) << "kill at " << delay << " s";
  }
  EXPECT_GE(landed, 1) << "no kill landed while the steps ran";
}

// A claims file for the generated members: one claim per member row, in April 2025.
fs::path claims_csv(const fs::path& members, const fs::path& out) {
  std::ifstream in(members);
  std::ofstream o(out);
  std::string line;
  std::getline(in, line);
  for (size_t i = 0; i < 13; ++i) o << (i ? "," : "") << claims::input_columns()[i];
  o << "\n";
  for (int id = 1; std::getline(in, line); ++id) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (f.size() < 15) continue;
    o << "C" << id << ",1310112345,,202504,20250401,20250410," << f[0] << "," << f[3] << ","
      << f[4] << "," << f[5] << "," << f[8] << "," << f[14] << "," << f[12] << "\n";
  }
  return out;
}

// R-CLM-1: the claims check writes no member state, one audit entry and its output, which a
// kill leaves whole or absent (OUT.tmp is renamed at the end); a re-run gives the clean output.
TEST_P(KillCliTest, ClaimsCheck) {
  auto imported = run_onshi({"import", "--data-dir", clean_.dir().string(), "--db", clean_.url(),
                             "--report", (clean_.dir() / "r.json").string(),
                             members_csv().string()},
                            clean_.dir());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const fs::path in = claims_csv(members_csv(), clean_.dir() / "claims.csv");
  auto check = [&](const fs::path& out) {
    return std::vector<std::string>{ONSHI_BINARY, "claims",    "check",      "--data-dir",
                                    clean_.dir().string(),     "--db",       clean_.url(),
                                    "--in",       in.string(), "--out",      out.string()};
  };
  const std::string o = (clean_.dir() / "o").string(), e = (clean_.dir() / "e").string();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_exit(spawn(check(clean_.dir() / "clean.csv"), o, e)), 0) << slurp(e);
  const double span = seconds_since(t0);
  const std::string want = slurp(clean_.dir() / "clean.csv");
  ASSERT_GT(want.size(), 1000u);
  const std::string state = canonical_dump(clean_.url());
  int landed = 0, i = 0;
  for (double delay : kill_delays("claims-" + GetParam(), span)) {
    const fs::path out = clean_.dir() / ("out" + std::to_string(++i) + ".csv");
    landed += kill_after(spawn(check(out), o, e), delay) ? 1 : 0;
    if (fs::exists(out)) {
      EXPECT_EQ(slurp(out), want) << "a partial output, kill at " << delay;
    }
    EXPECT_EQ(canonical_dump(clean_.url()), state) << "kill at " << delay << " s";
    EXPECT_TRUE(audit_verifies(clean_.url(), clean_.dir())) << "kill at " << delay << " s";
    ASSERT_EQ(wait_exit(spawn(check(out), o, e)), 0) << slurp(e);
    EXPECT_EQ(slurp(out), want) << "re-run after a kill at " << delay << " s";
  }
  EXPECT_GE(landed, 1) << "no kill landed while the check ran";
}

// A medication file for the members of `members`: `per` rows each, on days of 2024.
fs::path medication_csv(const fs::path& members, const fs::path& out, int per) {
  std::ifstream in(members);
  std::ofstream o(out);
  o << "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
       "DispensingDate,MedicalInstitutionCode,MedicalInstitutionName,InstitutionClassification,"
       "DrugC,DrugN,Qua1,Unit,UsageN,Times\n";
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream cells(line);
    for (std::string v; f.size() < 6 && std::getline(cells, v, ',');) f.push_back(v);
    if (f.size() < 6) continue;
    for (int j = 0; j < per; ++j) {
      char day[16];
      std::snprintf(day, sizeof day, "2024%02d%02d", 1 + j % 12, 1 + j / 12 % 28);
      o << f[0] << ',' << f[3] << ',' << f[4] << ',' << f[5] << ',' << day
        << ",1340140126,さくら薬局,4,622083601,アムロジピン錠5mg,1,錠,1日1回朝食後,28\n";
    }
  }
  return out;
}

// Every clinical row without its record_id and time (a re-run numbers the rest anew).
std::vector<std::string> clinical_rows(const std::string& url) {
  std::vector<std::string> rows;
  auto db = store::open_store(url);
  EXPECT_TRUE(db.ok()) << (db ? "" : db.error().message);
  if (!db) return rows;
  EXPECT_TRUE((*db)->clinical().scan(nullptr, 100000000, [&](const store::ClinicalRecord& r) {
    rows.push_back(std::to_string(static_cast<int>(r.kind)) + "|" + r.person_link + "|" +
                   r.record_date + "|" + r.record_key + "|" + r.card_key + "|" + r.payload +
                   "|" + r.source);
    return true;
  }));
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Issue 16 (kill -9 during a bulk load): a clinical import into an empty store — rows kept in
// memory, appended under a rollback journal, the key index built at the end — killed anywhere
// and run again ends with exactly the rows of one clean run.
// PostgreSQL has no bulk load (rows go one by one): a tenth of the rows there keeps the
// test's time near SQLite's.
TEST_P(KillCliTest, ClinicalImport) {
  const int per_member = GetParam() == "sqlite" ? 40 : 4;
  const fs::path csv = medication_csv(members_csv(), clean_.dir() / "medication.csv", per_member);
  auto members_in = [&](const TestDatabase& t) {
    const std::string o = (t.dir() / "o").string(), e = (t.dir() / "e").string();
    EXPECT_EQ(wait_exit(spawn(import_args(t), o, e)), 0) << slurp(e);
  };
  auto load = [&](const TestDatabase& t) {
    return std::vector<std::string>{
        ONSHI_BINARY, "clinical",   "import",       "--kind", "medication",
        "--data-dir", t.dir().string(), "--db",     t.url(),  "--report",
        (t.dir() / "c.json").string(),  csv.string()};
  };
  members_in(clean_);
  const std::string o = (clean_.dir() / "o").string(), e = (clean_.dir() / "e").string();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_exit(spawn(load(clean_), o, e)), 0) << slurp(e);
  const double span = seconds_since(t0);
  const std::vector<std::string> want = clinical_rows(clean_.url());
  ASSERT_GT(want.size(), static_cast<size_t>(per_member) * kMembers / 2);
  int landed = 0;
  for (double delay : kill_delays("clinical-" + GetParam(), span)) {
    auto t = fresh();
    members_in(*t);
    const std::string to = (t->dir() / "o").string(), te = (t->dir() / "e").string();
    landed += kill_after(spawn(load(*t), to, te), delay) ? 1 : 0;
    ASSERT_EQ(wait_exit(spawn(load(*t), to, te)), 0)
        << "restart after a kill at " << delay << " s: " << slurp(te);
    const auto got = clinical_rows(t->url());
    EXPECT_EQ(got.size(), want.size()) << "kill at " << delay << " s";
    EXPECT_TRUE(got == want) << "kill at " << delay << " s";
  }
  EXPECT_GE(landed, 1) << "no kill landed while the clinical import ran";
}

INSTANTIATE_TEST_SUITE_P(Backends, KillCliTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::reliability
