// How far back a view reaches: the windows are rows of the clinical store (set by the
// operator, seeded with the public system's), and this file turns one into the first day a
// view made today shows. Months and years step back on the calendar, not by a day count, so
// "3 years" on 2025-06-01 starts on 2022-06-01 whatever the leap years in between.
#include <algorithm>
#include <cctype>

#include "clinical/clinical.h"

namespace onshi::clinical {
namespace {

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

core::Date months_before(core::Date d, int months) {
  int index = d.year() * 12 + (d.month() - 1) - months;
  int y = index / 12, m = index % 12 + 1;
  return core::Date::from_ymd(y, m, std::min(d.day(), days_in_month(y, m)));
}

}  // namespace

core::Date window_start(const store::ViewingWindow& window, core::Date today) {
  switch (window.unit) {
    case 'D': return today.add_days(-window.amount);
    case 'M': return months_before(today, window.amount);
    default: return months_before(today, window.amount * 12);
  }
}

Result<core::Date> viewable_from(store::ClinicalStore& store, ClinicalKind kind,
                                 core::Date today) {
  auto windows = store.windows();
  if (!windows) return windows.error();
  for (const auto& w : *windows)
    if (w.kind == kind) return window_start(w, today);
  return Error{"E_STORE", "kind", "閲覧期間が登録されていません"};
}

Result<store::ViewingWindow> parse_window(ClinicalKind kind, std::string_view text) {
  const Error bad{"E_CLINICAL_WINDOW", "window",
                  "閲覧期間は 数字+単位（d 日, m 月, y 年）で指定します（例: 3y, 100d）"};
  if (text.size() < 2 || text.size() > 6) return bad;
  const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  std::string_view digits = text.substr(0, text.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad;
  if (unit != 'D' && unit != 'M' && unit != 'Y') return bad;
  const int amount = std::stoi(std::string(digits));
  if (amount < 1) return bad;
  return store::ViewingWindow{kind, amount, unit, "operator"};
}

}  // namespace onshi::clinical
