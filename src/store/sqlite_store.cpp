// The embedded store: SQLite in WAL mode, one file per data directory (DIR/onshi.db).
//
// Versions are rows of `qualification_version` that are only ever inserted. "As known at
// T" is one index seek on (card_key, recorded_at): the newest row of the key recorded at or
// before T. recorded_at is made strictly increasing per store (µs, bumped past the previous
// value), so two versions never tie and history has one order. The payload is the
// qualification in a compact positional format (store/payload.h), stored compressed against
// the store's dictionary (store/sqlite_member_rows.h); unchanged detection compares that text
// and the person link, so a re-run of the same file writes nothing.
//
// Concurrency: one writer connection behind a mutex, and a pool of reader connections
// (one per concurrent caller) so confirmations on several threads read in parallel; WAL lets
// readers proceed while a batch commits. Every statement is prepared with bound parameters,
// once per connection. A reader connection keeps its read transaction between lookups while
// nothing is committed (store/sqlite_snapshot.h): SQLite's cost of starting and ending one is
// paid after a commit rather than per lookup, and a lookup of several keys sees one snapshot.
//
// size: one class implements the Store interface over two SQLite files; its parts share the
// writer, the reader pool and the prepared statements, so they stay together.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/date.h"
#include "store/checkpoint_detail.h"
#include "store/member_load_detail.h"
#include "store/payload.h"
#include "store/sqlite_member_rows.h"
#include "store/sqlite_snapshot.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace onshi::store {
namespace {

constexpr int kSchemaVersion = 5;

// Migrations, applied in order; migration i brings the schema to version i+1.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE qualification_version(
  version_id       INTEGER PRIMARY KEY,
  card_key         TEXT    NOT NULL,
  recorded_at      INTEGER NOT NULL,
  insurer_number   TEXT    NOT NULL,
  person_link      BLOB,
  my_number_sealed BLOB,
  payload          TEXT    NOT NULL,
  source           TEXT    NOT NULL
);
CREATE INDEX qualification_version_card ON qualification_version(card_key, recorded_at);
CREATE INDEX qualification_version_person ON qualification_version(person_link)
  WHERE person_link IS NOT NULL;
CREATE TABLE audit(
  seq       INTEGER PRIMARY KEY,
  time_us   INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  subject   TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE TABLE import_run(
  id               INTEGER PRIMARY KEY,
  started_at       INTEGER NOT NULL,
  source           TEXT NOT NULL,
  accepted         INTEGER NOT NULL,
  unchanged        INTEGER NOT NULL,
  rejected         INTEGER NOT NULL,
  rejected_by_code TEXT NOT NULL
);
)sql",
    // 2: kanji conversions recorded with each version; audit entries found by member.
    R"sql(
ALTER TABLE qualification_version ADD COLUMN conversions TEXT;
CREATE INDEX audit_subject ON audit(subject, seq) WHERE subject <> '';
)sql",
    // 3: the audit log moved to its own file (see kAuditMigrations).
    R"sql(
DROP TABLE audit;
)sql",
    // 4: persons found through the first 8 bytes of their link: the link is a keyed hash, so
    // 8 bytes already tell persons apart, and the index has 2.7 times fewer pages (41.5 →
    // 15.4 B a member) for an import to dirty (docs/performance.md, "Where a member's bytes
    // go"). The lookup compares the whole link on the row.
    R"sql(
DROP INDEX qualification_version_person;
CREATE INDEX qualification_version_person8 ON qualification_version(substr(person_link, 1, 8))
  WHERE person_link IS NOT NULL;
)sql",
    // 5: compact rows (store/sqlite_member_rows.h): the payload compressed against the
    // store's dictionary, the source by number; rows written before are read as they are
    // until `onshi db migrate` rewrites them.
    R"sql(
CREATE TABLE payload_dictionary(
  id         INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 255),
  dictionary BLOB    NOT NULL,
  samples    INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE version_source(
  id     INTEGER PRIMARY KEY,
  source TEXT NOT NULL UNIQUE
);
ALTER TABLE qualification_version ADD COLUMN source_id INTEGER;
)sql",
};

