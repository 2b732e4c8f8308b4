// The backends behind open_store (store/database.h), private to src/store/: each one opens
// its Database from a parsed URL. Nothing outside src/store/ includes this.
#pragma once

#include <memory>

#include "store/database.h"

namespace onshi::store::detail {

// sqlite:DIR — the files of a data directory (sqlite_database.cpp).
Result<std::unique_ptr<Database>> open_sqlite_database(const DatabaseUrl& url,
                                                       const DatabaseOptions& options);
// postgresql://… — one database on a PostgreSQL server (pg_database.cpp).
Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options);

}  // namespace onshi::store::detail
