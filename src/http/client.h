// A small synchronous HTTPS client with a client certificate and keep-alive: what the
// institution terminal, the tests and the load generator use to talk to `onshi serve`.
//
// One Client is one TLS connection (reconnected transparently when the server closed it);
// it is not thread-safe — use one per thread. The server certificate is verified against the
// given CA file. With `ClientOptions::tls = false` it speaks plain HTTP (for the terminal's
// loopback screen API; `onshi card touch`): no certificates are loaded or sent.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace onshi::http {

struct ClientOptions {
  bool tls = true;                   // false = plain HTTP (certificate fields unused)
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ca_file;               // CA for the server certificate
  std::string cert_file, key_file;   // client certificate ("" = none)
  int timeout_ms = 10000;
  // Sends Accept-Encoding: gzip and answers a gzip-encoded body decompressed, as a browser
  // does (the clinical views come compressed: ≈ 40 KB of JSON in ≈ 3 KB).
  bool accept_gzip = true;
};

// "SCHEME://HOST:PORT" (a trailing '/' allowed, an IPv6 host in brackets) → host and port,
// for the flags that name a server (`--server https://…`, `--terminal http://…`). Errors:
// E_URL with the reason ("scheme is not https", "no port", "port is not a number", "port out
// of range"); callers answer it as a flag error of their own.
Result<std::pair<std::string, uint16_t>> parse_url(std::string_view url, std::string_view scheme);

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string retry_after;  // the Retry-After header of a 429 or 503, or ""
  std::string content_encoding;  // "gzip" when the body came compressed (`body` is its text)
  size_t wire_bytes = 0;         // the body's length as it came
  std::string body;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  // Errors: E_CONNECT, E_TLS (handshake, e.g. a certificate refused; TLS only), E_HTTP (I/O,
  // or a gzip body that does not decompress).
  // `authorization`, when not "", is sent as the Authorization header (the portal's person
  // session: "Bearer <token>").
  Result<ClientResponse> request(const std::string& method, const std::string& target,
                                 const std::string& body = "",
                                 const std::string& content_type = "application/json",
                                 const std::string& authorization = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::http
