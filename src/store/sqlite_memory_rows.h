// Private to src/store/: rows held in memory read by SQL, so a bulk load inserts them with one
// `INSERT … SELECT` — one statement and one b-tree cursor for the whole run — instead of one
// statement per row. A statement per row seeks the table from its root every time; a cursor
// kept open finds each next key of a sorted run on the last page already (SQLite's
// sqlite3BtreeIndexMoveto), and the per-statement work (reset, binds, transaction checks) is
// gone. The table is an eponymous virtual table, known only to the connection it is registered
// on and read only.
#pragma once

#include <sqlite3.h>

#include <cstddef>

#include "core/status.h"

namespace onshi::store::sqlite {

// What the table reads: rows [from, to) of something the caller holds.
class MemoryRows {
 public:
  virtual ~MemoryRows() = default;
  // Sets column `col` of row `i` as `ctx`'s result. The value must stay valid until the
  // statement reading it is reset (SQLITE_STATIC).
  virtual void column(size_t i, int col, sqlite3_context* ctx) = 0;
  size_t from = 0, to = 0;  // the rows the next scan reads
};

// Registers the virtual table `name` with `columns` (the column list of a CREATE TABLE, e.g.
// "a, b, c") on `db`; a scan of it reads `rows`, which must outlive every statement that
// reads it. Errors: E_STORE.
Status register_memory_rows(sqlite3* db, const char* name, const char* columns, MemoryRows* rows);

}  // namespace onshi::store::sqlite
