// Rule 9: docs stay true to the code.
//
// The reference documents are checked against the sources they describe, so a new error
// code or route cannot ship undocumented: every "E_…"/"W_…" code string in src/ is in
// docs/errors.md — listed there exactly once — with the field length table of core/limits.h,
// every route registered with router.add( is in docs/api.md and
// docs/openapi.yaml — and so is every route a running service really serves, the paths it
// computes per kind included (/v1/clinical/views/medication, /xml/YZKsiquc01 …), with its
// method — and the README opens with the two commands a newcomer needs.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "security/ca.h"
#include "serve/service.h"

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = ONSHI_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Source files under `dir` (recursively) whose extension is one of `exts`.
std::vector<fs::path> sources(const fs::path& dir, const std::set<std::string>& exts) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && exts.count(e.path().extension().string())) out.push_back(e.path());
  }
  return out;
}

bool is_code_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// True when `word` occurs in `text` as a whole code: E_STORE is not found in E_STORE_OPEN.
bool contains_code(const std::string& text, const std::string& word) {
  for (size_t p = text.find(word); p != std::string::npos; p = text.find(word, p + 1)) {
    bool left = p == 0 || !is_code_char(text[p - 1]);
    bool right = p + word.size() >= text.size() || !is_code_char(text[p + word.size()]);
    if (left && right) return true;
  }
  return false;
}

std::set<std::string> error_codes_in_sources() {
  static const std::regex code("\"([EW]_[A-Z0-9_]+)\"");
  std::set<std::string> codes;
  // The C++ sources, and the pages' scripts (web/), which make codes of their own (E_CONNECT,
  // E_RESPONSE on the reception screen).
  std::vector<fs::path> files = sources(kRoot / "src", {".cpp", ".h"});
  for (const auto& f : sources(kRoot / "web", {".js"})) files.push_back(f);
  for (const auto& f : files) {
    const std::string text = slurp(f);
    for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it)
      codes.insert((*it)[1].str());
  }
  return codes;
}

