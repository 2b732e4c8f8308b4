// The person's download of their own audit entries (issue 17 point 2, 閲覧履歴; R-CARD-2) over
// real HTTPS, on SQLite and PostgreSQL: GET /v1/me/audit-entries answers only with a live
// session of a portal certificate, holds every entry about the signed-in person and none of
// anyone else's, verifies against the log (security::check_entries and the real
// `onshi audit verify --entries`), and an edited entry, statement or signature fails. The
// who-looked list shows a confirmation as soon as its answer is back (the audit is durable
// before the answer).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "card/card.h"
#include "card/card_helpers.h"
#include "security/audit.h"
#include "security/audit_events.h"
#include "security/audit_proof.h"
#include "security/ca.h"
#include "serve/service_fixture.h"
#include "store/test_database.h"

namespace onshi::portal {
namespace {

namespace json = boost::json;
namespace ct = card::testing;
using serve::testing::RunningService;

class AuditEntriesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    service_ = std::make_unique<RunningService>("audit-entries-" + GetParam(), tdb_.url());
    ASSERT_TRUE(service_->ok());
    const auto& dir = service_->dir();
    ASSERT_TRUE(security::issue_client(dir, core::Role::kPortal, "portal-1", dir / "portal").ok());
    db_ = ct::open_db(dir, tdb_.url());
    ASSERT_TRUE(db_);
    person("12345678901", "100", "hanako.card");
    person("22222222222", "200", "taro.card");
  }

  void person(const std::string& body11, const std::string& number, const std::string& file) {
    const std::string mn = ct::my_number(body11);
    card::IssueOptions o;
    o.my_number = mn;
    o.pin = "1234";
    o.label = "試験 " + number;
    ASSERT_TRUE(card::issue(service_->dir(), *db_, o, service_->dir() / file).ok());
    auto keyring = security::Keyring::load_or_create(service_->dir());
    ASSERT_TRUE(keyring.ok());
    std::vector<store::PutItem> items{
        {ct::qualification(number, "20200401"), keyring->person_link(mn), "", "test", ""}};
    ASSERT_TRUE(db_->members().put_qualifications(items).ok());
    ASSERT_TRUE(card::link(service_->dir(), *db_, service_->dir() / file, "1234").ok());
  }

  // The card's presentation over a challenge from `path` asked with `client`.
  json::object present(http::Client& client, const char* path, const std::string& file) {
    auto res = client.request("POST", path, "{}");
    EXPECT_TRUE(res.ok() && res->status == 200);
    if (!res.ok() || res->status != 200) return {};
    auto c = card::Card::load(service_->dir() / file);
    auto p = c->present(std::string(json::parse(res->body).at("challenge").as_string()),
                        card::Method::kPin, "1234");
    EXPECT_TRUE(p.ok());
    if (!p.ok()) return {};
    return {{"challenge", p->challenge}, {"certificate", p->certificate_pem},
            {"signature", p->signature}, {"method", "pin"}};
  }

  // The clinic confirms by card `file`; the answer's status.
  int confirm(const std::string& file) {
    auto clinic = service_->client("clinic");
    auto res = clinic.request("POST", "/v1/card/confirmations",
                              json::serialize(present(clinic, "/v1/card/challenges", file)));
    return res.ok() ? res->status : 0;
  }

  std::string sign_in(http::Client& portal, const std::string& file) {
    auto res = portal.request("POST", "/v1/me/sessions",
                              json::serialize(present(portal, "/v1/me/challenges", file)));
    if (!res.ok() || res->status != 201) return "";
    return std::string(json::parse(res->body).at("session").as_string());
  }

  http::ClientResponse get(http::Client& c, const std::string& target, const std::string& token) {
    auto res = c.request("GET", target, "", "application/json", token.empty() ? "" : "Bearer " + token);
    EXPECT_TRUE(res.ok());
    return res.ok() ? *res : http::ClientResponse{};
  }

