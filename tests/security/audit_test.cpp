// Tests of the audit log (DESIGN security: every read audited) on a real SQLite store: the
// hash formula, newline escaping, and tampering with the file. The chain's contract on every
// backend (many threads, two servers, reopening) is in audit_backends_test.cpp. Tampering
// is done the way an attacker with file access would do it — editing the SQLite file behind
// the store's back — and verification must point at the edited entry.
#include "security/audit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "security/crypto.h"
#include "store/store.h"
#include "temp_dir.h"

namespace onshi::security {
namespace {

using onshi::testing::run_command;
using onshi::testing::shell_quote;
using onshi::testing::TempDir;

std::unique_ptr<store::Store> open_store(const std::filesystem::path& dir) {
  auto st = store::open_sqlite(store::store_path(dir));
  EXPECT_TRUE(st.ok()) << st.error().message;
  return st.ok() ? std::move(*st) : nullptr;
}

std::vector<store::AuditEntry> all_entries(store::Store& s) {
  std::vector<store::AuditEntry> out;
  Status st = s.scan_audit(1, [&](const store::AuditEntry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(st.ok());
  return out;
}

// Runs one SQL statement directly on the store file (the tamperer's view).
void sql(const std::filesystem::path& dir, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store::audit_path(dir).c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

AuditEvent event(int thread, int i) {
  AuditEvent e;
  e.actor = "institution:131011234" + std::to_string(thread % 10);
  e.action = "confirm";
  e.subject =
      "06139992\x1f"
      "12\x1f" +
      std::to_string(i) +
      "\x1f"
      "01";
  e.detail = R"({"thread":)" + std::to_string(thread) + R"(,"i":)" + std::to_string(i) + "}";
  return e;
}

// Audit or refuse (fail-closed issue, point 1): record_durable returns once the entry is in
// the store; concurrent callers share groups and all get their answer.
TEST(Audit, RecordDurableReturnsOnceTheEntryIsStored) {
  TempDir dir("audit-durable");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  AuditLog log(*st);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (log.record_durable(event(t, i)).ok()) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(all_entries(*st).size(), 400u) << "every durable entry is in the store already";
  EXPECT_TRUE(log.health().ok());
  EXPECT_EQ(log.refused(), 0);
}

// Audit or refuse: while another connection holds the audit file's write lock the entry
// cannot be made durable — record_durable says so within its timeout, health turns bad and
// the refusal is counted; once the lock is gone, health recovers.
TEST(Audit, RecordDurableRefusesWhileTheAuditFileIsLocked) {
  TempDir dir("audit-locked");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  AuditLog log(*st, AuditOptions{std::chrono::milliseconds(300)});
  ASSERT_TRUE(log.record_durable(event(0, 0)).ok());
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(store::audit_path(dir.path()).c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Status refused = log.record_durable(event(0, 1));
  EXPECT_FALSE(refused.ok());
  if (!refused.ok()) {
    EXPECT_EQ(refused.error().code, "E_STORE");
  }
  EXPECT_EQ(log.refused(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_FALSE(log.health().ok());
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_TRUE(log.flush().ok());
  EXPECT_TRUE(log.health().ok());
  EXPECT_TRUE(log.record_durable(event(0, 2)).ok());
}

// Audit or refuse without a blocked thread (issue 19 point 2): record_then returns at once
// and calls each completion exactly once, only after its entry is committed; concurrent
// callers share groups.
TEST(Audit, RecordThenCallsBackOnceTheEntryIsStored) {
  TempDir dir("audit-then");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  AuditLog log(*st);
  std::mutex mu;
  std::condition_variable cv;
  int called = 0, ok = 0, early = 0;
  constexpr int kEvents = 400;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEvents / 4; ++i)
        log.record_then(event(t, i), [&](Status s) {
          // Every completion comes after its own entry was counted as committed.
          const int64_t committed = log.committed();
          std::lock_guard lock(mu);
          ++called;
          if (s.ok()) ++ok;
          if (committed < called) ++early;
          cv.notify_all();
        });
    });
  for (auto& th : threads) th.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return called == kEvents; }));
  }
  EXPECT_TRUE(log.flush().ok());
  EXPECT_EQ(ok, kEvents);
  EXPECT_EQ(early, 0);
  EXPECT_EQ(all_entries(*st).size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(log.refused(), 0);
}

// Audit or refuse: a record_then whose entry cannot be made durable (the audit file's write
// lock held elsewhere) is told E_STORE within its timeout, once, and the refusal is counted.
TEST(Audit, RecordThenRefusesWhileTheAuditFileIsLocked) {
  TempDir dir("audit-then-locked");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  AuditLog log(*st, AuditOptions{std::chrono::milliseconds(300)});
  ASSERT_TRUE(log.record_durable(event(0, 0)).ok());
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(store::audit_path(dir.path()).c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Status> answers;
  log.record_then(event(0, 1), [&](Status s) {
    std::lock_guard lock(mu);
    answers.push_back(std::move(s));
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return !answers.empty(); }));
    ASSERT_FALSE(answers.front().ok());
    EXPECT_EQ(answers.front().error().code, "E_STORE");
  }
  EXPECT_EQ(log.refused(), 1);
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_TRUE(log.flush().ok());
  std::lock_guard lock(mu);
  EXPECT_EQ(answers.size(), 1u) << "the completion is called once, even when the entry lands later";
}

// DESIGN security: every read audited — editing an entry in the file is detected at that seq.
TEST(Audit, TamperedDetailIsDetected) {
  TempDir dir("audit-tamper");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  {
    AuditLog log(*st);
    for (int i = 0; i < 50; ++i) log.record(event(0, i));
    ASSERT_TRUE(log.flush().ok());
  }
  sql(dir.path(), R"(UPDATE audit SET detail = '{"thread":0,"i":999}' WHERE seq = 17)");
  auto report = verify_audit(*st);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 17);
  EXPECT_EQ(report->entries, 50);
  EXPECT_FALSE(report->problem.empty());

