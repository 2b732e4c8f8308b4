// The clinical store (store/clinical.h) on SQLite: DIR/clinical.db with the tables
// `clinical_records`, `clinical_keys`, `clinical_sources` (each row's source once),
// `clinical_next` (the next record_id) and `clinical_windows`.
//
// `clinical_records` is a WITHOUT ROWID table ordered by (person_link, kind, record_date,
// record_id): what a view reads, so one person's medication is one contiguous range of a few
// pages, read newest first by walking it backwards. A row keeps its record_key without the card
// key it starts with (the card key is a column of its own) and its source as a number.
// `clinical_keys`, ordered by (kind, key_hash, record_id) — key_hash a 64-bit hash of the
// natural key (store/clinical_rows.h) — is the key index as a table of its own: it finds a row
// by its key wherever its person or day now file it (a prescription gets its dispensing day
// later; a qualification may be linked to another person); every hit is compared on the full
// record_key, so two keys sharing a hash are two rows.
//
// A put looks the key up there: a new key is inserted with the next record_id, the same
// contents are left alone, other contents replace the row (moved when its person or day
// changed, keeping its record_id and its key entry). One connection per store, opened on first
// use, serialised by a mutex; other processes on the same file are serialised by SQLite's
// write lock (BEGIN IMMEDIATE). Every write transaction moves the change counter
// DIR/clinical.gen (ticket_cache.h's ChangeCounter), which `generation()` answers for the
// views' cache.
//
// A bulk load (begin_bulk … finish_bulk) into an empty table drops the key table, keeps the
// rows in memory (BulkRows), sorts them into the table's order and appends them — each page
// written once, at the table's end, as the sqlite3 shell's `.import` writes its table —, and
// meanwhile sorts the key entries on another thread, then appends them into a new key table
// (no second read of the rows, as CREATE INDEX would make). Past kBulkBytes of rows the sorted
// rows so far are written early (the next run then lands between them). The load holds the
// flock DIR/.onshi-clinical-load.lock from before the key table is dropped until after it is
// back; a missing key table with that lock free means a load was cut short, and whoever sees
// that first (an open, a write) makes it from the rows in one transaction, so a crash leaves
// the rows of the transactions committed, indexed, as put_records would have (the scheme every
// bulk load shares: bulk_load_detail.h).
//
// size: one class implements the clinical store over one file; its puts, its bulk load and the
// completion of a load cut short share the connection, its mutex and the change counter that
// every write transaction moves, so they stay together.
#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "core/date.h"
#include "core/dir_lock.h"
#include "store/bulk_load_detail.h"
#include "store/clinical_backend.h"
#include "store/clinical_rows.h"
#include "store/sqlite.h"
#include "store/sqlite_memory_rows.h"
#include "store/ticket_cache.h"

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
)sql",
                                   // 2: the table ordered as the views read it, one index.
                                   R"sql(
ALTER TABLE clinical_records RENAME TO clinical_records_v1;
DROP INDEX IF EXISTS clinical_records_key;
DROP INDEX IF EXISTS clinical_records_person;
CREATE TABLE clinical_records(
  person_link BLOB NOT NULL, kind INTEGER NOT NULL, record_date TEXT NOT NULL,
  record_id INTEGER NOT NULL, key_hash INTEGER NOT NULL, record_key TEXT NOT NULL,
  card_key TEXT NOT NULL, payload BLOB NOT NULL, source TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY(person_link, kind, record_date, record_id)) WITHOUT ROWID;
INSERT INTO clinical_records
  SELECT person_link, kind, record_date, record_id, onshi_key_hash(record_key), record_key,
         card_key, payload, source, recorded_at
  FROM clinical_records_v1 ORDER BY person_link, kind, record_date, record_id;
DROP TABLE clinical_records_v1;
CREATE INDEX clinical_records_key ON clinical_records(kind, key_hash);
CREATE TABLE clinical_next(id INTEGER NOT NULL);
INSERT INTO clinical_next SELECT COALESCE(MAX(record_id), 0) + 1 FROM clinical_records;
)sql",
                                   // 3: narrower rows — the source once in its own table,
                                   // the key without the card key it starts with — and the
                                   // key index a table of its own, which a bulk load appends.
                                   R"sql(
