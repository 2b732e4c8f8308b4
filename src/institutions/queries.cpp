// The registry's queries: one entry by any of its keys, its history, the weekly published
// list (R-INST-4), the monthly medical-aid list (R-AID-3), the schedule with the operator's
// overrides (R-INST-3), and the adoption statistics (R-INST-5). None of them writes.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "core/log.h"
#include "institutions/detail.h"

namespace onshi::institutions {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::Date;
using namespace detail;

Result<Institution> Registry::find(const std::string& key) {
  return load(impl_->store, key);
}

Result<std::vector<Institution>> Registry::all() {
  return from_rows(impl_->store.all());
}

Result<std::vector<Institution>> Registry::published_list(Date as_of, const ListFilter& f) {
  store::InstitutionFilter sf;
  sf.prefecture = f.prefecture;
  if (f.kind) sf.kind = kind_name(*f.kind);
  sf.name = f.name;
  return from_rows(impl_->store.in_use_before(publication_monday(as_of).yyyymmdd(), sf));
}

Result<std::vector<Institution>> Registry::medical_aid_list(int year, int month) {
  if (!Date::valid_ymd(year, month, 1)) return fail("E_DATE", "month", "年月が正しくありません");
  return from_rows(impl_->store.medical_aid_users(Date::from_ymd(year, month, 1).yyyymmdd()));
}

Result<std::vector<std::string>> Registry::history(const std::string& key) {
  auto& m = *impl_;
  std::string provisional = key;
  if (auto i = load(m.store, key)) provisional = i->provisional_code;
  auto events = m.store.history(provisional);
  if (!events) return events.error();
  std::vector<std::string> out;
  for (const auto& e : *events) {
    json::object o{{"seq", e.seq},
                   {"time", core::timestamp_jst(e.time_us)},
                   {"action", e.action},
                   {"actor", e.actor}};
    boost::system::error_code ec;
    o["detail"] = json::parse(e.detail, ec);
    out.push_back(json::serialize(o));
  }
  if (out.empty()) return fail("E_NOT_FOUND", "key", "該当する医療機関等がありません: " + key);
  return out;
}

Result<std::vector<ScheduleOverride>> Registry::schedule_overrides() {
  return overrides_of(impl_->store);
}

Result<Schedule> Registry::schedule(Date designation) {
  return schedule_from(impl_->store, designation);
}

namespace {

struct Cell {
  int64_t count = 0, readers = 0, in_use = 0, aid = 0;
  std::optional<int64_t> population;
};
using Cells = std::map<std::pair<std::string, std::string>, Cell>;  // (kind, prefecture)

// The figures of every kind and prefecture: the registry's counts, and as denominators the
// operator's totals where they are larger than the registry's own count.
Statistics aggregate(const Cells& cells, const std::string& day) {
  Statistics st;
  st.as_of = day;
  std::map<std::string, PrefectureStatistics> prefs;
  for (int p = 1; p <= 47; ++p) {
    char two[3];
    std::snprintf(two, sizeof two, "%02d", p);
    prefs[two].prefecture = two;
  }
  for (Kind k : {Kind::kHospital, Kind::kClinic, Kind::kDental, Kind::kPharmacy}) {
    KindStatistics ks{k};
    for (const auto& [key, c] : cells) {
      if (key.first != kind_name(k)) continue;
      int64_t total = std::max(c.population.value_or(c.count), c.count);
      ks.total += total;
      ks.reader_applications += c.readers;
      ks.in_use += c.in_use;
      ks.medical_aid += c.aid;
      auto& ps = prefs[key.second];
      ps.total += total;
      ps.reader_applications += c.readers;
      ps.in_use += c.in_use;
    }
    st.total += ks.total;
    st.reader_applications += ks.reader_applications;
    st.in_use += ks.in_use;
    st.medical_aid += ks.medical_aid;
    st.by_kind.push_back(ks);
  }
  for (auto& [_, ps] : prefs) st.by_prefecture.push_back(ps);
  return st;
}

}  // namespace

Result<Statistics> Registry::statistics(Date as_of) {
  auto& s = impl_->store;
  std::string day = as_of.yyyymmdd();
  auto counts = s.counts(day);
  if (!counts) return counts.error();
  auto population = s.population();
  if (!population) return population.error();
  Cells cells;
  for (const auto& c : *counts)
    cells[{c.kind, c.prefecture}] = {c.total, c.reader_applications, c.in_use, c.medical_aid, {}};
  for (const auto& p : *population) cells[{p.kind, p.prefecture}].population = p.total;
  Statistics st = aggregate(cells, day);
  // R-INST-5: card use as counted from the card register; the typed figures only while
  // nothing was counted.
  auto counted = counted_card_use(s, as_of);
  if (!counted) return counted.error();
  if (*counted) {
    st.card_figures_source = "register";
    st.card_use = std::move(**counted);
    for (const auto& c : st.card_use) {
      st.cards_issued += c.issued;
      st.card_registrations += c.registrations;
    }
    return st;
  }
  auto issued = s.counter("cards_issued");
  if (!issued) return issued.error();
  auto registrations = s.counter("card_registrations");
  if (!registrations) return registrations.error();
  st.cards_issued = issued->value_or(0);
  st.card_registrations = registrations->value_or(0);
  if (*issued) st.card_figures_source = "operator";
  return st;
}

}  // namespace onshi::institutions
