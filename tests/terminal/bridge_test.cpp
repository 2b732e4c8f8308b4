// The folder bridge against a real central service over HTTPS on 127.0.0.1 (port 0):
// Shift_JIS and UTF-8 request files, results in the configured encoding, partial writes,
// files taken at once on a completion event (inotify) or after the stability wait, unreadable files answered with SegmentOfResult 9, an unreachable service, a restart that
// finds requests in work/, the bulk inquiry (OQSmuquc01 → ReceptionNumber → OQSmuquc02), and
// the `onshi terminal` command itself.
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
#include "oqs/messages.h"
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

// An OQSmuquc01req: the covered member, the lost one and an unknown card, in that order.
std::string bulk_request_xml(const std::string& encoding, const std::string& file_id) {
  auto entry = [](const std::string& number, const std::string& birth, const std::string& id) {
    return std::string("    <QualificationConfirmSearchInfo>\n      <InsurerNumber>") + kInsurer +
           "</InsurerNumber>\n      <InsuredCardSymbol>１２３</InsuredCardSymbol>\n"
           "      <InsuredIdentificationNumber>" + number + "</InsuredIdentificationNumber>\n"
           "      <InsuredBranchNumber>01</InsuredBranchNumber>\n"
           "      <Birthdate>" + birth + "</Birthdate>\n"
           "      <LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg>\n"
           "      <ArbitraryIdentifier>" + id + "</ArbitraryIdentifier>\n"
           "    </QualificationConfirmSearchInfo>\n";
  };
  return "<?xml version=\"1.0\" encoding=\"" + encoding +
         "\" standalone=\"no\"?>\n<XmlMsg>\n  <MessageHeader>\n"
         "    <QualificationConfirmationDate>20250415</QualificationConfirmationDate>\n"
         "    <MedicalInstitutionCode>" + kClinic + "</MedicalInstitutionCode>\n"
         "    <ArbitraryFileIdentifier>" + file_id + "</ArbitraryFileIdentifier>\n"
         "  </MessageHeader>\n  <MessageBody>\n" +
         entry("4567", "19800515", "p1_1") + entry("8910", "19400101", "p2_1") +
         entry("99999", "19700101", "p3_1") + "  </MessageBody>\n</XmlMsg>\n";
}

