// R-CONF-9: card-layout misreads (seed 000 §6, 「被保険者証の様式に起因…レセプトに記載する被保険者の
// 記号・番号に誤りが発生する」). Some cards print 記号 and 番号 so that an institution writes them
// run together, splits them elsewhere, appends the 枝番 to the 番号, drops leading zeros or
// copies a hyphen or full-width form. The claims check recognises such a claim by the
// numbers' layout-free form: the insurer number and the digits and letters of 記号 and 番号
// without separators and without leading zeros (stripped per part and from the joined
// digits: two forms, since a run-together number hides where the parts began).
//
// The one decision: an index, not a scan. Every registered card key is hashed under its two
// forms into one sorted vector at load time (built after a snapshot is read too, so the
// snapshot's format does not carry it); a claim whose numbers are not registered costs a few
// binary searches. The rules (rules.cpp) then keep only candidates naming the same person.
#include <algorithm>
#include <functional>

#include "claims/detail.h"
#include "core/numbers.h"

namespace onshi::claims::detail {
namespace {

// The letters and digits of a 番号 (no separators), for the 枝番 appended to it.
std::string clean(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
      out += c;
  }
  return out;
}

uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

struct KeyParts {
  std::string_view insurer, symbol, number, branch;
};

KeyParts split_key(std::string_view key) {
  std::string_view parts[4];
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= key.size() && n < 4; ++i) {
    if (i == key.size() || key[i] == '\x1f') {
      parts[n++] = key.substr(start, i - start);
      start = i + 1;
    }
  }
  return {parts[0], parts[1], parts[2], parts[3]};
}

// Keys of `h` indexed under `form`, whose own form (either) equals it — except those with
// the claim's own 記号 and 番号 (`own`): a missing 枝番 is 枝番特定's business, not a misread.
void collect(const History::Impl& h, const std::string& form, std::string_view branch,
             const std::pair<std::string_view, std::string_view>& own,
             std::vector<uint32_t>& out) {
  if (form.empty()) return;
  const uint64_t hv = hash_of(form);
  auto it = std::lower_bound(h.by_layout.begin(), h.by_layout.end(), std::make_pair(hv, 0u));
  for (; it != h.by_layout.end() && it->first == hv; ++it) {
    KeyParts k = split_key(h.key(it->second));
    if (!branch.empty() && k.branch != branch) continue;
    if (k.symbol == own.first && k.number == own.second) continue;
    if (core::card_layout_form(k.insurer, k.symbol, k.number, true) == form ||
        core::card_layout_form(k.insurer, k.symbol, k.number, false) == form)
      out.push_back(it->second);
  }
}

}  // namespace

void build_layout_index(History::Impl& m) {
  m.by_layout.clear();
  m.by_layout.reserve(m.keys.size());
  for (uint32_t i = 0; i < m.keys.size(); ++i) {
    KeyParts k = split_key(m.key(i));
    std::string each = core::card_layout_form(k.insurer, k.symbol, k.number, true);
    std::string joined = core::card_layout_form(k.insurer, k.symbol, k.number, false);
    if (!each.empty()) m.by_layout.emplace_back(hash_of(each), i);
    if (joined != each && !joined.empty()) m.by_layout.emplace_back(hash_of(joined), i);
  }
  std::sort(m.by_layout.begin(), m.by_layout.end());
}

std::vector<uint32_t> layout_candidates(const History::Impl& h, std::string_view insurer,
                                        std::string_view symbol, std::string_view number,
                                        std::string_view branch) {
  std::vector<uint32_t> out;
  const std::pair<std::string_view, std::string_view> own{symbol, number};
  for (bool each : {true, false})
    collect(h, core::card_layout_form(insurer, symbol, number, each), branch, own, out);
  // The 枝番 appended to the 番号: its last two digits are the branch.
  std::string digits = clean(number);
  if (branch.empty() && digits.size() > 2 &&
      std::all_of(digits.end() - 2, digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::string tail = digits.substr(digits.size() - 2);
    std::string head = digits.substr(0, digits.size() - 2);
    for (bool each : {true, false})
      collect(h, core::card_layout_form(insurer, symbol, head, each), tail, own, out);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace onshi::claims::detail
