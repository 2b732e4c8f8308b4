// End-to-end tests of the HTTPS layer: a real Server on 127.0.0.1 (ephemeral port) talking
// mutual TLS with real Clients, certificates made by the openssl tool (test_pki.h).
//
// The tests check behaviour only — who gets in, which status and problem code comes back,
// that the server survives bad handlers and bad input — never timings, because the machine
// running them is shared and its speed varies.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http/client.h"
#include "http/server.h"
#include "http/test_pki.h"

namespace onshi::http {
namespace {

using test_support::test_pki;

ServerOptions server_options() {
  const auto& pki = test_pki();
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.cert_file = pki.server_cert;
  o.key_file = pki.server_key;
  o.ca_file = pki.ca;
  o.require_client_cert = true;
  return o;
}

ClientOptions client_options(uint16_t port, const std::string& cert, const std::string& key) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.ca_file = test_pki().ca;
  o.cert_file = cert;
  o.key_file = key;
  o.timeout_ms = 20000;
  return o;
}

ClientOptions institution(uint16_t port) {
  return client_options(port, test_pki().institution_cert, test_pki().institution_key);
}
ClientOptions insurer(uint16_t port) { return client_options(port, test_pki().insurer_cert, test_pki().insurer_key); }

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// A router with the endpoints the tests use.
Router test_router() {
  Router r;
  r.add("GET", "/whoami", {core::Role::kInstitution, core::Role::kInsurer},
        [](const Request& q) { return text(q.peer.role_text() + "/" + q.peer.id); });
  r.add("GET", "/insurer-only", {core::Role::kInsurer}, [](const Request&) { return text("ok"); });
  r.add("POST", "/echo", Admit::anyone(), [](const Request& q) { return text(q.content_type + "|" + q.body); });
  r.add("GET", "/query", Admit::anyone(), [](const Request& q) { return text(q.query_param("name") + "|" + q.query_param("kana")); });
  r.add("GET", "/throw", Admit::anyone(), [](const Request&) -> Response { throw std::runtime_error("boom"); });
  // Answers later from another thread, the way the confirmation answers from the audit
  // writer's completion; the body is copied before the handler returns.
  r.add_async("POST", "/later", Admit::anyone(), [](const Request& q, Respond respond) {
    std::thread([body = q.body, respond] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      respond(text("later|" + body));
      respond(text("a second answer is ignored"));
    }).detach();
  });
  r.add_async("GET", "/dropped", Admit::anyone(), [](const Request&, Respond) {});
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o = server_options()) {
    server_ = std::make_unique<Server>(std::move(o), test_router());
    Status s = server_->start();
    ASSERT_TRUE(s.ok()) << s.error().code << " " << s.error().message;
    ASSERT_NE(server_->port(), 0);
  }
  void SetUp() override { start(); }
  void TearDown() override {
    if (server_) server_->stop();
  }
  uint16_t port() const { return server_->port(); }
  std::unique_ptr<Server> server_;
};

boost::json::object parse_object(const std::string& body) { return boost::json::parse(body).as_object(); }

// R-INST-1: a client with a certificate from onshi's CA reaches the service over mTLS.
TEST_F(HttpServerTest, HealthzOverMutualTls) {
  Client c(institution(port()));
  auto r = c.request("GET", "/healthz");
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(parse_object(r->body).at("status").as_string(), "ok");
}

// R-INST-1: the certificate subject (OU = role, CN = institution code / insurer number) is the
// caller's identity, handed to the handler.
TEST_F(HttpServerTest, HandlerSeesPeerRoleAndId) {
  Client a(institution(port()));
  auto r = a.request("GET", "/whoami");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "institution/1310112345");

  Client b(insurer(port()));
  r = b.request("GET", "/whoami");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "insurer/06139999");
}

// R-INST-1: no certificate, no service.
TEST_F(HttpServerTest, ClientWithoutCertificateIsRefused) {
  Client c(client_options(port(), "", ""));
  auto r = c.request("GET", "/healthz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_TLS") << r.error().message;
}

// R-INST-1: only certificates from onshi's CA — one from another CA with the same CA name and
// the same subject is refused.
TEST_F(HttpServerTest, CertificateFromAnotherCaIsRefused) {
  Client c(client_options(port(), test_pki().rogue_cert, test_pki().rogue_key));
  auto r = c.request("GET", "/whoami");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_TLS") << r.error().message;
}

