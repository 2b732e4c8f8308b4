// R-CONF-9 in the insurer's quality report (seed 000 §6: 「該当する保険者は、本内容を確認の上、適切な
// 対応を取るようお願いします」): the members whose printed 記号・番号 are ambiguous — another member
// of the insurer has numbers that are a re-split of theirs (core::card_layout_form: run
// together, split elsewhere, leading zeros, hyphens), so an institution reading one card may
// write the other's numbers on a claim. Family members sharing 記号・番号 (only the 枝番
// differs) are not ambiguous.
//
// Sorting (form hash, member) pairs groups the candidates in O(n log n); the forms of a group
// are compared as strings before two members are called ambiguous.
#include <algorithm>
#include <functional>
#include <set>

#include "core/numbers.h"
#include "quality/detail.h"

namespace onshi::quality::detail {

std::string ambiguous_card_numbers(const std::string& insurer,
                                   const std::vector<CardNumbers>& members, int64_t& count) {
  std::vector<std::pair<uint64_t, uint32_t>> forms;
  forms.reserve(members.size());
  auto form = [&](uint32_t i, bool each) {
    return core::card_layout_form(insurer, members[i].symbol, members[i].number, each);
  };
  for (uint32_t i = 0; i < members.size(); ++i) {
    std::string e = form(i, true), j = form(i, false);
    if (!e.empty()) forms.emplace_back(std::hash<std::string>{}(e), i);
    if (j != e && !j.empty()) forms.emplace_back(std::hash<std::string>{}(j), i);
  }
  std::sort(forms.begin(), forms.end());
  std::vector<std::set<uint32_t>> others(members.size());
  for (size_t a = 0; a < forms.size();) {
    size_t b = a;
    while (b < forms.size() && forms[b].first == forms[a].first) ++b;
    for (size_t x = a; x < b; ++x)
      for (size_t y = x + 1; y < b; ++y) {
        const CardNumbers& p = members[forms[x].second];
        const CardNumbers& q = members[forms[y].second];
        if (p.symbol == q.symbol && p.number == q.number) continue;  // one card, other 枝番
        uint32_t i = forms[x].second, k = forms[y].second;
        bool same = form(i, true) == form(k, true) || form(i, true) == form(k, false) ||
                    form(i, false) == form(k, true) || form(i, false) == form(k, false);
        if (!same) continue;
        others[i].insert(k);
        others[k].insert(i);
      }
    a = b;
  }
  auto numbers = [&](const CardNumbers& m) {
    std::string o = "{";
    json_field(o, "insurerNumber", insurer);
    json_field(o, "insuredCardSymbol", m.symbol);
    json_field(o, "insuredIdentificationNumber", m.number);
    json_field(o, "insuredBranchNumber", m.branch);
    o.push_back('}');
    return o;
  };
  std::string out = "[";
  count = 0;
  for (uint32_t i = 0; i < members.size(); ++i) {
    if (others[i].empty()) continue;
    if (count++) out.push_back(',');
    out += "{";
    json_key(out, "member");
    out += numbers(members[i]);
    json_key(out, "resplitOf");
    out.push_back('[');
    bool first = true;
    for (uint32_t k : others[i]) {
      if (!first) out.push_back(',');
      first = false;
      out += numbers(members[k]);
    }
    out += "]}";
  }
  return out + "]";
}

}  // namespace onshi::quality::detail
