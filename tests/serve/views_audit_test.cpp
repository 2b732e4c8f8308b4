// A clinical view is answered only with its durable audit entry (R-CONF-5; house rule: audit
// or refuse), on every backend, now that the view routes answer from the audit writer's
// completion instead of waiting on a server thread. While another connection holds the audit
// log's write lock — SQLite: the audit file's write lock (BEGIN IMMEDIATE); PostgreSQL: an
// exclusive lock on the audit table — GET /v1/clinical/views/medication answers 503 E_STORE
// and POST /xml/YZKsiquc01 a ResultCode 2 with E_STORE, neither with anything of the person;
// once the lock is gone both answer the view again, and every view answered is in the log.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>

#include "access/access.h"
#include "core/date.h"
#include "oqs/clinical.h"
#include "security/audit.h"
#include "security/ca.h"
#include "serve/service_fixture.h"
#include "store/database.h"
#include "store/pg.h"
#include "store/test_database.h"

namespace onshi::serve {
namespace {

const char* const kDrug = "アムロジピン錠5mg";
const char* const kName = "監査　花子";

std::string member_json() {
  return std::string("[{\"insurerNumber\":\"") + testing::kInsurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"501\","
         "\"insuredBranchNumber\":\"00\",\"personalFamilyClassification\":\"1\","
         "\"name\":\"" +
         kName +
         "\",\"nameKana\":\"カンサ　ハナコ\",\"sex1\":\"2\","
         "\"birthdate\":\"19700101\",\"qualificationDate\":\"20180401\","
         "\"myNumber\":\"987654321018\"}]";
}

std::string medication_json() {
  const std::string day = core::Date::today_jst().add_days(-30).yyyymmdd();
  return std::string("[{\"insurerNumber\":\"") + testing::kInsurer +
         "\",\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"501\","
         "\"insuredBranchNumber\":\"00\",\"dispensingDate\":\"" +
         day +
         "\",\"medicalInstitutionCode\":\"1340140126\",\"medicalInstitutionName\":\"さくら薬局\","
         "\"institutionClassification\":\"4\",\"drugC\":\"622083601\",\"drugN\":\"" +
         kDrug + "\",\"qua1\":1,\"unit\":\"錠\",\"usageN\":\"1日1回朝食後\",\"times\":28}]";
}

// Another connection's hold on the audit log's writes, until release() or the end of scope.
class AuditWriteLock {
 public:
  AuditWriteLock(const onshi::testing::TestDatabase& tdb) {
    if (tdb.backend() == "sqlite") {
      if (sqlite3_open(store::audit_path(tdb.dir()).c_str(), &sqlite_) != SQLITE_OK) return;
      held_ = sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
      return;
    }
    auto c = store::pg::connect(tdb.url(), "audit lock");
    if (!c) return;
    pg_ = std::move(*c);
    held_ = pg_->exec_script("BEGIN; LOCK TABLE audit IN EXCLUSIVE MODE").ok();
  }
  ~AuditWriteLock() { release(); }
  bool held() const { return held_; }
  void release() {
    if (sqlite_) {
      sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(sqlite_);
      sqlite_ = nullptr;
    }
    if (pg_) (void)pg_->exec_script("ROLLBACK");
    pg_.reset();
    held_ = false;
  }

