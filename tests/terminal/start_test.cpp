// The terminal at start (issue "fail closed and tell the truth", points 2 and 5): it owns its
// OQS folder — a second terminal on the same folder is refused with the first one's pid, so
// the history never holds one id twice — and it checks that the central service answers its
// certificate, telling the operator in the log and the screen's header when it does not.
// Real `onshi terminal` processes; the central service is a closed port on 127.0.0.1.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "terminal/terminal_fixture.h"

namespace onshi::terminal::testing {
namespace {

class TerminalStart : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "onshi-tstart-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    ASSERT_TRUE(security::ca_init(dir_ / "data").ok());
    ASSERT_TRUE(security::issue_client(dir_ / "data", security::Role::kInstitution, kClinic,
                                       dir_ / "clinic")
                    .ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Nothing listens on port 1 of 127.0.0.1: the central service is unreachable.
  std::vector<std::string> args() const {
    return {"--server",   "https://127.0.0.1:1",
            "--cert-dir", (dir_ / "clinic").string(),
            "--folder",   (dir_ / "oqs").string(),
            "--listen",   "127.0.0.1:0",
            "--poll-ms",  "50"};
  }
  fs::path dir_;
};

// Point 2: two terminals on one folder would write one history with the same id twice.
TEST_F(TerminalStart, SecondTerminalOnTheSameFolderIsRefused) {
  TerminalProcess first(args(), dir_ / "first.err");
  ASSERT_NE(first.port(), 0) << slurp(dir_ / "first.err");
  std::vector<std::string> second = args();
  second.insert(second.begin(), "terminal");
  RunResult r = run_onshi(second, dir_);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("E_LOCKED"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(first.pid())), std::string::npos) << r.err;
}

// Point 5: an unreachable central service is a warning in the log, a red status in the
// screen's header (GET /api/terminal), and the card route's failures are logged too.
TEST_F(TerminalStart, UnreachableCentralServiceIsToldAtStart) {
  TerminalProcess t(args(), dir_ / "t.err");
  ASSERT_NE(t.port(), 0) << slurp(dir_ / "t.err");
  auto c = t.client();
  std::string info;
  for (int i = 0; i < 100; ++i) {
    auto r = c.request("GET", "/api/terminal");
    ASSERT_TRUE(r.ok());
    info = r->body;
    if (info.find("\"centralReachable\":false") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(info.find("\"centralReachable\":false"), std::string::npos) << info;
  EXPECT_NE(info.find("\"centralMessage\":\"オンライン資格確認等システムに接続できません"),
            std::string::npos)
      << info;
  auto challenge = c.request("POST", "/api/reader/challenge", "{}", "application/json");
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->status, 502) << challenge->body;
  t.stop();
  const std::string log = slurp(dir_ / "t.err");
  EXPECT_NE(log.find("\"event\":\"terminal.central_unreachable\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"route\":\"card-challenge\""), std::string::npos) << log;
}

}  // namespace
}  // namespace onshi::terminal::testing
