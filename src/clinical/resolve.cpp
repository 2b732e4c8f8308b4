// The person of a row: the qualification it names, looked up as known now, gives the card
// key and the person link the row is filed under. A person's rows name the same
// qualification again and again, so each search is asked of the member store once per load
// and its answer (or its refusal) kept.
#include <cstring>

#include "clinical/detail.h"
#include "core/date.h"

namespace onshi::clinical::detail {

namespace {

// A 64-bit hash, 8 bytes a step (a multiply-xorshift per word), finished by splitmix64's
// finaliser; only ever compared within one load, so it may change between versions.
uint64_t hash_bytes(std::string_view s, uint64_t h) {
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w ^ (static_cast<uint64_t>(s.size()) << 56)) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

uint64_t card_hash(const Parsed& p) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (const std::string* f : {&p.insurer, &p.symbol, &p.number, &p.branch}) h = hash_bytes(*f, h);
  return h ? h : 1;
}

}  // namespace

Resolver::Resolver(store::Store& members)
    : members_(members), known_at_(core::now_unix_us()), slots_(1024, {0, 0}) {}

const Resolver::Entry* Resolver::find(uint64_t h, const Parsed& p) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask; slots_[i].first != 0; i = (i + 1) & mask) {
    if (slots_[i].first != h) continue;
    const Entry& e = entries_[slots_[i].second - 1];
    if (e.insurer == p.insurer && e.symbol == p.symbol && e.number == p.number &&
        e.branch == p.branch)
      return &e;
  }
  return nullptr;
}

std::variant<const Resolver::Person*, batch::RowError> Resolver::resolve(const Parsed& p,
                                                                         int64_t row) {
  auto answer_of = [row](const Entry& e) -> std::variant<const Person*, batch::RowError> {
    if (const auto* who = std::get_if<Person>(&e.answer)) return who;
    batch::RowError error = std::get<batch::RowError>(e.answer);
    error.row = row;
    return error;
  };
  const uint64_t h = card_hash(p);
  {
    std::shared_lock lock(mu_);
    if (const Entry* e = find(h, p)) return answer_of(*e);
  }
  auto answer = lookup(p);
  if (auto* e = std::get_if<batch::RowError>(&answer); e && e->code == "E_STORE")
    return *e;  // not kept: the next row asks again
  std::unique_lock lock(mu_);
  if (const Entry* e = find(h, p)) return answer_of(*e);  // another thread was first
  if ((entries_.size() + 1) * 10 >= slots_.size() * 7) {
    std::vector<std::pair<uint64_t, uint32_t>> old = std::move(slots_);
    slots_.assign(old.size() * 2, {0, 0});
    for (const auto& s : old)
      if (s.first != 0) {
        size_t i = s.first & (slots_.size() - 1);
        while (slots_[i].first != 0) i = (i + 1) & (slots_.size() - 1);
        slots_[i] = s;
      }
  }
  entries_.push_back({p.insurer, p.symbol, p.number, p.branch, std::move(answer)});
  size_t i = h & (slots_.size() - 1);
  while (slots_[i].first != 0) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = {h, static_cast<uint32_t>(entries_.size())};
  return answer_of(entries_.back());
}

std::variant<Resolver::Person, batch::RowError> Resolver::lookup(const Parsed& p) {
  std::vector<store::QualificationVersion> found;
  if (!p.branch.empty()) {
    auto v = members_.qualification_as_of(
        core::make_card_key(p.insurer, p.symbol, p.number, p.branch), known_at_);
    if (!v) return batch::RowError{0, "", "E_STORE", v.error().message};
    if (*v) found.push_back(std::move(**v));
  } else {
    auto vs = members_.find_by_card(p.insurer, p.symbol, p.number, known_at_);
    if (!vs) return batch::RowError{0, "", "E_STORE", vs.error().message};
    found = std::move(*vs);
  }
  if (found.empty())
    return batch::RowError{0, "InsuredIdentificationNumber", "E_CLINICAL_QUALIFICATION",
                           "この資格（保険者番号・記号・番号・枝番）は登録されていません"};
  if (found.size() > 1)
    return batch::RowError{0, "InsuredBranchNumber", "E_CLINICAL_QUALIFICATION",
                           "この記号・番号には複数の枝番があります。枝番を指定してください"};
  if (found[0].person_link.empty())
    return batch::RowError{0, "InsuredIdentificationNumber", "E_CLINICAL_PERSON",
                           "この資格には個人番号が登録されていないため、本人の情報として保存できません"};
  const core::Qualification& q = found[0].qualification;
  return Person{q.card_key(), std::move(found[0].person_link), q.name, q.name_kana, q.birthdate};
}

}  // namespace onshi::clinical::detail
