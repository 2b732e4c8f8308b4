// Who may call which route (issue 20 point 4, R-INST-1): the list of every route the service
// serves is read from its running router, and each route must have a rule in the table below —
// a route added without one fails here. Over real mTLS on 127.0.0.1, every route is called
// with a certificate of each of the seven roles: a role the table does not admit gets 403
// E_FORBIDDEN_ROLE, one it admits is never refused for its role. Each refusal is an audit
// entry (access.refused, the actor and the route), and so is an institution code in a request
// that differs from the certificate's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "http/client.h"
#include "security/audit_events.h"
#include "security/ca.h"
#include "serve/service.h"
#include "store/database.h"

namespace onshi::serve {
namespace {

namespace fs = std::filesystem;
using core::Role;

constexpr Role I = Role::kInstitution, S = Role::kInsurer, A = Role::kAgency, B = Role::kBureau,
               R = Role::kReviewer, O = Role::kOperator, W = Role::kWelfareOffice,
               P = Role::kPortal;

// The access rules: "METHOD PATH" → the roles admitted. "*" admits anyone (no role needed).
const std::map<std::string, std::set<Role>>& rules() {
  static const std::map<std::string, std::set<Role>> kRules = {
      {"POST /xml/OQSsiquc01", {I}},
      {"POST /v1/qualification-confirmations", {I}},
      {"POST /v1/registrations", {S}},
      {"GET /v1/clinical/views/medication/pdf", {I}},
      {"GET /v1/clinical/views/checkups/pdf", {I}},
      {"GET /v1/clinical/views/treatments/pdf", {I}},
      {"GET /v1/clinical/views/prescriptions/pdf", {I}},
      {"GET /v1/members", {S}},
      {"GET /v1/quality/report", {S}},
      {"GET /v1/quality/overlaps", {S}},
      {"POST /v1/claims:check", {R}},
      {"POST /v1/institutions/provisional-codes", {A}},
      {"POST /v1/institutions/portal-accounts", {A}},
      {"POST /v1/institutions/card-reader-applications", {A}},
      {"POST /v1/institutions/card-reader-models", {A}},
      {"POST /v1/institutions/card-reader-undecided", {A}},
      {"POST /v1/institutions/card-reader-cancellations", {A}},
      {"POST /v1/institutions/reception-numbers", {B}},
      {"POST /v1/institutions/presentations", {A}},
      {"POST /v1/institutions/designations", {B}},
      {"POST /v1/institutions/designation-lists", {B}},
      {"POST /v1/institutions/usage-applications", {A}},
      {"GET /v1/institutions/entry", {A, B}},
      {"GET /v1/institutions/me", {I}},
      {"POST /v1/institutions/medical-aid-setting", {I}},
      {"POST /xml/OQSmuquc01", {I}},
      {"POST /xml/OQSmutic01", {I}},
      {"POST /xml/OQSmuquc02", {I}},
      {"POST /v1/card/challenges", {I}},
      {"POST /v1/card/confirmations", {I}},
      {"POST /v1/card/links", {I}},
      {"POST /v1/clinical/medication", {R}},
      {"POST /v1/clinical/treatments", {R}},
      {"POST /v1/clinical/prescriptions", {R}},
      {"POST /v1/clinical/checkups", {S}},
      {"POST /v1/clinical/expenses", {S}},
      {"POST /v1/medical-aid/recipients", {W}},
      {"POST /v1/medical-aid/tickets", {W}},
      {"GET /v1/medical-aid/recipients", {W}},
      {"GET /v1/medical-aid/tickets", {W}},
      {"GET /v1/quality/medical-aid", {W}},
      {"POST /v1/institution/accounts", {I}},
      {"POST /v1/institution/accounts/remove", {I}},
      {"GET /v1/institution/accounts", {I}},
      {"GET /v1/clinical/consent-status", {I}},
      {"GET /v1/clinical/views/medication", {I}},
      {"POST /xml/YZKsiquc01", {I}},
      {"GET /v1/clinical/views/checkups", {I}},
      {"POST /xml/TKKsiquc01", {I}},
      {"GET /v1/clinical/views/treatments", {I}},
      {"POST /xml/SRJsiquc01", {I}},
      {"GET /v1/clinical/views/prescriptions", {I}},
      {"POST /xml/SCJsiquc01", {I}},
      {"POST /v1/me/challenges", {P}},
      {"POST /v1/me/sessions", {P}},
      {"DELETE /v1/me/sessions", {P}},
      {"GET /v1/me/card", {P}},
      {"GET /v1/me/expenses", {P}},
      {"GET /v1/me/expenses/statement", {P}},
      {"POST /v1/me/links", {P}},
      {"GET /v1/me/qualifications", {P}},
      {"GET /v1/me/consents", {P}},
      {"POST /v1/me/consents/withdrawals", {P}},
      {"GET /v1/me/accesses", {P}},
      {"GET /v1/me/audit-entries", {P}},
      {"GET /v1/me/clinical/medication", {P}},
      {"GET /v1/me/clinical/checkups", {P}},
      {"GET /v1/me/clinical/treatments", {P}},
      {"GET /v1/me/clinical/prescriptions", {P}},
  };
  return kRules;
}
// Anyone, with or without a role: the health and metrics endpoints, and the published lists
// and figures of the institutions (public data, nothing of a person).
const std::set<std::string> kAnyone = {"GET /healthz",
                                       "GET /metrics",
                                       "GET /v1/institutions/schedule",
                                       "GET /v1/institutions/statistics",
                                       "GET /institutions/statistics",
                                       "GET /institutions/list",
                                       "GET /institutions/list.csv",
                                       "GET /institutions/list.xlsx",
                                       "GET /institutions/medical-aid-list.csv"};

// One certificate per role, with an id each role's rules accept.
const std::vector<std::pair<Role, std::string>> kHolders = {
    {I, "1310112345"}, {S, "06130488"}, {A, "agency"},   {B, "kanto"},
    {R, "shiharai-kikin"}, {O, "ops"},  {W, "12131017"},   {P, "portal-1"}};

class AccessMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("onshi-access-matrix-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    ASSERT_TRUE(security::ca_init(dir_).ok());
    for (const auto& [role, id] : kHolders)
      ASSERT_TRUE(security::issue_client(dir_, role, id, dir_ / core::role_name(role)).ok());
    ServiceOptions o;
    o.data_dir = dir_;
    auto s = Service::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    service_ = std::move(*s);
    ASSERT_TRUE(service_->start().ok());
  }
  void TearDown() override {
    if (service_) service_->stop();
    service_.reset();
    fs::remove_all(dir_);
  }
  http::ClientOptions options(Role role) const {
    const fs::path d = dir_ / core::role_name(role);
    http::ClientOptions o;
    o.port = service_->port();
    o.ca_file = (d / "ca.pem").string();
    o.cert_file = (d / "cert.pem").string();
    o.key_file = (d / "key.pem").string();
    return o;
  }
  http::Client client(Role role) const { return http::Client(options(role)); }
  // The access.refused entries of the audit log (after the service has stopped and flushed).
  std::vector<security::AccessRefused> refusals() {
    service_->stop();
    std::vector<security::AccessRefused> out;
    auto db = store::open_store("sqlite:" + dir_.string());
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return out;
    (*db)->members().scan_audit(1, [&](const store::AuditEntry& e) {
      if (e.action != "access.refused") return true;
      auto r = security::decode(e);
      EXPECT_TRUE(r.ok()) << e.detail;
      if (r.ok()) out.push_back(std::get<security::AccessRefused>(*r));
      return true;
    });
    return out;
  }
  static std::string code_of(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("code")) return "";
    return std::string(v.as_object().at("code").as_string());
  }
  fs::path dir_;
  std::unique_ptr<Service> service_;
};

