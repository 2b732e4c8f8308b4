// The shared change counter and the recipients' ticket cache of store/ticket_cache.h. The
// counters are plain 64-bit words in a MAP_SHARED page, read and written through
// std::atomic_ref (lock-free on every platform onshi builds for), so the processes that map
// the file see each other's moves without a system call.
#include "store/ticket_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

namespace onshi::store::detail {
namespace {

constexpr size_t kPage = 4096;

std::atomic_ref<uint64_t> word(uint64_t* words, int i) {
  return std::atomic_ref<uint64_t>(words[i]);
}

}  // namespace

ChangeCounter ChangeCounter::open(const std::filesystem::path& file) {
  ChangeCounter c;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return c;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (static_cast<size_t>(st.st_size) >= kPage ||
                                ::ftruncate(fd, static_cast<off_t>(kPage)) == 0)) {
    void* p = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) c.words_ = static_cast<uint64_t*>(p);
  }
  ::close(fd);
  return c;
}

ChangeCounter::ChangeCounter(ChangeCounter&& o) noexcept
    : words_(std::exchange(o.words_, nullptr)) {}

ChangeCounter& ChangeCounter::operator=(ChangeCounter&& o) noexcept {
  std::swap(words_, o.words_);
  return *this;
}

ChangeCounter::~ChangeCounter() {
  if (words_) ::munmap(words_, kPage);
}

void ChangeCounter::begin_write() {
  if (!words_) return;
  auto begun = word(words_, 0), ended = word(words_, 1);
  const uint64_t b = begun.load(std::memory_order_acquire);
  // A writer died between its two moves: no reader has trusted the cache since; close it.
  if (ended.load(std::memory_order_acquire) != b) ended.store(b, std::memory_order_release);
  begun.store(b + 1, std::memory_order_seq_cst);
}

void ChangeCounter::end_write() {
  if (!words_) return;
  word(words_, 1).store(word(words_, 0).load(std::memory_order_acquire), std::memory_order_seq_cst);
}

std::optional<uint64_t> ChangeCounter::stable() const {
  if (!words_) return std::nullopt;
  const uint64_t b = word(words_, 0).load(std::memory_order_seq_cst);
  const uint64_t e = word(words_, 1).load(std::memory_order_seq_cst);
  if (b != e) return std::nullopt;
  return e;
}

std::vector<TicketVersion> of_month(const std::vector<TicketVersion>& latest,
                                    std::string_view month) {
  std::vector<TicketVersion> out;
  for (const auto& v : latest)
    if (month.empty() || v.ticket.medical_treatment_month == month) out.push_back(v);
  return out;
}

std::optional<std::vector<TicketVersion>> RecipientTicketCache::find(
    const std::string& recipient_key, uint64_t generation, int64_t known_at_us,
    std::string_view month) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(recipient_key);
  if (it == entries_.end() || it->second.generation != generation ||
      it->second.newest_us > known_at_us)
    return std::nullopt;
  return of_month(it->second.latest, month);
}

bool RecipientTicketCache::holds(const std::string& recipient_key, uint64_t generation) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(recipient_key);
  return it != entries_.end() && it->second.generation == generation;
}

void RecipientTicketCache::put(const std::string& recipient_key, uint64_t generation,
                               std::vector<TicketVersion> latest) {
  Entry e;
  e.generation = generation;
  for (const auto& v : latest) e.newest_us = std::max(e.newest_us, v.recorded_at_us);
  e.latest = std::move(latest);
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_ && !entries_.count(recipient_key)) entries_.clear();
  entries_[recipient_key] = std::move(e);
}

}  // namespace onshi::store::detail
