// Charts of the PDF (pdf.h): one value over time (an item of the health checks over the
// years) as a small line chart, the reference range shaded so a value outside it shows at a
// glance — the same reading as the screen's chart. Two charts to a row; a row that does not
// fit goes to the next page whole.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "print/detail.h"

namespace onshi::print::detail {
namespace {

constexpr double kGap = 14, kChartHeight = 132;
constexpr double kAxis = 34, kBottom = 16, kTitle = 16;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

struct Range {
  double lo = 0, hi = 1;
  double at(double v, double top, double h) const { return top + h - (v - lo) / (hi - lo) * h; }
};

Range range_of(const Chart& chart) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& p : chart.points) lo = std::min(lo, p.value), hi = std::max(hi, p.value);
  if (chart.low) lo = std::min(lo, *chart.low), hi = std::max(hi, *chart.low);
  if (chart.high) lo = std::min(lo, *chart.high), hi = std::max(hi, *chart.high);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 1, hi += 1;
  const double pad = (hi - lo) * 0.12;
  return {lo - pad, hi + pad};
}

// The shaded reference range, the frame and the min/max labels of the value axis.
void lay_out_frame(Canvas& c, const Chart& chart, const Range& r, double x, double top, double w,
                   double h) {
  if (chart.low || chart.high) {
    const double y0 = r.at(chart.high.value_or(r.hi), top, h);
    const double y1 = r.at(chart.low.value_or(r.lo), top, h);
    c.add([=](cairo_t* cr) {
      cairo_set_source_rgb(cr, 0.86, 0.95, 0.86);
      cairo_rectangle(cr, x, y0, w, y1 - y0);
      cairo_fill(cr);
    });
  }
  c.add([=](cairo_t* cr) {
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, 0.5);
    cairo_rectangle(cr, x, top, w, h);
    cairo_stroke(cr);
  });
  // The axis names the reference range's bounds, or the lowest and highest value without one.
  std::vector<double> ticks;
  if (chart.low) ticks.push_back(*chart.low);
  if (chart.high) ticks.push_back(*chart.high);
  if (ticks.empty() && !chart.points.empty()) {
    auto [mn, mx] =
        std::minmax_element(chart.points.begin(), chart.points.end(),
                            [](const auto& a, const auto& b) { return a.value < b.value; });
    ticks = {mn->value, mx->value};
  }
  for (double v : ticks) {
    auto l = c.text(number(v), Style::kSmall, kAxis - 4, true);
    c.place(l, x - kAxis, r.at(v, top, h) - Canvas::height(l) / 2);
  }
}

void lay_out_chart(Canvas& c, const Chart& chart, double x0, double y0, double w) {
  auto title =
      c.text(chart.title + (chart.unit.empty() ? "" : "（" + chart.unit + "）"), Style::kBold, w);
  c.place(title, x0, y0);
  const double x = x0 + kAxis, top = y0 + kTitle + 4;
  const double pw = w - kAxis - 6, ph = kChartHeight - kTitle - kBottom - 8;
  const Range r = range_of(chart);
  lay_out_frame(c, chart, r, x, top, pw, ph);
  const size_t n = chart.points.size();
  std::vector<std::pair<double, double>> at;
  for (size_t i = 0; i < n; ++i) {
    const double px = n == 1 ? x + pw / 2 : x + 10 + (pw - 20) * i / (n - 1);
    at.emplace_back(px, r.at(chart.points[i].value, top, ph));
    auto label = c.text(chart.points[i].label, Style::kSmall);
    c.place(label, px - Canvas::width(label) / 2, top + ph + 2);
    auto value = c.text(number(chart.points[i].value), Style::kSmall);
    c.place(value, px - Canvas::width(value) / 2, at.back().second - Canvas::height(value) - 2);
  }
  const bool has_range = chart.low || chart.high;
  std::vector<bool> outside;
  for (const auto& p : chart.points)
    outside.push_back(has_range && ((chart.low && p.value < *chart.low) ||
                                    (chart.high && p.value > *chart.high)));
  c.add([at, outside](cairo_t* cr) {
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.7);
    cairo_set_line_width(cr, 1.2);
    for (size_t i = 0; i < at.size(); ++i)
      (i ? cairo_line_to : cairo_move_to)(cr, at[i].first, at[i].second);
    cairo_stroke(cr);
    for (size_t i = 0; i < at.size(); ++i) {
      if (outside[i])
        cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
      else
        cairo_set_source_rgb(cr, 0.1, 0.3, 0.7);
      cairo_arc(cr, at[i].first, at[i].second, 2.4, 0, 2 * M_PI);
      cairo_fill(cr);
    }
  });
}

}  // namespace

void lay_out_charts(Canvas& c, const std::vector<Chart>& charts) {
  const double w = (kContentWidth - kGap) / 2;
  auto heading =
      c.text("経年変化（網掛けは基準範囲、赤い点は範囲外の値）", Style::kBold, kContentWidth);
  if (!c.fits(Canvas::height(heading) + 4 + kChartHeight)) c.new_page();
  c.place(heading, kMargin, c.y);
  c.y += Canvas::height(heading) + 6;
  for (size_t i = 0; i < charts.size(); i += 2) {
    if (!c.fits(kChartHeight)) c.new_page();
    for (size_t k = i; k < i + 2 && k < charts.size(); ++k)
      lay_out_chart(c, charts[k], kMargin + (k - i) * (w + kGap), c.y, w);
    c.y += kChartHeight + 6;
  }
}

}  // namespace onshi::print::detail
