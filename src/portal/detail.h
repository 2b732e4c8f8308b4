// Inside the portal module: the process's state (Portal::Impl) shared by portal.cpp (open,
// start, the pages, the local sessions) and api.cpp (the JSON API relayed to the central
// service). Not part of the module's API.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/client.h"
#include "http/server.h"
#include "portal/portal.h"

namespace onshi::portal {

namespace json = boost::json;

// One signed-in person as this portal keeps them: the central service's session token, the
// card file they signed in with, the CSRF token their pages send back.
struct LocalSession {
  std::string central_token;
  std::string card_id;
  std::string label;
  std::string csrf;
  std::chrono::steady_clock::time_point expires;
};

struct Portal::Impl {
  PortalOptions options;
  std::string portal_id;
  std::unique_ptr<http::Server> server;
  std::mutex mu;  // guards sessions and idle clients
  std::map<std::string, LocalSession> sessions;  // cookie value → session
  std::vector<std::unique_ptr<http::Client>> idle;
  bool started = false, stopped = false;

  http::Router router();

  // ---- portal.cpp: local sessions ----
  // A new session; returns the cookie value.
  std::string open_session(LocalSession s);
  // The live session of the request's cookie (its idle clock reset), or nullopt.
  std::optional<LocalSession> session_of(const http::Request& req);
  void close_session(const http::Request& req);
  // The session of a state-changing request: live and carrying its CSRF token in the JSON
  // body; else the refusal to answer (401 E_SESSION, 403 E_CSRF, 400 E_JSON_*).
  std::variant<std::pair<LocalSession, json::object>, http::Response> checked(
      const http::Request& req);
  // One request to the central service (a pooled client; `token` as the Bearer session).
  Result<http::ClientResponse> central(const std::string& method, const std::string& target,
                                       const std::string& body, const std::string& token);

  // ---- api.cpp ----
  http::Response info(const http::Request& req);
  http::Response cards(const http::Request& req);
  http::Response sign_in(const http::Request& req);
  http::Response sign_out(const http::Request& req);
  http::Response session(const http::Request& req);
  http::Response relay_get(const http::Request& req, const std::string& target);
  http::Response link(const http::Request& req);
  http::Response withdraw(const http::Request& req);
};

// The cookie's name.
inline constexpr std::string_view kCookie = "onshi_portal";
// A JSON answer with the security headers of the pages.
http::Response json_answer(int status, std::string body);
// problem+json in the shape the central service answers (code, field, detail).
http::Response api_error(int status, const std::string& code, const std::string& field,
                         const std::string& message);
// 32 random bytes as hex.
std::string random_token();

}  // namespace onshi::portal
