// The clinical store (store/clinical.h) on SQLite: DIR/clinical.db with the tables
// `clinical_records` and `clinical_windows`.
//
// A put is an INSERT that does nothing when the (kind, record_key) is there already; only
// then is the stored row read and compared, and replaced when it differs. A file loaded for
// the first time therefore costs one insert per row and its two index entries, which is what
// keeps the import near the sqlite3 shell's bare `.import` (docs/performance.md). One
// connection per store, opened on first use, serialised by a mutex; other processes on the
// same file are serialised by SQLite's write lock (BEGIN IMMEDIATE).
//
// A bulk load (begin_bulk … finish_bulk) into an empty table drops the two indexes, appends
// the rows in file order — the one b-tree the sqlite3 shell's `.import` also writes — and
// creates the indexes again by one sort each at the end. The load holds the flock
// DIR/.onshi-clinical-load.lock from before the indexes are dropped until after they are
// back; missing indexes with that lock free mean a load was cut short, and whoever sees that
// first (an open, a write) creates them in one transaction, so a crash leaves the rows of the
// batches written, indexed, as put_records would have.
#include <algorithm>
#include <filesystem>
#include <mutex>

#include "core/date.h"
#include "core/dir_lock.h"
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

// The indexes a bulk load leaves out, and how they come back (the first migration's).
constexpr const char* kDropIndexes =
    "DROP INDEX IF EXISTS clinical_records_key; DROP INDEX IF EXISTS clinical_records_person;";
constexpr const char* kCreateIndexes =
    "CREATE UNIQUE INDEX IF NOT EXISTS clinical_records_key ON clinical_records(kind, record_key);"
    "CREATE INDEX IF NOT EXISTS clinical_records_person "
    "ON clinical_records(person_link, kind, record_date);";
constexpr const char* kLoadRole = "clinical-load";
// While a bulk load appends rows it checkpoints the WAL every 64 MiB instead of every 4 MiB,
// and keeps a small page cache: appended pages are not read again, and a large cache would
// only allocate a fresh page for each. The indexes are built with SQLite's sorter on two
// threads and the same small cache, which also bounds the sorter's runs: sorting 16 MiB runs
// and merging them took a third less time than one run the size of the 512 MiB cache
// (docs/performance.md). All is set back afterwards.
constexpr int64_t kCacheMib = 512;  // the connection's page cache (open_locked)
constexpr const char* kBulkPragmas =
    "PRAGMA wal_autocheckpoint=16384; PRAGMA cache_size=-16384; PRAGMA threads=2;";
