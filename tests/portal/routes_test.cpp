// The central service's /v1/me/… routes over real HTTPS, on SQLite and PostgreSQL (issue 17
// point 1; R-CARD-1, R-CARD-2): sign-in with the card and PIN opens a person session, the
// routes answer only that person's data, refuse without a session, with an ended or foreign
// session, with another portal's session and with a non-portal certificate; sign-out and a
// revoked card end the session; 初回登録 from the portal; a consent withdrawn from home
// (OQSCD031 2) is gone at once; who looked lists the clinic's confirmation; every answer is
// audited with the person as actor; the My Number is in no answer; 医療費通知情報 and its
// yearly statement answer the person's own rows only.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "card/card.h"
#include "card/card_helpers.h"
#include "expenses/expenses.h"
#include "security/audit_events.h"
#include "security/ca.h"
#include "serve/service_fixture.h"
#include "store/test_database.h"

namespace onshi::portal {
namespace {

namespace json = boost::json;
namespace ct = card::testing;
using serve::testing::kClinic;
using serve::testing::RunningService;

class PortalRoutesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    service_ = std::make_unique<RunningService>("portal-routes-" + GetParam(), tdb_.url());
    ASSERT_TRUE(service_->ok());
    const auto& dir = service_->dir();
    ASSERT_TRUE(security::issue_client(dir, core::Role::kPortal, "portal-1", dir / "portal").ok());
    ASSERT_TRUE(security::issue_client(dir, core::Role::kPortal, "portal-2", dir / "portal2").ok());
    db_ = ct::open_db(dir, tdb_.url());
    ASSERT_TRUE(db_);
    person("12345678901", "100", "hanako.card", true);
    person("22222222222", "200", "taro.card", true);
    person("33333333333", "300", "new.card", false);
  }

  // A person with a qualification (card number `number`) and a card file; linked or not.
  void person(const std::string& body11, const std::string& number, const std::string& file,
              bool linked) {
    const std::string mn = ct::my_number(body11);
    numbers_.push_back(mn);
    card::IssueOptions o;
    o.my_number = mn;
    o.pin = "1234";
    o.label = "試験 " + number;
    ASSERT_TRUE(card::issue(service_->dir(), *db_, o, service_->dir() / file).ok());
    auto keyring = security::Keyring::load_or_create(service_->dir());
    ASSERT_TRUE(keyring.ok());
    std::vector<store::PutItem> items{
        {ct::qualification(number, "20200401"), keyring->person_link(mn), "", "test"}};
    ASSERT_TRUE(db_->members().put_qualifications(items).ok());
    if (linked) ASSERT_TRUE(card::link(service_->dir(), *db_, service_->dir() / file, "1234").ok());
  }

  // The presentation of card `file` over a challenge asked with `client`.
  json::object presentation(http::Client& client, const std::string& file,
                            const std::string& pin = "1234",
                            card::Method method = card::Method::kPin) {
    auto res = client.request("POST", "/v1/me/challenges", "{}");
    EXPECT_TRUE(res.ok() && res->status == 200) << (res.ok() ? res->body : "");
    if (!res.ok() || res->status != 200) return {};
    auto c = card::Card::load(service_->dir() / file);
    EXPECT_TRUE(c.ok());
    auto p = c->present(std::string(json::parse(res->body).at("challenge").as_string()), method,
                        pin);
    if (!p.ok()) return {{"error", p.error().code}};
    return {{"challenge", p->challenge},
            {"certificate", p->certificate_pem},
            {"signature", p->signature},
            {"method", std::string(card::method_name(method))}};
  }

  // Signs in with card `file`; the session token ("" when refused, with the answer in `out`).
  std::string sign_in(http::Client& client, const std::string& file,
                      http::ClientResponse* out = nullptr) {
    auto res = client.request("POST", "/v1/me/sessions",
                              json::serialize(presentation(client, file)));
    EXPECT_TRUE(res.ok());
    if (!res.ok()) return "";
    check_no_number(res->body);
    if (out) *out = *res;
    if (res->status != 201) return "";
    return std::string(json::parse(res->body).at("session").as_string());
  }

