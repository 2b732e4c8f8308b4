// The HTTPS front door of `onshi serve`: Boost.Beast over OpenSSL with client certificates
// (mTLS), a small router, `/healthz` and `/metrics`. With `ServerOptions::tls = false` the same
// server speaks plain HTTP (the institution terminal's screen API on loopback): no
// certificates at all, and every request's Peer has no role — so only routes that admit
// anyone answer.
//
// The server verifies every client certificate against onshi's CA (R-INST-1) and hands the
// handler the identity in the certificate subject (OU = role, CN = id; see core/role.h),
// so handlers never parse certificates. Handlers are plain synchronous functions run on the
// server's I/O threads (lookups take microseconds); they must be thread-safe. A handler that
// must wait for something else (an audit entry's group commit) is added with
// Router::add_async instead: it returns at once and answers later through its Respond, from
// any thread, so the I/O thread serves other connections meanwhile. Connections
// are keep-alive HTTP/1.1. Only this module and http/client include Beast/Asio, to keep
// build times down. Logs are JSON lines; no request body is ever logged.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/role.h"
#include "core/status.h"
#include "http/limits.h"

namespace onshi::http {

// Who is calling: from the verified client certificate (OU → role, CN → id).
struct Peer {
  // nullopt when there is no certificate, or when its OU names no role (core/role.h).
  std::optional<core::Role> role;
  std::string id;  // institution code / insurer number ("" without a certificate)
  // The role's name ("institution", …), or "" when there is none.
  std::string role_text() const { return role ? std::string(core::role_name(*role)) : ""; }
};

struct Request {
  std::string method;  // "GET", "POST"
  std::string target;  // "/v1/members?insurerNumber=…"
  std::string path;    // "/v1/members"
  std::string query;   // "insurerNumber=…" (undecoded)
  std::string content_type;
  std::string if_none_match;  // the If-None-Match header (entity tags for a 304), or ""
  std::string cookie;         // the Cookie header, or ""
  std::string authorization;  // the Authorization header, or "" (the portal's person session)
  std::string accept_encoding;  // the Accept-Encoding header, or ""
  std::string body;
  Peer peer;
  // Decoded value of a query parameter, or "" when absent.
  std::string query_param(std::string_view name) const;
  // Whether Accept-Encoding admits gzip (RFC 9110 §12.5.3: "gzip", "x-gzip" or "*", not with
  // q=0); the routes that answer large bodies then send them with Content-Encoding: gzip.
  bool accepts_gzip() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// RFC 9457 problem+json: {"type":"about:blank","title":…,"status":…,"code":…,"field":…,"detail":…}
Response problem(int status, const Error& error);

using Handler = std::function<Response(const Request&)>;
// How an asynchronous handler answers: call it once, from any thread (later calls are
// ignored). A handler that throws, or drops its Respond without calling it, answers 500.
using Respond = std::function<void(Response)>;
// Runs on the I/O thread like a Handler; the Request lives only until it returns (copy what
// the answer needs).
using AsyncHandler = std::function<void(const Request&, Respond)>;

// Who may call a route: the listed certificate roles (`{Role::kInsurer}`), or anyone, with
// or without a certificate (`Admit::anyone()`, e.g. /healthz). An empty list admits nobody,
// so a forgotten role list fails closed.
class Admit {
 public:
  Admit(std::initializer_list<core::Role> roles) : roles_(roles) {}  // NOLINT: a role list
  static Admit anyone() {
    Admit a{};
    a.anyone_ = true;
    return a;
  }
  bool admits(const Peer& peer) const;
  bool admits_anyone() const { return anyone_; }
  const std::vector<core::Role>& roles() const { return roles_; }  // empty when admits_anyone()

 private:
  bool anyone_ = false;
  std::vector<core::Role> roles_;
};

// A route as the router holds it, without its handler (Router::routes).
struct RouteInfo {
  std::string method, path;
  Admit who;
};

// What the router does with a caller it refuses at a route (wrong role): e.g. the service
// writes an audit entry. Called before the 403 is sent; must be thread-safe.
using RefusalHook = std::function<void(const Request&, const Error&)>;

class Router {
 public:
  // Exact path match. Callers `who` does not admit get 403 problem+json E_FORBIDDEN_ROLE.
  void add(std::string method, std::string path, Admit who, Handler h);
  // The same for a handler that answers later through its Respond.
  void add_async(std::string method, std::string path, Admit who, AsyncHandler h);
  // 404 E_NOT_FOUND / 405 E_METHOD when nothing matches. `respond` is called once: at once
  // for a plain handler, whenever an asynchronous one answers.
  void dispatch(const Request& r, const Respond& respond) const;
  // The same, waiting for the answer (tests and plain routes).
  Response dispatch(const Request& r) const;
  // Every route in the order added: what the service serves and who may call each.
  std::vector<RouteInfo> routes() const;
  void on_refused(RefusalHook hook) { refused_ = std::move(hook); }

 private:
  RefusalHook refused_;
  struct Route {
    std::string method, path;
    Admit who;
    Handler handler;
    AsyncHandler async;  // set instead of handler by add_async
  };
  std::vector<Route> routes_;
};

struct ServerOptions {
  bool tls = true;    // false = plain HTTP: cert/key/CA unused, Peer.role always nullopt
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = an ephemeral port (see Server::port())
  int threads = 2;
  std::string cert_file, key_file;  // server certificate and key (PEM)
  std::string ca_file;              // CA that client certificates must chain to
  // Serial numbers of revoked client certificates (hex, one a line; `onshi ca revoke` writes
  // DIR/ca/revoked), or "" for none. Checked in every handshake and read again whenever the
  // file changes, so a revocation counts without a restart (E_TLS_CERT_REVOKED).
  std::string revocation_file;
  bool require_client_cert = true;
  size_t max_body_bytes = 64 * 1024 * 1024;  // over it 413 E_BODY_TOO_LARGE
  Limits limits;  // header size, timeouts, connections, rate (http/limits.h)
};

// Request counters and a latency histogram, exposed at /metrics (Prometheus text format).
class Metrics {
 public:
  void observe(std::string_view route, int status, double seconds);
  std::string render() const;
  // Extra gauges/counters other modules publish (e.g. "onshi_audit_committed_total").
  void set_gauge(std::string name, std::function<double()> read);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_ = make_impl();
  static std::shared_ptr<Impl> make_impl();
};

class Server {
 public:
  // Adds GET /healthz ({"status":"ok"} unless set_health says otherwise; no certificate role
  // check) and GET /metrics.
  Server(ServerOptions options, Router router);
  ~Server();
  // Binds and starts the I/O threads. Errors: E_LISTEN, E_TLS_CONFIG.
  Status start();
  uint16_t port() const;  // the bound port, after start()
  void stop();            // closes the listener and connections, joins threads
  void wait();            // blocks until stop() (or SIGINT/SIGTERM when handle_signals)
  void handle_signals();  // make wait() return on SIGINT/SIGTERM
  Metrics& metrics();
  // Every route the server answers, /healthz and /metrics included (Router::routes).
  std::vector<RouteInfo> routes() const;
  // What /healthz asks (call before start()): Ok → 200 {"status":"ok"}; an error → 503
  // {"status":"unhealthy","code":…,"field":…,"reason":…}. Must be thread-safe and quick.
  void set_health(std::function<Status()> check);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::http