const std::string kNormalPragmas = "PRAGMA threads=0; PRAGMA wal_autocheckpoint=1000; "
                                   "PRAGMA cache_size=-" + std::to_string(kCacheMib * 1024) + ";";

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
    return sqlite::write_transaction(*db, [&](sqlite3* d) -> Result<std::vector<PutOutcome>> {
      if (auto st = indexes_ready(d); !st) return st.error();
      return put_in(d, items, now);
    });
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
    return sqlite::write_transaction(*db, [&](sqlite3* d) -> Result<int64_t> {
      if (auto st = indexes_ready(d); !st) return st.error();
      return verbatim_in(d, rows);
    });
  }

  Result<bool> begin_bulk() override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    if (bulk_) return true;
    auto held = core::DirLock::acquire(dir_, kLoadRole, "clinical", "a clinical import");
    if (!held) return false;  // another load, or a recovery: this one goes row by row
    auto began = sqlite::write_transaction(*db, [&](sqlite3* d) -> Result<bool> {
      Stmt q(d, "SELECT EXISTS(SELECT 1 FROM clinical_records)");
      if (q.step() != SQLITE_ROW) return sqlite::error(d, "clinical.db bulk load");
      const bool empty = q.col_i64(0) == 0;
      q = Stmt();  // finalised: a pending read would block DROP INDEX
      // Not empty: a load cut short before this one's open is completed instead.
      if (auto st = sqlite::exec(d, empty ? kDropIndexes : kCreateIndexes); !st)
        return st.error();
      return empty;
    });
    if (!began) return began.error();
    if (*began) {
      load_lock_ = std::move(*held);
      bulk_ = true;
      // Fewer, larger checkpoints while the rows are appended (each one syncs both files).
      sqlite::exec(*db, kBulkPragmas);
    }
    return *began;
  }

  Status put_bulk(std::span<const ClinicalPut> items) override {
    std::unique_lock lock(mu_);
    if (!bulk_) {
      lock.unlock();
      return put_records(items).status();
    }
    const int64_t now = core::now_unix_us();
    return sqlite::write_transaction(db_, [&](sqlite3* d) -> Status {
      Stmt ins(d,
               "INSERT INTO clinical_records(kind,record_key,person_link,card_key,record_date,"
               "payload,source,recorded_at) VALUES(?,?,?,?,?,?,?,?)");
      for (const ClinicalPut& p : items) {
        ins.reset();
        ins.i64(1, static_cast<int64_t>(p.kind)).text_static(2, p.record_key);
        ins.blob(3, p.person_link).text_static(4, p.card_key).text_static(5, p.record_date);
        ins.blob(6, p.payload).text_static(7, p.source).i64(8, now);
        if (ins.step() != SQLITE_DONE) return sqlite::error(d, "clinical.db insert");
      }
      return Status::Ok();
    });
  }

  Status finish_bulk() override {
    std::lock_guard lock(mu_);
    if (!bulk_) return Status::Ok();
    Status st = sqlite::write_transaction(
        db_, [](sqlite3* d) { return sqlite::exec(d, kCreateIndexes); });
    sqlite::exec(db_, kNormalPragmas.c_str());
    // Released even on failure: the next writer then finds the indexes missing and the lock
    // free, and creates them.
    load_lock_ = core::DirLock();
    bulk_ = false;
    return st;
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

  // Inside a write transaction, before a write that needs the indexes: Ok when they are
  // there; E_LOCKED while a bulk load runs; a load cut short (indexes missing, its lock free)
  // is completed here, in this transaction.
  Status indexes_ready(sqlite3* db) {
    if (bulk_)
      return Status::Fail("E_LOCKED", "clinical",
                          "clinical.db は一括登録の最中です。終わってから書き込んでください");
    auto present = indexes_present(db);
    if (!present) return present.status();
    if (*present) return Status::Ok();
    auto held = core::DirLock::acquire(dir_, kLoadRole, "clinical", "a clinical import");
    if (!held)
      return held.error().code == "E_LOCKED"
                 ? Status::Fail("E_LOCKED", "clinical",
                                "clinical.db は別の処理（onshi clinical import）が一括登録中です。"
                                "終わってから書き込んでください")
                 : held.status();
    return sqlite::exec(db, kCreateIndexes);
  }

  static Result<bool> indexes_present(sqlite3* db) {
    Stmt q(db,
           "SELECT COUNT(*) FROM sqlite_schema WHERE type='index' AND "
           "name IN ('clinical_records_key','clinical_records_person')");
    if (q.step() != SQLITE_ROW) return sqlite::error(db, "clinical.db schema");
    return q.col_i64(0) == 2;
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
    oo.cache_mib = kCacheMib;
    oo.mmap_mib = 16384;
    auto db = sqlite::open_migrated(dir_ / "clinical.db", oo, kMigrations, "clinical.db");
    if (!db) return db.error();
    for (const ViewingWindow& w : default_clinical_windows())
      if (auto st = write_window(*db, w, false); !st) {
        sqlite3_close(*db);
        return st.error();
      }
    // A bulk load cut short: its indexes, now (readers would otherwise scan the table).
    auto present = indexes_present(*db);
    Status ready = present.status();
    if (present && !*present)
      ready = sqlite::write_transaction(*db, [&](sqlite3* d) -> Status {
        Status st = indexes_ready(d);
        return st || st.error().code == "E_LOCKED" ? Status::Ok() : st;
      });
    if (!ready) {
      sqlite3_close(*db);
      return ready.error();
    }
    db_ = *db;
    return db_;
  }

  const fs::path dir_;
  const bool create_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
  core::DirLock load_lock_;  // held from begin_bulk to finish_bulk
  bool bulk_ = false;
  sqlite::StmtCache kept_;  // the views' read, prepared once on db_
};

}  // namespace

std::unique_ptr<SqliteClinicalStore> make_sqlite_clinical(const std::filesystem::path& dir,
                                                          bool create) {
  return std::make_unique<SqliteClinical>(dir, create);
}

}  // namespace onshi::store::detail
