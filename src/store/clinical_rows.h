// The clinical store's private helpers for its layout (sqlite_clinical.cpp, pg_clinical.cpp):
// the 64-bit hash of a natural key that the key index holds, and the rows of a bulk load
// kept in memory and sorted into the table's order before they are written.
//
// The table is ordered by (person_link, kind, record_date, record_id) — what a view reads —
// so a bulk load into an empty table writes fastest when its rows come in that order: each
// page is then filled once, at the table's end, as the sqlite3 shell's `.import` fills its
// table. BulkRows holds the rows compactly (one copy of each field in blocks on huge pages,
// chained by the person link's first byte; each person link and source once; the key without
// its card key) and sorts 24-byte entries, not the rows: the
// person's rank among the load's links, then kind, day and record_id packed into one word, so
// the sort never reads a row (rows whose day or id do not pack are compared in full). Beside
// the rows it keeps each row's entry of the key table, sorted apart and written after them.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/clinical.h"

namespace onshi::store::detail {

using store::clinical_key_hash;  // store/clinical.h; defined in clinical_rows.cpp

class BulkRows {
 public:
  // A row as the table stores it: the record_key without the card key in front when it starts
  // with it (key_on_card), whole otherwise.
  struct Row {
    std::string_view person_link, record_date, key_rest, card_key, payload, source;
    ClinicalKind kind = ClinicalKind::kMedication;
    bool key_on_card = false;
    uint32_t source_index = 0;  // of source in sources()
    int64_t record_id = 0, key_hash = 0;
  };
  // An entry of the key table (clinical_keys): where a natural key's row is.
  struct Key {
    ClinicalKind kind = ClinicalKind::kMedication;
    int64_t key_hash = 0, record_id = 0;
    std::string_view person_link;
    std::string record_date;
  };
  static Row row_of(const ClinicalRowRef& p, int64_t record_id);
  void add(const ClinicalRowRef& p, int64_t record_id);
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }
  // Into the table's order: person_link, kind, record_date, record_id.
  void sort();
  Row at(size_t i) const;
  // A hint that at(i) is read soon (the sorted rows lie all over memory).
  void prefetch(size_t i) const;
  // Frees the rows (written), keeping the keys of every row added.
  void clear_rows();

  // The keys of every row added since the last clear(), into the key table's order (kind,
  // key_hash, record_id). Touches nothing sort() or at() read: it may run on another thread
  // while the rows are written.
  void sort_keys();
  size_t keys() const { return keys_.size(); }
  // The sources of the rows added since the last clear(), in order of first use.
  const std::vector<std::string>& sources() const { return sources_; }
  Key key_at(size_t i) const;
  void clear();

 private:
  struct Entry {
    uint64_t person;  // the link's id while adding, its rank among the links once sorted
    uint64_t rest;    // kind, record_date and record_id packed (kPacked), in that order
    const char* row;
  };
  struct LinkHash {
    size_t operator()(std::string_view link) const;
  };
  struct FreeBlock {
    void operator()(char* p) const { std::free(p); }
  };
  struct KeyEntry {
    int64_t key_hash, record_id;
    uint32_t link;
    uint32_t day;  // YYYYMMDD as a number, or kOddDay | its index in odd_days_
    int32_t kind;
  };
  static constexpr uint32_t kOddDay = uint32_t{1} << 31;
  // The rows' memory, in one chain of blocks per first byte of the person link: the sorted
  // rows are then read from one chain at a time (megabytes, not the whole load).
  struct Chain {
    char* at = nullptr;
    size_t left = 0, next_block = 0;
  };
  char* room(size_t n, unsigned char chain);
  std::string_view link(uint32_t id) const {
    return {link_bytes_.data() + link_end_[id] - link_len_[id], link_len_[id]};
  }
  uint32_t link_id(std::string_view link);
  uint32_t day_of(std::string_view day);
  std::vector<std::unique_ptr<char, FreeBlock>> blocks_;
  std::array<Chain, 256> chains_{};
  size_t bytes_ = 0;
  std::vector<Entry> entries_;
  std::string link_bytes_;  // each person link once, one after the other
  std::vector<uint64_t> link_end_;
  std::vector<uint32_t> link_len_;
  std::vector<uint32_t> link_slots_;  // open addressing by LinkHash: link id + 1, 0 empty
  std::vector<std::string> sources_;
  std::vector<KeyEntry> keys_;
  std::vector<std::string> odd_days_;  // the days that are not 8 digits
  bool packed_ = true;  // every entry's `rest` orders its rows exactly
};

}  // namespace onshi::store::detail
