// The natural-key hash and the sorted rows of a bulk load (store/clinical_rows.h).
#include "store/clinical_rows.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace onshi::store::detail {
namespace {

constexpr size_t kBlock = size_t{4} << 20;  // a chain's largest block
constexpr size_t kFirstBlock = size_t{64} << 10;
constexpr size_t kHugePage = size_t{2} << 20;
// A packed `rest`: kind (3 bits), record_date as the number YYYYMMDD (27 bits), record_id
// (34 bits) — the order of the three as the table compares them, when all fit.
constexpr int kIdBits = 34, kDateBits = 27;

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

// A row in a block: this header, then record_date, the key's rest, card_key and payload, one
// after the other (the person link is kept once per person, `link`).
struct Header {
  int64_t record_id, key_hash;
  uint32_t payload_len, source, link;
  uint16_t date_len, key_len, card_len;
  int8_t kind, key_on_card;
};

// kind, day, id as one word in their order, or false when one does not fit.
bool pack(const ClinicalRowRef& p, int64_t record_id, uint64_t& out) {
  const auto kind = static_cast<int64_t>(p.kind);
  if (kind < 0 || kind > 7 || record_id < 0 || record_id >= (int64_t{1} << kIdBits) ||
      p.record_date.size() != 8)
    return false;
  uint64_t day = 0;
  for (char c : p.record_date) {
    if (c < '0' || c > '9') return false;
    day = day * 10 + static_cast<uint64_t>(c - '0');
  }
  out = (static_cast<uint64_t>(kind) << (kIdBits + kDateBits)) | (day << kIdBits) |
        static_cast<uint64_t>(record_id);
  return true;
}

}  // namespace

}  // namespace onshi::store::detail

namespace onshi::store {

// Little-endian words of the key, each mixed in (detail's finaliser).
int64_t clinical_key_hash(std::string_view record_key) {
  using detail::mix;
  using detail::word_le;
  const auto* p = reinterpret_cast<const unsigned char*>(record_key.data());
  size_t n = record_key.size();
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  for (; n >= 8; n -= 8, p += 8) h = mix(h ^ word_le(p, 8)) + 0x9e3779b97f4a7c15ULL;
  if (n) h = mix(h ^ word_le(p, n));
  return static_cast<int64_t>(mix(h));
}

}  // namespace onshi::store

