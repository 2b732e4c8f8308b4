// Loading the qualification history into memory for the claims check.
//
// One pass over store.scan_versions, which streams versions in (card_key, recorded_at) order:
// a new card key opens a KeyEntry, every version is compacted to the few fields the rules read,
// and the person-link table is sorted once at the end. Conversions (rare) are parsed here so
// the rules never touch JSON. The hash table is sized to a power of two at least twice the
// number of keys, so a probe sequence is short and a lookup is a hash and one or two loads.
#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <functional>

#include "claims/detail.h"
#include "core/burden.h"
#include "core/date.h"
#include "security/audit_events.h"

namespace onshi::claims {
namespace detail {

int32_t date_int(std::string_view s) {
  if (s.size() != 8) return 0;
  int32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

uint64_t institution_number(std::string_view code) {
  if (code.size() != 10) return 0;
  uint64_t v = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::optional<LoggedConfirmation> logged_confirmation(const store::AuditEntry& e) {
  if (!security::is_confirmation(e)) return std::nullopt;
  auto c = security::decode_confirmation(e);
  if (!c) return std::nullopt;
  const core::Date& d = c->date;
  return LoggedConfirmation{institution_number(c->medical_institution_code),
                            d.year() * 10000 + d.month() * 100 + d.day(), c->validity};
}

namespace {

Link link_of(const std::string& raw) {
  Link l;
  if (raw.size() >= 16) {
    std::memcpy(&l.hi, raw.data(), 8);
    std::memcpy(&l.lo, raw.data() + 8, 8);
  } else if (!raw.empty()) {
    std::string padded = raw;
    padded.resize(16, '\0');
    std::memcpy(&l.hi, padded.data(), 8);
    std::memcpy(&l.lo, padded.data() + 8, 8);
    if (l.empty()) l.lo = 1;
  }
  return l;
}

// Parses the conversions JSON; malformed text counts as no conversion (it was written by
// onshi itself, so this is only a guard).
std::vector<Conversion> parse_conversions(std::string_view text) {
  std::vector<Conversion> out;
  boost::system::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec || !doc.is_array()) return out;
  for (const auto& e : doc.as_array()) {
    const auto* o = e.if_object();
    if (!o) continue;
    Conversion c;
    auto str = [&](const char* k) -> std::string {
      const auto* v = o->if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    c.field = str("field");
    c.original = str("original");
    c.replacement = str("replacement");
    if (const auto* p = o->if_contains("position"); p && p->is_int64()) c.position = p->as_int64();
    if (!c.original.empty() || !c.replacement.empty()) out.push_back(std::move(c));
  }
  return out;
}

uint64_t hash_key(std::string_view k) {
  return std::hash<std::string_view>{}(k);
}

}  // namespace
}  // namespace detail

using detail::Link;
using detail::Version;

int64_t History::Impl::find(std::string_view card_key) const {
  if (slots.empty()) return -1;
  for (uint64_t h = detail::hash_key(card_key) & mask;; h = (h + 1) & mask) {
    uint32_t s = slots[h];
    if (s == 0) return -1;
    if (key(s - 1) == card_key) return s - 1;
  }
}

std::vector<uint32_t> History::Impl::find_prefix(std::string_view prefix) const {
  std::vector<uint32_t> out;
  uint32_t lo = 0, hi = static_cast<uint32_t>(keys.size());
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (key(mid) < prefix) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  for (uint32_t i = lo; i < keys.size() && key(i).substr(0, prefix.size()) == prefix; ++i) {
    out.push_back(i);
  }
  return out;
}

std::vector<uint32_t> History::Impl::keys_of_person(const Link& link) const {
  std::vector<uint32_t> out;
  if (link.empty()) return out;
  auto it = std::lower_bound(by_person.begin(), by_person.end(), std::make_pair(link, uint32_t{0}));
  for (; it != by_person.end() && it->first == link; ++it) out.push_back(it->second);
  return out;
}

const Version* History::Impl::as_of(uint32_t i, int64_t known_at_us) const {
  const Version* found = nullptr;
  for (uint32_t v = keys[i].first_version; v < keys[i].end_version; ++v) {
    if (versions[v].recorded_at_us > known_at_us) break;
    found = &versions[v];
  }
  return found;
}

History::History() : impl_(std::make_unique<Impl>()) {}
History::~History() = default;
int64_t History::card_keys() const {
  return static_cast<int64_t>(impl_->keys.size());
}
int64_t History::versions() const {
  return static_cast<int64_t>(impl_->versions.size());
}
int64_t History::confirmations() const {
  return static_cast<int64_t>(impl_->confirmations.size());
}

bool History::from_snapshot() const {
  return impl_->from_snapshot;
}

Result<std::shared_ptr<const History>> History::load(store::Store& store,
                                                     int64_t confirmations_since_us,
                                                     const std::filesystem::path& snapshot) {
  std::shared_ptr<History> h(new History());
  if (!snapshot.empty() && detail::load_snapshot(store, snapshot, *h->impl_)) {
    h->impl_->from_snapshot = true;
  } else {
    h.reset(new History());
    auto st = h->impl_->load_versions(store);
    if (!st.ok()) return st.error();
    if (!snapshot.empty()) detail::save_snapshot(*h->impl_, snapshot);
  }
  Impl& m = *h->impl_;
  detail::build_layout_index(m);
  auto cs = m.load_confirmations(store, confirmations_since_us);
  if (!cs.ok()) return cs.error();
  return std::shared_ptr<const History>(std::move(h));
}

namespace {

// One version compacted to what the rules read; conversions and 特定疾病 certificates go to
// the side tables of `m`.
Version compact(const store::QualificationVersion& qv, History::Impl& m) {
  const auto& q = qv.qualification;
  Version v;
  v.recorded_at_us = qv.recorded_at_us;
  v.qualification_date = detail::date_int(q.qualification_date);
  int32_t dq = detail::date_int(q.disqualification_date);
  v.disqualification_date = dq == 0 ? detail::kOpenEnd : dq;
  v.issuance_date = detail::date_int(q.insured_certificate_issuance_date);
  v.birthdate = detail::date_int(q.birthdate);
  v.sex1 = q.sex1.empty() ? 0 : q.sex1[0];
  v.name = q.name;
  if (q.elderly_recipient) {
    v.elderly_date = detail::date_int(q.elderly_recipient->certificate_date);
    v.elderly_start = detail::date_int(q.elderly_recipient->valid_start_date);
    v.elderly_ratio = std::max(0, core::parse_ratio_percent(q.elderly_recipient->contribution_ratio));
  }
  if (!q.specific_diseases.empty()) {
    std::vector<detail::Disease> list;
    for (const auto& d : q.specific_diseases) {
      int32_t end = detail::date_int(d.valid_end_date);
      list.push_back({d.disease_category, detail::date_int(d.certificate_date),
                      detail::date_int(d.valid_start_date), end == 0 ? detail::kOpenEnd : end});
    }
    v.diseases = static_cast<int32_t>(m.diseases.size());
    m.diseases.push_back(std::move(list));
  }
  if (!qv.conversions.empty() && qv.conversions != "[]") {
    auto list = detail::parse_conversions(qv.conversions);
    if (!list.empty()) {
      v.conversions = static_cast<int32_t>(m.conversions.size());
      m.conversions.push_back(std::move(list));
    }
  }
  return v;
}

}  // namespace

Status History::Impl::load_versions(store::Store& store) {
  Impl& m = *this;
  if (auto n = store.count_versions(); n.ok()) {
    m.versions.reserve(static_cast<size_t>(*n));
    m.keys.reserve(static_cast<size_t>(*n));
    m.arena.reserve(static_cast<size_t>(*n) * 24);
  }
  std::string last_key;
  std::string last_link;
  auto close_key = [&] {
    if (!m.keys.empty()) m.keys.back().link = detail::link_of(last_link);
  };
  Status st = store.scan_versions([&](const store::QualificationVersion& qv) {
    const auto& q = qv.qualification;
    std::string key = q.card_key();
    if (m.keys.empty() || key != last_key) {
      close_key();
      detail::KeyEntry e;
      e.key_offset = static_cast<uint32_t>(m.arena.size());
      e.key_length = static_cast<uint32_t>(key.size());
      e.first_version = e.end_version = static_cast<uint32_t>(m.versions.size());
      m.arena += key;
      m.keys.push_back(e);
      last_key = std::move(key);
    }
    Version v = compact(qv, m);
    m.versions.push_back(std::move(v));
    m.keys.back().end_version = static_cast<uint32_t>(m.versions.size());
    last_link = qv.person_link;
    auto [it, added] = m.insurer_first_recorded_us.try_emplace(q.insurer_number, qv.recorded_at_us);
    if (!added && qv.recorded_at_us < it->second) it->second = qv.recorded_at_us;
    if (m.system_start_us == 0 || qv.recorded_at_us < m.system_start_us) {
      m.system_start_us = qv.recorded_at_us;
    }
    return true;
  });
  if (!st.ok()) return st;
  close_key();

  size_t cap = 16;
  while (cap < m.keys.size() * 2) cap <<= 1;
  m.slots.assign(cap, 0);
  m.mask = cap - 1;
  m.by_person.reserve(m.keys.size());
  for (uint32_t i = 0; i < m.keys.size(); ++i) {
    uint64_t s = detail::hash_key(m.key(i)) & m.mask;
    while (m.slots[s] != 0) s = (s + 1) & m.mask;
    m.slots[s] = i + 1;
    if (!m.keys[i].link.empty()) m.by_person.emplace_back(m.keys[i].link, i);
  }
  std::sort(m.by_person.begin(), m.by_person.end());
  return Status::Ok();
}

Status History::Impl::load_confirmations(store::Store& store, int64_t confirmations_since_us) {
  Impl& m = *this;
  // Confirmations: find the first entry of the window by bisecting on seq (entries are
  // appended in time order), then stream the rest of the log once.
  auto last = store.last_audit();
  if (!last.ok()) return last.status();
  int64_t from_seq = 1;
  if (confirmations_since_us == kNoConfirmations) {
    m.confirmations_from_us = kNoConfirmations;
    return Status::Ok();
  }
  if (*last && confirmations_since_us > 0) {
    int64_t lo = 1, hi = (*last)->seq + 1;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      int64_t t = INT64_MAX;
      Status ps = store.scan_audit(mid, [&](const store::AuditEntry& e) {
        t = e.time_us;
        return false;
      });
      if (!ps.ok()) return ps;
      if (t < confirmations_since_us)
        lo = mid + 1;
      else
        hi = mid;
    }
    from_seq = lo;
  }
  Status as = store.scan_audit(from_seq, [&](const store::AuditEntry& e) {
    if (!security::is_confirmation(e) || e.subject.empty()) return true;
    int64_t k = m.find(e.subject);
    if (k < 0) return true;
    auto c = detail::logged_confirmation(e);
    if (!c || c->institution == 0) return true;
    m.confirmations.push_back(
        detail::Confirmation{static_cast<uint32_t>(k), c->date, e.time_us, c->institution});
    return true;
  });
  if (!as.ok()) return as;
  std::sort(m.confirmations.begin(), m.confirmations.end(), [](const auto& a, const auto& b) {
    return a.key != b.key ? a.key < b.key : a.time_us < b.time_us;
  });
  m.confirmations_from_us = confirmations_since_us;
  return Status::Ok();
}

}  // namespace onshi::claims