 private:
  sqlite3* sqlite_ = nullptr;
  std::unique_ptr<store::pg::Conn> pg_;
  bool held_ = false;
};

class ViewsAuditTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    svc_ = std::make_unique<testing::RunningService>("views-audit-" + GetParam(), tdb_.url(),
                                                     std::chrono::milliseconds(1000));
    ASSERT_TRUE(svc_->ok());
    ASSERT_TRUE(security::issue_client(svc_->dir(), security::Role::kReviewer, "REV01",
                                       svc_->dir() / "reviewer")
                    .ok());
    post_ok("insurer", "/v1/registrations", member_json(), 200);
    post_ok("reviewer", "/v1/clinical/medication", medication_json(), 200);
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
  http::ClientResponse view() {
    auto r = svc_->client("clinic").request(
        "GET", std::string("/v1/clinical/views/medication?account=dr&insurerNumber=") +
                   testing::kInsurer + "&symbol=12&number=501&branch=00");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse view_xml() {
    oqs::ClinicalRequest q;
    q.medical_institution_code = testing::kClinic;
    q.insurer_number = testing::kInsurer;
    q.insurance_card_symbol = "12";
    q.insured_person_identification_number = "501";
    q.branch_number = "00";
    q.professional_account = "dr";
    q.arbitrary_file_identifier = "F1";
    auto doc = oqs::write_clinical_request_xml(q, core::Encoding::kUtf8);
    EXPECT_TRUE(doc.ok());
    auto r = svc_->client("clinic").request("POST", "/xml/YZKsiquc01", *doc, "application/xml");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : http::ClientResponse{};
  }
  // The view answered 200 within a few seconds (the disaster period is read at most once a
  // second; the log commits the queued entries once the lock is gone).
  bool view_answers() {
    for (int i = 0; i < 100; ++i) {
      if (view().status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // The log's allowed medication views (clinical.view entries of the JSON channel).
  int64_t view_entries() {
    auto db = store::open_store(tdb_.url());
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return -1;
    int64_t n = 0;
    EXPECT_TRUE((*db)
                    ->members()
                    .scan_audit(1,
                                [&](const store::AuditEntry& e) {
                                  n +=
                                      e.action == "clinical.view" &&
                                      e.detail.find("\"view\":\"medication\"") != std::string::npos;
                                  return true;
                                })
                    .ok());
    return n;
  }

  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<testing::RunningService> svc_;
};

// R-CONF-5: no view without its durable audit entry, in JSON and in XML; the service answers
// again once the log can write, and the log holds an entry for every view answered.
TEST_P(ViewsAuditTest, NoViewWithoutItsDurableAuditEntry) {
  ASSERT_TRUE(view_answers());
  int64_t answered = 1;
  auto ok = view();
  ASSERT_EQ(ok.status, 200) << ok.body;
  ++answered;
  EXPECT_NE(ok.body.find(kDrug), std::string::npos) << ok.body;

  AuditWriteLock lock(tdb_);
  ASSERT_TRUE(lock.held());
  auto json = view();
  EXPECT_EQ(json.status, 503) << json.body;
  EXPECT_NE(json.body.find("\"code\":\"E_STORE\""), std::string::npos) << json.body;
  EXPECT_EQ(json.body.find(kDrug), std::string::npos) << "nothing of the person: " << json.body;
  EXPECT_EQ(json.body.find(kName), std::string::npos) << json.body;
  auto xml = view_xml();
  EXPECT_EQ(xml.status, 200) << xml.body;
  auto result = oqs::parse_clinical_result_xml(xml.body);
  ASSERT_TRUE(result.ok()) << xml.body;
  EXPECT_EQ(result->result_code, "2") << xml.body;
  EXPECT_EQ(result->error_code, "E_STORE") << xml.body;
  EXPECT_EQ(xml.body.find(kDrug), std::string::npos) << xml.body;
  EXPECT_EQ(xml.body.find(kName), std::string::npos) << xml.body;

  lock.release();
  ASSERT_TRUE(view_answers()) << "no view once the log could write again";
  ++answered;
  auto again = view_xml();
  auto r = oqs::parse_clinical_result_xml(again.body);
  ASSERT_TRUE(r.ok()) << again.body;
  EXPECT_EQ(r->result_code, "1") << again.body;
  EXPECT_NE(again.body.find(kDrug), std::string::npos) << again.body;
  svc_.reset();  // stops the service: its audit entries are flushed
  EXPECT_GE(view_entries(), answered) << "a view answered without its entry";
}

INSTANTIATE_TEST_SUITE_P(Backends, ViewsAuditTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace onshi::serve
