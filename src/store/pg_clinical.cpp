// The clinical store (store/clinical.h) on PostgreSQL: the tables `clinical_records` and
// `clinical_windows` of component "clinical", shared by every `onshi serve` on the database.
//
// The primary key is (person_link, kind, record_date, record_id), the order a view reads, as
// on SQLite; the natural key (kind, record_key) and record_id are unique beside it.
//
// A put is `INSERT … ON CONFLICT DO NOTHING RETURNING`, so of two servers writing the same
// key at once one inserts and the other waits for it and then compares; only a key already
// present costs a second statement (a read, and an update when the contents differ). The
// windows the first migration would seed are inserted at open with ON CONFLICT DO NOTHING,
// so a window changed by an operator stays changed.
#include "core/date.h"
#include "store/clinical_backend.h"
#include "store/pg.h"

namespace onshi::store::detail {
namespace {

const char* const kMigrations[] = {R"sql(
CREATE TABLE clinical_records(
  record_id BIGSERIAL PRIMARY KEY,
  kind SMALLINT NOT NULL,
  record_key TEXT NOT NULL,
  person_link BYTEA NOT NULL,
  card_key TEXT NOT NULL,
  record_date TEXT NOT NULL,
  payload BYTEA NOT NULL,
  source TEXT NOT NULL,
  recorded_at BIGINT NOT NULL,
  UNIQUE(kind, record_key));
CREATE INDEX clinical_records_person ON clinical_records(person_link, kind, record_date);
CREATE TABLE clinical_windows(
  kind SMALLINT PRIMARY KEY, amount INTEGER NOT NULL, unit TEXT NOT NULL, basis TEXT NOT NULL);
)sql",
                                   // 2: the views' order as the primary key, as on SQLite.
                                   R"sql(
ALTER TABLE clinical_records DROP CONSTRAINT clinical_records_pkey;
ALTER TABLE clinical_records ADD PRIMARY KEY(person_link, kind, record_date, record_id);
ALTER TABLE clinical_records ADD CONSTRAINT clinical_records_record_id_key UNIQUE(record_id);
DROP INDEX clinical_records_person;
)sql"};

constexpr const char* kSelect =
    "SELECT record_id, recorded_at, kind, record_key, person_link, card_key, record_date, "
    "payload, source FROM clinical_records ";

ClinicalRecord read_record(const pg::Rows& rows, int i) {
  ClinicalRecord r;
  r.record_id = rows.i64(i, 0);
  r.recorded_at_us = rows.i64(i, 1);
  r.kind = static_cast<ClinicalKind>(rows.i64(i, 2));
  r.record_key = rows.str(i, 3);
  r.person_link = rows.bytea(i, 4);
  r.card_key = rows.str(i, 5);
  r.record_date = rows.str(i, 6);
  r.payload = rows.bytea(i, 7);
  r.source = rows.str(i, 8);
  return r;
}

// The views' read: prepared once per connection, binary results (no hex to decode).
const pg::Prepared kViewRows{
    "onshi_clinical_view_rows",
    "SELECT record_date, payload FROM clinical_records WHERE person_link = $1 AND kind = $2 "
    "AND record_date >= $3 AND record_date <= $4 ORDER BY record_date DESC, record_id DESC"};

class PgClinical final : public ClinicalStore {
 public:
  explicit PgClinical(pg::Pool& pool) : pool_(pool) {}

  Result<std::vector<PutOutcome>> put_records(std::span<const ClinicalPut> items) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    const int64_t now = core::now_unix_us();
    std::vector<PutOutcome> out;
    Status st = (*c)->transaction([&](pg::Conn& conn) -> Status {
      out.clear();
      for (const ClinicalPut& p : items) {
        auto o = put_one(conn, p, now);
        if (!o) return o.status();
        out.push_back(*o);
      }
      return {};
    });
    if (!st) return st.error();
    return out;
  }

