// The SQLite clinical store's layout (store/sqlite_clinical.cpp): a store of the first layout
// (a rowid table with two indexes) is migrated to the table ordered as the views read it,
// with its rows, ids and natural keys intact; two natural keys that share the key index's
// 64-bit hash stay two rows, each found by its full key; and a bulk load's rows are sorted into
// exactly the table's order and leave the file as a put would (R-CONF-5; issue 16 Speed).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "store/clinical_rows.h"
#include "store/database.h"
#include "store/sqlite.h"

namespace onshi::store {
namespace {

namespace fs = std::filesystem;

class SqliteClinicalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("onshi-clinical-layout-" + std::to_string(std::random_device{}() % 1000000));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Runs `sql` on DIR/clinical.db with a connection of its own.
  void raw(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "clinical.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  static ClinicalPut put(std::string key, std::string date, std::string payload) {
    return {ClinicalKind::kMedication, std::move(key), "L", "card", std::move(date),
            std::move(payload), "test"};
  }
  fs::path dir_;
};

// R-CONF-5 / issue 16: a store of the first layout opens with its rows, ids and keys: read by
// person newest first, a re-put unchanged, a new row numbered after the largest id, the table
// now WITHOUT ROWID with one index.
TEST_F(SqliteClinicalTest, FirstLayoutIsMigrated) {
  raw(R"sql(
CREATE TABLE clinical_records(
  record_id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, record_key TEXT NOT NULL,
  person_link BLOB NOT NULL, card_key TEXT NOT NULL, record_date TEXT NOT NULL,
  payload BLOB NOT NULL, source TEXT NOT NULL, recorded_at INTEGER NOT NULL);
CREATE UNIQUE INDEX clinical_records_key ON clinical_records(kind, record_key);
CREATE INDEX clinical_records_person ON clinical_records(person_link, kind, record_date);
CREATE TABLE clinical_windows(
  kind INTEGER PRIMARY KEY, amount INTEGER NOT NULL, unit TEXT NOT NULL, basis TEXT NOT NULL);
-- person links are BLOBs (X'4C' = "L")
INSERT INTO clinical_records VALUES(5, 1, 'k1', X'4C', 'card', '20240101', 'a', 'old', 1);
INSERT INTO clinical_records VALUES(12, 1, 'k2', X'4C', 'card', '20250101', 'b', 'old', 2);
INSERT INTO clinical_records VALUES(9, 1, 'k3', X'4D', 'card', '20240601', 'c', 'old', 3);
PRAGMA user_version=1;
)sql");
  auto db = open_store("sqlite:" + dir_.string());
  ASSERT_TRUE(db.ok()) << db.error().message;
  ClinicalStore& s = (*db)->clinical();
  auto rows = s.records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].record_key, "k2");
  EXPECT_EQ((*rows)[0].record_id, 12);
  EXPECT_EQ((*rows)[1].record_id, 5);
  EXPECT_EQ((*rows)[1].recorded_at_us, 1);
  auto again = s.put_records(std::vector<ClinicalPut>{put("k1", "20240101", "a"),
                                                      put("k4", "20250201", "d")});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)[0], PutOutcome::kUnchanged);
  EXPECT_EQ((*again)[1], PutOutcome::kAdded);
  rows = s.records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].record_key, "k4");
  EXPECT_EQ((*rows)[0].record_id, 13);
  EXPECT_EQ(*s.count_records(ClinicalKind::kMedication), 4);
  db->reset();

  sqlite3* raw_db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "clinical.db").c_str(), &raw_db), SQLITE_OK);
  sqlite::Stmt q(raw_db,
                 "SELECT (SELECT sql FROM sqlite_schema WHERE name='clinical_records'),"
                 "(SELECT COUNT(*) FROM sqlite_schema WHERE type='index' AND "
                 "tbl_name='clinical_records' AND sql IS NOT NULL),"
                 "(SELECT COUNT(*) FROM clinical_keys)");
  ASSERT_EQ(q.step(), SQLITE_ROW);
  EXPECT_NE(q.col_text(0).find("WITHOUT ROWID"), std::string::npos);
  EXPECT_EQ(q.col_i64(1), 0);
  EXPECT_EQ(q.col_i64(2), 4);
  q = sqlite::Stmt();
  sqlite3_close(raw_db);
}

