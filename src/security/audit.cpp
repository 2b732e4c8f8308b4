// The audit log: a hash chain over the store's audit table, written by one background thread.
//
// Reading a person's data must never wait on a disk flush, yet no read may go unrecorded.
// So `record` only appends to an in-memory queue, and a single writer thread turns whatever
// has queued up into one store transaction (group commit): under load, thousands of reads
// share one fsync. The log never numbers entries itself: the store assigns seq and prev_hash
// inside its write transaction (Store::chain_audit) and calls audit_hash there, so a
// restarted service, or several services on one database, extend the same single chain.
//
// Callers of `record_durable` park on the ordinal of their event; the writer tells each one
// how the group holding it went, and skips the group window while anybody is parked, so a
// wait costs about one commit and concurrent reads still share it. Callers of `record_then`
// are kept the same way with a completion instead of a parked thread, and the group they
// join gathers for at most 0.3 ms (or 12 entries): nobody is parked, and under load that
// makes fewer, larger commits — the audit file's locks and WAL writes paid less often. The
// writer calls the completions of a group once it is written (outside the lock, before flush
// may return), and a timer thread refuses those still waiting after `durable_timeout`,
// whichever comes first — each completion is taken out of the map by the one that calls it
// (the timer sleeps until the oldest deadline and is woken only when none was pending, not
// once a group). After a failed group the log is unhealthy; an `audit.check` entry is then
// tried every 2 s until one is stored, so health recovers without traffic and the chain
// itself records when writing resumed.
//
// The chained hash joins fields with "\n". So that no two different entries can hash alike
// by moving text between fields, `record` escapes any newline in a field as the two
// characters "\n", and `verify_audit` treats a raw newline in a stored field as tampering.
#include "security/audit.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "core/log.h"
#include "security/crypto.h"

