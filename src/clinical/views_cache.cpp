// The views' cache of a person's rows of a kind (views_cache_detail.h): splitting the rows
// into days, writing each medication day's dispensings once, picking a date range's days by
// binary search, and the byte-bounded map the Viewer keeps them in.
#include <algorithm>
#include <utility>

#include "clinical/views_cache_detail.h"
#include "clinical/views_detail.h"

namespace onshi::clinical::detail {

std::shared_ptr<const PersonRows> PersonRows::make(store::ClinicalKind kind, uint64_t generation,
                                                   std::vector<store::ClinicalViewRow> rows,
                                                   bool keep_rows) {
  auto e = std::make_shared<PersonRows>();
  e->generation = generation;
  e->kind = kind;
  e->rows = std::move(rows);
  e->has_json = kind == store::ClinicalKind::kMedication;
  size_t payload_bytes = 0;
  for (const auto& r : e->rows) payload_bytes += r.payload.size();
  if (e->has_json) {
    e->json.reserve(payload_bytes + e->rows.size() * 128 + 1);
    e->json.push_back('[');  // so that the first day's first dispensing takes no comma
  }
  std::vector<Fields> scratch;
  const std::span<const store::ClinicalViewRow> all(e->rows);
  for (size_t first = 0; first < all.size();) {
    size_t end = first;
    while (end < all.size() && all[end].record_date == all[first].record_date) ++end;
    Day d{all[first].record_date, first, end, 0, 0};
    if (e->has_json) {
      d.begin = e->json.size() + (e->json.back() == '[' ? 0 : 1);  // after the day's comma
      medication_day_json(e->json, all.subspan(first, end - first), scratch);
      d.end = e->json.size();
    }
    e->days.push_back(d);
    first = end;
  }
  e->json.shrink_to_fit();
  if (e->has_json && !keep_rows) {
    e->rows = {};
    e->has_rows = false;
  }
  return e;
}

PersonRows::Range PersonRows::range(std::string_view from, std::string_view to) const {
  // Days are newest first: skip those after `to`, keep those on or after `from`.
  auto first = days.begin();
  if (!to.empty())
    first = std::partition_point(days.begin(), days.end(),
                                 [&](const Day& d) { return d.date > to; });
  auto end = days.end();
  if (!from.empty())
    end = std::partition_point(first, days.end(), [&](const Day& d) { return d.date >= from; });
  return Range{static_cast<size_t>(first - days.begin()), static_cast<size_t>(end - days.begin())};
}

size_t PersonRows::count_of(Range r) const {
  return r.first >= r.end ? 0 : days[r.end - 1].end_row - days[r.first].first_row;
}

std::span<const store::ClinicalViewRow> PersonRows::rows_of(Range r) const {
  if (r.first >= r.end || !has_rows) return {};
  const size_t from = days[r.first].first_row, to = days[r.end - 1].end_row;
  return std::span<const store::ClinicalViewRow>(rows).subspan(from, to - from);
}

std::string_view PersonRows::json_of(Range r) const {
  if (!has_json || r.first >= r.end) return {};
  const size_t from = days[r.first].begin, to = days[r.end - 1].end;
  return std::string_view(json).substr(from, to - from);
}

std::shared_ptr<const core::DeflatePiece> PersonRows::packed_of(
    std::string_view dispensings) const {
  const size_t at = dispensings.empty() ? 0 : dispensings.data() - json.data();
  {
    std::lock_guard lock(packed_mu_);
    if (packed_ && packed_at_ == at && packed_size_ == dispensings.size()) return packed_;
  }
  // Compressed outside the lock: two views racing on a new slice both compress, one is kept.
  auto piece = std::make_shared<const core::DeflatePiece>(core::deflate_piece(dispensings));
  std::lock_guard lock(packed_mu_);
  packed_at_ = at;
  packed_size_ = dispensings.size();
  packed_ = piece;
  return piece;
}

size_t PersonRows::bytes() const {
  // A packed range is about a tenth of its text (JSON of drug names and codes that repeat).
  size_t n = sizeof(PersonRows) + json.capacity() + json.size() / 8 + days.capacity() * sizeof(Day);
  for (const auto& d : days) n += d.date.capacity() > 15 ? d.date.capacity() : 0;
  for (const auto& r : rows)
    n += sizeof(r) + r.record_date.capacity() + r.payload.capacity();
  return n;
}

std::string ViewCache::key(std::string_view person_link, store::ClinicalKind kind) {
  std::string k(person_link);
  k.push_back(static_cast<char>(kind));
  return k;
}

std::shared_ptr<const PersonRows> ViewCache::find(std::string_view person_link,
                                                  store::ClinicalKind kind,
                                                  uint64_t generation) const {
  const std::string k = key(person_link, kind);
  std::lock_guard lock(mu_);
  auto it = entries_.find(k);
  if (it == entries_.end() || it->second->generation != generation) return nullptr;
  return it->second;
}

namespace {
// An entry's share of the bound: its bytes, its key and the map's node.
size_t cost(const std::string& key, const PersonRows& e) {
  return e.bytes() + key.size() + 64;
}
}  // namespace

void ViewCache::put(std::string_view person_link, std::shared_ptr<const PersonRows> entry) {
  std::string k = key(person_link, entry->kind);
  const size_t size = cost(k, *entry);
  if (size > max_) return;
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(k); it != entries_.end()) {
    bytes_ -= cost(it->first, *it->second);
    entries_.erase(it);
  }
  // Over the bound: other entries go first, in the map's (arbitrary) order.
  while (bytes_ + size > max_ && !entries_.empty()) {
    auto victim = entries_.begin();
    bytes_ -= cost(victim->first, *victim->second);
    entries_.erase(victim);
  }
  bytes_ += size;
  entries_.emplace(std::move(k), std::move(entry));
}

size_t ViewCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t ViewCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace onshi::clinical::detail
