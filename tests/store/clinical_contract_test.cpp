// The clinical store's contract (store/clinical.h), written once and run on every backend:
// rows filed by person link and kind and read newest first within a date range, a re-put
// that changes nothing, a changed row replaced under its key, the viewing windows seeded and
// changeable, and the copy primitives (R-CONF-5; issue 16 point 1).
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/sqlite.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

class ClinicalContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    auto db = open_store(tdb_.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }
  static ClinicalPut put(ClinicalKind kind, std::string key, std::string link, std::string date,
                         std::string payload = "p") {
    return {kind, std::move(key), std::move(link), "06139992\x1f" "1234\x1f" "5678\x1f" "00",
            std::move(date), std::move(payload), "test"};
  }
  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// R-CONF-5: the rows of one person and kind, newest first, within the range asked; another
// person's and another kind's rows are not among them.
TEST_P(ClinicalContractTest, RecordsOfPersonKindAndRange) {
  ClinicalStore& s = db_->clinical();
  const std::string link("\x01\x02\x00\xff", 4);
  std::vector<ClinicalPut> items{put(ClinicalKind::kMedication, "a", link, "20230105"),
                                 put(ClinicalKind::kMedication, "b", link, "20250301"),
                                 put(ClinicalKind::kMedication, "c", link, "20240710"),
                                 put(ClinicalKind::kCheckup, "d", link, "20240710"),
                                 put(ClinicalKind::kMedication, "e", "other", "20250301")};
  auto out = s.put_records(items);
  ASSERT_TRUE(out.ok()) << out.error().message;
  for (auto o : *out) EXPECT_EQ(o, PutOutcome::kAdded);

  auto rows = s.records_of(link, ClinicalKind::kMedication, "20240101", "");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].record_key, "b");
  EXPECT_EQ((*rows)[1].record_key, "c");
  EXPECT_EQ((*rows)[0].person_link, link);
  EXPECT_EQ((*rows)[0].card_key, items[0].card_key);
  EXPECT_EQ((*rows)[0].source, "test");
  auto bounded = s.records_of(link, ClinicalKind::kMedication, "", "20241231");
  ASSERT_TRUE(bounded.ok());
  ASSERT_EQ(bounded->size(), 2u);
  EXPECT_EQ((*bounded)[0].record_key, "c");
  EXPECT_EQ(*s.count_records(ClinicalKind::kMedication), 4);
  EXPECT_EQ(*s.count_records(ClinicalKind::kCheckup), 1);
}

