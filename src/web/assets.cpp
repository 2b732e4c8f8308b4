// Looking up the embedded web assets and answering them over HTTP (web/assets.h).
//
// The bytes were compiled in by cmake/embed_assets.cmake, one sorted table per app folder, so
// a lookup is a binary search and serving copies nothing but the response body. Caching is
// by ETag only (Cache-Control: no-cache): the URLs are not versioned, so a browser must ask
// again each time, and the answer is a bodiless 304 while the file is unchanged — on the
// loopback terminal that costs nothing and a new build is never hidden by a stale copy.
#include "web/assets.h"

#include <openssl/evp.h>

#include <algorithm>

#include "web/generated.h"

namespace onshi::web {

std::span<const Asset> assets(std::string_view app) {
  for (const detail::AppAssets* a = detail::kApps; !a->app.empty(); ++a)
    if (a->app == app) return a->assets();
  return {};
}

const Asset* find_asset(std::string_view app, std::string_view path) {
  std::span<const Asset> all = assets(app);
  auto it = std::lower_bound(all.begin(), all.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

void add_security_headers(http::Response& response, std::string_view csp) {
  response.headers.emplace_back("Content-Security-Policy", std::string(csp));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

namespace {

// Does an If-None-Match header (a list of entity tags, weak or strong, or "*") name `etag`?
bool names_etag(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    std::string_view tag = if_none_match.substr(
        pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

http::Response asset_response(const http::Request& request, const Asset& asset) {
  http::Response r;
  r.headers.emplace_back("ETag", std::string(asset.etag));
  r.headers.emplace_back("Cache-Control", "no-cache");
  add_security_headers(r);
  if (names_etag(request.if_none_match, asset.etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = std::string(asset.content_type);
  r.body = std::string(asset.bytes);
  return r;
}

std::string content_security_policy(std::initializer_list<std::string_view> inline_styles) {
  std::string csp(kContentSecurityPolicy);
  if (inline_styles.size() == 0) return csp;
  std::string hashes;
  for (std::string_view style : inline_styles) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(style.data(), style.size(), digest, &n, EVP_sha256(), nullptr);
    unsigned char base64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int len = EVP_EncodeBlock(base64, digest, static_cast<int>(n));
    hashes += " 'sha256-" +
              std::string(reinterpret_cast<const char*>(base64), static_cast<size_t>(len)) + "'";
  }
  const std::string_view directive = "style-src 'self'";
  csp.insert(csp.find(directive) + directive.size(), hashes);
  return csp;
}

http::Response page_response(std::string html,
                             std::initializer_list<std::string_view> inline_styles) {
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  r.headers.emplace_back("Cache-Control", "no-cache");
  add_security_headers(r, content_security_policy(inline_styles));
  return r;
}

void add_asset_routes(http::Router& router, std::string_view app, std::string_view prefix,
                      const http::Admit& who) {
  for (const Asset& a : assets(app)) {
    if (a.path.starts_with("templates/")) continue;
    auto serve = [&a](const http::Request& q) { return asset_response(q, a); };
    router.add("GET", std::string(prefix) + std::string(a.path), who, serve);
    if (a.path == "index.html") router.add("GET", std::string(prefix), who, serve);
  }
}

}  // namespace onshi::web
