// Inside the PDF renderer (pdf.h): the layout state of one render, shared by pdf.cpp (the
// document, its pages, header and footer), table.cpp and chart.cpp. Private to src/print/.
//
// Rendering is two passes over one cairo context: the layout pass measures every piece of
// text with pango and places it on a page, recording a drawing step per piece; the drawing
// pass then knows the number of pages, and draws each page's header, its steps and its
// footer 「n / N ページ」. Text is measured once; the drawing steps keep their PangoLayouts.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "print/pdf.h"

namespace onshi::print::detail {

// A4 in points, and the margins.
inline constexpr double kPageWidth = 595.28, kPageHeight = 841.89;
inline constexpr double kMargin = 36;
inline constexpr double kContentWidth = kPageWidth - 2 * kMargin;

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
using Layout = std::shared_ptr<PangoLayout>;

enum class Style { kBody, kBold, kSmall, kTitle };

using Step = std::function<void(cairo_t*)>;

// One render's state.
class Canvas {
 public:
  Canvas(cairo_t* cr, const std::string& family);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  // `text` laid out in `style`, wrapped at `width` points (0: no wrap), aligned right when
  // `right`. The same text, style, width and alignment give the same layout (shaped once per
  // render: a drug name repeats every month).
  Layout text(std::string_view text, Style style, double width = 0, bool right = false);
  // The height of a layout in points.
  static double height(const Layout& l);
  static double width(const Layout& l);

  // Where the next piece goes, and the room left on this page.
  double y = 0;
  double top = 0;  // below the header (set by begin)
  double bottom() const { return kPageHeight - kMargin - 24; }
  bool fits(double h) const { return y + h <= bottom(); }
  // Starts a page (the first one too); y is then `top`.
  void new_page();
  // Adds a drawing step to the current page.
  void add(Step step) { pages_.back().push_back(std::move(step)); }
  // A layout drawn at (x, y) on the current page.
  void place(const Layout& l, double x, double y_at);
  // A filled rectangle (gray level 0–1) and a line.
  void fill(double x, double y_at, double w, double h, double gray);
  void line(double x0, double y0, double x1, double y1, double width_pt, double gray);

  size_t page_count() const { return pages_.size(); }
  const std::vector<Step>& page(size_t i) const { return pages_[i]; }

 private:
  cairo_t* cr_;
  PangoContext* ctx_;
  PangoFontDescription* fonts_[4];
  std::vector<std::vector<Step>> pages_;
  std::map<std::string, Layout, std::less<>> shaped_;
};

// Lays out a table from canvas.y on (new pages as needed; column titles repeated on each).
void lay_out_table(Canvas& canvas, const Table& table);
// Lays out the charts, two to a row, from canvas.y on.
void lay_out_charts(Canvas& canvas, const std::vector<Chart>& charts);

}  // namespace onshi::print::detail
