// The 医療扶助 tickets (store/tickets.h) on SQLite: DIR/medical_aid.db with the table
// `medical_aid_tickets`, opened (created, migrated) the first time the store is used.
//
// Versions are rows that are only ever inserted, one payload per ticket (tickets_backend.h)
// beside the columns the reads select on: (ticket_key, recorded_at) answers "as known at T"
// for one ticket, one recipient (a range of keys) and one office; (designated_code, month)
// finds an institution's tickets of a month. recorded_at comes from a one-row clock taken
// inside the write transaction (BEGIN IMMEDIATE), so it strictly increases across
// connections and processes on the file, as on PostgreSQL.
//
// One writer connection behind a mutex; reads take a connection of a small pool (WAL lets
// them proceed during a write). Both keep their hot statements prepared and a page cache and
// memory map as large as the member store's. A recipient's current tickets, which every
// recipient's confirmation reads, are also kept in memory (ticket_cache.h): each write
// transaction moves the change counter that process-shared cache is checked against.
//
// A bulk load (store/ticket_load.h: begin_bulk … finish_bulk) into an empty table drops the two
// indexes, appends the versions in file order without reading a current version — the one
// b-tree the sqlite3 shell's `.import` also writes — and creates the indexes again by one
// sort each at the end. The load holds the flock DIR/.onshi-tickets-load.lock from before the
// indexes are dropped until after they are back; missing indexes with that lock free mean a
// load was cut short, and whoever sees that first (an open, a write) creates them in one
// transaction, so a crash leaves the versions of the batches written, indexed, as
// put_tickets would have (the scheme every bulk load shares: bulk_load_detail.h).
#include <algorithm>
#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/date.h"
#include "core/dir_lock.h"
#include "store/bulk_load_detail.h"
#include "store/sqlite.h"
#include "store/ticket_cache.h"
#include "store/tickets_backend.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

const char* const kMigrations[] = {R"sql(
CREATE TABLE medical_aid_tickets(
  version_id       INTEGER PRIMARY KEY,
  ticket_key       TEXT    NOT NULL,
  recorded_at      INTEGER NOT NULL,
  insurer_number   TEXT    NOT NULL,
  recipient_number TEXT    NOT NULL,
  designated_code  TEXT    NOT NULL,
  month            TEXT    NOT NULL,
  payload          TEXT    NOT NULL,
  source           TEXT    NOT NULL);
CREATE INDEX medical_aid_tickets_key ON medical_aid_tickets(ticket_key, recorded_at);
CREATE INDEX medical_aid_tickets_institution ON medical_aid_tickets(designated_code, month);
CREATE TABLE medical_aid_clock(id INTEGER PRIMARY KEY CHECK (id = 1), last_us INTEGER NOT NULL);
INSERT INTO medical_aid_clock VALUES (1, 0);
)sql"};

// The indexes a bulk load leaves out, and how they come back (the first migration's).
const BulkTable kTable{
    "medical_aid_tickets",
    {"medical_aid_tickets_key", "medical_aid_tickets_institution"},
    "CREATE INDEX IF NOT EXISTS medical_aid_tickets_key "
    "ON medical_aid_tickets(ticket_key, recorded_at); "
    "CREATE INDEX IF NOT EXISTS medical_aid_tickets_institution "
    "ON medical_aid_tickets(designated_code, month);",
    "tickets-load",
    "medical_aid",
    "a ticket import",
    "medical_aid.db は医療券・調剤券の一括登録（onshi import）の最中です。"
    "終わってから書き込んでください"};
// Recipients kept in memory (ticket_cache.h): ~1.5 KiB each with one ticket, ≤ ~100 MiB.
constexpr size_t kCachedRecipients = 65536;
constexpr const char* kCounterFile = "medical_aid.gen";
// A bulk load sets kBulkLoadPragmas (bulk_load_detail.h) and afterwards these, with this
// store's page cache (connection_options).
const std::string kNormalPragmas =
    std::string(kAfterBulkLoadPragmas) + " PRAGMA cache_size=-262144;";

