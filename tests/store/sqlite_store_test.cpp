// The SQLite store against a real file: bitemporal versions ("as known at T"), unchanged
// detection, lookups without 枝番 and by person link, the audit table, migrations on reopen
// and parallel readers. These are the store's contract tests; a PostgreSQL backend must pass
// the same ones.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/date.h"
#include "store/store.h"

namespace onshi::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("onshi-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = open_sqlite(store_path(dir_));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  static core::Qualification member(std::string number, std::string branch = "00") {
    core::Qualification q;
    q.insurer_number = "06139999";
    q.insured_card_symbol = "123";
    q.insured_identification_number = std::move(number);
    q.insured_branch_number = std::move(branch);
    q.insurer_name = "試験健康保険組合";
    q.insured_card_classification = "01";
    q.personal_family_classification = "1";
    q.name = "試験　一郎";
    q.name_kana = "シケン　イチロウ";
    q.sex1 = "1";
    q.birthdate = "19800101";
    q.qualification_date = "20200401";
    return q;
  }
  static PutItem item(core::Qualification q, std::string link = "") {
    std::string sealed = link.empty() ? "" : "sealed";
    return PutItem{std::move(q), std::move(link), std::move(sealed), "test"};
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

// R-REG-1: a registration that changes something creates a new version; identical → unchanged.
TEST_F(StoreTest, AddedChangedUnchanged) {
  auto q = member("4567");
  auto r1 = store_->put_qualifications(std::vector<PutItem>{item(q)});
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ((*r1)[0], PutOutcome::kAdded);
  auto r2 = store_->put_qualifications(std::vector<PutItem>{item(q)});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)[0], PutOutcome::kUnchanged);
  q.disqualification_date = "20250501";
  q.reason_of_loss = "99";
  auto r3 = store_->put_qualifications(std::vector<PutItem>{item(q)});
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ((*r3)[0], PutOutcome::kChanged);
  EXPECT_EQ(*store_->count_versions(), 2);
  EXPECT_EQ(*store_->count_card_keys(), 1);
  auto h = store_->history(q.card_key());
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_TRUE((*h)[0].qualification.disqualification_date.empty());  // nothing overwritten
  EXPECT_EQ((*h)[1].qualification.disqualification_date, "20250501");
  EXPECT_LT((*h)[0].recorded_at_us, (*h)[1].recorded_at_us);
}

// DESIGN bitemporal: "coverage on date D as known at time T" — a claim is judged by what
// reception saw (R-CONF-6, R-CLM-1).
TEST_F(StoreTest, AsKnownAtTime) {
  auto q = member("1000");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q)}).ok());
  int64_t t_before_loss = core::now_unix_us();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  q.disqualification_date = "20250101";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q)}).ok());

  auto then = store_->qualification_as_of(q.card_key(), t_before_loss);
  ASSERT_TRUE(then.ok());
  ASSERT_TRUE(then->has_value());
  EXPECT_TRUE((*then)->qualification.covers("20250301"));  // reception saw coverage

  auto now = store_->qualification_as_of(q.card_key(), core::now_unix_us());
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_FALSE((*now)->qualification.covers("20250301"));  // now known to be lost
  EXPECT_TRUE((*now)->qualification.covers("20241231"));   // last covered day

  auto before_any = store_->qualification_as_of(q.card_key(), 1);
  ASSERT_TRUE(before_any.ok());
  EXPECT_FALSE(before_any->has_value());
}

// A batch that names one key twice compares the second with the first.
TEST_F(StoreTest, SameKeyTwiceInOneBatch) {
  auto a = member("2000");
  auto b = a;
  b.address = "東京都千代田区";
  auto r = store_->put_qualifications(std::vector<PutItem>{item(a), item(a), item(b)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0], PutOutcome::kAdded);
  EXPECT_EQ((*r)[1], PutOutcome::kUnchanged);
  EXPECT_EQ((*r)[2], PutOutcome::kChanged);
  EXPECT_EQ(*store_->count_versions(), 2);
}

