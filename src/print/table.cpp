// Tables of the PDF (pdf.h): column shares turned into widths, every cell wrapped by pango in
// its column, rows broken across pages with the column titles repeated at the top of each, and
// group rows (a month, a year) kept together with the row under them.
#include <algorithm>

#include "print/detail.h"

namespace onshi::print::detail {
namespace {

constexpr double kPadX = 3, kPadY = 2.5;

struct Laid {
  std::vector<Layout> cells;
  double height = 0;
  bool group = false;
};

std::vector<double> widths_of(const std::vector<Column>& columns) {
  double total = 0;
  for (const auto& c : columns) total += std::max(c.width, 0.1);
  std::vector<double> w;
  for (const auto& c : columns) w.push_back(kContentWidth * std::max(c.width, 0.1) / total);
  return w;
}

Laid lay_out_row(Canvas& c, const Table& t, const Row& row, const std::vector<double>& w,
                 Style style) {
  Laid out;
  out.group = row.group;
  if (row.group) {
    auto l = c.text(row.cells.empty() ? "" : row.cells[0], Style::kBold, kContentWidth - 2 * kPadX);
    out.height = Canvas::height(l) + 2 * kPadY;
    out.cells.push_back(std::move(l));
    return out;
  }
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const std::string& text = i < row.cells.size() ? row.cells[i] : std::string();
    if (text.empty()) {  // nothing to shape or draw
      out.cells.emplace_back();
      continue;
    }
    auto l = c.text(text, style, w[i] - 2 * kPadX, t.columns[i].right && style == Style::kBody);
    out.height = std::max(out.height, Canvas::height(l) + 2 * kPadY);
    out.cells.push_back(std::move(l));
  }
  return out;
}

void place_row(Canvas& c, const Laid& row, const std::vector<double>& w, double shade) {
  if (shade < 1) c.fill(kMargin, c.y, kContentWidth, row.height, shade);
  double x = kMargin;
  for (size_t i = 0; i < row.cells.size(); ++i) {
    if (row.cells[i]) c.place(row.cells[i], x + kPadX, c.y + kPadY);
    x += row.group ? kContentWidth : w[i];
  }
  c.y += row.height;
  c.line(kMargin, c.y, kMargin + kContentWidth, c.y, 0.4, 0.6);
}

}  // namespace

void lay_out_table(Canvas& c, const Table& t) {
  const std::vector<double> w = widths_of(t.columns);
  Row titles;
  for (const auto& col : t.columns) titles.cells.push_back(col.title);
  const Laid head = lay_out_row(c, t, titles, w, Style::kBold);
  Layout heading = t.heading.empty() ? nullptr : c.text(t.heading, Style::kBold, kContentWidth);
  const double heading_h = heading ? Canvas::height(heading) + 4 : 0;

  std::vector<Laid> rows;
  rows.reserve(t.rows.size());
  for (const auto& r : t.rows) rows.push_back(lay_out_row(c, t, r, w, Style::kBody));
  const double first_h = rows.empty() ? 14 : rows[0].height;
  if (!c.fits(heading_h + head.height + first_h)) c.new_page();
  if (heading) {
    c.place(heading, kMargin, c.y);
    c.y += heading_h;
  }
  place_row(c, head, w, 0.86);
  if (rows.empty()) {
    auto l = c.text(t.empty_text, Style::kBody, kContentWidth - 2 * kPadX);
    c.place(l, kMargin + kPadX, c.y + kPadY);
    c.y += Canvas::height(l) + 2 * kPadY;
    return;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    // A group row stays with the row under it.
    const double need =
        rows[i].height + (rows[i].group && i + 1 < rows.size() ? rows[i + 1].height : 0);
    if (!c.fits(need)) {
      c.new_page();
      place_row(c, head, w, 0.86);
    }
    place_row(c, rows[i], w, rows[i].group ? 0.94 : 1);
  }
}

}  // namespace onshi::print::detail