  // Fixing up that entry's hash too only moves the break to the next entry.
  auto entries = all_entries(*st);
  store::AuditEntry e = entries[16];
  sql(dir.path(), "UPDATE audit SET hash = '" + audit_hash(e) + "' WHERE seq = 17");
  report = verify_audit(*st);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 18);
}

// DESIGN security: every read audited — deleting an entry is detected.
TEST(Audit, DeletedEntryIsDetected) {
  TempDir dir("audit-delete");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  {
    AuditLog log(*st);
    for (int i = 0; i < 20; ++i) log.record(event(0, i));
  }
  sql(dir.path(), "DELETE FROM audit WHERE seq = 5");
  auto report = verify_audit(*st);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 5);
  EXPECT_EQ(report->entries, 19);

  sql(dir.path(), "DELETE FROM audit WHERE seq <= 5");
  report = verify_audit(*st);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 1);
}

// DESIGN security: every read audited — newlines cannot shift text between fields unnoticed.
TEST(Audit, NewlinesInFieldsAreEscaped) {
  TempDir dir("audit-newline");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  {
    AuditLog log(*st);
    AuditEvent e;
    e.actor = "operator";
    e.action = "member.view\nx";
    e.detail = "{}";
    log.record(e);
  }
  auto entries = all_entries(*st);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "member.view\\nx");
  EXPECT_TRUE(verify_audit(*st)->ok);
  // A raw newline written behind the log's back is reported even with a matching hash.
  store::AuditEntry forged = entries[0];
  forged.actor = "operator\nmember.view";
  forged.action = "x";
  sql(dir.path(),
      "UPDATE audit SET actor = 'operator' || char(10) || 'member.view', "
      "action = 'x', hash = '" +
          audit_hash(forged) + "' WHERE seq = 1");
  auto report = verify_audit(*st);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 1);
}

// DESIGN security: every read audited — a fresh store has an empty, valid chain.
TEST(Audit, EmptyLogVerifies) {
  TempDir dir("audit-empty");
  auto st = open_store(dir.path());
  ASSERT_TRUE(st);
  auto report = verify_audit(*st);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, 0);
}

// DESIGN security: every read audited — the hash is exactly the documented formula, so an
// auditor can recompute it with any SHA-256 tool.
TEST(Audit, HashFormula) {
  store::AuditEntry e;
  e.seq = 1;
  e.time_us = 2;
  e.actor = "a";
  e.action = "b";
  e.subject = "c";
  e.detail = "d";
  EXPECT_EQ(audit_hash(e), hex(sha256("\n1\n2\na\nb\nc\nd")));
}

// DESIGN security: every read audited — `onshi audit verify` on a real data directory.
TEST(AuditCli, Verify) {
  TempDir dir("audit-cli");
  {
    auto st = open_store(dir.path());
    ASSERT_TRUE(st);
    AuditLog log(*st);
    for (int i = 0; i < 30; ++i) log.record(event(0, i));
    ASSERT_TRUE(log.flush().ok());
  }
  std::string cmd =
      shell_quote(ONSHI_BINARY) + " audit verify --data-dir " + shell_quote(dir.path().string());
  auto good = run_command(cmd);
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  auto j = boost::json::parse(good.out).as_object();
  EXPECT_EQ(j.at("entries").as_int64(), 30);
  EXPECT_TRUE(j.at("ok").as_bool());

  sql(dir.path(), "UPDATE audit SET detail = '{}' WHERE seq = 12");
  auto bad = run_command(cmd);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  auto b = boost::json::parse(bad.out).as_object();
  EXPECT_EQ(b.at("entries").as_int64(), 30);
  EXPECT_FALSE(b.at("ok").as_bool());
  EXPECT_EQ(b.at("firstBadSeq").as_int64(), 12);
  EXPECT_FALSE(b.at("problem").as_string().empty());

  // A directory with no store is unusable input, not an empty valid log.
  TempDir empty("audit-cli-empty");
  auto none = run_command(shell_quote(ONSHI_BINARY) + " audit verify --data-dir " +
                          shell_quote(empty.path().string()));
  EXPECT_EQ(none.exit_code, 2);

  auto help = run_command(shell_quote(ONSHI_BINARY) + " audit verify --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--data-dir"), std::string::npos);
}

}  // namespace
}  // namespace onshi::security
