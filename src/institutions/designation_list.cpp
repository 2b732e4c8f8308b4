// The bureau's 新規指定医療機関一覧表: a CSV (UTF-8 or Shift_JIS) whose 医療機関コード column
// lists the entries designated; every listed entry that holds its number is designated, one
// transition each, and every row that cannot be is reported with its code.
#include <algorithm>
#include <cctype>

#include "core/numbers.h"
#include "core/text.h"
#include "institutions/detail.h"

namespace onshi::institutions {
namespace {

// RFC 4180 rows of a CSV text (quoted fields, doubled quotes, CRLF or LF).
std::vector<std::vector<std::string>> csv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

}  // namespace

Result<BulkReport> Registry::designate_from_list(std::string_view file, const std::string& actor) {
  std::string text;
  if (core::detect_encoding(file) == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(file);
    if (!u)
      return Error{"E_ENCODING", "file",
                   "ファイルの文字コードを読み取れません（UTF-8 または Shift_JIS）"};
    text = std::move(*u);
  } else {
    text = std::string(core::strip_utf8_bom(file));
  }
  auto rows = csv_rows(text);
  if (rows.empty()) return Error{"E_HEADER", "file", "見出し行がありません"};
  int code_col = -1;
  for (size_t c = 0; c < rows[0].size(); ++c) {
    std::string h = trim(rows[0][c]);
    if (h == "医療機関コード" || h == "医療機関等コード" || h == "MedicalInstitutionCode")
      code_col = static_cast<int>(c);
  }
  if (code_col < 0)
    return Error{"E_HEADER", "file", "見出し行に「医療機関コード」の列がありません"};
  BulkReport report;
  for (size_t r = 1; r < rows.size(); ++r) {
    auto reject = [&](const Error& e) {
      report.rejected++;
      report.errors.push_back({static_cast<int64_t>(r), e.code, "医療機関コード", e.message});
    };
    if (static_cast<size_t>(code_col) >= rows[r].size()) {
      reject(Error{"E_EMPTY", "", "医療機関コードがありません"});
      continue;
    }
    std::string code = trim(rows[r][static_cast<size_t>(code_col)]);
    if (Status s = core::check_medical_institution_code(code); !s) {
      reject(s.error());
      continue;
    }
    auto done = designate(code, actor);
    if (!done) {
      reject(done.error());
      continue;
    }
    report.designated++;
  }
  return report;
}

}  // namespace onshi::institutions
