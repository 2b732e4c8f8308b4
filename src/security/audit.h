// The audit log: every read of a person's data (and every registration) is appended to a
// hash chain, so removing or editing an entry later is detectable (`onshi audit verify`).
//
// entry.hash = hex(SHA-256(prev_hash ‖ "\n" ‖ seq ‖ "\n" ‖ time_us ‖ "\n" ‖ actor ‖ "\n" ‖
// action ‖ "\n" ‖ subject ‖ "\n" ‖ detail)). Appends are group-committed: `record` queues
// the event and returns at once; a background thread writes queued events in one
// transaction every 20 milliseconds (or when 1,000 are waiting). `flush` waits until
// everything recorded so far is durable. The store numbers and links the entries inside
// that transaction (Store::chain_audit), so any number of logs — in one process or in
// several servers on one database — extend one chain. Details never carry a My Number.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/store.h"

namespace onshi::security {

struct AuditEvent {
  std::string actor;    // "institution:1310112345"
  std::string action;   // "confirm"
  std::string subject;  // card key or ""
  std::string detail;   // compact JSON
  int64_t time_us = 0;  // 0 = now
};

// Computes the chained hash of `e` (all fields but `hash` must be set).
std::string audit_hash(const store::AuditEntry& e);

class AuditLog {
 public:
  explicit AuditLog(store::Store& store);
  ~AuditLog();  // flushes
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(AuditEvent event);  // thread-safe, non-blocking
  // Waits until all events recorded so far are committed. Returns the store's error when
  // some of them could not be written (each failure is reported to one flush).
  Status flush();
  int64_t committed() const;  // number of entries committed by this log

 private:
  void run();
  Status write_batch(std::deque<AuditEvent>& batch);

  store::Store& store_;
  mutable std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<AuditEvent> queue_;
  int64_t recorded_ = 0, written_ = 0;
  int64_t failed_ = 0, failed_seen_ = 0;  // events that could not be stored; reported by flush
  int flush_waiters_ = 0;                 // flushes waiting: the writer skips its group window
  bool stop_ = false;
  Status last_error_;
  std::thread thread_;
};

struct AuditVerifyReport {
  int64_t entries = 0;
  bool ok = true;
  int64_t first_bad_seq = 0;  // when !ok
  std::string problem;        // when !ok
};
// Walks the whole chain and recomputes every hash.
Result<AuditVerifyReport> verify_audit(store::Store& store);

}  // namespace onshi::security