  http::ClientResponse get(http::Client& client, const std::string& target,
                           const std::string& token) {
    auto res = client.request("GET", target, "", "application/json",
                              token.empty() ? "" : "Bearer " + token);
    EXPECT_TRUE(res.ok());
    if (res.ok()) check_no_number(res->body);
    return res.ok() ? *res : http::ClientResponse{};
  }

  void check_no_number(const std::string& body) {
    for (const auto& n : numbers_) EXPECT_EQ(body.find(n), std::string::npos);
  }

  static std::string code(const http::ClientResponse& r) {
    return std::string(json::parse(r.body).at("code").as_string());
  }

  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<RunningService> service_;
  std::unique_ptr<store::Database> db_;
  std::vector<std::string> numbers_;
};

// R-CARD-2: a session answers its own person's qualifications and card state, nobody
// else's, whatever the request says; the answer is audited with the person as actor.
TEST_P(PortalRoutesTest, SessionReadsOnlyItsOwnPerson) {
  auto portal = service_->client("portal");
  http::ClientResponse signed_in;
  const std::string hanako = sign_in(portal, "hanako.card", &signed_in);
  ASSERT_FALSE(hanako.empty()) << signed_in.body;
  auto s = json::parse(signed_in.body).as_object();
  EXPECT_EQ(s.at("idleSeconds").as_int64(), 1800);
  EXPECT_TRUE(s.at("linked").as_bool());
  EXPECT_GE(hanako.size(), 43u);  // 32 random bytes, base64url
  const std::string taro = sign_in(portal, "taro.card");
  ASSERT_FALSE(taro.empty());

  auto q = get(portal, "/v1/me/qualifications?insuredIdentificationNumber=200", hanako);
  ASSERT_EQ(q.status, 200) << q.body;
  auto list = json::parse(q.body).at("qualifications").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0].at("current").as_bool());
  EXPECT_EQ(list[0].at("qualification").at("insuredIdentificationNumber").as_string(), "100");
  auto t = get(portal, "/v1/me/qualifications", taro);
  ASSERT_EQ(t.status, 200);
  EXPECT_EQ(json::parse(t.body).at("qualifications").at(0).at("qualification")
                .at("insuredIdentificationNumber").as_string(), "200");

  auto c = get(portal, "/v1/me/card", hanako);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_TRUE(json::parse(c.body).at("linked").as_bool());

  // Audited: portal.view entries with the person as actor, about that person.
  int views = 0;
  ASSERT_TRUE(db_->members().scan_audit(1, [&](const store::AuditEntry& e) {
    if (e.action != "portal.view") return true;
    auto rec = security::decode(e);
    EXPECT_TRUE(rec.ok()) << (rec.ok() ? "" : rec.error().message);
    EXPECT_EQ(e.actor.rfind("person:", 0), 0u);
    EXPECT_EQ(e.subject, "person:" + e.actor.substr(7));
    ++views;
    return true;
  }).ok());
  EXPECT_GE(views, 5);  // two sign-ins, two qualification reads, one card read
}

// R-CARD-2, bad input: no session, a malformed or invented one, another portal's session,
// an institution's certificate, and a session after sign-out are all refused.
TEST_P(PortalRoutesTest, RefusesWithoutALiveSessionOfThisPortal) {
  auto portal = service_->client("portal");
  const std::string token = sign_in(portal, "hanako.card");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(get(portal, "/v1/me/qualifications", "").status, 401);
  EXPECT_EQ(code(get(portal, "/v1/me/qualifications", "")), "E_SESSION");
  EXPECT_EQ(get(portal, "/v1/me/qualifications", "not-a-token").status, 401);
  EXPECT_EQ(get(portal, "/v1/me/qualifications", std::string(43, 'A')).status, 401);

  auto other_portal = service_->client("portal2");
  EXPECT_EQ(get(other_portal, "/v1/me/qualifications", token).status, 401);
  auto clinic = service_->client("clinic");
  auto refused = get(clinic, "/v1/me/qualifications", token);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(code(refused), "E_FORBIDDEN_ROLE");

  // Still live for its own portal, then signed out: refused everywhere at once.
  EXPECT_EQ(get(portal, "/v1/me/consents", token).status, 200);
  auto out = portal.request("DELETE", "/v1/me/sessions", "", "application/json",
                            "Bearer " + token);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, 200) << out->body;
  EXPECT_EQ(get(portal, "/v1/me/consents", token).status, 401);
}

