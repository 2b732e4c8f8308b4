// Clinical access end to end on a running service over real HTTPS (R-CONF-5, issue 16
// points 2–3 and "Bad input and privacy"): consent given with the card at the reader is kept
// by the service; professional accounts are registered with the institution's certificate;
// GET /v1/clinical/consent-status decides through access::Gatekeeper for each way round —
// reception account, no account, unknown account, another institution's consent, a
// numbers-only confirmation, an expired consent, a withdrawal by the real CLI, disaster mode
// declared and ended by the real CLI on the running server — and every decision is in the
// audit log with the institution and the account, never the My Number (`onshi audit show`).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "access/access.h"
#include "card/card.h"
#include "card/card_helpers.h"
#include "core/date.h"
#include "serve/service_fixture.h"

namespace onshi::access {
namespace {

using serve::testing::kClinic;
using serve::testing::kInsurer;
using serve::testing::RunningService;
namespace json = boost::json;
namespace ct = onshi::card::testing;

// Runs the real binary; returns the exit code and stdout.
int run(const std::string& args, std::string* out = nullptr) {
  std::string cmd = std::string(ONSHI_BINARY) + " " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int rc = pclose(p);
  if (out) *out = text;
  return WEXITSTATUS(rc);
}

class ClinicalAccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new RunningService("clinical-access");
    ASSERT_TRUE(service_->ok());
    auto db = ct::open_db(service_->dir());
    ASSERT_TRUE(db);
    card::IssueOptions o;
    o.my_number = number();
    o.pin = "1234";
    o.label = "試験 花子";
    auto issued = card::issue(service_->dir(), *db, o, card_file());
    ASSERT_TRUE(issued.ok());
    serial_ = issued->serial;
    ct::register_person(service_->dir(), number(), ct::qualification("100", "20200401"));
    ASSERT_TRUE(card::link(service_->dir(), *db, card_file(), "1234").ok());
    // A second person, confirmed by numbers only.
    ct::register_person(service_->dir(), ct::my_number("33333333333"),
                        ct::qualification("300", "20200401"));
    // Accounts, registered with each institution's certificate.
    for (auto [who, id, role] : {std::tuple{"clinic", "dr", "doctor"},
                                 {"clinic", "desk", "reception"},
                                 {"clinic", "gone", "doctor"},
                                 {"other", "dr2", "doctor"}}) {
      auto r =
          service_->client(who).request("POST", "/v1/institution/accounts",
                                        json::serialize(json::object{{"id", id}, {"role", role}}));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 201) << r->body;
    }
    auto rm = service_->client("clinic").request("POST", "/v1/institution/accounts/remove",
                                                 R"({"id":"gone"})");
    ASSERT_TRUE(rm.ok() && rm->status == 200);
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  static std::string number() { return ct::my_number("12345678901"); }
  static std::filesystem::path card_file() { return service_->dir() / "hanako.card"; }

  // A card confirmation at `who`'s reader with `consent`.
  static void confirm_by_card(const std::string& who, const json::object& consent) {
    auto client = service_->client(who);
    auto ch = client.request("POST", "/v1/card/challenges", "{}");
    ASSERT_TRUE(ch.ok() && ch->status == 200);
    auto card = card::Card::load(card_file());
    ASSERT_TRUE(card.ok());
    const json::value challenge = json::parse(ch->body);
    auto p = card->present(std::string(challenge.at("challenge").as_string()), card::Method::kPin,
                           "1234");
    ASSERT_TRUE(p.ok());
    json::object body{{"challenge", p->challenge},
                      {"certificate", p->certificate_pem},
                      {"signature", p->signature},
                      {"method", "pin"},
                      {"consent", consent}};
    auto r = client.request("POST", "/v1/card/confirmations", json::serialize(body));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }

  // The decisions per category ("YZK" → the category's object) for `account` at `who`.
  static std::map<std::string, json::object> status(const std::string& who,
                                                    const std::string& account,
                                                    const std::string& number = "100") {
    auto r = service_->client(who).request("GET", "/v1/clinical/consent-status?account=" + account +
                                                      "&insurerNumber=" + kInsurer +
                                                      "&symbol=12&number=" + number + "&branch=00");
    std::map<std::string, json::object> out;
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return out;
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body.find(ClinicalAccessTest::number()), std::string::npos);
    const json::value doc = json::parse(r->body);
    if (r->status != 200) return out;
    for (const auto& c : doc.at("categories").as_array())
      out[std::string(c.at("category").as_string())] = c.as_object();
    return out;
  }
  static std::string code(const json::object& o) {
    return o.contains("code") ? std::string(o.at("code").as_string()) : "";
  }
  static bool allowed(const json::object& o) { return o.at("allowed").as_bool(); }

  static RunningService* service_;
  static std::string serial_;
};
RunningService* ClinicalAccessTest::service_ = nullptr;
std::string ClinicalAccessTest::serial_;

