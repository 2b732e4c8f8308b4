// The PDF print of the clinical views on a running service over real HTTPS (R-CONF-5; issue
// 16 point 5): GET /v1/clinical/views/{kind}/pdf answers a real PDF of the person's rows for a
// doctor with the patient's consent, with the patient, the institution and the account in its
// header and never the My Number; it refuses like the view — no consent, a reception account,
// no account — and each print is an audit entry of its own (view "medication:pdf").
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "card/card.h"
#include "card/card_helpers.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "serve/service_fixture.h"

namespace onshi::serve {
namespace {

using testing::kClinic;
using testing::kInsurer;
using testing::RunningService;
namespace json = boost::json;
namespace ct = onshi::card::testing;

// The standard output of a shell command.
std::string shell(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  if (p) pclose(p);
  return text;
}

class PrintRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new RunningService("print-routes");
    ASSERT_TRUE(service_->ok());
    auto db = ct::open_db(service_->dir());
    ASSERT_TRUE(db);
    card::IssueOptions o;
    o.my_number = number();
    o.pin = "1234";
    o.label = "試験 花子";
    ASSERT_TRUE(card::issue(service_->dir(), *db, o, card_file()).ok());
    ct::register_person(service_->dir(), number(), ct::qualification("100", "20200401"));
    ASSERT_TRUE(card::link(service_->dir(), *db, card_file(), "1234").ok());
    json::array rows;
    const core::Date today = core::Date::today_jst();
    for (int i = 1; i <= 3; ++i)
      rows.push_back(json::object{{"insurerNumber", kInsurer},
                                  {"insuredCardSymbol", "12"},
                                  {"insuredIdentificationNumber", "100"},
                                  {"insuredBranchNumber", "00"},
                                  {"dispensingDate", today.add_days(-28 * i).yyyymmdd()},
                                  {"medicalInstitutionCode", "1340140126"},
                                  {"medicalInstitutionName", "さくら薬局 港店"},
                                  {"institutionClassification", "4"},
                                  {"drugC", "622083601"},
                                  {"drugN", "アムロジピン錠5mg"},
                                  {"qua1", "1"},
                                  {"unit", "錠"},
                                  {"usageN", "1日1回朝食後"},
                                  {"times", "28"}});
    clinical::LoadOptions load;
    load.source = "test";
    auto rep = clinical::load_records(*db, store::ClinicalKind::kMedication, rows, load);
    ASSERT_TRUE(rep.ok());
    ASSERT_EQ(rep->accepted, 3) << rep->to_json();
    for (auto [id, role] : {std::pair{"dr", "doctor"}, {"desk", "reception"}}) {
      auto r = service_->client("clinic").request(
          "POST", "/v1/institution/accounts",
          json::serialize(json::object{{"id", id}, {"role", role}}));
      ASSERT_TRUE(r.ok() && r->status == 201);
    }
    confirm_by_card(json::object{{"medication", true}});
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  static std::string number() { return ct::my_number("56789012345"); }
  static std::filesystem::path card_file() { return service_->dir() / "hanako.card"; }

  static void confirm_by_card(const json::object& consent) {
    auto client = service_->client("clinic");
    auto ch = client.request("POST", "/v1/card/challenges", "{}");
    ASSERT_TRUE(ch.ok() && ch->status == 200);
    auto card = card::Card::load(card_file());
    ASSERT_TRUE(card.ok());
    auto p = card->present(std::string(json::parse(ch->body).at("challenge").as_string()),
                           card::Method::kPin, "1234");
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

  static Result<http::ClientResponse> print(const std::string& kind, const std::string& account) {
    return service_->client("clinic").request(
        "GET", "/v1/clinical/views/" + kind + "/pdf?account=" + account +
                   "&insurerNumber=" + kInsurer + "&symbol=12&number=100&branch=00");
  }

  static RunningService* service_;
};
RunningService* PrintRoutesTest::service_ = nullptr;

// R-CONF-5: a doctor with the patient's consent gets the medication view as a PDF.
TEST_F(PrintRoutesTest, DoctorWithConsentGetsThePdf) {
  auto r = print("medication", "dr");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->content_type, "application/pdf");
  ASSERT_EQ(r->body.substr(0, 5), "%PDF-");
  EXPECT_EQ(r->body.find(number()), std::string::npos);
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  const auto file = service_->dir() / "print.pdf";
  std::ofstream(file, std::ios::binary) << r->body;
  const std::string text = shell("pdftotext -enc UTF-8 '" + file.string() + "' - 2>/dev/null");
  for (const char* s :
       {"薬剤情報", "試験", "花子", kClinic, "dr（医師）", "アムロジピン錠5mg", "さくら薬局 港店"})
    EXPECT_NE(text.find(s), std::string::npos) << s << " in:\n" << text;
  EXPECT_EQ(text.find(number()), std::string::npos);
}

// R-CONF-5: the print refuses as the view does.
TEST_F(PrintRoutesTest, RefusedLikeTheView) {
  auto no_consent = print("checkups", "dr");
  ASSERT_TRUE(no_consent.ok());
  EXPECT_EQ(no_consent->status, 403);
  EXPECT_NE(no_consent->body.find("E_CONSENT_NONE"), std::string::npos) << no_consent->body;
  auto desk = print("medication", "desk");
  ASSERT_TRUE(desk.ok());
  EXPECT_EQ(desk->status, 403);
  EXPECT_NE(desk->body.find("E_ACCOUNT_ROLE"), std::string::npos) << desk->body;
  auto nobody = print("medication", "");
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->status, 403);
  EXPECT_NE(nobody->body.find("E_ACCOUNT_MISSING"), std::string::npos) << nobody->body;
  for (const auto* r : {&no_consent, &desk, &nobody})
    EXPECT_EQ((*r)->body.substr(0, 4).find("%PDF"), std::string::npos);
}

// R-CONF-5: every print is in the audit log as a view of its own.
TEST_F(PrintRoutesTest, EachPrintIsAudited) {
  ASSERT_TRUE(print("medication", "dr").ok());
  const std::string log = shell(std::string(ONSHI_BINARY) + " audit show --data-dir '" +
                                service_->dir().string() + "' --institution " + kClinic);
  EXPECT_NE(log.find("medication:pdf"), std::string::npos) << log;
  EXPECT_EQ(log.find(number()), std::string::npos);
}

}  // namespace
}  // namespace onshi::serve