// R-CARD-2: the sign-in follows the reader's PIN rules — a wrong PIN is counted by the card,
// a face check is not enough, a revoked card cannot sign in and its open session ends.
TEST_P(PortalRoutesTest, SignInFollowsTheCardRules) {
  auto portal = service_->client("portal");
  auto wrong = presentation(portal, "hanako.card", "9999");
  EXPECT_EQ(json::value_to<std::string>(wrong.at("error")), "E_CARD_PIN");
  EXPECT_EQ(card::Card::load(service_->dir() / "hanako.card")->pin_retries_left(), 2);

  auto face = presentation(portal, "hanako.card", "", card::Method::kFace);
  auto res = portal.request("POST", "/v1/me/sessions", json::serialize(face));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(code(*res), "E_CODE");

  auto bad = portal.request("POST", "/v1/me/sessions", "{\"challenge\":1}");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(code(*bad), "E_JSON_TYPE");

  const std::string token = sign_in(portal, "taro.card");
  ASSERT_FALSE(token.empty());
  auto taro = card::Card::load(service_->dir() / "taro.card");
  ASSERT_TRUE(card::revoke(*db_, taro->serial()).ok());
  auto after = get(portal, "/v1/me/card", token);
  EXPECT_EQ(after.status, 403);
  EXPECT_EQ(code(after), "E_CARD_REVOKED");
  http::ClientResponse again;
  EXPECT_TRUE(sign_in(portal, "taro.card", &again).empty());
  EXPECT_EQ(code(again), "E_CARD_REVOKED");
}

// R-CARD-1: 初回登録 from home with the PIN, only with the signed-in card.
TEST_P(PortalRoutesTest, LinksTheSignedInCard) {
  auto portal = service_->client("portal");
  http::ClientResponse signed_in;
  const std::string token = sign_in(portal, "new.card", &signed_in);
  ASSERT_FALSE(token.empty()) << signed_in.body;
  EXPECT_FALSE(json::parse(signed_in.body).at("linked").as_bool());
  EXPECT_FALSE(json::parse(get(portal, "/v1/me/card", token).body).at("linked").as_bool());

  auto foreign = portal.request("POST", "/v1/me/links",
                                json::serialize(presentation(portal, "taro.card")),
                                "application/json", "Bearer " + token);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(foreign->status, 403);
  EXPECT_EQ(code(*foreign), "E_SESSION_CARD");

  auto linked = portal.request("POST", "/v1/me/links",
                               json::serialize(presentation(portal, "new.card")),
                               "application/json", "Bearer " + token);
  ASSERT_TRUE(linked.ok());
  ASSERT_EQ(linked->status, 200) << linked->body;
  auto state = json::parse(get(portal, "/v1/me/card", token).body);
  EXPECT_TRUE(state.at("linked").as_bool());
  EXPECT_TRUE(state.as_object().contains("linkedAt"));
}

