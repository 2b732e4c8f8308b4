// The claims check from the outside: `onshi claims check` as the real binary (exit codes,
// the results file, the one audit entry per run) and POST /v1/claims:check over real HTTPS
// with a reviewer's certificate from onshi's own CA (the service on an ephemeral port).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "claims_test_util.h"
#include "security/ca.h"

namespace onshi::claims::testing {
namespace {

struct Shell {
  int exit_code = -1;
  std::string out;
};

Shell shell(const std::string& cmd) {
  Shell r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

class ClaimsCliTest : public ClaimsFixture {
 protected:
  void SetUp() override {
    ClaimsFixture::SetUp();
    clinic = institution('1', 31);
    member = qualification("06130488", "12", "901", "00", "外部　一", "19800101", "20180401",
                           "20250416");
    next = qualification("06270011", "88", "901", "00", "外部　一", "19800101", "20250416");
    put(member, "outside");
    put(next, "outside");
    claims_csv = header() + claim_row("X1", clinic, "", "20250401", "20250410", member) +
                 claim_row("X2", clinic, "", "20250401", "20250430", member) +
                 claim_row("X3", clinic, "", "20250420", "20250420", member) + "X4,broken\n";
  }

  // Audit entries with this action, read from a fresh connection.
  std::vector<store::AuditEntry> audit_entries(const std::string& action) {
    std::vector<store::AuditEntry> out;
    auto s = store::open_sqlite(store::store_path(dir_));
    EXPECT_TRUE(s.ok());
    if (!s.ok()) return out;
    (*s)->scan_audit(1, [&](const store::AuditEntry& e) {
      if (e.action == action) out.push_back(e);
      return true;
    });
    return out;
  }

  std::string clinic;
  core::Qualification member, next;
  std::string claims_csv;
};

// R-CLM-2: the command of the issue, exactly; results file, summary, one audit entry.
TEST_F(ClaimsCliTest, CheckCommandWritesResultsAndAuditsTheRun) {
  write_file(dir_ / "claims.csv", claims_csv);
  Shell r = shell(std::string(ONSHI_BINARY) + " claims check --data-dir " + q(dir_) + " --in " +
                  q(dir_ / "claims.csv") + " --out " + q(dir_ / "results.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"claims\":4"), std::string::npos) << r.out;
  std::string text = read_file(dir_ / "results.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "ClaimId,Result,ReasonCode,InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,"
            "InsuredBranchNumber,FromDate,ToDate,Message");
  auto rows = parse_results(text);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][1], "OK");
  EXPECT_EQ(rows[1][1], "SPLIT");
  EXPECT_EQ(rows[2][1], "SPLIT");
  EXPECT_EQ(rows[3][1], "REASSIGN");
  EXPECT_EQ(rows[3][3], "06270011");
  EXPECT_EQ(rows[4][1], "RETURN");
  EXPECT_EQ(rows[4][2], "E_ROW");
  auto entries = audit_entries("claims.check");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "operator");
  EXPECT_NE(entries[0].detail.find("\"claims\":4"), std::string::npos) << entries[0].detail;
  EXPECT_NE(entries[0].detail.find("\"personLookups\":2"), std::string::npos) << entries[0].detail;
  EXPECT_NE(r.out.find("\"historyFromSnapshot\":false"), std::string::npos) << r.out;
  // A second run finds nothing new registered and reuses the history snapshot.
  Shell again = shell(std::string(ONSHI_BINARY) + " claims check --data-dir " + q(dir_) + " --in " +
                      q(dir_ / "claims.csv") + " --out " + q(dir_ / "results2.csv"));
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("\"historyFromSnapshot\":true"), std::string::npos) << again.out;
  EXPECT_EQ(read_file(dir_ / "results2.csv"), text);
}

TEST_F(ClaimsCliTest, UnusableInputExitsTwo) {
  std::string bin = ONSHI_BINARY;
  Shell missing = shell(bin + " claims check --data-dir " + q(dir_) + " --in " +
                        q(dir_ / "none.csv") + " --out " + q(dir_ / "r.csv"));
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.out.find("E_FILE"), std::string::npos);
  write_file(dir_ / "bad.csv", "ClaimId,Nonsense\nX,1\n");
  Shell bad_header = shell(bin + " claims check --data-dir " + q(dir_) + " --in " +
                           q(dir_ / "bad.csv") + " --out " + q(dir_ / "r.csv"));
  EXPECT_EQ(bad_header.exit_code, 2) << bad_header.out;
  EXPECT_NE(bad_header.out.find("E_CSV_HEADER"), std::string::npos);
  write_file(dir_ / "claims.csv", claims_csv);
  Shell nodata = shell(bin + " claims check --data-dir " + q(dir_ / "nowhere") + " --in " +
                       q(dir_ / "claims.csv") + " --out " + q(dir_ / "r.csv"));
  EXPECT_EQ(nodata.exit_code, 2) << nodata.out;
  EXPECT_FALSE(fs::exists(dir_ / "nowhere"));
  Shell help = shell(bin + " claims check --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--data-dir"), std::string::npos);
}