namespace onshi::store::detail {

char* BulkRows::room(size_t n, unsigned char chain) {
  n = (n + 7) & ~size_t{7};  // headers stay aligned
  Chain& c = chains_[chain];
  if (n > c.left) {
    // Not zeroed, on huge pages where the kernel has them once a chain's blocks are that
    // large: fewer faults while adding, fewer TLB misses while the sorted rows are read back.
    // A chain's blocks double from kFirstBlock, so a small load takes little memory.
    c.next_block = std::min(kBlock, std::max(kFirstBlock, c.next_block * 2));
    const size_t want = std::max(c.next_block, n);
    const size_t align = want >= kHugePage ? kHugePage : kFirstBlock;
    const size_t size = (want + align - 1) & ~(align - 1);
    char* block = static_cast<char*>(std::aligned_alloc(align, size));
    if (!block) throw std::bad_alloc();
    if (size >= kHugePage) madvise(block, size, MADV_HUGEPAGE);
    blocks_.emplace_back(block);
    c.at = block;
    c.left = size;
  }
  char* at = c.at;
  c.at += n;
  c.left -= n;
  bytes_ += n;
  return at;
}

size_t BulkRows::LinkHash::operator()(std::string_view link) const {
  const auto* p = reinterpret_cast<const unsigned char*>(link.data());
  return static_cast<size_t>(mix(word_le(p, std::min<size_t>(link.size(), 8)) ^ link.size()));
}

uint32_t BulkRows::link_id(std::string_view l) {
  const auto count = static_cast<uint32_t>(link_len_.size());
  if ((count + 1) * 2 > link_slots_.size()) {  // at most half full
    std::vector<uint32_t> slots(std::max<size_t>(1024, link_slots_.size() * 2), 0);
    for (uint32_t id = 0; id < count; ++id) {
      size_t i = LinkHash{}(link(id)) & (slots.size() - 1);
      while (slots[i] != 0) i = (i + 1) & (slots.size() - 1);
      slots[i] = id + 1;
    }
    link_slots_ = std::move(slots);
  }
  const size_t mask = link_slots_.size() - 1;
  size_t i = LinkHash{}(l) & mask;
  for (; link_slots_[i] != 0; i = (i + 1) & mask)
    if (link(link_slots_[i] - 1) == l) return link_slots_[i] - 1;
  link_bytes_.append(l);
  link_end_.push_back(link_bytes_.size());
  link_len_.push_back(static_cast<uint32_t>(l.size()));
  link_slots_[i] = count + 1;
  return count;
}

BulkRows::Row BulkRows::row_of(const ClinicalRowRef& p, int64_t record_id) {
  const bool on_card = p.record_key.starts_with(p.card_key);
  return {p.person_link, p.record_date,
          on_card ? p.record_key.substr(p.card_key.size()) : p.record_key,
          p.card_key,    p.payload,
          p.source,      p.kind,
          on_card,       0,
          record_id,
          p.key_hash != 0 ? p.key_hash : clinical_key_hash(p.record_key)};
}

void BulkRows::add(const ClinicalRowRef& p, int64_t record_id) {
  if (sources_.empty() || sources_.back() != p.source) sources_.emplace_back(p.source);
  const Row r = row_of(p, record_id);
  Header h{record_id,
           r.key_hash,
           static_cast<uint32_t>(p.payload.size()),
           static_cast<uint32_t>(sources_.size() - 1),
           link_id(p.person_link),
           static_cast<uint16_t>(p.record_date.size()),
           static_cast<uint16_t>(r.key_rest.size()),
           static_cast<uint16_t>(p.card_key.size()),
           static_cast<int8_t>(p.kind),
           static_cast<int8_t>(r.key_on_card)};
  char* at = room(sizeof h + p.record_date.size() + r.key_rest.size() + p.card_key.size() +
                      p.payload.size(),
                  p.person_link.empty() ? 0 : static_cast<unsigned char>(p.person_link[0]));
  std::memcpy(at, &h, sizeof h);
  char* o = at + sizeof h;
  for (std::string_view s : {p.record_date, r.key_rest, p.card_key, p.payload}) {
    std::memcpy(o, s.data(), s.size());
    o += s.size();
  }
  uint64_t rest = 0;
  if (!pack(p, record_id, rest)) packed_ = false;
  entries_.push_back({h.link, rest, at});
  keys_.push_back({r.key_hash, record_id, h.link, day_of(p.record_date), h.kind});
}

uint32_t BulkRows::day_of(std::string_view day) {
  uint32_t n = 0;
  bool digits = day.size() == 8;
  for (size_t i = 0; digits && i < 8; ++i) {
    digits = day[i] >= '0' && day[i] <= '9';
    n = n * 10 + static_cast<uint32_t>(day[i] - '0');
  }
  if (digits) return n;
  odd_days_.emplace_back(day);
  return kOddDay | static_cast<uint32_t>(odd_days_.size() - 1);
}

void BulkRows::sort_keys() {
  std::sort(keys_.begin(), keys_.end(), [](const KeyEntry& a, const KeyEntry& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.key_hash != b.key_hash ? a.key_hash < b.key_hash : a.record_id < b.record_id;
  });
}

BulkRows::Key BulkRows::key_at(size_t i) const {
  const KeyEntry& e = keys_[i];
  Key k{static_cast<ClinicalKind>(e.kind), e.key_hash, e.record_id, link(e.link), {}};
  if (e.day & kOddDay) {
    k.record_date = odd_days_[e.day & ~kOddDay];
  } else {
    k.record_date.assign(8, '0');
    for (uint32_t d = e.day, j = 8; j-- > 0; d /= 10)
      k.record_date[j] = static_cast<char>('0' + d % 10);
  }
  return k;
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
  r.person_link = link(h.link);
  r.record_date = take(h.date_len);
  r.key_rest = take(h.key_len);
  r.card_key = take(h.card_len);
  r.payload = take(h.payload_len);
  r.source = sources_[h.source];
  r.source_index = h.source;
  r.kind = static_cast<ClinicalKind>(h.kind);
  r.key_on_card = h.key_on_card != 0;
  r.record_id = h.record_id;
  r.key_hash = h.key_hash;
  return r;
}

void BulkRows::prefetch(size_t i) const {
  if (i >= entries_.size()) return;
  const char* row = entries_[i].row;
  for (int line = 0; line < 4; ++line) __builtin_prefetch(row + 64 * line);
}

void BulkRows::sort() {
  // Each link's rank in SQLite's BLOB order (bytes, then the shorter first: std::string's).
  const size_t links = link_len_.size();
  std::vector<uint32_t> by_link(links);
  for (uint32_t i = 0; i < by_link.size(); ++i) by_link[i] = i;
  std::sort(by_link.begin(), by_link.end(),
            [this](uint32_t a, uint32_t b) { return link(a) < link(b); });
  std::vector<uint32_t> rank(links);
  for (uint32_t r = 0; r < by_link.size(); ++r) rank[by_link[r]] = r;
  for (Entry& e : entries_) e.person = rank[e.person];
  if (packed_) {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.person != b.person ? a.person < b.person : a.rest < b.rest;
    });
    return;
  }
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.person != b.person) return a.person < b.person;
    Header ha, hb;
    std::memcpy(&ha, a.row, sizeof ha);
    std::memcpy(&hb, b.row, sizeof hb);
    if (ha.kind != hb.kind) return ha.kind < hb.kind;
    std::string_view da(a.row + sizeof ha, ha.date_len), db(b.row + sizeof hb, hb.date_len);
    if (int c = da.compare(db)) return c < 0;
    return ha.record_id < hb.record_id;
  });
}

void BulkRows::clear_rows() {
  blocks_.clear();
  chains_ = {};
  entries_.clear();
  entries_.shrink_to_fit();
  packed_ = true;
  bytes_ = 0;
}

void BulkRows::clear() {
  clear_rows();
  link_slots_.clear();
  link_bytes_.clear();
  link_end_.clear();
  link_len_.clear();
  sources_.clear();
  keys_.clear();
  keys_.shrink_to_fit();
  odd_days_.clear();
}

}  // namespace onshi::store::detail
