// The keys a run has kept (batch.h FirstRows): 128-bit fingerprints in one open-addressing
// table with linear probing, doubled when it is two-thirds full. One flat array instead of a
// node per key: a million keys take 48 MiB and no allocation per row, and a probe touches
// one or two cache lines.
#include <functional>

#include "batch/batch.h"

namespace onshi::batch {
namespace {

// Two independent 64-bit hashes of the key's bytes (the library's and FNV-1a).
std::pair<uint64_t, uint64_t> fingerprint(std::string_view key) {
  uint64_t fnv = 1469598103934665603ULL;
  for (unsigned char c : key) fnv = (fnv ^ c) * 1099511628211ULL;
  uint64_t a = std::hash<std::string_view>{}(key);
  return {a == 0 ? 1 : a, fnv};  // a == 0 marks an empty slot
}

}  // namespace

std::optional<int64_t> FirstRows::first_row(std::string_view key, int64_t row) {
  if ((size_ + 1) * 3 > slots_.size() * 2) grow();
  const auto [a, b] = fingerprint(key);
  const size_t mask = slots_.size() - 1;
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

void FirstRows::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.a == 0) continue;
    size_t i = static_cast<size_t>(s.a) & mask;
    while (slots_[i].a != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace onshi::batch