// The service as a child process on an ephemeral port; curl as the reviewer's client.
class ClaimsHttpsTest : public ClaimsCliTest {
 protected:
  void SetUp() override {
    ClaimsCliTest::SetUp();
    if (shell("curl --version").exit_code != 0) GTEST_SKIP() << "curl is not installed";
    ASSERT_TRUE(security::ca_init(dir_).ok());
    ASSERT_TRUE(
        security::issue_client(dir_, security::Role::kReviewer, "shiharai-01", dir_ / "reviewer")
            .ok());
    ASSERT_TRUE(
        security::issue_client(dir_, security::Role::kInstitution, clinic, dir_ / "clinic").ok());
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      std::string d = dir_.string();
      std::string log = (dir_ / "serve.log").string();
      if (FILE* f = std::fopen(log.c_str(), "w")) ::dup2(::fileno(f), 2);
      ::execl(ONSHI_BINARY, ONSHI_BINARY, "serve", "--data-dir", d.c_str(), "--listen",
              "127.0.0.1:0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    auto colon = line.rfind(':');
    ASSERT_NE(colon, std::string::npos) << line << read_file(dir_ / "serve.log");
    port_ = std::stoi(line.substr(colon + 1));
  }
  void TearDown() override {
    stop();
    ClaimsCliTest::TearDown();
  }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }

  // POSTs `body` with the client `who`; returns the body and the status on the last line.
  Shell post(const std::string& who, const std::string& body, const std::string& type,
             const std::string& query = "") {
    write_file(dir_ / "body", body);
    fs::path c = dir_ / who;
    return shell("curl -sS --cacert " + q(c / "ca.pem") + " --cert " + q(c / "cert.pem") +
                 " --key " + q(c / "key.pem") + " -H 'Content-Type: " + type + "' --data-binary @" +
                 q(dir_ / "body") + " -w '\\n%{http_code}' " +
                 "'https://127.0.0.1:" + std::to_string(port_) + "/v1/claims:check" + query + "'");
  }

  pid_t pid_ = -1;
  int port_ = 0;
};

// R-CLM-2 over HTTPS for a review & payment organisation: CSV in, CSV out; JSON in, JSON out.
TEST_F(ClaimsHttpsTest, ReviewerChecksClaimsOverHttps) {
  Shell csv = post("reviewer", claims_csv, "text/csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_EQ(csv.out.substr(csv.out.rfind('\n') + 1), "200") << csv.out;
  EXPECT_NE(csv.out.find("X1,OK,COVERED"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("X3,REASSIGN,REASSIGNED,06270011"), std::string::npos) << csv.out;

  std::string json =
      "[{\"claimId\":\"J1\",\"medicalInstitutionCode\":\"" + clinic +
      "\",\"serviceMonth\":\"202504\",\"firstServiceDate\":\"20250401\","
      "\"lastServiceDate\":\"20250430\",\"insurerNumber\":\"06130488\","
      "\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"901\","
      "\"insuredBranchNumber\":\"00\",\"name\":\"外部　一\",\"birthdate\":\"19800101\","
      "\"sex1\":\"1\"}]";
  Shell j = post("reviewer", json, "application/json");
  ASSERT_EQ(j.exit_code, 0) << j.out;
  EXPECT_EQ(j.out.substr(j.out.rfind('\n') + 1), "200") << j.out;
  EXPECT_NE(j.out.find("\"result\":\"SPLIT\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"toDate\":\"20250415\""), std::string::npos) << j.out;

  Shell as_csv = post("reviewer", json, "application/json", "?format=csv");
  EXPECT_NE(as_csv.out.find("J1,SPLIT,SPLIT_BY_QUALIFICATION"), std::string::npos) << as_csv.out;

  Shell bad = post("reviewer", "{oops", "application/json");
  EXPECT_EQ(bad.out.substr(bad.out.rfind('\n') + 1), "400") << bad.out;
  EXPECT_NE(bad.out.find("E_JSON_SYNTAX"), std::string::npos);

  stop();  // flushes the audit log
  auto entries = audit_entries("claims.check");
  ASSERT_GE(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "reviewer:shiharai-01");
}

// Institutions may not run the claims check.
TEST_F(ClaimsHttpsTest, InstitutionsAreRefused) {
  Shell r = post("clinic", claims_csv, "text/csv");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.substr(r.out.rfind('\n') + 1), "403") << r.out;
}

}  // namespace
}  // namespace onshi::claims::testing
