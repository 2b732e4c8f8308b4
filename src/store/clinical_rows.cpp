// The natural-key hash and the sorted rows of a bulk load (store/clinical_rows.h).
#include "store/clinical_rows.h"

#include <algorithm>
#include <cstring>

namespace onshi::store::detail {
namespace {

constexpr size_t kBlock = size_t{64} << 20;

uint64_t mix(uint64_t h) {  // a 64-bit finaliser: every input bit reaches every output bit
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

uint64_t word_le(const unsigned char* p, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= uint64_t{p[i]} << (8 * i);
  return w;
}

// A row in a block: this header, then person_link, record_date, record_key, card_key and
// payload, one after the other.
struct Header {
  int64_t record_id, key_hash;
  uint32_t payload_len, source;
  uint16_t link_len, date_len, key_len, card_len;
  int32_t kind;
};

}  // namespace

int64_t clinical_key_hash(std::string_view record_key) {
  const auto* p = reinterpret_cast<const unsigned char*>(record_key.data());
  size_t n = record_key.size();
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  for (; n >= 8; n -= 8, p += 8) h = mix(h ^ word_le(p, 8)) + 0x9e3779b97f4a7c15ULL;
  if (n) h = mix(h ^ word_le(p, n));
  return static_cast<int64_t>(mix(h));
}

char* BulkRows::room(size_t n) {
  n = (n + 7) & ~size_t{7};  // headers stay aligned
  if (used_ + n > capacity_) {
    capacity_ = std::max(kBlock, n);
    blocks_.push_back(std::make_unique<char[]>(capacity_));
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  used_ += n;
  bytes_ += n;
  return at;
}

void BulkRows::add(const ClinicalPut& p, int64_t record_id) {
  if (sources_.empty() || sources_.back() != p.source) sources_.push_back(p.source);
  Header h{record_id,
           clinical_key_hash(p.record_key),
           static_cast<uint32_t>(p.payload.size()),
           static_cast<uint32_t>(sources_.size() - 1),
           static_cast<uint16_t>(p.person_link.size()),
           static_cast<uint16_t>(p.record_date.size()),
           static_cast<uint16_t>(p.record_key.size()),
           static_cast<uint16_t>(p.card_key.size()),
           static_cast<int32_t>(p.kind)};
  char* at = room(sizeof h + p.person_link.size() + p.record_date.size() + p.record_key.size() +
                  p.card_key.size() + p.payload.size());
  std::memcpy(at, &h, sizeof h);
  char* o = at + sizeof h;
  for (const std::string* s : {&p.person_link, &p.record_date, &p.record_key, &p.card_key,
                               &p.payload}) {
    std::memcpy(o, s->data(), s->size());
    o += s->size();
  }
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i)
    prefix = (prefix << 8) |
             (i < p.person_link.size() ? static_cast<unsigned char>(p.person_link[i]) : 0);
  entries_.push_back({prefix, at});
}

BulkRows::Row BulkRows::at(size_t i) const {
  const char* at = entries_[i].row;
  Header h;
  std::memcpy(&h, at, sizeof h);
  Row r;
  const char* o = at + sizeof h;
  auto take = [&o](size_t n) {
    std::string_view v(o, n);
    o += n;
    return v;
  };
  r.person_link = take(h.link_len);
  r.record_date = take(h.date_len);
  r.record_key = take(h.key_len);
  r.card_key = take(h.card_len);
  r.payload = take(h.payload_len);
  r.source = sources_[h.source];
  r.kind = static_cast<ClinicalKind>(h.kind);
  r.record_id = h.record_id;
  r.key_hash = h.key_hash;
  return r;
}

void BulkRows::sort() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    Header ha, hb;
    std::memcpy(&ha, a.row, sizeof ha);
    std::memcpy(&hb, b.row, sizeof hb);
    // person_link as SQLite compares a BLOB: bytes, then the shorter first.
    std::string_view la(a.row + sizeof ha, ha.link_len), lb(b.row + sizeof hb, hb.link_len);
    if (int c = la.compare(lb)) return c < 0;
    if (ha.kind != hb.kind) return ha.kind < hb.kind;
    std::string_view da(la.data() + la.size(), ha.date_len), db(lb.data() + lb.size(), hb.date_len);
    if (int c = da.compare(db)) return c < 0;
    return ha.record_id < hb.record_id;
  });
}

void BulkRows::clear() {
  blocks_.clear();
  entries_.clear();
  entries_.shrink_to_fit();
  used_ = capacity_ = bytes_ = 0;
}

}  // namespace onshi::store::detail
