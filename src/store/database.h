// A database: every piece of onshi's state, reached through one small interface per concern
// and opened from one URL. `open_store(url)` is the only place in onshi that knows backends:
//
//   sqlite:DIR                          the embedded default: files in the data directory
//                                       (DIR/onshi.db, onshi-audit.db, institutions.db,
//                                       cards.db, bulk.db, medical_aid.db, clinical.db,
//                                       access.db), what
//                                       `--data-dir DIR` means
//   postgresql://user[:pw]@host:port/db the server database (also postgres://); the password
//                                       may instead come from PGPASSWORD or ~/.pgpass
//
// Keys and certificates are not state of this kind: they stay files in the data directory.
// Both backends pass one conformance suite (tests/store), so a caller never needs to know
// which one it has. Several processes may open the same PostgreSQL database (several
// `onshi serve` behind a load balancer): everything a request must find again — a card
// challenge, a bulk reception — lives in the database, never in one process's memory.
//
// A URL's password is never printed, logged or echoed in an error: messages name the URL as
// `redact_url` gives it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/access.h"
#include "store/institutions.h"
#include "store/bulk.h"
#include "store/cards.h"
#include "store/clinical.h"
#include "store/store.h"
#include "store/tickets.h"

namespace onshi::store {

enum class Backend { kSqlite, kPostgres };

// A parsed database URL. Errors: E_DB_URL (field "db") for an unknown scheme or an empty
// directory / host part; the message names the URL without its password.
struct DatabaseUrl {
  Backend backend = Backend::kSqlite;
  std::filesystem::path dir;  // sqlite: the data directory
  std::string conninfo;       // postgresql: the URL as libpq takes it (password included)
  std::string display;        // the URL without any password, for messages and logs
};
Result<DatabaseUrl> parse_database_url(std::string_view url);
// `url` with any password removed (user:pw@ → user@, password=… dropped from the query).
std::string redact_url(std::string_view url);
// "sqlite:" + dir — what `--data-dir DIR` means when no `--db` is given.
std::string sqlite_url(const std::filesystem::path& dir);

struct DatabaseOptions {
  bool create = true;      // create files / schema when missing (false: missing SQLite files
                           // are E_STORE_OPEN, a PostgreSQL schema missing or older than this
                           // onshi is E_STORE_SCHEMA)
  std::string read_url;    // postgresql: a read replica for confirmations ("" = none)
  int pool_size = 8;       // postgresql: connections per process (each for one caller at a time)
  SqliteOptions sqlite;    // sqlite: cache and mmap of the member store
};

class Database {
 public:
  virtual ~Database() = default;

  // Members and their versions, the audit log and import runs (store/store.h).
  virtual Store& members() = 0;
  // The institutions registry (store/institutions.h).
  virtual InstitutionStore& institutions() = 0;
  // The card register and the one-time card challenges (store/cards.h).
  virtual CardStore& cards() = 0;
  // The bulk-inquiry receptions (store/bulk.h).
  virtual BulkStore& bulk() = 0;
  // The 医療扶助 tickets (store/tickets.h).
  virtual TicketStore& tickets() = 0;
  // Clinical information and its viewing windows (store/clinical.h).
  virtual ClinicalStore& clinical() = 0;
  // Consents, disaster periods and professional accounts (store/access.h).
  virtual AccessStore& access() = 0;

  // Creates or upgrades the schema of every store now (stores otherwise migrate when first
  // used). Errors: E_STORE_SCHEMA, E_STORE_OPEN, E_STORE.
  virtual Status migrate() = 0;

  // A local directory for caches derived from the state, never state itself (the claims
  // check's snapshot of the version history, DIR/claims-history.bin), or "" when the backend
  // has none (postgresql: every server reads the database, nothing is kept beside it).
  virtual std::filesystem::path cache_dir() const = 0;

  virtual Backend backend() const = 0;
  // The URL this database was opened from, without its password.
  virtual const std::string& url() const = 0;
};

// Opens (creating or migrating the schema when `options.create`) the database at `url`.
// Errors: E_DB_URL (bad URL), E_STORE_OPEN (unreachable, wrong credentials, missing files
// without `create`), E_STORE_SCHEMA (a schema written by a newer onshi). Nothing is written
// when it fails. The Database and every store it hands out are safe for concurrent use.
Result<std::unique_ptr<Database>> open_store(std::string_view url,
                                             const DatabaseOptions& options = {});

}  // namespace onshi::store
