// Card-use statistics counted, not typed (R-INST-5, seed 003: 「マイナンバーカードの健康保険証利用の
// 申込状況 311万件（8.9%） ※マイナンバーカード交付実施済数3,491万件に対する割合」): cards issued and
// registered for use as insurance card (初回登録), by month and by prefecture, from the card
// register and its links.
//
// The one decision: counting is a run, not a page load. A run walks the card register once
// in batches (store::CardStore::scan), finds each linked person's prefecture through their
// newest qualification's insurer number (one lookup per person, cached), and keeps the rows
// as one event of the registry's history under the key "cardUse" — the statistics read the
// latest run, so a public page never reads a person's data, and the run is audited once, in
// aggregate.
#include <map>

#include "institutions/detail.h"
#include "store/cards.h"
#include "store/store.h"

namespace onshi::institutions {

namespace json = boost::json;
using core::Date;
using namespace detail;

namespace {

constexpr const char* kCardUseKey = "cardUse";  // the history key of the counting runs
constexpr const char* kCardUseAction = "cardUseCounted";

// 都道府県 of an insurer number: 6 digits (国保) "PP…", 8 digits "LLPP…" (法別番号 first).
std::string prefecture_of_insurer(std::string_view n) {
  std::string p = n.size() == 6 ? std::string(n.substr(0, 2))
                  : n.size() == 8 ? std::string(n.substr(2, 2))
                                  : std::string();
  return two_digits_in(p, 1, 47) ? p : std::string();
}

std::string month_of(int64_t us) {
  Date d = Date::from_unix_us_jst(us);
  return month_key(d.year(), d.month());
}

// The prefecture of the person behind `link`: their newest qualification's insurer.
Result<std::string> prefecture_of(store::Store& members, const std::string& link) {
  if (link.empty()) return std::string();
  auto found = members.find_by_person_link(link, core::now_unix_us());
  if (!found) return found.error();
  const store::QualificationVersion* newest = nullptr;
  for (const auto& v : *found)
    if (!newest || v.qualification.qualification_date > newest->qualification.qualification_date)
      newest = &v;
  return newest ? prefecture_of_insurer(newest->qualification.insurer_number) : std::string();
}

}  // namespace

Result<std::vector<CardUse>> Registry::count_card_use(store::CardStore& cards,
                                                      store::Store& members,
                                                      const std::string& actor) {
  std::map<std::pair<std::string, std::string>, CardUse> cells;  // (month, prefecture)
  std::map<std::string, std::string> prefecture_by_link;
  int64_t issued = 0, registrations = 0;
  for (std::string after;;) {
    std::vector<store::CardRow> batch;
    Status st = cards.scan(after, 5000, [&](const store::CardRow& r) {
      batch.push_back(r);
      return true;
    });
    if (!st) return st.error();
    if (batch.empty()) break;
    for (const auto& r : batch) {
      auto [it, added] = prefecture_by_link.try_emplace(r.person_link);
      if (added) {
        auto p = prefecture_of(members, r.person_link);
        if (!p) return p.error();
        it->second = *p;
      }
      CardUse& i = cells[{month_of(r.issued_at_us), it->second}];
      i.issued += 1;
      ++issued;
      if (r.linked_at_us) {
        cells[{month_of(*r.linked_at_us), it->second}].registrations += 1;
        ++registrations;
      }
    }
    after = batch.back().serial;
  }
  std::vector<CardUse> rows;
  json::array detail_rows;
  for (auto& [key, c] : cells) {
    c.month = key.first;
    c.prefecture = key.second;
    detail_rows.push_back(json::array{c.month, c.prefecture, c.issued, c.registrations});
    rows.push_back(c);
  }
  auto& m = *impl_;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    store::InstitutionEvent e;
    e.time_us = core::now_unix_us();
    e.provisional_code = kCardUseKey;
    e.action = kCardUseAction;
    e.actor = actor;
    e.detail = json::serialize(json::object{{"rows", detail_rows}});
    if (Status x = tx.db.append_event(e); !x) return x;
    return m.audit_event<security::CardFigures>(tx, actor, 0, issued, registrations);
  });
  if (!st) return st.error();
  return rows;
}

namespace detail {

// The rows of the latest counting run with a month up to `as_of`'s; nullopt when never counted.
Result<std::optional<std::vector<CardUse>>> counted_card_use(store::InstitutionStore& store,
                                                             Date as_of) {
  auto events = store.history(kCardUseKey);
  if (!events) return events.error();
  const store::InstitutionEvent* last = nullptr;
  for (const auto& e : *events)
    if (e.action == kCardUseAction) last = &e;
  if (!last) return std::optional<std::vector<CardUse>>();
  std::vector<CardUse> rows;
  boost::system::error_code ec;
  json::value v = json::parse(last->detail, ec);
  const std::string until = month_key(as_of.year(), as_of.month());
  if (const auto* o = v.if_object(); !ec && o) {
    const auto* arr = o->if_contains("rows");
    for (const auto& r : arr && arr->is_array() ? arr->as_array() : json::array{}) {
      const auto* a = r.if_array();
      if (!a || a->size() != 4 || !(*a)[0].is_string() || !(*a)[1].is_string()) continue;
      CardUse c{std::string((*a)[0].as_string()), std::string((*a)[1].as_string()),
                (*a)[2].to_number<int64_t>(), (*a)[3].to_number<int64_t>()};
      if (c.month <= until) rows.push_back(std::move(c));
    }
  }
  return std::optional<std::vector<CardUse>>(std::move(rows));
}

}  // namespace detail
}  // namespace onshi::institutions
