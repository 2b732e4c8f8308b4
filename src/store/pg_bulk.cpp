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

 private:
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
