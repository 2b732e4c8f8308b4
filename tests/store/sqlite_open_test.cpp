// Opening one new SQLite file from several connections at once (store/sqlite.h): two servers
// starting on one directory, or two threads using a lazily opened file for the first time.
// The WAL conversion of a new file takes a lock SQLite waits for without its busy handler;
// every opener must still get a connection, and the file must end in WAL mode (issue 12 §5).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "security/temp_dir.h"
#include "store/sqlite.h"

namespace onshi::store {
namespace {

namespace fs = std::filesystem;

std::string journal_mode(sqlite3* db) {
  sqlite::Stmt q(db, "PRAGMA journal_mode");
  return q.step() == SQLITE_ROW ? q.col_text(0) : "";
}

// Four openers released together on each of 40 new files: none is told the file is locked,
// and each connection sees the file in WAL mode and can write to it.
TEST(SqliteOpenTest, NewFileOpenedAtOnceFromManyConnections) {
  onshi::testing::TempDir dir("sqlite-open");
  constexpr int kOpeners = 4;
  constexpr int kFiles = 40;
  std::atomic<int> failures{0};
  for (int f = 0; f < kFiles; ++f) {
    const fs::path file = dir.path() / ("f" + std::to_string(f) + ".db");
    std::barrier start(kOpeners);
    std::vector<std::thread> threads;
    for (int t = 0; t < kOpeners; ++t)
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        sqlite::OpenOptions oo;
        oo.busy_timeout_ms = 10000;
        oo.page_size = 8192;
        auto db = sqlite::open(file, oo);
        if (!db.ok()) {
          ++failures;
          ADD_FAILURE() << file << " opener " << t << ": " << db.error().message;
          return;
        }
        EXPECT_EQ(journal_mode(*db), "wal") << file;
        std::string sql = "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES(" +
                          std::to_string(t) + ")";
        EXPECT_TRUE(sqlite::exec(*db, sql.c_str()).ok()) << file;
        sqlite3_close_v2(*db);
      });
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace onshi::store
