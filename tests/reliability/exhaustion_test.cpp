// Exhaustion (issue 20 point 5) against the central service over real TLS on 127.0.0.1: a
// header over the limit (431), XML entity expansion and an external entity, JSON nested
// deeper than any request needs, and 1,000 slowloris connections plus 2,000 idle keep-alive
// connections held open while a new client asks — it must get its answer. No timing
// threshold: the new client's latency is printed (docs/reliability.md), the test only needs
// the answer. ONSHI_SLOWLORIS and ONSHI_IDLE change the two connection counts.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "http/client.h"
#include "serve/service.h"
#include "security/ca.h"

namespace onshi::reliability {
namespace {

namespace fs = std::filesystem;
const char* const kClinic = "1310112345";
const char* const kInsurer = "06130488";
const char* const kOther = "3410712362";  // another institution: the new client

// The central service on a SQLite data directory with the CA and two client certificates.
class Running {
 public:
  Running() : dir_(fs::temp_directory_path() / ("onshi-exhaustion-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    EXPECT_TRUE(security::ca_init(dir_).ok());
    EXPECT_TRUE(security::issue_client(dir_, security::Role::kInstitution, kClinic, dir_ / "clinic").ok());
    EXPECT_TRUE(security::issue_client(dir_, security::Role::kInsurer, kInsurer, dir_ / "insurer").ok());
    EXPECT_TRUE(security::issue_client(dir_, security::Role::kInstitution, kOther, dir_ / "other").ok());
    serve::ServiceOptions o;
    o.data_dir = dir_;
    auto s = serve::Service::open(o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (!s.ok()) return;
    service_ = std::move(*s);
    EXPECT_TRUE(service_->start().ok());
  }
  ~Running() {
    if (service_) service_->stop();
    service_.reset();
    fs::remove_all(dir_);
  }
  uint16_t port() const { return service_ ? service_->port() : 0; }
  http::Client client(const std::string& who) const { return http::Client(options(who)); }
  http::ClientOptions options(const std::string& who) const {
    http::ClientOptions o;
    o.port = port();
    o.ca_file = (dir_ / who / "ca.pem").string();
    o.cert_file = (dir_ / who / "cert.pem").string();
    o.key_file = (dir_ / who / "key.pem").string();
    o.timeout_ms = 60000;
    return o;
  }

 private:
  fs::path dir_;
  std::unique_ptr<serve::Service> service_;
};

class ExhaustionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { svc_ = new Running(); }
  static void TearDownTestSuite() {
    delete svc_;
    svc_ = nullptr;
  }
  static http::Client client(const std::string& who) { return svc_->client(who); }
  static void expect_alive() {
    auto r = client("clinic").request("GET", "/healthz");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  static std::string code_of(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("code")) return "";
    return std::string(v.as_object().at("code").as_string());
  }
  static Running* svc_;
};
Running* ExhaustionTest::svc_ = nullptr;

// A request line and headers over 16 KiB: 431 E_HEADER_TOO_LARGE, and the server goes on.
TEST_F(ExhaustionTest, HeaderOverLimitIs431) {
  auto r = client("clinic").request("GET", "/healthz?pad=" + std::string(20000, 'a'));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(code_of(r->body), "E_HEADER_TOO_LARGE") << r->body;
  expect_alive();
}

std::string confirm_request(const std::string& doctype, const std::string& number) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + doctype +
         "<XmlMsg><MessageHeader><QualificationConfirmationDate>20250415"
         "</QualificationConfirmationDate><MedicalInstitutionCode>" + std::string(kClinic) +
         "</MedicalInstitutionCode><ArbitraryFileIdentifier>f-1</ArbitraryFileIdentifier>"
         "</MessageHeader><MessageBody><QualificationConfirmSearchInfo><InsurerNumber>" +
         std::string(kInsurer) + "</InsurerNumber><InsuredCardSymbol>1</InsuredCardSymbol>"
         "<InsuredIdentificationNumber>" + number + "</InsuredIdentificationNumber>"
         "<Birthdate>19800515</Birthdate><LimitApplicationCertificateRelatedConsFlg>0"
         "</LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo>"
         "</MessageBody></XmlMsg>";
}

// Entity expansion ("billion laughs") and an external entity (a local file) in an OQS
// request: a DOCTYPE is refused before any entity is read (E_XML_SYNTAX, in band as every
// XML error) — the answer is small, holds nothing of the file, and the server goes on.
TEST_F(ExhaustionTest, XmlEntitiesAreNotExpanded) {
  std::string laughs = "<!DOCTYPE XmlMsg [<!ENTITY l0 \"lol\">";
  for (int i = 1; i <= 9; ++i)
    laughs += "<!ENTITY l" + std::to_string(i) + " \"" +
              [&] {
                std::string s;
                for (int k = 0; k < 10; ++k) s += "&l" + std::to_string(i - 1) + ";";
                return s;
              }() +
              "\">";
  laughs += "]>";
  const std::string external =
      "<!DOCTYPE XmlMsg [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
  for (const auto& [doc, number] : {std::pair{laughs, std::string("&l9;")},
                                    std::pair{external, std::string("&xxe;")}}) {
    auto r = client("clinic").request("POST", "/xml/OQSsiquc01", confirm_request(doc, number),
                                      "application/xml");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_LT(r->body.size(), 8192u) << r->body.substr(0, 300);
    EXPECT_EQ(r->body.find("lollol"), std::string::npos);
    EXPECT_EQ(r->body.find("root:"), std::string::npos);
    EXPECT_NE(r->body.find("<ErrorCode>E_XML_SYNTAX</ErrorCode>"), std::string::npos)
        << r->body.substr(0, 400);
  }
  expect_alive();
}

// JSON nested 100,000 deep: 400 E_JSON_SYNTAX on the JSON routes (the parser stops at depth
// 32, deeper than any request of the interface), and the server goes on.
TEST_F(ExhaustionTest, DeepJsonIsRefused) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (auto [who, path] : {std::pair{"insurer", "/v1/registrations"},
                           std::pair{"clinic", "/v1/qualification-confirmations"}}) {
    auto r = client(who).request("POST", path, deep);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 400) << path << " " << r->body.substr(0, 300);
    EXPECT_EQ(code_of(r->body), "E_JSON_SYNTAX") << r->body.substr(0, 300);
  }
  expect_alive();
}