// R-CARD-2, R-CONF-5: the clinic's confirmation with a consent shows in who looked and in the
// consents; withdrawing it (OQSCD031 2) ends it at once.
TEST_P(PortalRoutesTest, WhoLookedAndWithdrawal) {
  auto clinic = service_->client("clinic");
  auto ch = clinic.request("POST", "/v1/card/challenges", "{}");
  ASSERT_TRUE(ch.ok() && ch->status == 200);
  auto c = card::Card::load(service_->dir() / "hanako.card");
  auto p = c->present(std::string(json::parse(ch->body).at("challenge").as_string()),
                      card::Method::kPin, "1234");
  ASSERT_TRUE(p.ok());
  json::object body{{"challenge", p->challenge},
                    {"certificate", p->certificate_pem},
                    {"signature", p->signature},
                    {"method", "pin"},
                    {"consent", json::object{{"medication", true}}}};
  auto confirmed = clinic.request("POST", "/v1/card/confirmations", json::serialize(body));
  ASSERT_TRUE(confirmed.ok());
  ASSERT_EQ(confirmed->status, 200) << confirmed->body;

  auto portal = service_->client("portal");
  const std::string token = sign_in(portal, "hanako.card");
  auto looked = get(portal, "/v1/me/accesses", token);
  ASSERT_EQ(looked.status, 200) << looked.body;
  auto entries = json::parse(looked.body).at("accesses").as_array();
  ASSERT_EQ(entries.size(), 1u) << looked.body;
  EXPECT_EQ(entries[0].at("institutionCode").as_string(), kClinic);
  EXPECT_EQ(entries[0].at("method").as_string(), "pin");
  EXPECT_EQ(entries[0].at("what").as_string(), "coverage");
  EXPECT_EQ(json::parse(get(portal, "/v1/me/accesses?institution=3410712362", token).body)
                .at("accesses").as_array().size(), 0u);
  EXPECT_EQ(json::parse(get(portal, "/v1/me/accesses?to=20000101", token).body)
                .at("accesses").as_array().size(), 0u);
  EXPECT_EQ(get(portal, "/v1/me/accesses?from=2025-01-01", token).status, 400);

  auto consents = json::parse(get(portal, "/v1/me/consents", token).body).at("consents");
  ASSERT_EQ(consents.as_array().size(), 1u);
  EXPECT_EQ(consents.at(0).at("category").as_string(), "medication");
  auto w = portal.request("POST", "/v1/me/consents/withdrawals",
                          R"({"institution":"1310112345","category":"medication"})",
                          "application/json", "Bearer " + token);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->status, 200) << w->body;
  EXPECT_EQ(json::parse(w->body).at("withdrawn").as_int64(), 1);
  EXPECT_EQ(json::parse(get(portal, "/v1/me/consents", token).body).at("consents")
                .as_array().size(), 0u);
  auto bad = portal.request("POST", "/v1/me/consents/withdrawals", R"({"institution":"12"})",
                            "application/json", "Bearer " + token);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
}