// R-CONF-2: a request without 枝番 finds every branch of the card (family members).
TEST_F(StoreTest, FindByCardAnyBranch) {
  ASSERT_TRUE(store_
                  ->put_qualifications(std::vector<PutItem>{
                      item(member("3000", "00")), item(member("3000", "01")),
                      item(member("30001", "00")), item(member("300", "00"))})
                  .ok());
  auto r = store_->find_by_card("06139999", "123", "3000", core::now_unix_us());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].qualification.insured_branch_number, "00");
  EXPECT_EQ((*r)[1].qualification.insured_branch_number, "01");
}

// R-REG-3: the same person across insurers is found through the keyed hash only.
TEST_F(StoreTest, FindByPersonLink) {
  auto old_q = member("4000");
  old_q.disqualification_date = "20240401";
  auto new_q = member("9999");
  new_q.insurer_number = "01130012";
  new_q.qualification_date = "20240401";
  ASSERT_TRUE(store_
                  ->put_qualifications(std::vector<PutItem>{
                      item(old_q, "LINK-A"), item(new_q, "LINK-A"), item(member("5000"), "LINK-B")})
                  .ok());
  auto r = store_->find_by_person_link("LINK-A", core::now_unix_us());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
  // A link that changed later no longer matches the old one as of now.
  auto moved = member("5000");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(moved, "LINK-C")}).ok());
  auto b = store_->find_by_person_link("LINK-B", core::now_unix_us());
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->empty());
  EXPECT_EQ(store_->find_by_person_link("", core::now_unix_us())->size(), 0u);
}

// The store keeps certificates and every field exactly (R-REG-2).
TEST_F(StoreTest, RoundTripsCertificates) {
  auto q = member("6000");
  q.elderly_recipient = core::ElderlyRecipientCertificate{"20240715", "20240801", "20250731", "020"};
  q.limit_application =
      core::LimitApplicationCertificate{"02", "B05", "20240801", "20240801", "20250731", ""};
  q.specific_diseases.push_back({"1", "20240501", "20240501", "", "10000"});
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q, "L")}).ok());
  auto v = store_->qualification_as_of(q.card_key(), core::now_unix_us());
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification, q);
  EXPECT_EQ((*v)->person_link, "L");
  EXPECT_EQ((*v)->my_number_sealed, "sealed");
}

TEST_F(StoreTest, ScanCurrentByInsurer) {
  auto other = member("7000");
  other.insurer_number = "01130012";
  auto q = member("7001");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q), item(other)}).ok());
  q.address = "changed";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q)}).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->scan_current("06139999",
                                 [&](const QualificationVersion& v) {
                                   seen.push_back(v.qualification.address);
                                   return true;
                                 })
                  .ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "changed");
  int all = 0;
  ASSERT_TRUE(store_->scan_current("", [&](const QualificationVersion&) { return ++all, true; }).ok());
  EXPECT_EQ(all, 2);
}

TEST_F(StoreTest, AuditAppendAndScan) {
  std::vector<AuditEntry> es(3);
  for (int i = 0; i < 3; ++i) {
    es[i].seq = i + 1;
    es[i].time_us = 100 + i;
    es[i].actor = "institution:1310112345";
    es[i].action = "confirm";
    es[i].detail = "{}";
    es[i].hash = "h" + std::to_string(i);
  }
  ASSERT_TRUE(store_->append_audit(es).ok());
  auto last = store_->last_audit();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->seq, 3);
  int n = 0;
  ASSERT_TRUE(store_->scan_audit(2, [&](const AuditEntry& e) { return ++n, true; }).ok());
  EXPECT_EQ(n, 2);
  // A duplicate seq is refused and the whole batch is rolled back (nothing half-written).
  std::vector<AuditEntry> dup{es[2]};
  dup[0].seq = 4;
  dup.push_back(es[0]);
  EXPECT_FALSE(store_->append_audit(dup).ok());
  EXPECT_EQ((*store_->last_audit())->seq, 3);
}

