// What the two ticket stores (store/tickets.h) share, private to src/store/: the stored form
// of a ticket, key ranges and ordering, and the factories. Nothing outside src/store/
// includes this.
//
// A ticket is stored as one payload — "T1" then the 27 fields of core::MedicalTicket in
// declaration order, separated by U+001F, the control characters U+001B, U+001E and U+001F
// inside a value escaped with U+001B — beside the key columns the reads select on. Equal
// tickets give equal payloads, so "unchanged" is a string comparison, and both backends store
// and return the same bytes, so `onshi db copy` moves them unchanged.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/medical_aid.h"
#include "core/status.h"
#include "store/tickets.h"

namespace onshi::store::pg {
class Pool;
}  // namespace onshi::store::pg

namespace onshi::store::detail {

std::string encode_ticket(const core::MedicalTicket& t);
// Errors: E_STORE_CORRUPT.
Result<core::MedicalTicket> decode_ticket(std::string_view payload);

// The lower and upper bound of the ticket keys that start with `prefix` joined by U+001F
// (one office: {insurer}; one recipient: {insurer, 受給者番号}): every key k of them has
// lo <= k < hi in byte order.
std::pair<std::string, std::string> ticket_key_range(std::string_view insurer,
                                                     std::string_view recipient = {});

// Orders the tickets of one recipient by (MedicalTreatmentMonth, IssueNumber).
void sort_by_month(std::vector<TicketVersion>& versions);

// E_STORE (field "ticket") when item `index` of a put has an empty part of its ticket key.
Status check_key(const core::MedicalTicket& t, size_t index);

// Error of put_versions_verbatim when a stored version differs from the copied one.
Error ticket_version_conflict(int64_t version_id);

// DIR/medical_aid.db, opened (created, migrated) on its first call or by open_now()
// (sqlite_tickets.cpp). Errors of open_now: E_STORE_OPEN, E_STORE_SCHEMA.
class SqliteTicketStore : public TicketStore {
 public:
  virtual Status open_now() = 0;
  // The bulk load of store/ticket_load.h: begin_bulk starts it when the table is empty and
  // no other load runs (false: it did not); put_bulk appends one batch, every item a new
  // key; finish_bulk builds the indexes. Without a bulk load running put_bulk is put_tickets.
  virtual Result<bool> begin_bulk() = 0;
  virtual Status put_bulk(std::span<const TicketPut> items) = 0;
  virtual Status finish_bulk() = 0;
};
std::unique_ptr<SqliteTicketStore> make_sqlite_tickets(const std::filesystem::path& dir,
                                                       bool create);

// The table `medical_aid_tickets` of component "medical_aid" (pg_tickets.cpp), migrated
// before it returns; `create` false: a missing or older schema is E_STORE_SCHEMA. The pool
// must outlive the store. Errors: E_STORE_OPEN, E_STORE_SCHEMA, E_STORE.
Result<std::unique_ptr<TicketStore>> open_pg_tickets(pg::Pool& pool, bool create);

}  // namespace onshi::store::detail