namespace onshi::security {
namespace {

constexpr size_t kMaxBatch = 1000;
constexpr auto kGroupWindow = std::chrono::milliseconds(20);
// While answers wait for their entries (record_then), a group gathers for at most this long,
// or until it holds kDurableBatch entries: fewer, larger commits under load for at most this
// much more latency.
constexpr auto kDurableWindow = std::chrono::microseconds(300);
constexpr size_t kDurableBatch = 12;
constexpr int kAttempts = 3;  // a store error (busy file, lost connection) is retried
constexpr auto kProbeInterval = std::chrono::seconds(2);

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void escape_newlines(std::string& s) {
  if (s.find('\n') == std::string::npos) return;
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  s = std::move(out);
}

bool has_newline(const store::AuditEntry& e) {
  for (const std::string* f : {&e.actor, &e.action, &e.subject, &e.detail}) {
    if (f->find('\n') != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string audit_hash(const store::AuditEntry& e) {
  std::string buf;
  buf.reserve(e.prev_hash.size() + e.actor.size() + e.action.size() + e.subject.size() +
              e.detail.size() + 48);
  buf += e.prev_hash;
  buf += '\n';
  buf += std::to_string(e.seq);
  buf += '\n';
  buf += std::to_string(e.time_us);
  buf += '\n';
  buf += e.actor;
  buf += '\n';
  buf += e.action;
  buf += '\n';
  buf += e.subject;
  buf += '\n';
  buf += e.detail;
  return hex(sha256(buf));
}

AuditLog::AuditLog(store::Store& store, AuditOptions options) : store_(store), options_(options) {
  // The tail is not needed (the store chains), but a log that cannot even read it starts
  // unhealthy rather than answering its first reads into a failure.
  auto last = store_.last_audit();
  if (!last.ok()) {
    last_error_ = last.status();
    failing_ = true;
  }
  thread_ = std::thread([this] { run(); });
  timer_ = std::thread([this] { expire(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  timer_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (timer_.joinable()) timer_.join();
}

int64_t AuditLog::enqueue_locked(AuditEvent event) {
  if (event.time_us == 0) event.time_us = now_us();
  escape_newlines(event.actor);
  escape_newlines(event.action);
  escape_newlines(event.subject);
  escape_newlines(event.detail);
  if (queue_.empty()) queued_since_ = std::chrono::steady_clock::now();
  queue_.push_back(std::move(event));
  // Wake the writer for the first event of a batch (it then waits out the group window)
  // and when a full batch is ready.
  if (queue_.size() == 1 || queue_.size() >= kMaxBatch) cv_.notify_one();
  return ++recorded_;
}

void AuditLog::record(AuditEvent event) {
  std::lock_guard<std::mutex> lock(mu_);
  enqueue_locked(std::move(event));
}

Status AuditLog::refusal_locked(bool done, const Status& status) {
  ++refused_;
  const std::string why = done ? status.error().code : "timeout";
  return Error{done ? status.error().code : "E_STORE", "",
               "照会の記録（監査ログ）を保存できないため、回答できません。しばらくしてから"
               "もう一度照会してください (audit: " +
                   why + ")"};
}

Status AuditLog::record_durable(AuditEvent event) {
  Waiter w;
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t ordinal = enqueue_locked(std::move(event));
  waiters_.emplace(ordinal, &w);
  cv_.notify_one();  // a caller waits: no group window
  const bool done = done_cv_.wait_for(lock, options_.durable_timeout, [&] { return w.done; });
  waiters_.erase(ordinal);
  if (done && w.status.ok()) return Status::Ok();
  return refusal_locked(done, w.status);
}

void AuditLog::record_then(AuditEvent event, Durable done) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t ordinal = enqueue_locked(std::move(event));
  const bool first = pending_.empty();
  pending_.emplace(ordinal, Pending{std::move(done),
                                    std::chrono::steady_clock::now() + options_.durable_timeout});
  // The writer's window shortens once an answer waits, and ends at a full durable batch.
  if (first || queue_.size() == kDurableBatch) cv_.notify_one();
  // A timer asleep until an older deadline wakes before this one's anyway.
  if (timer_idle_) timer_cv_.notify_one();
}

// Calls `calls` without the lock; flush waits until they have returned.
void AuditLog::call_unlocked(std::unique_lock<std::mutex>& lock, Calls calls) {
  if (calls.empty()) return;
  calling_ += static_cast<int>(calls.size());
  lock.unlock();
  for (auto& [done, status] : calls) done(std::move(status));
  lock.lock();
  calling_ -= static_cast<int>(calls.size());
  done_cv_.notify_all();
}

void AuditLog::expire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (pending_.empty()) {
      timer_idle_ = true;
      timer_cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      timer_idle_ = false;
      continue;
    }
    // Deadlines grow with the ordinal: the first pending caller is the oldest.
    const auto deadline = pending_.begin()->second.deadline;
    if (std::chrono::steady_clock::now() < deadline) {
      timer_cv_.wait_until(lock, deadline);
      continue;
    }
    Calls calls;
    const auto now = std::chrono::steady_clock::now();
    while (!pending_.empty() && pending_.begin()->second.deadline <= now) {
      calls.emplace_back(std::move(pending_.begin()->second.done),
                         refusal_locked(false, Status::Ok()));
      pending_.erase(pending_.begin());
    }
    call_unlocked(lock, std::move(calls));
  }
}

Status AuditLog::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t target = recorded_;
  flush_waiters_++;
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return written_ + failed_ >= target && calling_ == 0; });
  flush_waiters_--;
  if (failed_ > failed_seen_) {
    failed_seen_ = failed_;
    return last_error_;
  }
  return Status::Ok();
}

int64_t AuditLog::committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

int64_t AuditLog::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

Status AuditLog::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (failing_)
    return Error{"E_STORE", "audit",
                 "audit entries cannot be written: " + last_error_.error().code + " " +
                     last_error_.error().message};
  std::optional<std::chrono::steady_clock::time_point> oldest = writing_since_;
  if (queued_since_ && (!oldest || *queued_since_ < *oldest)) oldest = queued_since_;
  if (!oldest) return Status::Ok();
  const auto waited = std::chrono::steady_clock::now() - *oldest;
  if (waited <= options_.durable_timeout) return Status::Ok();
  return Error{
      "E_STORE", "audit",
      "audit entries not durable for " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
          " s (is the audit file locked or the disk slow?)"};
}

// Tells the callers waiting for events first..first+n-1 how their group went; returns the
// completions of record_then callers to call once the lock is released.
AuditLog::Calls AuditLog::finish_batch_locked(int64_t first, int64_t n, const Status& s) {
  for (auto it = waiters_.lower_bound(first); it != waiters_.end() && it->first < first + n; ++it) {
    it->second->done = true;
    it->second->status = s;
  }
  Calls calls;
  auto it = pending_.lower_bound(first);
  while (it != pending_.end() && it->first < first + n) {
    calls.emplace_back(std::move(it->second.done), s.ok() ? Status::Ok() : refusal_locked(true, s));
    it = pending_.erase(it);
  }
  if (s.ok()) {
    written_ += n;
    failing_ = false;
  } else {
    failed_ += n;
    last_error_ = s;
    failing_ = true;
  }
  return calls;
}

// Lets more events join the group before it is written: up to kGroupWindow after the oldest
// queued one while nobody waits, up to kDurableWindow (or kDurableBatch events) while answers
// wait in `pending_`, not at all for a parked `record_durable` caller, a flush or a full batch.
void AuditLog::wait_for_group_locked(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (stop_ || flush_waiters_ > 0 || !waiters_.empty() || queue_.size() >= kMaxBatch ||
        !queued_since_)
      return;
    const bool answers_wait = !pending_.empty();
    if (answers_wait && queue_.size() >= kDurableBatch) return;
    const auto end = *queued_since_ + (answers_wait ? kDurableWindow : kGroupWindow);
    if (std::chrono::steady_clock::now() >= end) return;
    cv_.wait_until(lock, end);
  }
}

