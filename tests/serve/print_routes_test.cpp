// The PDF print of the clinical views on a running service over real HTTPS (R-CONF-5; issue
// 16 point 5): GET /v1/clinical/views/{kind}/pdf answers a real PDF of the person's rows for a
// doctor with the patient's consent, with the patient, the institution and the account in its
// header and never the My Number; it refuses like the view — no consent, a reception account,
// no account — and each print is an audit entry of its own (view "medication:pdf"). The
// interface's requests with FileCategory 1 (POST /xml/YZKsiquc01 …) get the same PDF.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "card/card.h"
#include "card/card_helpers.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "oqs/clinical.h"
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

  // A YZKsiquc01req / TKKsiquc01req … of the person for `account`.
  static std::string xml_request(const std::string& account, const std::string& category) {
    oqs::ClinicalRequest q;
    q.medical_institution_code = kClinic;
    q.insurer_number = kInsurer;
    q.insurance_card_symbol = "12";
    q.insured_person_identification_number = "100";
    q.branch_number = "00";
    q.professional_account = account;
    q.file_category = category;
    q.arbitrary_file_identifier = "PDF-1";
    auto doc = oqs::write_clinical_request_xml(q, core::Encoding::kShiftJis);
    EXPECT_TRUE(doc.ok());
    return doc.ok() ? *doc : "";
  }
  // The text of a PDF (pdftotext), or nullopt when poppler-utils is not installed.
  static std::optional<std::string> pdf_text(const std::string& pdf, const std::string& name) {
    if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) return std::nullopt;
    const auto file = service_->dir() / name;
    std::ofstream(file, std::ios::binary) << pdf;
    return shell("pdftotext -enc UTF-8 '" + file.string() + "' - 2>/dev/null");
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

// R-CONF-5, issue 16 point 4: a YZKsiquc01req with FileCategory 1 over real HTTPS is answered
// with the view's PDF (application/pdf, the public system's YZKsiquc01res_*.pdf) holding the
// person's rows, audited as "medication:xml:pdf"; FileCategory 2 stays XML.
TEST_F(PrintRoutesTest, XmlRequestWithFileCategoryOneGetsThePdf) {
  auto r = service_->client("clinic").request("POST", "/xml/YZKsiquc01", xml_request("dr", "1"),
                                              "application/xml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->content_type, "application/pdf");
  ASSERT_EQ(r->body.substr(0, 5), "%PDF-") << r->body.substr(0, 400);
  EXPECT_EQ(r->body.find(number()), std::string::npos);
  auto xml = service_->client("clinic").request("POST", "/xml/YZKsiquc01",
                                                xml_request("dr", "2"), "application/xml");
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->content_type.find("application/xml"), std::string::npos);
  const std::string log = shell(std::string(ONSHI_BINARY) + " audit show --data-dir '" +
                                service_->dir().string() + "' --institution " + kClinic);
  EXPECT_NE(log.find("medication:xml:pdf"), std::string::npos) << log;
  auto text = pdf_text(r->body, "xml-print.pdf");
  if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  for (const char* s : {"薬剤情報", "試験", "花子", "dr（医師）", "アムロジピン錠5mg", "さくら薬局 港店",
                        "1日1回朝食後"})
    EXPECT_NE(text->find(s), std::string::npos) << s << " in:\n" << *text;
  EXPECT_EQ(text->find(number()), std::string::npos);
}

// R-CONF-5: a FileCategory 1 request that the gate refuses gets no PDF but the XML result with
// ResultCode 2 and the refusal's code, like FileCategory 2.
TEST_F(PrintRoutesTest, RefusedXmlPdfRequestGetsTheXmlRefusal) {
  for (const auto& [account, code] : {std::pair{"desk", "E_ACCOUNT_ROLE"}, {"", "E_ACCOUNT_MISSING"}}) {
    auto r = service_->client("clinic").request("POST", "/xml/YZKsiquc01",
                                                xml_request(account, "1"), "application/xml");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200);
    EXPECT_NE(r->content_type.find("application/xml"), std::string::npos) << account;
    auto result = oqs::parse_clinical_result_xml(r->body);
    ASSERT_TRUE(result.ok()) << r->body;
    EXPECT_EQ(result->result_code, "2");
    EXPECT_EQ(result->error_code, code);
  }
  auto checkups = service_->client("clinic").request("POST", "/xml/TKKsiquc01",
                                                     xml_request("dr", "1"), "application/xml");
  ASSERT_TRUE(checkups.ok());
  auto result = oqs::parse_clinical_result_xml(checkups->body);
  ASSERT_TRUE(result.ok()) << checkups->body;
  EXPECT_EQ(result->error_code, "E_CONSENT_NONE");
}

}  // namespace
}  // namespace onshi::serve
