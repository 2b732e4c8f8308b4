// The insurer's member view, quality report and overlap list over real HTTPS (R-REG-7,
// R-REG-4, R-REG-6): the real `onshi serve` on an ephemeral port with certificates from
// onshi's own CA, a confirmation by a clinic, then the insurer's view of that member — its
// versions, what institutions are shown, the confirmation — the 403 for another insurer,
// and the audit entry the view leaves. The client is plain OpenSSL with a client
// certificate, so nothing of the server's own HTTP code is on the test's side.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "security/ca.h"
#include "quality_test_util.h"

namespace onshi::qtest {
namespace {

namespace json = boost::json;
const char* kClinic = "1310112345";

struct HttpResult {
  int status = 0;
  std::string content_type, body;
};

// One HTTPS request over a fresh TLS connection, with the client certificate in `who`.
HttpResult https(uint16_t port, const fs::path& who, const std::string& method,
                 const std::string& target, const std::string& body = "") {
  HttpResult out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, (who / "ca.pem").c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_use_certificate_chain_file(ctx, (who / "cert.pem").c_str());
  SSL_CTX_use_PrivateKey_file(ctx, (who / "key.pem").c_str(), SSL_FILETYPE_PEM);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  SSL* ssl = nullptr;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
      if (!body.empty()) req += "Content-Type: application/json\r\n";
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      SSL_write(ssl, req.data(), static_cast<int>(req.size()));
      std::string raw;
      char buf[16384];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) raw.append(buf, static_cast<size_t>(n));
      auto head_end = raw.find("\r\n\r\n");
      if (raw.rfind("HTTP/1.1 ", 0) == 0 && head_end != std::string::npos) {
        out.status = std::stoi(raw.substr(9, 3));
        std::string head = raw.substr(0, head_end);
        std::string lower = head;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (auto p = lower.find("content-type: "); p != std::string::npos)
          out.content_type = head.substr(p + 14, head.find("\r\n", p) - p - 14);
        out.body = raw.substr(head_end + 4);
        if (auto p = lower.find("content-length: "); p != std::string::npos)
          out.body.resize(std::min(out.body.size(), std::stoul(lower.substr(p + 16))));
      }
    }
  }
  if (ssl) SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return out;
}

