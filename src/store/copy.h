// Copying an installation from one database to another (`onshi db copy --from URL --to URL`):
// SQLite files to PostgreSQL, PostgreSQL to SQLite, or between two PostgreSQL servers.
//
// The one decision: the copy goes only through the store interfaces, so it works for every
// pair of backends, and every row keeps its identity — a version its version_id and
// recorded_at, an audit entry its seq and hashes, an institution its id, a reception its
// number — so the target answers exactly as the source did and `onshi audit verify` passes
// on it. Rows already in the target are compared, not written again: a second run copies
// nothing, an interrupted run completes when run again, and a target that holds *different*
// data under the same key is refused with E_COPY_CONFLICT naming what differs.
//
// Members, audit entries, cards, receptions and 医療扶助 ticket versions travel in batches of
// kCopyBatch rows, each batch one transaction in the target, so a copy of 10 M members
// neither holds them in memory nor runs as one giant transaction. The institutions registry (a few hundred thousand rows)
// is compared and written whole, as one unit of work.
//
// Not copied: open card challenges (they expire within minutes and a new server issues new
// ones), and keys and certificates (files in DIR/keys and DIR/ca, never in a database).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace onshi::store {

// Rows per transaction in the target.
inline constexpr size_t kCopyBatch = 10000;

// Where the copy of one store stands.
struct CopyStep {
  std::string store;   // "members", "audit", "import_runs", "institutions", "cards", "bulk",
                       // "clinical", "access", "medical_aid_tickets"
  int64_t read = 0;    // rows of the source gone through so far
  int64_t total = -1;  // rows the source holds, -1 when not known ahead
  int64_t copied = 0;  // of `read`, the rows the target lacked and now holds
  bool finished = false;
};
// Called after every batch and once more with `finished` when a store is done.
using CopyProgress = std::function<void(const CopyStep&)>;

// One finished step per store, in the order they were copied.
struct CopyReport {
  std::vector<CopyStep> stores;
  int64_t copied() const;  // rows written in all
};

// Copies everything `from` holds into `to` (whose schema must exist: open it with create).
// Order: import runs, the institutions registry, the audit chain, members with every version,
// cards, bulk receptions, clinical records (and the viewing windows), the access store
// (consents, disaster periods, accounts), 医療扶助
// tickets with every version. Errors: E_COPY_CONFLICT (field = the store; the message names the
// key that differs) before anything of that store is written; E_STORE and the open errors of
// either database. A failed copy leaves the target with a part of the source's rows, each
// identical to the source's — run it again to complete it.
Result<CopyReport> copy_database(Database& from, Database& to, const CopyProgress& progress);

}  // namespace onshi::store
