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
// What each action records, and how a reader gets it back, is security/audit_events.h.
//
// Audit or refuse: a read of a person's data is answered only once its entry is durable.
// `record_durable` queues the event like `record` and waits for the group that holds it
// (a waiting caller makes the writer skip its group window, so the wait is about one
// commit); it returns the store's error when that group could not be written, or E_STORE
// when it was not committed within `AuditOptions::durable_timeout` (e.g. another process
// holds the audit file's write lock). The caller then answers the error and nothing of the
// person. `record_then` is the same without a blocked thread: it returns at once and calls
// its completion with that Ok or that error once the group is written (or the timeout
// passed), so a server's I/O thread can answer from there instead of waiting for the commit.
// `health` tells whether the log is writing, for /healthz.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"
#include "security/audit_events.h"
#include "store/store.h"

namespace onshi::security {

// Computes the chained hash of `e` (all fields but `hash` must be set).
std::string audit_hash(const store::AuditEntry& e);

struct AuditOptions {
  // How long `record_durable` waits for its entry before refusing (the entry stays queued).
  std::chrono::milliseconds durable_timeout{5000};
};

class AuditLog {
 public:
  explicit AuditLog(store::Store& store, AuditOptions options = {});
  ~AuditLog();  // flushes
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(AuditEvent event);  // thread-safe, non-blocking
  // Records `event` and waits until it is durable. Ok, or the error to answer instead of
  // the read (code E_STORE or the store's own; message in Japanese for the caller).
  // Thread-safe; blocks for about one group commit, at most `durable_timeout`.
  Status record_durable(AuditEvent event);
  // The same for a typed record (security/audit_events.h), encoded there; time = now.
  void record(const AuditRecord& record) { this->record(encode(record)); }
  Status record_durable(const AuditRecord& record) { return record_durable(encode(record)); }
  // What `record_then` calls once: Ok when the entry is durable, else what record_durable
  // would have returned.
  using Durable = std::function<void(Status)>;
  // Records `event` and returns at once; `done` is called exactly once, on the log's writer
  // thread (or its timer's, after `durable_timeout`), never inside this call. It must be quick
  // (hand the answer to whoever sends it) and must not call back into this log.
  void record_then(AuditEvent event, Durable done);
  void record_then(const AuditRecord& record, Durable done) {
    record_then(encode(record), std::move(done));
  }
  // Waits until all events recorded so far are committed. Returns the store's error when
  // some of them could not be written (each failure is reported to one flush).
  Status flush();
  int64_t committed() const;  // number of entries committed by this log
  int64_t refused() const;    // record_durable calls that returned an error
  // Ok while the log writes: the last group was committed (or none was tried yet) and no
  // entry has waited longer than `durable_timeout`. Otherwise E_STORE, the message saying why.
  Status health() const;

 private:
  struct Waiter {
    bool done = false;
    Status status;
  };
  struct Pending {  // a record_then caller
    Durable done;
    std::chrono::steady_clock::time_point deadline;
  };
  using Calls = std::vector<std::pair<Durable, Status>>;
  int64_t enqueue_locked(AuditEvent event);  // returns the event's ordinal (1, 2, …)
  Calls finish_batch_locked(int64_t first, int64_t n, const Status& s);
  Status refusal_locked(bool done, const Status& status);  // counts it
  void call_unlocked(std::unique_lock<std::mutex>& lock, Calls calls);
  void wait_for_group_locked(std::unique_lock<std::mutex>& lock);
  void run();
  void expire();  // the timer: refuses record_then callers past their deadline
  Status write_batch(std::deque<AuditEvent>& batch);

  store::Store& store_;
  AuditOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<AuditEvent> queue_;
  int64_t recorded_ = 0, written_ = 0;
  int64_t failed_ = 0, failed_seen_ = 0;  // events that could not be stored; reported by flush
  int flush_waiters_ = 0;                 // flushes waiting: the writer skips its group window
  std::map<int64_t, Waiter*> waiters_;    // record_durable callers by event ordinal
  std::map<int64_t, Pending> pending_;    // record_then callers by event ordinal
  int calling_ = 0;                       // completions being called (flush waits for them)
  std::condition_variable timer_cv_;
  bool timer_idle_ = false;  // the timer waits for a first pending_ entry (else for a deadline)
  int64_t refused_ = 0;
  bool failing_ = false;  // the last group (or reading the tail) failed
  // Since when the oldest entry not yet committed has waited (queued or being written).
  std::optional<std::chrono::steady_clock::time_point> queued_since_, writing_since_;
  bool stop_ = false;
  Status last_error_;  // the latest failure (reported by flush and, while failing_, by health)
  std::thread thread_, timer_;
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