// R-CONF-5: the consent given with the card is kept by the service, per category; a doctor
// of that institution may view what was consented to, nothing else.
TEST_F(ClinicalAccessTest, DoctorSeesWhatWasConsentedAtTheReader) {
  confirm_by_card("clinic", {{"medication", true}, {"treatment", true}});
  auto s = status("clinic", "dr");
  EXPECT_TRUE(allowed(s["YZK"]));
  EXPECT_EQ(s["YZK"].at("basis").as_string(), "consent");
  EXPECT_TRUE(s["YZK"].contains("availableUntil"));
  EXPECT_TRUE(allowed(s["SRJ"]));
  EXPECT_FALSE(allowed(s["TKK"]));
  EXPECT_EQ(code(s["TKK"]), "E_CONSENT_NONE");
  EXPECT_EQ(code(s["SHJ"]), "E_CONSENT_NONE");
}

// R-CONF-5: reception sees coverage only; a request without an account, with an unknown or a
// removed account gets nothing.
TEST_F(ClinicalAccessTest, ReceptionAndMissingAccountsAreRefused) {
  confirm_by_card("clinic", {{"medication", true}});
  for (const auto& [category, o] : status("clinic", "desk"))
    EXPECT_EQ(code(o), "E_ACCOUNT_ROLE") << category;
  for (const auto& [category, o] : status("clinic", ""))
    EXPECT_EQ(code(o), "E_ACCOUNT_MISSING") << category;
  for (const auto& [category, o] : status("clinic", "nobody"))
    EXPECT_EQ(code(o), "E_ACCOUNT_UNKNOWN") << category;
  for (const auto& [category, o] : status("clinic", "gone"))
    EXPECT_EQ(code(o), "E_ACCOUNT_UNKNOWN") << category;
  // Another institution's doctor account is not this institution's.
  for (const auto& [category, o] : status("clinic", "dr2"))
    EXPECT_EQ(code(o), "E_ACCOUNT_UNKNOWN") << category;
}

// R-CONF-5: a consent given at one institution is not a consent at another.
TEST_F(ClinicalAccessTest, AnotherInstitutionsConsentCountsNot) {
  confirm_by_card("clinic", {{"medication", true}});
  auto s = status("other", "dr2");
  EXPECT_EQ(code(s["YZK"]), "E_CONSENT_NONE");
}