CREATE TABLE clinical_sources(source_id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE);
INSERT INTO clinical_sources(source) SELECT DISTINCT source FROM clinical_records;
ALTER TABLE clinical_records RENAME TO clinical_records_v2;
DROP INDEX IF EXISTS clinical_records_key;
CREATE TABLE clinical_records(
  person_link BLOB NOT NULL, kind INTEGER NOT NULL, record_date TEXT NOT NULL,
  record_id INTEGER NOT NULL, key_rest TEXT NOT NULL, key_on_card INTEGER NOT NULL,
  card_key TEXT NOT NULL, payload BLOB NOT NULL, source_id INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY(person_link, kind, record_date, record_id)) WITHOUT ROWID;
INSERT INTO clinical_records
  SELECT person_link, kind, record_date, record_id,
         CASE WHEN onshi_starts_with(record_key, card_key)
              THEN CAST(substr(CAST(record_key AS BLOB), length(CAST(card_key AS BLOB)) + 1)
                        AS TEXT)
              ELSE record_key END,
         onshi_starts_with(record_key, card_key), card_key, payload,
         (SELECT source_id FROM clinical_sources s WHERE s.source = v.source), recorded_at
  FROM clinical_records_v2 v ORDER BY person_link, kind, record_date, record_id;
CREATE TABLE clinical_keys(
  kind INTEGER NOT NULL, key_hash INTEGER NOT NULL, record_id INTEGER NOT NULL,
  person_link BLOB NOT NULL, record_date TEXT NOT NULL,
  PRIMARY KEY(kind, key_hash, record_id)) WITHOUT ROWID;
INSERT INTO clinical_keys
  SELECT kind, key_hash, record_id, person_link, record_date FROM clinical_records_v2
  ORDER BY kind, key_hash, record_id;
DROP TABLE clinical_records_v2;
)sql"};

// A row's record_key as stored (the third migration), in SQL.
#define ONSHI_CLINICAL_KEY                                                                    \
  "CASE key_on_card WHEN 1 THEN CAST(CAST(card_key AS BLOB)||CAST(key_rest AS BLOB) AS TEXT) " \
  "ELSE key_rest END"
constexpr const char* kKeysTable =
    "CREATE TABLE IF NOT EXISTS clinical_keys("
    "kind INTEGER NOT NULL, key_hash INTEGER NOT NULL, record_id INTEGER NOT NULL, "
    "person_link BLOB NOT NULL, record_date TEXT NOT NULL, "
    "PRIMARY KEY(kind, key_hash, record_id)) WITHOUT ROWID;";
// The key table a bulk load leaves out, and how it is made from the rows when a load was cut
// short (a load that finishes appends it from memory: finish_bulk).
const BulkTable kTable{
    "clinical_records",
    {"clinical_keys"},
    std::string(kKeysTable) +
        "INSERT INTO clinical_keys SELECT kind, onshi_key_hash(" ONSHI_CLINICAL_KEY
        "), record_id, person_link, record_date FROM clinical_records ORDER BY 1, 2, 3;",
    "clinical-load",
    "clinical",
    "a clinical import",
    "clinical.db は一括登録（onshi clinical import）の最中です。終わってから書き込んでください"};
// While a bulk load appends rows it checkpoints the WAL every 64 MiB instead of every 4 MiB,
// and keeps a small page cache: appended pages are not read again, and a large cache would
// only allocate a fresh page for each. Both are set back afterwards.
constexpr int64_t kCacheMib = 512;  // the connection's page cache (open_locked)
// A new clinical.db gets 16 KiB pages (SQLite's default is 4 KiB; an existing file keeps its
// own): a bulk load appends a quarter of the pages, with a quarter of the writes, and a
// person's medication of three years (about 40 KiB) lies on about three pages.
// Larger pages would cost more: a put that changes one row writes its whole page to the WAL.
constexpr int kPageSize = 16384;
constexpr const char* kBulkPragmas = "PRAGMA wal_autocheckpoint=16384; PRAGMA cache_size=-16384;";
const std::string kNormalPragmas = "PRAGMA wal_autocheckpoint=1000; PRAGMA cache_size=-" +
                                   std::to_string(kCacheMib * 1024) + ";";
// A bulk load's rows held in memory before they are written (about 280 bytes a medication
// row with its key entry: 10 M rows fit), and the rows per transaction when they are (one
// INSERT … SELECT each; fewer commits, fewer syncs).
constexpr size_t kBulkBytes = size_t{4} << 30;
constexpr size_t kBulkTransaction = 1000000;
constexpr size_t kPrefetchAhead = 8;  // rows read ahead of the one inserted

