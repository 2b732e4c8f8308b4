// Professional accounts on the terminal and sign-in (R-CONF-5): `onshi terminal users
// add|remove|list` with the password on stdin, hashed in FOLDER/users.json and registered at
// the central service; the screen's sign-in with its HttpOnly session cookie; clinical
// requests only for a session, decided by the central service from the account's role and the
// consent given with the card — a reception account, no session and a wrong password each
// get nothing. Real processes: the central service over mTLS, `onshi terminal`, plain HTTP
// with cookies on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>

#include "terminal/terminal_fixture.h"

namespace onshi::terminal::testing {
namespace {

// One HTTP/1.1 exchange on 127.0.0.1:port with optional Cookie; returns the raw response.
std::string exchange(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = "", const std::string& cookie = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!cookie.empty()) req += "Cookie: " + cookie + "\r\n";
  if (!body.empty())
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  (void)!::write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}
int status_of(const std::string& r) {
  return r.size() > 12 ? std::stoi(r.substr(9, 3)) : 0;
}
std::string body_of(const std::string& r) {
  auto p = r.find("\r\n\r\n");
  return p == std::string::npos ? "" : r.substr(p + 4);
}
// The session cookie "onshi_session=…" of a Set-Cookie header, or "".
std::string cookie_of(const std::string& r) {
  auto p = r.find("Set-Cookie: onshi_session=");
  if (p == std::string::npos) return "";
  p += std::string("Set-Cookie: ").size();
  return r.substr(p, r.find(';', p) - p);
}

class SignInTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { central_ = new Central("sign-in"); }
  static void TearDownTestSuite() {
    delete central_;
    central_ = nullptr;
  }
  // `onshi terminal users …` with `password` on stdin; the exit code.
  static int users(const std::string& args, const std::string& password = "") {
    const fs::path pw = central_->dir() / "pw.txt";
    spit(pw, password + "\n");
    const std::string cmd = std::string(ONSHI_BINARY) + " terminal users " + args + " < " +
                            pw.string() + " > " + (central_->dir() / "users.out").string() +
                            " 2>/dev/null";
    return WEXITSTATUS(std::system(cmd.c_str()));
  }
  static std::string central_flags() {
    return " --server " + central_->url() + " --cert-dir " + (central_->dir() / "clinic").string();
  }
  static Central* central_;
};
Central* SignInTest::central_ = nullptr;