#define ONSHI_TICKET_COLUMNS "version_id, recorded_at, payload, source"

Result<TicketVersion> read_ticket(Stmt& q) {
  TicketVersion v;
  v.version_id = q.col_i64(0);
  v.recorded_at_us = q.col_i64(1);
  auto t = decode_ticket(q.col_view(2));
  if (!t) return t.error();
  v.ticket = std::move(*t);
  v.source = q.col_text(3);
  return v;
}

// Steps `q` to its end, handing each version to `fn` until it returns false.
Status each(sqlite3* db, Stmt& q, const std::function<bool(const TicketVersion&)>& fn) {
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    auto v = read_ticket(q);
    if (!v) return v.status();
    if (!fn(*v)) return Status::Ok();
  }
  if (rc != SQLITE_DONE) return sqlite::error(db, "medical_aid.db read");
  return Status::Ok();
}

Result<std::vector<TicketVersion>> all(sqlite3* db, Stmt& q) {
  std::vector<TicketVersion> out;
  Status st = each(db, q, [&](const TicketVersion& v) {
    out.push_back(v);
    return true;
  });
  if (!st) return st.error();
  return out;
}

// The page cache and memory map of every connection, as the member store's defaults
// (store.h SqliteOptions): SQLite allocates the cache as pages are used.
sqlite::OpenOptions connection_options(bool create) {
  sqlite::OpenOptions oo;
  oo.create = create;
  oo.cache_mib = 256;
  oo.mmap_mib = 16384;
  return oo;
}

// The writer and its statements, prepared once (statements are finalised before the close).
struct Writer {
  sqlite3* db = nullptr;
  Stmt tick, latest, insert, set_clock;
  ~Writer() {
    for (Stmt* s : {&tick, &latest, &insert, &set_clock}) *s = Stmt();
    if (db) sqlite3_close(db);
  }
};

// A reader of the pool and its statement for tickets_of.
struct Reader {
  sqlite3* db = nullptr;
  Stmt of_recipient;
  Stmt of_month;
  ~Reader() {
    of_recipient = Stmt();
    of_month = Stmt();
    if (db) sqlite3_close(db);
  }
};

class SqliteTickets final : public SqliteTicketStore {
 public:
  SqliteTickets(fs::path dir, bool create)
      : file_(dir / "medical_aid.db"), dir_(dir), create_(create) {}

  Status open_now() override {
    std::lock_guard lock(write_mu_);
    return open_locked().status();
  }

  Result<std::vector<PutOutcome>> put_tickets(std::span<const TicketPut> items) override {
    std::lock_guard lock(write_mu_);
    auto w = open_locked();
    if (!w) return w.error();
    return write_tx((*w)->db, [&](sqlite3* d) -> Result<std::vector<PutOutcome>> {
      if (Status st = indexes_ready(d); !st) return st.error();
      return put_in_transaction(**w, items, false);
    });
  }

  Result<bool> begin_bulk() override {
    std::lock_guard lock(write_mu_);
    auto w = open_locked();
    if (!w) return w.error();
    if (bulk_) return true;
    auto held = take_load_lock(dir_, kTable);
    if (!held) return false;  // another load, or a recovery: this one goes ticket by ticket
    sqlite3* db = (*w)->db;
    auto began = write_tx(db, [&](sqlite3* d) { return drop_indexes_if_empty(d, kTable); });
    if (!began) return began.error();
    if (*began) {
      load_lock_ = std::move(*held);
      bulk_ = true;
      sqlite::exec(db, kBulkLoadPragmas);  // fewer, larger checkpoints while appending
    }
    return *began;
  }

  Status put_bulk(std::span<const TicketPut> items) override {
    std::unique_lock lock(write_mu_);
    if (!bulk_) {
      lock.unlock();
      return put_tickets(items).status();
    }
    Writer& w = *writer_;
    return write_tx(w.db, [&](sqlite3*) { return put_in_transaction(w, items, true).status(); });
  }