// An OQSmuquc02req for `reception`.
std::string bulk_result_request_xml(const std::string& encoding, const std::string& reception) {
  return "<?xml version=\"1.0\" encoding=\"" + encoding +
         "\" standalone=\"no\"?>\n<XmlMsg>\n  <MessageHeader>\n"
         "    <MedicalInstitutionCode>" + kClinic + "</MedicalInstitutionCode>\n"
         "  </MessageHeader>\n  <MessageBody>\n"
         "    <ReceptionNumber>" + reception + "</ReceptionNumber>\n"
         "  </MessageBody>\n</XmlMsg>\n";
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
    // Two members, registered over HTTPS by their insurer: 4567 covered, 8910 lost on 2025-01-01.
    std::string member = std::string("[{\"insurerNumber\":\"") + kInsurer +
        "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
        "\"insuredCardSymbol\":\"１２３\",\"insuredIdentificationNumber\":\"4567\","
        "\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
        "\"insuredName\":\"試験　一郎\",\"name\":\"試験　一郎\",\"nameKana\":\"シケン　イチロウ\","
        "\"sex1\":\"1\",\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\","
        "\"postNumber\":\"100-0013\",\"address\":\"東京都千代田区霞が関１－２－３\"},"
        "{\"insurerNumber\":\"" + kInsurer +
        "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
        "\"insuredCardSymbol\":\"１２３\",\"insuredIdentificationNumber\":\"8910\","
        "\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
        "\"insuredName\":\"見本　次郎\",\"name\":\"見本　次郎\",\"nameKana\":\"ミホン　ジロウ\","
        "\"sex1\":\"1\",\"birthdate\":\"19400101\",\"qualificationDate\":\"20180401\","
        "\"disqualificationDate\":\"20250101\","
        "\"postNumber\":\"100-0013\",\"address\":\"東京都千代田区霞が関１－２－３\"}]";
    auto r = c.request("POST", "/v1/registrations", member);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_NE(r->body.find("\"accepted\":2"), std::string::npos) << r->body;
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
    spit(f / "req" / "OQSmutic01req_202504150003.xml", request_xml("UTF-8", "other"));  // not carried
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
    EXPECT_TRUE(fs::exists(f / "req" / "OQSmutic01req_202504150003.xml"));
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

// R-CONF-3 (watch): a file renamed into req/ or closed by its writer is taken by the very next
// scan, without the stability wait; a file that was there before the bridge opened (no
// event) is not. poll_ms is a minute, so nothing here can be taken by the stability rule.
TEST_F(BridgeTest, RenamedOrClosedFileIsTakenByOneScanWhenWatching) {
  fs::path f = folder("watch");
  fs::create_directories(f / "req");
  spit(f / "req" / "OQSsiquc01req_202504150029.xml", request_xml("UTF-8", "before"));
  BridgeOptions o = options(f, core::Encoding::kShiftJis);
  o.poll_ms = 60000;
  auto b = open(o);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->watching());
  // Written beside req/ and renamed in (IN_MOVED_TO).
  spit(f / "OQSsiquc01req_202504150030.tmp", sjis(request_xml("Shift_JIS", "renamed")));
  fs::rename(f / "OQSsiquc01req_202504150030.tmp", f / "req" / "OQSsiquc01req_202504150030.xml");
  EXPECT_EQ(b->poll_once(), 1);
  const fs::path renamed = f / "res" / "OQSsiquc01res_202504150030.xml";
  ASSERT_TRUE(fs::exists(renamed));
  EXPECT_EQ(element(as_utf8(slurp(renamed)), "ArbitraryFileIdentifier"), "renamed");
  EXPECT_EQ(element(as_utf8(slurp(renamed)), "QualificationValidity"), "1");
  EXPECT_FALSE(fs::exists(f / "req" / "OQSsiquc01req_202504150030.xml"));
  // Written in req/ itself and closed (IN_CLOSE_WRITE).
  spit(f / "req" / "OQSsiquc01req_202504150031.xml", request_xml("UTF-8", "closed"));
  EXPECT_EQ(b->poll_once(), 1);
  const fs::path closed = f / "res" / "OQSsiquc01res_202504150031.xml";
  ASSERT_TRUE(fs::exists(closed));
  EXPECT_EQ(element(as_utf8(slurp(closed)), "ArbitraryFileIdentifier"), "closed");
  // The file from before the start waits for the stability rule.
  EXPECT_TRUE(fs::exists(f / "req" / "OQSsiquc01req_202504150029.xml"));
  EXPECT_FALSE(fs::exists(f / "res" / "OQSsiquc01res_202504150029.xml"));
  EXPECT_EQ(count_files(f / "work"), 0u);
}

// R-CONF-3 (watch): a writer that keeps the file open between two parts causes IN_CREATE and
// IN_MODIFY but no IN_CLOSE_WRITE: the file is not read early — not even once it holds a
// whole document while still open — and is taken by the first scan after the close.
TEST_F(BridgeTest, FileKeptOpenByItsWriterIsNotReadEarlyWhenWatching) {
  fs::path f = folder("watch-open");
  BridgeOptions o = options(f, core::Encoding::kUtf8);
  o.poll_ms = 60000;
  o.settle_ms = 600000;
  auto b = open(o);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->watching());
  const std::string doc = request_xml("UTF-8", "open");
  const fs::path req = f / "req" / "OQSsiquc01req_202504150032.xml";
  const fs::path res = f / "res" / "OQSsiquc01res_202504150032.xml";
  std::ofstream out(req, std::ios::binary);
  out.write(doc.data(), static_cast<std::streamsize>(doc.size() / 2));
  out.flush();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(b->poll_once(), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  out.write(doc.data() + doc.size() / 2, static_cast<std::streamsize>(doc.size() - doc.size() / 2));
  out.flush();
  ASSERT_TRUE(out.good());
  EXPECT_EQ(b->poll_once(), 0);  // whole, but its writer has not closed it
  EXPECT_TRUE(fs::exists(req));
  EXPECT_FALSE(fs::exists(res));
  EXPECT_EQ(count_files(f / "work"), 0u);
  out.close();
  EXPECT_EQ(b->poll_once(), 1);
  ASSERT_TRUE(fs::exists(res));
  EXPECT_EQ(element(slurp(res), "ArbitraryFileIdentifier"), "open");
}