// Issue 17 point 2 (R-CARD-2): the insurer loads 医療費通知情報 of its own members only; a
// session reads its own person's year and nobody else's; no session is refused; the yearly
// statement comes as CSV, PDF and an XML that `verify_statement` accepts against the CA.
TEST_P(PortalRoutesTest, ExpensesOfThePersonOnly) {
  auto insurer = service_->client("insurer");
  const std::string row =
      R"({"medicalTreatmentMonth":"%M","insurerNumber":"%I","insuredCardSymbol":"12",)"
      R"("insuredIdentificationNumber":"%N","insuredBranchNumber":"00","birthdate":"19800505",)"
      R"("name":"試験 花子","medicalInstitutionCode":"1310112345","medicalInstitutionName":"さくら内科",)"
      R"("category":"医科","days":2,"totalCost":10000,"patientShare":3000})";
  auto fill = [&](std::string m, std::string i, std::string n) {
    std::string r = row;
    for (auto [k, v] : {std::pair{"%M", m}, {"%I", i}, {"%N", n}}) r.replace(r.find(k), 2, v);
    return r;
  };
  const std::string body = "[" + fill("202501", "06130488", "100") + "," +
                           fill("202503", "06130488", "100") + "," +
                           fill("202502", "06130488", "200") + "," +
                           fill("202504", "06139992", "100") + "]";
  auto loaded = insurer.request("POST", "/v1/clinical/expenses", body);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->status, 200) << loaded->body;
  auto report = json::parse(loaded->body).as_object();
  EXPECT_EQ(report.at("accepted").as_int64(), 3) << loaded->body;
  EXPECT_EQ(report.at("errors").at(0).at("code").as_string(), "E_FORBIDDEN_INSURER");
  auto clinic = service_->client("clinic");
  auto by_clinic = clinic.request("POST", "/v1/clinical/expenses", body);
  ASSERT_TRUE(by_clinic.ok());
  EXPECT_EQ(by_clinic->status, 403);

  auto portal = service_->client("portal");
  const std::string hanako = sign_in(portal, "hanako.card");
  const std::string taro = sign_in(portal, "taro.card");
  ASSERT_FALSE(hanako.empty());
  auto mine = get(portal, "/v1/me/expenses?year=2025", hanako);
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto year = json::parse(mine.body).as_object();
  ASSERT_EQ(year.at("lines").as_array().size(), 2u);
  EXPECT_EQ(year.at("totals").at("totalCost").as_int64(), 20000);
  EXPECT_EQ(year.at("totals").at("patientShare").as_int64(), 6000);
  auto his = json::parse(get(portal, "/v1/me/expenses?year=2025", taro).body).as_object();
  ASSERT_EQ(his.at("lines").as_array().size(), 1u);
  EXPECT_EQ(his.at("lines").at(0).at("month").as_string(), "202502");

  EXPECT_EQ(get(portal, "/v1/me/expenses?year=2025", "").status, 401);
  EXPECT_EQ(get(portal, "/v1/me/expenses?year=2025", "forged-token").status, 401);
  auto bad_year = get(portal, "/v1/me/expenses?year=25", hanako);
  EXPECT_EQ(bad_year.status, 400);
  EXPECT_EQ(code(bad_year), "E_EXPENSE_YEAR");
  auto bad_format = get(portal, "/v1/me/expenses/statement?year=2025&format=doc", hanako);
  EXPECT_EQ(code(bad_format), "E_EXPENSE_FORMAT");
  auto as_clinic = clinic.request("GET", "/v1/me/expenses?year=2025", "", "application/json",
                                  "Bearer " + hanako);
  ASSERT_TRUE(as_clinic.ok());
  EXPECT_EQ(as_clinic->status, 403);

  auto csv = get(portal, "/v1/me/expenses/statement?year=2025&format=csv", hanako);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type.rfind("text/csv", 0), 0u);
  EXPECT_NE(csv.body.find("合計,,,,4,20000,6000"), std::string::npos) << csv.body;
  auto pdf = get(portal, "/v1/me/expenses/statement?year=2025&format=pdf", hanako);
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.body.substr(0, 5), "%PDF-");
  auto xml = get(portal, "/v1/me/expenses/statement?year=2025&format=xml", hanako);
  ASSERT_EQ(xml.status, 200) << xml.body;
  auto v = expenses::verify_statement(xml.body, service_->dir());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->lines, 2);
}

