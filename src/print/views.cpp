// Each clinical view as a print::Document (views.h). The tables follow the screen: medication
// by month (newest first) with one row per drug, the dispensing's date and institution on its
// first row; health checks as items × 年度 with the judgement beside each value, the checks
// themselves, and a chart per numeric item; treatments per day and institution; prescriptions
// one group per 処方箋ID with its drugs under it.
#include "print/views.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "core/date.h"

namespace onshi::print {
namespace {

using clinical::View;

std::string slash(const std::string& d) {
  if (d.size() != 8) return d;
  return d.substr(0, 4) + "/" + d.substr(4, 2) + "/" + d.substr(6, 2);
}

std::string wareki(const std::string& d) {
  auto date = core::Date::parse(d);
  return date ? core::to_wareki(*date) : d;
}

std::string month_label(const std::string& d) {
  if (d.size() < 6) return d;
  return d.substr(0, 4) + "年" + std::to_string(std::stoi(d.substr(4, 2))) + "月";
}

std::string kind_label(const std::string& k) {
  return k == "1" ? "医科" : k == "3" ? "歯科" : k == "4" ? "調剤" : k;
}

std::string window_label(const std::string& w) {
  if (w.empty()) return "";
  const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(w.back())));
  const std::string n = w.substr(0, w.size() - 1);
  return "最大" + n + (unit == 'y' ? "年分" : unit == 'm' ? "か月分" : "日分");
}

std::string printed_label(std::string t) {
  if (t.empty()) t = core::timestamp_jst();
  if (t.size() < 12) return t;
  return wareki(t.substr(0, 8)) + " " + t.substr(8, 2) + ":" + t.substr(10, 2);
}

std::string title_of(store::ClinicalKind kind) {
  switch (kind) {
    case store::ClinicalKind::kMedication:
      return "薬剤情報";
    case store::ClinicalKind::kCheckup:
      return "特定健診情報";
    case store::ClinicalKind::kTreatment:
      return "診療情報";
    case store::ClinicalKind::kPrescription:
      return "処方・調剤情報";
    case store::ClinicalKind::kExpense:
      return "医療費通知情報";
  }
  return "診療情報等";
}

void header(Document& d, const View& v, const PrintInfo& info) {
  d.title = title_of(v.kind);
  const auto& p = v.person;
  std::string name = p.name;
  if (!p.name_kana.empty()) name += "（" + p.name_kana + "）";
  std::string born = wareki(p.birthdate);
  if (p.sex == "1" || p.sex == "2") born += p.sex == "1" ? "　男" : "　女";
  d.fields = {{"患者氏名", name},
              {"生年月日", born},
              {"医療機関", info.institution},
              {"閲覧者", info.account},
              {"印刷日時", printed_label(info.printed_at)},
              {"対象期間", wareki(v.from) + "〜" + wareki(v.as_of) +
                               (v.window.empty() ? "" : "（" + window_label(v.window) + "）")}};
  if (v.basis == "disaster")
    d.notes.push_back("災害時の閲覧：患者の同意なしに閲覧しています（監査記録に残ります）。");
  if (v.medical_aid_rule)
    d.notes.push_back(
        "医療扶助の受給者のため、令和6年4月以降に受診した健診情報のみ表示しています。");
  if (v.operations_hidden)
    d.notes.push_back("手術情報の閲覧に同意がないため、手術の行為は表示していません。");
}

std::string dose(const clinical::Drug& g) {
  return g.quantity + g.unit;
}

void medication(Document& d, const View& v) {
  Table t;
  t.columns = {{"調剤日", 1.05},     {"医療機関", 2.2}, {"医薬品名", 2.8},
               {"用量", 0.75, true}, {"用法", 1.9},     {"日数・回数", 1, true}};
  std::string month;
  for (const auto& s : v.medication) {
    if (month_label(s.date) != month) {
      month = month_label(s.date);
      t.rows.push_back(Row{{month}, true});
    }
    bool first = true;
    for (const auto& g : s.drugs) {
      t.rows.push_back(
          Row{{first ? slash(s.date) : "",
               first ? s.institution_name + "（" + kind_label(s.institution_kind) + "）" : "",
               g.name, dose(g), g.usage, g.times}});
      first = false;
    }
  }
  d.tables.push_back(std::move(t));
}

std::string range_text(const std::string& lo, const std::string& hi) {
  if (lo.empty() && hi.empty()) return "";
  return lo + "〜" + hi;
}

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  return std::nullopt;
}

