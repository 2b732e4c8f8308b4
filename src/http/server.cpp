// The HTTP(S) server: TLS setup, the accept loop, one keep-alive Connection object per socket,
// and the lifecycle (start, stop, wait, signals).
//
// The Connection is a template over its stream: beast::ssl_stream for TLS (the default, with
// the handshake and the peer certificate), plain beast::tcp_stream when ServerOptions::tls is
// false (the terminal's loopback screen server: no handshake, no caller has a role).
//
// Shape: one io_context run by `threads` threads; every accepted socket gets its own strand,
// so a connection's handlers never run concurrently and need no locks, while different
// connections spread over all threads. Handlers are called synchronously on the I/O thread:
// onshi's lookups take microseconds, and a hand-off to a worker pool would cost more than
// the work itself. An asynchronous handler (Router::add_async) answers through a Reply that
// puts the answer back on the connection's strand; until then the connection reads nothing
// (HTTP/1.1 without pipelining: one request at a time), and the I/O thread serves others.
// The identity of the caller is read from the verified client certificate
// once, right after the handshake, and copied into every Request of the connection.
//
// Stopping does not abandon the io_context with stop(): the listener and every live
// connection are closed on their strands so that all pending operations finish with
// "aborted" and the threads run out of work. Only if that takes longer than a grace period
// is the io_context stopped outright. Connections are tracked in a set guarded by a mutex that
// is touched per connection, never per request.
#include "http/server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <array>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/log.h"
#include "http/tls_detail.h"

namespace onshi::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kShutdownTimeout = std::chrono::seconds(5);
constexpr auto kStopGrace = std::chrono::seconds(3);

bool is_http_parse_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category();
}

}  // namespace

// What the server's bookkeeping needs of a connection, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void close() = 0;  // cancels whatever the connection is waiting for
};

// Everything a connection needs from its server. Server::Impl is private to Server, so the
// state lives in this namespace-level type that Connection can name.
struct ServerState {
  // Declaration order matters for destruction: handlers left in the io_context (only after a
  // forced stop) are destroyed with it and touch `connections`, and I/O objects must go first.
  ServerOptions options;
  Router router;
  Metrics metrics;

  std::mutex connections_mu;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> connections;
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> tls_failures{0};
  // Refused handshakes by code (detail::kHandshakeRefusalCodes, same order).
  std::array<std::atomic<uint64_t>, std::size(detail::kHandshakeRefusalCodes)> tls_refusals{};
  detail::Revocations revocations;
  PeerLimiter limiter;  // connections and rate per certificate (options.limits)
  std::function<Status()> health;  // set before start(); empty = always healthy

  std::mutex state_mu;
  std::condition_variable state_cv;
  bool started = false;
  bool stopping = false;
  bool stopped = false;
  bool signalled = false;
  int running_threads = 0;

  ssl::context tls{ssl::context::tls_server};
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::signal_set> signals;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;

  void count_refusal(std::string_view code);
  void do_accept();
  bool register_connection(const std::shared_ptr<ConnectionBase>& s);
  void unregister_connection(ConnectionBase* s);
};

struct Server::Impl : ServerState {};

