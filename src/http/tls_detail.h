// Private to http/: who the TLS layer refuses and why. The revocation list the server checks
// in every handshake (ServerOptions::revocation_file, read again whenever the file changes, so
// a revocation counts without a restart) and the stable code of a refused handshake, for the
// log line and the /metrics counter.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "http/server.h"

namespace onshi::http::detail {

// The serial numbers of revoked client certificates, from a text file: one serial in hex per
// line (the first word; case and leading zeros do not matter), '#' starts a comment. A
// missing file revokes nothing; a file that cannot be read keeps the last list read.
class Revocations {
 public:
  void set_file(std::filesystem::path file) { file_ = std::move(file); }
  // Whether the certificate's serial is on the list (reads the file again if it changed).
  bool revoked(X509* cert);

 private:
  std::filesystem::path file_;
  std::mutex mu_;
  std::filesystem::file_time_type mtime_{};
  uintmax_t size_ = 0;
  bool loaded_ = false;
  std::set<std::string> serials_;
  void reload_locked();
};

// A serial number as the list writes it: upper-case hex without leading zeros ("0" for 0).
std::string serial_hex(X509* cert);
std::string normalize_serial(std::string_view hex);

// Role and id from a peer certificate that OpenSSL verified; an empty Peer otherwise.
Peer peer_from_ssl(SSL* ssl);

// The stable code of a failed server handshake: E_TLS_NO_CERT (no client certificate),
// E_TLS_CERT_UNTRUSTED (not of onshi's CA), E_TLS_CERT_EXPIRED, E_TLS_CERT_NOT_YET_VALID,
// E_TLS_CERT_REVOKED, E_TLS_VERSION (TLS 1.1 or older), E_TLS_CIPHER (no suite in common),
// E_TLS_TIMEOUT, else E_TLS_HANDSHAKE (not TLS, a broken connection).
std::string_view handshake_refusal_code(SSL* ssl, const boost::system::error_code& ec);
// Every code handshake_refusal_code can return (the /metrics counters, one per code).
inline constexpr std::string_view kHandshakeRefusalCodes[] = {
    "E_TLS_NO_CERT",   "E_TLS_CERT_UNTRUSTED", "E_TLS_CERT_EXPIRED", "E_TLS_CERT_NOT_YET_VALID",
    "E_TLS_CERT_REVOKED", "E_TLS_VERSION",     "E_TLS_CIPHER",       "E_TLS_TIMEOUT",
    "E_TLS_HANDSHAKE"};

// The server's TLS context from `options`: TLS 1.2 or newer with forward-secret AEAD suites,
// its certificate and key, the CA client certificates must chain to, the revocation check.
// Errors: E_TLS_CONFIG.
Status configure_tls(boost::asio::ssl::context& tls, const ServerOptions& options,
                     Revocations& revocations);

}  // namespace onshi::http::detail
