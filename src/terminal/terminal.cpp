// The institution terminal (terminal.h) as one object: open() checks the options and takes
// the OQS folder, start() binds the screen server and runs the folder bridge on its own
// thread, stop() ends both. The screen's routes live by purpose in card_routes.cpp,
// numbers.cpp and records.cpp, their answers in api.cpp (detail.h lists them); the JSON API
// is documented in docs/terminal.md.
#include "terminal/terminal.h"

#include "core/log.h"
#include "http/local.h"
#include "security/ca.h"
#include "terminal/detail.h"
#include "web/assets.h"

namespace onshi::terminal {

namespace fs = std::filesystem;

Result<http::ClientResponse> ClientPool::request(const std::string& method,
                                                 const std::string& target, const std::string& body,
                                                 const std::string& content_type) {
  std::unique_ptr<http::Client> c;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!c) c = std::make_unique<http::Client>(options_);
  auto r = c->request(method, target, body, content_type);
  std::lock_guard lock(mu_);
  if (idle_.size() < 4) idle_.push_back(std::move(c));
  last_code_ = r ? "" : r.error().code;  // any HTTP answer: reached, certificate accepted
  return r;
}

std::optional<std::string> ClientPool::last_code() {
  std::lock_guard lock(mu_);
  return last_code_;
}

http::Router Terminal::Impl::router() {
  http::Router r;
  const http::Admit open = http::Admit::anyone();
  web::add_asset_routes(r, "terminal", "/", open);  // the reception screen: web/terminal/
  web::add_asset_routes(r, "shared", "/shared/", open);  // clinical tables, charts: web/shared/
  r.add("GET", "/api/terminal", open, [this](const http::Request& q) { return info(q); });
  r.add("GET", "/api/cards", open, [this](const http::Request& q) { return cards(q); });
  r.add("POST", "/api/card-confirmations", open,
        [this](const http::Request& q) { return card_confirmation(q); });
  r.add("POST", "/api/reader/challenge", open,
        [this](const http::Request& q) { return reader_challenge(q); });
  r.add("POST", "/api/reader/present", open,
        [this](const http::Request& q) { return reader_present(q); });
  r.add("POST", "/api/card-links", open, [this](const http::Request& q) { return card_link(q); });
  r.add("POST", "/api/reader/link", open,
        [this](const http::Request& q) { return reader_link(q); });
  r.add("POST", "/api/number-confirmations", open,
        [this](const http::Request& q) { return number_confirmation(q); });
  r.add("GET", "/api/history", open, [this](const http::Request& q) { return history_list(q); });
  r.add("GET", "/api/history-entry", open,
        [this](const http::Request& q) { return history_entry(q); });
  r.add("POST", "/api/resend", open, [this](const http::Request& q) { return resend(q); });
  for (const char* kind : {"medication", "checkups", "treatments", "prescriptions"})
    r.add("GET", std::string("/api/clinical/views/") + kind + "/pdf", open,
          [this, kind](const http::Request& q) { return clinical_print(q, kind); });
  r.add("POST", "/api/sign-in", open, [this](const http::Request& q) { return sign_in(q); });
  r.add("POST", "/api/sign-out", open, [this](const http::Request& q) { return sign_out(q); });
  r.add("GET", "/api/session", open, [this](const http::Request& q) { return session(q); });
  r.add("GET", "/api/clinical/consent-status", open,
        [this](const http::Request& q) { return clinical_consent_status(q); });
  for (const char* kind : {"medication", "checkups", "treatments", "prescriptions"})
    r.add("GET", std::string("/api/clinical/views/") + kind, open,
          [this, kind](const http::Request& q) { return clinical_view(q, kind); });
  return r;
}

Terminal::Terminal() : impl_(std::make_unique<Impl>()) {}
Terminal::~Terminal() {
  stop();
}

Result<std::unique_ptr<Terminal>> Terminal::open(TerminalOptions options) {
  if (!http::is_loopback_host(options.listen_host))
    return Error{"E_FLAG", "listen",
                 "受付画面は 127.0.0.1・::1・localhost でのみ待ち受けます（" + options.listen_host +
                     " は使えません）: the screen shows patients' coverage without a sign-in"};
  std::unique_ptr<Terminal> t(new Terminal());
  Impl& m = *t->impl_;
  m.institution_code = options.institution_code;
  if (m.institution_code.empty()) {
    std::string pem;
    if (!read_file(options.bridge.client.cert_file, pem) || pem.empty())
      return Error{"E_FILE", "cert.pem",
                   "証明書 " + options.bridge.client.cert_file + " を読めません"};
    auto id = security::identity_of_pem(pem);
    if (!id) return id.error();
    if (id->role != security::Role::kInstitution)
      return Error{
          "E_CERT_SUBJECT", "cert.pem",
          "医療機関の証明書ではありません (OU=" + std::string(security::role_name(id->role)) + ")"};
    m.institution_code = id->id;
  }
  m.central_url = options.central_url.empty() ? "https://" + options.bridge.client.host + ":" +
                                                    std::to_string(options.bridge.client.port)
                                              : options.central_url;
  std::error_code ec;
  fs::create_directories(options.bridge.folder, ec);
  auto lock = core::DirLock::acquire(options.bridge.folder, "terminal", "folder", "onshi terminal");
  if (!lock) return lock.error();
  m.folder_lock = std::move(*lock);
  auto bridge = Bridge::open(options.bridge);
  if (!bridge) return bridge.error();
  m.bridge = std::move(*bridge);
  auto history = History::open(options.bridge.folder / "history");
  if (!history) return history.error();
  m.history = std::move(*history);
  m.central = std::make_unique<ClientPool>(options.bridge.client);
  m.options = std::move(options);
  http::ServerOptions so;
  so.tls = false;
  so.host = m.options.listen_host == "[::1]" ? "::1" : m.options.listen_host;
  so.port = m.options.listen_port;
  so.threads = 2;
  so.max_body_bytes = 1 << 20;
  m.server = std::make_unique<http::Server>(so, m.router());
  return t;
}

Status Terminal::start() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->started) return Status::Fail("E_LISTEN", "", "terminal already started");
  if (Status s = impl_->server->start(); !s.ok()) return s;
  impl_->started = true;
  Impl* m = impl_.get();
  impl_->bridge_thread = std::thread([m] { m->bridge->run(m->bridge_stop); });
  impl_->central_check_thread = std::thread([m] { m->check_central(); });
  std::string port = std::to_string(impl_->server->port());
  core::log_info("terminal.screen", {{"host", impl_->options.listen_host},
                                     {"port", port},
                                     {"institution", impl_->institution_code}});
  return Status::Ok();
}

uint16_t Terminal::port() const {
  return impl_->server->port();
}

void Terminal::wait() {
  impl_->server->wait();
}

void Terminal::handle_signals() {
  impl_->server->handle_signals();
}

void Terminal::stop() {
  if (!impl_) return;
  std::lock_guard lock(impl_->stop_mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->bridge_stop.store(true);
  if (impl_->bridge_thread.joinable()) impl_->bridge_thread.join();
  if (impl_->central_check_thread.joinable()) impl_->central_check_thread.join();
  impl_->server->stop();
}

const std::string& Terminal::institution_code() const {
  return impl_->institution_code;
}

}  // namespace onshi::terminal
