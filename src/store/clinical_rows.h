// The clinical store's private helpers for its layout (sqlite_clinical.cpp, pg_clinical.cpp):
// the 64-bit hash of a natural key that the key index holds, and the rows of a bulk load
// kept in memory and sorted into the table's order before they are written.
//
// The table is ordered by (person_link, kind, record_date, record_id) — what a view reads —
// so a bulk load into an empty table writes fastest when its rows come in that order: each
// page is then filled once, at the table's end, as the sqlite3 shell's `.import` fills its
// table. BulkRows holds the rows compactly (one copy of each field in large blocks, the
// source once per distinct value) and sorts 16-byte entries, not the rows.
#pragma once

#include <cstdint>
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
  void clear();

 private:
  struct Entry {
    uint64_t prefix;  // the person link's first 8 bytes, big-endian: most comparisons end here
    const char* row;
  };
  char* room(size_t n);
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0, capacity_ = 0, bytes_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::string> sources_;
};

}  // namespace onshi::store::detail
