// Printing: a clinical view as an A4 PDF, made with cairo (the PDF surface) and pango (Japanese
// text shaping, line breaking), in a Japanese font installed from Debian's packages and found
// by name through fontconfig. This is the `FileCategory` 1 answer of the clinical requests and
// the 「印刷 (PDF)」 of the terminal's screen.
//
// The one decision: the renderer knows nothing of the clinical kinds. It prints a Document —
// a title, the header's labelled fields, tables (with month or year group rows) and small
// charts of values over time with their reference range — and views.h turns each clinical
// view into one. So the layout code is tested on its own, and a new view is a new adapter.
//
// Every page repeats the header (title, the header fields such as 患者氏名, 医療機関, 閲覧者,
// 印刷日時, 対象期間) and the table's column titles, and ends with 「n / N ページ」 and a line
// saying the page holds personal information. A Document has no field for a My Number: what is
// not given cannot be printed.
//
// Thread safety: render_pdf may run on many threads at once (each call has its own surface;
// pango's font map is per thread). The font is looked up once per process.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace onshi::print {

// One column of a table: its title, its share of the page's width (relative to the other
// columns' shares) and whether numbers in it are right-aligned.
struct Column {
  std::string title;
  double width = 1;
  bool right = false;
};

// One row: its cells (one per column; missing cells are empty), or, when `group` is set, one
// heading spanning the table (「2025年3月」 for the medication's months) in cells[0].
struct Row {
  std::vector<std::string> cells;
  bool group = false;
};

struct Table {
  std::string heading;  // printed above the table, "" for none
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::string empty_text = "該当する情報はありません";  // printed when rows is empty
};

// A small line chart: one value over time, the reference range shaded when known.
struct Chart {
  std::string title;  // e.g. "HbA1c（NGSP）"
  std::string unit;   // e.g. "%"
  struct Point {
    std::string label;  // e.g. "2023"
    double value = 0;
  };
  std::vector<Point> points;  // in time order, oldest first
  std::optional<double> low, high;
};

struct Document {
  std::string title;  // e.g. "薬剤情報"
  // The header's fields in print order, e.g. {"患者氏名", "山田 太郎"}, {"医療機関", …},
  // {"閲覧者", …}, {"印刷日時", …}, {"対象期間", …}.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> notes;  // lines under the header (e.g. the basis of the view)
  std::vector<Table> tables;
  std::vector<Chart> charts;  // after the tables, two to a row
};

// The Japanese fonts tried, in order, by fontconfig family name (fonts-ipaexfont-gothic,
// fonts-ipafont-gothic, fonts-noto-cjk); proportional ones first, they read better in tables.
inline constexpr const char* kFontFamilies[] = {"IPAexGothic", "IPAPGothic", "Noto Sans CJK JP",
                                                "IPAGothic"};

// The family render_pdf uses: the first of kFontFamilies that fontconfig lists with Japanese
// coverage. Errors: E_PDF_FONT when none is installed (install fonts-ipafont-gothic).
Result<std::string> japanese_font();

// The document as a PDF (A4 portrait, fonts embedded as subsets). The bytes start with
// "%PDF-". Errors: E_PDF_FONT (no Japanese font), E_PDF (cairo could not make the file).
Result<std::string> render_pdf(const Document& document);

}  // namespace onshi::print
