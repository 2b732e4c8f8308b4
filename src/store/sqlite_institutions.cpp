// The institutions registry on SQLite: DIR/institutions.db, the file and schema the registry
// has always had (existing data directories open unchanged; user_version 1).
//
// One connection, opened on first use, serves everything behind one mutex; a unit of work is
// BEGIN IMMEDIATE … COMMIT on it, so it excludes every other writer of the file — the
// service and an operator's command in another process alike (WAL, busy timeout). The
// registry's volume (a few hundred thousand entries, a handful of steps a day each) never
// needed more than one connection.
#include <mutex>

#include "core/date.h"
#include "store/sqlite.h"
#include "store/sqlite_backend.h"

namespace onshi::store {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

const char* const kMigrations[] = {
    R"sql(
CREATE TABLE institution(
  id                       INTEGER PRIMARY KEY,
  provisional_code         TEXT NOT NULL UNIQUE,
  kind                     TEXT NOT NULL,
  prefecture               TEXT NOT NULL,
  district                 TEXT NOT NULL,
  name                     TEXT NOT NULL,
  address                  TEXT NOT NULL,
  stage                    TEXT NOT NULL,
  portal_account           INTEGER NOT NULL DEFAULT 0,
  reader                   TEXT NOT NULL DEFAULT 'none',
  reader_model             TEXT NOT NULL DEFAULT '',
  reader_applied_on        TEXT NOT NULL DEFAULT '',
  reader_model_deadline    TEXT NOT NULL DEFAULT '',
  reader_shipped_on        TEXT NOT NULL DEFAULT '',
  reception_number         TEXT NOT NULL DEFAULT '',
  medical_institution_code TEXT UNIQUE,
  designation_date         TEXT NOT NULL DEFAULT '',
  request_date             TEXT NOT NULL DEFAULT '',
  bureau_answer_date       TEXT NOT NULL DEFAULT '',
  agency_deadline          TEXT NOT NULL DEFAULT '',
  presented_on             TEXT NOT NULL DEFAULT '',
  designated_on            TEXT NOT NULL DEFAULT '',
  usage_applied_on         TEXT NOT NULL DEFAULT '',
  usage_start              TEXT NOT NULL DEFAULT '',
  medical_aid              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX institution_reception ON institution(reception_number) WHERE reception_number <> '';
CREATE INDEX institution_usage ON institution(stage, usage_start);
CREATE TABLE counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE number_high_water(
  prefecture TEXT NOT NULL, score_table TEXT NOT NULL, district TEXT NOT NULL,
  last_number INTEGER NOT NULL,
  PRIMARY KEY(prefecture, score_table, district)
);
CREATE TABLE medical_aid_setting(
  seq            INTEGER PRIMARY KEY,
  institution_id INTEGER NOT NULL REFERENCES institution(id) ON DELETE CASCADE,
  effective_on   TEXT NOT NULL,
  use            INTEGER NOT NULL
);
CREATE INDEX medical_aid_setting_by_institution ON medical_aid_setting(institution_id, effective_on);
CREATE TABLE schedule_override(
  month               TEXT PRIMARY KEY,
  bureau_answer       TEXT,
  agency_deadline     TEXT,
  submission_deadline TEXT
);
CREATE TABLE population(
  kind TEXT NOT NULL, prefecture TEXT NOT NULL, total INTEGER NOT NULL,
  PRIMARY KEY(kind, prefecture)
);
CREATE TABLE institution_event(
  seq              INTEGER PRIMARY KEY,
  time_us          INTEGER NOT NULL,
  provisional_code TEXT NOT NULL,
  action           TEXT NOT NULL,
  actor            TEXT NOT NULL,
  detail           TEXT NOT NULL
);
CREATE INDEX institution_event_by_code ON institution_event(provisional_code, seq);
)sql",
};

constexpr const char* kColumns =
    "id, provisional_code, kind, prefecture, district, name, address, stage, portal_account, "
    "reader, reader_model, reader_applied_on, reader_model_deadline, reader_shipped_on, "
    "reception_number, medical_institution_code, designation_date, request_date, "
    "bureau_answer_date, agency_deadline, presented_on, designated_on, usage_applied_on, "
    "usage_start, medical_aid";

// The entry with code ?1 whose latest medical-aid setting effective on or before ?2 is "use".
constexpr const char* kAidOn =
    "WHERE medical_institution_code = ?1 AND (SELECT s.use FROM medical_aid_setting s WHERE "
    "s.institution_id = institution.id AND s.effective_on <= ?2 ORDER BY s.effective_on DESC, "
    "s.seq DESC LIMIT 1) = 1";

std::string select_where(const char* tail) {
  return std::string("SELECT ") + kColumns + " FROM institution " + tail;
}

InstitutionRow read_row(Stmt& s) {
  InstitutionRow i;
  int c = 0;
  i.id = s.col_i64(c++);
  for (std::string* f :
       {&i.provisional_code, &i.kind, &i.prefecture, &i.district, &i.name, &i.address, &i.stage})
    *f = s.col_text(c++);
  i.portal_account = s.col_i64(c++) != 0;
  for (std::string* f :
       {&i.reader, &i.reader_model, &i.reader_applied_on, &i.reader_model_deadline,
        &i.reader_shipped_on, &i.reception_number, &i.medical_institution_code, &i.designation_date,
        &i.request_date, &i.bureau_answer_date, &i.agency_deadline, &i.presented_on,
        &i.designated_on, &i.usage_applied_on, &i.usage_start})
    *f = s.col_text(c++);
  i.medical_aid = s.col_i64(c++) != 0;
  return i;
}

// Runs a prepared SELECT of kColumns to its end.
Result<std::vector<InstitutionRow>> read_rows(sqlite3* db, Stmt& s, const char* what) {
  if (!s.ok()) return sqlite::error(db, what);
  std::vector<InstitutionRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_row(s));
  if (rc != SQLITE_DONE) return sqlite::error(db, what);
  return out;
}

