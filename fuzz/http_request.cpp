// Fuzz target: the parts of an HTTP request onshi parses itself (Beast reads the wire): the
// target split into path and query as the server splits it, query parameters
// (http::Request::query_param: %XX and '+' decoding), routing (404/405 and the role check
// of http::Router), the If-None-Match header against the pages' ETags (web/assets.h), and the
// addresses given to the terminal (--server, the loopback check of --listen).
// The input is the method, the target, the Content-Type, the If-None-Match and the body, one
// per line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/local.h"
#include "http/server.h"
#include "terminal/bridge.h"
#include "terminal/terminal.h"
#include "web/assets.h"

using namespace onshi;

namespace {

std::string_view next_line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}

http::Router make_router() {
  http::Router r;
  web::add_asset_routes(r, "terminal", "/", http::Admit::anyone());
  web::add_asset_routes(r, "institutions", "/institutions/", {core::Role::kInstitution});
  // A route reading the query parameters the service's routes read.
  r.add("GET", "/v1/probe", http::Admit::anyone(), [](const http::Request& q) {
    http::Response res;
    for (const char* name : {"insurerNumber", "insuredCardSymbol", "asOf", "id", "format",
                             "encoding", "month", "name", "kind", "key", "prefecture"})
      res.body += q.query_param(name);
    return res;
  });
  r.add("POST", "/v1/probe", {core::Role::kInsurer, core::Role::kInstitution},
        [](const http::Request& q) {
          return http::Response{200, q.content_type, q.body, {}};
        });
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const http::Router router = make_router();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  http::Request req;
  req.method = std::string(next_line(in));
  req.target = std::string(next_line(in));
  size_t q = req.target.find('?');  // as http/server.cpp splits it
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.content_type = std::string(next_line(in));
  req.if_none_match = std::string(next_line(in));
  req.body = std::string(in);
  if (!req.method.empty() && (req.method[0] & 1))
    req.peer = {core::Role::kInstitution, "1310112345"};
  (void)router.dispatch(req);
  (void)req.query_param(req.path);
  (void)terminal::parse_server_url(req.target);
  (void)http::is_loopback_host(req.path);
  (void)http::cookie_value(req.body, req.content_type);
  return 0;
}
