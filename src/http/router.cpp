// Requests, problem+json answers and the router: the plain-C++ half of the HTTP module,
// with no Beast or Asio in it, so handlers and their tests never depend on the transport.
//
// Routing is an exact (method, path) match over a short vector scanned in order. onshi has a
// few dozen endpoints, so a linear scan of short strings costs less than hashing the path,
// and it keeps the 404/405 distinction trivial. Authorization is by certificate role: a
// route lists the roles it admits (core::Role), or admits anyone (an empty list admits
// nobody, so a forgotten role list fails closed). problem() builds its JSON with Boost.JSON
// so that messages are escaped correctly whatever they contain.
#include <algorithm>
#include <atomic>
#include <future>
#include <memory>

#include <boost/json.hpp>

#include "core/text.h"
#include "http/problem.h"
#include "http/server.h"

namespace onshi::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: %XX escapes and '+' as a space. A malformed
// escape is kept literally rather than rejected; the handler validates the value anyway.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) {
        out.push_back(c);
      } else {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view reason_title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Server Error" : "Client Error";
  }
}

// 403 for a caller the route does not admit, saying which certificate role was refused.
Response forbidden(const Peer& peer) {
  std::string message;
  if (peer.role)
    message = "証明書の種別「" + peer.role_text() + "」ではこの API を呼べません";
  else if (!peer.id.empty())
    message = "証明書の種別 (OU) が onshi の知らないものです";
  else
    message = "この API にはクライアント証明書が必要です";
  return problem(403, Error{"E_FORBIDDEN_ROLE", "", std::move(message)});
}

}  // namespace

std::string Request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    // Keys are compared decoded, so "insurer%4Eumber" names the same parameter.
    if (key == name || percent_decode(key) == name) return percent_decode(value);
  }
  return "";
}

namespace {
std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The part of `list` before `sep`, trimmed; `list` keeps what follows it.
std::string_view next_item(std::string_view& list, char sep) {
  const size_t at = list.find(sep);
  std::string_view item = list.substr(0, at);
  list = at == std::string_view::npos ? std::string_view{} : list.substr(at + 1);
  return trimmed(item);
}

// q=0, 0.0, 0.00, 0.000: "not acceptable" (RFC 9110 §12.4.2); any other weight admits.
bool weight_is_zero(std::string_view params) {
  while (!params.empty()) {
    std::string_view p = next_item(params, ';');
    if (p.empty() || (p[0] | 0x20) != 'q') continue;
    std::string_view v = trimmed(p.substr(1));
    if (v.empty() || v[0] != '=') continue;
    v = trimmed(v.substr(1));
    return !v.empty() && v.find_first_not_of("0.") == std::string_view::npos;
  }
  return false;
}
}  // namespace

bool Request::accepts_gzip() const {
  bool named = false, admitted = false, any = false;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    std::string_view params = next_item(rest, ',');
    std::string_view coding = next_item(params, ';');
    const bool zero = weight_is_zero(params);
    if (core::ascii_iequals(coding, "gzip") || core::ascii_iequals(coding, "x-gzip")) {
      named = true;
      admitted = admitted || !zero;
    } else if (coding == "*") {
      any = !zero;
    }
  }
  return named ? admitted : any;
}

Response problem(int status, const Error& error) { return problem(status, error, boost::json::object{}); }

Response problem(int status, const Error& error, const boost::json::object& extensions) {
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = reason_title(status);
  o["status"] = status;
  o["code"] = error.code;
  if (!error.field.empty()) o["field"] = error.field;
  if (!error.message.empty()) o["detail"] = error.message;
  for (const auto& [key, value] : extensions)
    if (!o.contains(key)) o[key] = value;
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(o);
  return r;
}

bool Admit::admits(const Peer& peer) const {
  return anyone_ ||
         (peer.role && std::find(roles_.begin(), roles_.end(), *peer.role) != roles_.end());
}

void Router::add(std::string method, std::string path, Admit who, Handler h) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(who), std::move(h), {}});
}

void Router::add_async(std::string method, std::string path, Admit who, AsyncHandler h) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(who), {}, std::move(h)});
}

void Router::dispatch(const Request& r, const Respond& respond) const {
  bool path_seen = false;
  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != r.path) continue;
    path_seen = true;
    if (route.method != r.method) {
      if (!allow.empty()) allow += ", ";
      allow += route.method;
      continue;
    }
    if (!route.who.admits(r.peer)) {
      Response res = forbidden(r.peer);
      if (refused_) refused_(r, Error{"E_FORBIDDEN_ROLE", "", ""});
      return respond(std::move(res));
    }
    if (route.async) return route.async(r, respond);
    return respond(route.handler(r));
  }
  if (!path_seen)
    return respond(problem(404, Error{"E_NOT_FOUND", "", "この API はありません: " + r.path}));
  Response resp = problem(405, Error{"E_METHOD", "", "この API は " + r.method + " では呼べません"});
  resp.headers.emplace_back("Allow", allow);
  respond(std::move(resp));
}

Response Router::dispatch(const Request& r) const {
  auto answer = std::make_shared<std::promise<Response>>();
  auto once = std::make_shared<std::atomic<bool>>(false);
  std::future<Response> result = answer->get_future();
  dispatch(r, [answer, once](Response res) {
    if (!once->exchange(true)) answer->set_value(std::move(res));
  });
  return result.get();
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.push_back(RouteInfo{r.method, r.path, r.who});
  return out;
}

}  // namespace onshi::http
