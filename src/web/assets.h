// The web assets: every page, style sheet, script and page template of onshi's screens, one
// folder per app under web/ (web/terminal/ for the reception screen, web/institutions/ for the
// published list and statistics pages), compiled into the binary at build time
// (cmake/embed_assets.cmake) so the binary serves them with nothing to install beside it.
//
// Contract:
//  * find_asset / assets look the embedded files up by app and path relative to the app folder
//    ("index.html", "templates/list.html"). The returned data lives for the whole program;
//    lookups are thread-safe.
//  * Every answer of the asset routes and of page_response carries the strict
//    Content-Security-Policy kContentSecurityPolicy (no inline script or style), and
//    X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer. A server-rendered page
//    that must stand alone as one file (the institution pages, also written by the CLI) may
//    carry a style sheet of its app inline; its CSP then names that sheet by its hash. Assets are
//    answered with their ETag (a hash of their bytes) and Cache-Control: no-cache, so a browser
//    revalidates each time and gets 304 without a body when nothing changed.
//  * Files under templates/ are page templates for the server to fill (render); they are not
//    served as they are.
//  * render fills a template: {{name}} is replaced by the value's text, HTML-escaped;
//    {{{name}}} by markup the caller vouches for (the output of another render);
//    {{#rows}}…{{/rows}} repeats its inside once per row added under "rows" (a row sees its
//    own values first, then its parents'); {{^rows}}…{{/rows}} appears only when there is no
//    row; {{! text}} is a comment. A name without a value, or an unbalanced section, is
//    E_TEMPLATE (field: the name).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/server.h"

namespace onshi::web {

struct Asset {
  std::string_view path;          // relative to web/APP/, e.g. "reception.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          // quoted, as sent: "\"<16 hex digits of SHA-256>\""
  std::string_view bytes;
};

// The asset `path` of app `app`, or nullptr when there is none.
const Asset* find_asset(std::string_view app, std::string_view path);
// Every asset of `app` sorted by path; empty for an unknown app.
std::span<const Asset> assets(std::string_view app);

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

// Adds the Content-Security-Policy `csp`, X-Content-Type-Options and Referrer-Policy headers.
void add_security_headers(http::Response& response, std::string_view csp = kContentSecurityPolicy);

// The answer to a GET of `asset`: 200 with its bytes, Content-Type, ETag and Cache-Control, or
// 304 without a body when the request's If-None-Match names its ETag (or is "*").
http::Response asset_response(const http::Request& request, const Asset& asset);

// The Content-Security-Policy of a page that carries `inline_styles` as <style> blocks (each
// block's text exactly one of them): kContentSecurityPolicy with style-src 'self' plus the
// 'sha256-…' hash of each, so those blocks and no others apply — never 'unsafe-inline'.
std::string content_security_policy(std::initializer_list<std::string_view> inline_styles = {});

// A page rendered for this request (from a template): 200 text/html, Cache-Control: no-cache,
// the security headers, with content_security_policy(inline_styles).
http::Response page_response(std::string html,
                             std::initializer_list<std::string_view> inline_styles = {});

// Routes GET `prefix` + path for every asset of `app` outside templates/, for the callers
// `who` admits (as http::Router::add); "index.html" is also answered at `prefix` itself. `prefix`
// ends in '/'.
void add_asset_routes(http::Router& router, std::string_view app, std::string_view prefix,
                      const http::Admit& who);

// & < > " ' as HTML character references.
std::string escape_html(std::string_view text);

// The values a template is filled with (see render).
class Values {
 public:
  Values& set(std::string name, std::string text);           // {{name}}: escaped when rendered
  Values& set(std::string name, int64_t number);             // {{name}}: the decimal digits
  Values& set_markup(std::string name, std::string markup);  // {{{name}}}: inserted as it is
  Values& add_row(std::string section, Values row);          // one more repetition of {{#section}}
  Values& add_rows(std::string section);                     // the section, with no rows yet

 private:
  friend class Renderer;
  struct Entry {
    std::string name;
    bool markup = false;
    std::string value;
    bool section = false;
    std::vector<Values> rows;
  };
  Entry& entry(std::string name);
  const Entry* find(std::string_view name) const;
  std::vector<Entry> entries_;
};

// `tmpl` filled with `values`; E_TEMPLATE when a name has no value or a section is unbalanced.
Result<std::string> render(std::string_view tmpl, const Values& values);

// The template `path` of `app` (e.g. "templates/list.html") filled with `values`; E_TEMPLATE
// also when there is no such asset.
Result<std::string> render_asset(std::string_view app, std::string_view path, const Values& values);

// render_asset for a page whose template its tests render: should the template still fail,
// the answer is the app's templates/error.html filled with the E_TEMPLATE error's code,
// field and message (the escaped error as text when the app has no such template).
std::string render_page(std::string_view app, std::string_view path, const Values& values);

}  // namespace onshi::web