  Result<std::vector<ClinicalRecord>> records_of(std::string_view person_link, ClinicalKind kind,
                                                 std::string_view from_date,
                                                 std::string_view to_date) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows = (*c)->exec(
        (std::string(kSelect) +
         "WHERE person_link = $1 AND kind = $2 AND record_date >= $3 AND record_date <= $4 "
         "ORDER BY record_date DESC, record_id DESC")
            .c_str(),
        pg::Params()
            .bytea(person_link)
            .i64(static_cast<int64_t>(kind))
            .text(from_date)
            .text(to_date.empty() ? std::string_view("99999999") : to_date));
    if (!rows) return rows.error();
    std::vector<ClinicalRecord> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(read_record(*rows, i));
    return out;
  }

  Result<std::vector<ClinicalViewRow>> view_rows(std::string_view person_link, ClinicalKind kind,
                                                 std::string_view from_date,
                                                 std::string_view to_date) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows = (*c)->exec(kViewRows,
                           pg::Params()
                               .bytea(person_link)
                               .i64(static_cast<int64_t>(kind))
                               .text(from_date)
                               .text(to_date.empty() ? std::string_view("99999999") : to_date),
                           pg::Format::kBinary);
    if (!rows) return rows.error();
    std::vector<ClinicalViewRow> out(static_cast<size_t>(rows->size()));
    for (int i = 0; i < rows->size(); ++i) {
      out[static_cast<size_t>(i)].record_date = rows->text(i, 0);
      out[static_cast<size_t>(i)].payload = rows->text(i, 1);
    }
    return out;
  }

  Result<int64_t> count_records(ClinicalKind kind) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows = (*c)->exec("SELECT count(*) FROM clinical_records WHERE kind = $1",
                           pg::Params().i64(static_cast<int64_t>(kind)));
    if (!rows) return rows.error();
    return rows->i64(0, 0);
  }

  Result<std::vector<ViewingWindow>> windows() override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows =
        (*c)->exec("SELECT kind, amount, unit, basis FROM clinical_windows ORDER BY kind");
    if (!rows) return rows.error();
    std::vector<ViewingWindow> out;
    for (int i = 0; i < rows->size(); ++i) {
      std::string unit = rows->str(i, 2);
      out.push_back({static_cast<ClinicalKind>(rows->i64(i, 0)),
                     static_cast<int>(rows->i64(i, 1)), unit.empty() ? 'Y' : unit[0],
                     rows->str(i, 3)});
    }
    return out;
  }

  Status set_window(const ViewingWindow& w) override {
    if (auto st = check_window(w); !st) return st;
    auto c = pool_.acquire();
    if (!c) return c.status();
    return write_window(**c, w, true);
  }

  Status scan(const ClinicalRecord* after, size_t limit,
              const std::function<bool(const ClinicalRecord&)>& fn) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    constexpr const char* kOrder = "ORDER BY person_link, kind, record_date, record_id ";
    auto rows =
        after ? (*c)->exec((std::string(kSelect) +
                            "WHERE (person_link, kind, record_date, record_id) > "
                            "($1, $2, $3, $4) " + kOrder + "LIMIT $5")
                               .c_str(),
                           pg::Params()
                               .bytea(after->person_link)
                               .i64(static_cast<int64_t>(after->kind))
                               .text(after->record_date)
                               .i64(after->record_id)
                               .i64(static_cast<int64_t>(limit)))
              : (*c)->exec((std::string(kSelect) + kOrder + "LIMIT $1").c_str(),
                           pg::Params().i64(static_cast<int64_t>(limit)));
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i)
      if (!fn(read_record(*rows, i))) break;
    return Status::Ok();
  }

  // One transaction; afterwards the id sequence is raised past the largest id stored.
  Result<int64_t> put_verbatim(std::span<const ClinicalRecord> rows) override {
    if (rows.empty()) return int64_t{0};
    auto c = pool_.acquire();
    if (!c) return c.error();
    int64_t inserted = 0;
    Status st = (*c)->transaction([&](pg::Conn& conn) -> Status {
      inserted = 0;
      for (const ClinicalRecord& r : rows) {
        auto added = verbatim_one(conn, r);
        if (!added) return added.status();
        inserted += *added ? 1 : 0;
      }
      return conn
          .exec(
              "SELECT setval(pg_get_serial_sequence('clinical_records', 'record_id'), "
              "GREATEST((SELECT max(record_id) FROM clinical_records), 1))")
          .status();
    });
    if (!st) return st.error();
    return inserted;
  }

  static Status write_window(pg::Conn& c, const ViewingWindow& w, bool replace) {
    std::string sql =
        "INSERT INTO clinical_windows(kind, amount, unit, basis) VALUES($1, $2, $3, $4) ";
    sql += replace ? "ON CONFLICT(kind) DO UPDATE SET amount = excluded.amount, "
                     "unit = excluded.unit, basis = excluded.basis"
                   : "ON CONFLICT(kind) DO NOTHING";
    return c
        .exec(sql.c_str(), pg::Params()
                               .i64(static_cast<int64_t>(w.kind))
                               .i64(w.amount)
                               .text(std::string(1, w.unit))
                               .text(w.basis))
        .status();
  }

 private:
  static Result<PutOutcome> put_one(pg::Conn& c, const ClinicalPut& p, int64_t now) {
    auto ins = c.exec(
        "INSERT INTO clinical_records(kind, record_key, person_link, card_key, record_date, "
        "payload, source, recorded_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT(kind, record_key) DO NOTHING RETURNING record_id",
        pg::Params()
            .i64(static_cast<int64_t>(p.kind))
            .text(p.record_key)
            .bytea(p.person_link)
            .text(p.card_key)
            .text(p.record_date)
            .bytea(p.payload)
            .text(p.source)
            .i64(now));
    if (!ins) return ins.error();
    if (ins->size() == 1) return PutOutcome::kAdded;
    auto found = c.exec((std::string(kSelect) + "WHERE kind = $1 AND record_key = $2").c_str(),
                        pg::Params().i64(static_cast<int64_t>(p.kind)).text(p.record_key));
    if (!found) return found.error();
    if (found->size() != 1) return Error{"E_STORE", "clinical", "clinical record vanished"};
    ClinicalRecord stored = read_record(*found, 0);
    if (same_contents(stored, p)) return PutOutcome::kUnchanged;
    auto upd = c.exec(
        "UPDATE clinical_records SET person_link = $1, card_key = $2, record_date = $3, "
        "payload = $4, source = $5, recorded_at = $6 WHERE record_id = $7",
        pg::Params()
            .bytea(p.person_link)
            .text(p.card_key)
            .text(p.record_date)
            .bytea(p.payload)
            .text(p.source)
            .i64(now)
            .i64(stored.record_id));
    if (!upd) return upd.error();
    return PutOutcome::kChanged;
  }

  static Result<bool> verbatim_one(pg::Conn& c, const ClinicalRecord& r) {
    auto found = c.exec(
        (std::string(kSelect) + "WHERE record_id = $1 OR (kind = $2 AND record_key = $3)")
            .c_str(),
        pg::Params().i64(r.record_id).i64(static_cast<int64_t>(r.kind)).text(r.record_key));
    if (!found) return found.error();
    if (found->size() > 0) {
      if (found->size() == 1 && read_record(*found, 0) == r) return false;
      return Error{"E_COPY_CONFLICT", "clinical",
                   "clinical record " + std::to_string(r.record_id) +
                       " differs between the source and the target"};
    }
    auto ins = c.exec(
        "INSERT INTO clinical_records(record_id, recorded_at, kind, record_key, person_link, "
        "card_key, record_date, payload, source) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        pg::Params()
            .i64(r.record_id)
            .i64(r.recorded_at_us)
            .i64(static_cast<int64_t>(r.kind))
            .text(r.record_key)
            .bytea(r.person_link)
            .text(r.card_key)
            .text(r.record_date)
            .bytea(r.payload)
            .text(r.source));
    if (!ins) return ins.error();
    return true;
  }

  pg::Pool& pool_;
};

}  // namespace

Result<std::unique_ptr<ClinicalStore>> open_pg_clinical(pg::Pool& pool, bool create) {
  auto c = pool.acquire();
  if (!c) return c.error();
  if (auto st = pg::migrate(**c, "clinical", kMigrations, pool.display(), create); !st)
    return st.error();
  for (const ViewingWindow& w : default_clinical_windows())
    if (auto st = PgClinical::write_window(**c, w, false); !st) return st.error();
  return std::unique_ptr<ClinicalStore>(new PgClinical(pool));
}

}  // namespace onshi::store::detail
