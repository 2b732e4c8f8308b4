// Opening, migrating and executing for every onshi SQLite file (see sqlite.h).
//
// Memory statistics are switched off once per process before the first connection: they
// take a global mutex on every SQLite allocation, which showed on the import's writer.
//
// A new file is turned to WAL under an exclusive lock, and SQLite runs no busy handler for
// that lock: two connections opening one new file at once (two servers, or the bulk and
// member stores' first use on two threads) could be told "database is locked" at once. The
// conversion is therefore retried, within the connection's busy timeout, until the file is WAL.
#include "store/sqlite.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace onshi::store::sqlite {
namespace {

void configure_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

// journal_mode=WAL, retried while another connection holds the lock the conversion needs.
// A file that cannot be WAL (an in-memory one) keeps the mode SQLite answers with.
Status use_wal(sqlite3* db, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (int pause_ms = 1;; pause_ms = std::min(pause_ms * 2, 50)) {
    Stmt q(db, "PRAGMA journal_mode=WAL");
    const int rc = q.ok() ? q.step() : sqlite3_errcode(db);
    if (rc == SQLITE_ROW) return {};
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= until)
      return Status::Fail("E_STORE", "", std::string("journal_mode=WAL: ") + sqlite3_errmsg(db));
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
}

}  // namespace

Error error(sqlite3* db, const std::string& what) {
  return Error{"E_STORE", "", what + ": " + (db ? sqlite3_errmsg(db) : "no connection")};
}

Status exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return Status::Fail("E_STORE", "", m);
  }
  return {};
}

Stmt::Stmt(sqlite3* db, const char* sql, bool persistent) {
  if (sqlite3_prepare_v3(db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s_,
                         nullptr) != SQLITE_OK)
    s_ = nullptr;
}

StmtCache::Lease StmtCache::use(sqlite3* db, const char* sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    Stmt s(db, sql, true);
    if (!s.ok()) return Lease(&failed_);
    it = stmts_.emplace(sql, std::move(s)).first;
  }
  return Lease(&it->second);
}

Result<sqlite3*> open(const std::filesystem::path& file, const OpenOptions& o) {
  configure_once();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (o.full_mutex ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX) |
              (o.create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(file.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e{"E_STORE_OPEN", "", "cannot open " + file.string() + ": " +
                                    (db ? sqlite3_errmsg(db) : "out of memory")};
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_busy_timeout(db, o.busy_timeout_ms);
  // The page size first: it only takes for a file that holds nothing yet.
  const std::string size =
      o.page_size > 0 ? "PRAGMA page_size=" + std::to_string(o.page_size) + ";" : "";
  std::string rest = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
  if (o.cache_mib > 0) rest += " PRAGMA cache_size=-" + std::to_string(o.cache_mib * 1024) + ";";
  rest += " PRAGMA mmap_size=" + std::to_string(o.mmap_mib * 1024 * 1024) + ";";
  Status st = exec(db, size.c_str());
  if (st) st = use_wal(db, o.busy_timeout_ms);
  if (st) st = exec(db, rest.c_str());
  if (!st) {
    sqlite3_close_v2(db);
    return Error{"E_STORE_OPEN", "", st.error().message};
  }
  return db;
}

namespace {

Result<int> user_version(sqlite3* db) {
  Stmt v(db, "PRAGMA user_version");
  if (v.step() != SQLITE_ROW) return error(db, "user_version");
  return static_cast<int>(v.col_i64(0));
}

}  // namespace

// The version is read again inside each immediate transaction, so two processes opening a
// new file at once apply every migration once (the second finds it done).
Status migrate(sqlite3* db, std::span<const char* const> migrations, const std::string& what,
               const std::string& field) {
  const int latest = static_cast<int>(migrations.size());
  auto newer = [&](int version) {
    return Status::Fail("E_STORE_SCHEMA", field,
                        what + " schema version " + std::to_string(version) +
                            " is newer than this onshi supports (" + std::to_string(latest) + ")");
  };
  auto seen = user_version(db);
  if (!seen) return seen.error();
  if (*seen > latest) return newer(*seen);
  if (*seen == latest) return {};
  for (;;) {
    if (auto st = exec(db, "BEGIN IMMEDIATE"); !st) return st;
    auto version = user_version(db);
    Status st = version ? Status() : Status(version.error());
    if (st && *version > latest) st = newer(*version);
    if (st && *version == latest) return exec(db, "COMMIT");
    if (st) st = exec(db, migrations[static_cast<size_t>(*version)]);
    if (st) st = exec(db, ("PRAGMA user_version=" + std::to_string(*version + 1)).c_str());
    if (!st) {
      exec(db, "ROLLBACK");
      return st;
    }
    if (auto c = exec(db, "COMMIT"); !c) return c;
  }
}

Result<sqlite3*> open_migrated(const std::filesystem::path& file, const OpenOptions& options,
                               std::span<const char* const> migrations, const std::string& what) {
  std::error_code ec;
  if (options.create && file.has_parent_path())
    std::filesystem::create_directories(file.parent_path(), ec);
  auto db = open(file, options);
  if (!db) return db.error();
  if (auto st = migrate(*db, migrations, what); !st) {
    sqlite3_close(*db);
    Error e = st.error();
    if (e.code == "E_STORE") e.code = "E_STORE_OPEN";
    e.message = what + ": " + e.message;
    return e;
  }
  return *db;
}

}  // namespace onshi::store::sqlite