Status done(sqlite3* db, Stmt& s, const char* what) {
  if (s.step() != SQLITE_DONE) return sqlite::error(db, what);
  return {};
}

const char* key_column(InstitutionKey by) {
  switch (by) {
    case InstitutionKey::kProvisionalCode:
      return "WHERE provisional_code = ? ORDER BY id";
    case InstitutionKey::kReceptionNumber:
      return "WHERE reception_number = ? ORDER BY id";
    case InstitutionKey::kMedicalInstitutionCode:
      return "WHERE medical_institution_code = ? ORDER BY id";
  }
  return "WHERE 0";
}

// Every read and write on one open connection; the store serialises the calls.
class SqliteOps final : public InstitutionTx {
 public:
  explicit SqliteOps(sqlite3* db) : db_(db) {}

  Result<std::vector<InstitutionRow>> find(InstitutionKey by, std::string_view value) override {
    Stmt s(db_, select_where(key_column(by)).c_str());
    s.text(1, value);
    return read_rows(db_, s, "institution find");
  }

  Result<std::vector<StoredScheduleOverride>> schedule_overrides() override {
    Stmt s(db_,
           "SELECT month, bureau_answer, agency_deadline, submission_deadline FROM "
           "schedule_override ORDER BY month");
    std::vector<StoredScheduleOverride> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back({s.col_text(0), s.col_text(1), s.col_text(2), s.col_text(3)});
    if (rc != SQLITE_DONE) return sqlite::error(db_, "schedule overrides");
    return out;
  }

  Result<InstitutionRow> insert(const InstitutionRow& r) override {
    Stmt s(db_,
           "INSERT INTO institution(provisional_code, kind, prefecture, district, name, address, "
           "stage) VALUES(?,?,?,?,?,?,?)");
    s.text(1, r.provisional_code).text(2, r.kind).text(3, r.prefecture).text(4, r.district);
    s.text(5, r.name).text(6, r.address).text(7, r.stage);
    if (Status st = done(db_, s, "insert institution"); !st) return st.error();
    InstitutionRow out = r;
    out.id = sqlite3_last_insert_rowid(db_);
    if (Status st = update(out); !st) return st.error();
    return out;
  }

  Status update(const InstitutionRow& i) override {
    Stmt s(db_,
           "UPDATE institution SET stage=?, portal_account=?, reader=?, reader_model=?, "
           "reader_applied_on=?, reader_model_deadline=?, reader_shipped_on=?, reception_number=?, "
           "medical_institution_code=?, designation_date=?, request_date=?, bureau_answer_date=?, "
           "agency_deadline=?, presented_on=?, designated_on=?, usage_applied_on=?, usage_start=?, "
           "medical_aid=? WHERE id=?");
    s.text(1, i.stage).i64(2, i.portal_account ? 1 : 0);
    s.text(3, i.reader).text(4, i.reader_model);
    s.text(5, i.reader_applied_on).text(6, i.reader_model_deadline).text(7, i.reader_shipped_on);
    s.text(8, i.reception_number).text_or_null(9, i.medical_institution_code);
    s.text(10, i.designation_date).text(11, i.request_date).text(12, i.bureau_answer_date);
    s.text(13, i.agency_deadline).text(14, i.presented_on).text(15, i.designated_on);
    s.text(16, i.usage_applied_on).text(17, i.usage_start).i64(18, i.medical_aid ? 1 : 0);
    s.i64(19, i.id);
    return done(db_, s, "update institution");
  }

