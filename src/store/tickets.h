// The 医療扶助 tickets (医療券・調剤券, core/medical_aid.h) that welfare offices register, with
// their history. Recipients themselves are qualifications in the member store (store/store.h).
//
// Tickets are bitemporal like qualifications: the ticket's own dates come from the office; the
// recorded time is when onshi learned a state. Every put that changes a ticket appends a new
// immutable version under its ticket key (公費負担者番号, 受給者番号, IssueNumber); nothing is
// updated or deleted. "The tickets of a recipient as known at T" is the latest version of each
// of the recipient's ticket keys recorded at or before T — what a confirmation (now) and a
// claims check (the time of the confirmation at reception) ask.
//
// Backends: sqlite:DIR keeps the table `medical_aid_tickets` in DIR/medical_aid.db;
// postgresql:// the table `medical_aid_tickets` (component "medical_aid" in onshi_schema).
// Both pass one conformance suite (tests/store/tickets_contract_test.cpp). Implementations are
// safe for concurrent use from many threads and processes; every write is atomic; values are
// only ever bound. Errors: E_STORE (E_STORE_OPEN / E_STORE_SCHEMA from the first call when the
// store cannot be opened).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/medical_aid.h"
#include "core/status.h"
#include "store/store.h"

namespace onshi::store {

// One stored version of a ticket.
struct TicketVersion {
  int64_t version_id = 0;
  int64_t recorded_at_us = 0;  // transaction time (Unix µs); strictly increasing per store
  core::MedicalTicket ticket;
  std::string source;  // who registered it: "import:tickets.csv", "welfare-office:12131015"
  bool operator==(const TicketVersion&) const = default;
};

// One ticket state to register. The store decides whether it is new, changed or unchanged by
// comparing `ticket` with the current version of its ticket key (`source` is not compared).
struct TicketPut {
  core::MedicalTicket ticket;
  std::string source;
};

class TicketStore {
 public:
  virtual ~TicketStore() = default;

  // Registers a batch in one transaction, items in order (a later item with the same ticket
  // key compares with the earlier one). One outcome per item. Every version written gets a
  // recorded_at greater than any stored before, across threads, processes and servers. An
  // item whose ticket key has an empty part (InsurerNumber, 受給者番号 or IssueNumber) is
  // E_STORE (field "ticket"), and nothing of the batch is written.
  virtual Result<std::vector<PutOutcome>> put_tickets(std::span<const TicketPut> items) = 0;

  // The latest version, recorded at or before `known_at_us`, of every ticket of the recipient
  // (公費負担者番号, 受給者番号), ordered by (MedicalTreatmentMonth, IssueNumber).
  virtual Result<std::vector<TicketVersion>> tickets_of(std::string_view insurer_number,
                                                        std::string_view recipient_number,
                                                        int64_t known_at_us) = 0;

  // Of tickets_of's list, only the tickets whose version as known at `known_at_us` is for the
  // month `yyyymm` (a confirmation asks for one month: the others are not read or decoded).
  virtual Result<std::vector<TicketVersion>> tickets_of_month(std::string_view insurer_number,
                                                              std::string_view recipient_number,
                                                              std::string_view yyyymm,
                                                              int64_t known_at_us) = 0;

  // Every ticket whose version as known at `known_at_us` designates `institution_code` for
  // the month `yyyymm` (the bulk inquiry OQSmutic01), ordered by (insurer number, 受給者番号,
  // IssueNumber).
  virtual Result<std::vector<TicketVersion>> tickets_for_institution(
      std::string_view institution_code, std::string_view yyyymm, int64_t known_at_us) = 0;

  // Calls `fn` with the current version of every ticket of one office (all offices when
  // `insurer_number` is empty), in ticket-key order; stop early by returning false.
  virtual Status scan_current(std::string_view insurer_number,
                              const std::function<bool(const TicketVersion&)>& fn) = 0;

  // Every version of one ticket key, oldest first.
  virtual Result<std::vector<TicketVersion>> history(std::string_view ticket_key) = 0;

  virtual Result<int64_t> count_versions() = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Calls `fn` for every version with version_id > `after_version_id`, in version_id order,
  // at most `limit` of them; stop early by returning false.
  virtual Status scan_versions(int64_t after_version_id, size_t limit,
                               const std::function<bool(const TicketVersion&)>& fn) = 0;
  // Stores `versions` exactly as given in one transaction and returns how many were inserted.
  // A version_id present with the same contents is skipped; one with other contents is
  // E_COPY_CONFLICT naming the version_id, and nothing of the batch is written. Afterwards
  // put_tickets still gets a fresh version_id and a recorded_at greater than every stored one.
  virtual Result<int64_t> put_versions_verbatim(std::span<const TicketVersion> versions) = 0;
};

}  // namespace onshi::store
