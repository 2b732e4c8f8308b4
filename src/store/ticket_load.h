// Loading one ticket file (`onshi import --kind medical-aid-tickets`) into the ticket store
// (store/tickets.h), batch after batch, with the fastest path the backend has.
//
// A backend may load a file into a store that holds no ticket yet faster by appending the
// versions and building its indexes once at the end (SQLite, sqlite_tickets.cpp); otherwise
// — a store with tickets, another load running, PostgreSQL — each batch is put_tickets. The
// result is the same either way: the versions and outcomes put_tickets would give, with
// recorded_at strictly increasing. During a bulk load other writers of the store get
// E_LOCKED and readers see the batches written so far (by a slower read). A load that never
// finishes (kill -9) is finished by the next store that opens the file or writes: its state
// is then that of the batches written, so running the file again completes it.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "store/tickets.h"

namespace onshi::store {

class TicketLoad {
 public:
  virtual ~TicketLoad() = default;
  // True when this load appends into an empty store and builds the indexes at finish().
  virtual bool bulk() const = 0;
  // Writes one batch in one transaction and returns one outcome per item. In a bulk load
  // every item is kAdded: the caller guarantees that each ticket key is given once in the
  // whole load (registry/ rejects a key repeated in its file).
  virtual Result<std::vector<PutOutcome>> put(std::span<const TicketPut> items) = 0;
  // Ends the load; call it also after a failed run (a load destroyed unfinished is left as
  // after kill -9). A bulk load builds its indexes here, in one transaction. Further puts go
  // through put_tickets.
  virtual Status finish() = 0;
};

// Starts the load of one file into `tickets` (which must outlive the load). Errors: E_STORE,
// E_STORE_OPEN, E_STORE_SCHEMA.
Result<std::unique_ptr<TicketLoad>> begin_ticket_load(TicketStore& tickets);

}  // namespace onshi::store