// The audit log lives in its own file beside the store (onshi-audit.db): appending to it at
// the rate of confirmations then never grows the qualifications' WAL, which every reader
// consults, and audit commits do not queue behind registration batches.
const char* const kAuditMigrations[] = {R"sql(
CREATE TABLE audit(
  seq       INTEGER PRIMARY KEY,
  time_us   INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  subject   TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit(subject, seq) WHERE subject <> '';
)sql"};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);

using sqlite::exec;
using sqlite::Stmt;
Error db_error(sqlite3* db, const std::string& what) { return sqlite::error(db, what); }

constexpr const char* kVersionColumns = detail::MemberRows::kColumns;

// A connection with the statements readers need, and its kept read snapshot.
struct Conn {
  sqlite3* db = nullptr;
  Stmt as_of, card_as_of, person, history;
  std::unique_ptr<detail::ReaderSnapshot> snapshot;
  ~Conn() {
    snapshot.reset();
    as_of = Stmt();
    card_as_of = Stmt();
    person = Stmt();
    history = Stmt();
    sqlite3_close_v2(db);
  }
};

Result<sqlite3*> open_db(const std::filesystem::path& file, bool create,
                         const SqliteOptions& o) {
  sqlite::OpenOptions so;
  so.create = create;
  so.cache_mib = o.cache_mib;
  so.mmap_mib = o.mmap_mib;
  return sqlite::open(file, so);
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::filesystem::path file, SqliteOptions o, sqlite3* writer)
      : file_(std::move(file)), options_(o), writer_(writer), rows_(o.compress_payloads) {}

  ~SqliteStore() override {
    audit_checkpointer_.reset();
    {
      std::lock_guard lock(pool_mu_);
      sweeper_stop_ = true;
    }
    sweep_cv_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
    pool_.clear();
    w_latest_ = Stmt();
    w_tail_ = Stmt();
    w_insert_ = Stmt();
    w_audit_ = Stmt();
    w_audit_tail_ = Stmt();
    sqlite3_close_v2(writer_);
    sqlite3_close_v2(audit_writer_);
    sqlite3_close_v2(audit_reader_);
  }

  Status init() {
    if (auto st = sqlite::migrate(writer_, kMigrations, "store"); !st) return st;
    // A load cut short is completed here when it can be; when it cannot (the disk that cut it
    // short is still full), the store still opens for reading — its versions found by a scan —
    // and the next write completes the load first or fails with the reason.
    (void)detail::complete_cut_member_load(writer_, file_);
    w_latest_ = Stmt(writer_,
                     "SELECT payload, person_link FROM qualification_version "
                     "WHERE card_key=?1 ORDER BY recorded_at DESC LIMIT 1");
    w_tail_ = Stmt(writer_,
                   "SELECT recorded_at FROM qualification_version "
                   "ORDER BY version_id DESC LIMIT 1");
    w_insert_ = Stmt(writer_,
                     "INSERT INTO qualification_version(card_key, recorded_at, insurer_number, "
                     "person_link, my_number_sealed, payload, source, conversions, source_id) "
                     "VALUES(?1,?2,'',?4,?5,?6,'',?8,?9)");
    // The audit file.
    audit_file_ = file_.parent_path() / (file_.stem().string() + "-audit.db");
    {
      // The audit file only grows: no memory map (each growth would remap), a small cache.
      SqliteOptions audit_options = options_;
      audit_options.mmap_mib = 0;
      audit_options.cache_mib = 16;
      auto aw = open_db(audit_file_, true, audit_options);
      if (!aw) return aw.status();
      audit_writer_ = *aw;
      if (auto st = sqlite::migrate(audit_writer_, kAuditMigrations, "audit log"); !st) return st;
      auto ar = open_db(audit_file_, false, audit_options);
      if (!ar) return ar.status();
      audit_reader_ = *ar;
      const int64_t pages = std::max<int64_t>(1, options_.audit_checkpoint_pages);
      auto cp = WalCheckpointer::start(audit_file_, audit_writer_, audit_write_mu_,
                                       {pages, 8 * pages, 32 * pages});
      if (!cp) return cp.status();
      audit_checkpointer_ = std::move(*cp);
    }
    w_audit_ = Stmt(audit_writer_,
                    "INSERT INTO audit(seq, time_us, actor, action, subject, detail, prev_hash, "
                    "hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
    w_audit_tail_ = Stmt(audit_writer_, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!w_latest_.ok() || !w_insert_.ok() || !w_tail_.ok())
      return Status(db_error(writer_, "prepare"));
    if (!w_audit_.ok() || !w_audit_tail_.ok())
      return Status(db_error(audit_writer_, "prepare audit"));
    Stmt m(writer_, "SELECT coalesce(max(recorded_at), 0) FROM qualification_version");
    if (m.ok() && m.step() == SQLITE_ROW) last_recorded_ = m.col_i64(0);
    return {};
  }

  // ---- qualifications ----
  Result<std::vector<PutOutcome>> put_qualifications(std::span<const PutItem> items) override {
    std::lock_guard lock(write_mu_);
    return put_locked(items, true);
  }

  // ---- a bulk load (store/member_load_detail.h) ----
  Result<bool> begin_bulk() override {
    std::lock_guard lock(write_mu_);
    if (load_.active()) return true;
    auto load = detail::MemberLoad::begin(writer_, file_);
    if (!load) return load.error();
    load_ = std::move(*load);
    return load_.active();
  }
  Status put_bulk(std::span<const PutItem> items) override {
    std::unique_lock lock(write_mu_);
    if (!load_.active()) {
      lock.unlock();
      return put_qualifications(items).status();
    }
    return put_locked(items, false).status();
  }
  Status finish_bulk() override {
    std::lock_guard lock(write_mu_);
    return load_.finish(writer_, options_.cache_mib);
  }

  Result<int64_t> compact_versions(const std::function<void(int64_t)>& progress) override {
    auto n = rows_.compact_legacy_rows(writer_, write_mu_, 20000, progress);
    if (!n || *n == 0) return n;
    std::lock_guard lock(write_mu_);
    if (Status st = exec(writer_, "VACUUM"); !st) return st.error();
    return n;
  }

  Result<std::optional<QualificationVersion>> qualification_as_of(std::string_view card_key,
                                                                  int64_t known_at) override {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    return as_of_on(*lease.conn, card_key, known_at);
  }

  Result<std::vector<QualificationVersion>> find_by_card(std::string_view insurer,
                                                         std::string_view symbol,
                                                         std::string_view number,
                                                         int64_t known_at) override {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    std::string lo = core::make_card_key(std::string(insurer), std::string(symbol),
                                         std::string(number), "");
    std::string hi = lo;
    hi.back() = '\x20';  // the byte after U+001F: every branch number sorts in [lo, hi)
    // One statement over the card index: each key's latest version as known then.
    Stmt& s = lease.conn->card_as_of;
    s.reset();
    s.text_static(1, lo).text_static(2, hi).i64(3, known_at);
    std::vector<QualificationVersion> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      if (Status st = rows_.read(s, lease.conn->db, out.emplace_back()); !st) {
        s.reset();
        return st.error();
      }
    }
    s.reset();
    if (rc != SQLITE_DONE) return db_error(lease.conn->db, "find_by_card");
    return out;
  }

  Result<std::vector<QualificationVersion>> find_by_person_link(std::string_view link,
                                                                int64_t known_at) override {
    std::vector<QualificationVersion> out;
    if (link.empty()) return out;
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    Stmt& s = lease.conn->person;
    s.reset();
    s.blob_or_null(1, link);
    s.i64(2, known_at);
    std::vector<std::string> keys;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) keys.push_back(s.col_text(0));
    s.reset();
    if (rc != SQLITE_DONE) return db_error(lease.conn->db, "find_by_person_link");
    for (const auto& k : keys) {
      auto v = as_of_on(*lease.conn, k, known_at);
      if (!v) return v.error();
      if (*v && (*v)->person_link == link) out.push_back(std::move(**v));
    }
    return out;
  }

  Result<std::vector<QualificationVersion>> history(std::string_view card_key) override {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    Stmt& s = lease.conn->history;
    s.reset();
    s.text(1, card_key);
    std::vector<QualificationVersion> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      if (Status st = rows_.read(s, lease.conn->db, out.emplace_back()); !st) {
        s.reset();
        return st.error();
      }
    }
    s.reset();
    if (rc != SQLITE_DONE) return db_error(lease.conn->db, "history");
    return out;
  }

  Result<int64_t> count_card_keys() override {
    return scalar("SELECT count(*) FROM (SELECT DISTINCT card_key FROM qualification_version)");
  }
  Result<int64_t> count_versions() override {
    return scalar("SELECT count(*) FROM qualification_version");
  }

  Status scan_current(std::string_view insurer,
                      const std::function<bool(const QualificationVersion&)>& fn) override {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    // The newest version of each key: the row with the greatest recorded_at per card_key.
    const char* sql_all =
        "SELECT version_id, max(recorded_at), person_link, my_number_sealed, payload, source, "
        "conversions, source_id FROM qualification_version GROUP BY card_key ORDER BY card_key";
    const char* sql_one =
        "SELECT version_id, max(recorded_at), person_link, my_number_sealed, payload, source, "
        "conversions, source_id FROM qualification_version WHERE card_key >= ?1 "
        "AND card_key < ?2 "
        "GROUP BY card_key ORDER BY card_key";
    Stmt s(lease.conn->db, insurer.empty() ? sql_all : sql_one);
    if (!s.ok()) return Status(db_error(lease.conn->db, "scan_current"));
    if (!insurer.empty()) {
      std::string lo = std::string(insurer) + '\x1f';
      std::string hi = std::string(insurer) + '\x20';
      s.text(1, lo);
      s.text(2, hi);
    }
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      QualificationVersion v;
      if (Status st = rows_.read(s, lease.conn->db, v); !st) return st;
      if (!fn(v)) return {};
    }
    if (rc != SQLITE_DONE) return Status(db_error(lease.conn->db, "scan_current"));
    return {};
  }

  Status scan_versions(const std::function<bool(const QualificationVersion&)>& fn) override {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    Stmt s(lease.conn->db, (std::string("SELECT ") + kVersionColumns +
                            " FROM qualification_version ORDER BY card_key, recorded_at")
                               .c_str());
    if (!s.ok()) return Status(db_error(lease.conn->db, "scan_versions"));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      QualificationVersion v;
      if (Status st = rows_.read(s, lease.conn->db, v); !st) return st;
      if (!fn(v)) return {};
    }
    if (rc != SQLITE_DONE) return Status(db_error(lease.conn->db, "scan_versions"));
    return {};
  }

  // ---- audit ----
  // The chain's tail is read inside the write transaction: BEGIN IMMEDIATE takes the audit
  // file's write lock, which also holds off other processes on the same data directory.
  Result<std::vector<AuditEntry>> chain_audit(std::span<const AuditEntry> entries,
                                              const AuditHasher& hasher) override {
    std::vector<AuditEntry> out(entries.begin(), entries.end());
    if (out.empty()) return out;
    std::lock_guard lock(audit_write_mu_);
    if (auto st = exec(audit_writer_, "BEGIN IMMEDIATE"); !st) return st.error();
    w_audit_tail_.reset();
    int rc = w_audit_tail_.step();
    int64_t seq = rc == SQLITE_ROW ? w_audit_tail_.col_i64(0) : 0;
    std::string prev = rc == SQLITE_ROW ? w_audit_tail_.col_text(1) : "";
    w_audit_tail_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      Error err = db_error(audit_writer_, "chain_audit");
      exec(audit_writer_, "ROLLBACK");
      return err;
    }
    for (auto& e : out) {
      e.seq = ++seq;
      e.prev_hash = prev;
      e.hash = hasher(e);
      prev = e.hash;
    }
    if (Status st = insert_audit_locked(out); !st) return st.error();
    return out;
  }

  Status append_audit(std::span<const AuditEntry> entries) override {
    std::lock_guard lock(audit_write_mu_);
    if (auto st = exec(audit_writer_, "BEGIN IMMEDIATE"); !st) return st;
    return insert_audit_locked(entries);
  }

  Result<std::optional<AuditEntry>> last_audit() override {
    std::optional<AuditEntry> out;
    auto st = scan_audit_sql(
        "SELECT seq, time_us, actor, action, subject, detail, prev_hash, hash FROM audit "
        "ORDER BY seq DESC LIMIT 1",
        0, [&](const AuditEntry& e) {
          out = e;
          return false;
        });
    if (!st) return st.error();
    return out;
  }

  Status scan_audit(int64_t from_seq,
                    const std::function<bool(const AuditEntry&)>& fn) override {
    return scan_audit_sql(
        "SELECT seq, time_us, actor, action, subject, detail, prev_hash, hash FROM audit "
        "WHERE seq >= ?1 ORDER BY seq",
        from_seq, fn);
  }

  Status scan_audit_by_subject(std::string_view subject,
                               const std::function<bool(const AuditEntry&)>& fn) override {
    if (subject.empty()) return {};
    return scan_audit_sql(
        "SELECT seq, time_us, actor, action, subject, detail, prev_hash, hash FROM audit "
        "WHERE subject = ?1 AND subject <> '' ORDER BY seq",
        0, fn, subject);
  }

  // ---- import runs ----
  Status record_import(const ImportRun& run) override {
    std::lock_guard lock(write_mu_);
    Stmt s(writer_,
           "INSERT INTO import_run(started_at, source, accepted, unchanged, rejected, "
           "rejected_by_code) VALUES(?1,?2,?3,?4,?5,?6)");
    if (!s.ok()) return Status(db_error(writer_, "record_import"));
    s.i64(1, run.started_at_us);
    s.text(2, run.source);
    s.i64(3, run.accepted);
    s.i64(4, run.unchanged);
    s.i64(5, run.rejected);
    s.text(6, run.rejected_by_code_json.empty() ? "{}" : run.rejected_by_code_json);
    if (s.step() != SQLITE_DONE) return Status(db_error(writer_, "record_import"));
    return {};
  }

  Result<std::vector<ImportRun>> import_runs() override {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    Stmt s(lease.conn->db,
           "SELECT started_at, source, accepted, unchanged, rejected, rejected_by_code "
           "FROM import_run ORDER BY id");
    std::vector<ImportRun> out;
    while (s.ok() && s.step() == SQLITE_ROW) {
      ImportRun r;
      r.started_at_us = s.col_i64(0);
      r.source = s.col_text(1);
      r.accepted = s.col_i64(2);
      r.unchanged = s.col_i64(3);
      r.rejected = s.col_i64(4);
      r.rejected_by_code_json = s.col_text(5);
      out.push_back(std::move(r));
    }
    return out;
  }

  // ---- copying ----
  // One write transaction: each version is looked up by version_id and compared (the
  // qualification as its payload text), inserted when absent. recorded_at of the copied rows
  // raises the in-memory clock, so the next registration continues after them.
  Result<int64_t> put_versions_verbatim(std::span<const QualificationVersion> versions) override {
    std::lock_guard lock(write_mu_);
    if (auto st = exec(writer_, "BEGIN IMMEDIATE"); !st) return st.error();
    if (Status st = detail::member_indexes_ready(writer_, file_, load_.active()); !st) {
      exec(writer_, "ROLLBACK");
      return st.error();
    }
    int64_t last = last_recorded_;
    auto inserted = put_verbatim_locked(versions, last);
    if (inserted && exec(writer_, "COMMIT").ok()) {
      rows_.end_batch(true);
      last_recorded_ = last;
      return inserted;
    }
    return rollback(inserted ? db_error(writer_, "commit") : inserted.error());
  }

 private:
  // One transaction of puts (write_mu_ held). `lookup` false is a bulk load's: every item is
  // new, appended without looking its key up (the indexes are not there).
  Result<std::vector<PutOutcome>> put_locked(std::span<const PutItem> items, bool lookup) {
    std::vector<PutOutcome> out;
    out.reserve(items.size());
    if (auto st = exec(writer_, "BEGIN IMMEDIATE"); !st) return st.error();
    if (lookup)
      if (Status st = detail::member_indexes_ready(writer_, file_, load_.active()); !st) {
        exec(writer_, "ROLLBACK");
        return st.error();
      }
    // Another process may have written since (an import beside a running service): continue
    // after the newest row, found by rowid in one seek, so recorded_at never ties.
    int64_t last = last_recorded_;
    w_tail_.reset();
    if (w_tail_.step() == SQLITE_ROW) last = std::max(last, w_tail_.col_i64(0));
    w_tail_.reset();
    std::vector<std::string> payloads;
    payloads.reserve(items.size());
    for (const auto& item : items) payloads.push_back(encode_payload(item.qualification));
    if (Status st = rows_.begin_batch(writer_, payloads); !st) return rollback(st.error());
    // A bulk load writes every payload: compressed ahead on two threads. Otherwise each is
    // compressed only when it is written (a re-run writes none).
    const std::vector<std::string> stored =
        lookup ? std::vector<std::string>() : rows_.compress_batch(payloads);
    for (size_t i = 0; i < items.size(); ++i) {
      auto o = put_one(items[i], payloads[i], lookup ? nullptr : &stored[i], last);
      if (!o) return rollback(o.error());
      out.push_back(*o);
    }
    if (exec(writer_, "COMMIT").ok() == false) return rollback(db_error(writer_, "commit"));
    rows_.end_batch(true);
    last_recorded_ = last;
    return out;
  }

  // Rolls the writer's transaction back (write_mu_ held) and passes `e` on.
  Error rollback(Error e) {
    exec(writer_, "ROLLBACK");
    rows_.end_batch(false);
    return e;
  }

  // One item inside put_locked's transaction: compared with its key's latest version (which
  // also sees rows inserted earlier in the same batch) and inserted unless unchanged.
  // `stored`: the payload as compress_batch gave it for a bulk load (no lookup), else null.
  Result<PutOutcome> put_one(const PutItem& item, const std::string& payload,
                             const std::string* stored, int64_t& last) {
    const std::string key = item.qualification.card_key();
    bool exists = false;
    if (!stored) {
      auto latest = latest_is(key, payload, item.person_link);
      if (!latest) return latest.error();
      if (*latest == Latest::kSame) return PutOutcome::kUnchanged;
      exists = *latest == Latest::kDifferent;
    }
    auto source = rows_.source_id(writer_, item.source);
    if (!source) return source.error();
    const int64_t t = std::max(core::now_unix_us(), last + 1);
    w_insert_.reset();
    w_insert_.text_static(1, key).i64(2, t);
    w_insert_.blob_or_null(4, item.person_link).blob_or_null(5, item.my_number_sealed);
    if (stored)
      detail::MemberRows::bind_stored(w_insert_, 6, payload, *stored);
    else
      rows_.bind_payload(w_insert_, 6, payload, scratch_);
    w_insert_.text_or_null(8, item.conversions).i64(9, *source);
    const int rc = w_insert_.step();
    w_insert_.reset();
    if (rc != SQLITE_DONE) return db_error(writer_, "insert");
    last = t;
    return exists ? PutOutcome::kChanged : PutOutcome::kAdded;
  }

  // How `key`'s latest version compares with a payload and person link (write_mu_ held).
  enum class Latest { kNone, kSame, kDifferent };
  Result<Latest> latest_is(const std::string& key, const std::string& payload,
                           std::string_view person_link) {
    w_latest_.reset();
    w_latest_.text_static(1, key);
    const int rc = w_latest_.step();
    if (rc != SQLITE_ROW) {
      w_latest_.reset();
      if (rc != SQLITE_DONE) return db_error(writer_, "lookup");
      return Latest::kNone;
    }
    Status st = rows_.payload_text(w_latest_, 0, writer_, latest_text_);
    const bool same = st && latest_text_ == payload && w_latest_.col_view(1) == person_link;
    w_latest_.reset();
    if (!st) return st.error();
    return same ? Latest::kSame : Latest::kDifferent;
  }

  // The body of put_versions_verbatim inside its transaction (write_mu_ held).
  Result<int64_t> put_verbatim_locked(std::span<const QualificationVersion> versions,
                                      int64_t& last) {
    Stmt find(writer_,
              "SELECT card_key, recorded_at, person_link, my_number_sealed, payload, source, "
              "coalesce(conversions, ''), source_id FROM qualification_version "
              "WHERE version_id = ?1");
    Stmt ins(writer_,
             "INSERT INTO qualification_version(version_id, card_key, recorded_at, "
             "insurer_number, person_link, my_number_sealed, payload, source, conversions, "
             "source_id) VALUES(?1,?2,?3,'',?5,?6,?7,'',?9,?10)");
    if (!find.ok() || !ins.ok()) return db_error(writer_, "prepare copy");
    std::vector<std::string> payloads;
    for (const auto& v : versions) payloads.push_back(encode_payload(v.qualification));
    if (Status st = rows_.begin_batch(writer_, payloads); !st) return st.error();
    int64_t inserted = 0;
    for (size_t i = 0; i < versions.size(); ++i) {
      const QualificationVersion& v = versions[i];
      const std::string key = v.qualification.card_key();
      find.reset();
      find.i64(1, v.version_id);
      int rc = find.step();
      if (rc == SQLITE_ROW) {
        auto same = verbatim_same(find, v, key, payloads[i]);
        if (!same) return same.error();
        if (!*same) return version_conflict(v.version_id);
        continue;
      }
      if (rc != SQLITE_DONE) return db_error(writer_, "copy lookup");
      auto source = rows_.source_id(writer_, v.source);
      if (!source) return source.error();
      ins.reset();
      ins.i64(1, v.version_id).text(2, key).i64(3, v.recorded_at_us);
      ins.blob_or_null(5, v.person_link).blob_or_null(6, v.my_number_sealed);
      rows_.bind_payload(ins, 7, payloads[i], scratch_);
      ins.text_or_null(9, v.conversions).i64(10, *source);
      if (ins.step() != SQLITE_DONE) return db_error(writer_, "copy insert");
      last = std::max(last, v.recorded_at_us);
      ++inserted;
    }
    return inserted;
  }

  // Whether the row `find` stands on holds version `v` exactly (payload as text).
  Result<bool> verbatim_same(Stmt& find, const QualificationVersion& v, const std::string& key,
                             const std::string& payload) {
    if (Status st = rows_.payload_text(find, 4, writer_, latest_text_); !st) return st.error();
    auto source = rows_.source_of(find, 5, 7, writer_);
    if (!source) return source.error();
    return find.col_text(0) == key && find.col_i64(1) == v.recorded_at_us &&
           find.col_blob(2) == v.person_link && find.col_blob(3) == v.my_number_sealed &&
           latest_text_ == payload && *source == v.source && find.col_text(6) == v.conversions;
  }

  static Error version_conflict(int64_t version_id) {
    return Error{
        "E_COPY_CONFLICT", "members",
        "version " + std::to_string(version_id) + " differs between the source and the target"};
  }

  // Inserts `entries` and commits the audit transaction the caller began (audit_write_mu_
  // held); rolls it back when any insert fails.
  Status insert_audit_locked(std::span<const AuditEntry> entries) {
    for (const auto& e : entries) {
      w_audit_.reset();
      w_audit_.i64(1, e.seq);
      w_audit_.i64(2, e.time_us);
      w_audit_.text(3, e.actor);
      w_audit_.text(4, e.action);
      w_audit_.text(5, e.subject);
      w_audit_.text(6, e.detail);
      w_audit_.text(7, e.prev_hash);
      w_audit_.text(8, e.hash);
      if (w_audit_.step() != SQLITE_DONE) {
        Error err = db_error(audit_writer_, "append_audit");
        w_audit_.reset();
        exec(audit_writer_, "ROLLBACK");
        return Status(err);
      }
      w_audit_.reset();
    }
    if (auto st = exec(audit_writer_, "COMMIT"); !st) {
      exec(audit_writer_, "ROLLBACK");
      return st;
    }
    return {};
  }

  // Returns a reader connection to the pool when it goes out of scope.
  struct Lease {
    SqliteStore* store;
    std::unique_ptr<Conn> conn;
    Lease(SqliteStore* s, std::unique_ptr<Conn> c) : store(s), conn(std::move(c)) {}
    ~Lease() {
      std::lock_guard lock(store->pool_mu_);
      store->pool_.push_back(std::move(conn));
    }
  };

  // A reader connection from the pool (or a new one), its snapshot current (sqlite_snapshot.h).
  Result<std::unique_ptr<Conn>> acquire() {
    auto c = pooled_or_new();
    if (!c) return c;
    if (Status st = (*c)->snapshot->begin(); !st) return st.error();
    return c;
  }

  // Ends the snapshots kept by connections idle in the pool, so that none holds back a
  // checkpoint for long. Runs from the first reader connection until the store closes.
  void sweep() {
    std::unique_lock lock(pool_mu_);
    while (!sweeper_stop_) {
      sweep_cv_.wait_for(lock, kSweepEvery);
      const auto now = detail::ReaderSnapshot::Clock::now();
      for (auto& c : pool_) c->snapshot->end_if_idle(kSweepEvery, now);
    }
  }

  Result<std::unique_ptr<Conn>> pooled_or_new() {
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
      if (!sweeper_.joinable()) sweeper_ = std::thread([this] { sweep(); });
    }
    auto db = open_db(file_, false, options_);
    if (!db) return db.error();
    auto c = std::make_unique<Conn>();
    c->db = *db;
    c->as_of = Stmt(c->db, (std::string("SELECT ") + kVersionColumns +
                            " FROM qualification_version WHERE card_key=?1 AND recorded_at<=?2 "
                            "ORDER BY recorded_at DESC LIMIT 1")
                               .c_str());
    // Bare columns with max(): SQLite takes them from the row holding the maximum.
    c->card_as_of = Stmt(c->db,
                         "SELECT version_id, max(recorded_at), person_link, my_number_sealed, "
                         "payload, source, conversions, source_id FROM qualification_version "
                         "WHERE card_key >= ?1 AND card_key < ?2 AND recorded_at <= ?3 "
                         "GROUP BY card_key ORDER BY card_key");
    c->person = Stmt(c->db,
                     "SELECT DISTINCT card_key FROM qualification_version "
                     "WHERE substr(person_link, 1, 8) = substr(?1, 1, 8) AND person_link=?1 "
                     "AND recorded_at<=?2 ORDER BY card_key");
    c->history = Stmt(c->db, (std::string("SELECT ") + kVersionColumns +
                              " FROM qualification_version WHERE card_key=?1 "
                              "ORDER BY recorded_at")
                                 .c_str());
    c->snapshot = std::make_unique<detail::ReaderSnapshot>(c->db);
    if (!c->as_of.ok() || !c->card_as_of.ok() || !c->person.ok() || !c->history.ok() ||
        !c->snapshot->ok())
      return db_error(c->db, "prepare reader");
    return c;
  }

  Result<std::optional<QualificationVersion>> as_of_on(Conn& c, std::string_view key,
                                                       int64_t known_at) {
    Stmt& s = c.as_of;
    s.reset();
    s.text(1, key);
    s.i64(2, known_at);
    int rc = s.step();
    std::optional<QualificationVersion> out;
    if (rc == SQLITE_ROW) {
      if (Status st = rows_.read(s, c.db, out.emplace()); !st) {
        s.reset();
        return st.error();
      }
    } else if (rc != SQLITE_DONE) {
      Error e = db_error(c.db, "as_of");
      s.reset();
      return e;
    }
    s.reset();
    return out;
  }

  Result<int64_t> scalar(const char* sql) {
    auto c = acquire();
    if (!c) return c.error();
    Lease lease(this, std::move(*c));
    Stmt s(lease.conn->db, sql);
    if (!s.ok() || s.step() != SQLITE_ROW) return db_error(lease.conn->db, sql);
    return s.col_i64(0);
  }

  Status scan_audit_sql(const char* sql, int64_t from_seq,
                        const std::function<bool(const AuditEntry&)>& fn,
                        std::optional<std::string_view> subject = std::nullopt) {
    std::lock_guard lock(audit_read_mu_);
    Stmt s(audit_reader_, sql);
    if (!s.ok()) return Status(db_error(audit_reader_, "scan_audit"));
    if (subject)
      s.text(1, *subject);
    else if (sqlite3_bind_parameter_count(s.get()) > 0)
      s.i64(1, from_seq);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      AuditEntry e;
      e.seq = s.col_i64(0);
      e.time_us = s.col_i64(1);
      e.actor = s.col_text(2);
      e.action = s.col_text(3);
      e.subject = s.col_text(4);
      e.detail = s.col_text(5);
      e.prev_hash = s.col_text(6);
      e.hash = s.col_text(7);
      if (!fn(e)) return {};
    }
    if (rc != SQLITE_DONE) return Status(db_error(audit_reader_, "scan_audit"));
    return {};
  }

  std::filesystem::path file_;
  SqliteOptions options_;
  sqlite3* writer_;
  std::mutex write_mu_;
  Stmt w_latest_, w_tail_, w_insert_, w_audit_, w_audit_tail_;
  std::string scratch_, latest_text_;  // the writer's buffers (write_mu_)
  std::filesystem::path audit_file_;
  sqlite3* audit_writer_ = nullptr;
  sqlite3* audit_reader_ = nullptr;
  std::mutex audit_write_mu_, audit_read_mu_;
  std::unique_ptr<WalCheckpointer> audit_checkpointer_;  // after the mutex it holds
  int64_t last_recorded_ = 0;
  detail::MemberLoad load_;  // a bulk load under way (write_mu_)
  detail::MemberRows rows_;  // how rows hold versions (its writer side under write_mu_)
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> pool_;
  static constexpr auto kSweepEvery = std::chrono::milliseconds(50);
  std::condition_variable sweep_cv_;  // with pool_mu_
  bool sweeper_stop_ = false;
  std::thread sweeper_;
};

}  // namespace

std::filesystem::path store_path(const std::filesystem::path& data_dir) {
  return data_dir / "onshi.db";
}
std::filesystem::path audit_path(const std::filesystem::path& data_dir) {
  return data_dir / "onshi-audit.db";
}

Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& db_file,
                                           const SqliteOptions& options) {
  if (!options.create && !std::filesystem::exists(db_file))
    return Error{"E_STORE_OPEN", "", "no store at " + db_file.string()};
  if (options.create && db_file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db_file.parent_path(), ec);
  }
  auto db = open_db(db_file, options.create, options);
  if (!db) return db.error();
  auto store = std::make_unique<SqliteStore>(db_file, options, *db);
  if (auto st = store->init(); !st) return st.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace onshi::store