  Status remove(int64_t id) override {
    Stmt s(db_, "DELETE FROM institution WHERE id = ?");
    s.i64(1, id);
    return done(db_, s, "delete institution");
  }

  Status append_event(const InstitutionEvent& e) override {
    Stmt s(db_,
           "INSERT INTO institution_event(time_us, provisional_code, action, actor, detail) "
           "VALUES(?,?,?,?,?)");
    s.i64(1, e.time_us ? e.time_us : core::now_unix_us()).text(2, e.provisional_code);
    s.text(3, e.action).text(4, e.actor).text(5, e.detail);
    return done(db_, s, "institution_event");
  }

  Result<std::vector<InstitutionRow>> undecided_readers_before(std::string_view day) override {
    Stmt s(db_, select_where("WHERE reader = 'undecided' AND reader_model_deadline < ? "
                             "ORDER BY id")
                    .c_str());
    s.text(1, day);
    return read_rows(db_, s, "undecided readers");
  }

  Result<int64_t> high_water(std::string_view prefecture, std::string_view table,
                             std::string_view district) override {
    Stmt s(db_,
           "SELECT last_number FROM number_high_water WHERE prefecture=? AND score_table=? AND "
           "district=?");
    s.text(1, prefecture).text(2, table).text(3, district);
    int rc = s.step();
    if (rc == SQLITE_ROW) return s.col_i64(0);
    if (rc != SQLITE_DONE) return sqlite::error(db_, "high water");
    return int64_t{0};
  }

  Status set_high_water(std::string_view prefecture, std::string_view table,
                        std::string_view district, int64_t number) override {
    Stmt s(db_,
           "INSERT INTO number_high_water(prefecture, score_table, district, last_number) "
           "VALUES(?,?,?,?) ON CONFLICT(prefecture, score_table, district) DO UPDATE SET "
           "last_number = excluded.last_number");
    s.text(1, prefecture).text(2, table).text(3, district).i64(4, number);
    return done(db_, s, "high water");
  }