template <bool kTls>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  using std::enable_shared_from_this<Connection<kTls>>::shared_from_this;

 public:
  Connection(tcp::socket&& socket, ServerState& server)
    requires kTls
      : server_(server), stream_(std::move(socket), server.tls) {}
  Connection(tcp::socket&& socket, ServerState& server)
    requires(!kTls)
      : server_(server), stream_(std::move(socket)) {}

  ~Connection() override {
    if (peer_counted_) server_.limiter.close(peer_key_);
    server_.unregister_connection(this);
  }

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Connection::on_run, shared_from_this()));
  }

  // Called by Server::stop(): cancels whatever the connection is waiting for.
  void close() override {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->closed_ = true;
      error_code ec;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  void on_run() {
    if (closed_) return;
    if constexpr (kTls) {
      // The peer's address is taken now: after a failed or timed-out handshake the socket
      // may already be closed, and the log would show 0.0.0.0.
      error_code ignored;
      remote_ =
          beast::get_lowest_layer(stream_).socket().remote_endpoint(ignored).address().to_string();
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(server_.options.limits.handshake_timeout_s));
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Connection::on_handshake, shared_from_this()));
    } else {
      peer_counted_ = true;  // plain HTTP: no handshake, no certificate, no peer role, no limit
      do_read();
    }
  }

  void on_handshake(error_code ec) {
    if (ec) {
      if (!closed_ && ec != net::error::operation_aborted) {
        std::string_view code = "E_TLS_TIMEOUT";
        if constexpr (kTls)
          if (ec != beast::error::timeout)
            code = detail::handshake_refusal_code(stream_.native_handle(), ec);
        // Logged before it is counted: whoever sees the counter move also finds the line.
        core::log_warn("http.tls_handshake_failed",
                       {{"remote", remote_}, {"code", std::string(code)}, {"error", ec.message()}});
        server_.count_refusal(code);
      }
      return;
    }
    if constexpr (kTls) peer_ = detail::peer_from_ssl(stream_.native_handle());
    if (peer_.role) peer_key_ = peer_.role_text() + ":" + peer_.id;
    peer_counted_ = server_.limiter.open(peer_key_);  // if not, the request gets a 503
    do_read();
  }

  void do_read() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(server_.options.limits.max_header_bytes);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(server_.options.limits.idle_timeout_s));
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::on_read, shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream) return do_shutdown();
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        started_ = std::chrono::steady_clock::now();
        return send(problem(413, Error{"E_BODY_TOO_LARGE", "",
                                       "要求の本文が大きすぎます（" + std::to_string(server_.options.max_body_bytes) +
                                           " バイトまで）"}),
                    "unparsed", false);
      }
      if (ec == bhttp::error::header_limit) {
        started_ = std::chrono::steady_clock::now();
        return send(problem(431, Error{"E_HEADER_TOO_LARGE", "", "要求のヘッダーが大きすぎます"}), "unparsed", false);
      }
      if (is_http_parse_error(ec) && ec != bhttp::error::partial_message) {
        started_ = std::chrono::steady_clock::now();
        return send(problem(400, Error{"E_BAD_HTTP", "", "HTTP の要求として読めません: " + ec.message()}), "unparsed",
                    false);
      }
      return;  // the peer went away, a timeout, or stop(): nothing to answer
    }
    started_ = std::chrono::steady_clock::now();
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    if (auto it = msg.find(bhttp::field::content_type); it != msg.end()) req.content_type = std::string(it->value());
    if (auto it = msg.find(bhttp::field::if_none_match); it != msg.end())
      req.if_none_match = std::string(it->value());
    if (auto it = msg.find(bhttp::field::cookie); it != msg.end())
      req.cookie = std::string(it->value());
    if (auto it = msg.find(bhttp::field::authorization); it != msg.end())
      req.authorization = std::string(it->value());
    if (auto it = msg.find(bhttp::field::accept_encoding); it != msg.end())
      req.accept_encoding = std::string(it->value());
    req.body = std::move(msg.body());
    req.peer = peer_;
    bool keep_alive = msg.keep_alive();

    Response resp;
    int wait = 0;
    if (!peer_counted_) {
      resp = problem(503, Error{"E_TOO_MANY_CONNECTIONS", "", "この証明書の同時接続数が上限に達しています"});
      keep_alive = false;
    } else if (req.path != "/healthz" && req.path != "/metrics" && (wait = server_.limiter.take(peer_key_)) > 0) {
      resp = problem(429, Error{"E_RATE_LIMITED", "",
                                "要求が多すぎます。" + std::to_string(wait) + " 秒後に送り直してください"});
      resp.headers.emplace_back("Retry-After", std::to_string(wait));
    } else {
      path_ = req.path;
      return dispatch(req, keep_alive);
    }
    std::string route = resp.status == 404 ? "unmatched" : req.path;
    send(std::move(resp), std::move(route), keep_alive);
  }

  // The one answer to the request being handled, from whichever thread gives it: it goes on
  // the connection's strand (inline when given there). Dropped unanswered, it answers 500.
  struct Reply {
    Reply(std::shared_ptr<Connection> c, bool ka) : self(std::move(c)), keep_alive(ka) {}
    std::shared_ptr<Connection> self;
    bool keep_alive;
    std::atomic<bool> sent{false};
    void answer(Response r) {
      if (sent.exchange(true)) return;
      net::dispatch(self->stream_.get_executor(), [c = self, r = std::move(r), ka = keep_alive]() mutable {
        std::string route = r.status == 404 ? "unmatched" : c->path_;
        c->send(std::move(r), std::move(route), ka);
      });
    }
    ~Reply() {
      if (!sent.load()) answer(problem(500, Error{"E_INTERNAL", "", "内部エラーが発生しました"}));
    }
  };

  // The route's answer, now or later (Router::add_async); a handler that throws is a 500.
  void dispatch(const Request& req, bool keep_alive) {
    auto reply = std::make_shared<Reply>(shared_from_this(), keep_alive);
    Respond respond = [reply](Response r) { reply->answer(std::move(r)); };
    try {
      server_.router.dispatch(req, respond);
    } catch (const std::exception& e) {
      core::log_error("http.handler_exception", {{"method", req.method}, {"path", req.path}, {"what", e.what()}});
      respond(problem(500, Error{"E_INTERNAL", "", "内部エラーが発生しました"}));
    } catch (...) {
      core::log_error("http.handler_exception", {{"method", req.method}, {"path", req.path}, {"what", "unknown"}});
      respond(problem(500, Error{"E_INTERNAL", "", "内部エラーが発生しました"}));
    }
  }

  void send(Response resp, std::string route, bool keep_alive) {
    route_ = std::move(route);
    status_ = resp.status;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(resp.status));
    if (!resp.content_type.empty()) res_.set(bhttp::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers) res_.set(name, value);
    res_.body() = std::move(resp.body);
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    keep_alive_ = keep_alive;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(server_.options.limits.idle_timeout_s));
    bhttp::async_write(stream_, res_, beast::bind_front_handler(&Connection::on_write, shared_from_this()));
  }

  void on_write(error_code ec, size_t) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    server_.metrics.observe(route_, status_, seconds);
    if (ec) return;
    res_ = {};
    if (!keep_alive_) return do_shutdown();
    do_read();
  }

  void do_shutdown() {
    if (closed_) return;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
      stream_.async_shutdown([self = shared_from_this()](error_code) {
        error_code ec;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
      });
    } else {
      error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  ServerState& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  Peer peer_;
  std::string peer_key_;       // role:id of the certificate, "" without one
  bool peer_counted_ = false;  // counted in server_.limiter
  std::string route_;
  std::string path_;  // the path of the request being handled (for the metrics' route label)
  int status_ = 0;
  bool keep_alive_ = true;
  bool closed_ = false;
  std::string remote_;  // the peer's address, for the handshake failure log
  std::chrono::steady_clock::time_point started_;
};

