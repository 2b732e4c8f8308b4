// What only the SQLite store has: its files (DIR/onshi.db, the audit log in
// DIR/onshi-audit.db beside it), reopening them, and its schema version in PRAGMA
// user_version, the read snapshot a reader connection keeps (store/sqlite_snapshot.h). The
// contract every backend keeps is tested once, on every backend, in store_contract_test.cpp.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>

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

// The audit log lives in its own file beside the store (DIR/onshi-audit.db), chained there.
TEST_F(StoreTest, AuditLivesInItsOwnFile) {
  AuditEntry e;
  e.actor = "operator";
  e.action = "member.view";
  auto r = store_->chain_audit(std::vector<AuditEntry>{e, e},
                               [](const AuditEntry& x) { return "h" + std::to_string(x.seq); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(audit_path(dir_).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*), max(prev_hash) FROM audit", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), "h1");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// R-AUD-1: the audit file's WAL stays bounded while groups keep coming, though the
// committing connection checkpoints on its own account only at 32 × the threshold (512
// pages here): a thread of the store copies the WAL into the file and starts it over, and
// the fallback keeps the bound when that thread is slow. Without checkpoints the WAL of these
// 1,500 groups grows to about 9 times the bound (37 MB). The chain written is whole.
TEST_F(StoreTest, AuditWalStaysBoundedAndTheChainWhole) {
  store_.reset();
  SqliteOptions o;
  o.audit_checkpoint_pages = 16;
  auto s = open_sqlite(store_path(dir_), o);
  ASSERT_TRUE(s.ok()) << s.error().message;
  store_ = std::move(*s);
  const fs::path wal = audit_path(dir_).string() + "-wal";
  const uintmax_t bound = 2 * 32 * 16 * (4096 + 24);
  uintmax_t largest = 0;
  constexpr int kGroups = 1500, kPerGroup = 8;
  for (int g = 0; g < kGroups; ++g) {
    std::vector<AuditEntry> group(kPerGroup);
    for (int i = 0; i < kPerGroup; ++i) {
      group[i].actor = "institution:1310112345";
      group[i].action = "confirm";
      group[i].subject = "06139999/123/" + std::to_string(g * kPerGroup + i) + "/00";
      group[i].detail = std::string(300, 'x');
    }
    ASSERT_TRUE(store_->chain_audit(group, [](const AuditEntry& x) {
                        return std::to_string(x.seq);
                      }).ok());
    std::error_code ec;
    largest = std::max(largest, fs::file_size(wal, ec));
  }
  EXPECT_LT(largest, bound) << "the -wal file reached " << largest << " bytes";
  int64_t expected = 1;
  ASSERT_TRUE(store_->scan_audit(1, [&](const AuditEntry& e) {
                       EXPECT_EQ(e.seq, expected);
                       EXPECT_EQ(e.hash, std::to_string(e.seq));
                       EXPECT_EQ(e.prev_hash, e.seq == 1 ? "" : std::to_string(e.seq - 1));
                       ++expected;
                       return true;
                     }).ok());
  EXPECT_EQ(expected, kGroups * kPerGroup + 1);
  // Reopened, the same chain is there and extends.
  store_.reset();
  s = open_sqlite(store_path(dir_), o);
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);
  auto last = store_->last_audit();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->seq, kGroups * kPerGroup);
}

// Migrations run at open; a store from a newer onshi is refused rather than misread.
TEST_F(StoreTest, SchemaVersionChecks) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_path(dir_).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 5);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = open_sqlite(store_path(dir_));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_STORE_SCHEMA");
}