  Result<int64_t> next_counter(std::string_view name) override {
    Stmt s(db_,
           "INSERT INTO counter(name, value) VALUES(?, 1) "
           "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
    s.text(1, name);
    if (s.step() != SQLITE_ROW) return sqlite::error(db_, "counter");
    return s.col_i64(0);
  }

  Status set_counter(std::string_view name, int64_t value) override {
    Stmt s(db_,
           "INSERT INTO counter(name, value) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET value = "
           "excluded.value");
    s.text(1, name).i64(2, value);
    return done(db_, s, "counter");
  }

  Status add_medical_aid_setting(int64_t id, std::string_view on, bool use) override {
    Stmt s(db_, "INSERT INTO medical_aid_setting(institution_id, effective_on, use) VALUES(?,?,?)");
    s.i64(1, id).text(2, on).i64(3, use ? 1 : 0);
    return done(db_, s, "medical aid");
  }

  Status put_schedule_override(const StoredScheduleOverride& o) override {
    Stmt s(db_,
           "INSERT INTO schedule_override(month, bureau_answer, agency_deadline, "
           "submission_deadline) VALUES(?,?,?,?) ON CONFLICT(month) DO UPDATE SET "
           "bureau_answer=excluded.bureau_answer, agency_deadline=excluded.agency_deadline, "
           "submission_deadline=excluded.submission_deadline");
    s.text(1, o.month).text_or_null(2, o.bureau_answer).text_or_null(3, o.agency_deadline);
    s.text_or_null(4, o.submission_deadline);
    return done(db_, s, "schedule override");
  }

  Result<bool> delete_schedule_override(std::string_view month) override {
    Stmt s(db_, "DELETE FROM schedule_override WHERE month = ?");
    s.text(1, month);
    if (Status st = done(db_, s, "schedule override"); !st) return st.error();
    return sqlite3_changes(db_) > 0;
  }

  Status set_population(std::string_view kind, std::string_view prefecture,
                        int64_t total) override {
    Stmt s(db_,
           "INSERT INTO population(kind, prefecture, total) VALUES(?,?,?) "
           "ON CONFLICT(kind, prefecture) DO UPDATE SET total = excluded.total");
    s.text(1, kind).text(2, prefecture).i64(3, total);
    return done(db_, s, "population");
  }

  // ---- reads of the store outside a unit of work
  Result<std::vector<InstitutionRow>> query(const std::string& tail,
                                            const std::vector<std::string>& params) {
    Stmt s(db_, select_where(tail.c_str()).c_str());
    for (size_t p = 0; p < params.size(); ++p) s.text(static_cast<int>(p + 1), params[p]);
    return read_rows(db_, s, "institution query");
  }

  Result<std::vector<InstitutionEvent>> history(std::string_view code) {
    Stmt s(db_,
           "SELECT seq, time_us, provisional_code, action, actor, detail FROM institution_event "
           "WHERE provisional_code = ? ORDER BY seq");
    s.text(1, code);
    std::vector<InstitutionEvent> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back(
          {s.col_i64(0), s.col_i64(1), s.col_text(2), s.col_text(3), s.col_text(4), s.col_text(5)});
    if (rc != SQLITE_DONE) return sqlite::error(db_, "history");
    return out;
  }

  Result<std::vector<InstitutionCounts>> counts(std::string_view day) {
    Stmt s(db_,
           "SELECT kind, prefecture, count(*), "
           "sum(reader IN ('applied','undecided','shipped') AND reader_applied_on <= ?1), "
           "sum(stage = 'inUse' AND usage_start <= ?1), "
           "sum(stage = 'inUse' AND usage_start <= ?1 AND medical_aid = 1) "
           "FROM institution GROUP BY kind, prefecture ORDER BY kind, prefecture");
    s.text(1, day);
    std::vector<InstitutionCounts> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back(
          {s.col_text(0), s.col_text(1), s.col_i64(2), s.col_i64(3), s.col_i64(4), s.col_i64(5)});
    if (rc != SQLITE_DONE) return sqlite::error(db_, "statistics");
    return out;
  }

  Result<std::vector<PopulationTotal>> population() {
    Stmt s(db_, "SELECT kind, prefecture, total FROM population ORDER BY kind, prefecture");
    std::vector<PopulationTotal> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back({s.col_text(0), s.col_text(1), s.col_i64(2)});
    if (rc != SQLITE_DONE) return sqlite::error(db_, "population");
    return out;
  }

  Result<std::optional<int64_t>> counter(std::string_view name) {
    Stmt s(db_, "SELECT value FROM counter WHERE name = ?");
    s.text(1, name);
    int rc = s.step();
    if (rc == SQLITE_ROW) return std::optional<int64_t>(s.col_i64(0));
    if (rc != SQLITE_DONE) return sqlite::error(db_, "counter");
    return std::optional<int64_t>();
  }

  // ---- copying: every table out, and rows in verbatim
  Status export_into(InstitutionTables& t) {
    auto entries = query("ORDER BY id", {});
    if (!entries) return entries.status();
    t.entries = std::move(*entries);
    auto population_rows = population();
    if (!population_rows) return population_rows.status();
    t.population = std::move(*population_rows);
    auto overrides = schedule_overrides();
    if (!overrides) return overrides.status();
    t.schedule_overrides = std::move(*overrides);
    Status st = each(
        "SELECT seq, time_us, provisional_code, action, actor, detail FROM "
        "institution_event ORDER BY seq",
        [&](Stmt& s) {
          t.events.push_back({s.col_i64(0), s.col_i64(1), s.col_text(2), s.col_text(3),
                              s.col_text(4), s.col_text(5)});
        });
    if (st)
      st = each(
          "SELECT seq, institution_id, effective_on, use FROM medical_aid_setting "
          "ORDER BY seq",
          [&](Stmt& s) {
            t.medical_aid.push_back({s.col_i64(0), s.col_i64(1), s.col_text(2), s.col_i64(3) != 0});
          });
    if (st)
      st = each(
          "SELECT prefecture, score_table, district, last_number FROM number_high_water "
          "ORDER BY prefecture, score_table, district",
          [&](Stmt& s) {
            t.high_water.push_back({s.col_text(0), s.col_text(1), s.col_text(2), s.col_i64(3)});
          });
    if (st)
      st = each("SELECT name, value FROM counter ORDER BY name", [&](Stmt& s) {
        t.counters.push_back({s.col_text(0), s.col_i64(1)});
      });
    return st;
  }

  Status import_from(const InstitutionTables& t) {
    for (const auto& r : t.entries) {
      Stmt s(db_,
             "INSERT INTO institution(id, provisional_code, kind, prefecture, district, name, "
             "address, stage) VALUES(?,?,?,?,?,?,?,?)");
      s.i64(1, r.id).text(2, r.provisional_code).text(3, r.kind).text(4, r.prefecture);
      s.text(5, r.district).text(6, r.name).text(7, r.address).text(8, r.stage);
      if (Status st = done(db_, s, "copy institution"); !st) return st;
      if (Status st = update(r); !st) return st;
    }
    for (const auto& e : t.events) {
      Stmt s(db_,
             "INSERT INTO institution_event(seq, time_us, provisional_code, action, actor, "
             "detail) VALUES(?,?,?,?,?,?)");
      s.i64(1, e.seq).i64(2, e.time_us).text(3, e.provisional_code).text(4, e.action);
      s.text(5, e.actor).text(6, e.detail);
      if (Status st = done(db_, s, "copy institution_event"); !st) return st;
    }
    for (const auto& m : t.medical_aid) {
      Stmt s(db_,
             "INSERT INTO medical_aid_setting(seq, institution_id, effective_on, use) "
             "VALUES(?,?,?,?)");
      s.i64(1, m.seq).i64(2, m.institution_id).text(3, m.effective_on).i64(4, m.use ? 1 : 0);
      if (Status st = done(db_, s, "copy medical_aid_setting"); !st) return st;
    }
    return import_keyed(t);
  }

 private:
  // The tables keyed by their columns: a row already present fails the insert.
  Status import_keyed(const InstitutionTables& t) {
    for (const auto& h : t.high_water) {
      Stmt s(db_,
             "INSERT INTO number_high_water(prefecture, score_table, district, last_number) "
             "VALUES(?,?,?,?)");
      s.text(1, h.prefecture).text(2, h.score_table).text(3, h.district).i64(4, h.number);
      if (Status st = done(db_, s, "copy high water"); !st) return st;
    }
    for (const auto& c : t.counters) {
      Stmt s(db_, "INSERT INTO counter(name, value) VALUES(?,?)");
      s.text(1, c.name).i64(2, c.value);
      if (Status st = done(db_, s, "copy counter"); !st) return st;
    }
    for (const auto& o : t.schedule_overrides) {
      Stmt s(db_,
             "INSERT INTO schedule_override(month, bureau_answer, agency_deadline, "
             "submission_deadline) VALUES(?,?,?,?)");
      s.text(1, o.month).text_or_null(2, o.bureau_answer).text_or_null(3, o.agency_deadline);
      s.text_or_null(4, o.submission_deadline);
      if (Status st = done(db_, s, "copy schedule override"); !st) return st;
    }
    for (const auto& p : t.population) {
      Stmt s(db_, "INSERT INTO population(kind, prefecture, total) VALUES(?,?,?)");
      s.text(1, p.kind).text(2, p.prefecture).i64(3, p.total);
      if (Status st = done(db_, s, "copy population"); !st) return st;
    }
    return {};
  }

  // Runs a SELECT without parameters, calling `row` for each result row.
  template <class F>
  Status each(const char* sql, F&& row) {
    Stmt s(db_, sql);
    if (!s.ok()) return sqlite::error(db_, sql);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) row(s);
    if (rc != SQLITE_DONE) return sqlite::error(db_, sql);
    return {};
  }

