// The clinical store's generation (ClinicalStore::generation, store/clinical.h), which the
// views' cache of a person's rows is checked against: on SQLite it moves with every write
// transaction of every process on the store — a forked process's put, a second store object's,
// a re-run that changes nothing, a bulk load, a verbatim copy — and is the same between writes;
// a writer killed inside its write leaves it absent until the next write; PostgreSQL offers
// none (its views always read).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store/database.h"
#include "store/test_database.h"
#include "store/ticket_cache.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

ClinicalPut row(std::string key, std::string date) {
  return {ClinicalKind::kMedication, std::move(key), "person",
          "06139992\x1f" "1234\x1f" "5678\x1f" "00", std::move(date), "payload", "test"};
}

class ClinicalGenerationTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    auto db = open_store(tdb_.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }
  std::optional<uint64_t> generation() { return db_->clinical().generation(); }
  // Puts `items` from a child process with its own store, as `onshi clinical import` would.
  void put_from_another_process(const std::vector<ClinicalPut>& items) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto db = open_store(tdb_.url());
      _exit(db.ok() && (*db)->clinical().put_records(items).ok() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// R-CONF-5, issue 16 "Speed": every write by anyone changes the generation a cache trusts.
TEST_P(ClinicalGenerationTest, EveryWriteOfEveryProcessMovesIt) {
  if (GetParam() != "sqlite") {
    ASSERT_TRUE(db_->clinical().put_records(std::vector<ClinicalPut>{row("a", "20260101")}).ok());
    EXPECT_EQ(generation(), std::nullopt) << "PostgreSQL keeps no cache";
    return;
  }
  // A bulk load into the empty store.
  auto bulk = db_->clinical().begin_bulk();
  ASSERT_TRUE(bulk.ok());
  const auto g0 = generation();
  ASSERT_TRUE(g0.has_value());
  ASSERT_TRUE(db_->clinical().put_bulk(std::vector<ClinicalPut>{row("a", "20260101")}).ok());
  ASSERT_TRUE(db_->clinical().finish_bulk().ok());
  const auto g1 = generation();
  ASSERT_TRUE(g1.has_value());
  EXPECT_NE(g1, g0);
  EXPECT_EQ(generation(), g1);  // unchanged between writes
  // Another process.
  put_from_another_process({row("b", "20260102")});
  const auto g2 = generation();
  ASSERT_TRUE(g2.has_value());
  EXPECT_NE(g2, g1);
  // A second store object of this process; a re-run that changes nothing moves it too.
  auto other = open_store(tdb_.url());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->clinical().put_records(std::vector<ClinicalPut>{row("b", "20260102")}).ok());
  const auto g3 = generation();
  ASSERT_TRUE(g3.has_value());
  EXPECT_NE(g3, g2);
  // A verbatim copy (onshi db copy).
  auto rows = db_->clinical().records_of("person", ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  ClinicalRecord copied = (*rows)[0];
  copied.record_key = "c";
  copied.record_id = 100;
  ASSERT_TRUE((*other)->clinical().put_verbatim(std::vector<ClinicalRecord>{copied}).ok());
  EXPECT_NE(generation(), g3);
}

// A writer killed between its two moves of DIR/clinical.gen: no generation until the next
// write, which closes the gap.
TEST_P(ClinicalGenerationTest, AWriterKilledInsideItsWriteLeavesNone) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "PostgreSQL offers no generation";
  ASSERT_TRUE(db_->clinical().put_records(std::vector<ClinicalPut>{row("a", "20260101")}).ok());
  ASSERT_TRUE(generation().has_value());
  {
    auto dead = detail::ChangeCounter::open(tdb_.dir() / "clinical.gen");
    ASSERT_TRUE(dead.mapped());
    dead.begin_write();  // … and dies
  }
  EXPECT_EQ(generation(), std::nullopt);
  EXPECT_EQ(generation(), std::nullopt);
  ASSERT_TRUE(db_->clinical().put_records(std::vector<ClinicalPut>{row("b", "20260102")}).ok());
  EXPECT_TRUE(generation().has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, ClinicalGenerationTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