// R-CONF-5 (the views' read): view_rows gives the rows records_of gives — same range, same
// order, a binary payload intact — with only their record_date and payload, and is the same
// when asked again (its statement is kept prepared between calls).
TEST_P(ClinicalContractTest, ViewRowsAreTheRecordsDatesAndPayloads) {
  ClinicalStore& s = db_->clinical();
  const std::string link("\x05\x00\x07", 3);
  const std::string binary("a\x1f" "b\x00" "c", 5);
  std::vector<ClinicalPut> items{put(ClinicalKind::kMedication, "v1", link, "20240105", "one"),
                                 put(ClinicalKind::kMedication, "v2", link, "20250301", binary),
                                 put(ClinicalKind::kMedication, "v3", link, "20250301", "three"),
                                 put(ClinicalKind::kTreatment, "v4", link, "20250301", "other"),
                                 put(ClinicalKind::kMedication, "v5", "L2", "20250301", "x")};
  ASSERT_TRUE(s.put_records(items).ok());
  for (int round = 0; round < 2; ++round) {
    auto records = s.records_of(link, ClinicalKind::kMedication, "20240201", "20251231");
    auto rows = s.view_rows(link, ClinicalKind::kMedication, "20240201", "20251231");
    ASSERT_TRUE(records.ok() && rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    ASSERT_EQ(records->size(), rows->size());
    for (size_t i = 0; i < rows->size(); ++i) {
      EXPECT_EQ((*rows)[i].record_date, (*records)[i].record_date);
      EXPECT_EQ((*rows)[i].payload, (*records)[i].payload);
    }
    EXPECT_EQ((*rows)[0].payload, "three");  // the same day: the later record first
    EXPECT_EQ((*rows)[1].payload, binary);
  }
  auto open_ended = s.view_rows(link, ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(open_ended.ok());
  EXPECT_EQ(open_ended->size(), 3u);
  auto none = s.view_rows("nobody", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// Issue 16 point 1: putting the same rows again changes nothing; a row with other contents
// under its key replaces the stored one (a prescription since dispensed).
TEST_P(ClinicalContractTest, RerunUnchangedAndCorrectionReplaces) {
  ClinicalStore& s = db_->clinical();
  std::vector<ClinicalPut> items{put(ClinicalKind::kPrescription, "rx1", "L", "20250401", "v1"),
                                 put(ClinicalKind::kPrescription, "rx2", "L", "20250402", "v1")};
  ASSERT_TRUE(s.put_records(items).ok());
  auto before = s.records_of("L", ClinicalKind::kPrescription, "", "");
  auto again = s.put_records(items);
  ASSERT_TRUE(again.ok());
  for (auto o : *again) EXPECT_EQ(o, PutOutcome::kUnchanged);
  EXPECT_TRUE(*s.records_of("L", ClinicalKind::kPrescription, "", "") == *before);

  items[1].payload = "v2";
  items[1].record_date = "20250405";
  std::vector<ClinicalPut> twice{items[1], items[1]};
  auto changed = s.put_records(twice);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ((*changed)[0], PutOutcome::kChanged);
  EXPECT_EQ((*changed)[1], PutOutcome::kUnchanged);
  auto rows = s.records_of("L", ClinicalKind::kPrescription, "", "");
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].payload, "v2");
  EXPECT_EQ((*rows)[0].record_date, "20250405");
  EXPECT_EQ(*s.count_records(ClinicalKind::kPrescription), 2);
}

// Issue 16 point 1: the viewing windows are data — seeded with the public system's and
// changeable, and a bad window is refused with its field.
TEST_P(ClinicalContractTest, WindowsSeededAndChangeable) {
  ClinicalStore& s = db_->clinical();
  auto w = s.windows();
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_EQ(w->size(), 5u);  // the four kinds of the views and 医療費通知情報 (R-CARD-2)
  EXPECT_EQ((*w)[0].kind, ClinicalKind::kMedication);
  EXPECT_EQ((*w)[0].amount, 3);
  EXPECT_EQ((*w)[0].unit, 'Y');
  EXPECT_EQ((*w)[1].amount, 5);
  EXPECT_EQ((*w)[3].amount, 100);
  EXPECT_EQ((*w)[3].unit, 'D');
  EXPECT_FALSE((*w)[0].basis.empty());
  EXPECT_EQ((*w)[4].kind, ClinicalKind::kExpense);  // 5 years: the 還付申告's reach
  EXPECT_EQ((*w)[4].amount, 5);
  EXPECT_EQ((*w)[4].unit, 'Y');

  ASSERT_TRUE(s.set_window({ClinicalKind::kMedication, 36, 'M', "operator"}).ok());
  auto bad = s.set_window({ClinicalKind::kMedication, 0, 'M', "operator"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_CLINICAL_WINDOW");
  EXPECT_EQ(bad.error().field, "amount");
  EXPECT_EQ(s.set_window({ClinicalKind::kMedication, 3, 'W', ""}).error().field, "unit");

  auto reopened = open_store(tdb_.url());  // another server: the change is in the database
  ASSERT_TRUE(reopened.ok());
  auto w2 = (*reopened)->clinical().windows();
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ((*w2)[0].amount, 36);
  EXPECT_EQ((*w2)[0].unit, 'M');
  EXPECT_EQ((*w2)[0].basis, "operator");
}

// issue 12 §4 for clinical rows: scanned in the store's order (person, kind, day, id) from
// after the last row seen, written verbatim, a second write is a no-op and a different row
// under a stored key is E_COPY_CONFLICT.
TEST_P(ClinicalContractTest, ScanAndPutVerbatim) {
  ClinicalStore& s = db_->clinical();
  std::vector<ClinicalRecord> rows{
      {7, 1000, ClinicalKind::kTreatment, "t1", "L", "card", "20240101", "x", "src"},
      {42, 2000, ClinicalKind::kTreatment, "t2", "L", "card", "20240102", "y", "src"}};
  auto n = s.put_verbatim(rows);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(*s.put_verbatim(rows), 0);
  std::vector<ClinicalRecord> seen;
  auto keep = [&](const ClinicalRecord& r) { return seen.push_back(r), true; };
  ASSERT_TRUE(s.scan(nullptr, 1, keep));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0] == rows[0]);
  ASSERT_TRUE(s.scan(&seen[0], 10, keep));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[1] == rows[1]);
  ASSERT_TRUE(s.scan(&seen[1], 10, keep));
  EXPECT_EQ(seen.size(), 2u);
  std::vector<ClinicalRecord> clash{rows[0]};
  clash[0].payload = "other";
  auto c = s.put_verbatim(clash);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "E_COPY_CONFLICT");
  // A new row gets an id after the copied ones.
  ASSERT_TRUE(s.put_records(std::vector<ClinicalPut>{put(ClinicalKind::kTreatment, "t3", "L",
                                                         "20240103")})
                  .ok());
  auto all = s.records_of("L", ClinicalKind::kTreatment, "", "");
  ASSERT_EQ(all->size(), 3u);
  EXPECT_GT((*all)[0].record_id, 42);
}