// Issue 16 (narrower rows): a store of the second layout gets the third — each source once in
// clinical_sources, a key that starts with its card key stored without it, the key index a
// table of its own — and reads and re-puts exactly as before.
TEST_F(SqliteClinicalTest, SecondLayoutIsMigrated) {
  raw(R"sql(
CREATE TABLE clinical_records(
  person_link BLOB NOT NULL, kind INTEGER NOT NULL, record_date TEXT NOT NULL,
  record_id INTEGER NOT NULL, key_hash INTEGER NOT NULL, record_key TEXT NOT NULL,
  card_key TEXT NOT NULL, payload BLOB NOT NULL, source TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY(person_link, kind, record_date, record_id)) WITHOUT ROWID;
CREATE INDEX clinical_records_key ON clinical_records(kind, key_hash);
CREATE TABLE clinical_next(id INTEGER NOT NULL);
INSERT INTO clinical_next VALUES(3);
CREATE TABLE clinical_windows(
  kind INTEGER PRIMARY KEY, amount INTEGER NOT NULL, unit TEXT NOT NULL, basis TEXT NOT NULL);
PRAGMA user_version=2;
)sql");
  // The hashes as the second layout stored them.
  raw("INSERT INTO clinical_records VALUES(X'4C',1,'20240101',1," +
      std::to_string(detail::clinical_key_hash("card\x1f薬")) +
      ",'card\x1f薬','card','a','import:a.csv',11);"
      "INSERT INTO clinical_records VALUES(X'4C',1,'20250101',2," +
      std::to_string(detail::clinical_key_hash("k2")) + ",'k2','card','b','reviewer:R1',12);");
  auto db = open_store("sqlite:" + dir_.string());
  ASSERT_TRUE(db.ok()) << db.error().message;
  ClinicalStore& s = (*db)->clinical();
  auto rows = s.records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], (ClinicalRecord{2, 12, ClinicalKind::kMedication, "k2", "L", "card",
                                        "20250101", "b", "reviewer:R1"}));
  EXPECT_EQ((*rows)[1], (ClinicalRecord{1, 11, ClinicalKind::kMedication, "card\x1f薬", "L",
                                        "card", "20240101", "a", "import:a.csv"}));
  std::vector<ClinicalPut> again{{ClinicalKind::kMedication, "card\x1f薬", "L", "card",
                                  "20240101", "a", "import:b.csv"},
                                 {ClinicalKind::kMedication, "k2", "L", "card", "20250101", "b2",
                                  "reviewer:R1"}};
  auto outcomes = s.put_records(again);
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().message;
  EXPECT_EQ((*outcomes)[0], PutOutcome::kUnchanged);
  EXPECT_EQ((*outcomes)[1], PutOutcome::kChanged);
  EXPECT_EQ(*s.count_records(ClinicalKind::kMedication), 2);
  db->reset();

  sqlite3* raw_db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "clinical.db").c_str(), &raw_db), SQLITE_OK);
  sqlite::Stmt q(raw_db,
                 "SELECT group_concat(key_rest || ':' || key_on_card || ':' || source_id, ' ') "
                 "FROM clinical_records");
  ASSERT_EQ(q.step(), SQLITE_ROW);
  EXPECT_EQ(q.col_text(0), "\x1f薬:1:1 k2:0:2");
  q = sqlite::Stmt(raw_db, "SELECT group_concat(source, ' ') FROM clinical_sources");
  ASSERT_EQ(q.step(), SQLITE_ROW);
  EXPECT_EQ(q.col_text(0), "import:a.csv reviewer:R1");
  q = sqlite::Stmt(raw_db,
                   "SELECT group_concat(key_hash || ':' || record_id || ':' || record_date, ' ') "
                   "FROM (SELECT * FROM clinical_keys ORDER BY record_id)");
  ASSERT_EQ(q.step(), SQLITE_ROW);
  EXPECT_EQ(q.col_text(0), std::to_string(detail::clinical_key_hash("card\x1f薬")) +
                               ":1:20240101 " + std::to_string(detail::clinical_key_hash("k2")) +
                               ":2:20250101");
  q = sqlite::Stmt();
  sqlite3_close(raw_db);
}