  Status finish_bulk() override {
    std::lock_guard lock(write_mu_);
    if (!bulk_) return Status::Ok();
    sqlite3* db = writer_->db;
    Status st = write_tx(db, [](sqlite3* d) { return build_indexes(d, kTable); });
    sqlite::exec(db, kNormalPragmas.c_str());
    // Released even on failure: the next writer then finds the indexes missing and the lock
    // free, and creates them.
    load_lock_ = core::DirLock();
    bulk_ = false;
    return st;
  }

  Result<std::vector<TicketVersion>> tickets_of(std::string_view insurer_number,
                                                std::string_view recipient_number,
                                                int64_t known_at_us) override {
    const auto [lo, hi] = ticket_key_range(insurer_number, recipient_number);
    if (auto hit = cached(lo, hi, known_at_us, {})) return std::move(*hit);
    auto r = latest_of(lo, hi, known_at_us);
    if (r) sort_by_month(*r);
    return r;
  }

  Result<std::vector<TicketVersion>> tickets_of_month(std::string_view insurer_number,
                                                      std::string_view recipient_number,
                                                      std::string_view yyyymm,
                                                      int64_t known_at_us) override {
    std::string lo, hi;  // captured below: no structured binding (clang 14)
    std::tie(lo, hi) = ticket_key_range(insurer_number, recipient_number);
    if (auto hit = cached(lo, hi, known_at_us, yyyymm)) return std::move(*hit);
    auto r = read_with([&](Reader& rd) -> Result<std::vector<TicketVersion>> {
      Stmt& q = rd.of_month;
      q.reset();
      q.text_static(1, lo).text_static(2, hi).i64(3, known_at_us).text_static(4, yyyymm);
      auto out = all(rd.db, q);
      q.reset();
      return out;
    });
    if (r) sort_by_month(*r);
    return r;
  }

  // The keys that designated the institution for the month by then, each key's version as
  // known then, kept when that version still does.
  Result<std::vector<TicketVersion>> tickets_for_institution(std::string_view institution_code,
                                                             std::string_view yyyymm,
                                                             int64_t known_at_us) override {
    return read([&](sqlite3* db) -> Result<std::vector<TicketVersion>> {
      Stmt q(db,
             "SELECT v.version_id, v.recorded_at, v.payload, v.source FROM (SELECT ticket_key, "
             "max(recorded_at) AS at FROM medical_aid_tickets WHERE recorded_at <= ?3 AND "
             "ticket_key IN (SELECT ticket_key FROM medical_aid_tickets WHERE designated_code = "
             "?1 AND month = ?2 AND recorded_at <= ?3) GROUP BY ticket_key) k JOIN "
             "medical_aid_tickets v ON v.ticket_key = k.ticket_key AND v.recorded_at = k.at "
             "WHERE v.designated_code = ?1 AND v.month = ?2 ORDER BY v.ticket_key");
      q.text(1, institution_code).text(2, yyyymm).i64(3, known_at_us);
      return all(db, q);
    });
  }

  Status scan_current(std::string_view insurer_number,
                      const std::function<bool(const TicketVersion&)>& fn) override {
    std::string lo, hi;  // captured below: no structured binding (clang 14)
    std::tie(lo, hi) = ticket_key_range(insurer_number);
    if (insurer_number.empty()) lo.clear();  // every key, with ?3 lifting the upper bound
    auto r = read([&](sqlite3* db) -> Result<bool> {
      Stmt q(db,
             "SELECT version_id, max(recorded_at), payload, source FROM medical_aid_tickets "
             "WHERE ticket_key >= ?1 AND (ticket_key < ?2 OR ?3) GROUP BY ticket_key "
             "ORDER BY ticket_key");
      q.text(1, lo).text(2, hi).i64(3, insurer_number.empty() ? 1 : 0);
      if (Status st = each(db, q, fn); !st) return st.error();
      return true;
    });
    return r.status();
  }

  Result<std::vector<TicketVersion>> history(std::string_view ticket_key) override {
    return read([&](sqlite3* db) -> Result<std::vector<TicketVersion>> {
      Stmt q(db, "SELECT " ONSHI_TICKET_COLUMNS
                 " FROM medical_aid_tickets WHERE ticket_key = ?1 ORDER BY recorded_at");
      q.text(1, ticket_key);
      return all(db, q);
    });
  }