// A row's columns as ClinicalRecord has them: the key whole again (ONSHI_CLINICAL_KEY), the
// source by its id in clinical_sources.
constexpr const char* kColumns =
    "record_id,recorded_at,kind," ONSHI_CLINICAL_KEY
    ",person_link,card_key,record_date,payload,"
    "(SELECT source FROM clinical_sources s WHERE s.source_id=clinical_records.source_id)";
constexpr const char* kInsert =
    "INSERT INTO clinical_records(person_link,kind,record_date,record_id,key_rest,key_on_card,"
    "card_key,payload,source_id,recorded_at) VALUES(?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kInsertKey =
    "INSERT OR REPLACE INTO clinical_keys(kind,key_hash,record_id,person_link,record_date) "
    "VALUES(?,?,?,?,?)";
constexpr const char* kAt = " FROM clinical_records WHERE person_link=? AND kind=? AND "
                            "record_date=? AND record_id=?";

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

// onshi_key_hash(record_key), for the second migration.
void key_hash_sql(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  auto n = static_cast<size_t>(sqlite3_value_bytes(argv[0]));
  sqlite3_result_int64(ctx, clinical_key_hash(std::string_view(p ? p : "", p ? n : 0)));
}

// onshi_starts_with(a, b): whether a's bytes begin with b's, for the third migration.
void starts_with_sql(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto text = [](sqlite3_value* v) {
    auto p = static_cast<const char*>(sqlite3_value_blob(v));
    return std::string_view(p ? p : "", p ? static_cast<size_t>(sqlite3_value_bytes(v)) : 0);
  };
  sqlite3_result_int(ctx, text(argv[0]).starts_with(text(argv[1])) ? 1 : 0);
}

// The id of each source a transaction's rows name, inserted when new. One per transaction: an
// id it hands out is stored only once that transaction commits.
class SourceIds {
 public:
  explicit SourceIds(sqlite3* db)
      : db_(db),
        ins_(db, "INSERT OR IGNORE INTO clinical_sources(source) VALUES(?)"),
        sel_(db, "SELECT source_id FROM clinical_sources WHERE source=?") {}
  Result<int64_t> id_of(std::string_view source) {
    if (known_ && source == last_) return id_;
    ins_.reset();
    sel_.reset();
    if (ins_.text(1, source).step() != SQLITE_DONE || sel_.text(1, source).step() != SQLITE_ROW)
      return sqlite::error(db_, "clinical.db source");
    last_.assign(source);
    known_ = true;
    return id_ = sel_.col_i64(0);
  }

 private:
  sqlite3* db_;
  Stmt ins_, sel_;
  std::string last_;
  bool known_ = false;
  int64_t id_ = 0;
};

// Binds one row to kInsert, without copying: the values must outlive the step.
void bind_insert(Stmt& ins, const BulkRows::Row& r, int64_t source_id, int64_t at) {
  ins.reset();
  sqlite3_bind_blob(ins.get(), 1, r.person_link.data(), static_cast<int>(r.person_link.size()),
                    SQLITE_STATIC);
  ins.i64(2, static_cast<int64_t>(r.kind)).text_static(3, r.record_date).i64(4, r.record_id);
  ins.text_static(5, r.key_rest).i64(6, r.key_on_card ? 1 : 0).text_static(7, r.card_key);
  sqlite3_bind_blob(ins.get(), 8, r.payload.data(), static_cast<int>(r.payload.size()),
                    SQLITE_STATIC);
  ins.i64(9, source_id).i64(10, at);
}

