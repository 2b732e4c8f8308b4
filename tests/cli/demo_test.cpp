// `onshi demo` as a newcomer meets it: the real binary sets everything up, starts the
// service on an ephemeral port and prints curl commands; the printed command, run through a
// shell with the real curl, returns a valid confirmation. After Ctrl-C (SIGINT) the audit
// log of those confirmations verifies.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;

std::string run(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// R-CONF-1, R-CONF-2, R-CONF-3 through the demo: `make demo`'s printed curl returns a valid result,
// and its terminal confirms a demo card.
TEST(Demo, PrintedCurlReturnsAValidResult) {
  fs::path dir = fs::temp_directory_path() / ("onshi-demo-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    freopen(err.c_str(), "w", stderr);
    execl(ONSHI_BINARY, ONSHI_BINARY, "demo", "--data-dir", (dir / "data").c_str(), "--members",
          "300", "--listen", "127.0.0.1:0", "--terminal-listen", "127.0.0.1:0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string text;
  for (int i = 0; i < 600 && text.find("Ctrl-C") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    text = slurp(out);
  }
  ASSERT_NE(text.find("Ctrl-C"), std::string::npos) << slurp(err);
  std::istringstream lines(text);
  std::string line, curl_xml, curl_json;
  while (std::getline(lines, line)) {
    if (line.rfind("curl ", 0) == 0 && line.find("/xml/OQSsiquc01") != std::string::npos &&
        curl_xml.empty())
      curl_xml = line;
    if (line.rfind("curl ", 0) == 0 && line.find("/v1/qualification-confirmations") !=
                                           std::string::npos)
      curl_json = line;
  }
  ASSERT_FALSE(curl_xml.empty()) << text;
  int rc = -1;
  std::string res = run(curl_xml, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(res.find("<SegmentOfResult>1</SegmentOfResult>"), std::string::npos) << res;
  EXPECT_NE(res.find("<QualificationValidity>1</QualificationValidity>"), std::string::npos) << res;
  EXPECT_NE(res.find("LimitApplicationCertificateRelatedInfo"), std::string::npos) << res;  // R-CONF-4
  std::string js = run(curl_json, &rc);
  EXPECT_NE(js.find("\"qualificationValidity\":\"1\""), std::string::npos) << js;

  // R-CONF-1: the demo also runs the clinic's terminal; its screen lists the demo cards, and
  // the printed `card touch` command confirms 山田 太郎 by card and writes a face file.
  std::string screen;
  {
    std::istringstream again(text);
    while (std::getline(again, line)) {
      auto p = line.find("http://127.0.0.1:");
      if (line.find("受付画面") != std::string::npos && p != std::string::npos)
        screen = line.substr(p);
    }
  }
  ASSERT_FALSE(screen.empty()) << text;
  std::string cards = run("curl -s " + screen + "api/cards", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(cards.find("山田 太郎"), std::string::npos) << cards;
  EXPECT_NE(run("curl -s " + screen, &rc).find("資格確認端末"), std::string::npos);
  std::string touch;
  {
    std::istringstream again(text);
    while (std::getline(again, line))
      if (auto p = line.find("build/onshi card touch "); p != std::string::npos)
        touch = std::string(ONSHI_BINARY) + line.substr(p + std::string("build/onshi").size());
  }
  ASSERT_FALSE(touch.empty()) << text;
  touch = touch.substr(0, touch.find('#'));
  std::string touched = run(touch + " 2>&1", &rc);
  EXPECT_EQ(rc, 0) << touched;
  EXPECT_NE(touched.find("山田"), std::string::npos) << touched;
  bool face = false;
  for (const auto& e : fs::directory_iterator(dir / "data" / "OQS" / "face"))
    face = face || e.path().filename().string().rfind("OQSsiquc01res_face_1310112345", 0) == 0;
  EXPECT_TRUE(face);
  // R-CONF-5: the demo's doctor account (printed with its password) signs in on the screen and,
  // after the printed card touch with consent, sees 山田 太郎's medication; the front desk's
  // account signs in too and is refused the same view.
  EXPECT_NE(text.find("アカウントID ishi / パスワード onshi-demo"), std::string::npos) << text;
  const std::string jar = (dir / "cookies").string();
  auto sign_in = [&](const std::string& id) {
    return run("curl -s -c " + jar + " -H 'Content-Type: application/json' -d '{\"id\":\"" + id +
                   "\",\"password\":\"onshi-demo\"}' " + screen + "api/sign-in",
               &rc);
  };
  EXPECT_NE(sign_in("ishi").find("\"role\":\"doctor\""), std::string::npos);
  EXPECT_NE(touch.find("--consent medication"), std::string::npos) << touch;
  const std::string view = "curl -s -b " + jar + " '" + screen +
                           "api/clinical/views/medication?insurerNumber=06139992&symbol=1234&"
                           "number=5678&branch=00'";
  EXPECT_NE(run(view, &rc).find("アムロジピン錠5mg"), std::string::npos);
  EXPECT_NE(sign_in("uketsuke").find("\"role\":\"reception\""), std::string::npos);
  std::string refused = run(view, &rc);
  EXPECT_EQ(refused.find("アムロジピン"), std::string::npos) << refused;
  EXPECT_NE(refused.find("\"code\":\"E_"), std::string::npos) << refused;
  // Fail-closed issue, point 6: after the instructions the servers log to the file the
  // output names, so the instructions stay on screen.
  EXPECT_NE(text.find((dir / "data" / "demo.log").string()), std::string::npos) << text;
  std::string demo_log;
  for (int i = 0; i < 50 && demo_log.find("terminal.confirmation") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    demo_log = slurp(dir / "data" / "demo.log");
  }
  EXPECT_NE(demo_log.find("terminal.confirmation"), std::string::npos) << demo_log;
  EXPECT_EQ(slurp(err).find("terminal.confirmation"), std::string::npos);

  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << "demo did not stop cleanly on SIGINT";
  std::string verify =
      run(std::string(ONSHI_BINARY) + " audit verify --data-dir " + (dir / "data").string(), &rc);
  EXPECT_EQ(rc, 0) << verify;
  EXPECT_NE(verify.find("\"ok\":true"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("\"entries\":0"), std::string::npos) << verify;  // the reads were audited
  // Privacy: no My Number of the demo members in the service's log.
  std::string log = slurp(err) + slurp(dir / "data" / "demo.log");
  for (const char* n : {"987654321018", "112233445560", "223344556678", "334455667785"})
    EXPECT_EQ(log.find(n), std::string::npos);
  fs::remove_all(dir);
}

// Fail-closed issue, point 4: a demo whose port is taken (say, by another demo on another
// data directory) uses a free one; that is expected, so it is logged as info, not as error.
TEST(Demo, TakenPortFallsBackQuietly) {
  fs::path dir = fs::temp_directory_path() / ("onshi-demo2-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  int held = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(held, 1), 0);
  socklen_t len = sizeof a;
  getsockname(held, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string port = std::to_string(ntohs(a.sin_port));
  fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    freopen(err.c_str(), "w", stderr);
    execl(ONSHI_BINARY, ONSHI_BINARY, "demo", "--data-dir", (dir / "data").c_str(), "--members",
          "50", "--listen", ("127.0.0.1:" + port).c_str(), "--terminal-listen", "127.0.0.1:0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string text;
  for (int i = 0; i < 600 && text.find("Ctrl-C") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    text = slurp(out);
  }
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  close(held);
  const std::string log = slurp(err);
  EXPECT_NE(text.find("Ctrl-C"), std::string::npos) << log;
  EXPECT_EQ(text.find("127.0.0.1:" + port + "/"), std::string::npos) << text;
  EXPECT_NE(log.find("\"level\":\"info\",\"event\":\"demo.port_taken\""), std::string::npos) << log;
  EXPECT_EQ(log.find("\"level\":\"error\""), std::string::npos) << log;
  fs::remove_all(dir);
}

// Fail-closed issue, point 4: an unknown command is named and the commands are listed.
TEST(Cli, UnknownCommandListsTheCommands) {
  int rc = -1;
  std::string out = run(std::string(ONSHI_BINARY) + " bogus 2>&1", &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("不明なコマンド「bogus」"), std::string::npos) << out;
  for (const char* c : {"serve", "import", "terminal", "demo", "ca"})
    EXPECT_NE(out.find(std::string("  ") + c + "\n"), std::string::npos) << c << out;
}

// Fail-closed issue, point 4: like `card issue`, `ca issue` keeps an existing certificate and
// key unless told --force.
TEST(Cli, CaIssueDoesNotOverwriteWithoutForce) {
  fs::path dir = fs::temp_directory_path() / ("onshi-force-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const std::string b = ONSHI_BINARY;
  int rc = -1;
  run(b + " ca init --data-dir " + dir.string() + " 2>&1", &rc);
  ASSERT_EQ(rc, 0);
  const std::string issue = b + " ca issue institution 1310112345 --data-dir " + dir.string() +
                            " --out " + (dir / "clinic").string();
  run(issue + " 2>&1", &rc);
  ASSERT_EQ(rc, 0);
  const std::string key = slurp(dir / "clinic" / "key.pem");
  std::string again = run(issue + " 2>&1", &rc);
  EXPECT_EQ(rc, 2) << again;
  EXPECT_NE(again.find("--force"), std::string::npos) << again;
  EXPECT_EQ(slurp(dir / "clinic" / "key.pem"), key) << "the key was kept";
  run(issue + " --force 2>&1", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(slurp(dir / "clinic" / "key.pem"), key);
  fs::remove_all(dir);
}

TEST(Cli, HelpOnEveryCommand) {
  for (const char* sub : {"", "serve", "import", "demo", "generate", "ca", "audit"}) {
    int rc = -1;
    std::string out = run(std::string(ONSHI_BINARY) + " " + sub + " --help 2>&1", &rc);
    EXPECT_EQ(rc, 0) << sub;
    EXPECT_NE(out.find("Usage"), std::string::npos) << sub << out;
  }
}

// Rule: bad flags get a clear error and exit code 2.
TEST(Cli, ServeWithoutCaIsAnUnusableInput) {
  fs::path dir = fs::temp_directory_path() / ("onshi-noca-" + std::to_string(getpid()));
  fs::remove_all(dir);
  int rc = -1;
  std::string out = run(std::string(ONSHI_BINARY) + " serve --data-dir " + dir.string() +
                            " --listen 127.0.0.1:0 2>&1",
                        &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("E_CA_MISSING"), std::string::npos) << out;
  out = run(std::string(ONSHI_BINARY) + " serve --data-dir " + dir.string() +
                " --listen nonsense 2>&1",
            &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("E_FLAG"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace

namespace {

// R-INST-1 and the roles of the other actors: every role gets its certificate from the CLI.
TEST(Cli, IssuesCertificatesForEveryRole) {
  fs::path dir = fs::temp_directory_path() / ("onshi-roles-" + std::to_string(getpid()));
  fs::remove_all(dir);
  int rc = -1;
  std::string b = ONSHI_BINARY;
  run(b + " ca init --data-dir " + dir.string() + " 2>&1", &rc);
  ASSERT_EQ(rc, 0);
  for (std::string role : {"reviewer", "agency", "bureau"}) {
    std::string out = run(b + " ca issue " + role + " kanto-1 --data-dir " + dir.string() +
                              " --out " + (dir / role).string() + " 2>&1",
                          &rc);
    EXPECT_EQ(rc, 0) << role << out;
    std::string subject =
        run("openssl x509 -noout -subject -in " + (dir / role / "cert.pem").string(), &rc);
    EXPECT_NE(subject.find("OU = " + role), std::string::npos) << subject;
    EXPECT_NE(subject.find("CN = kanto-1"), std::string::npos) << subject;
  }
  std::string bad = run(b + " ca issue bureau 'no spaces' --data-dir " + dir.string() +
                            " --out " + (dir / "x").string() + " 2>&1",
                        &rc);
  EXPECT_EQ(rc, 2) << bad;
  EXPECT_NE(bad.find("E_ID"), std::string::npos) << bad;
  fs::remove_all(dir);
}

}  // namespace
