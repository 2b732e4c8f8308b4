// What the terminal tests share: a data directory with onshi's CA, the institution certificate
// of 1310112345, the fixed demo members plus a few extra ones (twins sharing 記号・番号 and a
// birth date, a 国保 member holding a 被保険者資格証明書), simulated My Number cards (linked,
// unlinked, revoked), a real central service on 127.0.0.1 port 0 (in process), and real
// `onshi terminal` / `onshi card touch` processes started from the built binary.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "http/client.h"
#include "security/ca.h"
#include "serve/service.h"

namespace onshi::terminal::testing {

namespace fs = std::filesystem;

inline const char* const kClinic = "1310112345";
// The demo members' My Numbers (src/demo/generator.h): never to be seen at a terminal.
inline const std::vector<std::string> kMyNumbers = {"987654321018", "112233445560", "223344556678",
                                                    "445566778892", "334455667785", "556677889908"};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs `onshi ARGS…` to completion; stdout and stderr go to files. Returns the exit code.
struct RunResult {
  int code = -1;
  std::string out, err;
};
inline RunResult run_onshi(const std::vector<std::string>& args, const fs::path& scratch) {
  fs::path out = scratch / "run.out", err = scratch / "run.err";
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(ONSHI_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(ONSHI_BINARY, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  RunResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// `onshi terminal …` as a child process; the port is read from the JSON line it prints.
class TerminalProcess {
 public:
  TerminalProcess(const std::vector<std::string>& args, const fs::path& stderr_file) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test leaves no terminal behind
      ::dup2(fds[1], 1);
      int e = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(e, 2);
      ::close(fds[0]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(ONSHI_BINARY));
      argv.push_back(const_cast<char*>("terminal"));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(ONSHI_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    char c;
    while (::read(fd_, &c, 1) == 1 && c != '\n') line_ += c;
    boost::system::error_code ec;
    auto v = boost::json::parse(line_, ec);
    if (!ec && v.is_object()) {
      if (const auto* s = v.as_object().if_contains("screen"); s && s->is_string()) {
        std::string url(s->as_string());  // http://127.0.0.1:PORT/
        auto colon = url.rfind(':');
        port_ = static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
      }
    }
  }
  ~TerminalProcess() { stop(); }
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
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& line() const { return line_; }

  http::Client client() const {
    http::ClientOptions o;
    o.tls = false;
    o.host = "127.0.0.1";
    o.port = port_;
    o.timeout_ms = 60000;
    return http::Client(o);
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string line_;
  uint16_t port_ = 0;
};

// The central service with members and cards, shared by a test suite.
class Central {
 public:
  explicit Central(const std::string& name)
      : dir_(fs::temp_directory_path() / ("onshi-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "cards");
    data_ = dir_ / "data";
    EXPECT_TRUE(security::ca_init(data_).ok());
    EXPECT_TRUE(security::issue_client(data_, security::Role::kInstitution, kClinic, dir_ / "clinic").ok());
    // Members: the fixed demo members, then extra rows under the same header.
    RunResult g = run_onshi({"generate", "demo-members", "--out", (dir_ / "demo.csv").string()}, dir_);
    EXPECT_EQ(g.code, 0) << g.err;
    std::string csv = slurp(dir_ / "demo.csv");
    std::string header = csv.substr(0, csv.find('\n'));
    std::vector<std::string> columns;
    for (std::string_view h = header; !h.empty();) {
      auto comma = h.find(',');
      columns.emplace_back(h.substr(0, comma));
      h = comma == std::string_view::npos ? std::string_view{} : h.substr(comma + 1);
    }
    auto row = [&](std::map<std::string, std::string> m) {
      std::string line;
      for (size_t i = 0; i < columns.size(); ++i) line += (i ? "," : "") + m[columns[i]];
      return line + "\n";
    };
    std::map<std::string, std::string> twin{{"InsurerNumber", "06139992"},
                                            {"InsurerName", "オンシ電機健康保険組合"},
                                            {"InsuredCardClassification", "01"},
                                            {"InsuredCardSymbol", "1234"},
                                            {"InsuredIdentificationNumber", "7777"},
                                            {"InsuredBranchNumber", "01"},
                                            {"PersonalFamilyClassification", "2"},
                                            {"InsuredName", "双子　父"},
                                            {"Name", "双子　一郎"},
                                            {"NameKana", "フタゴ　イチロウ"},
                                            {"Sex1", "1"},
                                            {"Birthdate", "20100101"},
                                            {"QualificationDate", "20100101"}};
    std::string extra = header + "\n" + row(twin);
    twin["InsuredBranchNumber"] = "02";
    twin["Name"] = "双子　二郎";
    twin["NameKana"] = "フタゴ　ジロウ";
    extra += row(twin);
    extra += row({{"InsurerNumber", "131045"},
                  {"InsurerName", "オンシ区国民健康保険"},
                  {"InsuredCardClassification", "05"},
                  {"InsuredCardSymbol", "01"},
                  {"InsuredIdentificationNumber", "300001"},
                  {"InsuredBranchNumber", "00"},
                  {"PersonalFamilyClassification", "1"},
                  {"InsuredName", "中村　一"},
                  {"Name", "中村　一"},
                  {"NameKana", "ナカムラ　ハジメ"},
                  {"Sex1", "1"},
                  {"Birthdate", "19700707"},
                  {"QualificationDate", "20200401"}});
    spit(dir_ / "extra.csv", extra);
    for (const char* f : {"demo.csv", "extra.csv"}) {
      RunResult i = run_onshi({"import", "--data-dir", data_.string(), "--report", (dir_ / "report.json").string(),
                         (dir_ / f).string()},
                        dir_);
      EXPECT_EQ(i.code, 0) << i.err;
      EXPECT_NE(slurp(dir_ / "report.json").find("\"rejected\":0"), std::string::npos) << slurp(dir_ / "report.json");
    }
    // Cards: linked ones, one never linked (初回登録 not done), one revoked.
    issue("yamada", "987654321018", "山田 太郎", true);
    issue("suzuki", "112233445560", "鈴木 一郎", true);
    issue("takahashi", "445566778892", "高橋 茂", true);
    issue("tanaka", "334455667785", "田中 誠", true);
    issue("sato", "223344556678", "佐藤 ハナ", false);
    issue("ito", "556677889908", "伊藤 幸子", true);
    RunResult rv = run_onshi({"card", "revoke", "--data-dir", data_.string(), "--card", card("ito").string()}, dir_);
    EXPECT_EQ(rv.code, 0) << rv.err;

    serve::ServiceOptions o;
    o.data_dir = data_;
    auto s = serve::Service::open(o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (!s.ok()) return;
    service_ = std::move(*s);
    EXPECT_TRUE(service_->start().ok());
  }
  ~Central() {
    if (service_) service_->stop();
    service_.reset();
    fs::remove_all(dir_);
  }
  bool ok() const { return service_ != nullptr; }
  const fs::path& dir() const { return dir_; }
  fs::path card(const std::string& id) const { return dir_ / "cards" / (id + ".card"); }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(service_->port()); }

  // The arguments of an `onshi terminal` on OQS folder `folder`.
  std::vector<std::string> terminal_args(const fs::path& folder, const std::string& encoding = "utf-8") const {
    return {"--server",   url(),        "--cert-dir", (dir_ / "clinic").string(), "--folder", folder.string(),
            "--encoding", encoding,     "--listen",   "127.0.0.1:0",              "--cards",  (dir_ / "cards").string(),
            "--poll-ms",  "50"};
  }

  // Issues one more card (PIN 1234, not linked) to `out` — e.g. into another --cards folder.
  RunResult issue_card(const fs::path& out, const std::string& my_number, const std::string& label) const {
    return run_onshi({"card", "issue", "--data-dir", data_.string(), "--my-number", my_number, "--pin", "1234",
                      "--label", label, "--out", out.string()},
                     dir_);
  }

  // How many requests the central service has answered on `route` (its /metrics).
  long answered(const std::string& route) const {
    http::ClientOptions o;
    o.port = service_->port();
    o.ca_file = (dir_ / "clinic" / "ca.pem").string();
    o.cert_file = (dir_ / "clinic" / "cert.pem").string();
    o.key_file = (dir_ / "clinic" / "key.pem").string();
    http::Client c(o);
    auto r = c.request("GET", "/metrics");
    if (!r) return -1;
    long n = 0;
    std::istringstream in(r->body);
    std::string line;
    const std::string key = "onshi_http_requests_total{route=\"" + route + "\"";
    while (std::getline(in, line))
      if (line.rfind(key, 0) == 0) n += std::stol(line.substr(line.rfind(' ') + 1));
    return n;
  }

 private:
  void issue(const std::string& id, const std::string& my_number, const std::string& label, bool link) {
    RunResult r = run_onshi({"card", "issue", "--data-dir", data_.string(), "--my-number", my_number, "--pin", "1234",
                       "--label", label, "--out", card(id).string()},
                      dir_);
    EXPECT_EQ(r.code, 0) << r.err;
    if (!link) return;
    RunResult l = run_onshi({"card", "link", "--data-dir", data_.string(), "--card", card(id).string(), "--pin", "1234"},
                      dir_);
    EXPECT_EQ(l.code, 0) << l.err;
  }

  fs::path dir_, data_;
  std::unique_ptr<serve::Service> service_;
};

}  // namespace onshi::terminal::testing
