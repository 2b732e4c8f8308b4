// The patient's portal (portal.h) as one object: open() checks the certificate and the listen
// address, start() serves the pages of web/portal/ and the JSON API of api.cpp on loopback.
//
// The one decision: the browser never holds the central service's session token. The portal
// keeps it in memory behind a cookie of its own (HttpOnly, SameSite=Strict) and relays each
// page request with it, so a script on the page — even an injected one — cannot carry the
// session anywhere, and a request from another site carries no cookie at all. State-changing
// requests also carry a CSRF token in their JSON body, checked here before anything is sent.
#include "portal/portal.h"


#include <fstream>
#include <sstream>

#include "core/log.h"
#include "http/local.h"
#include "portal/detail.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "web/assets.h"

namespace onshi::portal {

http::Response json_answer(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  web::add_security_headers(r);
  return r;
}

http::Response api_error(int status, const std::string& code, const std::string& field,
                         const std::string& message) {
  http::Response r = http::problem(status, Error{code, field, message});
  r.headers.emplace_back("Cache-Control", "no-store");
  web::add_security_headers(r);
  return r;
}

std::string random_token() { return security::hex(security::random_bytes(32)); }

std::string Portal::Impl::open_session(LocalSession s) {
  std::lock_guard lock(mu);
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(sessions, [&](const auto& kv) { return kv.second.expires <= now; });
  s.expires = now + std::chrono::minutes(options.idle_minutes);
  std::string cookie = random_token();
  sessions[cookie] = std::move(s);
  return cookie;
}

std::optional<LocalSession> Portal::Impl::session_of(const http::Request& req) {
  const std::string cookie = http::cookie_value(req.cookie, kCookie);
  if (cookie.empty()) return std::nullopt;
  std::lock_guard lock(mu);
  auto it = sessions.find(cookie);
  if (it == sessions.end()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (it->second.expires <= now) {
    sessions.erase(it);
    return std::nullopt;
  }
  it->second.expires = now + std::chrono::minutes(options.idle_minutes);
  return it->second;
}

void Portal::Impl::close_session(const http::Request& req) {
  std::lock_guard lock(mu);
  sessions.erase(http::cookie_value(req.cookie, kCookie));
}

std::variant<std::pair<LocalSession, json::object>, http::Response> Portal::Impl::checked(
    const http::Request& req) {
  auto s = session_of(req);
  if (!s)
    return api_error(401, "E_SESSION", "session",
                     "サインインしていないか、時間が経ってサインアウトされました。もう一度サインインしてください。");
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return api_error(400, "E_JSON_SYNTAX", "", "本文はJSONオブジェクトで送ってください");
  const json::value* csrf = v.as_object().if_contains("csrf");
  if (!csrf || !csrf->is_string() || csrf->as_string() != s->csrf)
    return api_error(403, "E_CSRF", "csrf",
                     "画面の確認用トークンが一致しません。ページを開き直してください。");
  return std::make_pair(std::move(*s), std::move(v.as_object()));
}

Result<http::ClientResponse> Portal::Impl::central(const std::string& method,
                                                   const std::string& target,
                                                   const std::string& body,
                                                   const std::string& token) {
  std::unique_ptr<http::Client> c;
  {
    std::lock_guard lock(mu);
    if (!idle.empty()) {
      c = std::move(idle.back());
      idle.pop_back();
    }
  }
  if (!c) c = std::make_unique<http::Client>(options.central);
  auto r = c->request(method, target, body, "application/json",
                      token.empty() ? "" : "Bearer " + token);
  std::lock_guard lock(mu);
  if (idle.size() < 4) idle.push_back(std::move(c));
  return r;
}

http::Router Portal::Impl::router() {
  http::Router r;
  const http::Admit open = http::Admit::anyone();
  web::add_asset_routes(r, "portal", "/", open);  // the pages: web/portal/
  web::add_asset_routes(r, "shared", "/shared/", open);  // clinical tables, charts: web/shared/
  auto add = [&](const char* method, const char* path, auto fn) {
    r.add(method, path, open, [this, fn](const http::Request& q) { return (this->*fn)(q); });
  };
  add("GET", "/api/portal", &Impl::info);
  add("GET", "/api/cards", &Impl::cards);
  add("POST", "/api/sign-in", &Impl::sign_in);
  add("POST", "/api/sign-out", &Impl::sign_out);
  add("GET", "/api/session", &Impl::session);
  add("POST", "/api/me/link", &Impl::link);
  add("POST", "/api/me/withdraw", &Impl::withdraw);
  for (const char* what : {"card", "qualifications", "consents", "accesses", "audit-entries",
                           "expenses", "expenses/statement", "clinical/medication",
                           "clinical/checkups", "clinical/treatments", "clinical/prescriptions"}) {
    const std::string target = std::string("/v1/me/") + what;
    r.add("GET", std::string("/api/me/") + what, open,
          [this, target](const http::Request& q) { return relay_get(q, target); });
  }
  return r;
}

Portal::Portal() : impl_(std::make_unique<Impl>()) {}
Portal::~Portal() { stop(); }

Result<std::unique_ptr<Portal>> Portal::open(PortalOptions options) {
  if (!http::is_loopback_host(options.listen_host))
    return Error{"E_FLAG", "listen",
                 "ポータルは 127.0.0.1・::1・localhost でのみ待ち受けます（" +
                     options.listen_host + " は使えません）"};
  std::ifstream in(options.central.cert_file);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in || pem.str().empty())
    return Error{"E_FILE", "cert.pem", "証明書 " + options.central.cert_file + " を読めません"};
  auto id = security::identity_of_pem(pem.str());
  if (!id) return id.error();
  if (id->role != core::Role::kPortal)
    return Error{"E_CERT_SUBJECT", "cert.pem",
                 "ポータルの証明書ではありません (OU=" + std::string(core::role_name(id->role)) +
                     ")"};
  std::unique_ptr<Portal> p(new Portal());
  Impl& m = *p->impl_;
  m.portal_id = id->id;
  if (options.central_url.empty())
    options.central_url =
        "https://" + options.central.host + ":" + std::to_string(options.central.port);
  m.options = std::move(options);
  http::ServerOptions so;
  so.tls = false;
  so.host = m.options.listen_host == "[::1]" ? "::1" : m.options.listen_host;
  so.port = m.options.listen_port;
  so.threads = 2;
  so.max_body_bytes = 1 << 16;
  m.server = std::make_unique<http::Server>(so, m.router());
  return p;
}

Status Portal::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started) return Status::Fail("E_LISTEN", "", "portal already started");
  if (Status s = impl_->server->start(); !s.ok()) return s;
  impl_->started = true;
  core::log_info("portal.started", {{"host", impl_->options.listen_host},
                                    {"port", std::to_string(impl_->server->port())},
                                    {"portal", impl_->portal_id}});
  return Status::Ok();
}

uint16_t Portal::port() const { return impl_->server->port(); }
void Portal::wait() { impl_->server->wait(); }
void Portal::handle_signals() { impl_->server->handle_signals(); }

void Portal::stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
    impl_->sessions.clear();
  }
  impl_->server->stop();
}

}  // namespace onshi::portal
