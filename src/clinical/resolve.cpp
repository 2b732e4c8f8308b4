// The person of a row: the qualification it names, looked up as known now, gives the card
// key and the person link the row is filed under. A person's rows name the same
// qualification again and again, so each search is asked of the member store once per load
// and its answer (or its refusal) kept; the keys of a load are remembered compactly to find
// a key given twice.
#include "clinical/detail.h"
#include "core/date.h"

namespace onshi::clinical::detail {

Resolver::Resolver(store::Store& members) : members_(members), known_at_(core::now_unix_us()) {}

std::variant<Resolver::Person, batch::RowError> Resolver::resolve(const Parsed& p, int64_t row) {
  std::string search = p.insurer + '\x1f' + p.symbol + '\x1f' + p.number + '\x1f' + p.branch;
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(search); it != cache_.end()) {
      auto answer = it->second;
      if (auto* e = std::get_if<batch::RowError>(&answer)) e->row = row;
      return answer;
    }
  }
  auto answer = lookup(p);
  if (auto* e = std::get_if<batch::RowError>(&answer)) {
    if (e->code == "E_STORE") return *e;  // not kept: the next row asks again
    e->row = row;
  }
  std::lock_guard lock(mu_);
  cache_.emplace(std::move(search), answer);
  return answer;
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

namespace {
// FNV-1a, then the splitmix64 finaliser to spread it over the table; never 0 (the empty slot).
uint64_t fingerprint(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h ? h : 1;
}
}  // namespace

std::optional<int64_t> KeysSeen::first_row(std::string_view key, int64_t row) {
  if ((used_ + 1) * 10 >= slots_.size() * 7) grow();
  const uint64_t fp = fingerprint(key);
  const size_t mask = slots_.size() - 1;
  for (size_t i = fp & mask;; i = (i + 1) & mask) {
    if (slots_[i].first == fp) return slots_[i].second;
    if (slots_[i].first == 0) {
      slots_[i] = {fp, row};
      ++used_;
      return std::nullopt;
    }
  }
}

void KeysSeen::grow() {
  std::vector<std::pair<uint64_t, int64_t>> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, {0, 0});
  const size_t mask = slots_.size() - 1;
  for (const auto& s : old) {
    if (s.first == 0) continue;
    size_t i = s.first & mask;
    while (slots_[i].first != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace onshi::clinical::detail
