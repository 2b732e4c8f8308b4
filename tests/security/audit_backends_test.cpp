// The audit log's contract on every backend (issue 12 §2, §3): one chain, numbered and linked
// inside the database. Many threads record through one log; two Database objects — two
// processes' connection pools — each with its own AuditLog append to one database at the same
// time; a reopened database continues the chain; and verify_audit — and `onshi audit verify
// --db URL` itself — passes on all of it and still points at an entry edited behind the
// store's back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>
#include <vector>

#include "security/audit.h"
#include "store/database.h"
#include "store/pg.h"
#include "store/test_database.h"
#include "temp_dir.h"

namespace onshi::security {
namespace {

class AuditOnBackend : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<onshi::testing::TestDatabase>(GetParam());
    ONSHI_REQUIRE_DATABASE(*db_);
  }
  std::unique_ptr<store::Database> open() {
    auto d = store::open_store(db_->url());
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(*d) : nullptr;
  }
  static AuditEvent event(int who, int i) {
    AuditEvent e;
    e.actor = "institution:131011234" + std::to_string(who % 10);
    e.action = "confirm";
    e.subject =
        "06139992\x1f"
        "12\x1f" +
        std::to_string(i) +
        "\x1f"
        "01";
    e.detail = R"({"who":)" + std::to_string(who) + R"(,"i":)" + std::to_string(i) + "}";
    return e;
  }
  static void expect_verifies(store::Store& s, int64_t entries) {
    auto report = verify_audit(s);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(report->ok) << report->problem << " at " << report->first_bad_seq;
    EXPECT_EQ(report->entries, entries);
  }
  // Edits one stored entry the way someone with database access would.
  void tamper(int64_t seq) {
    std::string detail = R"({"edited":true})";
    if (GetParam() == "postgresql") {
      auto c = store::pg::connect(db_->url(), "test");
      ASSERT_TRUE(c.ok());
      ASSERT_TRUE((*c)->exec("UPDATE audit SET detail = $1 WHERE seq = $2",
                             store::pg::Params().text(detail).i64(seq)));
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(store::audit_path(db_->dir()).c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    std::string sql =
        "UPDATE audit SET detail = '" + detail + "' WHERE seq = " + std::to_string(seq);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  std::unique_ptr<onshi::testing::TestDatabase> db_;
};

// DESIGN security: every read audited — concurrent records through one log form one chain.
TEST_P(AuditOnBackend, ConcurrentRecordsFormAChain) {
  auto db = open();
  ASSERT_TRUE(db);
  constexpr int kThreads = 6, kPerThread = 300;
  {
    AuditLog log(db->members());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kPerThread; ++i) log.record(event(t, i));
      });
    for (auto& th : threads) th.join();
    Status s = log.flush();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(log.committed(), kThreads * kPerThread);
  }
  expect_verifies(db->members(), kThreads * kPerThread);
}

// Issue 12 §2: two servers on one database — two Database objects, an AuditLog each,
// appending in parallel — extend one chain that verifies as a whole.
TEST_P(AuditOnBackend, TwoServersAppendToOneChain) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  {
    AuditLog log_a(a->members()), log_b(b->members());
    auto run = [](AuditLog& log, int who) {
      for (int i = 0; i < 400; ++i) {
        log.record(event(who, i));
        if (i % 40 == 0) {
          EXPECT_TRUE(log.flush().ok());
        }
      }
    };
    std::thread ta(run, std::ref(log_a), 1), tb(run, std::ref(log_b), 2);
    ta.join();
    tb.join();
    EXPECT_TRUE(log_a.flush().ok());
    EXPECT_TRUE(log_b.flush().ok());
    EXPECT_EQ(log_a.committed() + log_b.committed(), 800);
  }
  expect_verifies(a->members(), 800);
  expect_verifies(b->members(), 800);
  // Both servers' entries are in it, interleaved.
  int from_a = 0, from_b = 0;
  ASSERT_TRUE(a->members().scan_audit(1, [&](const store::AuditEntry& e) {
    (e.detail.find(R"("who":1)") != std::string::npos ? from_a : from_b)++;
    return true;
  }));
  EXPECT_EQ(from_a, 400);
  EXPECT_EQ(from_b, 400);
  // And `onshi audit verify --db URL` agrees.
  auto cli = onshi::testing::run_command(onshi::testing::shell_quote(ONSHI_BINARY) +
                                         " audit verify --db " +
                                         onshi::testing::shell_quote(db_->url()));
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("\"entries\":800"), std::string::npos) << cli.out;
}

// DESIGN security: a restarted service (a reopened database) continues the same chain.
TEST_P(AuditOnBackend, ReopenContinuesChain) {
  {
    auto db = open();
    ASSERT_TRUE(db);
    AuditLog log(db->members());
    for (int i = 0; i < 10; ++i) log.record(event(0, i));
  }
  auto db = open();
  ASSERT_TRUE(db);
  {
    AuditLog log(db->members());
    for (int i = 0; i < 5; ++i) log.record(event(1, i));
  }
  auto last = db->members().last_audit();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->seq, 15);
  expect_verifies(db->members(), 15);
}

// DESIGN security: an entry edited in the database is found at its seq.
TEST_P(AuditOnBackend, EditedEntryIsFound) {
  auto db = open();
  ASSERT_TRUE(db);
  {
    AuditLog log(db->members());
    for (int i = 0; i < 20; ++i) log.record(event(0, i));
  }
  tamper(7);
  auto report = verify_audit(db->members());
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 7);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditOnBackend,
                         ::testing::ValuesIn(onshi::testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace onshi::security
