// The clinical store's private helpers for its layout (sqlite_clinical.cpp, pg_clinical.cpp):
// the 64-bit hash of a natural key that the key index holds, and the rows of a bulk load
// kept in memory and sorted into the table's order before they are written.
//
// The table is ordered by (person_link, kind, record_date, record_id) — what a view reads —
// so a bulk load into an empty table writes fastest when its rows come in that order: each
// page is then filled once, at the table's end, as the sqlite3 shell's `.import` fills its
// table. BulkRows holds the rows compactly (one copy of each field in large blocks on huge
// pages, each person link and source once) and sorts 24-byte entries, not the rows: the
// person's rank among the load's links, then kind, day and record_id packed into one word, so
// the sort never reads a row (rows whose day or id do not pack are compared in full).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/clinical.h"

namespace onshi::store::detail {

// The key index's hash of a record_key: stable (stored), 64 bits, little-endian words.
// Different keys may share a hash; readers compare record_key on every hit.
int64_t clinical_key_hash(std::string_view record_key);

class BulkRows {
 public:
  struct Row {
    std::string_view person_link, record_date, record_key, card_key, payload, source;
    ClinicalKind kind = ClinicalKind::kMedication;
    int64_t record_id = 0, key_hash = 0;
  };
  void add(const ClinicalPut& p, int64_t record_id);
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }
  // Into the table's order: person_link, kind, record_date, record_id.
  void sort();
  Row at(size_t i) const;
  // A hint that at(i) is read soon (the sorted rows lie all over memory).
  void prefetch(size_t i) const;
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
  char* room(size_t n);
  uint32_t link_id(const std::string& link);
  std::vector<std::unique_ptr<char, FreeBlock>> blocks_;
  size_t used_ = 0, capacity_ = 0, bytes_ = 0;
  std::vector<Entry> entries_;
  std::deque<std::string> links_;  // each person link once
  std::vector<uint32_t> link_slots_;  // open addressing by LinkHash: links_ index + 1, 0 empty
  std::vector<std::string> sources_;
  bool packed_ = true;  // every entry's `rest` orders its rows exactly
};

}  // namespace onshi::store::detail