// Binds and steps one key table entry (kInsertKey).
Status insert_key(sqlite3* db, Stmt& ins, ClinicalKind kind, int64_t key_hash, int64_t record_id,
                  std::string_view person_link, std::string_view record_date) {
  ins.reset();
  ins.i64(1, static_cast<int64_t>(kind)).i64(2, key_hash).i64(3, record_id);
  sqlite3_bind_blob(ins.get(), 4, person_link.data(), static_cast<int>(person_link.size()),
                    SQLITE_STATIC);
  ins.text_static(5, record_date);
  if (ins.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db key");
  return {};
}

// The statements that store a row outside a bulk load: the row, its source and its key.
struct RowWriter {
  explicit RowWriter(sqlite3* d) : db(d), ins(d, kInsert), key(d, kInsertKey), sources(d) {}
  Status put(const BulkRows::Row& r, int64_t at) {
    auto source = sources.id_of(r.source);
    if (!source) return source.status();
    bind_insert(ins, r, *source, at);
    if (ins.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db insert");
    return insert_key(db, key, r.kind, r.key_hash, r.record_id, r.person_link, r.record_date);
  }
  sqlite3* db;
  Stmt ins, key;
  SourceIds sources;
};

// The next record_id, and storing it (inside the caller's transaction).
Result<int64_t> next_id(sqlite3* db) {
  Stmt q(db, "SELECT id FROM clinical_next");
  if (q.step() != SQLITE_ROW) return sqlite::error(db, "clinical.db next id");
  return q.col_i64(0);
}
Status set_next_id(sqlite3* db, int64_t id) {
  Stmt q(db, "UPDATE clinical_next SET id=? WHERE id<?");
  if (q.i64(1, id).i64(2, id).step() != SQLITE_DONE) return sqlite::error(db, "clinical.db next id");
  return {};
}

// A bulk load's sorted rows as SQL reads them (`onshi_bulk_rows`, sqlite_memory_rows.h), in
// kInsert's columns: appended by one INSERT … SELECT a transaction.
constexpr const char* kBulkRowColumns =
    "person_link,kind,record_date,record_id,key_rest,key_on_card,card_key,payload,source_id,"
    "recorded_at";
class BulkRowSource final : public sqlite::MemoryRows {
 public:
  explicit BulkRowSource(const BulkRows& rows) : rows_(rows) {}
  std::vector<int64_t> source_ids;  // by BulkRows::sources() index
  int64_t now = 0;                  // recorded_at
  void column(size_t i, int col, sqlite3_context* ctx) override {
    if (i != at_) {
      at_ = i;
      row_ = rows_.at(i);
      rows_.prefetch(i + kPrefetchAhead);
    }
    auto text = [ctx](std::string_view v) {
      sqlite3_result_text(ctx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    auto blob = [ctx](std::string_view v) {
      sqlite3_result_blob(ctx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    switch (col) {
      case 0: return blob(row_.person_link);
      case 1: return sqlite3_result_int64(ctx, static_cast<int64_t>(row_.kind));
      case 2: return text(row_.record_date);
      case 3: return sqlite3_result_int64(ctx, row_.record_id);
      case 4: return text(row_.key_rest);
      case 5: return sqlite3_result_int(ctx, row_.key_on_card ? 1 : 0);
      case 6: return text(row_.card_key);
      case 7: return blob(row_.payload);
      case 8: return sqlite3_result_int64(ctx, source_ids[row_.source_index]);
      default: return sqlite3_result_int64(ctx, now);
    }
  }

 private:
  const BulkRows& rows_;
  size_t at_ = SIZE_MAX;
  BulkRows::Row row_;
};

// The bulk load's key entries, sorted, as SQL reads them (`onshi_bulk_keys`).
constexpr const char* kBulkKeyColumns = "kind,key_hash,record_id,person_link,record_date";
class BulkKeySource final : public sqlite::MemoryRows {
 public:
  explicit BulkKeySource(const BulkRows& rows) : rows_(rows) {}
  void column(size_t i, int col, sqlite3_context* ctx) override {
    if (i != at_) {
      at_ = i;
      key_ = rows_.key_at(i);
    }
    switch (col) {
      case 0: return sqlite3_result_int64(ctx, static_cast<int64_t>(key_.kind));
      case 1: return sqlite3_result_int64(ctx, key_.key_hash);
      case 2: return sqlite3_result_int64(ctx, key_.record_id);
      case 3:
        return sqlite3_result_blob(ctx, key_.person_link.data(),
                                   static_cast<int>(key_.person_link.size()), SQLITE_STATIC);
      default:
        return sqlite3_result_text(ctx, key_.record_date.data(),
                                   static_cast<int>(key_.record_date.size()), SQLITE_TRANSIENT);
    }
  }

 private:
  const BulkRows& rows_;
  size_t at_ = SIZE_MAX;
  BulkRows::Key key_;
};

// The stored row of a natural key, found through the key table and compared in full.
class KeyFinder {
 public:
  explicit KeyFinder(sqlite3* db)
      : db_(db),
        keys_(db,
              "SELECT person_link,record_date,record_id FROM clinical_keys WHERE kind=? AND "
              "key_hash=?"),
        row_(db, (std::string("SELECT ") + kColumns + kAt).c_str()) {}
  Result<std::optional<ClinicalRecord>> find(ClinicalKind kind, std::string_view key) {
    keys_.reset();
    keys_.i64(1, static_cast<int64_t>(kind)).i64(2, clinical_key_hash(key));
    int rc;
    while ((rc = keys_.step()) == SQLITE_ROW) {
      row_.reset();
      row_.blob(1, keys_.col_view(0)).i64(2, static_cast<int64_t>(kind));
      row_.text(3, keys_.col_view(1)).i64(4, keys_.col_i64(2));
      const int at = row_.step();
      if (at == SQLITE_ROW && row_.col_view(3) == key)
        return std::optional<ClinicalRecord>(read_record(row_));
      if (at != SQLITE_ROW && at != SQLITE_DONE) return sqlite::error(db_, "clinical.db read");
    }
    if (rc != SQLITE_DONE) return sqlite::error(db_, "clinical.db read");
    return std::optional<ClinicalRecord>();
  }

 private:
  sqlite3* db_;
  Stmt keys_, row_;
};

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
    return write_tx(*db, [&](sqlite3* d) -> Result<std::vector<PutOutcome>> {
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

  // One backward walk over the person's range of the table: the rows sit together.
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

  std::optional<uint64_t> generation() override { return counter().stable(); }

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

  Status scan(const ClinicalRecord* after, size_t limit,
              const std::function<bool(const ClinicalRecord&)>& fn) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    std::string sql = std::string("SELECT ") + kColumns + " FROM clinical_records ";
    if (after) sql += "WHERE (person_link,kind,record_date,record_id)>(?,?,?,?) ";
    sql += "ORDER BY person_link,kind,record_date,record_id LIMIT ?";
    Stmt q(*db, sql.c_str());
    int i = 1;
    if (after) {
      q.blob(1, after->person_link).i64(2, static_cast<int64_t>(after->kind));
      q.text(3, after->record_date).i64(4, after->record_id);
      i = 5;
    }
    q.i64(i, static_cast<int64_t>(limit));
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
    return write_tx(*db, [&](sqlite3* d) -> Result<int64_t> {
      if (auto st = indexes_ready(d); !st) return st.error();
      return verbatim_in(d, rows);
    });
  }

  Result<bool> begin_bulk() override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    if (bulk_) return true;
    auto held = take_load_lock(dir_, kTable);
    if (!held) return false;  // another load, or a recovery: this one goes row by row
    auto began = write_tx(*db, [&](sqlite3* d) -> Result<bool> {
      auto empty = drop_indexes_if_empty(d, kTable);
      if (!empty) return empty.error();
      auto next = next_id(d);
      if (!next) return next.error();
      bulk_next_ = *next;
      return *empty;
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

  // Kept in memory, each with the next record_id (file order); written when they are many.
  using ClinicalStore::put_bulk;
  Status put_bulk(std::span<const ClinicalRowRef> items) override {
    std::unique_lock lock(mu_);
    if (!bulk_) {
      lock.unlock();
      return ClinicalStore::put_bulk(items);
    }
    for (const ClinicalRowRef& p : items) rows_.add(p, bulk_next_++);
    return rows_.bytes() >= kBulkBytes ? write_bulk_rows() : Status::Ok();
  }

  Status finish_bulk() override {
    std::lock_guard lock(mu_);
    if (!bulk_) return Status::Ok();
    Status st;
    {
      // The key table's entries are sorted on another core while the last rows are appended.
      std::jthread keys_sorted([this] { rows_.sort_keys(); });
      st = write_bulk_rows();
    }
    if (st) st = write_tx(db_, [this](sqlite3* d) { return write_bulk_keys(d); });
    if (journal_) set_journal(db_, "WAL");
    journal_ = false;
    sqlite::exec(db_, kNormalPragmas.c_str());
    // Released even on failure: the next writer then finds the index missing and the lock
    // free, and creates it.
    load_lock_ = core::DirLock();
    bulk_ = false;
    rows_.clear();
    return st;
  }

 private:
  ChangeCounter& counter() {
    std::call_once(counter_once_, [&] { counter_ = ChangeCounter::open(dir_ / "clinical.gen"); });
    return counter_;
  }
  template <class Fn>
  auto write_tx(sqlite3* db, Fn fn) -> decltype(fn(db)) {
    return counted_write_transaction(counter(), db, std::move(fn));
  }

  // The rows kept so far, sorted into the table's order and appended, kBulkTransaction rows
  // per transaction. Caller holds mu_.
  Status write_bulk_rows() {
    // Rows appended past the file's end need no journal: a rollback journal writes each page
    // once, into the file, where the WAL writes it twice (WAL, then checkpoint). Only when no
    // other connection has the file open (else SQLite refuses and the WAL stays).
    if (!journal_) journal_ = set_journal(db_, "DELETE");
    rows_.sort();
    row_source_.now = core::now_unix_us();
    const std::string append = std::string("INSERT INTO clinical_records(") + kBulkRowColumns +
                               ") SELECT * FROM onshi_bulk_rows";
    for (size_t from = 0; from < rows_.size(); from += kBulkTransaction) {
      Status st = write_tx(db_, [&](sqlite3* d) -> Status {
        if (Status ids = bulk_source_ids(d); !ids) return ids;
        row_source_.from = from;
        row_source_.to = std::min(rows_.size(), from + kBulkTransaction);
        if (Status done = sqlite::exec(d, append.c_str()); !done) return done;
        return set_next_id(d, bulk_next_);
      });
      if (!st) return st;
    }
    rows_.clear_rows();
    return Status::Ok();
  }

  // The key table of a bulk load, made and appended in its order in one transaction: every
  // row's entry, sorted (sort_keys). Caller holds mu_.
  Status write_bulk_keys(sqlite3* db) {
    if (Status st = sqlite::exec(db, kKeysTable); !st) return st;
    key_source_.from = 0;
    key_source_.to = rows_.keys();
    return sqlite::exec(db, "INSERT INTO clinical_keys SELECT * FROM onshi_bulk_keys");
  }

  // The clinical_sources id of each source the load's rows name (inside the caller's
  // transaction, which stores the new ones).
  Status bulk_source_ids(sqlite3* db) {
    SourceIds ids(db);
    row_source_.source_ids.clear();
    for (const std::string& source : rows_.sources()) {
      auto id = ids.id_of(source);
      if (!id) return id.status();
      row_source_.source_ids.push_back(*id);
    }
    return {};
  }

  // Switches the journal mode; whether `mode` is now the file's.
  static bool set_journal(sqlite3* db, const std::string& mode) {
    Stmt q(db, ("PRAGMA journal_mode=" + mode).c_str());
    return q.step() == SQLITE_ROW && sqlite3_stricmp(q.col_text(0).c_str(), mode.c_str()) == 0;
  }

  // Find by key, then insert, leave or replace — inside the caller's transaction.
  static Result<std::vector<PutOutcome>> put_in(sqlite3* db, std::span<const ClinicalPut> items,
                                                int64_t now) {
    auto next = next_id(db);
    if (!next) return next.error();
    KeyFinder keys(db);
    RowWriter writer(db);
    Stmt del(db, (std::string("DELETE") + kAt).c_str());
    // By person (stable: items of one key keep their order), so the table is walked forward
    // rather than at random; outcomes go back to the items' places.
    std::vector<size_t> order(items.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return items[a].person_link < items[b].person_link;
    });
    std::vector<PutOutcome> out(items.size(), PutOutcome::kUnchanged);
    for (size_t i : order) {
      const ClinicalPut& p = items[i];
      auto stored = keys.find(p.kind, p.record_key);
      if (!stored) return stored.error();
      if (*stored && same_contents(**stored, p)) continue;
      int64_t id = *next;
      if (*stored) {  // replaced in place of the old row, keeping its record_id
        const ClinicalRecord& old = **stored;
        del.reset();
        del.blob(1, old.person_link).i64(2, static_cast<int64_t>(old.kind));
        del.text(3, old.record_date).i64(4, old.record_id);
        if (del.step() != SQLITE_DONE) return sqlite::error(db, "clinical.db update");
        id = old.record_id;
        out[i] = PutOutcome::kChanged;
      } else {
        ++*next;
        out[i] = PutOutcome::kAdded;
      }
      const BulkRows::Row row = BulkRows::row_of(
          {p.kind, p.record_key, p.person_link, p.card_key, p.record_date, p.payload, p.source},
          id);
      if (Status done = writer.put(row, now); !done) return done.error();
    }
    if (auto st = set_next_id(db, *next); !st) return st.error();
    return out;
  }

  // A row is present when its key is (KeyFinder) or its place in the table is taken.
  static Result<int64_t> verbatim_in(sqlite3* db, std::span<const ClinicalRecord> rows) {
    KeyFinder keys(db);
    Stmt at(db, (std::string("SELECT ") + kColumns + kAt).c_str());
    RowWriter writer(db);
    int64_t inserted = 0, next = 0;
    for (const ClinicalRecord& r : rows) {
      auto stored = keys.find(r.kind, r.record_key);
      if (!stored) return stored.error();
      at.reset();
      at.blob(1, r.person_link).i64(2, static_cast<int64_t>(r.kind));
      at.text(3, r.record_date).i64(4, r.record_id);
      const int rc = at.step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite::error(db, "clinical.db copy");
      if (*stored || rc == SQLITE_ROW) {
        if (!*stored || **stored != r)
          return Error{"E_COPY_CONFLICT", "clinical",
                       "clinical record " + std::to_string(r.record_id) +
                           " differs between the source and the target"};
        continue;
      }
      const BulkRows::Row row = BulkRows::row_of(
          {r.kind, r.record_key, r.person_link, r.card_key, r.record_date, r.payload, r.source},
          r.record_id);
      if (Status done = writer.put(row, r.recorded_at_us); !done) return done.error();
      next = std::max(next, r.record_id + 1);
      ++inserted;
    }
    if (auto st = set_next_id(db, next); !st) return st.error();
    return inserted;
  }

  // Inside a write transaction, before a write that needs the key index (bulk_load_detail.h).
  Status indexes_ready(sqlite3* db) { return detail::indexes_ready(db, dir_, kTable, bulk_); }

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

  // Opens the file with the key hash known to SQL (the second migration computes it) and
  // migrates it.
  Result<sqlite3*> open_file() {
    sqlite::OpenOptions oo;
    oo.create = create_;
    oo.busy_timeout_ms = 30000;
    oo.cache_mib = kCacheMib;
    oo.mmap_mib = 16384;
    oo.page_size = kPageSize;
    std::error_code ec;
    if (create_) fs::create_directories(dir_, ec);
    auto db = sqlite::open(dir_ / "clinical.db", oo);
    if (!db) return db.error();
    sqlite3_create_function(*db, "onshi_key_hash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                            nullptr, key_hash_sql, nullptr, nullptr);
    sqlite3_create_function(*db, "onshi_starts_with", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                            nullptr, starts_with_sql, nullptr, nullptr);
    Status sources = sqlite::register_memory_rows(*db, "onshi_bulk_rows", kBulkRowColumns,
                                                  &row_source_);
    if (sources)
      sources = sqlite::register_memory_rows(*db, "onshi_bulk_keys", kBulkKeyColumns,
                                             &key_source_);
    if (!sources) {
      sqlite3_close(*db);
      return sources.error();
    }
    if (auto st = sqlite::migrate(*db, kMigrations, "clinical.db"); !st) {
      sqlite3_close(*db);
      Error e = st.error();
      if (e.code == "E_STORE") e.code = "E_STORE_OPEN";
      e.message = "clinical.db: " + e.message;
      return e;
    }
    return *db;
  }

  // The connection, opened (creating, migrating and seeding the windows) the first time.
  // Caller holds mu_.
  Result<sqlite3*> open_locked() {
    if (db_) return db_;
    auto db = open_file();
    if (!db) return db.error();
    for (const ViewingWindow& w : default_clinical_windows())
      if (auto st = write_window(*db, w, false); !st) {
        sqlite3_close(*db);
        return st.error();
      }
    // A bulk load cut short: its index, now (writers would otherwise scan the table).
    Status ready = complete_cut_load(*db, dir_, kTable,
                                     [this](sqlite3* d, auto fn) { return write_tx(d, fn); });
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
  bool journal_ = false;   // a bulk load switched the file to a rollback journal
  int64_t bulk_next_ = 1;  // the record_id of a bulk load's next row
  BulkRows rows_;          // a bulk load's rows not yet written
  BulkRowSource row_source_{rows_};  // … as SQL reads them, on db_
  BulkKeySource key_source_{rows_};
  sqlite::StmtCache kept_;  // the views' read, prepared once on db_
  std::once_flag counter_once_;
  ChangeCounter counter_;  // DIR/clinical.gen, mapped on first use
};

}  // namespace

std::unique_ptr<SqliteClinicalStore> make_sqlite_clinical(const std::filesystem::path& dir,
                                                          bool create) {
  return std::make_unique<SqliteClinical>(dir, create);
}

}  // namespace onshi::store::detail