// R-INST-1: every route the service serves has an access rule, and refuses every other role
// with 403 E_FORBIDDEN_ROLE — each refusal an audit entry.
TEST_F(AccessMatrixTest, EveryRouteRefusesEveryRoleItShould) {
  const auto routes = service_->routes();
  ASSERT_GT(routes.size(), 10u);
  std::string missing;
  for (const auto& r : routes) {
    const std::string key = r.method + " " + r.path;
    if (r.who.admits_anyone()) {
      EXPECT_TRUE(kAnyone.count(key)) << key << " admits anyone";
      continue;
    }
    auto rule = rules().find(key);
    if (rule == rules().end()) {
      missing += "  {\"" + key + "\", {";
      for (Role role : r.who.roles()) missing += std::string(core::role_name(role)) + ",";
      missing += "}},\n";
      continue;
    }
    EXPECT_EQ(std::set<Role>(r.who.roles().begin(), r.who.roles().end()), rule->second) << key;
  }
  EXPECT_TRUE(missing.empty()) << "routes without a rule in access_matrix_rules.inc:\n" << missing;
  EXPECT_EQ(routes.size(), rules().size() + kAnyone.size());

  std::map<Role, std::unique_ptr<http::Client>> clients;
  for (const auto& [role, id] : kHolders)
    clients.emplace(role, std::make_unique<http::Client>(options(role)));
  std::multiset<std::string> refused;  // "role:id METHOD PATH"
  for (const auto& r : routes) {
    const std::string key = r.method + " " + r.path;
    if (kAnyone.count(key)) continue;
    for (const auto& [role, id] : kHolders) {
      auto res = clients.at(role)->request(r.method, r.path, "{}", "application/json");
      ASSERT_TRUE(res.ok()) << key << " " << res.error().message;
      const bool admitted = rules().at(key).count(role) != 0;
      const bool role_refused = res->status == 403 && code_of(res->body) == "E_FORBIDDEN_ROLE";
      EXPECT_EQ(role_refused, !admitted) << key << " as " << core::role_name(role) << ": "
                                         << res->status << " " << res->body;
      if (role_refused) refused.insert(std::string(core::role_name(role)) + ":" + id + " " + key);
    }
  }
  std::multiset<std::string> audited;
  for (const auto& a : refusals()) {
    EXPECT_EQ(a.code, "E_FORBIDDEN_ROLE");
    audited.insert(security::actor_text(a.actor) + " " + a.route);
  }
  EXPECT_EQ(audited, refused);
}

