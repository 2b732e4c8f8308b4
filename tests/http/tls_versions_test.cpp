// Who gets in at the TLS layer (issue 20 point 4, first part): a real Server on 127.0.0.1 and
// a raw OpenSSL client that offers exactly one protocol version and one cipher suite, with a
// valid institution certificate — so a refusal can only be the protocol or the suite. TLS 1.0
// and 1.1 are refused, and so is every TLS 1.2 suite that is not forward-secret AEAD (CBC with
// SHA-1 or SHA-2 MACs, RSA key exchange); ECDHE with AES-GCM or ChaCha20-Poly1305 and TLS 1.3
// get in.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "http/server.h"
#include "http/test_pki.h"

namespace onshi::http {
namespace {

using test_support::test_pki;

struct Handshake {
  bool ok = false;
  std::string cipher;  // the suite agreed on, when ok
};

// One TLS handshake with `version` only and, below TLS 1.3, the suites of `ciphers` only.
// The client's security level is 0 so that it offers what an old client offers; what is
// refused is refused by the server.
Handshake handshake(uint16_t port, int version, const std::string& ciphers) {
  Handshake out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  if (version < TLS1_3_VERSION && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    ADD_FAILURE() << "this OpenSSL cannot offer " << ciphers;
    SSL_CTX_free(ctx);
    return out;
  }
  const auto& pki = test_pki();
  SSL_CTX_use_certificate_file(ctx, pki.institution_cert.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_use_PrivateKey_file(ctx, pki.institution_key.c_str(), SSL_FILETYPE_PEM);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      out.ok = true;
      out.cipher = SSL_get_cipher_name(ssl);
    }
    SSL_free(ssl);
  }
  ERR_clear_error();
  ::close(fd);
  SSL_CTX_free(ctx);
  return out;
}

class TlsVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& pki = test_pki();
    ServerOptions o;
    o.cert_file = pki.server_cert;
    o.key_file = pki.server_key;
    o.ca_file = pki.ca;
    Router r;
    r.add("GET", "/", Admit::anyone(), [](const Request&) { return Response{}; });
    server_ = std::make_unique<Server>(std::move(o), std::move(r));
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(); }
  std::unique_ptr<Server> server_;
};

// Bad input (issue 20 point 4): TLS 1.0 and 1.1 are refused in the handshake.
TEST_F(TlsVersionsTest, OldProtocolVersionsAreRefused) {
  for (int version : {TLS1_VERSION, TLS1_1_VERSION})
    EXPECT_FALSE(handshake(server_->port(), version, "ALL:@SECLEVEL=0").ok) << version;
}

// Bad input (issue 20 point 4): on TLS 1.2 only ECDHE with an AEAD cipher gets in — CBC suites
// with SHA-1 or SHA-2 MACs are refused, whatever else the client could agree to.
TEST_F(TlsVersionsTest, WeakTls12SuitesAreRefused) {
  for (const char* suite : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                            "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"})
    EXPECT_FALSE(handshake(server_->port(), TLS1_2_VERSION, suite).ok) << suite;
}

// R-INST-1: the suites a current client uses get in, on TLS 1.2 and on TLS 1.3.
TEST_F(TlsVersionsTest, ForwardSecretAeadSuitesGetIn) {
  for (const char* suite : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                            "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
    Handshake h = handshake(server_->port(), TLS1_2_VERSION, suite);
    EXPECT_TRUE(h.ok) << suite;
    EXPECT_EQ(h.cipher, suite);
  }
  EXPECT_TRUE(handshake(server_->port(), TLS1_3_VERSION, "").ok);
}

}  // namespace
}  // namespace onshi::http
