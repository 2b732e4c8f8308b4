// Adoption statistics (R-INST-5) as JSON and as a web page with charts.
//
// The figures are the ones the ministry reports (seed 003): card-reader applications and
// institutions in use against all institutions, by kind and by prefecture — "約10.3万機関
// (44.9%)（全体約22.8万機関に対する割合）" — and card-use registrations against cards issued.
// The charts are SVG drawn here as text, inline in the page, so the page needs nothing from
// outside (no scripts, fonts or images) and renders the same offline.
#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

#include "institutions/institutions.h"

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

// 10.3万 for counts of ten thousand and more, plain digits below.
std::string count_ja(int64_t n) {
  char buf[32];
  if (n >= 10000) {
    std::snprintf(buf, sizeof buf, "%.1f万", n / 10000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  }
  return buf;
}

struct Bar {
  std::string label;
  int64_t total, applications, in_use;
};

// Horizontal bars: for each row, the share of card-reader applications and of usage.
std::string bar_chart(const std::string& id, const std::string& title,
                      const std::vector<Bar>& bars) {
  const int label_w = 110, chart_w = 420, row_h = 34, top = 34;
  int height = top + static_cast<int>(bars.size()) * row_h + 30;
  std::ostringstream s;
  s << "<svg id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << label_w + chart_w + 80 << "\" height=\"" << height << "\" role=\"img\" aria-label=\""
    << title << "\"><title>" << title << "</title>";
  s << "<rect x=\"" << label_w << "\" y=\"6\" width=\"12\" height=\"10\" fill=\"#7aa6d6\"/>"
    << "<text x=\"" << label_w + 16 << "\" y=\"15\" font-size=\"11\">カードリーダー申込</text>"
    << "<rect x=\"" << label_w + 140 << "\" y=\"6\" width=\"12\" height=\"10\" fill=\"#2f6f3e\"/>"
    << "<text x=\"" << label_w + 156 << "\" y=\"15\" font-size=\"11\">利用中</text>";
  int y = top;
  for (const auto& b : bars) {
    double a = ratio(b.applications, b.total), u = ratio(b.in_use, b.total);
    s << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 16
      << "\" font-size=\"12\" text-anchor=\"end\">" << b.label << "</text>";
    s << "<rect x=\"" << label_w << "\" y=\"" << y << "\" width=\"" << chart_w
      << "\" height=\"26\" fill=\"#f0f0f0\"/>";
    s << "<rect class=\"applications\" x=\"" << label_w << "\" y=\"" << y << "\" width=\""
      << static_cast<int>(a * chart_w) << "\" height=\"12\" fill=\"#7aa6d6\"/>";
    s << "<rect class=\"in-use\" x=\"" << label_w << "\" y=\"" << y + 14 << "\" width=\""
      << static_cast<int>(u * chart_w) << "\" height=\"12\" fill=\"#2f6f3e\"/>";
    s << "<text x=\"" << label_w + chart_w + 6 << "\" y=\"" << y + 11 << "\" font-size=\"11\">"
      << percent(b.applications, b.total) << "</text>";
    s << "<text x=\"" << label_w + chart_w + 6 << "\" y=\"" << y + 25 << "\" font-size=\"11\">"
      << percent(b.in_use, b.total) << "</text>";
    y += row_h;
  }
  s << "</svg>";
  return s.str();
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
  o["cardsIssued"] = cards_issued;
  o["cardRegistrations"] = card_registrations;
  o["cardRegistrationRate"] = ratio(card_registrations, cards_issued);
  return json::serialize(o);
}

std::string statistics_html(const Statistics& s) {
  std::ostringstream h;
  std::string as_of;
  if (auto d = core::Date::parse(s.as_of)) as_of = core::to_wareki(*d);
  h << "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>オンライン資格確認 導入状況</title><style>"
       "body{font-family:sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse}"
       "th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:right}th{background:#eef3f8}"
       "td:first-child,th:first-child{text-align:left}.figure{font-size:1.2rem}"
       "</style></head><body>\n<h1>オンライン資格確認 導入状況</h1>\n";
  h << "<p>" << as_of << "時点</p>\n";
  h << "<ul class=\"figure\"><li id=\"readers\">カードリーダーの申込数は約"
    << count_ja(s.reader_applications) << "機関（" << percent(s.reader_applications, s.total)
    << "）（全体約" << count_ja(s.total)
    << "機関に対する割合）</li><li id=\"in-use\">運用開始施設数 " << count_ja(s.in_use) << "機関（"
    << percent(s.in_use, s.total) << "）</li><li id=\"medical-aid\">医療扶助情報を利用する施設 "
    << count_ja(s.medical_aid) << "機関</li>";
  if (s.cards_issued > 0) {
    h << "<li id=\"cards\">マイナンバーカードの健康保険証利用の申込 "
      << count_ja(s.card_registrations) << "件（" << percent(s.card_registrations, s.cards_issued)
      << "）※交付実施済数" << count_ja(s.cards_issued) << "件に対する割合</li>";
  }
  h << "</ul>\n<h2>種別</h2>\n<table "
       "id=\"by-kind\"><thead><tr><th>種別</th><th>全体</th><th>申込数</th>"
       "<th>申込率</th><th>利用中</th><th>利用率</th></tr></thead><tbody>\n";
  std::vector<Bar> kind_bars;
  for (const auto& k : s.by_kind) {
    h << "<tr><td>" << kind_label(k.kind) << "</td><td>" << k.total << "</td><td>"
      << k.reader_applications << "</td><td>" << percent(k.reader_applications, k.total)
      << "</td><td>" << k.in_use << "</td><td>" << percent(k.in_use, k.total) << "</td></tr>\n";
    kind_bars.push_back(
        {std::string(kind_label(k.kind)), k.total, k.reader_applications, k.in_use});
  }
  h << "</tbody></table>\n" << bar_chart("chart-kind", "種別の申込率と利用率", kind_bars) << "\n";
  h << "<h2>都道府県</h2>\n<table id=\"by-prefecture\"><thead><tr><th>都道府県</th><th>全体</th>"
       "<th>申込数</th><th>申込率</th><th>利用中</th><th>利用率</th></tr></thead><tbody>\n";
  std::vector<Bar> pref_bars;
  for (const auto& p : s.by_prefecture) {
    if (p.total == 0) continue;
    std::string name = prefecture_name(p.prefecture);
    h << "<tr><td>" << name << "</td><td>" << p.total << "</td><td>" << p.reader_applications
      << "</td><td>" << percent(p.reader_applications, p.total) << "</td><td>" << p.in_use
      << "</td><td>" << percent(p.in_use, p.total) << "</td></tr>\n";
    pref_bars.push_back({name, p.total, p.reader_applications, p.in_use});
  }
  h << "</tbody></table>\n"
    << bar_chart("chart-prefecture", "都道府県別の申込率と利用率", pref_bars) << "\n";
  h << "<p><a href=\"/institutions/list\">導入医療機関等一覧</a></p>\n</body></html>\n";
  return h.str();
}

}  // namespace onshi::institutions
