// Who gets in at the TLS layer (issue 20 point 4): a real Server on 127.0.0.1 and a raw
// OpenSSL client. Each way in that must fail — no client certificate, a certificate of another
// CA, an expired one, one not yet valid, a revoked one (revoked while the server runs), TLS 1.1,
// a weak TLS 1.2 suite — is refused in the handshake, and the refusal is a log line with the
// peer's address and its stable code, and a /metrics counter of that code. A valid certificate
// gets an HTTP answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "http/server.h"
#include "http/test_pki.h"

namespace onshi::http {
namespace {

using test_support::test_pki;

struct Attempt {
  std::string cert, key;  // "" = no client certificate
  int version = TLS1_3_VERSION;
  std::string ciphers = "ALL:@SECLEVEL=0";
};

// Connects, handshakes and sends GET /; true when an HTTP status line came back. (On TLS 1.3
// the client may finish its handshake before the server has checked its certificate, so only
// an answer counts as getting in.)
bool gets_in(uint16_t port, const Attempt& a) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, a.version);
  SSL_CTX_set_max_proto_version(ctx, a.version);
  if (a.version < TLS1_3_VERSION) SSL_CTX_set_cipher_list(ctx, a.ciphers.c_str());
  if (!a.cert.empty()) {
    SSL_CTX_use_certificate_file(ctx, a.cert.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx, a.key.c_str(), SSL_FILETYPE_PEM);
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool answered = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      const std::string req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      char buf[16] = {};
      if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) > 0 &&
          SSL_read(ssl, buf, sizeof buf - 1) > 0)
        answered = std::string(buf).rfind("HTTP/1.1 ", 0) == 0;
    }
    SSL_free(ssl);
  }
  ERR_clear_error();
  ::close(fd);
  SSL_CTX_free(ctx);
  return answered;
}

std::string serial_of(const std::string& pem_file) {
  FILE* f = std::fopen(pem_file.c_str(), "r");
  X509* x = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
  if (f) std::fclose(f);
  BIGNUM* bn = x ? ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr) : nullptr;
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  X509_free(x);
  return out;
}

class WhoGetsInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& pki = test_pki();
    revoked_ = pki.dir / ("revoked-" + std::to_string(::getpid()));
    std::filesystem::remove(revoked_);
    ServerOptions o;
    o.cert_file = pki.server_cert;
    o.key_file = pki.server_key;
    o.ca_file = pki.ca;
    o.revocation_file = revoked_.string();
    Router r;
    r.add("GET", "/", Admit::anyone(), [](const Request&) { return Response{}; });
    server_ = std::make_unique<Server>(std::move(o), std::move(r));
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(); }

  // The /metrics counter of refused handshakes with `code`.
  std::string counter(const std::string& code) {
    const std::string name = "onshi_http_tls_refused_total{code=\"" + code + "\"} ";
    const std::string m = server_->metrics().render();
    auto p = m.find(name);
    return p == std::string::npos ? "absent" : m.substr(p + name.size(), m.find('\n', p) - p - name.size());
  }

  // Refused, counted once under `code` and logged with the peer's address and the code. The
  // server counts after the client has given up, so the counter is polled (no time limit is
  // asserted; the loop only keeps a broken build from hanging).
  void expect_refused(const Attempt& a, const std::string& code) {
    ::testing::internal::CaptureStderr();
    EXPECT_FALSE(gets_in(server_->port(), a)) << code;
    for (int i = 0; i < 500 && counter(code) != "1"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(counter(code), "1") << code << "\n" << server_->metrics().render();
    EXPECT_NE(log.find("\"event\":\"http.tls_handshake_failed\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"remote\":\"127.0.0.1\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"code\":\"" + code + "\""), std::string::npos) << log;
  }

  std::filesystem::path revoked_;
  std::unique_ptr<Server> server_;
};

// R-INST-1: a valid institution certificate gets an answer, on TLS 1.3 and 1.2.
TEST_F(WhoGetsInTest, ValidCertificateGetsIn) {
  const auto& pki = test_pki();
  EXPECT_TRUE(gets_in(server_->port(), {pki.institution_cert, pki.institution_key}));
  EXPECT_TRUE(gets_in(server_->port(), {pki.institution_cert, pki.institution_key, TLS1_2_VERSION,
                                        "ECDHE-ECDSA-AES128-GCM-SHA256"}));
}

TEST_F(WhoGetsInTest, NoClientCertificateIsRefused) {
  expect_refused({"", ""}, "E_TLS_NO_CERT");
}

TEST_F(WhoGetsInTest, CertificateOfAnotherCaIsRefused) {
  const auto& pki = test_pki();
  expect_refused({pki.rogue_cert, pki.rogue_key}, "E_TLS_CERT_UNTRUSTED");
}

TEST_F(WhoGetsInTest, ExpiredCertificateIsRefused) {
  const auto& pki = test_pki();
  expect_refused({pki.expired_cert, pki.expired_key}, "E_TLS_CERT_EXPIRED");
}

TEST_F(WhoGetsInTest, NotYetValidCertificateIsRefused) {
  const auto& pki = test_pki();
  expect_refused({pki.future_cert, pki.future_key}, "E_TLS_CERT_NOT_YET_VALID");
}

// A certificate revoked while the server runs is refused from the next connection on, without
// a restart; a certificate not on the list still gets in.
TEST_F(WhoGetsInTest, RevokedCertificateIsRefusedWithoutRestart) {
  const auto& pki = test_pki();
  const Attempt revocable{pki.revocable_cert, pki.revocable_key};
  ASSERT_TRUE(gets_in(server_->port(), revocable));
  const std::string serial = serial_of(pki.revocable_cert);
  ASSERT_FALSE(serial.empty());
  std::ofstream(revoked_) << "# revoked\n" << serial << " institution:1310112345 now\n";
  expect_refused(revocable, "E_TLS_CERT_REVOKED");
  EXPECT_TRUE(gets_in(server_->port(), {pki.institution_cert, pki.institution_key}));
}

TEST_F(WhoGetsInTest, OldProtocolVersionIsRefused) {
  const auto& pki = test_pki();
  expect_refused({pki.institution_cert, pki.institution_key, TLS1_1_VERSION}, "E_TLS_VERSION");
}

// NULL and CBC-with-SHA-1 suites on TLS 1.2 (this OpenSSL cannot even offer RC4 or export
// suites; the server's list, "ECDHE+AESGCM:ECDHE+CHACHA20", names neither).
TEST_F(WhoGetsInTest, WeakCipherSuiteIsRefused) {
  const auto& pki = test_pki();
  expect_refused({pki.institution_cert, pki.institution_key, TLS1_2_VERSION,
                  "ECDHE-ECDSA-NULL-SHA:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"},
                 "E_TLS_CIPHER");
}

}  // namespace
}  // namespace onshi::http
