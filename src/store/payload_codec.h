// The member store's compressed payloads: a qualification's positional text (store/payload.h)
// compressed by zstd against a dictionary trained on the store's own payloads. A payload is
// ≈ 230 B of names, kana and addresses that repeat across members but hardly inside one, so
// plain compression gains nothing and a 64 KiB dictionary takes it to ≈ 66 B
// (docs/performance.md, "Where a member's bytes go").
//
// A compressed payload is stored as a BLOB: one byte, the dictionary's id (1–255), then the
// zstd frame without its 4-byte magic number (no checksum, no dictionary id: the row's first
// byte names it). A payload stored as TEXT is plain: a store without a dictionary (fewer than
// kMinTrainingSamples payloads in its first batch) and rows written before schema 5 keep text.
// Compression is deterministic: the same dictionary and text give the same bytes.
//
// Dictionaries are never changed or dropped once committed, so a reader that meets an id it
// does not know loads it (another process may have trained it) and keeps it for good.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::store {

class PayloadCodec {
 public:
  static constexpr size_t kMinTrainingSamples = 1000;
  static constexpr size_t kMaxTrainingSamples = 20000;
  static constexpr size_t kDictionaryBytes = 64 * 1024;

  PayloadCodec();
  ~PayloadCodec();
  PayloadCodec(const PayloadCodec&) = delete;
  PayloadCodec& operator=(const PayloadCodec&) = delete;

  // A dictionary trained on `payloads` (the first kMaxTrainingSamples of them); empty when
  // there are fewer than kMinTrainingSamples or zstd cannot train on them.
  static std::string train(std::span<const std::string> payloads);

  // Makes dictionary `id` (1–255) known; `current` also makes it the one compress() uses.
  // Thread-safe; a second add of a known id changes nothing.
  void add(int id, std::string_view dictionary, bool current);
  bool knows(int id) const;
  int current() const { return current_.load(std::memory_order_acquire); }
  // Forgets dictionary `id` (the transaction that stored it rolled back, so no row names it);
  // compress() then writes text until another is added.
  void forget(int id);

  // `text` compressed against the current dictionary into `out`; false (out untouched) when
  // there is none — the caller then stores the text.
  bool compress(std::string_view text, std::string& out) const;
  // The text of a stored BLOB into `out`; false when its dictionary is unknown or the bytes
  // are damaged.
  bool expand(std::string_view stored, std::string& out) const;
  // The dictionary id a stored BLOB names (0 for an empty one).
  static int dictionary_of(std::string_view stored);

 private:
  struct Dict;
  std::array<std::atomic<const Dict*>, 256> dicts_{};
  std::atomic<int> current_{0};
  std::mutex add_mu_;
  std::vector<std::unique_ptr<Dict>> owned_;
};

}  // namespace onshi::store
