// The eponymous virtual table over rows in memory (sqlite_memory_rows.h): a cursor walks
// MemoryRows::from … to and asks the rows for each column.
#include "store/sqlite_memory_rows.h"

#include <string>

#include "store/sqlite.h"

namespace onshi::store::sqlite {
namespace {

struct Table {
  sqlite3_vtab base{};
  MemoryRows* rows = nullptr;
};

struct Cursor {
  sqlite3_vtab_cursor base{};
  size_t at = 0, end = 0;
};

struct Declared {
  std::string create;  // CREATE TABLE x(<columns>)
  MemoryRows* rows;
};

int connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  const auto* d = static_cast<const Declared*>(aux);
  if (int rc = sqlite3_declare_vtab(db, d->create.c_str()); rc != SQLITE_OK) return rc;
  auto* t = new Table;
  t->rows = d->rows;
  *out = &t->base;
  return SQLITE_OK;
}

int disconnect(sqlite3_vtab* v) {
  delete reinterpret_cast<Table*>(v);
  return SQLITE_OK;
}

int best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  info->estimatedCost = 1e6;  // one plan: a full scan, in the rows' order
  return SQLITE_OK;
}

int open_cursor(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new Cursor)->base;
  return SQLITE_OK;
}

int close_cursor(sqlite3_vtab_cursor* c) {
  delete reinterpret_cast<Cursor*>(c);
  return SQLITE_OK;
}

int filter(sqlite3_vtab_cursor* c, int, const char*, int, sqlite3_value**) {
  auto* cur = reinterpret_cast<Cursor*>(c);
  const MemoryRows* rows = reinterpret_cast<Table*>(c->pVtab)->rows;
  cur->at = rows->from;
  cur->end = rows->to;
  return SQLITE_OK;
}

int next(sqlite3_vtab_cursor* c) {
  ++reinterpret_cast<Cursor*>(c)->at;
  return SQLITE_OK;
}

int eof(sqlite3_vtab_cursor* c) {
  const auto* cur = reinterpret_cast<Cursor*>(c);
  return cur->at >= cur->end ? 1 : 0;
}

int column(sqlite3_vtab_cursor* c, sqlite3_context* ctx, int col) {
  reinterpret_cast<Table*>(c->pVtab)->rows->column(reinterpret_cast<Cursor*>(c)->at, col, ctx);
  return SQLITE_OK;
}

int rowid(sqlite3_vtab_cursor* c, sqlite3_int64* out) {
  *out = static_cast<sqlite3_int64>(reinterpret_cast<Cursor*>(c)->at);
  return SQLITE_OK;
}

const sqlite3_module kModule = {
    /* iVersion */ 0,
    /* xCreate: eponymous only */ nullptr,
    connect,
    best_index,
    disconnect,
    /* xDestroy */ nullptr,
    open_cursor,
    close_cursor,
    filter,
    next,
    eof,
    column,
    rowid,
    /* xUpdate … xShadowName: read only, no transactions */ nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr};

}  // namespace

Status register_memory_rows(sqlite3* db, const char* name, const char* columns, MemoryRows* rows) {
  auto* d = new Declared{std::string("CREATE TABLE x(") + columns + ")", rows};
  const int rc = sqlite3_create_module_v2(db, name, &kModule, d,
                                          [](void* p) { delete static_cast<Declared*>(p); });
  if (rc != SQLITE_OK) return error(db, std::string("register ") + name);
  return {};
}

}  // namespace onshi::store::sqlite