// R-CONF-1: an institution code in the request that is not the certificate's is refused
// (E_INSTITUTION_MISMATCH) and audited as access.refused, nothing of a person answered.
TEST_F(AccessMatrixTest, InstitutionCodeMismatchIsRefusedAndAudited) {
  auto c = client(I);
  const std::string body =
      R"({"qualificationConfirmationDate":"20250415","medicalInstitutionCode":"3410712362",)"
      R"("insurerNumber":"06130488","insuredCardSymbol":"123","insuredBranchNumber":"01",)"
      R"("insuredIdentificationNumber":"4567","birthdate":"19800515",)"
      R"("limitApplicationCertificateRelatedConsFlg":"0"})";
  auto res = c.request("POST", "/v1/qualification-confirmations", body, "application/json");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_EQ(code_of(res->body), "E_INSTITUTION_MISMATCH") << res->body;
  auto audited = refusals();
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(security::actor_text(audited[0].actor), "institution:1310112345");
  EXPECT_EQ(audited[0].route, "POST /v1/qualification-confirmations");
  EXPECT_EQ(audited[0].code, "E_INSTITUTION_MISMATCH");
}

// R-INST-1: `onshi ca revoke` (security::revoke) takes effect on the running service: the
// revoked certificate's next connection is refused in the handshake, other certificates
// still get in — no restart.
TEST_F(AccessMatrixTest, RevokedCertificateIsRefusedWithoutRestart) {
  ASSERT_TRUE(client(I).request("GET", "/v1/institutions/me").ok());
  std::ifstream in(dir_ / "institution" / "cert.pem");
  std::stringstream pem;
  pem << in.rdbuf();
  auto r = security::revoke(dir_, pem.str());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->holder, "institution:1310112345");
  auto refused = client(I).request("GET", "/v1/institutions/me");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "E_TLS");
  EXPECT_TRUE(client(S).request("GET", "/healthz").ok());
}

}  // namespace
}  // namespace onshi::serve
