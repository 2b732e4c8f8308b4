// A snapshot of the compact history on disk, so that a run does not re-read and re-decode
// every version from the store when nothing was registered since the last run.
//
// Versions are only ever appended, never changed or removed, so the store's version count
// identifies its content; the snapshot also keeps the last card key's number of versions and
// latest recorded time and checks them against the store (one indexed read), which catches a
// data directory replaced by another of the same size. The file is native binary (it never
// leaves the machine that wrote it; a header with the struct sizes refuses any other), written
// beside its final name and renamed into place, so a reader sees a whole snapshot or none.
// A snapshot that is missing, stale or unreadable is simply rebuilt from the store.
// Confirmations are never in it: they are read from the audit log on every load.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "claims/detail.h"

namespace onshi::claims::detail {
namespace {

constexpr char kMagic[] = "onshi-claims-history-2";

struct Writer {
  std::string buf;
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(std::string_view s) {
    put(static_cast<uint32_t>(s.size()));
    buf.append(s);
  }
  template <class T>
  void array(const std::vector<T>& v) {
    put(static_cast<uint64_t>(v.size()));
    buf.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
};

struct Reader {
  const char* p;
  const char* end;
  bool ok = true;
  template <class T>
  T get() {
    T v{};
    if (static_cast<size_t>(end - p) < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  std::string str() {
    uint32_t n = get<uint32_t>();
    if (!ok || static_cast<size_t>(end - p) < n) {
      ok = false;
      return {};
    }
    std::string s(p, n);
    p += n;
    return s;
  }
  template <class T>
  void array(std::vector<T>& v) {
    uint64_t n = get<uint64_t>();
    if (!ok || n > static_cast<uint64_t>(end - p) / sizeof(T)) {
      ok = false;
      return;
    }
    v.resize(n);
    std::memcpy(v.data(), p, n * sizeof(T));
    p += n * sizeof(T);
  }
};

struct Stamp {
  int64_t versions = 0;
  int64_t last_key_versions = 0;
  int64_t last_recorded_us = 0;
  bool operator==(const Stamp&) const = default;
};

// The store's stamp, from its version count and its last card key's history.
Result<Stamp> store_stamp(store::Store& store, const History::Impl& m) {
  Stamp s;
  auto n = store.count_versions();
  if (!n.ok()) return n.error();
  s.versions = *n;
  if (m.keys.empty()) return s;
  auto h = store.history(m.key(static_cast<uint32_t>(m.keys.size() - 1)));
  if (!h.ok()) return h.error();
  s.last_key_versions = static_cast<int64_t>(h->size());
  s.last_recorded_us = h->empty() ? 0 : h->back().recorded_at_us;
  return s;
}

Stamp own_stamp(const History::Impl& m) {
  Stamp s;
  s.versions = static_cast<int64_t>(m.versions.size());
  if (!m.keys.empty()) {
    const KeyEntry& k = m.keys.back();
    s.last_key_versions = k.end_version - k.first_version;
    s.last_recorded_us = m.versions[k.end_version - 1].recorded_at_us;
  }
  return s;
}

void header(Writer& w) {
  w.buf.append(kMagic, sizeof kMagic);
  w.put(static_cast<uint32_t>(sizeof(KeyEntry)));
  w.put(static_cast<uint32_t>(sizeof(std::pair<Link, uint32_t>)));
}

// The 特定疾病 side table; false when the bytes cannot be one.
bool read_diseases(Reader& r, size_t limit, History::Impl& m) {
  uint64_t nd = r.get<uint64_t>();
  if (!r.ok || nd > limit) return false;
  m.diseases.resize(nd);
  for (auto& list : m.diseases) {
    uint64_t n = r.get<uint64_t>();
    if (!r.ok || n > limit) return false;
    list.resize(n);
    for (Disease& d : list) {
      d.category = r.str();
      d.certificate_date = r.get<int32_t>();
      d.valid_start = r.get<int32_t>();
      d.valid_end = r.get<int32_t>();
    }
  }
  return r.ok;
}

}  // namespace

bool save_snapshot(const History::Impl& m, const std::filesystem::path& file) {
  Writer w;
  header(w);
  w.put(own_stamp(m));
  w.put(m.system_start_us);
  w.put(m.mask);
  w.str(m.arena);
  w.array(m.keys);
  w.array(m.slots);
  w.array(m.by_person);
  w.put(static_cast<uint64_t>(m.versions.size()));
  for (const Version& v : m.versions) {
    w.put(v.recorded_at_us);
    w.put(v.qualification_date);
    w.put(v.disqualification_date);
    w.put(v.issuance_date);
    w.put(v.birthdate);
    w.put(v.conversions);
    w.put(v.elderly_date);
    w.put(v.elderly_start);
    w.put(v.elderly_ratio);
    w.put(v.diseases);
    w.put(v.sex1);
    w.str(v.name);
  }
  w.put(static_cast<uint64_t>(m.conversions.size()));
  for (const auto& list : m.conversions) {
    w.put(static_cast<uint64_t>(list.size()));
    for (const Conversion& c : list) {
      w.str(c.field);
      w.put(c.position);
      w.str(c.original);
      w.str(c.replacement);
    }
  }
  w.put(static_cast<uint64_t>(m.diseases.size()));
  for (const auto& list : m.diseases) {
    w.put(static_cast<uint64_t>(list.size()));
    for (const Disease& d : list) {
      w.str(d.category);
      w.put(d.certificate_date);
      w.put(d.valid_start);
      w.put(d.valid_end);
    }
  }
  w.put(static_cast<uint64_t>(m.insurer_first_recorded_us.size()));
  for (const auto& [insurer, us] : m.insurer_first_recorded_us) {
    w.str(insurer);
    w.put(us);
  }
  std::filesystem::path tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(w.buf.data(), static_cast<std::streamsize>(w.buf.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
  return !ec;
}

// Reads a snapshot into `m` when it matches the store; false (and `m` untouched in meaning:
// the caller discards it) otherwise.
bool load_snapshot(store::Store& store, const std::filesystem::path& file, History::Impl& m) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::string buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Writer expect;
  header(expect);
  if (buf.size() < expect.buf.size() || buf.compare(0, expect.buf.size(), expect.buf) != 0)
    return false;
  Reader r{buf.data() + expect.buf.size(), buf.data() + buf.size()};
  Stamp stamp = r.get<Stamp>();
  m.system_start_us = r.get<int64_t>();
  m.mask = r.get<uint64_t>();
  m.arena = r.str();
  r.array(m.keys);
  r.array(m.slots);
  r.array(m.by_person);
  uint64_t nv = r.get<uint64_t>();
  if (!r.ok || nv > buf.size()) return false;
  m.versions.resize(nv);
  for (Version& v : m.versions) {
    v.recorded_at_us = r.get<int64_t>();
    v.qualification_date = r.get<int32_t>();
    v.disqualification_date = r.get<int32_t>();
    v.issuance_date = r.get<int32_t>();
    v.birthdate = r.get<int32_t>();
    v.conversions = r.get<int32_t>();
    v.elderly_date = r.get<int32_t>();
    v.elderly_start = r.get<int32_t>();
    v.elderly_ratio = r.get<int32_t>();
    v.diseases = r.get<int32_t>();
    v.sex1 = r.get<char>();
    v.name = r.str();
  }
  uint64_t nc = r.get<uint64_t>();
  if (!r.ok || nc > buf.size()) return false;
  m.conversions.resize(nc);
  for (auto& list : m.conversions) {
    uint64_t n = r.get<uint64_t>();
    if (!r.ok || n > buf.size()) return false;
    list.resize(n);
    for (Conversion& c : list) {
      c.field = r.str();
      c.position = r.get<int64_t>();
      c.original = r.str();
      c.replacement = r.str();
    }
  }
  if (!read_diseases(r, buf.size(), m)) return false;
  uint64_t ni = r.get<uint64_t>();
  if (!r.ok || ni > buf.size()) return false;
  for (uint64_t i = 0; i < ni && r.ok; ++i) {
    std::string insurer = r.str();
    m.insurer_first_recorded_us[insurer] = r.get<int64_t>();
  }
  if (!r.ok || r.p != r.end) return false;
  // Internal consistency, then freshness against the store.
  if (!(own_stamp(m) == stamp) || m.slots.size() != m.mask + 1) return false;
  for (const KeyEntry& k : m.keys) {
    if (k.end_version > m.versions.size() || k.first_version > k.end_version ||
        static_cast<uint64_t>(k.key_offset) + k.key_length > m.arena.size()) {
      return false;
    }
  }
  for (uint32_t s : m.slots) {
    if (s > m.keys.size()) return false;
  }
  for (const Version& v : m.versions) {
    if (v.conversions >= static_cast<int32_t>(m.conversions.size())) return false;
    if (v.diseases >= static_cast<int32_t>(m.diseases.size())) return false;
  }
  auto now = store_stamp(store, m);
  return now.ok() && *now == stamp;
}

}  // namespace onshi::claims::detail