void ServerState::count_refusal(std::string_view code) {
  tls_failures.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < tls_refusals.size(); ++i)
    if (detail::kHandshakeRefusalCodes[i] == code) tls_refusals[i].fetch_add(1, std::memory_order_relaxed);
}

void ServerState::do_accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      std::string why = ec.message();
      core::log_error("http.accept_failed", {{"error", why}});
      // Out of descriptors and similar: keep accepting; the error is transient or logged.
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (options.tls) {
        auto connection = std::make_shared<Connection<true>>(std::move(socket), *this);
        if (register_connection(connection)) connection->run();
      } else {
        auto connection = std::make_shared<Connection<false>>(std::move(socket), *this);
        if (register_connection(connection)) connection->run();
      }
    }
    if (acceptor->is_open()) do_accept();
  });
}

bool ServerState::register_connection(const std::shared_ptr<ConnectionBase>& s) {
  std::lock_guard lock(connections_mu);
  {
    std::lock_guard state(state_mu);
    if (stopping) return false;
  }
  if (options.limits.max_connections > 0 &&
      open_connections.load(std::memory_order_relaxed) >= options.limits.max_connections) {
    core::log_warn("http.too_many_connections", {{"limit", std::to_string(options.limits.max_connections)}});
    return false;  // the socket closes with the connection object
  }
  connections.emplace(s.get(), s);
  open_connections.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void ServerState::unregister_connection(ConnectionBase* s) {
  std::lock_guard lock(connections_mu);
  if (connections.erase(s) != 0) open_connections.fetch_sub(1, std::memory_order_relaxed);
}

Server::Server(ServerOptions options, Router router) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->router = std::move(router);
  impl_->limiter.configure(impl_->options.limits);
  Impl* impl = impl_.get();
  impl_->router.add("GET", "/healthz", Admit::anyone(), [impl](const Request&) {
    Response r;
    Status st = impl->health ? impl->health() : Status::Ok();
    if (st.ok()) {
      r.body = R"({"status":"ok"})";
      return r;
    }
    boost::json::object o{
        {"status", "unhealthy"}, {"code", st.error().code}, {"reason", st.error().message}};
    if (!st.error().field.empty()) o["field"] = st.error().field;
    r.status = 503;
    r.body = boost::json::serialize(o);
    return r;
  });
  impl_->router.add("GET", "/metrics", Admit::anyone(), [impl](const Request&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = impl->metrics.render();
    return r;
  });
  impl_->metrics.set_gauge("onshi_http_open_connections",
                           [impl] { return static_cast<double>(impl->open_connections.load()); });
  impl_->metrics.set_gauge("onshi_http_tls_handshake_failures_total",
                           [impl] { return static_cast<double>(impl->tls_failures.load()); });
  for (size_t i = 0; i < impl->tls_refusals.size(); ++i)
    impl_->metrics.set_gauge(
        "onshi_http_tls_refused_total{code=\"" + std::string(detail::kHandshakeRefusalCodes[i]) + "\"}",
        [impl, i] { return static_cast<double>(impl->tls_refusals[i].load()); });
}

