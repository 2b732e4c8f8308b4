// Adoption statistics (R-INST-5) as JSON and as a web page with charts.
//
// The figures are the ones the ministry reports (seed 003): card-reader applications and
// institutions in use against all institutions, by kind and by prefecture — "約10.3万機関
// (44.9%)（全体約22.8万機関に対する割合）" — and card-use registrations against cards issued.
// The page is web/institutions/templates/statistics.html and its charts are inline SVG from
// templates/chart.svg, so the page needs no script, font or image; this file computes only the
// figures and the bar geometry the templates are filled with. Card use is counted from the
// card register (card_use.cpp) and shown by prefecture and by month.
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "institutions/institutions.h"
#include "web/assets.h"

namespace onshi::institutions {
namespace {

namespace json = boost::json;

double ratio(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / whole : 0.0;
}

std::string percent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * ratio(part, whole));
  return buf;
}

// Digits with thousands separators ("3,491").
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// As the ministry writes counts (seed 003): 10.3万 from ten thousand, whole 万 from a million
// (311万, 3,491万), plain digits below ten thousand (4,832).
std::string count_ja(int64_t n) {
  char buf[32];
  if (n >= 1000000) return grouped((n + 5000) / 10000) + "万";
  if (n >= 10000) {
    std::snprintf(buf, sizeof buf, "%.1f万", n / 10000.0);
    return buf;
  }
  return grouped(n);
}

struct Bar {
  std::string label;
  int64_t total, applications, in_use;
};

// Horizontal bars (templates/chart.svg): for each row, the share of card-reader applications
// and of usage, as bar widths out of the chart's width.
std::string bar_chart(const std::string& id, const std::string& title,
                      const std::vector<Bar>& bars) {
  const int label_w = 110, chart_w = 420, row_h = 34, top = 34;
  web::Values v;
  v.set("id", id).set("title", title).set("labelWidth", label_w).set("chartWidth", chart_w);
  v.set("width", label_w + chart_w + 80)
      .set("height", top + static_cast<int64_t>(bars.size()) * row_h + 30);
  v.set("legendApplicationsX", label_w + 16)
      .set("legendInUseBoxX", label_w + 140)
      .set("legendInUseX", label_w + 156);
  v.add_rows("bars");
  int y = top;
  for (const auto& b : bars) {
    web::Values r;
    r.set("label", b.label)
        .set("labelX", label_w - 6)
        .set("labelY", y + 16)
        .set("y", y)
        .set("inUseY", y + 14);
    r.set("applicationsWidth", static_cast<int64_t>(ratio(b.applications, b.total) * chart_w));
    r.set("inUseWidth", static_cast<int64_t>(ratio(b.in_use, b.total) * chart_w));
    r.set("rateX", label_w + chart_w + 6)
        .set("applicationsTextY", y + 11)
        .set("inUseTextY", y + 25);
    r.set("applicationRate", percent(b.applications, b.total))
        .set("inUseRate", percent(b.in_use, b.total));
    v.add_row("bars", std::move(r));
    y += row_h;
  }
  return web::render_page("institutions", "templates/chart.svg", v);
}

// One table and chart of the page: a heading, its rows, the chart of the same rows.
web::Values group(const std::string& title, const std::string& table_id,
                  const std::string& chart_id, const std::string& chart_title,
                  const std::vector<Bar>& bars) {
  web::Values g;
  g.set("title", title).set("tableId", table_id).add_rows("rows");
  for (const auto& b : bars) {
    web::Values r;
    r.set("label", b.label).set("total", b.total).set("applications", b.applications);
    r.set("applicationRate", percent(b.applications, b.total)).set("inUse", b.in_use);
    r.set("inUseRate", percent(b.in_use, b.total));
    g.add_row("rows", std::move(r));
  }
  g.set_markup("chart", bar_chart(chart_id, chart_title, bars));
  return g;
}

