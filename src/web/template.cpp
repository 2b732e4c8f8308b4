// Page templates (web/assets.h): the HTML of a server-rendered page lives in a file under
// web/APP/templates/, and C++ supplies only the values. The syntax is a small subset of
// Mustache — {{name}}, {{{name}}}, {{#rows}}…{{/rows}}, {{^rows}}…{{/rows}}, {{! comment}} — so
// that a value is escaped unless the code says otherwise in a name of its own (set_markup), and
// strict: a name the code did not set is an error, not an empty string, so a typo in a
// template fails its test instead of silently dropping a field.
#include <string>

#include "web/assets.h"

namespace onshi::web {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Values::Entry& Values::entry(std::string name) {
  for (Entry& e : entries_)
    if (e.name == name) return e;
  entries_.emplace_back().name = std::move(name);
  return entries_.back();
}

const Values::Entry* Values::find(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Values& Values::set(std::string name, std::string text) {
  Entry& e = entry(std::move(name));
  e.markup = false;
  e.value = std::move(text);
  return *this;
}

Values& Values::set(std::string name, int64_t number) {
  return set(std::move(name), std::to_string(number));
}

Values& Values::set_markup(std::string name, std::string markup) {
  Entry& e = entry(std::move(name));
  e.markup = true;
  e.value = std::move(markup);
  return *this;
}

Values& Values::add_row(std::string section, Values row) {
  Entry& e = entry(std::move(section));
  e.section = true;
  e.rows.push_back(std::move(row));
  return *this;
}

Values& Values::add_rows(std::string section) {
  entry(std::move(section)).section = true;
  return *this;
}

// One pass over a template; sections recurse. `out` null = only find where a section ends.
class Renderer {
 public:
  explicit Renderer(std::string_view tmpl) : t_(tmpl) {}

  // Renders from `pos` up to the tag {{/close}} (the end of the template when `close` is
  // empty); returns the position just after that tag.
  Result<size_t> run(size_t pos, std::string_view close, std::vector<const Values*>& scope,
                     std::string* out) {
    while (true) {
      size_t open = t_.find("{{", pos);
      if (open == std::string_view::npos) {
        if (!close.empty())
          return fail(close, "section {{#" + std::string(close) + "}} is not closed");
        if (out) out->append(t_.substr(pos));
        return t_.size();
      }
      if (out) out->append(t_.substr(pos, open - pos));
      bool triple = t_.substr(open, 3) == "{{{";
      size_t end = t_.find(triple ? "}}}" : "}}", open);
      if (end == std::string_view::npos)
        return fail("", "a tag opened at byte " + std::to_string(open) + " is not closed");
      std::string_view tag = t_.substr(open + (triple ? 3 : 2), end - open - (triple ? 3 : 2));
      pos = end + (triple ? 3 : 2);
      char kind = tag.empty() ? ' ' : tag.front();
      if (kind == '!' && !triple) continue;  // {{! a comment }}
      if (kind == '/') {
        if (tag.substr(1) != close)
          return fail(tag.substr(1), "{{" + std::string(tag) + "}} closes no open section");
        return pos;
      }
      Result<size_t> next = (kind == '#' || kind == '^')
                                ? section(pos, tag.substr(1), kind == '^', scope, out)
                                : value(pos, tag, triple, scope, out);
      if (!next) return next;
      pos = *next;
    }
  }

 private:
  static Error fail(std::string_view name, std::string message) {
    return Error{"E_TEMPLATE", std::string(name), std::move(message)};
  }

  static const Values::Entry* lookup(const std::vector<const Values*>& scope, std::string_view name,
                                     bool section) {
    for (auto it = scope.rbegin(); it != scope.rend(); ++it)
      if (const Values::Entry* e = (*it)->find(name); e && e->section == section) return e;
    return nullptr;
  }

  Result<size_t> value(size_t pos, std::string_view name, bool triple,
                       const std::vector<const Values*>& scope, std::string* out) {
    if (!out) return pos;  // inside a section that is skipped
    const Values::Entry* e = lookup(scope, name, false);
    if (!e) return fail(name, "no value for {{" + std::string(name) + "}}");
    if (triple != e->markup)
      return fail(name, triple ? "{{{" + std::string(name) + "}}} needs markup (set_markup)"
                               : "{{" + std::string(name) + "}} is markup; write {{{" +
                                     std::string(name) + "}}}");
    out->append(triple ? e->value : escape_html(e->value));
    return pos;
  }

  Result<size_t> section(size_t pos, std::string_view name, bool inverted,
                         std::vector<const Values*>& scope, std::string* out) {
    if (!out) return run(pos, name, scope, nullptr);
    const Values::Entry* e = lookup(scope, name, true);
    if (!e) return fail(name, "no rows for {{#" + std::string(name) + "}}");
    if (inverted || e->rows.empty())
      return run(pos, name, scope, inverted && e->rows.empty() ? out : nullptr);
    Result<size_t> end = pos;
    for (const Values& row : e->rows) {
      scope.push_back(&row);
      end = run(pos, name, scope, out);
      scope.pop_back();
      if (!end) return end;
    }
    return end;
  }

  std::string_view t_;
};

Result<std::string> render(std::string_view tmpl, const Values& values) {
  std::string out;
  std::vector<const Values*> scope{&values};
  Renderer r(tmpl);
  Result<size_t> end = r.run(0, "", scope, &out);
  if (!end) return end.error();
  return out;
}

Result<std::string> render_asset(std::string_view app, std::string_view path,
                                 const Values& values) {
  const Asset* a = find_asset(app, path);
  if (!a)
    return Error{"E_TEMPLATE", std::string(path),
                 "no template web/" + std::string(app) + "/" + std::string(path)};
  return render(a->bytes, values);
}

std::string render_page(std::string_view app, std::string_view path, const Values& values) {
  Result<std::string> page = render_asset(app, path, values);
  if (page) return std::move(*page);
  const Error& e = page.error();
  Values v;
  v.set("code", e.code).set("field", e.field).set("message", e.message);
  Result<std::string> error_page = render_asset(app, "templates/error.html", v);
  if (error_page) return std::move(*error_page);
  return escape_html(e.code + " " + e.field + ": " + e.message) + "\n";  // the app has no error page
}

}  // namespace onshi::web