TEST_F(SignInTest, AccountsSignInAndClinicalRequests) {  // R-CONF-5
  ASSERT_TRUE(central_->ok());
  const fs::path folder = central_->dir() / "OQS";
  fs::create_directories(folder);
  const std::string f = " --folder " + folder.string();
  ASSERT_EQ(
      users("add" + f + central_flags() + " --id dr --role doctor --name 山田", "correct horse"),
      0);
  ASSERT_EQ(users("add" + f + central_flags() + " --id desk --role 受付", "reception pw"), 0);
  EXPECT_EQ(users("add" + f + central_flags() + " --id dr --role doctor", "correct horse"), 1);
  EXPECT_EQ(users("add" + f + central_flags() + " --id short --role doctor", "1234567"), 2);
  EXPECT_EQ(users("add" + f + central_flags() + " --id x --role nurse", "correct horse"), 2);
  ASSERT_EQ(users("list" + f), 0);
  const std::string listed = slurp(central_->dir() / "users.out");
  EXPECT_NE(listed.find("\"roleLabel\":\"医師\""), std::string::npos) << listed;
  EXPECT_EQ(listed.find("hash"), std::string::npos);
  const std::string file = slurp(folder / "users.json");
  EXPECT_EQ(file.find("correct horse"), std::string::npos);
  EXPECT_NE(file.find("scrypt"), std::string::npos);

  TerminalProcess term(central_->terminal_args(folder), central_->dir() / "term.err");
  ASSERT_GT(term.port(), 0) << term.line();
  const uint16_t port = term.port();
  auto confirmed =
      exchange(port, "POST", "/api/card-confirmations",
               R"({"card":"yamada","method":"pin","pin":"1234","consent":{"medication":true}})");
  ASSERT_EQ(status_of(confirmed), 200) << confirmed;
  auto who = boost::json::parse(body_of(confirmed)).at("results").as_array().at(0).as_object();
  const std::string target = "/api/clinical/consent-status?insurerNumber=" +
                             std::string(who.at("insurerNumber").as_string()) +
                             "&symbol=" + std::string(who.at("symbol").as_string()) +
                             "&number=" + std::string(who.at("number").as_string()) +
                             "&branch=" + std::string(who.at("branch").as_string());

  auto anonymous = exchange(port, "GET", target);
  EXPECT_EQ(status_of(anonymous), 401);
  EXPECT_NE(anonymous.find("E_SESSION"), std::string::npos);
  auto wrong = exchange(port, "POST", "/api/sign-in", R"({"id":"dr","password":"wrong horse"})");
  EXPECT_EQ(status_of(wrong), 401);
  EXPECT_NE(wrong.find("E_SIGNIN"), std::string::npos);
  EXPECT_TRUE(cookie_of(wrong).empty());

  auto dr = exchange(port, "POST", "/api/sign-in", R"({"id":"dr","password":"correct horse"})");
  ASSERT_EQ(status_of(dr), 200) << dr;
  EXPECT_NE(dr.find("HttpOnly"), std::string::npos);
  const std::string dr_cookie = cookie_of(dr);
  ASSERT_FALSE(dr_cookie.empty());
  auto session = exchange(port, "GET", "/api/session", "", dr_cookie);
  EXPECT_NE(session.find("\"role\":\"doctor\""), std::string::npos) << session;
  auto seen = exchange(port, "GET", target, "", dr_cookie);
  ASSERT_EQ(status_of(seen), 200) << seen;
  EXPECT_NE(seen.find(R"("category":"YZK","name":"medication")"), std::string::npos);
  EXPECT_NE(seen.find(R"("allowed":true,"basis":"consent")"), std::string::npos) << seen;
  EXPECT_NE(seen.find("E_CONSENT_NONE"), std::string::npos);  // the other categories
  // The views for the signed-in account (R-CONF-5): forwarded with the session's account —
  // an account the page names is not taken.
  const std::string views = "/api/clinical/views/medication" + target.substr(target.find('?'));
  EXPECT_EQ(status_of(exchange(port, "GET", views)), 401);
  auto med = exchange(port, "GET", views + "&account=desk", "", dr_cookie);
  ASSERT_EQ(status_of(med), 200) << med;
  EXPECT_NE(med.find(R"("basis":"consent")"), std::string::npos) << med;
  EXPECT_NE(med.find(R"("dispensings":[)"), std::string::npos);

  auto desk = exchange(port, "POST", "/api/sign-in", R"({"id":"desk","password":"reception pw"})");
  ASSERT_EQ(status_of(desk), 200);
  auto refused = exchange(port, "GET", target, "", cookie_of(desk));
  ASSERT_EQ(status_of(refused), 200);
  EXPECT_EQ(refused.find("\"allowed\":true"), std::string::npos) << refused;
  EXPECT_NE(refused.find("E_ACCOUNT_ROLE"), std::string::npos);
  auto desk_view = exchange(port, "GET", views, "", cookie_of(desk));
  EXPECT_EQ(status_of(desk_view), 403);
  EXPECT_NE(desk_view.find("E_ACCOUNT_ROLE"), std::string::npos) << desk_view;

  auto out = exchange(port, "POST", "/api/sign-out", "{}", dr_cookie);
  EXPECT_EQ(status_of(out), 200);
  EXPECT_EQ(status_of(exchange(port, "GET", target, "", dr_cookie)), 401);

  // Removed: unknown to the central service at once (the session of another account stays).
  ASSERT_EQ(users("remove" + f + central_flags() + " --id dr"), 0);
  EXPECT_EQ(status_of(exchange(port, "POST", "/api/sign-in",
                               R"({"id":"dr","password":"correct horse"})")),
            401);
  EXPECT_EQ(users("remove" + f + central_flags() + " --id dr"), 1);
}

}  // namespace
}  // namespace onshi::terminal::testing