// R-REG-3: a store written before the narrow person index (schema 3, an index on the whole
// link) is migrated at open: the index on the link's first 8 bytes replaces it, the person
// lookup goes through it, and the members registered before are still found by their link.
TEST_F(StoreTest, PersonIndexMigratesFromSchema3) {
  const std::string link_a(32, '\x11'), link_b = std::string(8, '\x11') + std::string(24, '\x22');
  std::vector<PutItem> items{item(member("1"), link_a), item(member("2"), link_b),
                             item(member("3"))};
  ASSERT_TRUE(store_->put_qualifications(items).ok());
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_path(dir_).c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE qualification_version SET source = (SELECT source FROM "
                         "version_source WHERE id = source_id); DROP TABLE version_source; "
                         "DROP TABLE payload_dictionary; "
                         "ALTER TABLE qualification_version DROP COLUMN source_id; "
                         "DROP INDEX qualification_version_person8; "
                         "CREATE INDEX qualification_version_person ON "
                         "qualification_version(person_link) WHERE person_link IS NOT NULL; "
                         "PRAGMA user_version=3",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto s = open_sqlite(store_path(dir_));
  ASSERT_TRUE(s.ok()) << s.error().message;
  store_ = std::move(*s);
  // Two links sharing their first 8 bytes stay apart: the whole link is compared.
  auto a = store_->find_by_person_link(link_a, INT64_MAX);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].qualification.insured_identification_number, "1");
  auto b = store_->find_by_person_link(link_b, INT64_MAX);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].qualification.insured_identification_number, "2");

  ASSERT_EQ(sqlite3_open(store_path(dir_).c_str(), &db), SQLITE_OK);
  std::string indexes, plan;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE "
                     "type = 'index' AND tbl_name = 'qualification_version' ORDER BY name)",
                     -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  indexes = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db,
                     "EXPLAIN QUERY PLAN SELECT DISTINCT card_key FROM qualification_version "
                     "WHERE substr(person_link, 1, 8) = substr(?1, 1, 8) AND person_link=?1 "
                     "AND recorded_at<=?2 ORDER BY card_key",
                     -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("\n");
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_EQ(indexes, "qualification_version_card,qualification_version_person8");
  EXPECT_NE(plan.find("qualification_version_person8"), std::string::npos) << plan;
}


// store/sqlite_snapshot.h: a reader keeps its snapshot between lookups, yet every lookup
// sees what another connection (another server or process on the same file) committed just
// before — 200 commits in a row, each read back at once by the warm reader.
TEST_F(StoreTest, KeptSnapshotNeverHidesACommit) {
  auto other = open_sqlite(store_path(dir_));
  ASSERT_TRUE(other.ok()) << other.error().message;
  const core::Qualification base = member("8100");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(base)}).ok());
  for (int i = 0; i < 200; ++i) {
    // Two lookups first, so the reader's snapshot is open and kept.
    for (int k = 0; k < 2; ++k)
      ASSERT_TRUE(store_->qualification_as_of(base.card_key(), INT64_MAX).ok());
    core::Qualification changed = base;
    changed.name = "試験　" + std::to_string(i);
    ASSERT_TRUE((*other)->put_qualifications(std::vector<PutItem>{item(changed)}).ok());
    auto seen = store_->qualification_as_of(base.card_key(), INT64_MAX);
    ASSERT_TRUE(seen.ok() && seen->has_value());
    ASSERT_EQ((*seen)->qualification.name, changed.name) << "commit " << i;
  }
}

// A snapshot kept by an idle reader is ended within about a tenth of a second, so it does not
// hold back another connection's checkpoint: a TRUNCATE checkpoint waiting for readers ends.
TEST_F(StoreTest, IdleReaderLetsTheWalBeTruncated) {
  const core::Qualification base = member("8200");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(base)}).ok());
  auto other = open_sqlite(store_path(dir_));
  ASSERT_TRUE(other.ok()) << other.error().message;
  for (int i = 0; i < 50; ++i) {
    core::Qualification changed = base;
    changed.name = "試験　" + std::to_string(i);
    ASSERT_TRUE((*other)->put_qualifications(std::vector<PutItem>{item(changed)}).ok());
    ASSERT_TRUE(store_->qualification_as_of(base.card_key(), INT64_MAX).ok());  // kept open
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_path(dir_).c_str(), &db), SQLITE_OK);
  // TRUNCATE waits for readers through the busy handler: long enough for the sweeper, far
  // shorter than forever (a snapshot nobody ends).
  sqlite3_busy_timeout(db, 10000);
  ASSERT_EQ(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr),
            SQLITE_OK);  // the connection learns the file is in WAL mode
  int log = -1, done = -1;
  const int rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  sqlite3_close(db);
  EXPECT_EQ(rc, SQLITE_OK) << "a reader's snapshot held the checkpoint back";
  EXPECT_EQ(fs::file_size(fs::path(store_path(dir_).string() + "-wal")), 0u);
}

}  // namespace
}  // namespace onshi::store