  sqlite3* db_;
};

class SqliteInstitutions final : public InstitutionStore {
 public:
  SqliteInstitutions(fs::path file, bool create) : file_(std::move(file)), create_(create) {}
  ~SqliteInstitutions() override {
    if (db_) sqlite3_close_v2(db_);
  }

  Status migrate() override {
    std::lock_guard lock(mu_);
    return ensure_open();
  }

  Status transact(const std::function<Status(InstitutionTx&)>& fn) override {
    std::lock_guard lock(mu_);
    if (Status st = ensure_open(); !st) return st;
    if (Status st = sqlite::exec(db_, "BEGIN IMMEDIATE"); !st) return st;
    Status st = fn(*ops_);
    if (st) st = sqlite::exec(db_, "COMMIT");
    if (!st) sqlite::exec(db_, "ROLLBACK");
    return st;
  }

  Result<std::vector<InstitutionRow>> find(InstitutionKey by, std::string_view v) override {
    return read([&] { return ops_->find(by, v); });
  }
  Result<std::vector<StoredScheduleOverride>> schedule_overrides() override {
    return read([&] { return ops_->schedule_overrides(); });
  }
  Result<std::vector<InstitutionRow>> all() override {
    return read([&] { return ops_->query("ORDER BY id", {}); });
  }
  Result<std::vector<InstitutionRow>> in_use_before(std::string_view day,
                                                    const InstitutionFilter& f) override {
    std::string tail = "WHERE stage = 'inUse' AND usage_start < ?";
    std::vector<std::string> params{std::string(day)};
    for (auto [value, clause] :
         {std::pair{&f.prefecture, " AND prefecture = ?"}, std::pair{&f.kind, " AND kind = ?"},
          std::pair{&f.name, " AND instr(name, ?) > 0"}}) {
      if (value->empty()) continue;
      tail += clause;
      params.push_back(*value);
    }
    tail += " ORDER BY medical_institution_code";
    return read([&] { return ops_->query(tail, params); });
  }
  Result<std::vector<InstitutionRow>> medical_aid_users(std::string_view day) override {
    return read([&] {
      return ops_->query(
          "WHERE stage = 'inUse' AND usage_start < ?1 AND (SELECT s.use FROM "
          "medical_aid_setting s WHERE s.institution_id = institution.id AND s.effective_on < ?1 "
          "ORDER BY s.effective_on DESC, s.seq DESC LIMIT 1) = 1 ORDER BY "
          "medical_institution_code",
          {std::string(day)});
    });
  }
  Result<bool> medical_aid_on(std::string_view code, std::string_view day) override {
    auto rows = read([&] { return ops_->query(kAidOn, {std::string(code), std::string(day)}); });
    return rows ? Result<bool>(!rows->empty()) : Result<bool>(rows.error());
  }
  Result<std::vector<InstitutionEvent>> history(std::string_view code) override {
    return read([&] { return ops_->history(code); });
  }
  Result<std::vector<InstitutionCounts>> counts(std::string_view day) override {
    return read([&] { return ops_->counts(day); });
  }
  Result<std::vector<PopulationTotal>> population() override {
    return read([&] { return ops_->population(); });
  }
  Result<std::optional<int64_t>> counter(std::string_view name) override {
    return read([&] { return ops_->counter(name); });
  }

