// The server backend as a Database: one PostgreSQL database holding every table, reached
// through one connection pool per process (`pool_size` connections, each lent to one caller
// at a time) and a second pool on the read replica when `read_url` is given. Confirmation
// lookups may read from the replica; writes and whatever must read its own writes use the
// primary. Each concern migrates its own tables (onshi_schema has one row per component) when
// the database is opened, under one advisory lock, so servers starting together migrate once.
#include "store/backends.h"
#include "store/clinical_backend.h"
#include "store/pg.h"
#include "store/pg_backend.h"
#include "store/tickets_backend.h"

namespace onshi::store::detail {
namespace {

class PgDatabase final : public Database {
 public:
  PgDatabase(const DatabaseUrl& url, const DatabaseOptions& options)
      : url_(url.display),
        primary_(url.conninfo, url.display, options.pool_size),
        pool_size_(options.pool_size) {}

  // Connects (to the replica too, when there is one) and brings the schema up to date.
  Status open(const DatabaseUrl& url, const DatabaseOptions& options) {
    {
      auto c = primary_.acquire();
      if (!c) return open_error(c.error());
      if (auto st = migrate_pg_members(**c, url.display, options.create); !st)
        return st.error().code == "E_STORE" ? open_error(st.error()) : st;
    }
    if (auto st = open_replica(options.read_url); !st) return st;
    members_ = make_pg_store(primary_, replica_.get());
    institutions_ = make_pg_institutions(primary_, options.create);
    auto cards = open_pg_cards(primary_, options.create);
    if (!cards) return cards.error();
    cards_ = std::move(*cards);
    auto bulk = open_pg_bulk(primary_, options.create);
    if (!bulk) return bulk.error();
    bulk_ = std::move(*bulk);
    auto tickets = open_pg_tickets(primary_, options.create);
    if (!tickets) return tickets.error();
    tickets_ = std::move(*tickets);
    auto clinical = open_pg_clinical(primary_, options.create);
    if (!clinical) return clinical.error();
    clinical_ = std::move(*clinical);
    auto access = open_pg_access(primary_, options.create);
    if (!access) return access.error();
    access_ = std::move(*access);
    return {};
  }

  Store& members() override { return *members_; }
  InstitutionStore& institutions() override { return *institutions_; }
  CardStore& cards() override { return *cards_; }
  BulkStore& bulk() override { return *bulk_; }
  TicketStore& tickets() override { return *tickets_; }
  ClinicalStore& clinical() override { return *clinical_; }
  AccessStore& access() override { return *access_; }
  // Opening already migrated the members, audit, cards, bulk, medical_aid, clinical and access components; running the
  // members' migrations again is a no-op that confirms the schema is current, and the
  // institutions registry migrates now (it otherwise does on first use).
  Status migrate() override {
    {
      auto c = primary_.acquire();
      if (!c) return c.status();
      if (auto st = migrate_pg_members(**c, url_, true); !st) return st;
    }
    return institutions_->migrate();
  }
  std::filesystem::path cache_dir() const override { return {}; }  // nothing kept beside it
  Backend backend() const override { return Backend::kPostgres; }
  const std::string& url() const override { return url_; }

 private:
  Status open_replica(const std::string& read_url) {
    if (read_url.empty()) return {};
    auto r = parse_database_url(read_url);
    if (!r) return r.status();
    if (r->backend != Backend::kPostgres)
      return Status::Fail("E_DB_URL", "db-read",
                          r->display + ": a read replica must be a postgresql:// URL");
    replica_ = std::make_unique<pg::Pool>(r->conninfo, r->display, pool_size_);
    auto c = replica_->acquire();
    if (!c) return open_error(c.error());
    return {};
  }

  // A failure while opening the database is E_STORE_OPEN, naming the URL (never its password).
  Status open_error(Error e) const {
    if (e.code != "E_STORE_OPEN") e.message = url_ + ": " + e.message;
    e.code = "E_STORE_OPEN";
    e.field = "db";
    return Status(e);
  }

  std::string url_;
  pg::Pool primary_;
  int pool_size_ = 8;
  std::unique_ptr<pg::Pool> replica_;
  std::unique_ptr<Store> members_;  // the stores last: destroyed before the pools they use
  std::unique_ptr<InstitutionStore> institutions_;
  std::unique_ptr<CardStore> cards_;
  std::unique_ptr<BulkStore> bulk_;
  std::unique_ptr<TicketStore> tickets_;
  std::unique_ptr<ClinicalStore> clinical_;
  std::unique_ptr<AccessStore> access_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options) {
  auto db = std::make_unique<PgDatabase>(url, options);
  if (auto st = db->open(url, options); !st) return st.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace onshi::store::detail
