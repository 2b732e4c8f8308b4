// The WAL checkpointer of the SQLite store's audit file (store/checkpoint_detail.h), on a real
// file: a writer that keeps committing while the checkpointer's thread copies its WAL, with the
// writer's own fallback switched off, so whatever checkpointing happens is the thread's.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <thread>

#include "store/checkpoint_detail.h"
#include "store/sqlite.h"

namespace onshi::store {
namespace {

namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("onshi-checkpoint-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "a.db";
    auto db = sqlite::open(file_, {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    writer_ = *db;
    ASSERT_TRUE(sqlite::exec(writer_, "CREATE TABLE t(x TEXT)").ok());
  }
  void TearDown() override {
    sqlite3_close_v2(writer_);
    fs::remove_all(dir_);
  }
  // One transaction of `rows` rows of 1 KB, under the writer's mutex as the store does.
  void commit(int rows) {
    std::lock_guard lock(mu_);
    ASSERT_TRUE(sqlite::exec(writer_, "BEGIN IMMEDIATE").ok());
    sqlite::Stmt s(writer_, "INSERT INTO t(x) VALUES(?1)");
    for (int i = 0; i < rows; ++i) {
      s.reset();
      s.text(1, std::string(1000, static_cast<char>('a' + i % 26)));
      ASSERT_EQ(s.step(), SQLITE_DONE);
    }
    s = sqlite::Stmt();
    ASSERT_TRUE(sqlite::exec(writer_, "COMMIT").ok());
  }
  // The WAL's frames, as a passive checkpoint on a connection of the test reports them.
  int wal_frames() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    int log = -1, done = -1;
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    sqlite3_close(db);
    return log;
  }

  fs::path dir_, file_;
  sqlite3* writer_ = nullptr;
  std::mutex mu_;
};

// R-AUD-1: with the writer's automatic checkpoint off and its fallback out of reach, the
// thread's passes copy the WAL and its RESTART lets the writer start the WAL over: after the
// thread has restarted it once, the next commit writes at the WAL's beginning. What was
// committed is all there.
TEST_F(CheckpointTest, TheThreadCopiesAndRestartsTheWal) {
  auto c = WalCheckpointer::start(file_, writer_, mu_, {16, 64, int64_t{1} << 40});
  ASSERT_TRUE(c.ok()) << c.error().message;
  int committed = 0;
  while ((*c)->counts().restart == 0) {
    commit(4);
    committed += 4;
    if ((*c)->counts().restart == 0) std::this_thread::yield();
  }
  commit(1);
  ++committed;
  EXPECT_LT(wal_frames(), 64);
  EXPECT_GE((*c)->counts().passive, 1);
  EXPECT_EQ((*c)->counts().by_writer, 0);
  c->reset();
  sqlite::Stmt n(writer_, "SELECT count(*) FROM t");
  ASSERT_EQ(n.step(), SQLITE_ROW);
  EXPECT_EQ(n.col_i64(0), committed);
}

// Stopped before any pass, the checkpointer leaves the writer usable and the data whole; the
// writer no longer checkpoints by itself (its automatic checkpoint stays off).
TEST_F(CheckpointTest, StopsAndJoinsOnDestruction) {
  {
    auto c = WalCheckpointer::start(file_, writer_, mu_, {1 << 20, 1 << 21, 1 << 22});
    ASSERT_TRUE(c.ok());
    commit(2);
  }
  commit(2);
  sqlite::Stmt n(writer_, "SELECT count(*) FROM t");
  ASSERT_EQ(n.step(), SQLITE_ROW);
  EXPECT_EQ(n.col_i64(0), 4);
}

}  // namespace
}  // namespace onshi::store