TEST_F(StoreTest, ReopenKeepsDataAndSchema) {
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(member("8000"))}).ok());
  store_.reset();
  auto s = open_sqlite(store_path(dir_));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->count_versions(), 1);
  // A store written by a newer onshi is refused rather than misread.
  s->reset();
}

TEST_F(StoreTest, MissingStoreWithoutCreateIsAnError) {
  SqliteOptions o;
  o.create = false;
  auto s = open_sqlite(dir_ / "nope" / "onshi.db", o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_STORE_OPEN");
}

// Readers on several threads while a writer commits (the service's situation).
TEST_F(StoreTest, ParallelReadersDuringWrites) {
  std::vector<PutItem> batch;
  for (int i = 0; i < 500; ++i) batch.push_back(item(member(std::to_string(10000 + i))));
  ASSERT_TRUE(store_->put_qualifications(batch).ok());
  std::atomic<int> found{0}, failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto v = store_->qualification_as_of(member(std::to_string(10000 + i)).card_key(),
                                             core::now_unix_us());
        if (!v.ok()) ++failures;
        else if (v->has_value()) ++found;
      }
    });
  std::vector<PutItem> more;
  for (int i = 0; i < 500; ++i) more.push_back(item(member(std::to_string(20000 + i))));
  EXPECT_TRUE(store_->put_qualifications(more).ok());
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(found.load(), 2000);
}

}  // namespace
}  // namespace onshi::store

namespace onshi::store {
namespace {

// R-REG-5: the kanji conversions made at registration are kept with the version.
TEST_F(StoreTest, ConversionsAndFullHistoryScan) {
  auto q = member("9100");
  PutItem it = item(q);
  it.conversions = R"([{"field":"Name","position":0,"original":"髙","replacement":"高"}])";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{it}).ok());
  q.address = "moved";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q), item(member("9000"))}).ok());
  std::vector<std::pair<std::string, std::string>> seen;  // (number, conversions)
  ASSERT_TRUE(store_
                  ->scan_versions([&](const QualificationVersion& v) {
                    seen.emplace_back(v.qualification.insured_identification_number, v.conversions);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, "9000");  // card-key order, then recorded order
  EXPECT_EQ(seen[1].first, "9100");
  EXPECT_NE(seen[1].second.find("髙"), std::string::npos);
  EXPECT_EQ(seen[2].second, "");
}

TEST_F(StoreTest, AuditBySubject) {
  std::vector<AuditEntry> es(4);
  for (int i = 0; i < 4; ++i) {
    es[i].seq = i + 1;
    es[i].actor = "institution:1310112345";
    es[i].action = "confirm";
    es[i].subject = i % 2 ? "key-A" : "key-B";
    es[i].detail = "{}";
  }
  es[3].subject = "";
  ASSERT_TRUE(store_->append_audit(es).ok());
  std::vector<int64_t> seqs;
  ASSERT_TRUE(store_
                  ->scan_audit_by_subject("key-A",
                                          [&](const AuditEntry& e) {
                                            seqs.push_back(e.seq);
                                            return true;
                                          })
                  .ok());
  EXPECT_EQ(seqs, (std::vector<int64_t>{2}));
  seqs.clear();
  ASSERT_TRUE(store_->scan_audit_by_subject("", [&](const AuditEntry& e) {
    seqs.push_back(e.seq);
    return true;
  }).ok());
  EXPECT_TRUE(seqs.empty());
}

}  // namespace
}  // namespace onshi::store

#include <sqlite3.h>

namespace onshi::store {
namespace {

// Migrations run at open; a store from a newer onshi is refused rather than misread.
TEST_F(StoreTest, SchemaVersionChecks) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_path(dir_).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 3);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = open_sqlite(store_path(dir_));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_STORE_SCHEMA");
}

}  // namespace
}  // namespace onshi::store