// Paths of router.add("METHOD", "/path", …) in the service (and the server's own routes).
std::set<std::string> registered_routes() {
  static const std::regex add(R"(router\.add\(\s*"[A-Z]+"\s*,\s*"([^"]+)\")");
  std::set<std::string> routes;
  for (const char* dir : {"src/serve", "src/http"}) {
    for (const auto& f : sources(kRoot / dir, {".cpp"})) {
      const std::string text = slurp(f);
      for (std::sregex_iterator it(text.begin(), text.end(), add), end; it != end; ++it)
        routes.insert((*it)[1].str());
    }
  }
  return routes;
}

TEST(DocsTest, EveryErrorCodeInTheSourcesIsInErrorsMd) {
  const std::string doc = slurp(kRoot / "docs" / "errors.md");
  ASSERT_FALSE(doc.empty()) << "docs/errors.md is missing";
  const std::set<std::string> codes = error_codes_in_sources();
  ASSERT_GT(codes.size(), 20u) << "the code scan found almost nothing; is the regex stale?";
  std::string missing;
  for (const auto& c : codes)
    if (!contains_code(doc, c)) missing += " " + c;
  EXPECT_TRUE(missing.empty()) << "codes emitted by src/ but not documented in docs/errors.md:"
                               << missing;
}

// issue 14, point 5: docs/errors.md lists every code once. Each "E_…"/"W_…" code string of
// src/ is the key (first cell) of exactly one table row or in exactly one heading, and every
// code the page names in backticks exists in src/ (wildcards such as `E_XML_*` aside).
TEST(DocsTest, ErrorsMdListsEveryCodeExactlyOnce) {
  const std::string doc = slurp(kRoot / "docs" / "errors.md");
  ASSERT_FALSE(doc.empty());
  static const std::regex code_re("([EW]_[A-Z0-9_]+)");
  std::map<std::string, int> listed;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    std::string key;
    if (line.rfind("|", 0) == 0) {
      key = line.substr(1, line.find('|', 1) == std::string::npos ? std::string::npos : line.find('|', 1) - 1);
    } else if (line.rfind("#", 0) == 0) {
      key = line;
    }
    for (std::sregex_iterator it(key.begin(), key.end(), code_re), end; it != end; ++it) ++listed[(*it)[1].str()];
  }
  const std::set<std::string> codes = error_codes_in_sources();
  std::string not_once;
  for (const auto& c : codes)
    if (listed[c] != 1) not_once += " " + c + "×" + std::to_string(listed[c]);
  EXPECT_TRUE(not_once.empty()) << "codes not listed exactly once (as a row's first cell or a heading):"
                                << not_once;
  static const std::regex quoted("`([EW]_[A-Z0-9_]*[A-Z0-9])`");
  std::string unknown;
  for (std::sregex_iterator it(doc.begin(), doc.end(), quoted), end; it != end; ++it)
    if (!codes.count((*it)[1].str())) unknown += " " + (*it)[1].str();
  for (const auto& [c, n] : listed)
    if (!codes.count(c)) unknown += " " + c;
  EXPECT_TRUE(unknown.empty()) << "codes in docs/errors.md that src/ never emits:" << unknown;
}

// issue 14, point 5: the field length table of docs/errors.md is core/limits.h's.
TEST(DocsTest, ErrorsMdShowsTheFieldLimitsTable) {
  const std::string doc = slurp(kRoot / "docs" / "errors.md");
  const std::string header = slurp(kRoot / "src" / "core" / "limits.h");
  static const std::regex limit(R"re(FieldLimit \w+\{\s*"(\w+)",\s*"([^"]+)",\s*LengthUnit::k(\w+),\s*(\d+)\})re");
  int seen = 0;
  for (std::sregex_iterator it(header.begin(), header.end(), limit), end; it != end; ++it, ++seen) {
    std::string unit = (*it)[3].str() == "Characters" ? "characters" : "bytes";
    std::string row = "| `" + (*it)[1].str() + "` | " + (*it)[2].str() + " | " + unit + " | " + (*it)[4].str() + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/errors.md lacks the row " << row;
  }
  EXPECT_GE(seen, 3) << "the limit scan found almost nothing; is the regex stale?";
}

TEST(DocsTest, EveryRegisteredRouteIsInApiMdAndOpenapi) {
  const std::string api = slurp(kRoot / "docs" / "api.md");
  const std::string openapi = slurp(kRoot / "docs" / "openapi.yaml");
  ASSERT_FALSE(api.empty()) << "docs/api.md is missing";
  ASSERT_FALSE(openapi.empty()) << "docs/openapi.yaml is missing";
  const std::set<std::string> routes = registered_routes();
  ASSERT_GE(routes.size(), 3u) << "the route scan found almost nothing; is the regex stale?";
  for (const auto& r : routes) {
    EXPECT_NE(api.find(r), std::string::npos) << r << " is not documented in docs/api.md";
    // In OpenAPI a path is a key of `paths:`: "  /v1/registrations:".
    EXPECT_NE(openapi.find("  " + r + ":"), std::string::npos)
        << r << " is not a path in docs/openapi.yaml";
  }
}

// Fail-closed issue, point 4: every code `onshi serve` can stop on at start has a row in the
// troubleshooting table of docs/operations.md, and the master key's section names the code
// the binary really gives (E_KEY_MISSING).
// The paths under `paths:` of the OpenAPI file, each with its text up to the next path.
std::map<std::string, std::string> openapi_paths(const std::string& yaml) {
  static const std::regex key(R"(\n  (/[^ \n]*):\n)");
  std::map<std::string, std::string> out;
  std::smatch m;
  std::string::const_iterator at = yaml.begin();
  std::string* last = nullptr;
  size_t last_start = 0;
  while (std::regex_search(at, yaml.end(), m, key)) {
    const size_t start = static_cast<size_t>(m[0].first - yaml.begin());
    if (last) *last = yaml.substr(last_start, start - last_start);
    last = &out[m[1].str()];
    // The block starts with the newline ending the key, which also starts the next match.
    at = m[0].second - 1;
    last_start = static_cast<size_t>(at - yaml.begin());
  }
  if (last) *last = yaml.substr(last_start, yaml.find("\ncomponents:", last_start) - last_start);
  return out;
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  for (std::string s; std::getline(in, s, '/');) out.push_back(s);
  return out;
}

// The values the path parameter `name` may take, from its `enum: [a, b]` in `block`.
std::set<std::string> path_enum(const std::string& block, const std::string& name) {
  const std::regex param("\\{name: " + name + ", in: path[^\\n]*enum: \\[([^\\]]*)\\]");
  std::smatch m;
  std::set<std::string> out;
  if (!std::regex_search(block, m, param)) return out;
  std::stringstream in(m[1].str());
  for (std::string v; std::getline(in, v, ',');) out.insert(v.substr(v.find_first_not_of(' ')));
  return out;
}

// Whether the served `path` is the documented `templ`: the same literal segments, and each
// `{name}` segment one of the values its path parameter lists.
bool is_path_of(const std::string& path, const std::string& templ, const std::string& block) {
  const auto p = segments(path), t = segments(templ);
  if (p.size() != t.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (t[i].size() > 2 && t[i].front() == '{' && t[i].back() == '}') {
      if (!path_enum(block, t[i].substr(1, t[i].size() - 2)).count(p[i])) return false;
    } else if (t[i] != p[i]) {
      return false;
    }
  }
  return true;
}

// The routes a real service serves — asked at runtime, so a path built in code (one per
// clinical kind) is seen — are each an operation (path and method) of docs/openapi.yaml and
// named in docs/api.md (as served, or as the OpenAPI template that covers it).
TEST(DocsTest, EveryServedRouteIsInApiMdAndOpenapi) {
  const fs::path dir = fs::temp_directory_path() / ("onshi-docs-routes-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_TRUE(onshi::security::ca_init(dir).ok());
  onshi::serve::ServiceOptions o;
  o.data_dir = dir;
  auto service = onshi::serve::Service::open(o);
  ASSERT_TRUE(service.ok()) << service.error().message;
  const auto routes = (*service)->routes();
  service->reset();
  fs::remove_all(dir);
  ASSERT_GE(routes.size(), 50u);
  const std::string api = slurp(kRoot / "docs" / "api.md");
  const auto paths = openapi_paths(slurp(kRoot / "docs" / "openapi.yaml"));
  ASSERT_GE(paths.size(), 20u) << "the OpenAPI path scan found almost nothing";
  for (const auto& [method, path, who] : routes) {
    std::string lower;
    for (char c : method) lower.push_back(static_cast<char>(std::tolower(c)));
    std::string documented;
    for (const auto& [templ, block] : paths)
      if (block.find("\n    " + lower + ":") != std::string::npos &&
          is_path_of(path, templ, block))
        documented = templ;
    EXPECT_FALSE(documented.empty())
        << method << " " << path << " is not an operation of docs/openapi.yaml";
    if (documented.empty()) continue;
    EXPECT_TRUE(api.find(path) != std::string::npos || api.find(documented) != std::string::npos)
        << method << " " << path << " (" << documented << ") is not in docs/api.md";
  }
}

TEST(DocsTest, TroubleshootingCoversEveryStartUpError) {
  const std::string ops = slurp(kRoot / "docs" / "operations.md");
  const auto at = ops.find("## Troubleshooting");
  ASSERT_NE(at, std::string::npos);
  const std::string table = ops.substr(at);
  for (const char* code : {"E_CA_MISSING", "E_LOCKED", "E_STORE_OPEN", "E_STORE_SCHEMA", "E_STORE",
                           "E_KEY_MISSING", "E_KEY_IO", "E_LISTEN", "E_TLS_CONFIG", "E_FLAG"})
    EXPECT_NE(table.find(std::string("`") + code), std::string::npos) << code;
  const auto key = ops.find("**`keys/master.key` is the most important file.**");
  ASSERT_NE(key, std::string::npos);
  EXPECT_NE(ops.substr(key, 3000).find("E_KEY_MISSING"), std::string::npos);
}

TEST(DocsTest, ReadmeOpensWithMakeDemoAndMakeTest) {
  std::ifstream in(kRoot / "README.md");
  ASSERT_TRUE(in) << "README.md is missing";
  std::string line, opening;
  int taken = 0;
  while (taken < 5 && std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;  // blank lines and headings
    opening += line + "\n";
    ++taken;
  }
  EXPECT_NE(opening.find("make demo"), std::string::npos) << "README opening:\n" << opening;
  EXPECT_NE(opening.find("make test"), std::string::npos) << "README opening:\n" << opening;
}

}  // namespace