  // One read transaction, so the tables come from one snapshot.
  Result<InstitutionTables> export_tables() override {
    std::lock_guard lock(mu_);
    if (Status st = ensure_open(); !st) return st.error();
    if (Status st = sqlite::exec(db_, "BEGIN"); !st) return st.error();
    InstitutionTables t;
    Status st = ops_->export_into(t);
    sqlite::exec(db_, st ? "COMMIT" : "ROLLBACK");
    if (!st) return st.error();
    return t;
  }
  // SQLite's INTEGER PRIMARY KEYs continue after the largest id by themselves.
  Status import_tables(const InstitutionTables& t) override {
    return transact([&](InstitutionTx&) { return ops_->import_from(t); });
  }

 private:
  // Opens and migrates the file the first time (again after a failure). Holds mu_.
  Status ensure_open() {
    if (db_) return {};
    if (create_) {
      std::error_code ec;
      fs::create_directories(file_.parent_path(), ec);
    }
    sqlite::OpenOptions oo;
    oo.create = create_;
    oo.busy_timeout_ms = 10000;
    auto db = sqlite::open(file_, oo);
    if (!db) return Error{"E_STORE_OPEN", "db", db.error().message};
    if (Status st = sqlite::migrate(*db, kMigrations, file_.string(), "db"); !st) {
      sqlite3_close_v2(*db);
      return st;
    }
    db_ = *db;
    ops_ = std::make_unique<SqliteOps>(db_);
    return {};
  }

  template <class F>
  auto read(F&& f) -> decltype(f()) {
    std::lock_guard lock(mu_);
    if (Status st = ensure_open(); !st) return st.error();
    return f();
  }

  fs::path file_;
  bool create_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<SqliteOps> ops_;
};

}  // namespace

std::unique_ptr<InstitutionStore> make_sqlite_institutions(const fs::path& file, bool create) {
  return std::make_unique<SqliteInstitutions>(file, create);
}

}  // namespace onshi::store