// R-INST-1: the client refuses a server whose certificate does not chain to the given CA.
TEST_F(HttpServerTest, ClientRefusesServerFromAnotherCa) {
  ClientOptions o = institution(port());
  o.ca_file = (test_pki().dir / "otherca.pem").string();
  Client c(o);
  auto r = c.request("GET", "/healthz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_TLS");
}

// R-INST-1: each role sees only its own endpoints — 403 problem+json with a stable code.
TEST_F(HttpServerTest, WrongRoleGets403Problem) {
  Client c(institution(port()));
  auto r = c.request("GET", "/insurer-only");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->content_type, "application/problem+json");
  auto o = parse_object(r->body);
  EXPECT_EQ(o.at("code").as_string(), "E_FORBIDDEN_ROLE");
  EXPECT_EQ(o.at("status").as_int64(), 403);
  EXPECT_EQ(o.at("type").as_string(), "about:blank");

  Client ok(insurer(port()));
  r = ok.request("GET", "/insurer-only");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  Client c(institution(port()));
  auto r = c.request("GET", "/nowhere");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->content_type, "application/problem+json");
  EXPECT_EQ(parse_object(r->body).at("code").as_string(), "E_NOT_FOUND");

  r = c.request("POST", "/healthz", "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(parse_object(r->body).at("code").as_string(), "E_METHOD");
}

TEST(HttpServerLimits, BodyOverLimitIs413) {
  ServerOptions o = server_options();
  o.max_body_bytes = 1024;
  Server server(o, test_router());
  ASSERT_TRUE(server.start().ok());
  Client c(institution(server.port()));
  auto r = c.request("POST", "/echo", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->content_type, "application/problem+json");
  EXPECT_EQ(parse_object(r->body).at("code").as_string(), "E_BODY_TOO_LARGE");

  // The same client goes on working (on a new connection) with a body within the limit.
  r = c.request("POST", "/echo", std::string(1000, 'y'), "text/plain");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "text/plain|" + std::string(1000, 'y'));
  server.stop();
}

TEST_F(HttpServerTest, ThrowingHandlerIs500AndServerKeepsServing) {
  Client c(institution(port()));
  for (int i = 0; i < 3; ++i) {
    auto r = c.request("GET", "/throw");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 500);
    auto o = parse_object(r->body);
    EXPECT_EQ(o.at("code").as_string(), "E_INTERNAL");
    EXPECT_EQ(r->body.find("boom"), std::string::npos);  // internals stay in the log
    r = c.request("GET", "/healthz");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
  }
}

// An asynchronous handler answers from another thread; the connection waits for it and goes
// on serving keep-alive requests; only the first answer counts; a handler that drops its
// Respond unanswered gets a 500, and the connection still serves the next request.
TEST_F(HttpServerTest, AsyncHandlerAnswersLaterOnTheSameConnection) {
  Client c(institution(port()));
  for (int i = 0; i < 3; ++i) {
    auto r = c.request("POST", "/later", "n" + std::to_string(i), "text/plain");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "later|n" + std::to_string(i));
  }
  auto dropped = c.request("GET", "/dropped");
  ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(parse_object(dropped->body).at("code").as_string(), "E_INTERNAL");
  auto after = c.request("GET", "/whoami");
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->body, "institution/1310112345");
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  Client c(institution(port()));
  auto r = c.request("GE T", "/healthz");  // a space in the method breaks the request line
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(parse_object(r->body).at("code").as_string(), "E_BAD_HTTP");
  r = c.request("GET", "/healthz");  // reconnects
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, KeepAliveManyRequestsOnOneClient) {
  Client c(institution(port()));
  for (int i = 0; i < 300; ++i) {
    std::string body = "request " + std::to_string(i);
    auto r = c.request("POST", "/echo", body, "application/xml");
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().message;
    ASSERT_EQ(r->status, 200);
    ASSERT_EQ(r->body, "application/xml|" + body);
  }
}

TEST_F(HttpServerTest, ConcurrentClientsFromSeveralThreads) {
  constexpr int kThreads = 6, kRequests = 60;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client c(t % 2 ? institution(port()) : insurer(port()));
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        auto r = c.request("POST", "/echo", body);
        if (r.ok() && r->status == 200 && r->body == "application/json|" + body) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kRequests);
}

