// The server backend as a Database: one PostgreSQL database holding every table, reached
// through one connection pool per process (and a second pool for a read replica when one
// is given). Each concern migrates its own tables (onshi_schema has one row per component).
//
// Until the PostgreSQL member store is built, this database hands out the stores that exist
// (cards, bulk receptions); asking it for the member store ends the process with a message.
#include <cstdio>
#include <cstdlib>

#include "store/backends.h"
#include "store/pg.h"
#include "store/pg_backend.h"

namespace onshi::store::detail {
namespace {

class PgDatabase final : public Database {
 public:
  PgDatabase(const DatabaseUrl& url, int pool_size)
      : url_(url.display), pool_(url.conninfo, url.display, pool_size) {}

  Status open(bool create) {
    auto cards = open_pg_cards(pool_, create);
    if (!cards) return cards.error();
    cards_ = std::move(*cards);
    auto bulk = open_pg_bulk(pool_, create);
    if (!bulk) return bulk.error();
    bulk_ = std::move(*bulk);
    return Status::Ok();
  }

  Store& members() override {
    std::fprintf(stderr, "onshi: %s: the PostgreSQL member store is not built yet\n", url_.c_str());
    std::abort();
  }
  CardStore& cards() override { return *cards_; }
  BulkStore& bulk() override { return *bulk_; }
  Status migrate() override { return Status::Ok(); }  // opening migrated every store
  std::filesystem::path cache_dir() const override { return {}; }
  Backend backend() const override { return Backend::kPostgres; }
  const std::string& url() const override { return url_; }

 private:
  std::string url_;
  pg::Pool pool_;
  std::unique_ptr<CardStore> cards_;
  std::unique_ptr<BulkStore> bulk_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options) {
  auto probe = pg::connect(url.conninfo, url.display);
  if (!probe) return probe.error();
  auto db = std::make_unique<PgDatabase>(url, options.pool_size);
  if (auto st = db->open(options.create); !st) return st.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace onshi::store::detail
