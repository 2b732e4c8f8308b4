// The small PostgreSQL toolkit every onshi store on the server database uses (the mirror of
// store/sqlite.h): a pool of libpq connections, statements that only ever bind values,
// transactions, and numbered migrations per component kept in the table `onshi_schema`.
//
// The one decision: values travel as text parameters ($1, $2 …) — bytea bound as binary —
// and SQL is never built from values. Results come back in text format, or in binary when a
// hot path asks for it (bytea then arrives raw and integers as 8 bytes, no hex to decode).
// Statements on a hot path are prepared once per connection (`Prepared`); a batch of rows
// travels as a few array parameters (`ArrayParam`) unnested by one INSERT … SELECT.
//
// A connection that broke (the server restarted, the network went away) is reset when the
// pool next hands it out — an idle one whose server closed it is noticed then too — so a
// service recovers by itself when the database returns; a request that met the broken
// connection gets E_STORE at once (TCP keepalives and a user timeout bound how long a
// vanished server can hold a caller).
//
// Errors carry E_STORE (E_STORE_OPEN when connecting fails) and never the URL's password:
// connection messages name the URL as `redact_url` gives it.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace onshi::store::pg {

// Parameters of one statement, in order ($1, $2, …). Empty optional = SQL NULL.
class Params {
 public:
  Params& text(std::string_view v);
  Params& text_or_null(std::string_view v);  // "" → NULL
  Params& i64(int64_t v);
  Params& bytea(std::string_view raw);  // binary parameter
  Params& bytea_or_null(std::string_view raw);
  Params& null();
  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class Conn;
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary
};

// One array parameter in PostgreSQL's text form ({"a","b",NULL}): a batch of rows is sent as
// one array per column and unnested by one statement (INSERT … SELECT … FROM unnest($1::text[],
// …)). Elements are quoted and escaped, never interpreted as SQL.
class ArrayParam {
 public:
  ArrayParam& text(std::string_view v);
  ArrayParam& text_or_null(std::string_view v);  // "" → NULL
  ArrayParam& i64(int64_t v);
  ArrayParam& bytea_or_null(std::string_view raw);  // "" → NULL
  ArrayParam& null();
  size_t size() const { return n_; }
  std::string str() const { return s_ + "}"; }

 private:
  void sep();
  std::string s_ = "{";
  size_t n_ = 0;
};

// A statement prepared once per connection under `name` (on first use, and again after the
// connection was reset). Names are the caller's to keep unique.
struct Prepared {
  const char* name;
  const char* sql;
};

enum class Format { kText = 0, kBinary = 1 };

// The rows of one result; owns the PGresult. Reads text and binary results alike.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r) : r_(r, PQclear) {}
  int size() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col),
            static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string(text(row, col)); }
  int64_t i64(int row, int col) const;        // int2/int4/int8 in either format
  std::string bytea(int row, int col) const;  // raw bytes (decoded from \x… in text results)
  int64_t affected() const;                   // rows changed by INSERT/UPDATE/DELETE

 private:
  std::shared_ptr<PGresult> r_;
};

// One connection. Not thread-safe: the pool hands it to one caller at a time.
class Conn {
 public:
  explicit Conn(PGconn* c) : c_(c) {}
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs `sql` with `params`. Errors: E_STORE (the server's message, never a value).
  Result<Rows> exec(const char* sql, const Params& params = {}, Format results = Format::kText);
  // Runs a statement prepared on this connection (preparing it first when needed).
  Result<Rows> exec(const Prepared& stmt, const Params& params = {},
                    Format results = Format::kText);
  // Several statements without parameters (migrations, BEGIN/COMMIT).
  Status exec_script(const char* sql);
  // Runs `fn` inside BEGIN … COMMIT; ROLLBACK when it fails. A serialization failure or
  // deadlock is retried (up to 5 times) with `fn` run again from the start.
  Status transaction(const std::function<Status(Conn&)>& fn);
  bool healthy() const { return PQstatus(c_) == CONNECTION_OK; }
  // healthy(), after noticing (without blocking) whether the server closed the connection.
  bool alive();
  bool reset();  // reconnects; false when the server is still unreachable
  PGconn* raw() { return c_; }

 private:
  Result<Rows> result(PGresult* r);
  PGconn* c_;
  std::vector<const char*> prepared_;  // names prepared on this connection (few, static)
};

// Opens a connection to `conninfo` (a URL or key=value string); `display` names it in
// errors. Errors: E_STORE_OPEN.
Result<std::unique_ptr<Conn>> connect(const std::string& conninfo, const std::string& display);

// A fixed number of connections, opened lazily; acquire() waits while all are in use.
class Pool {
 public:
  Pool(std::string conninfo, std::string display, int size);
  ~Pool();

  class Lease {
   public:
    Lease(Pool* p, std::unique_ptr<Conn> c) : pool_(p), conn_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Conn& operator*() { return *conn_; }
    Conn* operator->() { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };
  // A healthy connection (a broken one is reset first). Errors: E_STORE_OPEN / E_STORE.
  Result<Lease> acquire();
  const std::string& display() const { return display_; }

 private:
  void release(std::unique_ptr<Conn> c);
  std::string conninfo_, display_;
  int size_, open_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

// Brings `component`'s schema from the version recorded in onshi_schema to
// migrations.size(), one transaction per migration, under an advisory lock so that servers
// starting together migrate once. Errors: E_STORE_SCHEMA (the database holds a newer
// version than this binary knows; the message names `display`), E_STORE.
// With `create` false, a missing or older schema is E_STORE_SCHEMA instead of migrated.
Status migrate(Conn& c, std::string_view component, std::span<const char* const> migrations,
               const std::string& display, bool create = true);

// Binary-safe hex of raw bytes for bytea literals in COPY text ("\\x…").
std::string bytea_hex(std::string_view raw);

}  // namespace onshi::store::pg