TEST_F(HttpServerTest, MetricsCountRequestsAndShowGauges) {
  server_->metrics().set_gauge("onshi_test_answer", [] { return 42.0; });
  Client c(institution(port()));
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(c.request("POST", "/echo", "x").ok());
  ASSERT_TRUE(c.request("GET", "/nowhere").ok());
  auto r = c.request("GET", "/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  const std::string& m = r->body;
  EXPECT_NE(m.find("onshi_http_requests_total{route=\"/echo\",status=\"200\"} 7\n"), std::string::npos) << m;
  EXPECT_NE(m.find("onshi_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("onshi_http_request_duration_seconds_bucket{le=\"+Inf\"} 8\n"), std::string::npos) << m;
  EXPECT_NE(m.find("onshi_http_request_duration_seconds_count 8\n"), std::string::npos) << m;
  EXPECT_NE(m.find("onshi_test_answer 42\n"), std::string::npos) << m;
  EXPECT_NE(m.find("onshi_http_open_connections 1\n"), std::string::npos) << m;
}

TEST_F(HttpServerTest, QueryParametersArePercentDecoded) {
  Client c(institution(port()));
  auto r = c.request("GET", "/query?kana=%E3%83%A4%E3%83%9E%E3%83%80+%E3%82%BF%E3%83%AD%E3%82%A6&name=a%26b%3Dc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "a&b=c|ヤマダ タロウ");
}

TEST(HttpRequest, QueryParam) {
  Request q;
  q.query = "insurerNumber=06139999&symbol=%E8%A8%98%E5%8F%B7&empty=&flag&bad=%zz%4&plus=a+b";
  EXPECT_EQ(q.query_param("insurerNumber"), "06139999");
  EXPECT_EQ(q.query_param("symbol"), "記号");
  EXPECT_EQ(q.query_param("empty"), "");
  EXPECT_EQ(q.query_param("flag"), "");
  EXPECT_EQ(q.query_param("missing"), "");
  EXPECT_EQ(q.query_param("bad"), "%zz%4");
  EXPECT_EQ(q.query_param("plus"), "a b");
}

TEST(HttpRouter, DispatchWithoutTransport) {
  Router r = test_router();
  Request q;
  q.method = "GET";
  q.path = "/insurer-only";
  q.peer = {core::Role::kInstitution, "1310112345"};
  EXPECT_EQ(r.dispatch(q).status, 403);
  q.peer = {std::nullopt, ""};  // no certificate at all
  EXPECT_EQ(r.dispatch(q).status, 403);
  q.peer = {core::Role::kInsurer, "06139999"};
  EXPECT_EQ(r.dispatch(q).status, 200);
  q.method = "DELETE";
  Response resp = r.dispatch(q);
  EXPECT_EQ(resp.status, 405);
  ASSERT_EQ(resp.headers.size(), 1u);
  EXPECT_EQ(resp.headers[0].first, "Allow");
  EXPECT_EQ(resp.headers[0].second, "GET");
}

TEST(HttpProblem, EscapesText) {
  Response p = problem(422, Error{"E_CHECK_DIGIT", "InsurerNumber", "bad \"digit\"\n"});
  EXPECT_EQ(p.content_type, "application/problem+json");
  auto o = boost::json::parse(p.body).as_object();
  EXPECT_EQ(o.at("status").as_int64(), 422);
  EXPECT_EQ(o.at("code").as_string(), "E_CHECK_DIGIT");
  EXPECT_EQ(o.at("field").as_string(), "InsurerNumber");
  EXPECT_EQ(o.at("detail").as_string(), "bad \"digit\"\n");
}

TEST(HttpServerStart, BadCertificateFileIsTlsConfigError) {
  ServerOptions o = server_options();
  o.cert_file = (test_pki().dir / "missing.pem").string();
  Server s(o, Router{});
  Status st = s.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "E_TLS_CONFIG");
}

TEST(HttpServerStart, PortInUseIsListenError) {
  Server a(server_options(), Router{});
  ASSERT_TRUE(a.start().ok());
  ServerOptions o = server_options();
  o.port = a.port();
  Server b(o, Router{});
  Status st = b.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "E_LISTEN");
}

TEST(HttpServerStop, StopWithOpenConnectionsReturns) {
  auto server = std::make_unique<Server>(server_options(), test_router());
  ASSERT_TRUE(server->start().ok());
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(institution(server->port())));
    ASSERT_TRUE(clients.back()->request("GET", "/healthz").ok());
  }
  server->stop();
  server->wait();  // returns at once after stop()
  auto r = clients[0]->request("GET", "/healthz");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace onshi::http