// R-INST-5: card use counted from the card register, by prefecture (as of the date) and by
// month (the whole country, registrations against cards issued up to that month).
void add_card_use(web::Values& v, const Statistics& s) {
  v.add_rows("cardUse");
  if (s.card_use.empty()) return;
  std::map<std::string, std::pair<int64_t, int64_t>> by_pref, by_month;
  for (const auto& c : s.card_use) {
    auto& p = by_pref[c.prefecture];
    p.first += c.issued;
    p.second += c.registrations;
    auto& m = by_month[c.month];
    m.first += c.issued;
    m.second += c.registrations;
  }
  web::Values section;
  section.add_rows("prefectures").add_rows("months");
  for (const auto& [pref, f] : by_pref) {
    web::Values r;
    r.set("label", pref.empty() ? std::string("資格なし") : prefecture_name(pref));
    r.set("issued", grouped(f.first)).set("registrations", grouped(f.second));
    r.set("rate", percent(f.second, f.first));
    section.add_row("prefectures", std::move(r));
  }
  int64_t issued = 0, registered = 0;
  for (const auto& [month, f] : by_month) {
    issued += f.first;
    registered += f.second;
    web::Values r;
    r.set("label", month.substr(0, 4) + "年" + std::to_string(std::stoi(month.substr(4))) + "月");
    r.set("issued", grouped(f.first)).set("registrations", grouped(f.second));
    r.set("rate", percent(registered, issued));
    section.add_row("months", std::move(r));
  }
  v.add_row("cardUse", std::move(section));
}

}  // namespace

std::string Statistics::to_json() const {
  json::object o;
  o["asOf"] = as_of;
  o["total"] = total;
  o["cardReaderApplications"] = reader_applications;
  o["cardReaderApplicationRate"] = ratio(reader_applications, total);
  o["inUse"] = in_use;
  o["inUseRate"] = ratio(in_use, total);
  o["medicalAid"] = medical_aid;
  json::array kinds;
  for (const auto& k : by_kind) {
    kinds.push_back(
        json::object{{"kind", kind_name(k.kind)},
                     {"label", kind_label(k.kind)},
                     {"total", k.total},
                     {"cardReaderApplications", k.reader_applications},
                     {"cardReaderApplicationRate", ratio(k.reader_applications, k.total)},
                     {"inUse", k.in_use},
                     {"inUseRate", ratio(k.in_use, k.total)},
                     {"medicalAid", k.medical_aid}});
  }
  o["byKind"] = std::move(kinds);
  json::array prefs;
  for (const auto& p : by_prefecture) {
    if (p.total == 0) continue;
    prefs.push_back(json::object{{"prefecture", p.prefecture},
                                 {"name", prefecture_name(p.prefecture)},
                                 {"total", p.total},
                                 {"cardReaderApplications", p.reader_applications},
                                 {"inUse", p.in_use}});
  }
  o["byPrefecture"] = std::move(prefs);
  json::array card_rows;
  for (const auto& c : card_use) {
    card_rows.push_back(json::object{{"month", c.month},
                                     {"prefecture", c.prefecture},
                                     {"name", prefecture_name(c.prefecture)},
                                     {"issued", c.issued},
                                     {"registrations", c.registrations}});
  }
  o["cardUse"] = std::move(card_rows);
  o["cardFiguresSource"] = card_figures_source;
  o["cardsIssued"] = cards_issued;
  o["cardRegistrations"] = card_registrations;
  o["cardRegistrationRate"] = ratio(card_registrations, cards_issued);
  return json::serialize(o);
}

std::string statistics_html(const Statistics& s) {
  web::Values v;
  v.set_markup("style", std::string(page_style()));
  std::string as_of;
  if (auto d = core::Date::parse(s.as_of)) as_of = core::to_wareki(*d);
  v.set("asOf", as_of).set("total", count_ja(s.total));
  v.set("readers", count_ja(s.reader_applications))
      .set("readerRate", percent(s.reader_applications, s.total));
  v.set("inUse", count_ja(s.in_use)).set("inUseRate", percent(s.in_use, s.total));
  v.set("medicalAid", count_ja(s.medical_aid));
  v.add_rows("cards");
  if (s.cards_issued > 0) {
    web::Values c;
    c.set("registrations", count_ja(s.card_registrations)).set("issued", count_ja(s.cards_issued));
    c.set("registrationRate", percent(s.card_registrations, s.cards_issued));
    v.add_row("cards", std::move(c));
  }
  add_card_use(v, s);
  std::vector<Bar> kinds, prefectures;
  for (const auto& k : s.by_kind)
    kinds.push_back({std::string(kind_label(k.kind)), k.total, k.reader_applications, k.in_use});
  for (const auto& p : s.by_prefecture)
    if (p.total > 0)
      prefectures.push_back(
          {prefecture_name(p.prefecture), p.total, p.reader_applications, p.in_use});
  v.add_row("groups", group("種別", "by-kind", "chart-kind", "種別の申込率と利用率", kinds));
  v.add_row("groups", group("都道府県", "by-prefecture", "chart-prefecture",
                            "都道府県別の申込率と利用率", prefectures));
  return web::render_page("institutions", "templates/statistics.html", v);
}

}  // namespace onshi::institutions