  Result<int64_t> count_versions() override {
    return read([&](sqlite3* db) -> Result<int64_t> {
      Stmt q(db, "SELECT count(*) FROM medical_aid_tickets");
      if (q.step() != SQLITE_ROW) return sqlite::error(db, "medical_aid.db count");
      return q.col_i64(0);
    });
  }

  Status scan_versions(int64_t after_version_id, size_t limit,
                       const std::function<bool(const TicketVersion&)>& fn) override {
    auto r = read([&](sqlite3* db) -> Result<bool> {
      Stmt q(db, "SELECT " ONSHI_TICKET_COLUMNS
                 " FROM medical_aid_tickets WHERE version_id > ?1 ORDER BY version_id LIMIT ?2");
      q.i64(1, after_version_id).i64(2, static_cast<int64_t>(limit));
      if (Status st = each(db, q, fn); !st) return st.error();
      return true;
    });
    return r.status();
  }

  Result<int64_t> put_versions_verbatim(std::span<const TicketVersion> versions) override {
    std::lock_guard lock(write_mu_);
    auto w = open_locked();
    if (!w) return w.error();
    return write_tx((*w)->db, [&](sqlite3* d) -> Result<int64_t> {
      if (Status st = indexes_ready(d); !st) return st.error();
      return verbatim_in_transaction(d, versions);
    });
  }

 private:
  // Takes the clock, decides each item against the key's newest row (which includes rows
  // inserted earlier in this transaction), inserts the new versions, sets the clock to the
  // last recorded_at used. `append` (a bulk load): every item is a new key, nothing is read.
  static Result<std::vector<PutOutcome>> put_in_transaction(Writer& w,
                                                            std::span<const TicketPut> items,
                                                            bool append) {
    sqlite3* db = w.db;
    w.tick.reset();
    const bool ticked = w.tick.i64(1, core::now_unix_us()).step() == SQLITE_ROW;
    const int64_t t = ticked ? w.tick.col_i64(0) : 0;
    w.tick.reset();
    if (!ticked) return sqlite::error(db, "medical_aid.db clock");
    std::vector<PutOutcome> out;
    out.reserve(items.size());
    int64_t next = t;
    std::string key, payload;
    for (const auto& item : items) {
      const core::MedicalTicket& k = item.ticket;
      if (Status st = check_key(k, out.size()); !st) return st.error();
      key = k.ticket_key();
      payload = encode_ticket(k);
      bool exists = false, same = false;
      if (!append) {
        w.latest.reset();
        w.latest.text_static(1, key);
        const int rc = w.latest.step();
        exists = rc == SQLITE_ROW;
        same = exists && w.latest.col_view(0) == payload;
        w.latest.reset();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite::error(db, "medical_aid.db read");
      }
      if (same) {
        out.push_back(PutOutcome::kUnchanged);
        continue;
      }
      out.push_back(exists ? PutOutcome::kChanged : PutOutcome::kAdded);
      Stmt& ins = w.insert;
      ins.reset();
      ins.text_static(1, key).i64(2, next++).text_static(3, k.insurer_number);
      ins.text_static(4, k.insured_identification_number).text_static(5, k.designated_code);
      ins.text_static(6, k.medical_treatment_month).text_static(7, payload);
      ins.text_static(8, item.source);
      const int done = ins.step();
      ins.reset();
      if (done != SQLITE_DONE) return sqlite::error(db, "medical_aid.db insert");
    }
    if (next > t + 1) {
      w.set_clock.reset();
      const int done = w.set_clock.i64(1, next - 1).step();
      w.set_clock.reset();
      if (done != SQLITE_DONE) return sqlite::error(db, "medical_aid.db clock");
    }
    return out;
  }

