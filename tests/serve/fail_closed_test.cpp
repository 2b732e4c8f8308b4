// The service fails closed (issue "fail closed and tell the truth"): no read of a person is
// answered without its durable audit entry, a service that could not audit does not start,
// /healthz and /metrics tell, and one data directory has one service. Every test runs the
// real `onshi` binary on 127.0.0.1 port 0 against a real data directory; the failures are
// real too — an audit file the service's user cannot write, and another process holding
// the audit file's SQLite write lock.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/dir_lock.h"
#include "http/client.h"
#include "security/ca.h"
#include "store/store.h"

namespace onshi::serve {
namespace {

namespace fs = std::filesystem;
const char* const kClinic = "1310112345";
const char* const kInsurer = "06130488";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `onshi ARGS…` as a child process (stderr to a file; as uid `uid` when ≥ 0). When it
// prints its {"listening":…} line the port is read from it; `exited` tells whether it ended
// within the time given instead.
class Onshi {
 public:
  Onshi(const std::vector<std::string>& args, const fs::path& stderr_file, int uid = -1,
        std::chrono::seconds wait = std::chrono::seconds(20)) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      ::dup2(fds[1], 1);
      int e = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
      ::dup2(e, 2);
      ::close(fds[0]);
      if (uid >= 0 && (::setgid(uid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
      std::vector<char*> argv{const_cast<char*>(ONSHI_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(ONSHI_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      char c;
      ssize_t n = ::read(fd_, &c, 1);
      if (n == 1) {
        if (c == '\n') break;
        line_ += c;
        continue;
      }
      int status = 0;
      const bool ended =
          n == 0 ? ::waitpid(pid_, &status, 0) == pid_ : ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (ended) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    auto p = line_.rfind(':');
    if (p != std::string::npos) port_ = static_cast<uint16_t>(std::atoi(line_.c_str() + p + 1));
  }
  ~Onshi() { stop(); }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool running() const { return pid_ > 0 && port_ != 0; }
  int exit_code() const { return exit_code_; }  // -1 while it runs
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  int exit_code_ = -1;
  std::string line_;
  uint16_t port_ = 0;
};

// Another process's hold on a SQLite file's write lock (BEGIN IMMEDIATE; WAL mode), released
// at the latest when the holder goes out of scope.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const fs::path& db) {
    if (sqlite3_open(db.c_str(), &db_) != SQLITE_OK) return;
    held_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~WriteLockHolder() { release(); }
  bool held() const { return held_; }
  void release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

class FailClosedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "onshi-failclosed-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    data_ = dir_ / "data";
    ASSERT_TRUE(security::ca_init(data_).ok());
    ASSERT_TRUE(
        security::issue_client(data_, security::Role::kInstitution, kClinic, dir_ / "clinic").ok());
    ASSERT_TRUE(
        security::issue_client(data_, security::Role::kInsurer, kInsurer, dir_ / "insurer").ok());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<std::string> serve_args() const {
    return {"serve",       "--data-dir",      data_.string(), "--listen",
            "127.0.0.1:0", "--audit-wait-ms", "1000"};
  }

  http::Client client(uint16_t port, const std::string& who) const {
    http::ClientOptions o;
    o.port = port;
    o.ca_file = (dir_ / who / "ca.pem").string();
    o.cert_file = (dir_ / who / "cert.pem").string();
    o.key_file = (dir_ / who / "key.pem").string();
    return http::Client(o);
  }

  void register_member(uint16_t port) {
    std::string body =
        std::string("[{\"insurerNumber\":\"") + kInsurer +
        "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
        "\"insuredCardSymbol\":\"123\",\"insuredIdentificationNumber\":\"4567\","
        "\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
        "\"name\":\"監査　一郎\",\"nameKana\":\"カンサ　イチロウ\",\"sex1\":\"1\","
        "\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\"}]";
    auto r = client(port, "insurer").request("POST", "/v1/registrations", body);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }

  static std::string request_xml() {
    return std::string(
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>"
               "<QualificationConfirmationDate>20250415</QualificationConfirmationDate>"
               "<MedicalInstitutionCode>") +
           kClinic +
           "</MedicalInstitutionCode>"
           "<ArbitraryFileIdentifier>f-1</ArbitraryFileIdentifier></MessageHeader><MessageBody>"
           "<QualificationConfirmSearchInfo><InsurerNumber>" +
           kInsurer +
           "</InsurerNumber>"
           "<InsuredCardSymbol>123</InsuredCardSymbol><InsuredIdentificationNumber>4567"
           "</InsuredIdentificationNumber><InsuredBranchNumber>01</InsuredBranchNumber>"
           "<Birthdate>19800515</Birthdate><LimitApplicationCertificateRelatedConsFlg>0"
           "</LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo>"
           "</MessageBody></XmlMsg>";
  }
  static std::string request_json() {
    return std::string(
               "{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
           kClinic + "\",\"insurerNumber\":\"" + kInsurer +
           "\",\"insuredCardSymbol\":\"123\",\"insuredIdentificationNumber\":\"4567\","
           "\"insuredBranchNumber\":\"01\",\"birthdate\":\"19800515\","
           "\"limitApplicationCertificateRelatedConsFlg\":\"0\"}";
  }

  // A first service run creates the store and the audit file, with one member.
  void prepare_store() {
    Onshi first(serve_args(), dir_ / "first.err");
    ASSERT_TRUE(first.running()) << slurp(dir_ / "first.err");
    register_member(first.port());
  }

  fs::path dir_, data_;
};

// Issue point 1: the audit file cannot be written by the service's user (a copy run as
// another user): `serve` refuses to start, naming the file, instead of answering reads that
// are never audited. As root the service is run as nobody, for whom the file is read-only.
TEST_F(FailClosedTest, UnwritableAuditFileRefusesToStart) {
  prepare_store();
  const fs::path audit = store::audit_path(data_);
  int uid = -1;
  if (::geteuid() == 0) {
    uid = 65534;  // nobody: owns everything but the audit log, which stays root's, 0644
    for (const auto& e : fs::recursive_directory_iterator(dir_))
      ASSERT_EQ(::chown(e.path().c_str(), uid, uid), 0) << e.path();
    ASSERT_EQ(::chown(dir_.c_str(), uid, uid), 0);
    ASSERT_EQ(::chown(audit.c_str(), 0, 0), 0);
    fs::permissions(audit, fs::perms(0644));
  } else {
    fs::permissions(audit, fs::perms(0444));
  }
  Onshi svc(serve_args(), dir_ / "ro.err", uid, std::chrono::seconds(10));
  const std::string err = slurp(dir_ / "ro.err");
  EXPECT_FALSE(svc.running()) << "a service that cannot audit must not start: " << err;
  EXPECT_EQ(svc.exit_code(), 2) << err;  // the database cannot be used: exit 2, like E_STORE_OPEN
  EXPECT_NE(err.find("E_STORE_OPEN"), std::string::npos) << err;
  EXPECT_NE(err.find("onshi-audit.db"), std::string::npos) << err;
}

// Issue point 1: while the audit entry cannot be made durable (another process holds the
// audit file's write lock), confirmations in XML and JSON and the member view are refused
// with E_STORE and carry nothing of the person; /healthz is 503 with the reason; /metrics
// counts the refusals. Once the lock is gone, everything answers again.
TEST_F(FailClosedTest, NoAnswerWithoutDurableAuditEntry) {
  Onshi svc(serve_args(), dir_ / "serve.err");
  ASSERT_TRUE(svc.running()) << slurp(dir_ / "serve.err");
  register_member(svc.port());
  auto clinic = client(svc.port(), "clinic");
  auto ok = clinic.request("POST", "/xml/OQSsiquc01", request_xml(), "application/xml");
  ASSERT_TRUE(ok.ok());
  ASSERT_NE(ok->body.find("監査　一郎"), std::string::npos) << ok->body;

  WriteLockHolder holder(store::audit_path(data_));
  ASSERT_TRUE(holder.held());

  auto xml = clinic.request("POST", "/xml/OQSsiquc01", request_xml(), "application/xml");
  ASSERT_TRUE(xml.ok());
  EXPECT_EQ(xml->status, 200);
  EXPECT_NE(xml->body.find("<SegmentOfResult>9</SegmentOfResult>"), std::string::npos) << xml->body;
  EXPECT_NE(xml->body.find("E_STORE"), std::string::npos) << xml->body;
  EXPECT_EQ(xml->body.find("監査　一郎"), std::string::npos)
      << "nothing of the person: " << xml->body;
  EXPECT_EQ(xml->body.find("19800515"), std::string::npos) << xml->body;

  auto js =
      clinic.request("POST", "/v1/qualification-confirmations", request_json(), "application/json");
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js->status, 503) << js->body;
  EXPECT_NE(js->body.find("E_STORE"), std::string::npos) << js->body;
  EXPECT_EQ(js->body.find("監査　一郎"), std::string::npos) << js->body;

  auto view = client(svc.port(), "insurer")
                  .request("GET", std::string("/v1/members?insurerNumber=") + kInsurer +
                                      "&insuredCardSymbol=123&insuredIdentificationNumber=4567");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->status, 503) << view->body;
  EXPECT_EQ(view->body.find("監査　一郎"), std::string::npos) << view->body;

  auto health = clinic.request("GET", "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 503) << health->body;
  EXPECT_NE(health->body.find("audit"), std::string::npos) << health->body;
  auto metrics = clinic.request("GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("onshi_audit_refused_total 3"), std::string::npos) << metrics->body;

  holder.release();
  bool healthy = false;
  for (int i = 0; i < 100 && !healthy; ++i) {
    auto h = clinic.request("GET", "/healthz");
    healthy = h.ok() && h->status == 200;
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(healthy);
  auto again = clinic.request("POST", "/xml/OQSsiquc01", request_xml(), "application/xml");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->body.find("監査　一郎"), std::string::npos) << again->body;
}

// Issue point 2: one service per data directory; the second is refused with the first's pid.
TEST_F(FailClosedTest, SecondServiceOnTheSameDirectoryIsRefused) {
  Onshi first(serve_args(), dir_ / "first.err");
  ASSERT_TRUE(first.running()) << slurp(dir_ / "first.err");
  Onshi second(serve_args(), dir_ / "second.err", -1, std::chrono::seconds(10));
  const std::string err = slurp(dir_ / "second.err");
  EXPECT_FALSE(second.running());
  EXPECT_EQ(second.exit_code(), 1) << err;
  EXPECT_NE(err.find("E_LOCKED"), std::string::npos) << err;
  EXPECT_NE(err.find("pid " + std::to_string(first.pid())), std::string::npos) << err;
}

// Issue point 2: an import may share the directory with a running service (SQLite WAL): the
// service keeps answering correctly while the import writes, and sees its rows after.
TEST_F(FailClosedTest, ImportBesideARunningServiceIsSharedSafely) {
  Onshi svc(serve_args(), dir_ / "serve.err");
  ASSERT_TRUE(svc.running()) << slurp(dir_ / "serve.err");
  register_member(svc.port());
  const fs::path csv = dir_ / "members.csv";
  ASSERT_EQ(std::system((std::string(ONSHI_BINARY) + " generate members --count 50000 --out " +
                         csv.string() + " > /dev/null")
                            .c_str()),
            0);
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execl(ONSHI_BINARY, ONSHI_BINARY, "import", "--data-dir", data_.c_str(), "--report",
            (dir_ / "report.json").c_str(), "--batch-size", "500", csv.c_str(), nullptr);
    ::_exit(127);
  }
  auto clinic = client(svc.port(), "clinic");
  int answered = 0, status = 0;
  do {
    auto r = clinic.request("POST", "/xml/OQSsiquc01", request_xml(), "application/xml");
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->body.find("<QualificationValidity>1</QualificationValidity>"), std::string::npos)
        << r->body;
    ++answered;
  } while (::waitpid(pid, &status, WNOHANG) == 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_GT(answered, 1) << "the service answered while the import ran";
  const std::string report = slurp(dir_ / "report.json");
  EXPECT_NE(report.find("\"accepted\":"), std::string::npos) << report.substr(0, 300);
  EXPECT_EQ(report.find("\"accepted\":0,"), std::string::npos) << report.substr(0, 300);
}

// Issue point 2: one import at a time per data directory.
TEST_F(FailClosedTest, SecondImportIsRefusedWithTheHoldersPid) {
  auto held = core::DirLock::acquire(data_, "import", "data-dir", "another onshi import");
  ASSERT_TRUE(held.ok());
  std::ofstream(dir_ / "m.csv") << "InsurerNumber\n";
  Onshi imp({"import", "--data-dir", data_.string(), "--report", (dir_ / "r.json").string(),
             (dir_ / "m.csv").string()},
            dir_ / "imp.err", -1, std::chrono::seconds(20));
  const std::string err = slurp(dir_ / "imp.err");
  EXPECT_EQ(imp.exit_code(), 1) << err;
  EXPECT_NE(err.find("E_LOCKED"), std::string::npos) << err;
  EXPECT_NE(err.find("pid " + std::to_string(::getpid())), std::string::npos) << err;
  EXPECT_NE(slurp(dir_ / "r.json").find("\"failed\""), std::string::npos);
}

// Issue point 4: a CA whose server certificate is gone is restored, not re-created.
TEST_F(FailClosedTest, MissingServerCertificateSaysRestoreFromBackup) {
  fs::remove(data_ / "ca" / "server.pem");
  Onshi svc(serve_args(), dir_ / "nocert.err", -1, std::chrono::seconds(10));
  const std::string err = slurp(dir_ / "nocert.err");
  EXPECT_EQ(svc.exit_code(), 2) << err;
  EXPECT_NE(err.find("E_CA_MISSING"), std::string::npos) << err;
  EXPECT_NE(err.find("restore"), std::string::npos) << err;
  EXPECT_EQ(err.find("run `onshi ca init"), std::string::npos) << err;
}

// Issue point 4: a failed handshake is logged with the peer's real address.
TEST_F(FailClosedTest, HandshakeFailureLogsThePeerAddress) {
  Onshi svc(serve_args(), dir_ / "hs.err");
  ASSERT_TRUE(svc.running());
  http::ClientOptions o;
  o.port = svc.port();
  o.ca_file = (dir_ / "clinic" / "ca.pem").string();  // no client certificate
  http::Client(o).request("GET", "/healthz");
  std::string err;
  for (int i = 0; i < 50 && err.find("http.tls_handshake_failed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    err = slurp(dir_ / "hs.err");
  }
  EXPECT_NE(err.find("\"remote\":\"127.0.0.1\""), std::string::npos) << err;
}

}  // namespace
}  // namespace onshi::serve
