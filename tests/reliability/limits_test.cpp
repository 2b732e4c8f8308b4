// The limits of `onshi serve` against one runaway client (issue 20 point 5), over real TLS on
// 127.0.0.1 with the central service set to small limits: connections per certificate
// (503 E_TOO_MANY_CONNECTIONS, others unaffected), connections in total (closed at once),
// and the request rate per certificate (429 E_RATE_LIMITED with Retry-After, others
// unaffected, /healthz never limited). The flags themselves: `onshi serve --help`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "http/client.h"
#include "security/ca.h"
#include "serve/service.h"

namespace onshi::reliability {
namespace {

namespace fs = std::filesystem;
const char* const kClinic = "1310112345";
const char* const kInsurer = "06130488";

class LimitsTest : public ::testing::Test {
 protected:
  void start(const http::Limits& limits) {
    dir_ = fs::temp_directory_path() / ("onshi-limits-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    ASSERT_TRUE(security::ca_init(dir_).ok());
    ASSERT_TRUE(security::issue_client(dir_, security::Role::kInstitution, kClinic, dir_ / "clinic").ok());
    ASSERT_TRUE(security::issue_client(dir_, security::Role::kInsurer, kInsurer, dir_ / "insurer").ok());
    serve::ServiceOptions o;
    o.data_dir = dir_;
    o.limits = limits;
    auto s = serve::Service::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    service_ = std::move(*s);
    ASSERT_TRUE(service_->start().ok());
  }
  void TearDown() override {
    if (service_) service_->stop();
    service_.reset();
    fs::remove_all(dir_);
  }
  http::ClientOptions options(const std::string& who) const {
    http::ClientOptions o;
    o.port = service_->port();
    o.ca_file = (dir_ / who / "ca.pem").string();
    o.cert_file = (dir_ / who / "cert.pem").string();
    o.key_file = (dir_ / who / "key.pem").string();
    return o;
  }
  static std::string code_of(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("code")) return "";
    return std::string(v.as_object().at("code").as_string());
  }
  fs::path dir_;
  std::unique_ptr<serve::Service> service_;
};

// A certificate over its connection limit gets 503 E_TOO_MANY_CONNECTIONS on the extra
// connection; another certificate still gets in; a closed connection frees its place.
TEST_F(LimitsTest, ConnectionsPerCertificate) {
  http::Limits l;
  l.max_connections_per_peer = 3;
  start(l);
  std::vector<std::unique_ptr<http::Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<http::Client>(options("clinic")));
    auto r = held.back()->request("GET", "/healthz");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  http::Client extra(options("clinic"));
  auto over = extra.request("GET", "/healthz");
  ASSERT_TRUE(over.ok()) << over.error().message;
  EXPECT_EQ(over->status, 503);
  EXPECT_EQ(code_of(over->body), "E_TOO_MANY_CONNECTIONS") << over->body;
  http::Client other(options("insurer"));
  auto r = other.request("GET", "/healthz");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  held.pop_back();  // closes one of the three
  bool in = false;
  for (int k = 0; k < 50 && !in; ++k) {  // the server sees the close a moment later
    auto again = http::Client(options("clinic")).request("GET", "/healthz");
    in = again && again->status == 200;
  }
  EXPECT_TRUE(in) << "a closed connection did not free its place";
}

// Over the connection limit in total, a new connection is closed at once (no answer); one
// held connection closed, a new client gets in.
TEST_F(LimitsTest, ConnectionsInTotal) {
  http::Limits l;
  l.max_connections = 4;
  start(l);
  std::vector<std::unique_ptr<http::Client>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<http::Client>(options(i % 2 ? "clinic" : "insurer")));
    auto r = held.back()->request("GET", "/healthz");
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto over = http::Client(options("clinic")).request("GET", "/healthz");
  EXPECT_FALSE(over.ok()) << over->status;
  held.clear();
  bool in = false;
  for (int k = 0; k < 50 && !in; ++k) {
    auto again = http::Client(options("clinic")).request("GET", "/healthz");
    in = again && again->status == 200;
  }
  EXPECT_TRUE(in);
}

// One certificate over its rate gets 429 E_RATE_LIMITED with Retry-After; another
// certificate and /healthz are not held back.
TEST_F(LimitsTest, RatePerCertificate) {
  http::Limits l;
  l.rate_per_peer = 0.5;  // one request every 2 s
  l.burst_per_peer = 3;
  start(l);
  http::Client runaway(options("clinic"));
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 10; ++i) {
    auto r = runaway.request("GET", "/v1/institutions/me");
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (r->status == 429) {
      ++limited;
      EXPECT_EQ(code_of(r->body), "E_RATE_LIMITED") << r->body;
      retry_after = r->retry_after;
    } else {
      EXPECT_NE(r->status, 503);
    }
  }
  EXPECT_GE(limited, 6) << "3 at once, then at most one more within the loop";
  EXPECT_FALSE(retry_after.empty());
  EXPECT_GE(std::atoi(retry_after.c_str()), 1);
  auto health = runaway.request("GET", "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  http::Client other(options("insurer"));
  auto r = other.request("GET", "/v1/members?insurerNumber=06130488");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->status, 429) << r->body;
}

}  // namespace
}  // namespace onshi::reliability
