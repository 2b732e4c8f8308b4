// The server backend as a Database: one PostgreSQL database holding every table, reached
// through one connection pool per process (and a second pool for a read replica when one
// is given). Each concern migrates its own tables (onshi_schema has one row per component).
#include "store/backends.h"
#include "store/pg.h"

namespace onshi::store::detail {

Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options) {
  auto probe = pg::connect(url.conninfo, url.display);
  if (!probe) return probe.error();
  return Error{"E_STORE_OPEN", "db", url.display + ": the PostgreSQL member store is not built yet"};
}

}  // namespace onshi::store::detail
