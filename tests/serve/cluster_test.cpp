// Several `onshi serve` on one PostgreSQL database, under faults (issue 12 §5–6): the
// topology of scripts/cluster.sh on loopback — nginx (stream, TLS passthrough) in front of
// two servers, a PostgreSQL primary with one streaming replica — carries a load of
// registrations and confirmations while one server is killed with SIGKILL and then the
// replica is stopped. Afterwards:
//   - every registration that got a success answer is there;
//   - no confirmation was answered without its audit entry (the audit log holds at least as
//     many "confirm" entries as confirmations the clients received);
//   - the audit chain, appended by two servers at once, verifies (`onshi audit verify --db`);
//   - clients saw failures only where the retry rule of docs/operations.md allows them
//     (connection lost, 502, 503, or 500 E_STORE) and every request succeeded on a retry;
//   - a card challenge issued by one server is answered through the other.
// Real processes only: the onshi binary, nginx, PostgreSQL. Bounded: about half a minute.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "card/card.h"
#include "http/client.h"
#include "store/database.h"
#include "store/store.h"

namespace onshi::serve {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* kInsurer = "06130488";
const char* kClinic = "1310112345";
const char* kMyNumber = "123456789018";

struct Shell {
  int rc = -1;
  std::string out;
};

Shell sh(const std::string& cmd) {
  Shell r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// KEY=VALUE words of `scripts/cluster.sh up|env`.
std::map<std::string, std::string> parse_env(const std::string& text) {
  std::map<std::string, std::string> env;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    auto eq = word.find('=');
    if (eq != std::string::npos) env[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return env;
}

uint16_t port_of(const std::string& url) {
  return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::string member_json(int i, const std::string& extra = "") {
  return std::string("{\"insurerNumber\":\"") + kInsurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"77\",\"insuredIdentificationNumber\":\"" +
         std::to_string(100000 + i) +
         "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
         "\"name\":\"試験　太郎\",\"nameKana\":\"シケン　タロウ\",\"sex1\":\"1\","
         "\"birthdate\":\"19800515\",\"qualificationDate\":\"20180401\"" +
         extra + "}";
}

std::string confirmation_json(int i) {
  return std::string("{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
         kClinic + "\",\"insurerNumber\":\"" + kInsurer +
         "\",\"insuredCardSymbol\":\"77\",\"insuredIdentificationNumber\":\"" +
         std::to_string(100000 + i) +
         "\",\"insuredBranchNumber\":\"01\",\"birthdate\":\"19800515\","
         "\"limitApplicationCertificateRelatedConsFlg\":\"0\"}";
}

// Whether a confirmation answer carries the member (the kana name, half-width as in the
// interface).
bool has_member(const std::string& body) { return body.find("ｼｹﾝ") != std::string::npos; }

// The retry rule of docs/operations.md: a lost connection, 502, 503 and 500 E_STORE may be
// retried (registrations and confirmations are idempotent); anything else is final.
bool retryable(const Result<http::ClientResponse>& r) {
  if (!r) return true;
  int s = r->status;
  return s == 502 || s == 503 || (s == 500 && r->body.find("E_STORE") != std::string::npos);
}

struct Tally {
  std::atomic<int> ok{0}, retried{0}, failed{0}, unexpected{0};
  std::mutex mu;
  std::vector<std::string> problems;
  void problem(const std::string& p) {
    std::lock_guard l(mu);
    if (problems.size() < 10) problems.push_back(p);
  }
};

// One request under the retry rule: up to 40 tries, 100 ms apart.
Result<http::ClientResponse> with_retry(http::Client& c, const std::string& path,
                                        const std::string& body, Tally& t) {
  for (int attempt = 0;; ++attempt) {
    auto r = c.request("POST", path, body);
    if (!retryable(r)) {
      if (r->status != 200) {
        ++t.unexpected;
        t.problem(path + " " + std::to_string(r->status) + " " + r->body.substr(0, 200));
      }
      return r;
    }
    ++t.retried;
    if (attempt >= 40) {
      ++t.failed;
      t.problem(path + " gave up: " + (r ? std::to_string(r->status) : r.error().code));
      return r;
    }
    std::this_thread::sleep_for(100ms);
  }
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("ONSHI_TEST_PG_URL"))
      GTEST_SKIP() << "PostgreSQL tests run under scripts/test.sh (ONSHI_TEST_PG_URL)";
    dir_ = fs::temp_directory_path() / ("onshi-cluster-" + std::to_string(getpid()));
    sh(script() + " down " + dir_.string());
    Shell up = sh("ONSHI_BINARY=" + std::string(ONSHI_BINARY) + " " + script() + " up " +
                  dir_.string());
    ASSERT_EQ(up.rc, 0) << up.out;
    env_ = parse_env(up.out);
    keys_ = env_["ONSHI_KEYS_DIR"];
    for (auto [role, id, out] : {std::tuple{"insurer", kInsurer, "insurer"},
                                 std::tuple{"institution", kClinic, "clinic"}}) {
      Shell r = sh(onshi() + " ca issue " + role + " " + id + " --data-dir " + keys_ +
                   " --out " + (dir_ / out).string());
      ASSERT_EQ(r.rc, 0) << r.out;
    }
  }
  void TearDown() override {
    if (!dir_.empty()) sh(script() + " down " + dir_.string());
  }

  static std::string script() { return std::string(ONSHI_SOURCE_DIR) + "/scripts/cluster.sh"; }
  static std::string onshi() { return ONSHI_BINARY; }

  http::Client client(const std::string& who, const std::string& url) {
    http::ClientOptions o;
    o.port = port_of(url);
    o.ca_file = (dir_ / who / "ca.pem").string();
    o.cert_file = (dir_ / who / "cert.pem").string();
    o.key_file = (dir_ / who / "key.pem").string();
    o.timeout_ms = 5000;
    return http::Client(o);
  }

  fs::path dir_;
  std::string keys_;
  std::map<std::string, std::string> env_;
};

// R-CARD-1 with two servers: the challenge lives in the database, not in one process.
TEST_F(ClusterTest, CardChallengeFromOneServerIsAnsweredThroughTheOther) {
  auto insurer = client("insurer", env_["ONSHI_URL"]);
  auto reg = insurer.request("POST", "/v1/registrations",
                             "[" + member_json(0, ",\"myNumber\":\"" + std::string(kMyNumber) + "\"") + "]");
  ASSERT_TRUE(reg && reg->status == 200) << (reg ? reg->body : reg.error().message);
  fs::path card = dir_ / "card.json";
  Shell issued = sh(onshi() + " card issue --data-dir " + keys_ + " --db " + env_["ONSHI_DB"] +
                    " --my-number " + kMyNumber + " --pin 1234 --label 試験 --out " + card.string());
  ASSERT_EQ(issued.rc, 0) << issued.out;
  Shell linked = sh(onshi() + " card link --data-dir " + keys_ + " --db " + env_["ONSHI_DB"] +
                    " --card " + card.string() + " --pin 1234");
  ASSERT_EQ(linked.rc, 0) << linked.out;
  // The J-LIS CA is distributed to every server, as the server certificate's CA is.
  Shell synced = sh(script() + " sync-keys " + dir_.string());
  ASSERT_EQ(synced.rc, 0) << synced.out;

  auto one = client("clinic", env_["ONSHI_SERVER1"]);
  auto two = client("clinic", env_["ONSHI_SERVER2"]);
  auto ch = one.request("POST", "/v1/card/challenges", "{}");
  ASSERT_TRUE(ch && ch->status == 200) << (ch ? ch->body : ch.error().message);
  std::string challenge = ch->body.substr(ch->body.find("\"challenge\":\"") + 13);
  challenge = challenge.substr(0, challenge.find('"'));
  auto c = card::Card::load(card);
  ASSERT_TRUE(c);
  auto p = c->present(challenge, card::Method::kPin, "1234");
  ASSERT_TRUE(p) << p.error().message;
  auto escape = [](std::string s) {
    std::string o;
    for (char ch : s) o += ch == '\n' ? std::string("\\n") : std::string(1, ch);
    return o;
  };
  std::string body = "{\"challenge\":\"" + p->challenge + "\",\"certificate\":\"" +
                     escape(p->certificate_pem) + "\",\"signature\":\"" + p->signature +
                     "\",\"method\":\"pin\",\"confirmationDate\":\"20250415\"}";
  auto answer = two.request("POST", "/v1/card/confirmations", body);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->body;
  EXPECT_TRUE(has_member(answer->body)) << answer->body;
  // Single use across servers: the same answer through the first server is refused.
  auto again = one.request("POST", "/v1/card/confirmations", body);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 403) << again->body;
}

// Issue 12 §6: kill -9 one server, then stop the replica, mid-load.
TEST_F(ClusterTest, KillOneServerThenTheReplicaMidLoad) {
  std::atomic<bool> stop{false};
  std::atomic<int> registered_count{0};
  std::mutex mu;
  std::vector<int> registered;  // members whose registration got a success answer
  Tally reg_tally, conf_tally;
  std::atomic<int> answered{0};  // confirmations answered with the member's data

  std::thread registrar([&] {
    auto c = client("insurer", env_["ONSHI_URL"]);
    for (int i = 1; !stop; ++i) {
      auto r = with_retry(c, "/v1/registrations", "[" + member_json(i) + "]", reg_tally);
      if (r && r->status == 200) {
        std::lock_guard l(mu);
        registered.push_back(i);
        ++registered_count;
      }
    }
  });
  std::vector<std::thread> confirmers;
  for (int t = 0; t < 2; ++t) {
    confirmers.emplace_back([&, t] {
      auto c = client("clinic", env_["ONSHI_URL"]);
      for (int n = 0; !stop; ++n) {
        int i;
        {
          std::lock_guard l(mu);
          if (registered.empty()) {
            i = -1;
          } else {
            i = registered[(n * 7 + t) % registered.size()];
          }
        }
        if (i < 0) {
          std::this_thread::sleep_for(10ms);
          continue;
        }
        auto r = with_retry(c, "/v1/qualification-confirmations", confirmation_json(i), conf_tally);
        if (r && r->status == 200 && has_member(r->body)) ++answered;
      }
    });
  }

  std::this_thread::sleep_for(3s);
  int before_kill = answered;
  ASSERT_EQ(kill(std::stoi(env_["ONSHI_SERVER1_PID"]), SIGKILL), 0);
  std::this_thread::sleep_for(3s);
  Shell replica_stop = sh(
      std::string(getuid() == 0 ? "runuser -u postgres -- " : "") +
      "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl -D " + (dir_ / "pg" / "replica").string() +
      " -m fast -w stop");
  ASSERT_EQ(replica_stop.rc, 0) << replica_stop.out;
  std::this_thread::sleep_for(3s);
  stop = true;
  registrar.join();
  for (auto& t : confirmers) t.join();

  EXPECT_GT(before_kill, 0);
  EXPECT_GT(answered.load(), before_kill) << "confirmations continued after the kill";
  EXPECT_GT(registered_count.load(), 0);
  EXPECT_EQ(reg_tally.failed + reg_tally.unexpected, 0) << ::testing::PrintToString(reg_tally.problems);
  EXPECT_EQ(conf_tally.failed + conf_tally.unexpected, 0) << ::testing::PrintToString(conf_tally.problems);

  // Every acknowledged registration is there, read from the primary.
  auto db = store::open_store(env_["ONSHI_DB"]);
  ASSERT_TRUE(db) << db.error().message;
  int missing = 0;
  for (int i : registered) {
    auto v = (*db)->members().find_by_card(kInsurer, "77", std::to_string(100000 + i), INT64_MAX);
    ASSERT_TRUE(v);
    if (v->empty()) ++missing;
  }
  EXPECT_EQ(missing, 0);

  // No confirmation answered without its audit entry.
  int64_t confirm_entries = 0;
  ASSERT_TRUE((*db)->members().scan_audit(1, [&](const store::AuditEntry& e) {
    if (e.action == "confirm") ++confirm_entries;
    return true;
  }));
  EXPECT_GE(confirm_entries, answered.load());

  Shell verify = sh(onshi() + " audit verify --db " + env_["ONSHI_DB"]);
  EXPECT_EQ(verify.rc, 0) << verify.out;
  std::cout << "[cluster] registrations " << registered_count << " (retried " << reg_tally.retried
            << "), confirmations answered " << answered << " (retried " << conf_tally.retried
            << "), audit confirm entries " << confirm_entries << "\n";
}

}  // namespace
}  // namespace onshi::serve
