// The bulk-inquiry receptions (store/bulk.h) on SQLite: DIR/bulk.db with the table
// `bulk_receptions`, the file and table the bulk routes have always used.
//
// A reception number is the next row number (MAX(seq)+1), allocated, rendered into the
// document and stored inside one write transaction (BEGIN IMMEDIATE), so two connections on
// one file — two `Database` objects or two processes — never allocate the same number. One
// connection per store, opened on first use, serialised by a mutex.
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "core/date.h"
#include "store/backends.h"
#include "store/bulk.h"
#include "store/sqlite.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

const char* const kMigrations[] = {R"sql(
CREATE TABLE IF NOT EXISTS bulk_receptions(
  seq INTEGER PRIMARY KEY, reception_number TEXT NOT NULL UNIQUE,
  institution TEXT NOT NULL, created_us INTEGER NOT NULL, document BLOB NOT NULL);
)sql"};

class SqliteBulk final : public SqliteBulkStore {
 public:
  SqliteBulk(fs::path dir, bool create) : dir_(std::move(dir)), create_(create) {}
  ~SqliteBulk() override {
    if (db_) sqlite3_close(db_);
  }

  Status open_now() override {
    std::lock_guard lock(mu_);
    return open_locked().status();
  }

  Result<std::string> add(std::string_view institution, int64_t now_us,
                          const Render& render) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(
        *db, [&](sqlite3* d) { return add_in_transaction(d, institution, now_us, render); });
  }

  Result<std::optional<std::string>> get(std::string_view reception_number,
                                         std::string_view institution) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, "SELECT document FROM bulk_receptions WHERE reception_number=? AND institution=?");
    q.text(1, reception_number).text(2, institution);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return sqlite::error(*db, "bulk.db read");
    return std::optional<std::string>(q.col_blob(0));
  }

  Status scan(int64_t after_seq, size_t limit,
              const std::function<bool(const BulkReception&)>& fn) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db,
           "SELECT seq,reception_number,institution,created_us,document FROM bulk_receptions "
           "WHERE seq > ? ORDER BY seq LIMIT ?");
    q.i64(1, after_seq).i64(2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      if (!fn(read_reception(q))) return Status::Ok();
    if (rc != SQLITE_DONE) return sqlite::error(*db, "bulk.db scan");
    return Status::Ok();
  }

  // The next number stays MAX(seq)+1, so it continues after the copied rows by itself.
  Result<int64_t> put_verbatim(std::span<const BulkReception> rows) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(
        *db, [&](sqlite3* d) { return put_verbatim_in_transaction(d, rows); });
  }

 private:
  static BulkReception read_reception(Stmt& q) {
    return {q.col_i64(0), q.col_text(1), q.col_text(2), q.col_i64(3), q.col_blob(4)};
  }

  // Compares each row with what is stored under its seq or number, inserts the absent ones.
  static Result<int64_t> put_verbatim_in_transaction(sqlite3* db,
                                                     std::span<const BulkReception> rows) {
    Stmt find(db,
              "SELECT seq,reception_number,institution,created_us,document FROM bulk_receptions "
              "WHERE seq=? OR reception_number=?");
    Stmt ins(db,
             "INSERT INTO bulk_receptions(seq,reception_number,institution,created_us,document)"
             " VALUES(?,?,?,?,?)");
    int64_t inserted = 0;
    for (const auto& r : rows) {
      find.reset();
      find.i64(1, r.seq).text(2, r.reception_number);
      int rc = find.step();
      if (rc == SQLITE_ROW) {
        if (read_reception(find) != r)
          return Error{
              "E_COPY_CONFLICT", "bulk",
              "reception " + r.reception_number + " differs between the source and the target"};
        continue;
      }
      if (rc != SQLITE_DONE) return sqlite::error(db, "bulk.db copy");
      ins.reset();
      ins.i64(1, r.seq).text(2, r.reception_number).text(3, r.institution);
      ins.i64(4, r.created_us).blob(5, r.document);
      if (ins.step() != SQLITE_DONE) return sqlite::error(db, "bulk.db copy");
      ++inserted;
    }
    return inserted;
  }

  // The connection, opened (creating and migrating the file) the first time. Caller holds mu_.
  Result<sqlite3*> open_locked() {
    if (db_) return db_;
    sqlite::OpenOptions oo;
    oo.create = create_;
    oo.busy_timeout_ms = 10000;
    auto db = sqlite::open_migrated(dir_ / "bulk.db", oo, kMigrations, "bulk.db");
    if (!db) return db.error();
    db_ = *db;
    return db_;
  }

  // Retention, the next number, the document, the row — inside the caller's transaction.
  static Result<std::string> add_in_transaction(sqlite3* db, std::string_view institution,
                                                int64_t now_us, const Render& render) {
    Stmt purge(db, "DELETE FROM bulk_receptions WHERE created_us < ?");
    if (purge.i64(1, now_us - kBulkKeepUs).step() != SQLITE_DONE)
      return sqlite::error(db, "bulk.db purge");
    int64_t seq = 1;
    {
      Stmt next(db, "SELECT COALESCE(MAX(seq),0)+1 FROM bulk_receptions");
      if (next.step() != SQLITE_ROW) return sqlite::error(db, "bulk.db number");
      seq = next.col_i64(0);
    }
    char digits[16];
    std::snprintf(digits, sizeof digits, "%08lld", static_cast<long long>(seq % 100000000));
    std::string number = core::timestamp_jst(now_us).substr(0, 8) + digits;
    auto rendered = render(number);
    if (!rendered) return rendered.error();
    Stmt ins(db,
             "INSERT INTO bulk_receptions(seq,reception_number,institution,created_us,document)"
             " VALUES(?,?,?,?,?)");
    ins.i64(1, seq).text(2, number).text(3, institution).i64(4, now_us).blob(5, *rendered);
    if (ins.step() != SQLITE_DONE) return sqlite::error(db, "bulk.db insert");
    return number;
  }

  const fs::path dir_;
  const bool create_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<SqliteBulkStore> make_sqlite_bulk(const std::filesystem::path& dir, bool create) {
  return std::make_unique<SqliteBulk>(dir, create);
}

}  // namespace onshi::store::detail