// R-CONF-5: a confirmation by the card's numbers records no consent: nothing clinical.
TEST_F(ClinicalAccessTest, NumbersOnlyConfirmationGivesNothing) {
  std::string req = std::string("{\"qualificationConfirmationDate\":\"20250415\",") +
                    "\"medicalInstitutionCode\":\"" + kClinic + "\",\"insurerNumber\":\"" +
                    kInsurer +
                    "\",\"insuredCardSymbol\":\"12\",\"insuredIdentificationNumber\":\"300\","
                    "\"insuredBranchNumber\":\"00\",\"birthdate\":\"19800505\","
                    "\"limitApplicationCertificateRelatedConsFlg\":\"1\"}";
  auto r = service_->client("clinic").request("POST", "/v1/qualification-confirmations", req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  auto s = status("clinic", "dr", "300");
  for (const auto& [category, o] : s) EXPECT_EQ(code(o), "E_CONSENT_NONE") << category;
}

// R-CONF-5: an expired consent answers 「同意有効期限切れ」; a withdrawal by the patient
// (`onshi clinical consents withdraw`, OQSCD031 2) is in force on the next request.
TEST_F(ClinicalAccessTest, ExpiredAndWithdrawnConsents) {
  auto db = ct::open_db(service_->dir());
  auto link = db->cards().find(serial_);
  ASSERT_TRUE(link.ok() && link->has_value());
  const int64_t long_ago = core::now_unix_us() - 48LL * 3600 * 1000000;
  store::ConsentRow old{0,
                        (*link)->person_link,
                        kClinic,
                        "SHJ",
                        "1",
                        serial_,
                        long_ago,
                        long_ago + 24LL * 3600 * 1000000,
                        std::nullopt,
                        ""};
  ASSERT_TRUE(db->access().put_consents(std::vector<store::ConsentRow>{old}).ok());
  auto s = status("clinic", "dr");
  EXPECT_EQ(code(s["SHJ"]), "E_CONSENT_EXPIRED");
  EXPECT_NE(std::string(s["SHJ"].at("detail").as_string()).find("同意有効期限切れ"),
            std::string::npos);
  EXPECT_EQ(s["SHJ"].at("expiryReason").as_string(), "0");

  confirm_by_card("clinic", {{"healthCheckup", true}});
  EXPECT_TRUE(allowed(status("clinic", "dr")["TKK"]));
  std::string out;
  ASSERT_EQ(run("clinical consents withdraw --data-dir " + service_->dir().string() +
                    " --card-serial " + serial_ + " --category checkup",
                &out),
            0);
  EXPECT_NE(out.find("\"withdrawn\":1"), std::string::npos) << out;
  auto after = status("clinic", "dr");
  EXPECT_EQ(code(after["TKK"]), "E_CONSENT_EXPIRED");
  EXPECT_EQ(after["TKK"].at("expiryReason").as_string(), "2");
}

// R-CONF-5 (災害時): a period declared by the operator on the running server lets a doctor in
// the prefecture view medication and treatment without a consent, marked "disaster"; the
// institution in another prefecture and the other categories stay refused; ending it ends
// it. The service keeps the periods at most a second: the test asks until the answer turns.
TEST_F(ClinicalAccessTest, DisasterModeOnAndOffWithoutRestart) {
  auto until = [&](const std::string& who, const std::string& account, bool want) {
    std::map<std::string, json::object> s;
    for (int i = 0; i < 100; ++i) {
      s = status(who, account, "300");
      if (allowed(s["SRJ"]) == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return s;
  };
  const std::string dir = service_->dir().string();
  std::string out;
  ASSERT_EQ(run("clinical disaster --data-dir " + dir + " --prefectures 13,14 --from now --to " +
                    core::Date::today_jst().add_days(2).yyyymmdd() + " --note 訓練",
                &out),
            0);
  const int64_t id = json::parse(out).at("id").as_int64();
  auto on = until("clinic", "dr", true);
  EXPECT_TRUE(allowed(on["SRJ"]));
  EXPECT_EQ(on["SRJ"].at("basis").as_string(), "disaster");
  EXPECT_TRUE(allowed(on["YZK"]));
  EXPECT_EQ(code(on["TKK"]), "E_CONSENT_NONE");
  EXPECT_EQ(code(on["SHJ"]), "E_CONSENT_NONE");
  EXPECT_EQ(code(status("clinic", "desk", "300")["SRJ"]), "E_ACCOUNT_ROLE");
  EXPECT_EQ(code(status("other", "dr2", "300")["SRJ"]), "E_CONSENT_NONE");  // prefecture 34
  ASSERT_EQ(run("clinical disaster end --data-dir " + dir + " --id " + std::to_string(id)), 0);
  auto off = until("clinic", "dr", false);
  EXPECT_EQ(code(off["SRJ"]), "E_CONSENT_NONE");
  EXPECT_EQ(run("clinical disaster end --data-dir " + dir + " --id " + std::to_string(id)), 2);
  EXPECT_EQ(run("clinical disaster --data-dir " + dir + " --prefectures 48 --to 20990101"), 2);
}

// Every view and every refusal is audited with the institution and the account, never the My
// Number; `onshi audit show` filters by person link and institution.
TEST_F(ClinicalAccessTest, DecisionsAreAuditedAndShown) {
  confirm_by_card("clinic", {{"medication", true}});
  status("clinic", "dr");
  status("clinic", "desk");
  auto db = ct::open_db(service_->dir());
  auto link = db->cards().find(serial_);
  ASSERT_TRUE(link.ok() && link->has_value());
  const std::string hex = person_link_hex((*link)->person_link);
  std::string out;
  for (int i = 0; i < 100; ++i) {  // the log commits in groups
    ASSERT_EQ(run("audit show --data-dir " + service_->dir().string() + " --person-link " + hex +
                      " --institution " + kClinic,
                  &out),
              0);
    if (out.find("\"account\":\"desk\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(out.find("\"action\":\"clinical.view\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"action\":\"clinical.refused\""), std::string::npos);
  EXPECT_NE(out.find("\"code\":\"E_ACCOUNT_ROLE\""), std::string::npos);
  EXPECT_NE(out.find("\"account\":\"dr\""), std::string::npos);
  EXPECT_NE(out.find("\"action\":\"confirm\""), std::string::npos);  // the card confirmations
  EXPECT_EQ(out.find("institution:3410712362"), std::string::npos);
  EXPECT_EQ(out.find(number()), std::string::npos);
  EXPECT_EQ(run("audit show --data-dir " + service_->dir().string() + " --person-link xyz"), 2);
  std::string none;
  ASSERT_EQ(run("audit show --data-dir " + service_->dir().string() + " --from 20990101", &none),
            0);
  EXPECT_TRUE(none.empty());
}

// R-CONF-5: account registration checks its input; a pharmacy registers no doctors.
TEST_F(ClinicalAccessTest, AccountRegistrationRefusesBadInput) {
  auto c = service_->client("clinic");
  for (auto [body, want] : {std::pair{R"({"id":"a b","role":"doctor"})", "E_ACCOUNT_ID"},
                            {R"({"id":"x","role":"nurse"})", "E_ACCOUNT_ROLE"},
                            {R"({"id":"x","role":"doctor","extra":"1"})", "E_JSON_UNKNOWN_FIELD"},
                            {R"({"id":1})", "E_JSON_TYPE"}}) {
    auto r = c.request("POST", "/v1/institution/accounts", body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_NE(r->body.find(want), std::string::npos) << r->body;
  }
  auto list = c.request("GET", "/v1/institution/accounts");
  ASSERT_TRUE(list.ok() && list->status == 200);
  EXPECT_EQ(list->body.find("\"x\""), std::string::npos);
  EXPECT_EQ(list->body.find("dr2"), std::string::npos);  // the other institution's
  auto insurer = service_->client("insurer").request("GET", "/v1/institution/accounts");
  ASSERT_TRUE(insurer.ok());
  EXPECT_EQ(insurer->status, 403);
}

}  // namespace
}  // namespace onshi::access