// Issue 16 (one index on a 64-bit hash of the natural key): a stored row whose key differs
// but whose hash is that of the key put is not taken for it — the put adds a row, a re-put is
// unchanged, a correction replaces only its own row.
TEST_F(SqliteClinicalTest, KeysSharingAHashAreTwoRows) {
  {
    auto db = open_store("sqlite:" + dir_.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->clinical().count_records(ClinicalKind::kMedication).ok());
  }
  raw("INSERT INTO clinical_sources(source_id,source) VALUES(7,'test');"
      "INSERT INTO clinical_records(person_link,kind,record_date,record_id,key_rest,"
      "key_on_card,card_key,payload,source_id,recorded_at) "
      "VALUES(X'4C',1,'20240101',1,'other',0,'card','x',7,1);"
      "INSERT INTO clinical_keys VALUES(1," +
      std::to_string(detail::clinical_key_hash("k1")) +
      ",1,X'4C','20240101'); UPDATE clinical_next SET id=2;");
  auto db = open_store("sqlite:" + dir_.string());
  ASSERT_TRUE(db.ok());
  ClinicalStore& s = (*db)->clinical();
  std::vector<ClinicalPut> items{put("k1", "20240101", "a")};
  auto first = s.put_records(items);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ((*first)[0], PutOutcome::kAdded);
  EXPECT_EQ((*s.put_records(items))[0], PutOutcome::kUnchanged);
  items[0].payload = "a2";
  EXPECT_EQ((*s.put_records(items))[0], PutOutcome::kChanged);
  auto rows = s.records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].record_key, "k1");
  EXPECT_EQ((*rows)[0].payload, "a2");
  EXPECT_EQ((*rows)[0].record_id, 2);
  EXPECT_EQ((*rows)[1].record_key, "other");
  EXPECT_EQ((*rows)[1].payload, "x");
}

// Issue 16: the bulk load's in-memory sort gives the table's order — person link as SQLite
// compares a BLOB (links sharing their first 8 bytes, a link that is another's prefix), then
// kind, day and record_id — both when kind, day and id pack into one word and when a day does
// not (compared from the rows).
TEST(BulkRowsTest, SortsIntoTheTableOrder) {
  for (const std::string odd_day : {"20240301", "2024"}) {
    const std::vector<std::string> links{"AAAAAAAAb", "AAAAAAAAa", "AAAAAAAA", "B", "\xff"};
    const std::vector<std::string> days{"20250101", "20240101", odd_day, "20240101"};
    detail::BulkRows rows;
    using Key = std::tuple<std::string, int, std::string, int64_t>;
    std::vector<Key> want;
    int64_t id = 1;
    for (int round = 0; round < 3; ++round)
      for (const auto& link : links)
        for (const auto& day : days) {
          const auto kind = round == 1 ? ClinicalKind::kCheckup : ClinicalKind::kMedication;
          // Odd ids start with their card key: the row keeps only the rest.
          const std::string key = (id % 2 ? "card" : "") + ("k" + std::to_string(id));
          rows.add({kind, key, link, "card", day, "x", "test"}, id);
          want.emplace_back(link, static_cast<int>(kind), day, id++);
        }
    std::sort(want.begin(), want.end());
    rows.sort();
    ASSERT_EQ(rows.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const auto r = rows.at(i);
      EXPECT_EQ(Key(std::string(r.person_link), static_cast<int>(r.kind),
                    std::string(r.record_date), r.record_id),
                want[i])
          << "row " << i << " with day " << odd_day;
      EXPECT_EQ(r.key_rest, "k" + std::to_string(r.record_id));
      EXPECT_EQ(r.key_on_card, r.record_id % 2 == 1);
    }
  }
}

