// The synchronous HTTPS client: one TLS connection with a client certificate, kept alive
// across requests and reopened once when the server has closed it in the meantime. With
// ClientOptions::tls false the connection is plain TCP (no TLS context is even configured).
//
// Beast's synchronous calls cannot time out, so each step is an asynchronous operation on
// the client's own private io_context, run until it completes; beast::tcp_stream's
// expiry then bounds every step by `timeout_ms`. The server certificate is verified against
// the given CA and its name (or IP SAN) against the host we dialled.
//
// With TLS 1.3 a server that refuses our certificate does so after the client has already
// finished its side of the handshake: the refusal arrives as an alert (or a reset) while we
// wait for the first response. Such a failure on a fresh connection is reported as E_TLS,
// not E_HTTP, because that is what it almost always means.
#include <limits>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/client.h"

#include "core/gzip.h"

namespace onshi::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

struct Client::Impl {
  ClientOptions options;
  std::optional<Error> config_error;
  ssl::context tls{ssl::context::tls_client};
  net::io_context ioc;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;  // TLS
  std::optional<beast::tcp_stream> plain;                        // plain HTTP
  beast::flat_buffer buffer;

  explicit Impl(ClientOptions o) : options(std::move(o)) { configure(); }

  bool connected() const { return options.tls ? stream.has_value() : plain.has_value(); }
  beast::tcp_stream& tcp_layer() { return options.tls ? beast::get_lowest_layer(*stream) : *plain; }

  void configure() {
    if (!options.tls) return;
    error_code ec;
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    if (!options.ca_file.empty()) {
      tls.load_verify_file(options.ca_file, ec);
      if (ec) return fail("CA file " + options.ca_file + ": " + ec.message());
    } else {
      tls.set_default_verify_paths(ec);
    }
    tls.set_verify_mode(ssl::verify_peer);
    if (!options.cert_file.empty()) {
      tls.use_certificate_chain_file(options.cert_file, ec);
      if (ec) return fail("client certificate " + options.cert_file + ": " + ec.message());
      tls.use_private_key_file(options.key_file, ssl::context::pem, ec);
      if (ec) return fail("client key " + options.key_file + ": " + ec.message());
    }
  }
  void fail(std::string message) { config_error = Error{"E_TLS", "", std::move(message)}; }