int count_from_env(const char* name, int fallback) {
  const char* e = std::getenv(name);
  return e && *e ? std::atoi(e) : fallback;
}

// A TCP connection to the service that sends the first bytes of a TLS record and then
// nothing more (a slowloris in the handshake); -1 when it could not connect.
int slowloris(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  const char partial[] = {0x16, 0x03, 0x01, 0x02};
  (void)::send(fd, partial, sizeof partial, MSG_NOSIGNAL);
  return fd;
}

// 1,000 slowloris connections and 2,000 idle keep-alive connections (each made one request
// and stays open; 1,000 of the clinic and 1,000 of the insurer, each at the default limit per
// certificate) do not keep a new client — another institution — from its answer; a further
// connection of the clinic is over its limit (503 E_TOO_MANY_CONNECTIONS).
TEST_F(ExhaustionTest, SlowlorisAndIdleConnectionsDoNotBlockANewClient) {
  const int n_slow = count_from_env("ONSHI_SLOWLORIS", 1000);
  const int n_idle = count_from_env("ONSHI_IDLE", 2000);
  std::vector<std::unique_ptr<http::Client>> idle;
  for (int i = 0; i < n_idle; ++i) {
    idle.push_back(std::make_unique<http::Client>(svc_->options(i % 2 ? "clinic" : "insurer")));
    auto r = idle.back()->request("GET", "/healthz");
    ASSERT_TRUE(r.ok()) << "idle connection " << i << ": " << r.error().message;
  }
  std::vector<int> slow;
  for (int i = 0; i < n_slow; ++i) {
    int fd = slowloris(svc_->port());
    ASSERT_GE(fd, 0) << "slowloris connection " << i;
    slow.push_back(fd);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto r = client("other").request("GET", "/healthz");
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  std::cout << "a new client's answer with " << n_slow << " slowloris and " << n_idle
            << " idle keep-alive connections open: " << ms << " ms\n";
  if (n_idle >= 2 * http::Limits{}.max_connections_per_peer) {
    auto over = client("clinic").request("GET", "/healthz");
    ASSERT_TRUE(over.ok()) << over.error().message;
    EXPECT_EQ(over->status, 503);
    EXPECT_EQ(code_of(over->body), "E_TOO_MANY_CONNECTIONS");
  }
  for (auto& c : idle) EXPECT_TRUE(c->request("GET", "/healthz").ok());  // still served
  for (int fd : slow) ::close(fd);
}

}  // namespace
}  // namespace onshi::reliability