// Issue 16 (kill -9 during a bulk load): rows appended but the key table not yet — the load
// cut short between the two — are indexed by the next store that opens the file, with the
// same entries the load would have appended (the key whole again, hashed), so a re-run finds
// every row unchanged.
TEST_F(SqliteClinicalTest, KeyTableOfALoadCutShortIsMadeFromTheRows) {
  std::vector<ClinicalPut> items{put("card\x1fk1", "20240101", "a"), put("k2", "20230101", "b"),
                                 put("card\x1fk3", "2024", "c")};
  const char* entries =
      "SELECT group_concat(kind||':'||key_hash||':'||record_id||':'||hex(person_link)||':'||"
      "record_date, ' ') FROM (SELECT * FROM clinical_keys ORDER BY kind, key_hash, record_id)";
  std::string loaded;
  {
    auto db = open_store("sqlite:" + dir_.string());
    ASSERT_TRUE(db.ok());
    ClinicalStore& s = (*db)->clinical();
    ASSERT_TRUE(s.begin_bulk().ok());
    ASSERT_TRUE(s.put_bulk(items).ok());
    ASSERT_TRUE(s.finish_bulk().ok());
  }
  sqlite3* raw_db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "clinical.db").c_str(), &raw_db), SQLITE_OK);
  {
    sqlite::Stmt q(raw_db, entries);
    ASSERT_EQ(q.step(), SQLITE_ROW);
    loaded = q.col_text(0);
  }
  EXPECT_EQ(std::count(loaded.begin(), loaded.end(), ' '), 2) << loaded;
  ASSERT_EQ(sqlite3_exec(raw_db, "DROP TABLE clinical_keys", nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto db = open_store("sqlite:" + dir_.string());
  ASSERT_TRUE(db.ok());
  ClinicalStore& s = (*db)->clinical();
  ASSERT_EQ(*s.count_records(ClinicalKind::kMedication), 3);  // the open completes it
  {
    sqlite::Stmt q(raw_db, entries);
    ASSERT_EQ(q.step(), SQLITE_ROW);
    EXPECT_EQ(q.col_text(0), loaded);
  }
  sqlite3_close(raw_db);
  auto rerun = s.put_records(items);
  ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  for (auto o : *rerun) EXPECT_EQ(o, PutOutcome::kUnchanged);
}

// Issue 16: a bulk load leaves the file in WAL mode with its key index, whatever journal it
// wrote with; a new clinical.db has 16 KiB pages.
TEST_F(SqliteClinicalTest, BulkLoadLeavesTheFileInWal) {
  {
    auto db = open_store("sqlite:" + dir_.string());
    ASSERT_TRUE(db.ok());
    ClinicalStore& s = (*db)->clinical();
    auto began = s.begin_bulk();
    ASSERT_TRUE(began.ok() && *began);
    std::vector<ClinicalPut> items{put("k1", "20240101", "a"), put("k2", "20230101", "b")};
    ASSERT_TRUE(s.put_bulk(items).ok());
    ASSERT_TRUE(s.finish_bulk().ok());
    auto rows = s.records_of("L", ClinicalKind::kMedication, "", "");
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].record_key, "k1");
  }
  sqlite3* raw_db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "clinical.db").c_str(), &raw_db), SQLITE_OK);
  auto one = [&](const char* sql) {
    sqlite::Stmt q(raw_db, sql);
    EXPECT_EQ(q.step(), SQLITE_ROW) << sql;
    return q.col_text(0);
  };
  EXPECT_EQ(one("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(one("PRAGMA page_size"), "16384");
  EXPECT_EQ(one("SELECT COUNT(*) FROM clinical_keys"), "2");
  sqlite3_close(raw_db);
}

}  // namespace
}  // namespace onshi::store
