// The stores of the server backend, private to src/store/: each works on the process's
// connection pool of one PostgreSQL database (pg_database.cpp hands them out) and migrates
// its own tables (a row of onshi_schema per component). Nothing outside src/store/
// includes this.
#pragma once

#include <memory>

#include "store/institutions.h"
#include "store/pg.h"

namespace onshi::store {

// The institutions registry (component "institutions"). `pool` must outlive the store;
// `create` creates or upgrades the tables on first use (otherwise E_STORE_SCHEMA when they
// are missing or older).
std::unique_ptr<InstitutionStore> make_pg_institutions(pg::Pool& pool, bool create);

}  // namespace onshi::store