// R-CONF-3 (no watch, `--no-watch`): a file renamed in is not taken by the scan that first
// sees it, only by a scan at least poll_ms later that finds it unchanged.
TEST_F(BridgeTest, WithoutWatchAFileNeedsTwoScans) {
  fs::path f = folder("no-watch");
  BridgeOptions o = options(f, core::Encoding::kUtf8);
  o.watch = false;
  auto b = open(o);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->watching());
  spit(f / "OQSsiquc01req_202504150033.tmp", request_xml("UTF-8", "polled"));
  fs::rename(f / "OQSsiquc01req_202504150033.tmp", f / "req" / "OQSsiquc01req_202504150033.xml");
  EXPECT_EQ(b->poll_once(), 0);
  EXPECT_TRUE(fs::exists(f / "req" / "OQSsiquc01req_202504150033.xml"));
  std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  EXPECT_EQ(b->poll_once(), 1);
  const fs::path res = f / "res" / "OQSsiquc01res_202504150033.xml";
  ASSERT_TRUE(fs::exists(res));
  EXPECT_EQ(element(slurp(res), "ArbitraryFileIdentifier"), "polled");
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

// R-CONF-2 (bulk, research §2.2, §6.5): an OQSmuquc01req in Shift_JIS and one in UTF-8 are
// answered with an OQSmuquc01res carrying a ReceptionNumber; an OQSmuquc02req with that number
// is answered with one BulkConfirmUnit per patient and the validity of each, in the
// configured encoding.
TEST_F(BridgeTest, BulkInquiryRoundTripThroughTheFolder) {
  for (auto enc : {core::Encoding::kShiftJis, core::Encoding::kUtf8}) {
    const bool to_sjis = enc == core::Encoding::kShiftJis;
    fs::path f = folder(to_sjis ? "bulk-sjis" : "bulk-utf8");
    auto b = open(options(f, enc));
    ASSERT_TRUE(b);
    const std::string file_id = to_sjis ? "BULK-SJ" : "BULK-U8";
    spit(f / "req" / "OQSmuquc01req_202504150002.xml",
         to_sjis ? sjis(bulk_request_xml("Shift_JIS", file_id)) : bulk_request_xml("UTF-8", file_id));
    const fs::path receipt = f / "res" / "OQSmuquc01res_202504150002.xml";
    ASSERT_TRUE(poll_until(*b, receipt));
    std::string bytes = slurp(receipt);
    EXPECT_EQ(bytes.rfind(to_sjis ? "<?xml version=\"1.0\" encoding=\"Shift_JIS\""
                                  : "<?xml version=\"1.0\" encoding=\"UTF-8\"", 0), 0u) << bytes.substr(0, 80);
    std::string text = as_utf8(bytes);
    EXPECT_EQ(element(text, "CharacterCodeIdentifier"), to_sjis ? "1" : "0");
    EXPECT_EQ(element(text, "SegmentOfResult"), "1");
    EXPECT_EQ(element(text, "ArbitraryFileIdentifier"), file_id);
    const std::string reception = element(text, "ReceptionNumber");
    ASSERT_EQ(reception.size(), 16u) << text;
    EXPECT_TRUE(core::all_digits(reception)) << reception;
    EXPECT_FALSE(fs::exists(f / "req" / "OQSmuquc01req_202504150002.xml"));

    spit(f / "req" / "OQSmuquc02req_202504150003.xml",
         to_sjis ? sjis(bulk_result_request_xml("Shift_JIS", reception))
                 : bulk_result_request_xml("UTF-8", reception));
    const fs::path result = f / "res" / "OQSmuquc02res_202504150003.xml";
    ASSERT_TRUE(poll_until(*b, result));
    bytes = slurp(result);
    EXPECT_EQ(bytes.rfind(to_sjis ? "<?xml version=\"1.0\" encoding=\"Shift_JIS\""
                                  : "<?xml version=\"1.0\" encoding=\"UTF-8\"", 0), 0u) << bytes.substr(0, 80);
    EXPECT_EQ(core::is_valid_utf8(bytes), !to_sjis);  // kanji names make Shift_JIS invalid UTF-8
    auto parsed = oqs::parse_bulk_result_xml(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const oqs::BulkResult& r = *parsed;
    EXPECT_EQ(r.header.character_code_identifier, to_sjis ? "1" : "0");
    EXPECT_EQ(r.header.segment_of_result, "1");
    EXPECT_EQ(r.header.reception_number, reception);
    EXPECT_EQ(r.header.arbitrary_file_identifier, file_id);
    EXPECT_EQ(r.header.number_of_processing_result, "3");
    ASSERT_EQ(r.units.size(), 3u);
    EXPECT_EQ(r.units[0].search.arbitrary_identifier, "p1_1");
    EXPECT_EQ(r.units[0].processing_result_status, "1");
    EXPECT_EQ(r.units[0].qualification_validity, "1");  // covered on 2025-04-15
    ASSERT_EQ(r.units[0].results.size(), 1u);
    EXPECT_EQ(r.units[0].results[0].qualification.name, "試験　一郎");
    EXPECT_EQ(r.units[1].search.arbitrary_identifier, "p2_1");
    EXPECT_EQ(r.units[1].qualification_validity, "2");  // lost on 2025-01-01
    ASSERT_EQ(r.units[1].results.size(), 1u);
    EXPECT_EQ(r.units[1].results[0].qualification.name, "見本　次郎");
    EXPECT_EQ(r.units[2].search.arbitrary_identifier, "p3_1");
    EXPECT_EQ(r.units[2].qualification_validity, "4");  // no such card
    EXPECT_TRUE(r.units[2].results.empty());
    EXPECT_EQ(count_files(f / "work"), 0u);
    EXPECT_EQ(count_files(f / "req"), 0u);
    EXPECT_EQ(count_files(f / "res"), 2u);
  }
}

// R-CONF-3 (bulk): unreadable bulk files, an unknown ReceptionNumber and a refusal at the
// HTTP level are each answered with a result of the request's own type, SegmentOfResult 9.
TEST_F(BridgeTest, BulkErrorsGetAResultOfTheirOwnType) {
  fs::path f = folder("bulk-errors");
  BridgeOptions o = options(f, core::Encoding::kShiftJis);
  o.settle_ms = 0;
  auto b = open(o);
  ASSERT_TRUE(b);
  spit(f / "req" / "OQSmuquc01req_e1.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>");
  // Well-formed, but no ReceptionNumber.
  spit(f / "req" / "OQSmuquc02req_e2.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader><MedicalInstitutionCode>" +
           std::string(kClinic) + "</MedicalInstitutionCode></MessageHeader><MessageBody/></XmlMsg>");
  spit(f / "req" / "OQSmuquc02req_e3.xml", sjis(bulk_result_request_xml("Shift_JIS", "2025041599999999")));
  struct Expect {
    const char* file;
    const char* code;
  };
  for (const Expect& e : {Expect{"OQSmuquc01res_e1.xml", "E_XML_SYNTAX"},
                          Expect{"OQSmuquc02res_e2.xml", "E_XML_MISSING"},
                          Expect{"OQSmuquc02res_e3.xml", "E_RECEPTION_NOT_FOUND"}}) {
    const fs::path res = f / "res" / e.file;
    ASSERT_TRUE(poll_until(*b, res)) << e.file;
    const std::string bytes = slurp(res);
    EXPECT_EQ(bytes.rfind("<?xml version=\"1.0\" encoding=\"Shift_JIS\"", 0), 0u) << e.file;
    const std::string text = as_utf8(bytes);
    EXPECT_EQ(element(text, "SegmentOfResult"), "9") << e.file;
    EXPECT_EQ(element(text, "ErrorCode"), e.code) << e.file;
    EXPECT_NE(element(text, "ErrorMessage"), "<absent>") << e.file;
    EXPECT_EQ(element(text, "CharacterCodeIdentifier"), "1") << e.file;
    EXPECT_EQ(element(text, "MessageBody"), "<absent>") << e.file;
  }
  EXPECT_EQ(element(as_utf8(slurp(f / "res" / "OQSmuquc02res_e3.xml")), "ReceptionNumber"),
            "2025041599999999");
  EXPECT_EQ(element(as_utf8(slurp(f / "res" / "OQSmuquc02res_e3.xml")), "MedicalInstitutionCode"),
            kClinic);

  // The insurer's certificate is refused by the bulk route: E_TERMINAL_HTTP in an 01res.
  fs::path g = folder("bulk-refused");
  BridgeOptions bad = options(g, core::Encoding::kUtf8);
  auto insurer = client_options_from_cert_dir(*dir_ / "insurer", "127.0.0.1", svc_->port());
  ASSERT_TRUE(insurer.ok());
  bad.client = *insurer;
  auto rb = open(bad);
  ASSERT_TRUE(rb);
  spit(g / "req" / "OQSmuquc01req_r1.xml", bulk_request_xml("UTF-8", "refused"));
  const fs::path res = g / "res" / "OQSmuquc01res_r1.xml";
  ASSERT_TRUE(poll_until(*rb, res));
  const std::string text = slurp(res);
  EXPECT_EQ(element(text, "SegmentOfResult"), "9");
  EXPECT_EQ(element(text, "ErrorCode"), "E_TERMINAL_HTTP");
  // Fail-closed issue, point 5: the レセコン vendor's staff read Japanese, with the status.
  EXPECT_NE(
      element(text, "ErrorMessage").find("中央システムが要求を受け付けませんでした（HTTP 403"),
      std::string::npos)
      << element(text, "ErrorMessage");
  EXPECT_NE(element(text, "ErrorMessage").find("証明書"), std::string::npos);
  EXPECT_EQ(element(text, "ArbitraryFileIdentifier"), "refused");
  EXPECT_EQ(element(text, "ReceptionNumber"), "<absent>");
  EXPECT_EQ(count_files(g / "work"), 0u);
}

// R-CONF-3 (bulk): an upload that waited in work/ while the service was unreachable is sent
// after a restart, exactly once (the next upload gets the very next reception number); a
// download left in work/ whose result is already in res/ is not sent again.
TEST_F(BridgeTest, BulkRequestsLeftInWorkAreSentOnceAfterARestart) {
  fs::path f = folder("bulk-restart");
  const fs::path work = f / "work" / "OQSmuquc01req_w1.xml";
  const fs::path receipt = f / "res" / "OQSmuquc01res_w1.xml";
  {
    auto down = open(options(f, core::Encoding::kUtf8, closed_port()));
    ASSERT_TRUE(down);
    spit(f / "req" / "OQSmuquc01req_w1.xml", sjis(bulk_request_xml("Shift_JIS", "again")));
    ASSERT_TRUE(poll_until(*down, work));
    for (int i = 0; i < 3; ++i) {
      down->poll_once();
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
    EXPECT_TRUE(fs::exists(work));
    EXPECT_FALSE(fs::exists(receipt));
  }
  // Answered before the stop, but the request was not yet removed from work/.
  spit(f / "work" / "OQSmuquc02req_w2.xml", bulk_result_request_xml("UTF-8", "2025041500000001"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  spit(f / "res" / "OQSmuquc02res_w2.xml", "the earlier answer");

  auto up = open(options(f, core::Encoding::kUtf8));
  ASSERT_TRUE(up);
  EXPECT_FALSE(fs::exists(f / "work" / "OQSmuquc02req_w2.xml"));
  ASSERT_TRUE(poll_until(*up, receipt));
  const std::string first = element(slurp(receipt), "ReceptionNumber");
  ASSERT_EQ(first.size(), 16u);
  EXPECT_EQ(element(slurp(receipt), "ArbitraryFileIdentifier"), "again");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(up->poll_once(), 0);
  EXPECT_EQ(count_files(f / "work"), 0u);
  EXPECT_EQ(slurp(f / "res" / "OQSmuquc02res_w2.xml"), "the earlier answer");

  spit(f / "req" / "OQSmuquc01req_w3.xml", bulk_request_xml("UTF-8", "next"));
  const fs::path next = f / "res" / "OQSmuquc01res_w3.xml";
  ASSERT_TRUE(poll_until(*up, next));
  const std::string second = element(slurp(next), "ReceptionNumber");
  ASSERT_EQ(second.size(), 16u);
  EXPECT_EQ(std::stoll(second.substr(8)), std::stoll(first.substr(8)) + 1) << first << " " << second;
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
