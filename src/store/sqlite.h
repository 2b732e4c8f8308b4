// The small SQLite toolkit every onshi database uses (the store, the institution registry,
// the bulk-inquiry results): opening a file in WAL mode with the house pragmas, numbered
// migrations kept in `PRAGMA user_version`, and a prepared statement that only ever binds
// values. One place decides how onshi talks to SQLite, so the files behave alike.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace onshi::store::sqlite {

struct OpenOptions {
  bool create = true;
  bool full_mutex = false;  // one connection shared by threads (serialised by SQLite)
  int64_t cache_mib = 0;    // 0 = SQLite's default page cache
  int64_t mmap_mib = 0;     // memory-mapped reads; 0 = off
  int page_size = 0;        // bytes a page for a file created now; 0 = SQLite's (4096)
  int busy_timeout_ms = 30000;
};

// Opens `file` with journal_mode=WAL, synchronous=NORMAL, foreign keys, in-memory temp
// store. Errors: E_STORE_OPEN.
Result<sqlite3*> open(const std::filesystem::path& file, const OpenOptions& options);

// Brings the schema from its `PRAGMA user_version` to migrations.size(), one transaction per
// migration. Errors: E_STORE_SCHEMA (the file is newer than `migrations`; field `field`),
// E_STORE.
Status migrate(sqlite3* db, std::span<const char* const> migrations,
               const std::string& what, const std::string& field = "");

// Opens `file` (creating its directory with `options.create`) and migrates it: the way in of
// the stores that open their file on first use. A failed migration closes the connection
// again and is E_STORE_OPEN (E_STORE_SCHEMA stays), its message prefixed with `what`.
Result<sqlite3*> open_migrated(const std::filesystem::path& file, const OpenOptions& options,
                               std::span<const char* const> migrations, const std::string& what);

Status exec(sqlite3* db, const char* sql);
Error error(sqlite3* db, const std::string& what);  // E_STORE with SQLite's message

inline Status status_of(const Status& s) { return s; }
template <class T>
Status status_of(const Result<T>& r) {
  return r.status();
}

// Runs `fn(db)` inside BEGIN IMMEDIATE … COMMIT (the file's one writer at a time, across
// processes), and ROLLBACK when `fn` or the commit fails. `fn` returns a Status or a
// Result<T>; its value is returned when the transaction committed, else the error.
template <class Fn>
auto write_transaction(sqlite3* db, Fn fn) -> decltype(fn(db)) {
  if (auto st = exec(db, "BEGIN IMMEDIATE"); !st) return st.error();
  auto r = fn(db);
  Status st = r ? exec(db, "COMMIT") : status_of(r);
  if (!st) {
    exec(db, "ROLLBACK");
    return st.error();
  }
  return r;
}

// A prepared statement, finalised on scope exit; values are only ever bound.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql, bool persistent = false);
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~Stmt() { sqlite3_finalize(s_); }

  bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() { return s_; }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int step() { return s_ ? sqlite3_step(s_) : SQLITE_ERROR; }

  Stmt& text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Binds without copying, for hot paths: `v` must outlive the next reset().
  Stmt& text_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& text_or_null(int i, std::string_view v) {
    if (v.empty()) {
      sqlite3_bind_null(s_, i);
      return *this;
    }
    return text(i, v);
  }
  Stmt& blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Binds without copying, for hot paths: `v` must outlive the next reset().
  Stmt& blob_static(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& blob_or_null(int i, std::string_view v) {
    if (v.empty()) {
      sqlite3_bind_null(s_, i);
      return *this;
    }
    return blob(i, v);
  }
  Stmt& i64(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }

  std::string col_text(int i) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, sqlite3_column_bytes(s_, i)) : std::string();
  }
  std::string col_blob(int i) {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p ? std::string(p, sqlite3_column_bytes(s_, i)) : std::string();
  }
  // A view into SQLite's buffer, valid until the next step/reset.
  std::string_view col_view(int i) {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i)))
             : std::string_view();
  }
  int64_t col_i64(int i) { return sqlite3_column_int64(s_, i); }
  bool col_null(int i) { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Statements kept prepared on one connection, by their SQL text, for the reads on a hot path
// (a statement prepared per call cost more than the read itself). `use` hands one out ready
// to bind; the lease resets it and clears its bindings when it goes out of scope, so no read
// transaction stays open between calls. Not thread-safe: whoever serialises the connection
// serialises its cache. Clear it before closing the connection (close refuses while
// statements are alive).
class StmtCache {
 public:
  class Lease {
   public:
    explicit Lease(Stmt* s) : s_(s) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { s_->reset(); }
    Stmt& operator*() { return *s_; }
    Stmt* operator->() { return s_; }

   private:
    Stmt* s_;
  };
  // The statement of `sql` on `db`, prepared on first use (a failed prepare is not kept: the
  // statement's step then answers SQLITE_ERROR and sqlite3_errmsg(db) says why).
  Lease use(sqlite3* db, const char* sql);
  void clear() { stmts_.clear(); }

 private:
  std::unordered_map<std::string, Stmt> stmts_;
  Stmt failed_;
};

}  // namespace onshi::store::sqlite