// R-CARD-2 (issue 17 point 2): the person's own medication, checkups and treatments — only
// with a live session of a portal, only their own rows, no consent needed, the professional
// view's JSON (basis "self" instead of the consent), audited as a portal view of the person
// (not listed in who looked).
TEST_P(PortalRoutesTest, OwnClinicalDataIsTheProfessionalViewOfTheSamePerson) {
  const auto& dir = service_->dir();
  ASSERT_TRUE(
      security::issue_client(dir, core::Role::kReviewer, "REV01", dir / "reviewer").ok());
  auto reviewer = service_->client("reviewer");
  std::string rows = "[";
  for (const char* n : {"100", "200"})
    rows += std::string(rows.size() > 1 ? "," : "") +
            R"({"insurerNumber":"06130488","insuredCardSymbol":"12","insuredIdentificationNumber":")" +
            n + R"(","insuredBranchNumber":"00","dispensingDate":"20250301",)"
            R"("medicalInstitutionCode":"1340140126","medicalInstitutionName":"さくら薬局",)"
            R"("institutionClassification":"4","drugC":"622083601","drugN":"薬)" + n +
            R"(","qua1":1,"unit":"錠","usageN":"1日1回朝食後","times":28})";
  rows += "]";
  auto loaded = reviewer.request("POST", "/v1/clinical/medication", rows);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->status / 100, 2) << loaded->body;

  auto portal = service_->client("portal");
  const std::string hanako = sign_in(portal, "hanako.card");
  const std::string taro = sign_in(portal, "taro.card");
  ASSERT_FALSE(hanako.empty());
  ASSERT_FALSE(taro.empty());
  auto own = get(portal, "/v1/me/clinical/medication?number=200", hanako);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_NE(own.body.find("薬100"), std::string::npos) << own.body;
  EXPECT_EQ(own.body.find("薬200"), std::string::npos);
  EXPECT_EQ(json::parse(own.body).at("basis").as_string(), "self");
  auto theirs = get(portal, "/v1/me/clinical/medication", taro);
  ASSERT_EQ(theirs.status, 200);
  EXPECT_NE(theirs.body.find("薬200"), std::string::npos);
  EXPECT_EQ(theirs.body.find("薬100"), std::string::npos);
  for (const char* kind : {"checkups", "treatments", "prescriptions"})
    EXPECT_EQ(get(portal, std::string("/v1/me/clinical/") + kind, hanako).status, 200) << kind;

  // Refused: no session, a non-portal certificate.
  EXPECT_EQ(code(get(portal, "/v1/me/clinical/medication", "")), "E_SESSION");
  auto clinic = service_->client("clinic");
  EXPECT_EQ(code(get(clinic, "/v1/me/clinical/medication", hanako)), "E_FORBIDDEN_ROLE");

  // The professional's view of the same person (with the patient's consent) is the same JSON.
  auto ch = clinic.request("POST", "/v1/card/challenges", "{}");
  ASSERT_TRUE(ch.ok() && ch->status == 200);
  auto p = card::Card::load(dir / "hanako.card")
               ->present(std::string(json::parse(ch->body).at("challenge").as_string()),
                         card::Method::kPin, "1234");
  ASSERT_TRUE(p.ok());
  json::object body{{"challenge", p->challenge}, {"certificate", p->certificate_pem},
                    {"signature", p->signature}, {"method", "pin"},
                    {"consent", json::object{{"medication", true}}}};
  auto confirmed = clinic.request("POST", "/v1/card/confirmations", json::serialize(body));
  ASSERT_TRUE(confirmed.ok() && confirmed->status == 200);
  auto account = clinic.request("POST", "/v1/institution/accounts",
                                json::serialize(json::object{{"id", "dr"}, {"role", "doctor"}}));
  ASSERT_TRUE(account.ok() && account->status == 201);
  auto pro = get(clinic,
                 "/v1/clinical/views/medication?account=dr&insurerNumber=06130488&symbol=12"
                 "&number=100&branch=00",
                 "");
  ASSERT_EQ(pro.status, 200) << pro.body;
  auto expected = json::parse(pro.body).as_object();
  auto got = json::parse(get(portal, "/v1/me/clinical/medication", hanako).body).as_object();
  EXPECT_EQ(expected.at("basis").as_string(), "consent");
  expected["basis"] = "self";
  EXPECT_EQ(got, expected);

  // Audited as the person's own views; who looked lists the clinic only.
  int own_views = 0;
  ASSERT_TRUE(db_->members().scan_audit(1, [&](const store::AuditEntry& e) {
    if (e.action == "portal.view" && e.detail.find("clinical:") != std::string::npos) ++own_views;
    return true;
  }).ok());
  EXPECT_GE(own_views, 6);
  auto looked = json::parse(get(portal, "/v1/me/accesses", hanako).body).at("accesses");
  for (const auto& a : looked.as_array()) EXPECT_EQ(a.at("institutionCode").as_string(), kClinic);
}

INSTANTIATE_TEST_SUITE_P(Backends, PortalRoutesTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::portal
