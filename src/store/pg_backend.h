// The stores of the server backend, private to src/store/: each concern's PostgreSQL
// implementation is made from the connection pool of one database (pg_database.cpp hands
// them out) and migrates its own tables (a row of onshi_schema per component).
// Nothing outside src/store/ includes this.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/institutions.h"
#include "store/pg.h"

namespace onshi::store {
class CardStore;
class BulkStore;
class AccessStore;

// The institutions registry (component "institutions"). `pool` must outlive the store;
// `create` creates or upgrades the tables on first use (otherwise E_STORE_SCHEMA when they
// are missing or older).
std::unique_ptr<InstitutionStore> make_pg_institutions(pg::Pool& pool, bool create);

}  // namespace onshi::store

namespace onshi::store::detail {

// ---- cards and bulk receptions (pg_cards.cpp, pg_bulk.cpp) ----
// Each factory migrates its component's tables before it returns; `create` false: a missing
// or older schema is E_STORE_SCHEMA instead of migrated. Errors: E_STORE_OPEN (no
// connection), E_STORE_SCHEMA, E_STORE. The pool must outlive the store.
Result<std::unique_ptr<CardStore>> open_pg_cards(pg::Pool& pool, bool create);
Result<std::unique_ptr<BulkStore>> open_pg_bulk(pg::Pool& pool, bool create);
// Consents, disaster periods and professional accounts (pg_access.cpp), the same way.
Result<std::unique_ptr<AccessStore>> open_pg_access(pg::Pool& pool, bool create);

}  // namespace onshi::store::detail
