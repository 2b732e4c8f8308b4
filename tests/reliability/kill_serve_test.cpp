// kill -9 of a serving process under load (issue 20 point 3): the real `onshi serve` on
// 127.0.0.1, an insurer registering members one request at a time and an institution
// confirming the members already registered, killed with SIGKILL at seeded random points.
// After each kill the service is started again on the same database and the test checks:
// every registration answered 200 is there (it confirms), every confirmation answered 200 has
// its audit entry, `onshi audit verify` passes, and — once the client has re-sent what it
// never got an answer for, as docs/operations.md's retry rule says — the database equals one
// clean run's. SQLite, and PostgreSQL when ONSHI_TEST_PG_URL is set. ONSHI_KILL_SEED,
// ONSHI_KILL_POINTS: kill_util.h.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "core/qualification.h"
#include "http/client.h"
#include "reliability/kill_util.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "store/test_database.h"

namespace onshi::reliability {
namespace {

namespace fs = std::filesystem;
using onshi::testing::TestDatabase;
const char* const kInsurer = "06130488";
const char* const kClinic = "1310112345";
constexpr int kMembers = 120;
constexpr double kLoadSeconds = 1.0;

std::string number(int i) { return std::to_string(300000 + i); }

std::string member_json(int i) {
  return std::string("[{\"insurerNumber\":\"") + kInsurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"88\",\"insuredIdentificationNumber\":\"" + number(i) +
         "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
         "\"name\":\"試験　次郎\",\"nameKana\":\"シケン　ジロウ\",\"sex1\":\"1\","
         "\"birthdate\":\"19700101\",\"qualificationDate\":\"20190401\"}]";
}

std::string confirmation_json(int i) {
  return std::string("{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
         kClinic + "\",\"insurerNumber\":\"" + kInsurer +
         "\",\"insuredCardSymbol\":\"88\",\"insuredIdentificationNumber\":\"" + number(i) +
         "\",\"insuredBranchNumber\":\"01\",\"birthdate\":\"19700101\","
         "\"limitApplicationCertificateRelatedConsFlg\":\"0\"}";
}

// One running `onshi serve`: started, its port read from its first line, killed or stopped.
class Server {
 public:
  Server(const TestDatabase& t) : dir_(t.dir()) {
    const std::string o = (dir_ / "serve.out").string(), e = (dir_ / "serve.err").string();
    fs::remove(o);
    pid_ = spawn({ONSHI_BINARY, "serve", "--data-dir", dir_.string(), "--db", t.url(), "--listen",
                  "127.0.0.1:0"},
                 o, e);
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      std::string line = slurp(o);
      auto colon = line.rfind(':');
      if (line.find("listening") != std::string::npos && colon != std::string::npos)
        port_ = static_cast<uint16_t>(std::atoi(line.c_str() + colon + 1));
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Server() { stop(SIGTERM); }
  void stop(int sig) {
    if (pid_ > 0) {
      ::kill(pid_, sig);
      wait_exit(pid_);
    }
    pid_ = -1;
  }
  uint16_t port() const { return port_; }
  http::Client client(const std::string& who) const {
    http::ClientOptions o;
    o.port = port_;
    o.ca_file = (dir_ / who / "ca.pem").string();
    o.cert_file = (dir_ / who / "cert.pem").string();
    o.key_file = (dir_ / who / "key.pem").string();
    o.timeout_ms = 5000;
    return http::Client(o);
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// What the clients were told: registrations and confirmations answered 200, and whether
// a request went unanswered (the kill landed while the load ran).
struct Answered {
  std::mutex mu;
  std::vector<int> registered;
  std::map<int, int> confirmed;  // member → confirmations answered
  std::atomic<bool> cut{false};
};

// The load for kLoadSeconds or until the server stops answering: one thread registers
// members 0, 1, 2 … and then sends them again (unchanged), one confirms members already
// registered.
void load(const Server& s, Answered& a) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(kLoadSeconds);
  auto going = [&] { return !a.cut && std::chrono::steady_clock::now() < until; };
  std::thread reg([&] {
    auto c = s.client("insurer");
    for (int k = 0; going(); ++k) {
      auto r = c.request("POST", "/v1/registrations", member_json(k % kMembers));
      if (!r || r->status != 200) {
        a.cut = true;
        break;
      }
      std::lock_guard l(a.mu);
      if (k < kMembers) a.registered.push_back(k);
    }
  });
  std::thread conf([&] {
    auto c = s.client("clinic");
    for (unsigned k = 0; going(); ++k) {
      int i = -1;
      {
        std::lock_guard l(a.mu);
        if (!a.registered.empty()) i = a.registered[k % a.registered.size()];
      }
      if (i < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      auto r = c.request("POST", "/v1/qualification-confirmations", confirmation_json(i));
      if (!r || r->status != 200) {
        a.cut = true;
        break;
      }
      std::lock_guard l(a.mu);
      ++a.confirmed[i];
    }
  });
  reg.join();
  conf.join();
}

class KillServeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(clean_);
    prepare(clean_, nullptr);
  }
  // CA, the insurer's and the clinic's certificates; the clean run's master key.
  void prepare(const TestDatabase& t, const TestDatabase* keys_from) {
    if (keys_from) {
      for (const char* sub : {"ca", "keys"})
        fs::copy(keys_from->dir() / sub, t.dir() / sub, fs::copy_options::recursive);
    } else {
      ASSERT_TRUE(security::ca_init(t.dir()).ok());
      ASSERT_TRUE(security::Keyring::load_or_create(t.dir()).ok());
    }
    ASSERT_TRUE(
        security::issue_client(t.dir(), security::Role::kInsurer, kInsurer, t.dir() / "insurer")
            .ok());
    ASSERT_TRUE(security::issue_client(t.dir(), security::Role::kInstitution, kClinic,
                                       t.dir() / "clinic")
                    .ok());
  }
  // The client's retry: every registration again (the answered ones come back unchanged).
  static void register_all(const Server& s) {
    auto c = s.client("insurer");
    for (int i = 0; i < kMembers; ++i) {
      auto r = c.request("POST", "/v1/registrations", member_json(i));
      ASSERT_TRUE(r && r->status == 200) << i << " " << (r ? r->body : r.error().message);
    }
  }
  TestDatabase clean_{GetParam()};
};

// Audit entries of action "confirm" per card key.
std::map<std::string, int> confirm_entries(const std::string& url) {
  std::map<std::string, int> out;
  auto db = store::open_store(url);
  EXPECT_TRUE(db.ok());
  if (!db) return out;
  EXPECT_TRUE((*db)->members().scan_audit(1, [&](const store::AuditEntry& e) {
    if (e.action == "confirm") ++out[e.subject];
    return true;
  }));
  return out;
}

// After the restart: every answered registration confirms, every answered confirmation is
// in the audit log.
void check_answers(const Server& s, const TestDatabase& t, Answered& a, double delay) {
  auto c = s.client("clinic");
  for (int i : a.registered) {
    auto r = c.request("POST", "/v1/qualification-confirmations", confirmation_json(i));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NE(r->body.find("\"qualificationValidity\":\"1\""), std::string::npos)
        << "registration " << i << " was answered but is lost; kill at " << delay << " s";
    ++a.confirmed[i];
  }
  auto entries = confirm_entries(t.url());
  for (auto [i, n] : a.confirmed) {
    std::string key = core::make_card_key(kInsurer, "88", number(i), "01");
    EXPECT_GE(entries[key], n) << "confirmation of " << i
                               << " answered without its audit entry; kill at " << delay << " s";
  }
}

// R-REG-1, R-CONF-1, R-AUD-1: a serving process killed under load loses no answered write and
// no audit entry of an answered read.
TEST_P(KillServeTest, ServingUnderLoad) {
  {
    Server s(clean_);
    ASSERT_NE(s.port(), 0) << slurp(clean_.dir() / "serve.err");
    register_all(s);
  }
  const std::string want = canonical_dump(clean_.url());
  int landed = 0;
  for (double delay : kill_delays("serve-" + GetParam(), kLoadSeconds)) {
    TestDatabase t(GetParam());
    prepare(t, &clean_);
    Answered a;
    {
      Server s(t);
      ASSERT_NE(s.port(), 0) << slurp(t.dir() / "serve.err");
      std::thread killer([&] {
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        s.stop(SIGKILL);
      });
      load(s, a);
      killer.join();
      landed += a.cut ? 1 : 0;
      int confirmed = 0;
      for (auto [i, n] : a.confirmed) confirmed += n;
      std::cout << "killed at " << delay << " s: " << a.registered.size()
                << " registrations and " << confirmed << " confirmations answered\n";
    }
    Server again(t);
    ASSERT_NE(again.port(), 0) << "restart after a kill at " << delay << " s: "
                               << slurp(t.dir() / "serve.err");
    check_answers(again, t, a, delay);
    register_all(again);
    again.stop(SIGTERM);
    EXPECT_EQ(canonical_dump(t.url()), want) << "kill at " << delay << " s";
    EXPECT_TRUE(audit_verifies(t.url(), t.dir())) << "kill at " << delay << " s";
  }
  EXPECT_GE(landed, 1) << "no kill landed while the load ran";
}

INSTANTIATE_TEST_SUITE_P(Backends, KillServeTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::reliability
