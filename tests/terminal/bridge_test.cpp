// The folder bridge against a real central service over HTTPS on 127.0.0.1 (port 0):
// Shift_JIS and UTF-8 request files, results in the configured encoding, partial writes,
// unreadable files answered with SegmentOfResult 9, an unreachable service, a restart that
// finds requests in work/, and the `onshi terminal` command itself.
#include "terminal/bridge.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/text.h"
#include "http/client.h"
#include "security/ca.h"
#include "serve/service.h"

namespace onshi::terminal {
namespace {

namespace fs = std::filesystem;
const char* kClinic = "1310112345";
const char* kInsurer = "06130488";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& bytes, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream out(p, std::ios::binary | mode);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string request_xml(const std::string& encoding, const std::string& file_id) {
  return "<?xml version=\"1.0\" encoding=\"" + encoding +
         "\" standalone=\"no\"?>\n<XmlMsg>\n  <MessageHeader>\n"
         "    <QualificationConfirmationDate>20250415</QualificationConfirmationDate>\n"
         "    <MedicalInstitutionCode>" + kClinic + "</MedicalInstitutionCode>\n"
         "    <ArbitraryFileIdentifier>" + file_id + "</ArbitraryFileIdentifier>\n"
         "  </MessageHeader>\n  <MessageBody>\n    <QualificationConfirmSearchInfo>\n"
         "      <InsurerNumber>" + kInsurer + "</InsurerNumber>\n"
         "      <InsuredCardSymbol>１２３</InsuredCardSymbol>\n"
         "      <InsuredIdentificationNumber>4567</InsuredIdentificationNumber>\n"
         "      <InsuredBranchNumber>01</InsuredBranchNumber>\n"
         "      <Birthdate>19800515</Birthdate>\n"
         "      <LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg>\n"
         "    </QualificationConfirmSearchInfo>\n  </MessageBody>\n</XmlMsg>\n";
}

std::string sjis(const std::string& utf8) {
  auto r = core::utf8_to_shift_jis(utf8);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : "";
}

// A result file as UTF-8 text, whatever its encoding.
std::string as_utf8(const std::string& bytes) {
  if (bytes.find("encoding=\"Shift_JIS\"") != std::string::npos) {
    auto r = core::shift_jis_to_utf8(bytes);
    return r.ok() ? *r : "<not Shift_JIS>";
  }
  return bytes;
}

std::string element(const std::string& text, const std::string& name) {
  auto b = text.find("<" + name + ">");
  auto e = text.find("</" + name + ">");
  if (b == std::string::npos || e == std::string::npos) return "<absent>";
  b += name.size() + 2;
  return text.substr(b, e - b);
}

// A port on 127.0.0.1 that nothing listens on.
uint16_t closed_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

size_t count_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

class BridgeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("onshi-terminal-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    ASSERT_TRUE(security::ca_init(*dir_).ok());
    ASSERT_TRUE(security::issue_client(*dir_, security::Role::kInstitution, kClinic, *dir_ / "clinic").ok());
    ASSERT_TRUE(security::issue_client(*dir_, security::Role::kInsurer, kInsurer, *dir_ / "insurer").ok());
    serve::ServiceOptions o;
    o.data_dir = *dir_;
    auto s = serve::Service::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    svc_ = s->release();
    ASSERT_TRUE(svc_->start().ok());
    // One member, registered over HTTPS by its insurer.
    http::ClientOptions co;
    co.port = svc_->port();
    co.ca_file = (*dir_ / "insurer" / "ca.pem").string();
    co.cert_file = (*dir_ / "insurer" / "cert.pem").string();
    co.key_file = (*dir_ / "insurer" / "key.pem").string();
    http::Client c(co);
    std::string member = std::string("[{\"insurerNumber\":\"") + kInsurer +
        "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
        "\"insuredCardSymbol\":\"１２３\",\"insuredIdentificationNumber\":\"4567\","
        "\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
        "\"insuredName\":\"試験　一郎\",\"name\":\"試験　一郎\",\"nameKana\":\"シケン　イチロウ\","
        "\"sex1\":\"1\",\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\","
        "\"postNumber\":\"100-0013\",\"address\":\"東京都千代田区霞が関１－２－３\"}]";
    auto r = c.request("POST", "/v1/registrations", member);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_NE(r->body.find("\"accepted\":1"), std::string::npos) << r->body;
  }
  static void TearDownTestSuite() {
    svc_->stop();
    delete svc_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  fs::path folder(const std::string& name) {
    fs::path f = *dir_ / ("oqs-" + name);
    fs::remove_all(f);
    return f;
  }

  static BridgeOptions options(const fs::path& folder, core::Encoding enc, uint16_t port = 0) {
    BridgeOptions o;
    o.folder = folder;
    auto c = client_options_from_cert_dir(*dir_ / "clinic", "127.0.0.1", port ? port : svc_->port());
    EXPECT_TRUE(c.ok());
    o.client = *c;
    o.client.timeout_ms = 5000;
    o.encoding = enc;
    o.poll_ms = 50;
    return o;
  }

  static std::unique_ptr<Bridge> open(const BridgeOptions& o) {
    auto b = Bridge::open(o);
    EXPECT_TRUE(b.ok()) << b.error().message;
    return b.ok() ? std::move(*b) : nullptr;
  }

  // Polls until `file` exists (deadline 30 s); true when it appeared.
  static bool poll_until(Bridge& b, const fs::path& file) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      b.poll_once();
      if (fs::exists(file)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  static fs::path* dir_;
  static serve::Service* svc_;
};
fs::path* BridgeTest::dir_ = nullptr;
serve::Service* BridgeTest::svc_ = nullptr;

// R-CONF-2, R-CONF-3: Shift_JIS and UTF-8 request files produce results in the configured
// encoding with the right declaration and CharacterCodeIdentifier; other files are left alone.
TEST_F(BridgeTest, ShiftJisAndUtf8RequestsGetResultsInTheConfiguredEncoding) {
  for (auto enc : {core::Encoding::kShiftJis, core::Encoding::kUtf8}) {
    const bool to_sjis = enc == core::Encoding::kShiftJis;
    fs::path f = folder(to_sjis ? "sjis" : "utf8");
    auto b = open(options(f, enc));
    ASSERT_TRUE(b);
    for (const char* sub : {"req", "res", "face", "work"}) EXPECT_TRUE(fs::is_directory(f / sub)) << sub;
    spit(f / "req" / "OQSsiquc01req_202504150001.xml", sjis(request_xml("Shift_JIS", "sj-1")));
    spit(f / "req" / "OQSsiquc01req_202504150002.xml", request_xml("UTF-8", "u8-2"));
    spit(f / "req" / "notes.txt", "not for the bridge");
    spit(f / "req" / "OQSmuquc01req_202504150003.xml", request_xml("UTF-8", "bulk"));
    for (const char* tail : {"202504150001", "202504150002"}) {
      fs::path res = f / "res" / (std::string("OQSsiquc01res_") + tail + ".xml");
      ASSERT_TRUE(poll_until(*b, res)) << res;
      const std::string bytes = slurp(res);
      EXPECT_EQ(bytes.rfind(to_sjis ? "<?xml version=\"1.0\" encoding=\"Shift_JIS\""
                                    : "<?xml version=\"1.0\" encoding=\"UTF-8\"", 0), 0u) << bytes.substr(0, 80);
      EXPECT_EQ(core::is_valid_utf8(bytes), !to_sjis);  // the kanji name makes Shift_JIS invalid UTF-8
      const std::string text = as_utf8(bytes);
      EXPECT_EQ(element(text, "CharacterCodeIdentifier"), to_sjis ? "1" : "0");
      EXPECT_EQ(element(text, "SegmentOfResult"), "1");
      EXPECT_EQ(element(text, "QualificationValidity"), "1");
      EXPECT_EQ(element(text, "Name"), "試験　一郎");
      EXPECT_EQ(element(text, "ArbitraryFileIdentifier"),
                std::string(tail) == "202504150001" ? "sj-1" : "u8-2");
    }
    EXPECT_FALSE(fs::exists(f / "req" / "OQSsiquc01req_202504150001.xml"));
    EXPECT_EQ(count_files(f / "work"), 0u);
    EXPECT_TRUE(fs::exists(f / "req" / "notes.txt"));
    EXPECT_TRUE(fs::exists(f / "req" / "OQSmuquc01req_202504150003.xml"));
    EXPECT_EQ(count_files(f / "res"), 2u);
  }
}

// R-CONF-3: a request written in two parts is not read before it is complete, however long
// the writer pauses, and is answered once the rest arrives.
TEST_F(BridgeTest, HalfWrittenFileIsNotReadEarly) {
  fs::path f = folder("partial");
  BridgeOptions o = options(f, core::Encoding::kUtf8);
  o.settle_ms = 600000;
  auto b = open(o);
  ASSERT_TRUE(b);
  const std::string doc = request_xml("UTF-8", "part");
  const fs::path req = f / "req" / "OQSsiquc01req_202504150010.xml";
  const fs::path res = f / "res" / "OQSsiquc01res_202504150010.xml";
  spit(req, doc.substr(0, doc.size() / 2));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(b->poll_once(), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  EXPECT_TRUE(fs::exists(req));
  EXPECT_FALSE(fs::exists(res));
  EXPECT_EQ(count_files(f / "work"), 0u);
  spit(req, doc.substr(doc.size() / 2), std::ios::app);
  ASSERT_TRUE(poll_until(*b, res));
  EXPECT_EQ(element(slurp(res), "QualificationValidity"), "1");
  EXPECT_EQ(element(slurp(res), "ArbitraryFileIdentifier"), "part");
}

// R-CONF-3: unreadable requests are answered with SegmentOfResult 9 and an ErrorCode.
TEST_F(BridgeTest, UnreadableRequestsGetAnErrorResult) {
  fs::path f = folder("garbage");
  BridgeOptions o = options(f, core::Encoding::kShiftJis);
  o.settle_ms = 0;
  auto b = open(o);
  ASSERT_TRUE(b);
  spit(f / "req" / "OQSsiquc01req_g1.xml", "this is not XML at all\n");
  // Declared Shift_JIS, but the bytes are not valid Shift_JIS.
  spit(f / "req" / "OQSsiquc01req_g2.xml",
       "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg><MessageHeader>\x81\x20\xff</MessageHeader></XmlMsg>");
  spit(f / "req" / "OQSsiquc01req_g3.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Other/>");
  for (const char* tail : {"g1", "g2", "g3"}) {
    fs::path res = f / "res" / (std::string("OQSsiquc01res_") + tail + ".xml");
    ASSERT_TRUE(poll_until(*b, res)) << tail;
    const std::string text = as_utf8(slurp(res));
    EXPECT_EQ(element(text, "SegmentOfResult"), "9") << tail;
    EXPECT_EQ(element(text, "ErrorCode").rfind("E_XML_", 0), 0u) << tail << " " << element(text, "ErrorCode");
    EXPECT_NE(element(text, "ErrorMessage"), "<absent>") << tail;
    EXPECT_EQ(element(text, "CharacterCodeIdentifier"), "1") << tail;
  }
  EXPECT_EQ(count_files(f / "work"), 0u);
  EXPECT_EQ(count_files(f / "req"), 0u);
}

// R-CONF-3: while the service cannot be reached the request stays in work/; a restart of the
// terminal finds it there and sends it.
TEST_F(BridgeTest, UnreachableServiceKeepsTheRequestAndARestartSendsIt) {
  fs::path f = folder("restart");
  const fs::path work = f / "work" / "OQSsiquc01req_202504150020.xml";
  const fs::path res = f / "res" / "OQSsiquc01res_202504150020.xml";
  {
    auto down = open(options(f, core::Encoding::kUtf8, closed_port()));
    ASSERT_TRUE(down);
    spit(f / "req" / "OQSsiquc01req_202504150020.xml", sjis(request_xml("Shift_JIS", "again")));
    ASSERT_TRUE(poll_until(*down, work));
    for (int i = 0; i < 3; ++i) {
      down->poll_once();
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
    EXPECT_TRUE(fs::exists(work));
    EXPECT_FALSE(fs::exists(res));
  }
  auto up = open(options(f, core::Encoding::kUtf8));
  ASSERT_TRUE(up);
  ASSERT_TRUE(poll_until(*up, res));
  EXPECT_EQ(element(slurp(res), "QualificationValidity"), "1");
  EXPECT_EQ(element(slurp(res), "ArbitraryFileIdentifier"), "again");
  EXPECT_FALSE(fs::exists(work));
}

// A request left in work/ whose result was already renamed into res/ is not sent again.
TEST_F(BridgeTest, AnsweredRequestLeftInWorkIsNotResent) {
  fs::path f = folder("answered");
  fs::create_directories(f / "work");
  fs::create_directories(f / "res");
  spit(f / "work" / "OQSsiquc01req_a1.xml", request_xml("UTF-8", "a1"));
  spit(f / "work" / ".tmp-OQSsiquc01res_a1.xml", "half");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  spit(f / "res" / "OQSsiquc01res_a1.xml", "the earlier answer");
  auto b = open(options(f, core::Encoding::kUtf8));
  ASSERT_TRUE(b);
  EXPECT_EQ(count_files(f / "work"), 0u);
  EXPECT_EQ(b->poll_once(), 0);
  EXPECT_EQ(slurp(f / "res" / "OQSsiquc01res_a1.xml"), "the earlier answer");
}

TEST(BridgeFlags, ServerUrl) {
  auto ok = parse_server_url("https://127.0.0.1:8443/");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, "127.0.0.1");
  EXPECT_EQ(ok->second, 8443);
  for (const char* bad : {"http://127.0.0.1:8443", "https://127.0.0.1", "https://h:x", "https://h:70000"}) {
    auto r = parse_server_url(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "E_FLAG");
  }
  auto missing = client_options_from_cert_dir("/nonexistent-onshi", "127.0.0.1", 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "E_FILE");
}

// The command itself: `onshi terminal` answers a dropped file and stops on SIGTERM.
TEST_F(BridgeTest, TerminalCommandAnswersADroppedFile) {
  fs::path f = folder("cli");
  const std::string server = "https://127.0.0.1:" + std::to_string(svc_->port());
  const std::string certs = (*dir_ / "clinic").string();
  const std::string oqs = f.string();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(ONSHI_BINARY, ONSHI_BINARY, "terminal", "--server", server.c_str(), "--cert-dir",
            certs.c_str(), "--folder", oqs.c_str(), "--encoding", "shift_jis", "--poll-ms", "50",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const fs::path res = f / "res" / "OQSsiquc01res_cli1.xml";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::is_directory(f / "req") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Written under another name and renamed in, as receipt computers are told to.
  spit(f / "OQSsiquc01req_cli1.tmp", sjis(request_xml("Shift_JIS", "cli")));
  fs::rename(f / "OQSsiquc01req_cli1.tmp", f / "req" / "OQSsiquc01req_cli1.xml");
  while (!fs::exists(res) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(fs::exists(res));
  const std::string text = as_utf8(slurp(res));
  EXPECT_EQ(element(text, "CharacterCodeIdentifier"), "1");
  EXPECT_EQ(element(text, "QualificationValidity"), "1");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace onshi::terminal