  std::string ca_pem() {
    std::ifstream in(security::ca_paths(service_->dir()).ca_cert);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // `onshi audit verify --entries FILE` on the service's database; the exit code.
  int verify_cli(const std::string& text) {
    const auto file = tdb_.dir() / "entries.json";
    std::ofstream(file) << text;
    const auto log = tdb_.dir() / "verify.log";
    const std::string cmd = std::string(ONSHI_BINARY) + " audit verify --db '" + tdb_.url() +
                            "' --ca " + security::ca_paths(service_->dir()).ca_cert.string() +
                            " --entries " + file.string() + " >" + log.string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<RunningService> service_;
  std::unique_ptr<store::Database> db_;
};

// R-CARD-2: the download holds the person's entries only, and they verify against the log.
TEST_P(AuditEntriesTest, DownloadVerifiesAndHoldsOnlyThePersonsEntries) {
  ASSERT_EQ(confirm("hanako.card"), 200);
  ASSERT_EQ(confirm("taro.card"), 200);
  ASSERT_EQ(confirm("hanako.card"), 200);
  auto portal = service_->client("portal");
  const std::string hanako = sign_in(portal, "hanako.card");
  ASSERT_FALSE(hanako.empty());

  // The entry appears at once: the confirmation's audit is durable before its answer.
  auto looked = get(portal, "/v1/me/accesses", hanako);
  ASSERT_EQ(looked.status, 200) << looked.body;
  EXPECT_EQ(json::parse(looked.body).at("accesses").as_array().size(), 2u);

  auto res = get(portal, "/v1/me/audit-entries", hanako);
  ASSERT_EQ(res.status, 200) << res.body;
  auto d = security::parse_entries(res.body);
  ASSERT_TRUE(d.ok()) << d.error().message;
  // Hanako's two confirmations, her sign-in's view of who looked; never Taro's confirmation.
  int confirmations = 0;
  std::string hanako_key;
  for (const auto& e : d->entries) {
    if (e.action == "confirm") {
      ++confirmations;
      if (hanako_key.empty()) hanako_key = e.subject;
      EXPECT_EQ(e.subject, hanako_key);
    } else {
      EXPECT_EQ(e.subject, security::person_subject(d->person)) << e.action;
    }
  }
  EXPECT_EQ(confirmations, 2);
  ASSERT_TRUE(db_->members().scan_audit(1, [&](const store::AuditEntry& e) {
    const bool in = std::any_of(d->entries.begin(), d->entries.end(),
                                [&](const auto& x) { return x.seq == e.seq; });
    if (e.action == "confirm" && e.subject != hanako_key) {
      EXPECT_FALSE(in) << e.seq;
    }
    return true;
  }).ok());

  auto check = security::check_entries(*d, ca_pem(), &db_->members());
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_TRUE(check->ok) << check->problem;
  EXPECT_EQ(verify_cli(res.body), 0);

  // Still valid after the log has grown past the head.
  ASSERT_EQ(confirm("taro.card"), 200);
  EXPECT_EQ(verify_cli(res.body), 0);

  // Taro's download has none of Hanako's entries.
  const std::string taro = sign_in(portal, "taro.card");
  auto t = security::parse_entries(get(portal, "/v1/me/audit-entries", taro).body);
  ASSERT_TRUE(t.ok());
  EXPECT_NE(t->person, d->person);
  for (const auto& e : t->entries) {
    EXPECT_NE(e.subject, hanako_key);
    EXPECT_NE(e.subject, security::person_subject(d->person));
  }
}

// R-CARD-2: an edited entry, head, statement or signature does not verify.
TEST_P(AuditEntriesTest, AnEditedDownloadFails) {
  ASSERT_EQ(confirm("hanako.card"), 200);
  auto portal = service_->client("portal");
  const std::string token = sign_in(portal, "hanako.card");
  auto res = get(portal, "/v1/me/audit-entries", token);
  ASSERT_EQ(res.status, 200) << res.body;
  auto d = security::parse_entries(res.body);
  ASSERT_TRUE(d.ok());
  ASSERT_FALSE(d->entries.empty());

  // The detail edited: its hash no longer recomputes, alone or against the log.
  auto edited = json::parse(res.body).as_object();
  auto& first = edited["entries"].as_array()[0].as_object();
  const std::string detail(first["detail"].as_string());
  first["detail"] = detail.substr(0, detail.size() - 1) + ",\"x\":1}";
  EXPECT_EQ(verify_cli(json::serialize(edited)), 1);
  auto e = security::parse_entries(json::serialize(edited));
  ASSERT_TRUE(e.ok());
  auto c = security::check_entries(*e, ca_pem(), nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->bad_seq, d->entries[0].seq);

  // The entry and its hash both rewritten: the signature over the statement catches it.
  auto rewritten = *d;
  rewritten.entries[0].detail = e->entries[0].detail;
  rewritten.entries[0].hash = security::audit_hash(rewritten.entries[0]);
  rewritten.statement = security::statement_of(rewritten);
  c = security::check_entries(rewritten, ca_pem(), nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->problem, "the signature does not verify");

  // A head the log never had.
  auto head = *d;
  head.head.hash = std::string(64, '0');
  c = security::check_entries(head, ca_pem(), nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->ok);

  // Not a download at all: a usage error, not a verdict.
  EXPECT_EQ(security::parse_entries("{\"format\":1}").error().code, "E_AUDIT_PROOF");
  EXPECT_EQ(verify_cli("[]"), 2);
}

// R-CARD-2: only a portal certificate with a live session gets a download.
TEST_P(AuditEntriesTest, RefusesWithoutASession) {
  auto portal = service_->client("portal");
  EXPECT_EQ(get(portal, "/v1/me/audit-entries", "").status, 401);
  EXPECT_EQ(get(portal, "/v1/me/audit-entries", "forged-token-000000000000000000000000000000").status,
            401);
  auto clinic = service_->client("clinic");
  const std::string token = sign_in(portal, "hanako.card");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(get(clinic, "/v1/me/audit-entries", token).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditEntriesTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::portal
