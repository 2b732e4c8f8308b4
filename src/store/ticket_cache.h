// The shared change counter of a SQLite store's in-memory cache (ChangeCounter: the tickets'
// DIR/medical_aid.gen, the clinical store's DIR/clinical.gen), and the SQLite ticket store's
// cache of each recipient's current tickets (sqlite_tickets.cpp), private to src/store/. Every 医療扶助 confirmation reads the recipient's tickets; without the
// cache that is a second read transaction (WAL read lock, file size, unlock) beside the
// member store's, which costs a recipient's confirmation a sixth more than an insured
// member's on a machine where system calls are dear.
//
// Correct across processes: DIR/medical_aid.gen (DIR/clinical.gen) is a small file mapped shared by every
// process that opens the store, holding two counters — writes begun and writes ended. A
// writer moves `begun` after it has taken the file's write lock (BEGIN IMMEDIATE) and sets
// `ended` to it after its COMMIT or ROLLBACK; a reader trusts a cached entry only when the
// two are equal and equal to the value the entry was filled under. A writer that dies
// between the two leaves them unequal, so nothing is served from the cache until the next
// writer, holding the lock and so alone, sees the difference and closes it. A store whose
// counter file cannot be made or mapped (a read-only directory) reads without the cache.
// PostgreSQL keeps no such cache: its reads stay one query.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sqlite.h"
#include "store/tickets.h"

namespace onshi::store::detail {

// The two counters of DIR/medical_aid.gen, mapped shared. Move-only.
class ChangeCounter {
 public:
  ChangeCounter() = default;
  // Maps `file` (created with 4 KiB of zeros if absent). Unmapped on failure: never stable.
  static ChangeCounter open(const std::filesystem::path& file);
  ChangeCounter(ChangeCounter&& o) noexcept;
  ChangeCounter& operator=(ChangeCounter&& o) noexcept;
  ChangeCounter(const ChangeCounter&) = delete;
  ChangeCounter& operator=(const ChangeCounter&) = delete;
  ~ChangeCounter();

  bool mapped() const { return words_ != nullptr; }
  // Between taking the database's write lock and the write; closes a dead writer's gap.
  void begin_write();
  // After the COMMIT or ROLLBACK of a write that began.
  void end_write();
  // The count of writes ended when no write is under way; nullopt during one (or unmapped).
  std::optional<uint64_t> stable() const;

 private:
  uint64_t* words_ = nullptr;  // [0] begun, [1] ended
};

// sqlite::write_transaction moving `counter` while it holds the file's write lock (after BEGIN
// IMMEDIATE, until after COMMIT or ROLLBACK), so that no process serves from a cache checked
// against `counter` what the transaction changes. Used by every write transaction of a store
// that keeps such a cache (the tickets: DIR/medical_aid.gen; the clinical rows: DIR/clinical.gen).
template <class Fn>
auto counted_write_transaction(ChangeCounter& counter, sqlite3* db, Fn fn) -> decltype(fn(db)) {
  bool began = false;
  auto r = sqlite::write_transaction(db, [&](sqlite3* d) {
    counter.begin_write();
    began = true;
    return fn(d);
  });
  if (began) counter.end_write();
  return r;
}

// Each recipient's latest ticket versions (every month), as known when filled, under the
// counter value of the fill. Bounded: emptied when it would hold more than `max_entries`.
class RecipientTicketCache {
 public:
  explicit RecipientTicketCache(size_t max_entries) : max_(max_entries) {}

  // The recipient's versions as known at `known_at_us`, of `month` (YYYYMM; empty: every
  // month), ordered as sort_by_month — when an entry filled under `generation` is there and
  // no version of it was recorded after `known_at_us` (else nullopt: read the database).
  std::optional<std::vector<TicketVersion>> find(const std::string& recipient_key,
                                                 uint64_t generation, int64_t known_at_us,
                                                 std::string_view month) const;
  // Whether an entry filled under `generation` is there (whatever its versions' times).
  bool holds(const std::string& recipient_key, uint64_t generation) const;
  // `latest`: the newest version of each of the recipient's tickets, sorted by month.
  void put(const std::string& recipient_key, uint64_t generation,
           std::vector<TicketVersion> latest);

 private:
  struct Entry {
    uint64_t generation = 0;
    int64_t newest_us = 0;  // the largest recorded_at of the recipient's versions
    std::vector<TicketVersion> latest;
  };
  const size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

// The versions of `latest` (sorted) of `month`, or all of them when `month` is empty.
std::vector<TicketVersion> of_month(const std::vector<TicketVersion>& latest,
                                    std::string_view month);

}  // namespace onshi::store::detail