Server::~Server() { stop(); }
std::vector<RouteInfo> Server::routes() const { return impl_->router.routes(); }

Status Server::start() {
  {
    std::lock_guard lock(impl_->state_mu);
    if (impl_->started) return Status::Fail("E_LISTEN", "", "server already started");
  }
  Status tls_ok =
      impl_->options.tls ? detail::configure_tls(impl_->tls, impl_->options, impl_->revocations) : Status::Ok();
  if (Status s = std::move(tls_ok); !s.ok()) {
    core::log_error("http.tls_config_failed", {{"error", s.error().message}});
    return s;
  }

  error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto endpoints = resolver.resolve(impl_->options.host, std::to_string(impl_->options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Status::Fail("E_LISTEN", "", "cannot resolve " + impl_->options.host + ": " + ec.message());
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  // The acceptor gets a strand of its own: its handler and stop()'s close never overlap.
  auto& acc = impl_->acceptor.emplace(net::make_strand(impl_->ioc));
  auto fail = [&](std::string_view what) {
    std::string msg = std::string(what) + " " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                      ": " + ec.message();
    core::log_error("http.listen_failed", {{"error", msg}});
    impl_->acceptor.reset();
    return Status::Fail("E_LISTEN", "", msg);
  };
  acc.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acc.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt");
  acc.bind(endpoint, ec);
  if (ec) return fail("bind");
  acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl_->bound_port = acc.local_endpoint(ec).port();

  impl_->do_accept();
  int n = std::max(1, impl_->options.threads);
  {
    std::lock_guard lock(impl_->state_mu);
    impl_->started = true;
    impl_->running_threads = n;
  }
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] {
      for (;;) {
        try {
          impl->ioc.run();
          break;
        } catch (const std::exception& e) {
          // Handlers catch their own errors; this is a last line of defence, not a path.
          core::log_error("http.io_thread_exception", {{"what", e.what()}});
        }
      }
      std::lock_guard lock(impl->state_mu);
      --impl->running_threads;
      impl->state_cv.notify_all();
    });
  }
  std::string port = std::to_string(impl_->bound_port), nthreads = std::to_string(n);
  core::log_info("http.listening", {{"host", impl_->options.host}, {"port", port}, {"threads", nthreads},
                                    {"tls", impl_->options.tls ? "true" : "false"},
                                    {"client_cert_required",
                                     impl_->options.tls && impl_->options.require_client_cert ? "true" : "false"}});
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->bound_port; }

void Server::stop() {
  {
    std::lock_guard lock(impl_->state_mu);
    if (!impl_->started || impl_->stopping) return;
    impl_->stopping = true;
  }
  // Close the listener on its strand (an acceptor is not thread-safe).
  net::post(impl_->acceptor->get_executor(), [impl = impl_.get()] {
    error_code ec;
    impl->acceptor->close(ec);
  });
  if (impl_->signals) {
    net::post(impl_->signals->get_executor(), [impl = impl_.get()] {
      error_code ec;
      impl->signals->cancel(ec);
    });
  }
  std::vector<std::shared_ptr<ConnectionBase>> live;
  {
    std::lock_guard lock(impl_->connections_mu);
    for (auto& [_, weak] : impl_->connections)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->close();
  live.clear();

  {
    std::unique_lock lock(impl_->state_mu);
    if (!impl_->state_cv.wait_for(lock, kStopGrace, [&] { return impl_->running_threads == 0; })) {
      lock.unlock();
      impl_->ioc.stop();
    }
  }
  for (auto& t : impl_->threads) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // stop() from a handler: the thread ends when its handler returns
    } else if (t.joinable()) {
      t.join();
    }
  }
  impl_->threads.clear();
  {
    std::lock_guard lock(impl_->state_mu);
    impl_->stopped = true;
  }
  impl_->state_cv.notify_all();
  std::string port = std::to_string(impl_->bound_port);
  core::log_info("http.stopped", {{"port", port}});
}

void Server::wait() {
  std::unique_lock lock(impl_->state_mu);
  impl_->state_cv.wait(lock, [&] { return impl_->stopped || impl_->stopping || impl_->signalled; });
}

void Server::handle_signals() {
  if (impl_->signals) return;
  impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
  impl_->signals->async_wait([impl = impl_.get()](error_code ec, int signo) {
    if (ec) return;
    core::log_info("http.signal", {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
    std::lock_guard lock(impl->state_mu);
    impl->signalled = true;
    impl->state_cv.notify_all();
  });
}

Metrics& Server::metrics() { return impl_->metrics; }
void Server::set_health(std::function<Status()> check) {
  impl_->health = std::move(check);
}

}  // namespace onshi::http
