// The bulk-inquiry receptions (store/bulk.h) on PostgreSQL: the table `bulk_receptions` and
// the sequence `bulk_reception_seq` of component "bulk".
//
// The reception number comes from the sequence, so servers sharing the database never hand
// out the same one and nothing is locked while the document is rendered; the retention purge
// and the insert are one statement. A render that fails leaves a gap in the numbers, which is
// harmless: a number only has to be unique.
#include <cstdio>

#include "core/date.h"
#include "store/bulk.h"
#include "store/pg_backend.h"

namespace onshi::store::detail {
namespace {

const char* const kMigrations[] = {R"sql(
CREATE SEQUENCE bulk_reception_seq;
CREATE TABLE bulk_receptions(
  seq BIGINT PRIMARY KEY,
  reception_number TEXT NOT NULL UNIQUE,
  institution TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  document BYTEA NOT NULL);
CREATE INDEX bulk_receptions_created ON bulk_receptions(created_us);
)sql"};

class PgBulk final : public BulkStore {
 public:
  explicit PgBulk(pg::Pool& pool) : pool_(pool) {}

  Result<std::string> add(std::string_view institution, int64_t now_us,
                          const Render& render) override {
    auto seq = next_seq();
    if (!seq) return seq.error();
    char digits[16];
    std::snprintf(digits, sizeof digits, "%08lld", static_cast<long long>(*seq % 100000000));
    std::string number = core::timestamp_jst(now_us).substr(0, 8) + digits;
    auto rendered = render(number);
    if (!rendered) return rendered.error();
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto r = (*c)->exec(
        "WITH purged AS (DELETE FROM bulk_receptions WHERE created_us < $5) "
        "INSERT INTO bulk_receptions(seq, reception_number, institution, created_us, document) "
        "VALUES($1, $2, $3, $4, $6)",
        pg::Params()
            .i64(*seq)
            .text(number)
            .text(institution)
            .i64(now_us)
            .i64(now_us - kBulkKeepUs)
            .bytea(*rendered));
    if (!r) return r.error();
    return number;
  }

  Result<std::optional<std::string>> get(std::string_view reception_number,
                                         std::string_view institution) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows = (*c)->exec(
        "SELECT document FROM bulk_receptions WHERE reception_number = $1 AND institution = $2",
        pg::Params().text(reception_number).text(institution));
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(rows->bytea(0, 0));
  }

  Status scan(int64_t after_seq, size_t limit,
              const std::function<bool(const BulkReception&)>& fn) override {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows = (*c)->exec(
        "SELECT seq, reception_number, institution, created_us, document FROM bulk_receptions "
        "WHERE seq > $1 ORDER BY seq LIMIT $2",
        pg::Params().i64(after_seq).i64(static_cast<int64_t>(limit)));
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i)
      if (!fn(read_reception(*rows, i))) break;
    return Status::Ok();
  }

  // One transaction: the rows stored under the batch's seqs or numbers are compared, the
  // others inserted; then the sequence is raised past the largest seq stored.
  Result<int64_t> put_verbatim(std::span<const BulkReception> rows) override {
    if (rows.empty()) return int64_t{0};
    auto c = pool_.acquire();
    if (!c) return c.error();
    int64_t inserted = 0;
    Status st = (*c)->transaction([&](pg::Conn& conn) -> Status {
      inserted = 0;
      for (const auto& r : rows) {
        auto added = put_one(conn, r);
        if (!added) return added.status();
        inserted += *added ? 1 : 0;
      }
      return conn
          .exec(
              "SELECT setval('bulk_reception_seq', GREATEST((SELECT max(seq) FROM "
              "bulk_receptions), (SELECT last_value FROM bulk_reception_seq)))")
          .status();
    });
    if (!st) return st.error();
    return inserted;
  }

 private:
  static BulkReception read_reception(const pg::Rows& rows, int i) {
    return {rows.i64(i, 0), rows.str(i, 1), rows.str(i, 2), rows.i64(i, 3), rows.bytea(i, 4)};
  }

  // Inserts `r` unless stored already (true when inserted); E_COPY_CONFLICT when its seq or
  // number is stored with other fields.
  static Result<bool> put_one(pg::Conn& c, const BulkReception& r) {
    auto found = c.exec(
        "SELECT seq, reception_number, institution, created_us, document FROM bulk_receptions "
        "WHERE seq = $1 OR reception_number = $2",
        pg::Params().i64(r.seq).text(r.reception_number));
    if (!found) return found.error();
    if (found->size() > 0) {
      if (found->size() == 1 && read_reception(*found, 0) == r) return false;
      return Error{
          "E_COPY_CONFLICT", "bulk",
          "reception " + r.reception_number + " differs between the source and the target"};
    }
    auto ins = c.exec(
        "INSERT INTO bulk_receptions(seq, reception_number, institution, created_us, document) "
        "VALUES($1, $2, $3, $4, $5)",
        pg::Params()
            .i64(r.seq)
            .text(r.reception_number)
            .text(r.institution)
            .i64(r.created_us)
            .bytea(r.document));
    if (!ins) return ins.error();
    return true;
  }

  Result<int64_t> next_seq() {
    auto c = pool_.acquire();
    if (!c) return c.error();
    auto rows = (*c)->exec("SELECT nextval('bulk_reception_seq')");
    if (!rows) return rows.error();
    return rows->i64(0, 0);
  }

  pg::Pool& pool_;
};

}  // namespace

Result<std::unique_ptr<BulkStore>> open_pg_bulk(pg::Pool& pool, bool create) {
  auto c = pool.acquire();
  if (!c) return c.error();
  if (auto st = pg::migrate(**c, "bulk", kMigrations, pool.display(), create); !st)
    return st.error();
  return std::unique_ptr<BulkStore>(new PgBulk(pool));
}

}  // namespace onshi::store::detail
