// Databases for tests, on every backend: a parametrised test asks `test_backends()` for the
// backends to run on and a TestDatabase for a fresh, empty database of one of them.
//
//   "sqlite"      a new temporary data directory (removed afterwards)
//   "postgresql"  a new database on the private cluster that scripts/test.sh starts
//                 (scripts/pg-test.sh) and names in ONSHI_TEST_PG_URL; dropped afterwards.
//                 Without ONSHI_TEST_PG_URL (ctest run by hand) the PostgreSQL cases skip.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/pg.h"

namespace onshi::testing {

inline std::vector<std::string> test_backends() { return {"sqlite", "postgresql"}; }

inline std::string test_pg_base_url() {
  const char* u = std::getenv("ONSHI_TEST_PG_URL");
  return u ? u : "";
}

// Replaces the database name (the path after host:port) of a postgresql:// URL.
inline std::string pg_url_with_db(const std::string& base, const std::string& db) {
  size_t scheme = base.find("://");
  size_t slash = base.find('/', scheme + 3);
  std::string head = slash == std::string::npos ? base : base.substr(0, slash);
  size_t q = base.find('?', scheme + 3);
  std::string query = q == std::string::npos ? "" : base.substr(q);
  return head + "/" + db + query;
}

class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend) : backend_(backend) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                      std::to_string(rd() % 100000);
    dir_ = std::filesystem::temp_directory_path() / ("onshi-db-" + tag);
    std::filesystem::create_directories(dir_);
    if (backend == "sqlite") {
      url_ = "sqlite:" + dir_.string();
      return;
    }
    base_ = test_pg_base_url();
    if (base_.empty()) return;
    db_ = "onshi_t_" + tag;
    admin("CREATE DATABASE " + db_);
    url_ = pg_url_with_db(base_, db_);
  }
  ~TestDatabase() {
    if (!db_.empty()) admin("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // False for "postgresql" without a test cluster: call GTEST_SKIP() then.
  bool available() const { return !url_.empty(); }
  const std::string& url() const { return url_; }
  const std::string& backend() const { return backend_; }
  // A scratch directory that lives as long as the database (keys, files of the test).
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void admin(const std::string& sql) {
    auto c = store::pg::connect(base_, "test cluster");
    ASSERT_TRUE(c) << c.error().message;
    auto st = (*c)->exec_script(sql.c_str());
    ASSERT_TRUE(st) << st.error().message;
  }
  std::string backend_, base_, db_, url_;
  std::filesystem::path dir_;
};

// Skips the current test when its backend has no database here.
#define ONSHI_REQUIRE_DATABASE(db)                                              \
  do {                                                                          \
    if (!(db).available()) GTEST_SKIP() << "no PostgreSQL test cluster (ONSHI_TEST_PG_URL)"; \
  } while (0)

}  // namespace onshi::testing
