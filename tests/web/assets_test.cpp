// The web module: the files under web/ are embedded byte for byte with their content type
// and a content-hash ETag, no page carries inline script or style, templates escape what
// they are given, and a real HTTP server answers an asset with the strict CSP, the security
// headers, and 304 on a matching If-None-Match.
#include "web/assets.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "http/server.h"

namespace onshi::web {
namespace {

namespace fs = std::filesystem;

const fs::path kWeb = fs::path(ONSHI_SOURCE_DIR) / "web";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02x", md[i]);
    hex += two;
  }
  return hex;
}

// issue 14: pages as files — every file of every app folder is in the binary, unchanged.
TEST(WebAssets, EveryFileIsEmbeddedByteForByte) {
  int files = 0;
  for (const auto& app : fs::directory_iterator(kWeb)) {
    std::string name = app.path().filename().string();
    for (const auto& f : fs::recursive_directory_iterator(app.path())) {
      if (!f.is_regular_file()) continue;
      std::string rel = fs::relative(f.path(), app.path()).generic_string();
      const Asset* a = find_asset(name, rel);
      ASSERT_NE(a, nullptr) << name << "/" << rel;
      std::string bytes = read(f.path());
      EXPECT_EQ(a->bytes, bytes) << rel;
      EXPECT_EQ(a->etag, "\"" + sha256_hex(bytes).substr(0, 16) + "\"") << rel;
      ++files;
    }
  }
  EXPECT_GE(files, 6);
  EXPECT_EQ(find_asset("terminal", "nothing.html"), nullptr);
  EXPECT_EQ(find_asset("nowhere", "index.html"), nullptr);
  EXPECT_TRUE(assets("nowhere").empty());
}