  // Compares each version with the row stored under its version_id, inserts the absent ones
  // and raises the clock past every copied recorded_at.
  static Result<int64_t> verbatim_in_transaction(sqlite3* db,
                                                 std::span<const TicketVersion> versions) {
    Stmt find(db, "SELECT " ONSHI_TICKET_COLUMNS
                  ", ticket_key FROM medical_aid_tickets "
                  "WHERE version_id = ?1");
    Stmt ins(db,
             "INSERT INTO medical_aid_tickets(version_id, ticket_key, recorded_at, "
             "insurer_number, recipient_number, designated_code, month, payload, source) "
             "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
    int64_t inserted = 0, last = 0;
    for (const auto& v : versions) {
      const core::MedicalTicket& k = v.ticket;
      const std::string key = k.ticket_key(), payload = encode_ticket(k);
      find.reset();
      find.i64(1, v.version_id);
      int rc = find.step();
      if (rc == SQLITE_ROW) {
        if (find.col_i64(1) != v.recorded_at_us || find.col_view(2) != payload ||
            find.col_text(3) != v.source || find.col_text(4) != key)
          return ticket_version_conflict(v.version_id);
        continue;
      }
      if (rc != SQLITE_DONE) return sqlite::error(db, "medical_aid.db copy");
      ins.reset();
      ins.i64(1, v.version_id).text(2, key).i64(3, v.recorded_at_us).text(4, k.insurer_number);
      ins.text(5, k.insured_identification_number).text(6, k.designated_code);
      ins.text(7, k.medical_treatment_month).text(8, payload).text(9, v.source);
      if (ins.step() != SQLITE_DONE) return sqlite::error(db, "medical_aid.db copy");
      last = std::max(last, v.recorded_at_us);
      ++inserted;
    }
    find.reset();
    Stmt clock(db, "UPDATE medical_aid_clock SET last_us = max(last_us, ?1) WHERE id = 1");
    if (clock.i64(1, last).step() != SQLITE_DONE) return sqlite::error(db, "medical_aid.db clock");
    return inserted;
  }

  // Inside a write transaction, before a write that needs the indexes (bulk_load_detail.h).
  Status indexes_ready(sqlite3* db) { return detail::indexes_ready(db, dir_, kTable, bulk_); }

  // The writer, opened (creating and migrating the file) the first time; a bulk load cut
  // short is completed on the way. Caller holds write_mu_.
  Result<Writer*> open_locked() {
    if (writer_) return writer_.get();
    auto db =
        sqlite::open_migrated(file_, connection_options(create_), kMigrations, "medical_aid.db");
    if (!db) return db.error();
    auto w = std::make_unique<Writer>();
    w->db = *db;
    Status ready = complete_cut_load(w->db, dir_, kTable,
                                     [this](sqlite3* d, auto fn) { return write_tx(d, fn); });
    if (!ready) return ready.error();
    w->tick = Stmt(w->db,
                   "UPDATE medical_aid_clock SET last_us = max(last_us + 1, ?1) WHERE id = 1 "
                   "RETURNING last_us",
                   true);
    w->latest = Stmt(w->db,
                     "SELECT payload FROM medical_aid_tickets WHERE ticket_key = ?1 "
                     "ORDER BY recorded_at DESC LIMIT 1",
                     true);
    w->insert = Stmt(w->db,
                     "INSERT INTO medical_aid_tickets(ticket_key, recorded_at, insurer_number, "
                     "recipient_number, designated_code, month, payload, source) "
                     "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                     true);
    w->set_clock = Stmt(w->db, "UPDATE medical_aid_clock SET last_us = ?1 WHERE id = 1", true);
    if (!w->tick.ok() || !w->latest.ok() || !w->insert.ok() || !w->set_clock.ok())
      return sqlite::error(w->db, "medical_aid.db prepare");
    writer_ = std::move(w);
    opened_ = true;
    return writer_.get();
  }

  ChangeCounter& counter() {
    std::call_once(counter_once_, [&] { counter_ = ChangeCounter::open(dir_ / kCounterFile); });
    return counter_;
  }

  // sqlite::write_transaction, moving the shared change counter (ticket_cache.h).
  template <class Fn>
  auto write_tx(sqlite3* db, Fn fn) -> decltype(fn(db)) {
    return counted_write_transaction(counter(), db, std::move(fn));
  }

  // The recipient's tickets of `month` (empty: all) from the cache, filled on a miss; or nullopt.
  std::optional<std::vector<TicketVersion>> cached(const std::string& lo, const std::string& hi,
                                                   int64_t known_at_us, std::string_view month) {
    const auto before = counter().stable();
    if (!before) return std::nullopt;
    if (auto hit = cache_.find(lo, *before, known_at_us, month)) return hit;
    if (cache_.holds(lo, *before)) return std::nullopt;  // current, but newer than asked
    auto latest = latest_of(lo, hi, std::numeric_limits<int64_t>::max());
    if (!latest || counter().stable() != before) return std::nullopt;
    sort_by_month(*latest);
    cache_.put(lo, *before, std::move(*latest));
    return cache_.find(lo, *before, known_at_us, month);
  }

  // The newest version as known at `known_at_us` of each ticket key in [lo, hi).
  Result<std::vector<TicketVersion>> latest_of(const std::string& lo, const std::string& hi,
                                               int64_t known_at_us) {
    return read_with([&](Reader& rd) -> Result<std::vector<TicketVersion>> {
      Stmt& q = rd.of_recipient;
      q.reset();
      q.text_static(1, lo).text_static(2, hi).i64(3, known_at_us);
      auto out = all(rd.db, q);
      q.reset();
      return out;
    });
  }

  // A reader of the pool (opening one when none is idle), handed back after `fn`.
  template <class Fn>
  auto read_with(Fn fn) -> decltype(fn(std::declval<Reader&>())) {
    std::unique_ptr<Reader> r;
    {
      std::lock_guard lock(pool_mu_);
      if (!idle_.empty()) {
        r = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!r) {
      if (!opened_)
        if (Status st = open_now(); !st) return st.error();
      auto db = sqlite::open(file_, connection_options(false));
      if (!db) return db.error();
      r = std::make_unique<Reader>();
      r->db = *db;
      r->of_recipient =
          Stmt(r->db,
               "SELECT version_id, max(recorded_at), payload, source FROM medical_aid_tickets "
               "WHERE ticket_key >= ?1 AND ticket_key < ?2 AND recorded_at <= ?3 "
               "GROUP BY ticket_key",
               true);
      if (!r->of_recipient.ok()) return sqlite::error(r->db, "medical_aid.db prepare");
      // The same latest versions, kept when that version is of the month ?4.
      r->of_month = Stmt(r->db,
                         "SELECT version_id, at, payload, source FROM (SELECT version_id, "
                         "max(recorded_at) AS at, payload, source, month FROM medical_aid_tickets "
                         "WHERE ticket_key >= ?1 AND ticket_key < ?2 AND recorded_at <= ?3 "
                         "GROUP BY ticket_key) WHERE month = ?4",
                         true);
      if (!r->of_month.ok()) return sqlite::error(r->db, "medical_aid.db prepare");
    }
    auto out = fn(*r);
    std::lock_guard lock(pool_mu_);
    idle_.push_back(std::move(r));
    return out;
  }

  // Runs `fn` on a reader connection of the pool.
  template <class Fn>
  auto read(Fn fn) -> decltype(fn(static_cast<sqlite3*>(nullptr))) {
    return read_with([&](Reader& r) { return fn(r.db); });
  }

  const fs::path file_, dir_;
  const bool create_;
  std::mutex write_mu_;
  std::unique_ptr<Writer> writer_;
  core::DirLock load_lock_;  // held from begin_bulk to finish_bulk
  bool bulk_ = false;
  std::atomic<bool> opened_{false};
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Reader>> idle_;
  std::once_flag counter_once_;
  ChangeCounter counter_;  // DIR/medical_aid.gen (ticket_cache.h), mapped on first use
  RecipientTicketCache cache_{kCachedRecipients};
};

}  // namespace

std::unique_ptr<SqliteTicketStore> make_sqlite_tickets(const std::filesystem::path& dir,
                                                       bool create) {
  return std::make_unique<SqliteTickets>(dir, create);
}

}  // namespace onshi::store::detail