void AuditLog::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (failing_) {
      // While writes fail, try a probe entry now and then even without traffic, so that
      // health() turns good again once the store is writable (and the chain shows the gap).
      if (!cv_.wait_for(lock, kProbeInterval, [&] { return stop_ || !queue_.empty(); }))
        enqueue_locked(AuditEvent{"service", "audit.check", "",
                                  "{\"after\":\"" + last_error_.error().code + "\"}", 0});
    } else {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    }
    if (queue_.empty() && stop_) return;
    wait_for_group_locked(lock);
    std::deque<AuditEvent> batch;
    if (queue_.size() <= kMaxBatch) {
      batch.swap(queue_);
    } else {
      batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + kMaxBatch));
      queue_.erase(queue_.begin(), queue_.begin() + kMaxBatch);
    }
    writing_since_ = queued_since_;
    if (queue_.empty()) queued_since_.reset();
    const int64_t first = written_ + failed_ + 1;
    const int64_t n = static_cast<int64_t>(batch.size());
    lock.unlock();
    Status s = write_batch(batch);
    lock.lock();
    writing_since_.reset();
    Calls calls = finish_batch_locked(first, n, s);
    done_cv_.notify_all();
    call_unlocked(lock, std::move(calls));
  }
}

Status AuditLog::write_batch(std::deque<AuditEvent>& batch) {
  std::vector<store::AuditEntry> entries;
  entries.reserve(batch.size());
  for (AuditEvent& ev : batch) {
    store::AuditEntry e;
    e.time_us = ev.time_us;
    e.actor = std::move(ev.actor);
    e.action = std::move(ev.action);
    e.subject = std::move(ev.subject);
    e.detail = std::move(ev.detail);
    entries.push_back(std::move(e));
  }
  Status s;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    auto stored = store_.chain_audit(entries, audit_hash);
    if (stored.ok()) return Status::Ok();
    s = stored.status();
  }
  // The events cannot be stored. Say so without repeating their content.
  core::log_error("audit.write_failed",
                  {{"entries", std::to_string(batch.size())}, {"error", s.error().code}});
  return s;
}

Result<AuditVerifyReport> verify_audit(store::Store& store) {
  AuditVerifyReport report;
  int64_t expected_seq = 1;
  std::string prev_hash;
  auto bad = [&](int64_t seq, std::string problem) {
    if (!report.ok) return;
    report.ok = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
  };
  Status s = store.scan_audit(1, [&](const store::AuditEntry& e) {
    ++report.entries;
    if (report.ok) {
      if (e.seq != expected_seq) {
        bad(expected_seq, e.seq > expected_seq
                              ? "entries " + std::to_string(expected_seq) + ".." +
                                    std::to_string(e.seq - 1) + " are missing"
                              : "seq " + std::to_string(e.seq) + " is out of order");
      } else if (e.prev_hash != prev_hash) {
        bad(e.seq, "prev_hash does not match the previous entry's hash");
      } else if (has_newline(e)) {
        bad(e.seq, "a field contains a raw newline");
      } else if (audit_hash(e) != e.hash) {
        bad(e.seq, "hash does not match the entry's content");
      }
    }
    expected_seq = e.seq + 1;
    prev_hash = e.hash;
    return true;
  });
  if (!s.ok()) return s.error();
  return report;
}

}  // namespace onshi::security
