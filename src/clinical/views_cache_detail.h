// The views' cache of one person's rows of one kind (views.h, Viewer), private to
// src/clinical/: what depends only on (person, kind) and the clinical store's contents — every
// stored row of the kind, newest first, the days they fall on and, for medication, each day's
// dispensings already written as the view's JSON. What depends on the request (the window
// from the view's day, the narrowing months, the as-of day, the head of the answer) is applied
// when answering: a date range picks a run of whole days, whose rows are one slice of the
// rows and whose JSON is one slice of the text.
//
// An entry is trusted only under the store's generation it was filled under
// (ClinicalStore::generation(): moved by every write transaction of every process on the
// store, absent while one is under way or after a writer died in one, and on PostgreSQL).
// Bounded by bytes: an entry that would pass the bound evicts others first; one larger than
// the bound is not kept. Thread-safe; entries are immutable and shared, so an answer keeps
// its entry while another thread replaces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/gzip.h"
#include "store/clinical.h"

namespace onshi::clinical::detail {

// The rows of one person and kind as read under `generation`. A medication entry made for the
// JSON keeps the days and their JSON, not the rows (half the memory): a view that needs the
// rows (the XML, grouped into a View) reads them.
struct PersonRows {
  struct Day {
    std::string date;                   // YYYYMMDD
    size_t first_row = 0, end_row = 0;  // rows[first_row, end_row) are of this day
    size_t begin = 0, end = 0;          // json[begin, end) are its dispensings (medication)
  };
  // The days of the rows with from ≤ record_date ≤ to (YYYYMMDD; "" = open): days[first, end).
  struct Range {
    size_t first = 0, end = 0;
  };

  uint64_t generation = 0;
  store::ClinicalKind kind = store::ClinicalKind::kMedication;
  bool has_rows = true;                      // false: `rows` was dropped (see above)
  std::vector<store::ClinicalViewRow> rows;  // newest first, as view_rows answers them
  std::vector<Day> days;                     // in the rows' order
  bool has_json = false;                     // medication: `json` holds every day's dispensings
  std::string json;                          // "[" then the days' dispensings, joined by ','

  // Splits `rows` into days and, for medication, writes each day's dispensings; the rows are
  // dropped afterwards unless `keep_rows` (or the kind is not medication).
  static std::shared_ptr<const PersonRows> make(store::ClinicalKind kind, uint64_t generation,
                                                std::vector<store::ClinicalViewRow> rows,
                                                bool keep_rows = true);
  Range range(std::string_view from, std::string_view to) const;
  std::span<const store::ClinicalViewRow> rows_of(Range r) const;  // empty when !has_rows
  size_t count_of(Range r) const;                                  // the rows of the range
  // The dispensings of the range, joined by ',' (the inside of the "dispensings" array).
  std::string_view json_of(Range r) const;
  // `dispensings` — a json_of(…) of this entry — compressed (core::deflate_piece): made at the
  // first call for a slice and kept for the calls after it with the same slice (one is kept: a
  // person's views on one day all ask the same window). Thread-safe.
  std::shared_ptr<const core::DeflatePiece> packed_of(std::string_view dispensings) const;
  size_t bytes() const;  // what the entry holds in memory, about (the packed range counted ahead)

 private:
  mutable std::mutex packed_mu_;
  mutable size_t packed_at_ = 0, packed_size_ = 0;  // the kept slice of `json`
  mutable std::shared_ptr<const core::DeflatePiece> packed_;
};

class ViewCache {
 public:
  explicit ViewCache(size_t max_bytes) : max_(max_bytes) {}
  bool enabled() const { return max_ > 0; }
  // The entry of (person_link, kind) filled under `generation`, or null.
  std::shared_ptr<const PersonRows> find(std::string_view person_link, store::ClinicalKind kind,
                                         uint64_t generation) const;
  // Keeps `entry` for (person_link, kind), replacing what was kept for them.
  void put(std::string_view person_link, std::shared_ptr<const PersonRows> entry);
  size_t bytes() const;
  size_t size() const;

 private:
  static std::string key(std::string_view person_link, store::ClinicalKind kind);
  const size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const PersonRows>> entries_;
  size_t bytes_ = 0;
};

}  // namespace onshi::clinical::detail
