// The clinical views' cache of a person's rows (clinical::Viewer, src/clinical/views_cache.cpp)
// on a running service over real HTTPS, on every backend (PostgreSQL keeps no cache and must
// answer the same): after a view has been answered — and kept — a write of the person's rows
// by another process (`onshi clinical import`), by another store object of this process, and
// by the service's own POST /v1/clinical/medication is in the very next view; and on SQLite a
// writer that died between the two moves of the change counter DIR/clinical.gen leaves
// nothing answered from memory: a row it committed is in the next view.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "access/access.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "security/audit.h"
#include "security/ca.h"
#include "serve/service_fixture.h"
#include "store/database.h"
#include "store/test_database.h"
#include "store/ticket_cache.h"

namespace onshi::serve {
namespace {

namespace json = boost::json;

constexpr const char* kPharmacy = "1340140126";

std::string day(int days_back) {
  return core::Date::today_jst().add_days(-days_back).yyyymmdd();
}

std::string member_json() {
  return std::string("[{\"insurerNumber\":\"") + testing::kInsurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"601\","
         "\"insuredBranchNumber\":\"00\",\"personalFamilyClassification\":\"1\","
         "\"name\":\"記憶　花子\",\"nameKana\":\"キオク　ハナコ\",\"sex1\":\"2\","
         "\"birthdate\":\"19700101\",\"qualificationDate\":\"20180401\","
         "\"myNumber\":\"987654321018\"}]";
}

// One medication row of the person: `drug` on the day `days_back` days ago.
json::object medication(const std::string& drug, int days_back) {
  return {{"insurerNumber", testing::kInsurer},
          {"insuredCardSymbol", "12"},
          {"insuredIdentificationNumber", "601"},
          {"insuredBranchNumber", "00"},
          {"dispensingDate", day(days_back)},
          {"medicalInstitutionCode", kPharmacy},
          {"medicalInstitutionName", "さくら薬局"},
          {"institutionClassification", "4"},
          {"drugC", "622083601"},
          {"drugN", drug},
          {"qua1", "1"},
          {"unit", "錠"},
          {"usageN", "1日1回朝食後"},
          {"times", "28"}};
}

class ViewsCacheTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    svc_ = std::make_unique<testing::RunningService>("views-cache-" + GetParam(), tdb_.url());
    ASSERT_TRUE(svc_->ok());
    ASSERT_TRUE(security::issue_client(svc_->dir(), security::Role::kReviewer, "REV01",
                                       svc_->dir() / "reviewer")
                    .ok());
    post_ok("insurer", "/v1/registrations", member_json(), 200);
    post_ok("reviewer", "/v1/clinical/medication",
            json::serialize(json::array{medication("アムロジピン錠5mg", 60)}), 200);
    post_ok("clinic", "/v1/institution/accounts", R"({"id":"dr","role":"doctor"})", 201);
    // The operator's disaster period for Tokyo admits the clinic's view without a card.
    auto db = store::open_store(tdb_.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    security::AuditLog log((*db)->members());
    const int64_t now = core::now_unix_us();
    ASSERT_TRUE(access::declare_disaster((*db)->access(), log, {"13"}, now - 1000000,
                                         now + 86400LL * 1000000, "test")
                    .ok());
  }
  void post_ok(const std::string& who, const std::string& path, const std::string& body,
               int status) {
    auto r = svc_->client(who).request("POST", path, body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, status) << path << " " << r->body;
  }
  // The drug names of the person's medication view, newest first ("" when not answered).
  std::string drugs(const std::string& extra = "") {
    auto r = svc_->client("clinic").request(
        "GET", std::string("/v1/clinical/views/medication?account=dr&insurerNumber=") +
                   testing::kInsurer + "&symbol=12&number=601&branch=00" + extra);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r->status != 200) return "";
    std::string out;
    const json::value v = json::parse(r->body);
    for (const auto& d : v.at("dispensings").as_array())
      for (const auto& g : d.at("drugs").as_array())
        out += (out.empty() ? "" : ",") + std::string(g.at("name").as_string());
    return out;
  }
  // The first view once the disaster period is read (at most once a second).
  std::string first_drugs() {
    for (int i = 0; i < 100; ++i) {
      if (std::string d = drugs(); !d.empty()) return d;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }
  int import_in_another_process(const std::string& csv) {
    const auto file = svc_->dir() / "more.csv";
    std::ofstream(file) << csv;
    const std::string cmd = std::string(ONSHI_BINARY) +
                            " clinical import --kind medication --db '" + tdb_.url() + "' " +
                            file.string() + " >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<testing::RunningService> svc_;
};

// R-CONF-5, issue 16 "Speed": a view answered from memory is the store's current rows,
// whoever wrote them — another process, another store object, the service itself.
TEST_P(ViewsCacheTest, AWriteByAnyoneIsInTheNextView) {
  ASSERT_EQ(first_drugs(), "アムロジピン錠5mg");
  ASSERT_EQ(drugs(), "アムロジピン錠5mg");  // answered again, from memory on SQLite
  // `onshi clinical import` beside the running service.
  ASSERT_EQ(import_in_another_process(
                std::string("InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,"
                            "InsuredBranchNumber,DispensingDate,MedicalInstitutionCode,"
                            "MedicalInstitutionName,InstitutionClassification,DrugC,DrugN,"
                            "Qua1,Unit,UsageN,Times\n") +
                testing::kInsurer + ",12,601,00," + day(30) + "," + kPharmacy +
                ",さくら薬局,4,622224801,ロスバスタチン錠2.5mg,1,錠,1日1回夕食後,28\n"),
            0);
  EXPECT_EQ(drugs(), "ロスバスタチン錠2.5mg,アムロジピン錠5mg");
  // Another store object of this process on the same database.
  auto other = store::open_store(tdb_.url());
  ASSERT_TRUE(other.ok());
  clinical::LoadOptions o;
  o.source = "test";
  auto loaded = clinical::load_records(**other, store::ClinicalKind::kMedication,
                                       json::array{medication("ニフェジピン錠10mg", 20)}, o);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->rejected, 0);
  EXPECT_EQ(drugs(), "ニフェジピン錠10mg,ロスバスタチン錠2.5mg,アムロジピン錠5mg");
  // The service's own source route.
  post_ok("reviewer", "/v1/clinical/medication",
          json::serialize(json::array{medication("メトホルミン錠250mg", 10)}), 200);
  EXPECT_EQ(drugs(), "メトホルミン錠250mg,ニフェジピン錠10mg,ロスバスタチン錠2.5mg,アムロジピン錠5mg");
  // The window and the narrowing still apply to what is kept: one month, and as of a day
  // before the newest rows.
  EXPECT_EQ(drugs("&fromMonth=" + day(60).substr(0, 6) + "&toMonth=" + day(60).substr(0, 6)),
            day(60).substr(0, 6) == day(30).substr(0, 6)
                ? "ロスバスタチン錠2.5mg,アムロジピン錠5mg"
                : "アムロジピン錠5mg");
  EXPECT_EQ(drugs("&asOf=" + day(25)), "ロスバスタチン錠2.5mg,アムロジピン錠5mg");
}

// A writer killed between its two moves of DIR/clinical.gen (after its COMMIT, before it said
// so) leaves the counter open: nothing is answered from memory, so its row is in the next view.
TEST_P(ViewsCacheTest, AWriterKilledInsideItsWriteDisablesTheCache) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "PostgreSQL keeps no cache";
  ASSERT_EQ(first_drugs(), "アムロジピン錠5mg");
  ASSERT_EQ(drugs(), "アムロジピン錠5mg");
  {  // the writer: begins, commits a row, dies before ending (its mapping just goes away)
    auto counter = store::detail::ChangeCounter::open(tdb_.dir() / "clinical.gen");
    ASSERT_TRUE(counter.mapped());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tdb_.dir() / "clinical.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    counter.begin_write();
    EXPECT_EQ(sqlite3_exec(
                  db,
                  "INSERT INTO clinical_records SELECT person_link, kind, record_date, "
                  "record_id + 1000, key_rest || 'x', key_on_card, card_key, "
                  "CAST(replace(CAST(payload AS TEXT), 'アムロジピン', 'ニフェジピン') AS BLOB), "
                  "source_id, recorded_at FROM clinical_records; COMMIT",
                  nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  // Its row is of the same day and pharmacy, stored after: the dispensing's second drug.
  EXPECT_EQ(drugs(), "アムロジピン錠5mg,ニフェジピン錠5mg");
  EXPECT_EQ(drugs(), "アムロジピン錠5mg,ニフェジピン錠5mg");
  // The next writer closes the gap; its row is seen too, and the cache serves again after.
  post_ok("reviewer", "/v1/clinical/medication",
          json::serialize(json::array{medication("メトホルミン錠250mg", 10)}), 200);
  EXPECT_EQ(drugs(), "メトホルミン錠250mg,アムロジピン錠5mg,ニフェジピン錠5mg");
  auto stable = store::detail::ChangeCounter::open(tdb_.dir() / "clinical.gen").stable();
  EXPECT_TRUE(stable.has_value());
}

// issue 16 "Speed", R-CONF-5: to a client that asks for gzip (the terminal, a browser) the
// view comes compressed and reads, byte for byte, as the plain answer — the first time (read
// and kept), again (the kept entry's compressed dispensings joined with this view's head), for
// a narrowed month and after a write; a refusal is never compressed.
TEST_P(ViewsCacheTest, ACompressedViewReadsAsThePlainOne) {
  ASSERT_EQ(first_drugs(), "アムロジピン錠5mg");
  json::array more;
  for (int i = 1; i <= 50; ++i)
    more.push_back(medication(i % 2 ? "ニフェジピン錠10mg" : "メトホルミン錠250mg", 3 * i));
  post_ok("reviewer", "/v1/clinical/medication", json::serialize(more), 200);
  const std::string path = std::string("/v1/clinical/views/medication?account=dr&insurerNumber=") +
                           testing::kInsurer + "&symbol=12&number=601&branch=00";
  auto compare = [&](const std::string& extra) {
    auto plain = svc_->client("clinic", false).request("GET", path + extra);
    ASSERT_TRUE(plain.ok());
    ASSERT_EQ(plain->status, 200) << plain->body;
    EXPECT_EQ(plain->content_encoding, "");
    EXPECT_EQ(plain->wire_bytes, plain->body.size());
    auto client = svc_->client("clinic");
    for (int round = 0; round < 2; ++round) {
      auto gz = client.request("GET", path + extra);
      ASSERT_TRUE(gz.ok()) << gz.error().message;
      ASSERT_EQ(gz->status, 200);
      EXPECT_EQ(gz->content_encoding, "gzip");
      EXPECT_EQ(gz->body, plain->body) << extra << " round " << round;
      EXPECT_LT(gz->wire_bytes * 3, plain->body.size()) << extra;
    }
  };
  compare("");
  compare("&fromMonth=" + day(40).substr(0, 6));
  post_ok("reviewer", "/v1/clinical/medication",
          json::serialize(json::array{medication("ロスバスタチン錠2.5mg", 1)}), 200);
  compare("");
  std::string nobody = path;
  nobody.replace(nobody.find("account=dr"), 10, "account=nobody");
  auto refused = svc_->client("clinic").request("GET", nobody);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->content_encoding, "");
}

INSTANTIATE_TEST_SUITE_P(Backends, ViewsCacheTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::serve
