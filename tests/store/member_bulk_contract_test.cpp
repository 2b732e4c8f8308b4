// The member store's bulk load (store/store.h begin_bulk … finish_bulk), run on every backend:
// a member file loaded into an empty store ends as put_qualifications would have left it;
// while it runs other writers are refused and readers read; a load cut short (kill -9) is
// completed by the next store that opens the database (issue 19 points 3 and 4: the national
// load and an import rate that holds as the store grows).
#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "store/database.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

class MemberBulkContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    db_ = open();
    ASSERT_TRUE(db_);
  }
  std::unique_ptr<Database> open() {
    auto d = open_store(tdb_.url());
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(*d) : nullptr;
  }
  static PutItem item(std::string number, std::string link = "", std::string name = "試験　一郎") {
    core::Qualification q;
    q.insurer_number = "06139999";
    q.insured_card_symbol = "123";
    q.insured_identification_number = std::move(number);
    q.insured_branch_number = "00";
    q.insurer_name = "試験健康保険組合";
    q.insured_card_classification = "01";
    q.personal_family_classification = "1";
    q.name = std::move(name);
    q.name_kana = "シケン　イチロウ";
    q.sex1 = "1";
    q.birthdate = "19800101";
    q.qualification_date = "20200401";
    std::string sealed = link.empty() ? "" : "sealed";
    return PutItem{std::move(q), std::move(link), std::move(sealed), "test", ""};
  }
  // How many of the two member indexes the SQLite file has (2 on other backends).
  int indexes() {
    if (GetParam() != "sqlite") return 2;
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open((tdb_.dir() / "onshi.db").c_str(), &raw), SQLITE_OK);
    int n = 0;
    {
      sqlite::Stmt q(raw,
                     "SELECT COUNT(*) FROM sqlite_schema WHERE type='index' AND name IN "
                     "('qualification_version_card','qualification_version_person8')");
      if (q.step() == SQLITE_ROW) n = static_cast<int>(q.col_i64(0));
    }
    sqlite3_close(raw);
    return n;
  }
  static constexpr int64_t kNow = INT64_MAX;

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// A bulk load ends in the versions of put_qualifications — found by card, by card without
// 枝番 and by person, every one unchanged by a second put; while it runs another writer gets
// E_LOCKED, a second load goes row by row, readers see the batches committed; a store that
// is not empty is not bulk-loaded.
TEST_P(MemberBulkContract, BulkLoadIntoEmptyStore) {
  Store& s = db_->members();
  std::vector<PutItem> items{item("1", "link-one"), item("2"), item("3", "link-three")};
  auto began = s.begin_bulk();
  ASSERT_TRUE(began.ok()) << began.error().message;
  if (GetParam() == "sqlite") {
    EXPECT_TRUE(*began);
    EXPECT_EQ(indexes(), 0);
  }
  ASSERT_TRUE(s.put_bulk(std::span(items).first(2)).ok());
  auto other = open();  // another process's store
  ASSERT_TRUE(other);
  auto seen = other->members().qualification_as_of(items[0].qualification.card_key(), kNow);
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->person_link, "link-one");
  if (*began) {
    auto refused = other->members().put_qualifications(std::vector<PutItem>{item("9")});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "E_LOCKED");
    auto second = other->members().begin_bulk();
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(*second);
  }
  ASSERT_TRUE(s.put_bulk(std::span(items).subspan(2)).ok());
  ASSERT_TRUE(s.finish_bulk().ok());
  EXPECT_EQ(indexes(), 2);

  auto again = other->members().put_qualifications(items);
  ASSERT_TRUE(again.ok()) << again.error().message;
  for (auto o : *again) EXPECT_EQ(o, PutOutcome::kUnchanged);
  auto by_card = s.find_by_card("06139999", "123", "3", kNow);
  ASSERT_TRUE(by_card.ok());
  ASSERT_EQ(by_card->size(), 1u);
  auto by_person = s.find_by_person_link("link-three", kNow);
  ASSERT_TRUE(by_person.ok());
  ASSERT_EQ(by_person->size(), 1u);
  EXPECT_EQ((*by_person)[0].qualification.insured_identification_number, "3");
  EXPECT_EQ(*s.count_versions(), 3);
  auto not_empty = s.begin_bulk();
  ASSERT_TRUE(not_empty.ok());
  EXPECT_FALSE(*not_empty);
}

// kill -9 during a bulk load: the process gone (its lock with it) without finish_bulk, the
// next store to open the database builds the indexes; the versions committed are there and
// unchanged by the file run again, the rest are added, a change is a new version.
TEST_P(MemberBulkContract, BulkLoadCutShortIsCompletedByTheNextStore) {
  std::vector<PutItem> items{item("1", "link-one"), item("2"), item("3")};
  {
    auto first = open();
    ASSERT_TRUE(first);
    auto began = first->members().begin_bulk();
    ASSERT_TRUE(began.ok());
    ASSERT_TRUE(first->members().put_bulk(std::span(items).first(2)).ok());
    db_.reset();
  }  // gone without finish_bulk, as after kill -9
  if (GetParam() == "sqlite") EXPECT_EQ(indexes(), 0);
  auto next = open();
  ASSERT_TRUE(next);
  EXPECT_EQ(indexes(), 2);
  Store& s = next->members();
  auto rerun = s.put_qualifications(items);  // the file run again
  ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  EXPECT_EQ((*rerun)[0], PutOutcome::kUnchanged);
  EXPECT_EQ((*rerun)[1], PutOutcome::kUnchanged);
  EXPECT_EQ((*rerun)[2], PutOutcome::kAdded);
  items[1] = item("2", "", "試験　二郎");
  auto changed = s.put_qualifications(items);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ((*changed)[1], PutOutcome::kChanged);
  EXPECT_EQ(*s.count_versions(), 4);
  auto person = s.find_by_person_link("link-one", kNow);
  ASSERT_TRUE(person.ok());
  EXPECT_EQ(person->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MemberBulkContract,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
