// The keys a run has kept (batch.h FirstRows): 128-bit fingerprints in one open-addressing
// table with linear probing, doubled when it is two-thirds full. One flat array instead of a
// node per key: a million keys take 48 MiB and no allocation per row, and a probe touches
// one or two cache lines. The table lies on huge pages where the kernel gives them: a probe
// lands anywhere in it, and a TLB miss per probe cost as much as the probe.
#include <sys/mman.h>

#include <cstring>
#include <functional>
#include <new>

#include "batch/batch.h"

namespace onshi::batch {

// Two independent 64-bit hashes of the key's bytes: the library's, and FNV-1a over 8-byte
// words (then the tail's bytes) with a final mix — a word at a time, as keys run to 60 bytes
// and more (clinical records) and this runs once per row on the writing thread.
FirstRows::Print FirstRows::print(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = (h ^ w) * 1099511628211ULL;
    h ^= h >> 29;
  }
  for (; i < key.size(); ++i) h = (h ^ static_cast<unsigned char>(key[i])) * 1099511628211ULL;
  h ^= key.size();
  h ^= h >> 32;
  h *= 0x9e3779b97f4a7c15ULL;
  h ^= h >> 29;
  uint64_t a = std::hash<std::string_view>{}(key);
  return {a == 0 ? 1 : a, h};  // a == 0 marks an empty slot
}

std::optional<int64_t> FirstRows::first_row(const Print& key, int64_t row) {
  if ((size_ + 1) * 3 > capacity_ * 2) grow();
  const auto [a, b] = key;
  const size_t mask = capacity_ - 1;
  for (size_t i = static_cast<size_t>(a) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.a == 0) {
      s = Slot{a, b, row};
      ++size_;
      return std::nullopt;
    }
    if (s.a == a && s.b == b) return s.row;
  }
}

void FirstRows::reserve(size_t keys) {
  size_t want = 1024;
  while (want * 2 <= keys * 3) want *= 2;  // keys stay under two-thirds of the slots
  if (want > capacity_) grow(want);
}

void FirstRows::grow(size_t slots) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t n = slots ? slots : capacity_ == 0 ? 1024 : capacity_ * 2;
  const bool huge = n * sizeof(Slot) >= kHugePage;
  const size_t align = huge ? kHugePage : 64;
  const size_t bytes = (n * sizeof(Slot) + align - 1) & ~(align - 1);
  auto* fresh = static_cast<Slot*>(std::aligned_alloc(align, bytes));
  if (!fresh) throw std::bad_alloc();
  if (huge) madvise(fresh, bytes, MADV_HUGEPAGE);
  std::memset(static_cast<void*>(fresh), 0, n * sizeof(Slot));  // a == 0: empty
  std::unique_ptr<Slot[], Free> old(fresh);
  std::swap(old, slots_);
  const size_t old_capacity = capacity_;
  capacity_ = n;
  const size_t mask = n - 1;
  for (size_t k = 0; k < old_capacity; ++k) {
    const Slot& s = old[k];
    if (s.a == 0) continue;
    size_t i = static_cast<size_t>(s.a) & mask;
    while (slots_[i].a != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace onshi::batch