// Issue 16 (import of 10 M rows): a bulk load into an empty store ends in the rows and
// outcomes of put_records — every row then unchanged, read by person in order; while it runs
// another writer is refused with E_LOCKED and readers can read (the rows written so far); a
// store that is not empty is not bulk-loaded.
TEST_P(ClinicalContractTest, BulkLoadIntoEmptyStore) {
  ClinicalStore& s = db_->clinical();
  std::vector<ClinicalPut> items{put(ClinicalKind::kMedication, "k1", "L", "20240101", "a"),
                                 put(ClinicalKind::kMedication, "k2", "L", "20250101", "b"),
                                 put(ClinicalKind::kMedication, "k3", "M", "20240601", "c")};
  auto began = s.begin_bulk();
  ASSERT_TRUE(began.ok()) << began.error().message;
  if (GetParam() == "sqlite") EXPECT_TRUE(*began);
  ASSERT_TRUE(s.put_bulk(std::span(items).first(2)).ok());
  auto other = open_store(tdb_.url());  // another process's store
  ASSERT_TRUE(other.ok());
  auto seen = (*other)->clinical().records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_LE(seen->size(), 2u);
  if (*began) {
    auto refused = (*other)->clinical().put_records(std::vector<ClinicalPut>{items[0]});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "E_LOCKED");
    auto second = (*other)->clinical().begin_bulk();  // a second load goes row by row
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(*second);
  }
  ASSERT_TRUE(s.put_bulk(std::span(items).subspan(2)).ok());
  ASSERT_TRUE(s.finish_bulk().ok());

  auto again = (*other)->clinical().put_records(items);
  ASSERT_TRUE(again.ok()) << again.error().message;
  for (auto o : *again) EXPECT_EQ(o, PutOutcome::kUnchanged);
  auto rows = s.records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].record_key, "k2");
  EXPECT_EQ((*rows)[1].record_key, "k1");
  EXPECT_EQ(*s.count_records(ClinicalKind::kMedication), 3);
  auto not_empty = s.begin_bulk();
  ASSERT_TRUE(not_empty.ok());
  EXPECT_FALSE(*not_empty);
}

// Issue 16 (kill -9 during a bulk load): a load that never finishes — its process gone, its
// lock with it — is completed by the next store that opens the database: its key index is
// back, the rows it had not written yet are simply new to a second put, the rows it had are
// unchanged, and keys are unique again.
TEST_P(ClinicalContractTest, BulkLoadCutShortIsCompletedByTheNextStore) {
  std::vector<ClinicalPut> items{put(ClinicalKind::kMedication, "k1", "L", "20240101", "a"),
                                 put(ClinicalKind::kMedication, "k2", "L", "20250101", "b")};
  {
    auto first = open_store(tdb_.url());
    ASSERT_TRUE(first.ok());
    auto began = (*first)->clinical().begin_bulk();
    ASSERT_TRUE(began.ok());
    ASSERT_TRUE((*first)->clinical().put_bulk(items).ok());
    db_.reset();
  }  // gone without finish_bulk, as after kill -9
  auto next = open_store(tdb_.url());
  ASSERT_TRUE(next.ok());
  ClinicalStore& s = (*next)->clinical();
  auto rows = s.records_of("L", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  const size_t written = rows->size();  // 0 when the load kept its rows in memory
  EXPECT_TRUE(written == 0 || written == 2) << written;
  auto rerun = s.put_records(items);  // the file run again
  ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  for (auto o : *rerun) EXPECT_EQ(o, written ? PutOutcome::kUnchanged : PutOutcome::kAdded);
  items[1].payload = "b2";
  auto again = s.put_records(items);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)[0], PutOutcome::kUnchanged);
  EXPECT_EQ((*again)[1], PutOutcome::kChanged);
  EXPECT_EQ(*s.count_records(ClinicalKind::kMedication), 2);
  auto copy = s.put_verbatim(std::vector<ClinicalRecord>{
      {999, 1, ClinicalKind::kMedication, "k1", "L", "card", "20240101", "x", "src"}});
  ASSERT_FALSE(copy.ok());
  EXPECT_EQ(copy.error().code, "E_COPY_CONFLICT");
  if (GetParam() == "sqlite") {  // the key table is back
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((tdb_.dir() / "clinical.db").c_str(), &raw), SQLITE_OK);
    sqlite::Stmt q(raw,
                   "SELECT COUNT(*) FROM sqlite_schema WHERE name='clinical_keys'");
    ASSERT_EQ(q.step(), SQLITE_ROW);
    EXPECT_EQ(q.col_i64(0), 1);
    q = sqlite::Stmt();
    sqlite3_close(raw);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ClinicalContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