  std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(std::max(1, options.timeout_ms)); }

  // Runs one asynchronous operation to completion on the private io_context.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = net::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void disconnect() {
    if (connected()) {
      error_code ec;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
      tcp_layer().close();
      ioc.restart();
      ioc.poll();  // let cancelled operations, if any, complete
    }
    stream.reset();
    plain.reset();
    buffer.clear();
  }

  Status connect() {
    disconnect();
    if (config_error) return Status(*config_error);
    std::string where = options.host + ":" + std::to_string(options.port);
    error_code ec;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    ec = run([&](auto handler) {
      resolver.async_resolve(options.host, std::to_string(options.port),
                             [&endpoints, handler](error_code e, tcp::resolver::results_type r) mutable {
                               endpoints = std::move(r);
                               handler(e);
                             });
    });
    if (ec) return Status::Fail("E_CONNECT", "", "cannot resolve " + options.host + ": " + ec.message());

    if (options.tls) {
      stream.emplace(ioc, tls);
    } else {
      plain.emplace(ioc);
    }
    auto& tcp_layer = this->tcp_layer();
    tcp_layer.expires_after(timeout());
    ec = run([&](auto handler) { tcp_layer.async_connect(endpoints, handler); });
    if (ec) {
      stream.reset();
      plain.reset();
      return Status::Fail("E_CONNECT", "", "cannot connect to " + where + ": " + ec.message());
    }
    error_code ignored;
    tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
    if (!options.tls) return Status::Ok();

    SSL* ssl = stream->native_handle();
    error_code not_ip;
    net::ip::make_address(options.host, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(ssl, options.host.c_str());  // SNI is for names only
    stream->set_verify_callback(ssl::host_name_verification(options.host));

    tcp_layer.expires_after(timeout());
    ec = run([&](auto handler) { stream->async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      std::string msg = ec.message();
      stream.reset();
      return Status::Fail("E_TLS", "", "TLS handshake with " + where + " failed: " + msg);
    }
    return Status::Ok();
  }

  // A gzip body replaced by its text (Accept-Encoding named gzip only); any other coding is an
  // error, as the client asked for none.
  static Status decoded(ClientResponse& out) {
    if (out.content_encoding != "gzip")
      return Status::Fail("E_HTTP", "", "unexpected Content-Encoding: " + out.content_encoding);
    std::string text;
    if (!core::gunzip(out.body, text))
      return Status::Fail("E_HTTP", "", "the answer's gzip body does not decompress");
    out.body = std::move(text);
    return Status::Ok();
  }

  // One request/response on the current connection.
  Result<ClientResponse> exchange(bhttp::request<bhttp::string_body>& req, bool fresh, bool& retry) {
    return options.tls ? exchange_on(*stream, req, fresh, retry) : exchange_on(*plain, req, fresh, retry);
  }

  template <class Stream>
  Result<ClientResponse> exchange_on(Stream& s, bhttp::request<bhttp::string_body>& req, bool fresh, bool& retry) {
    retry = false;
    auto& tcp_layer = this->tcp_layer();
    tcp_layer.expires_after(timeout());
    error_code ec = run([&](auto handler) { bhttp::async_write(s, req, handler); });
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (req.method() == bhttp::verb::head) parser.skip(true);  // a HEAD answer has no body
    if (!ec) {
      tcp_layer.expires_after(timeout());
      ec = run([&](auto handler) { bhttp::async_read(s, buffer, parser, handler); });
    }
    if (ec) {
      disconnect();
      if (ec == beast::error::timeout) return Error{"E_HTTP", "", "timeout waiting for the server"};
      if (!fresh) {
        retry = true;  // a kept-alive connection the server had closed
        return Error{"E_HTTP", "", ec.message()};
      }
      bool tls_like = ec.category() == net::error::get_ssl_category() || ec == ssl::error::stream_truncated ||
                      ec == net::error::connection_reset || ec == net::error::eof ||
                      ec == bhttp::error::end_of_stream || ec == net::error::broken_pipe;
      if (tls_like && options.tls) return Error{"E_TLS", "", "connection refused by the server after the TLS handshake: " + ec.message()};
      return Error{"E_HTTP", "", ec.message()};
    }
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    if (auto it = res.find(bhttp::field::content_type); it != res.end()) out.content_type = std::string(it->value());
    if (auto it = res.find(bhttp::field::retry_after); it != res.end()) out.retry_after = std::string(it->value());
    out.body = std::move(res.body());
    out.wire_bytes = out.body.size();
    if (!res.keep_alive()) disconnect();
    if (auto it = res.find(bhttp::field::content_encoding); it != res.end()) {
      out.content_encoding = std::string(it->value());
      if (Status st = decoded(out); !st.ok()) return st.error();
    }
    return out;
  }
};

Result<std::pair<std::string, uint16_t>> parse_url(std::string_view url, std::string_view scheme) {
  auto bad = [](std::string why) { return Error{"E_URL", "", std::move(why)}; };
  const std::string prefix = std::string(scheme) + "://";
  if (url.substr(0, prefix.size()) != prefix) return bad("scheme is not " + std::string(scheme));
  std::string_view rest = url.substr(prefix.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("no port");
  std::string host(rest.substr(0, colon));
  std::string_view port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
    return bad("port is not a number");
  int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return bad("port out of range");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, static_cast<uint16_t>(p));
}

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Client::~Client() { impl_->disconnect(); }

Result<ClientResponse> Client::request(const std::string& method, const std::string& target, const std::string& body,
                                       const std::string& content_type,
                                       const std::string& authorization) {
  bhttp::request<bhttp::string_body> req;
  req.version(11);
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.set(bhttp::field::host, impl_->options.host + ":" + std::to_string(impl_->options.port));
  req.set(bhttp::field::user_agent, "onshi");
  if (impl_->options.accept_gzip) req.set(bhttp::field::accept_encoding, "gzip");
  if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
  if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch) {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    if (!impl_->connected()) {
      if (Status s = impl_->connect(); !s.ok()) return s;
      fresh = true;
    }
    bool retry = false;
    auto result = impl_->exchange(req, fresh, retry);
    if (result.ok() || !retry) return result;
  }
  return Error{"E_HTTP", "", "the server closed the connection twice"};
}

}  // namespace onshi::http