// issue 14: pages as files — the content type a browser needs, by extension.
TEST(WebAssets, ContentTypes) {
  EXPECT_EQ(find_asset("terminal", "index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(find_asset("terminal", "reception.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(find_asset("terminal", "reception.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_asset("institutions", "institutions.css")->content_type,
            "text/css; charset=utf-8");
  EXPECT_EQ(find_asset("institutions", "templates/chart.svg")->content_type, "image/svg+xml");
}

// issue 14: pages as files — no page or template has inline script, a style block, a style
// attribute or an inline event handler, which the CSP would block.
TEST(WebAssets, NoInlineScriptOrStyle) {
  std::regex inline_script(R"(<script(?![^>]*\ssrc=)[^>]*>)", std::regex::icase);
  std::regex style_block(R"(<style[\s>])", std::regex::icase);
  std::regex style_attribute(R"(<[^>]*\sstyle\s*=)", std::regex::icase);
  std::regex handler(R"(<[^>]*\son[a-z]+\s*=)", std::regex::icase);
  std::regex javascript_url(R"(javascript:)", std::regex::icase);
  int pages = 0;
  for (std::string app : {"terminal", "institutions"}) {
    for (const Asset& a : assets(app)) {
      if (!a.path.ends_with(".html") && !a.path.ends_with(".svg")) continue;
      std::string text(a.bytes);
      // The one style element allowed: a template's, filled with a style sheet file of its app
      // (its CSP names that text by hash; see CspAllowsExactlyTheInlineStyleSheets).
      for (size_t at; (at = text.find("<style>{{{style}}}</style>")) != std::string::npos;)
        text.erase(at, 26);
      EXPECT_FALSE(std::regex_search(text, inline_script)) << a.path;
      EXPECT_FALSE(std::regex_search(text, style_block)) << a.path;
      EXPECT_FALSE(std::regex_search(text, style_attribute)) << a.path;
      EXPECT_FALSE(std::regex_search(text, handler)) << a.path;
      EXPECT_FALSE(std::regex_search(text, javascript_url)) << a.path;
      ++pages;
    }
  }
  EXPECT_GE(pages, 4);
  // The reception script builds markup with classes only.
  std::string js(find_asset("terminal", "reception.js")->bytes);
  EXPECT_EQ(js.find("style="), std::string::npos);
  EXPECT_EQ(js.find(" onclick"), std::string::npos);
}

// issue 14: pages as files — a page that carries a style sheet inline gets exactly that
// sheet's SHA-256 in style-src, and never 'unsafe-inline'.
TEST(WebAssets, CspAllowsExactlyTheInlineStyleSheets) {
  EXPECT_EQ(content_security_policy(), kContentSecurityPolicy);
  EXPECT_EQ(content_security_policy({""}),
            "default-src 'self'; script-src 'self'; style-src 'self' "
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  std::string two = content_security_policy({"a", "b"});
  EXPECT_NE(
      two.find("style-src 'self' 'sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=' 'sha256-"),
      std::string::npos);
  EXPECT_EQ(two.find("unsafe-inline"), std::string::npos);
}

// issue 14: pages as files — values are escaped, rows repeat, an empty list shows {{^…}}.
TEST(WebTemplates, EscapesValuesAndRepeatsRows) {
  Values v;
  v.set("title", "<b>\"A&B\"</b>'").set("count", int64_t{2});
  v.add_row("rows", Values().set("name", "一"));
  v.add_row("rows", Values().set("name", "<二>"));
  auto out = render(
      "<h1>{{title}}</h1>{{! not shown }}{{count}}:{{#rows}}[{{name}}/{{count}}]{{/rows}}"
      "{{^rows}}none{{/rows}}",
      v);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "<h1>&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&#39;</h1>2:[一/2][&lt;二&gt;/2]");
  Values empty;
  empty.add_rows("rows");
  EXPECT_EQ(*render("{{#rows}}x{{/rows}}{{^rows}}none{{/rows}}", empty), "none");
  Values nested;
  nested.add_row("outer", Values().add_row("inner", Values().set("x", "1")).add_rows("none"));
  EXPECT_EQ(*render("{{#outer}}<{{#inner}}{{x}}{{/inner}}{{#none}}{{missing}}{{/none}}>{{/outer}}",
                    nested),
            "<1>");
}

// issue 14: pages as files — markup goes in only where the template says {{{…}}} and the code
// said set_markup; a typo in a name or an open section is E_TEMPLATE, not an empty string.
TEST(WebTemplates, MarkupAndErrors) {
  Values v;
  v.set_markup("chart", "<svg></svg>").set("text", "<svg>");
  EXPECT_EQ(*render("{{{chart}}}{{text}}", v), "<svg></svg>&lt;svg&gt;");
  auto error = [&](std::string_view t) {
    auto r = render(t, v);
    return r.ok() ? std::string("ok") : r.error().code + ":" + r.error().field;
  };
  EXPECT_EQ(error("{{chart}}"), "E_TEMPLATE:chart");  // markup needs the triple braces
  EXPECT_EQ(error("{{{text}}}"), "E_TEMPLATE:text");  // text is never inserted raw
  EXPECT_EQ(error("{{nmae}}"), "E_TEMPLATE:nmae");
  EXPECT_EQ(error("{{#rows}}x"), "E_TEMPLATE:rows");
  EXPECT_EQ(error("x{{/rows}}"), "E_TEMPLATE:rows");
  EXPECT_EQ(error("{{text"), "E_TEMPLATE:");
  EXPECT_EQ(render_asset("institutions", "templates/none.html", v).error().code, "E_TEMPLATE");
  std::string page = render_page("institutions", "templates/none.html", v);
  EXPECT_NE(page.find("E_TEMPLATE"), std::string::npos);
}

// A raw HTTP/1.1 exchange with 127.0.0.1:port: the whole response as text.
std::string round_trip(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string get(uint16_t port, const std::string& path, const std::string& extra = "") {
  return round_trip(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra +
                              "Connection: close\r\n\r\n");
}

class WebServer : public ::testing::Test {
 protected:
  void SetUp() override {
    http::Router router;
    add_asset_routes(router, "terminal", "/", http::Admit::anyone());
    add_asset_routes(router, "institutions", "/institutions/", http::Admit::anyone());
    router.add("GET", "/page", http::Admit::anyone(),
               [](const http::Request&) { return page_response("<p>page</p>"); });
    http::ServerOptions o;
    o.tls = false;
    server_ = std::make_unique<http::Server>(o, std::move(router));
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(); }
  uint16_t port() const { return server_->port(); }
  std::unique_ptr<http::Server> server_;
};

const std::string kCsp =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src "
    "'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'\r\n";

void expect_security_headers(const std::string& response) {
  EXPECT_NE(response.find(kCsp), std::string::npos) << response.substr(0, 600);
  EXPECT_NE(response.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(response.find("Referrer-Policy: no-referrer\r\n"), std::string::npos);
  EXPECT_EQ(response.find("unsafe-inline"), std::string::npos);
}

// issue 14: pages as files — the page and its files with the strict CSP and content types.
TEST_F(WebServer, ServesThePageAndItsFilesWithTheCsp) {
  std::string page = get(port(), "/");
  EXPECT_EQ(page.rfind("HTTP/1.1 200", 0), 0u) << page.substr(0, 200);
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(page.find("Cache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(page.find("<script src=\"/reception.js\" defer></script>"), std::string::npos);
  expect_security_headers(page);
  std::string js = get(port(), "/reception.js");
  EXPECT_EQ(js.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(js.find("Content-Type: text/javascript; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(js.find("ETag: " + std::string(find_asset("terminal", "reception.js")->etag) + "\r\n"),
            std::string::npos);
  EXPECT_TRUE(js.ends_with(find_asset("terminal", "reception.js")->bytes));
  expect_security_headers(js);
  EXPECT_NE(get(port(), "/reception.css").find("Content-Type: text/css; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_EQ(get(port(), "/institutions/institutions.css").rfind("HTTP/1.1 200", 0), 0u);
  // Templates are filled by the server, never served as they are.
  EXPECT_EQ(get(port(), "/institutions/templates/list.html").rfind("HTTP/1.1 404", 0), 0u);
  std::string rendered = get(port(), "/page");
  EXPECT_NE(rendered.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
  expect_security_headers(rendered);
}

// issue 14: pages as files — revalidation by ETag: 304 without a body while unchanged.
TEST_F(WebServer, IfNoneMatchAnswers304) {
  std::string etag(find_asset("terminal", "reception.js")->etag);
  std::string same = get(port(), "/reception.js", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(same.rfind("HTTP/1.1 304", 0), 0u) << same.substr(0, 200);
  EXPECT_TRUE(same.ends_with("\r\n\r\n")) << "a 304 has no body";
  EXPECT_NE(same.find("ETag: " + etag + "\r\n"), std::string::npos);
  expect_security_headers(same);
  std::string listed =
      get(port(), "/reception.js", "If-None-Match: \"0000000000000000\", W/" + etag + "\r\n");
  EXPECT_EQ(listed.rfind("HTTP/1.1 304", 0), 0u);
  std::string other = get(port(), "/reception.js", "If-None-Match: \"0000000000000000\"\r\n");
  EXPECT_EQ(other.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(
      get(port(), "/",
          "If-None-Match: " + std::string(find_asset("terminal", "index.html")->etag) + "\r\n")
          .rfind("HTTP/1.1 304", 0),
      0u);
}

}  // namespace
}  // namespace onshi::web
