// The published list of institutions using online confirmation, in the forms people fetch
// it: CSV (UTF-8 for programs, Shift_JIS for the spreadsheets on reception PCs), an Excel
// workbook, and a web page with a search form (its HTML is web/institutions/templates/list.html;
// this file only maps the rows to the template's values).
//
// The list is a weekly publication (seed 000 §4: 原則毎週月曜日に更新): whatever date is asked
// for, the answer is the list of the latest Monday on or before it, so two people asking on
// Tuesday and Friday of one week see the same list. The workbook is written by libxlsxwriter
// in constant-memory mode, which also stores strings inline in the sheet (codes keep their
// leading zeros as text).
#include <unistd.h>
#include <xlsxwriter.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "institutions/institutions.h"
#include "web/assets.h"

namespace onshi::institutions {
namespace {

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> row_values(const Institution& i) {
  return {i.medical_institution_code,     i.name,    std::string(kind_label(i.kind)),
          prefecture_name(i.prefecture),  i.address, i.usage_start,
          i.medical_aid ? "利用する" : ""};
}

const std::vector<std::string> kHeader = {
    "MedicalInstitutionCode", "InstitutionName", "Kind", "Prefecture", "Address",
    "UsageStartDate",         "MedicalAid"};

// One <option> of a select; `selected` when it is the filter's current choice.
web::Values option(std::string value, std::string label, bool selected) {
  web::Values o;
  o.set("value", std::move(value))
      .set("label", std::move(label))
      .set("selected", selected ? "selected" : "");
  return o;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

core::Date publication_monday(core::Date d) {
  int back = (d.weekday() + 6) % 7;  // Monday 0, Sunday 6
  return d.add_days(-back);
}

Result<std::string> list_csv(const std::vector<Institution>& rows, bool shift_jis) {
  std::string out;
  auto line = [&](const std::vector<std::string>& values) {
    for (size_t c = 0; c < values.size(); ++c) {
      if (c) out += ',';
      out += csv_field(values[c]);
    }
    out += "\r\n";
  };
  line(kHeader);
  for (const auto& i : rows) line(row_values(i));
  if (!shift_jis) return out;
  return core::utf8_to_shift_jis(out);
}

Result<std::string> list_xlsx(const std::vector<Institution>& rows, const std::string& title) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path();
  auto path = dir / ("onshi-list-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                     ".xlsx");
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return Error{"E_XLSX", "", "Excelファイルを作成できません"};
  lxw_worksheet* ws = workbook_add_worksheet(wb, "導入医療機関等");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_doc_properties props{};
  std::string t = title;
  props.title = t.data();
  workbook_set_properties(wb, &props);
  for (size_t c = 0; c < kHeader.size(); ++c)
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), kHeader[c].c_str(), bold);
  lxw_row_t r = 1;
  for (const auto& i : rows) {
    auto values = row_values(i);
    for (size_t c = 0; c < values.size(); ++c) {
      if (values[c].empty()) continue;
      worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), values[c].c_str(), nullptr);
    }
    ++r;
  }
  worksheet_set_column(ws, 0, 0, 24, nullptr);
  worksheet_set_column(ws, 1, 1, 40, nullptr);
  worksheet_set_column(ws, 4, 4, 48, nullptr);
  lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    std::filesystem::remove(path);
    return Error{"E_XLSX", "", std::string("Excelファイルを書き出せません: ") + lxw_strerror(err)};
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return bytes.str();
}

std::string_view page_style() {
  const web::Asset* css = web::find_asset("institutions", "institutions.css");
  return css ? css->bytes : std::string_view();
}

std::string list_html(const std::vector<Institution>& rows, core::Date as_of, const ListFilter& f,
                      const std::string& csv_link) {
  web::Values v;
  v.set_markup("style", std::string(page_style()));
  v.set("published", core::to_wareki(publication_monday(as_of)));
  v.set("count", static_cast<int64_t>(rows.size()));
  v.add_rows("prefectures");
  for (int p = 1; p <= 47; ++p) {
    char two[3];
    std::snprintf(two, sizeof two, "%02d", p);
    v.add_row("prefectures", option(two, prefecture_name(two), f.prefecture == two));
  }
  v.add_rows("kinds");
  for (Kind k : {Kind::kHospital, Kind::kClinic, Kind::kDental, Kind::kPharmacy})
    v.add_row("kinds", option(std::string(kind_name(k)), std::string(kind_label(k)), f.kind == k));
  v.set("name", f.name).set("asOf", as_of.iso());
  v.set("csvLink", csv_link);
  v.set("xlsxLink", "/institutions/list.xlsx" + csv_link.substr(csv_link.find('?')));
  v.add_rows("rows");
  for (const auto& i : rows) {
    std::string start;
    if (auto d = core::Date::parse(i.usage_start)) start = core::to_wareki(*d);
    web::Values row;
    row.set("code", i.medical_institution_code)
        .set("name", i.name)
        .set("kind", std::string(kind_label(i.kind)));
    row.set("prefecture", prefecture_name(i.prefecture))
        .set("address", i.address)
        .set("usageStart", start);
    row.set("medicalAid", i.medical_aid ? "利用する" : "");
    v.add_row("rows", std::move(row));
  }
  return web::render_page("institutions", "templates/list.html", v);
}

std::string list_query(core::Date as_of, const ListFilter& f) {
  std::string q = "?asOf=" + as_of.yyyymmdd();
  if (!f.prefecture.empty()) q += "&prefecture=" + url_encode(f.prefecture);
  if (f.kind) q += "&kind=" + std::string(kind_name(*f.kind));
  if (!f.name.empty()) q += "&name=" + url_encode(f.name);
  return q;
}

}  // namespace onshi::institutions
