// Who the TLS layer refuses and why (http/tls_detail.h): the revocation list read again when
// its file changes, the stable code of a refused handshake from OpenSSL's verify result and
// error reason, who a verified certificate names (role and id), and the server's TLS context
// (protocol versions, suites, certificates, client verification).
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <cctype>
#include <fstream>

#include "http/tls_detail.h"

namespace onshi::http::detail {

namespace {

// The UTF-8 text of the first subject entry with this NID, or "".
std::string subject_entry(X509_NAME* name, int nid) {
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

// Role and id from a peer certificate that OpenSSL verified; an empty Peer otherwise.
Peer peer_from_ssl(SSL* ssl) {
  Peer peer;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return peer;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    X509_NAME* subject = X509_get_subject_name(cert);
    peer.role = core::parse_role(subject_entry(subject, NID_organizationalUnitName));
    peer.id = subject_entry(subject, NID_commonName);
  }
  X509_free(cert);
  return peer;
}


std::string normalize_serial(std::string_view hex) {
  std::string out;
  for (char c : hex) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  size_t nz = out.find_first_not_of('0');
  return nz == std::string::npos ? "0" : out.substr(nz);
}

std::string serial_hex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? normalize_serial(hex) : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

void Revocations::reload_locked() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file_, ec);
  if (ec) {  // no list (yet): nothing is revoked
    serials_.clear();
    loaded_ = false;
    return;
  }
  auto size = std::filesystem::file_size(file_, ec);
  if (loaded_ && mtime == mtime_ && size == size_) return;
  std::ifstream in(file_);
  if (!in) return;  // keep the last list
  std::set<std::string> serials;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    size_t e = line.find_first_of(" \t\r", b);
    serials.insert(normalize_serial(line.substr(b, e == std::string::npos ? e : e - b)));
  }
  serials_ = std::move(serials);
  mtime_ = mtime;
  size_ = size;
  loaded_ = true;
}

bool Revocations::revoked(X509* cert) {
  if (file_.empty() || cert == nullptr) return false;
  std::string serial = serial_hex(cert);
  std::lock_guard lock(mu_);
  reload_locked();
  return serials_.count(serial) != 0;
}

std::string_view handshake_refusal_code(SSL* ssl, const boost::system::error_code& ec) {
  if (ec == boost::asio::error::operation_aborted || ec == boost::asio::error::timed_out)
    return "E_TLS_TIMEOUT";
  switch (SSL_get_verify_result(ssl)) {
    case X509_V_OK: break;
    case X509_V_ERR_CERT_HAS_EXPIRED: return "E_TLS_CERT_EXPIRED";
    case X509_V_ERR_CERT_NOT_YET_VALID: return "E_TLS_CERT_NOT_YET_VALID";
    case X509_V_ERR_CERT_REVOKED: return "E_TLS_CERT_REVOKED";
    default: return "E_TLS_CERT_UNTRUSTED";
  }
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: return "E_TLS_NO_CERT";
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_VERSION_TOO_LOW: return "E_TLS_VERSION";
      case SSL_R_NO_SHARED_CIPHER: return "E_TLS_CIPHER";
      default: break;
    }
  }
  return "E_TLS_HANDSHAKE";
}

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

Status configure_tls(ssl::context& tls, const ServerOptions& options, Revocations& revocations) {
  error_code ec;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                  ec);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  // TLS 1.2 with forward-secret AEAD suites only: no CBC (SHA-1 or SHA-2 MACs), no RSA key
  // exchange, nothing NULL, export or RC4. TLS 1.3's suites are all AEAD.
  if (SSL_CTX_set_cipher_list(tls.native_handle(), "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
    return Status::Fail("E_TLS_CONFIG", "", "no TLS 1.2 cipher suite available");
  tls.use_certificate_chain_file(options.cert_file, ec);
  if (ec) return Status::Fail("E_TLS_CONFIG", "", "server certificate " + options.cert_file + ": " + ec.message());
  tls.use_private_key_file(options.key_file, ssl::context::pem, ec);
  if (ec) return Status::Fail("E_TLS_CONFIG", "", "server key " + options.key_file + ": " + ec.message());
  if (!options.ca_file.empty()) {
    tls.load_verify_file(options.ca_file, ec);
    if (ec) return Status::Fail("E_TLS_CONFIG", "", "CA file " + options.ca_file + ": " + ec.message());
    // Tell clients which CA we accept, so a client holding several certificates picks right.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.ca_file.c_str()))
      SSL_CTX_set_client_CA_list(tls.native_handle(), names);
  } else if (options.require_client_cert) {
    return Status::Fail("E_TLS_CONFIG", "", "client certificates required but no CA file given");
  }
  // TLS resumption together with client verification needs an id context.
  static const unsigned char kSidCtx[] = "onshi-http";
  SSL_CTX_set_session_id_context(tls.native_handle(), kSidCtx, sizeof kSidCtx - 1);
  if (!options.revocation_file.empty()) {
    revocations.set_file(options.revocation_file);
    // The chain verified: refuse the client's own certificate when its serial is revoked.
    tls.set_verify_callback([&revocations](bool preverified, ssl::verify_context& vc) {
      X509_STORE_CTX* x = vc.native_handle();
      if (preverified && X509_STORE_CTX_get_error_depth(x) == 0 &&
          revocations.revoked(X509_STORE_CTX_get_current_cert(x))) {
        X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REVOKED);
        return false;
      }
      return preverified;
    });
  }
  if (options.require_client_cert) {
    tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else if (!options.ca_file.empty()) {
    tls.set_verify_mode(ssl::verify_peer);  // a presented certificate must still verify
  } else {
    tls.set_verify_mode(ssl::verify_none);
  }
  return Status::Ok();
}

}  // namespace onshi::http::detail
