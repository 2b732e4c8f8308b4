// The server backend as a Database: one PostgreSQL database holding every table, reached
// through one connection pool per process (`pool_size` connections, each lent to one caller
// at a time) and a second pool on the read replica when `read_url` is given. Confirmation
// lookups may read from the replica; writes and whatever must read its own writes use the
// primary. Each concern migrates its own tables (onshi_schema has one row per component) when
// the database is opened, under one advisory lock, so servers starting together migrate once.
#include "store/backends.h"
#include "store/pg.h"

namespace onshi::store::detail {
namespace {

class PgDatabase final : public Database {
 public:
  PgDatabase(const DatabaseUrl& url, const DatabaseOptions& options)
      : url_(url.display), primary_(url.conninfo, url.display, options.pool_size) {}

  // Connects (to the replica too, when there is one) and brings the schema up to date.
  Status open(const DatabaseUrl& url, const DatabaseOptions& options) {
    {
      auto c = primary_.acquire();
      if (!c) return open_error(c.error());
      if (auto st = migrate_pg_members(**c, url.display, options.create); !st)
        return st.error().code == "E_STORE" ? open_error(st.error()) : st;
    }
    if (!options.read_url.empty()) {
      auto r = parse_database_url(options.read_url);
      if (!r) return r.status();
      if (r->backend != Backend::kPostgres)
        return Status::Fail("E_DB_URL", "db-read",
                            r->display + ": a read replica must be a postgresql:// URL");
      replica_ = std::make_unique<pg::Pool>(r->conninfo, r->display, options.pool_size);
      auto c = replica_->acquire();
      if (!c) return open_error(c.error());
    }
    members_ = make_pg_store(primary_, replica_.get());
    return {};
  }

  Store& members() override { return *members_; }
  // Opening already migrated every component; running the migrations again is a no-op that
  // also confirms the schema is current.
  Status migrate() override {
    auto c = primary_.acquire();
    if (!c) return c.status();
    return migrate_pg_members(**c, url_, true);
  }
  std::filesystem::path cache_dir() const override { return {}; }  // nothing kept beside it
  Backend backend() const override { return Backend::kPostgres; }
  const std::string& url() const override { return url_; }

 private:
  // A failure while opening the database is E_STORE_OPEN, naming the URL (never its password).
  Status open_error(Error e) const {
    if (e.code != "E_STORE_OPEN") e.message = url_ + ": " + e.message;
    e.code = "E_STORE_OPEN";
    e.field = "db";
    return Status(e);
  }

  std::string url_;
  pg::Pool primary_;
  std::unique_ptr<pg::Pool> replica_;
  std::unique_ptr<Store> members_;  // declared last: destroyed before the pools it uses
};

}  // namespace

Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options) {
  auto db = std::make_unique<PgDatabase>(url, options);
  if (auto st = db->open(url, options); !st) return st.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace onshi::store::detail