// Items × 年度 (oldest year on the left; a year's newest check when it has several).
Table checkup_values(const View& v) {
  std::vector<int> years;
  for (const auto& y : v.checkups) years.push_back(y.fiscal_year);
  std::sort(years.begin(), years.end());
  struct Item {
    std::string name, unit, range;
    std::map<int, std::string> by_year;
  };
  std::vector<std::string> order;
  std::map<std::string, Item> items;
  for (const auto& y : v.checkups) {
    for (const auto& c : y.checkups) {  // newest first: keep the first value of a year
      for (const auto& i : c.items) {
        auto [it, added] = items.try_emplace(i.code);
        if (added) order.push_back(i.code);
        Item& item = it->second;
        if (item.name.empty())
          item = Item{i.name, i.unit, range_text(i.range_low, i.range_high), {}};
        std::string value = i.value_name.empty() ? i.value : i.value_name;
        if (i.judgement == "H" || i.judgement == "L" || i.judgement == "A")
          value += " " + i.judgement;
        item.by_year.try_emplace(y.fiscal_year, value);
      }
    }
  }
  std::sort(order.begin(), order.end());
  Table t;
  t.heading = "年度ごとの結果（H 高値・L 低値・A 異常）";
  t.columns = {{"項目", 2.2}, {"単位", 0.9}, {"基準範囲", 1.1}};
  for (int y : years) t.columns.push_back(Column{std::to_string(y) + "年度", 1, true});
  for (const auto& code : order) {
    const Item& item = items[code];
    Row r{{item.name, item.unit, item.range}};
    for (int y : years) r.cells.push_back(item.by_year.count(y) ? item.by_year.at(y) : "");
    t.rows.push_back(std::move(r));
  }
  return t;
}

void checkups(Document& d, const View& v) {
  d.tables.push_back(checkup_values(v));
  Table checks;
  checks.heading = "受診した健診";
  checks.columns = {{"受診日", 1}, {"年度", 0.8}, {"健診機関", 4}};
  for (const auto& y : v.checkups)
    for (const auto& c : y.checkups)
      checks.rows.push_back(
          Row{{slash(c.date), std::to_string(y.fiscal_year) + "年度", c.institution_name}});
  d.tables.push_back(std::move(checks));
  for (const auto& s : v.series) {
    Chart c;
    c.title = s.name;
    c.unit = s.unit;
    c.low = number(s.range_low);
    c.high = number(s.range_high);
    for (const auto& p : s.points)
      if (auto value = number(p.value)) c.points.push_back({slash(p.date).substr(0, 7), *value});
    if (!c.points.empty()) d.charts.push_back(std::move(c));
  }
}

void treatments(Document& d, const View& v) {
  Table t;
  t.columns = {
      {"診療日", 1.05}, {"医療機関", 2.3}, {"診療行為", 3}, {"回数", 0.6, true}, {"傷病名", 2.6}};
  for (const auto& day : v.treatments) {
    bool first = true;
    for (const auto& p : day.procedures) {
      std::string diagnoses;
      for (const auto& n : p.diagnoses) diagnoses += (diagnoses.empty() ? "" : "；") + n;
      t.rows.push_back(
          Row{{first ? slash(day.date) : "",
               first ? day.institution_name + "（" + kind_label(day.institution_kind) + "）" : "",
               p.name + (p.operation ? "【手術】" : ""), p.times, diagnoses}});
      first = false;
    }
  }
  d.tables.push_back(std::move(t));
}

void prescriptions(Document& d, const View& v) {
  Table t;
  t.columns = {{"RP", 0.45, true},
               {"医薬品名", 3},
               {"用量", 0.8, true},
               {"用法", 2},
               {"日数・回数", 1, true}};
  for (const auto& p : v.prescriptions) {
    std::string head =
        "処方箋ID " + p.id + "　交付 " + slash(p.prescription_date) + " " + p.prescriber_name +
        "　→　" +
        (p.dispensing_date.empty() ? std::string("未調剤")
                                   : "調剤 " + slash(p.dispensing_date) + " " + p.dispenser_name);
    t.rows.push_back(Row{{head}, true});
    for (const auto& g : p.drugs) t.rows.push_back(Row{{g.rp, g.name, dose(g), g.usage, g.times}});
  }
  d.tables.push_back(std::move(t));
}

}  // namespace

PrintInfo print_info(const clinical::ViewRequest& request) {
  return PrintInfo{request.institution, request.account, ""};
}

Document document_of(const View& view, const PrintInfo& info) {
  Document d;
  header(d, view, info);
  switch (view.kind) {
    case store::ClinicalKind::kMedication:
      medication(d, view);
      break;
    case store::ClinicalKind::kCheckup:
      checkups(d, view);
      break;
    case store::ClinicalKind::kTreatment:
      treatments(d, view);
      break;
    case store::ClinicalKind::kPrescription:
      prescriptions(d, view);
      break;
    case store::ClinicalKind::kExpense:  // printed by the yearly statement, not here
      break;
  }
  return d;
}

Result<std::string> render_pdf(const View& view, const PrintInfo& info) {
  return render_pdf(document_of(view, info));
}

}  // namespace onshi::print