class MemberView : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const fs::path& d = dir_->path();
    ASSERT_TRUE(security::ca_init(d).ok());
    ASSERT_TRUE(security::issue_client(d, security::Role::kInsurer, kKenpo, d / "insurer").ok());
    ASSERT_TRUE(security::issue_client(d, security::Role::kInsurer, kKenpo2, d / "other").ok());
    ASSERT_TRUE(security::issue_client(d, security::Role::kInstitution, kClinic, d / "clinic").ok());
    {
      auto s = store::open_sqlite(store::store_path(d));
      ASSERT_TRUE(s.ok());
      auto k = security::Keyring::load_or_create(d);
      ASSERT_TRUE(k.ok());
      registry::Registrar r(**s, *k);
      auto m = member(kKenpo, "1234", "5678", "00", "髙橋　一郎", "タカハシ　イチロウ", "19800515", "1",
                      "20100401", {{"MyNumber", kMyNumberA}, {"Address", "東京都千代田区１－１"}});
      auto rep = r.register_records({m}, "import:members.csv");
      ASSERT_TRUE(rep.ok() && rep->rejected == 0);
      for (auto& [key, value] : m)
        if (key == "Address") value = "東京都港区２－２";  // moved: a second version
      rep = r.register_records({m}, "insurer:06139992");
      ASSERT_TRUE(rep.ok() && rep->accepted == 1);
    }
    // The real service, on a port the system picks; its first stdout line names it.
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(pipefd[1], STDOUT_FILENO);
      ::close(pipefd[0]);
      ::close(pipefd[1]);
      std::string data = d.string();
      ::execl(ONSHI_BINARY, ONSHI_BINARY, "serve", "--data-dir", data.c_str(), "--listen",
              "127.0.0.1:0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(pipefd[1]);
    std::string line;
    char c;
    while (::read(pipefd[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(pipefd[0]);
    auto p = line.rfind(':');
    ASSERT_NE(p, std::string::npos) << line;
    port_ = static_cast<uint16_t>(std::stoi(line.substr(p + 1)));
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    delete dir_;
  }
  static fs::path who(const char* name) { return dir_->path() / name; }
  static json::value parse(const std::string& s) {
    boost::system::error_code ec;
    auto v = json::parse(s, ec);
    EXPECT_FALSE(ec) << s.substr(0, 300);
    return v;
  }
  static const std::string kTarget;

  static TempDir* dir_;
  static pid_t pid_;
  static uint16_t port_;
};
TempDir* MemberView::dir_ = nullptr;
pid_t MemberView::pid_ = -1;
uint16_t MemberView::port_ = 0;
const std::string MemberView::kTarget =
    "/v1/members?insurerNumber=06139992&insuredCardSymbol=1234&insuredIdentificationNumber=5678"
    "&insuredBranchNumber=00";

// R-REG-7: versions with recorded times, what institutions are shown, the confirmations made.
TEST_F(MemberView, OneScreenForAMembersInquiry) {
  std::string confirm =
      std::string("{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
      kClinic +
      "\",\"insurerNumber\":\"06139992\",\"insuredCardSymbol\":\"1234\","
      "\"insuredIdentificationNumber\":\"5678\",\"insuredBranchNumber\":\"00\","
      "\"birthdate\":\"19800515\",\"limitApplicationCertificateRelatedConsFlg\":\"1\"}";
  auto c = https(port_, who("clinic"), "POST", "/v1/qualification-confirmations", confirm);
  ASSERT_EQ(c.status, 200) << c.body;

  auto r = https(port_, who("insurer"), "GET", kTarget);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
  EXPECT_EQ(r.body.find(kMyNumberA), std::string::npos);
  auto v = parse(r.body);
  const auto& members = v.as_object().at("members").as_array();
  ASSERT_EQ(members.size(), 1u);
  const auto& m = members[0].as_object();
  EXPECT_EQ(str(members[0], "insuredIdentificationNumber"), "5678");
  EXPECT_TRUE(m.at("myNumberRegistered").as_bool());

  const auto& versions = m.at("versions").as_array();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_NE(str(versions[0], "recordedAt").find("+09:00"), std::string::npos);
  EXPECT_EQ(str(versions[0], "source"), "import:members.csv");
  EXPECT_EQ(json::serialize(versions[1].as_object().at("changes")), R"(["address"])");
  // R-REG-5: the conversion made at registration is on the screen.
  const auto& conv = versions[0].as_object().at("conversions").as_array();
  ASSERT_EQ(conv.size(), 1u);
  EXPECT_EQ(str(conv[0], "original"), "髙");

  // What an institution is shown today: the stored form, valid.
  const auto& shown = m.at("shownToInstitutions").as_object();
  EXPECT_EQ(str(json::value(shown), "qualificationValidity"), "1");
  std::string result = json::serialize(shown.at("result"));
  EXPECT_NE(result.find("高橋　一郎"), std::string::npos) << result;
  EXPECT_EQ(result.find("髙"), std::string::npos);

  // The confirmation the clinic just made.
  const auto& confirmations = m.at("confirmations").as_array();
  ASSERT_EQ(confirmations.size(), 1u);
  EXPECT_EQ(str(confirmations[0], "medicalInstitutionCode"), kClinic);
  EXPECT_EQ(str(confirmations[0], "qualificationConfirmationDate"), "20250415");
  EXPECT_EQ(str(confirmations[0], "qualificationValidity"), "1");
  EXPECT_EQ(str(confirmations[0], "limitApplicationCertificateRelatedConsFlg"), "1");
  EXPECT_NE(str(confirmations[0], "time").find("+09:00"), std::string::npos);

  // Without the 枝番: every branch of the card.
  auto all = https(port_, who("insurer"), "GET",
                   "/v1/members?insurerNumber=06139992&insuredCardSymbol=1234&insuredIdentificationNumber=5678");
  ASSERT_EQ(all.status, 200) << all.body;
}

// R-REG-7: an insurer sees only its own members; institutions do not get the view at all.
TEST_F(MemberView, AnotherInsurerIsRefused) {
  auto r = https(port_, who("other"), "GET", kTarget);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.content_type.find("application/problem+json"), std::string::npos);
  EXPECT_EQ(str(parse(r.body), "code"), "E_FORBIDDEN_INSURER");
  EXPECT_EQ(r.body.find("髙"), std::string::npos);
  EXPECT_EQ(r.body.find("高橋"), std::string::npos);
  auto i = https(port_, who("clinic"), "GET", kTarget);
  EXPECT_EQ(i.status, 403);
  auto q = https(port_, who("other"), "GET", "/v1/quality/report?insurerNumber=06139992");
  EXPECT_EQ(q.status, 403);
  EXPECT_EQ(str(parse(q.body), "code"), "E_FORBIDDEN_INSURER");
}

// Bad queries answer problem+json with a code and a field.
TEST_F(MemberView, BadQueries) {
  auto nf = https(port_, who("insurer"), "GET",
                  "/v1/members?insurerNumber=06139992&insuredIdentificationNumber=9999");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(str(parse(nf.body), "code"), "E_MEMBER_NOT_FOUND");
  auto missing = https(port_, who("insurer"), "GET", "/v1/members?insurerNumber=06139992");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(str(parse(missing.body), "field"), "insuredIdentificationNumber");
  auto branch = https(port_, who("insurer"), "GET",
                      "/v1/members?insurerNumber=06139992&insuredIdentificationNumber=5678&insuredBranchNumber=1");
  EXPECT_EQ(branch.status, 400);
  EXPECT_EQ(str(parse(branch.body), "code"), "E_BRANCH_NUMBER");
  auto none = https(port_, who("insurer"), "GET", "/v1/members");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(str(parse(none.body), "code"), "E_INSURER_NUMBER");
}

// R-REG-4, R-REG-6 over HTTPS for the insurer's certificate.
TEST_F(MemberView, ReportAndOverlapsOverHttps) {
  auto r = https(port_, who("insurer"), "GET", "/v1/quality/report?insurerNumber=06139992");
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(v.as_object().at("summary").as_object().at("members").as_int64(), 1);
  EXPECT_EQ(v.as_object().at("summary").as_object().at("kanjiConversions").as_int64(), 1);
  auto o = https(port_, who("insurer"), "GET", "/v1/quality/overlaps?insurerNumber=06139992&encoding=shift_jis");
  ASSERT_EQ(o.status, 200) << o.body;
  EXPECT_NE(o.content_type.find("text/csv"), std::string::npos);
  EXPECT_EQ(o.body.rfind("InsurerNumber,", 0), 0u);
  auto bad = https(port_, who("insurer"), "GET", "/v1/quality/overlaps?insurerNumber=06139992&encoding=latin1");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(str(parse(bad.body), "code"), "E_FLAG");
}

// Every read of a person's data is audited: the view leaves actor insurer:<number>,
// action member.view, subject = the card key.
TEST_F(MemberView, TheViewIsAudited) {
  auto r = https(port_, who("insurer"), "GET", kTarget);
  ASSERT_EQ(r.status, 200);
  auto s = store::open_sqlite(store::store_path(dir_->path()));
  ASSERT_TRUE(s.ok());
  const std::string key = core::make_card_key(kKenpo, "1234", "5678", "00");
  int views = 0, others = 0;
  // The service commits its audit log in groups; wait (boundedly) for the entry to land.
  for (int attempt = 0; attempt < 200 && views == 0; ++attempt) {
    views = others = 0;
    auto st = (*s)->scan_audit_by_subject(key, [&](const store::AuditEntry& e) {
      if (e.action == "member.view") {
        if (e.actor == std::string("insurer:") + kKenpo) ++views;
        else ++others;
        EXPECT_EQ(e.detail.find(kMyNumberA), std::string::npos);
      }
      return true;
    });
    ASSERT_TRUE(st.ok());
    if (views == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(views, 1);
  EXPECT_EQ(others, 0);  // the refused insurer read nothing
}

}  // namespace
}  // namespace onshi::qtest
