// The audit log: a hash chain over the store's audit table, written by one background thread.
//
// Reading a person's data must never wait on a disk flush, yet no read may go unrecorded.
// So `record` only appends to an in-memory queue, and a single writer thread turns whatever
// has queued up into one store transaction (group commit): under load, thousands of reads
// share one fsync. The log never numbers entries itself: the store assigns seq and prev_hash
// inside its write transaction (Store::chain_audit) and calls audit_hash there, so a
// restarted service, or several services on one database, extend the same single chain.
//
// The chained hash joins fields with "\n". So that no two different entries can hash alike
// by moving text between fields, `record` escapes any newline in a field as the two
// characters "\n", and `verify_audit` treats a raw newline in a stored field as tampering.
#include "security/audit.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "security/crypto.h"

namespace onshi::security {
namespace {

constexpr size_t kMaxBatch = 1000;
constexpr auto kGroupWindow = std::chrono::milliseconds(20);
constexpr int kAttempts = 3;  // a store error (busy file, lost connection) is retried

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

AuditLog::AuditLog(store::Store& store) : store_(store) {
  thread_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditLog::record(AuditEvent event) {
  if (event.time_us == 0) event.time_us = now_us();
  escape_newlines(event.actor);
  escape_newlines(event.action);
  escape_newlines(event.subject);
  escape_newlines(event.detail);
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(event));
    ++recorded_;
    // Wake the writer for the first event of a batch (it then waits out the group window)
    // and when a full batch is ready.
    wake = queue_.size() == 1 || queue_.size() >= kMaxBatch;
  }
  if (wake) cv_.notify_one();
}

Status AuditLog::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t target = recorded_;
  flush_waiters_++;
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return written_ + failed_ >= target; });
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

void AuditLog::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    // Group window: let more events join unless someone is waiting or the batch is full.
    cv_.wait_for(lock, kGroupWindow,
                 [&] { return stop_ || flush_waiters_ > 0 || queue_.size() >= kMaxBatch; });
    std::deque<AuditEvent> batch;
    if (queue_.size() <= kMaxBatch) {
      batch.swap(queue_);
    } else {
      batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + kMaxBatch));
      queue_.erase(queue_.begin(), queue_.begin() + kMaxBatch);
    }
    const int64_t n = static_cast<int64_t>(batch.size());
    lock.unlock();
    Status s = write_batch(batch);
    lock.lock();
    if (s.ok()) {
      written_ += n;
    } else {
      failed_ += n;
      last_error_ = s;
    }
    done_cv_.notify_all();
  }
}

Status AuditLog::write_batch(std::deque<AuditEvent>& batch) {
  std::vector<store::AuditEntry> entries;
  entries.reserve(batch.size());
  for (const AuditEvent& ev : batch) {
    store::AuditEntry e;
    e.time_us = ev.time_us;
    e.actor = ev.actor;
    e.action = ev.action;
    e.subject = ev.subject;
    e.detail = ev.detail;
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
  std::fprintf(stderr, "onshi: audit: %zu entries could not be written: %s\n", batch.size(),
               s.error().code.c_str());
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
