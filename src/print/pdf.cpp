// The PDF of a Document (pdf.h): a cairo PDF surface written into memory, the Japanese font
// found through fontconfig, and the page frame — the header repeated on every page, the
// footer with 「n / N ページ」 — around what table.cpp and chart.cpp lay out. The layout pass
// runs first (detail.h), so the footer knows the number of pages before anything is drawn.
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>

#include <algorithm>
#include <mutex>

#include "print/detail.h"

namespace onshi::print {
namespace detail {

Canvas::Canvas(cairo_t* cr, const std::string& family) : cr_(cr) {
  ctx_ = pango_cairo_create_context(cr);
  pango_cairo_context_set_resolution(ctx_, 72);  // font sizes in points = user units
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(ctx_, fo);
  cairo_font_options_destroy(fo);
  const struct {
    double size;
    PangoWeight weight;
  } kStyles[] = {{8.5, PANGO_WEIGHT_NORMAL},
                 {8.5, PANGO_WEIGHT_BOLD},
                 {7, PANGO_WEIGHT_NORMAL},
                 {15, PANGO_WEIGHT_BOLD}};
  for (int i = 0; i < 4; ++i) {
    fonts_[i] = pango_font_description_new();
    pango_font_description_set_family(fonts_[i], family.c_str());
    pango_font_description_set_size(fonts_[i], static_cast<int>(kStyles[i].size * PANGO_SCALE));
    pango_font_description_set_weight(fonts_[i], kStyles[i].weight);
  }
}

Canvas::~Canvas() {
  for (auto* f : fonts_) pango_font_description_free(f);
  g_object_unref(ctx_);
}

Layout Canvas::text(std::string_view text, Style style, double width, bool right) {
  std::string key = std::to_string(static_cast<int>(style)) + (right ? "R" : "L") +
                    std::to_string(static_cast<int>(width * 16)) + "|";
  key.append(text);
  if (auto it = shaped_.find(key); it != shaped_.end()) return it->second;
  PangoLayout* l = pango_layout_new(ctx_);
  pango_layout_set_font_description(l, fonts_[static_cast<int>(style)]);
  if (width > 0) {
    pango_layout_set_width(l, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  }
  if (right) pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
  pango_layout_set_text(l, text.data(), static_cast<int>(text.size()));
  Layout layout(l, LayoutDeleter{});
  shaped_.emplace(std::move(key), layout);
  return layout;
}

double Canvas::height(const Layout& l) {
  int w = 0, h = 0;
  pango_layout_get_size(l.get(), &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

double Canvas::width(const Layout& l) {
  int w = 0, h = 0;
  pango_layout_get_size(l.get(), &w, &h);
  return static_cast<double>(w) / PANGO_SCALE;
}

void Canvas::new_page() {
  pages_.emplace_back();
  y = top;
}

void Canvas::place(const Layout& l, double x, double y_at) {
  add([l, x, y_at](cairo_t* cr) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, x, y_at);
    pango_cairo_show_layout(cr, l.get());
  });
}

void Canvas::fill(double x, double y_at, double w, double h, double gray) {
  add([=](cairo_t* cr) {
    cairo_set_source_rgb(cr, gray, gray, gray);
    cairo_rectangle(cr, x, y_at, w, h);
    cairo_fill(cr);
  });
}

void Canvas::line(double x0, double y0, double x1, double y1, double width_pt, double gray) {
  add([=](cairo_t* cr) {
    cairo_set_source_rgb(cr, gray, gray, gray);
    cairo_set_line_width(cr, width_pt);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
  });
}

}  // namespace detail

namespace {

using detail::Canvas;
using detail::kMargin;
using detail::Style;

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// The header: the title on the left, the fields in two columns under it, the notes, a rule.
// Returns the steps that draw it and its height.
struct Header {
  std::vector<detail::Step> steps;
  double height = 0;
};

Header lay_out_header(Canvas& c, const Document& doc) {
  Header h;
  auto draw = [&h](const detail::Layout& l, double x, double y) {
    h.steps.push_back([l, x, y](cairo_t* cr) {
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_move_to(cr, x, y);
      pango_cairo_show_layout(cr, l.get());
    });
  };
  double y = kMargin;
  auto title = c.text(doc.title, Style::kTitle);
  draw(title, kMargin, y);
  auto brand = c.text("オンライン資格確認 — 診療情報等の閲覧", Style::kSmall, 220, true);
  draw(brand, detail::kPageWidth - kMargin - 220, y + 4);
  y += Canvas::height(title) + 6;
  const double half = detail::kContentWidth / 2;
  for (size_t i = 0; i < doc.fields.size(); i += 2) {
    double row_h = 0;
    for (size_t k = i; k < i + 2 && k < doc.fields.size(); ++k) {
      const double x = kMargin + (k - i) * half;
      auto label = c.text(doc.fields[k].first, Style::kBold);
      auto value = c.text(doc.fields[k].second, Style::kBody, half - 70);
      draw(label, x, y);
      draw(value, x + 64, y);
      row_h = std::max(row_h, std::max(Canvas::height(label), Canvas::height(value)));
    }
    y += row_h + 2;
  }
  for (const auto& n : doc.notes) {
    auto l = c.text(n, Style::kBody, detail::kContentWidth);
    draw(l, kMargin, y);
    y += Canvas::height(l) + 2;
  }
  y += 4;
  const double rule = y;
  h.steps.push_back([rule](cairo_t* cr) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, kMargin, rule);
    cairo_line_to(cr, detail::kPageWidth - kMargin, rule);
    cairo_stroke(cr);
  });
  h.height = y + 10;
  return h;
}

void draw_footer(Canvas& c, cairo_t* cr, size_t page, size_t pages) {
  const double y = detail::kPageHeight - kMargin - 12;
  auto note = c.text("個人情報を含みます。閲覧・保管・廃棄は医療機関の規程に従ってください。",
                     Style::kSmall);
  auto number = c.text(std::to_string(page + 1) + " / " + std::to_string(pages) + " ページ",
                       Style::kSmall, 120, true);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_move_to(cr, kMargin, y);
  pango_cairo_show_layout(cr, note.get());
  cairo_move_to(cr, detail::kPageWidth - kMargin - 120, y);
  pango_cairo_show_layout(cr, number.get());
}

Status lay_out_and_draw(cairo_t* cr, const std::string& family, const Document& doc) {
  Canvas c(cr, family);
  Header header = lay_out_header(c, doc);
  c.top = header.height;
  c.new_page();
  for (const auto& t : doc.tables) {
    detail::lay_out_table(c, t);
    c.y += 10;
  }
  if (!doc.charts.empty()) detail::lay_out_charts(c, doc.charts);
  for (size_t p = 0; p < c.page_count(); ++p) {
    for (const auto& s : header.steps) s(cr);
    for (const auto& s : c.page(p)) s(cr);
    draw_footer(c, cr, p, c.page_count());
    cairo_show_page(cr);
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    return Status::Fail(
        "E_PDF", "",
        std::string("PDF を作成できませんでした: ") + cairo_status_to_string(cairo_status(cr)));
  return Status::Ok();
}

// The first of kFontFamilies that fontconfig lists for Japanese, or "".
std::string find_font() {
  FcConfig* config = FcInitLoadConfigAndFonts();
  if (!config) return "";
  std::string found;
  for (const char* family : kFontFamilies) {
    FcPattern* pattern = FcPatternCreate();
    FcPatternAddString(pattern, FC_FAMILY, reinterpret_cast<const FcChar8*>(family));
    FcLangSet* ja = FcLangSetCreate();
    FcLangSetAdd(ja, reinterpret_cast<const FcChar8*>("ja"));
    FcPatternAddLangSet(pattern, FC_LANG, ja);
    FcObjectSet* os = FcObjectSetBuild(FC_FAMILY, nullptr);
    FcFontSet* set = FcFontList(config, pattern, os);
    const bool have = set && set->nfont > 0;
    if (set) FcFontSetDestroy(set);
    FcObjectSetDestroy(os);
    FcLangSetDestroy(ja);
    FcPatternDestroy(pattern);
    if (have) {
      found = family;
      break;
    }
  }
  FcConfigDestroy(config);
  return found;
}

}  // namespace

Result<std::string> japanese_font() {
  static std::once_flag once;
  static std::string family;
  std::call_once(once, [] { family = find_font(); });
  if (family.empty())
    return Error{
        "E_PDF_FONT", "",
        "PDF に使う日本語フォントがありません（fonts-ipafont-gothic などを導入してください）"};
  return family;
}

Result<std::string> render_pdf(const Document& document) {
  auto family = japanese_font();
  if (!family) return family.error();
  std::string out;
  out.reserve(64 * 1024);
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(append, &out, detail::kPageWidth, detail::kPageHeight);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, document.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "onshi");
  cairo_t* cr = cairo_create(surface);
  Status drawn = lay_out_and_draw(cr, *family, document);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t finished = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (!drawn) return drawn.error();
  if (finished != CAIRO_STATUS_SUCCESS)
    return Error{"E_PDF", "",
                 std::string("PDF を作成できませんでした: ") + cairo_status_to_string(finished)};
  return out;
}

}  // namespace onshi::print
