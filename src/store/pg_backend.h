// The stores of the server backend, private to src/store/: each concern's PostgreSQL
// implementation is made from the connection pool of one database (pg_database.cpp hands
// them out). Each factory migrates its component's tables (pg::migrate) before it returns.
// Nothing outside src/store/ includes this.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/pg.h"

namespace onshi::store {
class CardStore;
class BulkStore;
}  // namespace onshi::store

namespace onshi::store::detail {

// ---- cards and bulk receptions (pg_cards.cpp, pg_bulk.cpp) ----
// `create` false: a missing or older schema is E_STORE_SCHEMA instead of migrated.
// Errors: E_STORE_OPEN (no connection), E_STORE_SCHEMA, E_STORE. The pool must outlive the
// store.
Result<std::unique_ptr<CardStore>> open_pg_cards(pg::Pool& pool, bool create);
Result<std::unique_ptr<BulkStore>> open_pg_bulk(pg::Pool& pool, bool create);

}  // namespace onshi::store::detail
