// Plain HTTP (ServerOptions::tls / ClientOptions::tls = false), the transport of the
// institution terminal's loopback screen API: a round trip on an ephemeral port, keep-alive
// across requests, routes guarded by a certificate role refused (the caller has role ""),
// and that a plain client does not get an answer from a TLS server nor a TLS client from a
// plain one. The TLS behaviour itself is covered by server_test.cpp.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/client.h"
#include "http/server.h"
#include "http/test_pki.h"

namespace onshi::http {
namespace {

Router plain_router() {
  Router r;
  r.add("POST", "/echo", Admit::anyone(), [](const Request& req) {
    Response res;
    res.content_type = "text/plain; charset=utf-8";
    res.body = req.method + " " + req.path + " q=" + req.query_param("q") + " role=[" + req.peer.role_text() + "] " +
               req.body;
    return res;
  });
  r.add("GET", "/institution-only", {core::Role::kInstitution}, [](const Request&) { return Response{}; });
  return r;
}

ServerOptions plain_server() {
  ServerOptions o;
  o.tls = false;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  return o;
}

ClientOptions plain_client(uint16_t port) {
  ClientOptions o;
  o.tls = false;
  o.host = "127.0.0.1";
  o.port = port;
  o.timeout_ms = 20000;
  return o;
}

TEST(PlainHttp, RoundTripWithoutCertificates) {
  Server server(plain_server(), plain_router());
  ASSERT_TRUE(server.start().ok());
  ASSERT_NE(server.port(), 0);
  Client client(plain_client(server.port()));
  auto r = client.request("POST", "/echo?q=%E5%B1%B1%E7%94%B0", "本文", "text/plain");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /echo q=山田 role=[] 本文");
  // Keep-alive: the same Client answers again, and /healthz is there as on the TLS server.
  auto h = client.request("GET", "/healthz");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->body, R"({"status":"ok"})");
  server.stop();
}

TEST(PlainHttp, RoleGuardedRoutesAreClosed) {
  Server server(plain_server(), plain_router());
  ASSERT_TRUE(server.start().ok());
  Client client(plain_client(server.port()));
  auto r = client.request("GET", "/institution-only");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("E_FORBIDDEN_ROLE"), std::string::npos);
  auto missing = client.request("GET", "/nothing-here");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST(PlainHttp, ConcurrentClients) {
  Server server(plain_server(), plain_router());
  ASSERT_TRUE(server.start().ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Client c(plain_client(server.port()));
      for (int i = 0; i < 20; ++i) {
        auto r = c.request("POST", "/echo", std::to_string(t * 100 + i));
        if (r.ok() && r->status == 200 && r->body.ends_with(" " + std::to_string(t * 100 + i))) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 80);
}

TEST(PlainHttp, PlainClientAgainstTlsServerFails) {
  const auto& pki = test_support::test_pki();
  ServerOptions o;
  o.host = "127.0.0.1";
  o.cert_file = pki.server_cert;
  o.key_file = pki.server_key;
  o.ca_file = pki.ca;
  Server tls_server(o, plain_router());
  ASSERT_TRUE(tls_server.start().ok());
  ClientOptions co = plain_client(tls_server.port());
  co.timeout_ms = 5000;
  Client client(co);
  auto r = client.request("POST", "/echo", "x");
  // The TLS server cannot parse a plain request: either the request fails or no 200 comes back.
  EXPECT_TRUE(!r.ok() || r->status != 200);
}

TEST(PlainHttp, TlsClientAgainstPlainServerFails) {
  Server server(plain_server(), plain_router());
  ASSERT_TRUE(server.start().ok());
  const auto& pki = test_support::test_pki();
  ClientOptions co;
  co.host = "127.0.0.1";
  co.port = server.port();
  co.ca_file = pki.ca;
  co.cert_file = pki.institution_cert;
  co.key_file = pki.institution_key;
  co.timeout_ms = 5000;
  Client client(co);
  auto r = client.request("POST", "/echo", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_TLS");
}

}  // namespace
}  // namespace onshi::http
