// The clinical store (store/clinical.h) on SQLite: DIR/clinical.db with the tables
// `clinical_records` and `clinical_windows`.
//
// A put is an INSERT that does nothing when the (kind, record_key) is there already; only
// then is the stored row read and compared, and replaced when it differs. A file loaded for
// the first time therefore costs one insert per row and its two index entries, which is what
// keeps the import near the sqlite3 shell's bare `.import` (docs/performance.md). One
// connection per store, opened on first use, serialised by a mutex; other processes on the
// same file are serialised by SQLite's write lock (BEGIN IMMEDIATE).
#include <algorithm>
#include <filesystem>
#include <mutex>

#include "core/date.h"
#include "store/clinical_backend.h"
#include "store/sqlite.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

const char* const kMigrations[] = {R"sql(
CREATE TABLE IF NOT EXISTS clinical_records(
  record_id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, record_key TEXT NOT NULL,
  person_link BLOB NOT NULL, card_key TEXT NOT NULL, record_date TEXT NOT NULL,
  payload BLOB NOT NULL, source TEXT NOT NULL, recorded_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS clinical_records_key ON clinical_records(kind, record_key);
CREATE INDEX IF NOT EXISTS clinical_records_person
  ON clinical_records(person_link, kind, record_date);
CREATE TABLE IF NOT EXISTS clinical_windows(
  kind INTEGER PRIMARY KEY, amount INTEGER NOT NULL, unit TEXT NOT NULL, basis TEXT NOT NULL);
)sql"};

constexpr const char* kColumns =
    "record_id,recorded_at,kind,record_key,person_link,card_key,record_date,payload,source";

ClinicalRecord read_record(Stmt& q) {
  ClinicalRecord r;
  r.record_id = q.col_i64(0);
  r.recorded_at_us = q.col_i64(1);
  r.kind = static_cast<ClinicalKind>(q.col_i64(2));
  r.record_key = q.col_text(3);
  r.person_link = q.col_blob(4);
  r.card_key = q.col_text(5);
  r.record_date = q.col_text(6);
  r.payload = q.col_blob(7);
  r.source = q.col_text(8);
  return r;
}

class SqliteClinical final : public SqliteClinicalStore {
 public:
  SqliteClinical(fs::path dir, bool create) : dir_(std::move(dir)), create_(create) {}
  ~SqliteClinical() override {
    kept_.clear();
    if (db_) sqlite3_close(db_);
  }

  Status open_now() override {
    std::lock_guard lock(mu_);
    return open_locked().status();
  }

  Result<std::vector<PutOutcome>> put_records(std::span<const ClinicalPut> items) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    const int64_t now = core::now_unix_us();
    return sqlite::write_transaction(*db, [&](sqlite3* d) { return put_in(d, items, now); });
  }

  Result<std::vector<ClinicalRecord>> records_of(std::string_view person_link, ClinicalKind kind,
                                                 std::string_view from_date,
                                                 std::string_view to_date) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, (std::string("SELECT ") + kColumns +
                 " FROM clinical_records WHERE person_link=? AND kind=? AND record_date>=? AND "
                 "record_date<=? ORDER BY record_date DESC, record_id DESC")
                    .c_str());
    q.blob(1, person_link).i64(2, static_cast<int64_t>(kind));
    q.text(3, from_date).text(4, to_date.empty() ? std::string_view("99999999") : to_date);
    std::vector<ClinicalRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_record(q));
    if (rc != SQLITE_DONE) return sqlite::error(*db, "clinical.db read");
    return out;
  }

  Result<std::vector<ClinicalViewRow>> view_rows(std::string_view person_link, ClinicalKind kind,
                                                 std::string_view from_date,
                                                 std::string_view to_date) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    auto q = kept_.use(*db,
                       "SELECT record_date,payload FROM clinical_records WHERE person_link=? AND "
                       "kind=? AND record_date>=? AND record_date<=? "
                       "ORDER BY record_date DESC, record_id DESC");
    q->blob(1, person_link).i64(2, static_cast<int64_t>(kind));
    q->text_static(3, from_date);
    q->text_static(4, to_date.empty() ? std::string_view("99999999") : to_date);
    std::vector<ClinicalViewRow> out;
    out.reserve(64);
    int rc;
    while ((rc = q->step()) == SQLITE_ROW) {
      ClinicalViewRow& r = out.emplace_back();
      r.record_date = q->col_view(0);
      r.payload = q->col_view(1);
    }
    if (rc != SQLITE_DONE) return sqlite::error(*db, "clinical.db read");
    return out;
  }

  Result<int64_t> count_records(ClinicalKind kind) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, "SELECT COUNT(*) FROM clinical_records WHERE kind=?");
    if (q.i64(1, static_cast<int64_t>(kind)).step() != SQLITE_ROW)
      return sqlite::error(*db, "clinical.db count");
    return q.col_i64(0);
  }

  Result<std::vector<ViewingWindow>> windows() override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, "SELECT kind,amount,unit,basis FROM clinical_windows ORDER BY kind");
    std::vector<ViewingWindow> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      std::string unit = q.col_text(2);
      out.push_back({static_cast<ClinicalKind>(q.col_i64(0)), static_cast<int>(q.col_i64(1)),
                     unit.empty() ? 'Y' : unit[0], q.col_text(3)});
    }
    if (rc != SQLITE_DONE) return sqlite::error(*db, "clinical.db windows");
    return out;
  }

  Status set_window(const ViewingWindow& w) override {
    if (auto st = check_window(w); !st) return st;
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.status();
    return write_window(*db, w, true);
  }

  Status scan(int64_t after_id, size_t limit,
              const std::function<bool(const ClinicalRecord&)>& fn) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, (std::string("SELECT ") + kColumns +
                 " FROM clinical_records WHERE record_id>? ORDER BY record_id LIMIT ?")
                    .c_str());
    q.i64(1, after_id).i64(2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      if (!fn(read_record(q))) return Status::Ok();
    if (rc != SQLITE_DONE) return sqlite::error(*db, "clinical.db scan");
    return Status::Ok();
  }

  Result<int64_t> put_verbatim(std::span<const ClinicalRecord> rows) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(*db, [&](sqlite3* d) { return verbatim_in(d, rows); });
  }

 private:
  // Insert, else compare and replace — inside the caller's transaction.
  static Result<std::vector<PutOutcome>> put_in(sqlite3* db, std::span<const ClinicalPut> items,
                                                int64_t now) {
    Stmt ins(db,
             "INSERT INTO clinical_records(kind,record_key,person_link,card_key,record_date,"
             "payload,source,recorded_at) VALUES(?,?,?,?,?,?,?,?) "
             "ON CONFLICT(kind,record_key) DO NOTHING");
    Stmt find(db, (std::string("SELECT ") + kColumns +
                   " FROM clinical_records WHERE kind=? AND record_key=?")
                      .c_str());
    Stmt upd(db,
             "UPDATE clinical_records SET person_link=?,card_key=?,record_date=?,payload=?,"
             "source=?,recorded_at=? WHERE record_id=?");
    // In key order (stable: items of one key keep theirs), so the unique index is walked
    // forward rather than at random; outcomes go back to the items' places.
    std::vector<size_t> order(items.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return items[a].record_key < items[b].record_key;
    });
    std::vector<PutOutcome> out(items.size(), PutOutcome::kUnchanged);
    for (size_t i : order) {
      const ClinicalPut& p = items[i];
      ins.reset();
      ins.i64(1, static_cast<int64_t>(p.kind)).text_static(2, p.record_key);
      ins.blob(3, p.person_link).text_static(4, p.card_key).text_static(5, p.record_date);
      ins.blob(6, p.payload).text_static(7, p.source).i64(8, now);
      if (ins.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db insert");
      if (sqlite3_changes(db) == 1) {
        out[i] = PutOutcome::kAdded;
        continue;
      }
      find.reset();
      find.i64(1, static_cast<int64_t>(p.kind)).text_static(2, p.record_key);
      if (find.step() != SQLITE_ROW) return sqlite::error(db, "clinical.db read");
      ClinicalRecord stored = read_record(find);
      if (same_contents(stored, p)) continue;
      upd.reset();
      upd.blob(1, p.person_link).text_static(2, p.card_key).text_static(3, p.record_date);
      upd.blob(4, p.payload).text_static(5, p.source).i64(6, now).i64(7, stored.record_id);
      if (upd.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db update");
      out[i] = PutOutcome::kChanged;
    }
    return out;
  }

  static Result<int64_t> verbatim_in(sqlite3* db, std::span<const ClinicalRecord> rows) {
    Stmt find(db, (std::string("SELECT ") + kColumns +
                   " FROM clinical_records WHERE record_id=? OR (kind=? AND record_key=?)")
                      .c_str());
    Stmt ins(db,
             "INSERT INTO clinical_records(record_id,recorded_at,kind,record_key,person_link,"
             "card_key,record_date,payload,source) VALUES(?,?,?,?,?,?,?,?,?)");
    int64_t inserted = 0;
    for (const ClinicalRecord& r : rows) {
      find.reset();
      find.i64(1, r.record_id).i64(2, static_cast<int64_t>(r.kind)).text(3, r.record_key);
      int rc = find.step();
      if (rc == SQLITE_ROW) {
        if (read_record(find) != r || find.step() == SQLITE_ROW)
          return Error{"E_COPY_CONFLICT", "clinical",
                       "clinical record " + std::to_string(r.record_id) +
                           " differs between the source and the target"};
        continue;
      }
      if (rc != SQLITE_DONE) return sqlite::error(db, "clinical.db copy");
      ins.reset();
      ins.i64(1, r.record_id).i64(2, r.recorded_at_us).i64(3, static_cast<int64_t>(r.kind));
      ins.text(4, r.record_key).blob(5, r.person_link).text(6, r.card_key);
      ins.text(7, r.record_date).blob(8, r.payload).text(9, r.source);
      if (ins.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db copy");
      ++inserted;
    }
    return inserted;
  }

  // Stores a window: replacing the kind's (`replace`), or only when the kind has none.
  static Status write_window(sqlite3* db, const ViewingWindow& w, bool replace) {
    Stmt q(db, replace ? "INSERT OR REPLACE INTO clinical_windows(kind,amount,unit,basis) "
                         "VALUES(?,?,?,?)"
                       : "INSERT OR IGNORE INTO clinical_windows(kind,amount,unit,basis) "
                         "VALUES(?,?,?,?)");
    q.i64(1, static_cast<int64_t>(w.kind)).i64(2, w.amount);
    q.text(3, std::string(1, w.unit)).text(4, w.basis);
    if (q.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db window");
    return {};
  }

  // The connection, opened (creating, migrating and seeding the windows) the first time.
  // Caller holds mu_.
  Result<sqlite3*> open_locked() {
    if (db_) return db_;
    sqlite::OpenOptions oo;
    oo.create = create_;
    oo.busy_timeout_ms = 30000;
    // A file's rows land all over both indexes (keys and persons in file order): a cache
    // that holds them keeps an import from re-reading pages (the default 2 MiB thrashes).
    oo.cache_mib = 512;
    oo.mmap_mib = 16384;
    auto db = sqlite::open_migrated(dir_ / "clinical.db", oo, kMigrations, "clinical.db");
    if (!db) return db.error();
    for (const ViewingWindow& w : default_clinical_windows())
      if (auto st = write_window(*db, w, false); !st) {
        sqlite3_close(*db);
        return st.error();
      }
    db_ = *db;
    return db_;
  }

  const fs::path dir_;
  const bool create_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
  sqlite::StmtCache kept_;  // the views' read, prepared once on db_
};

}  // namespace

std::unique_ptr<SqliteClinicalStore> make_sqlite_clinical(const std::filesystem::path& dir,
                                                          bool create) {
  return std::make_unique<SqliteClinical>(dir, create);
}

}  // namespace onshi::store::detail
