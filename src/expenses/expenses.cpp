// A year of the person's 医療費通知情報 read from the clinical store (within the kind's viewing
// window), and its plain forms: the JSON of the portal's page, the CSV and the PDF.
#include "expenses/expenses.h"

#include <algorithm>
#include <boost/json.hpp>

#include "clinical/clinical.h"
#include "core/text.h"
#include "print/pdf.h"

namespace onshi::expenses {
namespace {
namespace json = boost::json;

int64_t number(const std::string& v) {
  return v.empty() || !core::all_digits(v) || v.size() > 12 ? 0 : std::stoll(v);
}

Line line_of(const store::ClinicalRecord& r, std::string& name, std::string& birthdate) {
  Line l;
  for (auto& [field, value] : clinical::decode_payload(store::ClinicalKind::kExpense, r.payload)) {
    if (field == "MedicalTreatmentMonth") l.month = value;
    else if (field == "MedicalInstitutionCode") l.institution_code = value;
    else if (field == "MedicalInstitutionName") l.institution_name = value;
    else if (field == "Category") l.category = value;
    else if (field == "Days") l.days = static_cast<int>(number(value));
    else if (field == "TotalCost") l.total_cost = number(value);
    else if (field == "PatientShare") l.patient_share = number(value);
    else if (field == "Name" && name.empty()) name = value;
    else if (field == "Birthdate" && birthdate.empty()) birthdate = value;
  }
  return l;
}

std::string yen(int64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out + "円";
}

std::string month_text(const std::string& m) {
  return m.size() == 6 ? m.substr(0, 4) + "年" + std::to_string(std::stoi(m.substr(4))) + "月" : m;
}

// A CSV field, quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string_view category_label(std::string_view code) {
  return code == "1" ? "医科" : code == "3" ? "歯科" : code == "4" ? "調剤" : "";
}

Result<Statement> statement_of(store::Database& db, const std::string& person_link,
                               std::string_view year, core::Date today) {
  const Error bad{"E_EXPENSE_YEAR", "year", "年は西暦4桁で指定してください（例: 2025）"};
  if (year.size() != 4 || !core::all_digits(year)) return bad;
  Statement s;
  s.year = std::stoi(std::string(year));
  if (s.year < 1900 || s.year > today.year()) return bad;
  auto from = clinical::viewable_from(db.clinical(), store::ClinicalKind::kExpense, today);
  if (!from) return from.error();
  s.from = from->yyyymmdd();
  std::string first = std::string(year) + "0101", last = std::string(year) + "1231";
  if (first < s.from) first = s.from;
  s.made_at = core::timestamp_jst();
  if (first > last) return s;
  auto rows = db.clinical().records_of(person_link, store::ClinicalKind::kExpense, first, last);
  if (!rows) return rows.error();
  for (const auto& r : *rows) s.lines.push_back(line_of(r, s.name, s.birthdate));
  std::sort(s.lines.begin(), s.lines.end(), [](const Line& a, const Line& b) {
    return std::tie(a.month, a.institution_code, a.category) <
           std::tie(b.month, b.institution_code, b.category);
  });
  for (const Line& l : s.lines) {
    s.total_cost += l.total_cost;
    s.patient_share += l.patient_share;
    s.days += l.days;
  }
  return s;
}

std::string to_json(const Statement& s) {
  json::array lines;
  for (const Line& l : s.lines)
    lines.push_back(json::object{{"month", l.month},
                                 {"institutionCode", l.institution_code},
                                 {"institutionName", l.institution_name},
                                 {"category", l.category},
                                 {"categoryLabel", category_label(l.category)},
                                 {"days", l.days},
                                 {"totalCost", l.total_cost},
                                 {"patientShare", l.patient_share}});
  return json::serialize(json::object{
      {"year", s.year},
      {"name", s.name},
      {"birthdate", s.birthdate},
      {"from", s.from},
      {"lines", std::move(lines)},
      {"totals", json::object{{"days", s.days},
                              {"totalCost", s.total_cost},
                              {"patientShare", s.patient_share}}}});
}

std::string to_csv(const Statement& s) {
  std::string out = "\xEF\xBB\xBF";
  out += "診療年月,医療機関コード,医療機関名,区分,日数,医療費の総額（円）,窓口負担額（円）\r\n";
  for (const Line& l : s.lines)
    out += l.month + "," + l.institution_code + "," + csv_field(l.institution_name) + "," +
           std::string(category_label(l.category)) + "," + std::to_string(l.days) + "," +
           std::to_string(l.total_cost) + "," + std::to_string(l.patient_share) + "\r\n";
  out += "合計,,,," + std::to_string(s.days) + "," + std::to_string(s.total_cost) + "," +
         std::to_string(s.patient_share) + "\r\n";
  return out;
}

Result<std::string> to_pdf(const Statement& s) {
  print::Document d;
  d.title = "医療費通知情報（" + std::to_string(s.year) + "年分）";
  d.fields = {{"氏名", s.name},
              {"生年月日", s.birthdate},
              {"対象期間", std::to_string(s.year) + "年1月〜12月（診療年月）"},
              {"作成日時", s.made_at}};
  d.notes = {"医療費控除の明細書の作成にお使いいただけます。窓口負担額は保険者が把握した額です。",
             "医療費の総額 " + yen(s.total_cost) + "　うち窓口負担額 " + yen(s.patient_share) +
                 "　日数 " + std::to_string(s.days) + "日"};
  print::Table t;
  t.columns = {{"診療年月", 1.2}, {"医療機関", 3.2}, {"区分", 0.8}, {"日数", 0.7, true},
               {"医療費の総額", 1.5, true}, {"窓口負担額", 1.5, true}};
  for (const Line& l : s.lines)
    t.rows.push_back({{month_text(l.month), l.institution_name + "（" + l.institution_code + "）",
                       std::string(category_label(l.category)), std::to_string(l.days),
                       yen(l.total_cost), yen(l.patient_share)}});
  if (!s.lines.empty())
    t.rows.push_back({{"合計", "", "", std::to_string(s.days), yen(s.total_cost),
                       yen(s.patient_share)}});
  d.tables.push_back(std::move(t));
  return print::render_pdf(d);
}

}  // namespace onshi::expenses
