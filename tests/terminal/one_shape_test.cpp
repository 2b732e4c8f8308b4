// One error shape and one set of limits (issue 14, point 5): the terminal's screen API answers
// errors as problem+json with the same members as the central service, and the same over-long
// 番号 is refused with the same code by the terminal, the service (XML and JSON) and the member
// import — one table, core/limits.h — while a value at the limit passes all three.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "core/limits.h"
#include "oqs/messages.h"
#include "terminal/terminal_fixture.h"

namespace onshi::terminal {
namespace {

using namespace testing;
namespace json = boost::json;

class OneShapeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    central_ = new Central("terminal-shape");
    ASSERT_TRUE(central_->ok());
    term_ = new TerminalProcess(central_->terminal_args(central_->dir() / "OQS"),
                                central_->dir() / "terminal.err");
    ASSERT_NE(term_->port(), 0) << term_->line();
  }
  static void TearDownTestSuite() {
    delete term_;
    delete central_;
  }

  static json::object parse(const std::string& body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  static std::set<std::string> keys(const json::object& o) {
    std::set<std::string> k;
    for (const auto& [key, value] : o) k.insert(std::string(key));
    return k;
  }
  static std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : "<none>";
  }

  // The terminal's number confirmation with this 記号 and 番号.
  static http::ClientResponse at_terminal(const std::string& symbol, const std::string& number) {
    json::object o{
        {"insurerNumber", "06139992"}, {"symbol", symbol},     {"number", number}, {"branch", "00"},
        {"birthdate", "19800515"},     {"limitConsent", false}};
    auto r = term_->client().request("POST", "/api/number-confirmations", json::serialize(o),
                                     "application/json");
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::ClientResponse{};
  }

  // The central service with the clinic's certificate.
  static http::Client central_client() {
    http::ClientOptions o;
    o.port =
        static_cast<uint16_t>(std::stoi(central_->url().substr(central_->url().rfind(':') + 1)));
    o.ca_file = (central_->dir() / "clinic" / "ca.pem").string();
    o.cert_file = (central_->dir() / "clinic" / "cert.pem").string();
    o.key_file = (central_->dir() / "clinic" / "key.pem").string();
    return http::Client(o);
  }

  // POST /xml/OQSsiquc01: the in-band ErrorCode ("" when the request was read and judged).
  static std::string at_service_xml(const std::string& number) {
    oqs::ConfirmRequest q;
    q.header.qualification_confirmation_date = "20260401";
    q.header.medical_institution_code = kClinic;
    q.search.insurer_number = "06139992";
    q.search.insured_card_symbol = "1234";
    q.search.insured_identification_number = number;
    q.search.insured_branch_number = "00";
    q.search.birthdate = "19800515";
    q.search.limit_application_certificate_related_cons_flg = "0";
    auto xml = oqs::write_confirm_request_xml(q);
    EXPECT_TRUE(xml.ok());
    auto r = central_client().request("POST", "/xml/OQSsiquc01", *xml, "application/xml");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return "<no answer>";
    auto result = oqs::parse_confirm_result_xml(r->body);
    EXPECT_TRUE(result.ok()) << r->body;
    return result.ok() ? result->header.error_code : "<unreadable>";
  }

  // POST /v1/qualification-confirmations: the answer (problem+json when refused).
  static http::ClientResponse at_service_json(const std::string& number) {
    json::object o{{"qualificationConfirmationDate", "20260401"},
                   {"medicalInstitutionCode", kClinic},
                   {"insurerNumber", "06139992"},
                   {"insuredCardSymbol", "1234"},
                   {"insuredIdentificationNumber", number},
                   {"insuredBranchNumber", "00"},
                   {"birthdate", "19800515"},
                   {"limitApplicationCertificateRelatedConsFlg", "0"}};
    auto r = central_client().request("POST", "/v1/qualification-confirmations", json::serialize(o),
                                      "application/json");
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::ClientResponse{};
  }

  // `onshi import` of one member with this 番号: the report's errors for the row.
  static std::string at_import(const std::string& number, const std::string& name) {
    const fs::path csv = central_->dir() / (name + ".csv");
    const fs::path report = central_->dir() / (name + ".json");
    spit(
        csv,
        "InsurerNumber,InsurerName,InsuredCardClassification,InsuredCardSymbol,"
        "InsuredIdentificationNumber,"
        "InsuredBranchNumber,PersonalFamilyClassification,InsuredName,Name,NameKana,Sex1,Birthdate,"
        "QualificationDate\n"
        "06139992,オンシ電機健康保険組合,01,1234," +
            number + ",00,1,限度　太郎,限度　太郎,ゲンド　タロウ,1,19800515,20200401\n");
    RunResult r = run_onshi({"import", "--data-dir", (central_->dir() / "data").string(),
                             "--report", report.string(), csv.string()},
                            central_->dir());
    EXPECT_EQ(r.code, 0) << r.err;
    return slurp(report);
  }

  static Central* central_;
  static TerminalProcess* term_;
};

Central* OneShapeTest::central_ = nullptr;
TerminalProcess* OneShapeTest::term_ = nullptr;

// issue 14, point 5: the terminal's errors are problem+json with the service's members.
TEST_F(OneShapeTest, TerminalErrorsHaveTheServicesProblemShape) {
  auto bad =
      term_->client().request("POST", "/api/number-confirmations", "not json", "application/json");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->content_type.find("application/problem+json"), std::string::npos)
      << bad->content_type;
  auto t = parse(bad->body);
  EXPECT_EQ(keys(t), (std::set<std::string>{"type", "title", "status", "code", "detail"}))
      << bad->body;
  EXPECT_EQ(str(t, "code"), "E_JSON_SYNTAX");
  EXPECT_EQ(t["status"].as_int64(), 400);

  // The service's answer to a body that is not JSON: the same members.
  auto s = central_client().request("POST", "/v1/qualification-confirmations", "not json",
                                    "application/json");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->status, 400);
  EXPECT_NE(s->content_type.find("application/problem+json"), std::string::npos);
  EXPECT_EQ(keys(parse(s->body)), keys(t)) << s->body;

  // A field error adds `field`, and the form's per-field list is an extension member.
  auto v = at_terminal("1234", "");
  EXPECT_EQ(v.status, 400);
  auto o = parse(v.body);
  EXPECT_EQ(str(o, "code"), "E_VALIDATION");
  EXPECT_EQ(str(o, "field"), "number");
  EXPECT_EQ(str(o, "type"), "about:blank");
  ASSERT_TRUE(o.contains("errors")) << v.body;
  const auto& first = o["errors"].as_array().at(0).as_object();
  EXPECT_EQ(str(first, "code"), "E_EMPTY");
  EXPECT_NE(str(first, "detail"), "<none>") << v.body;
}

// issue 14, point 5: one limit, one code — terminal, service (XML, JSON) and import agree.
TEST_F(OneShapeTest, TheSameOverLongNumberIsRefusedEverywhereWithTheSameCode) {
  const size_t max = core::kInsuredIdentificationNumberLimit.max;
  ASSERT_EQ(core::kInsuredIdentificationNumberLimit.unit, core::LengthUnit::kCharacters);
  const std::string too_long(max + 1, '7');

  auto t = parse(at_terminal("1234", too_long).body);
  ASSERT_TRUE(t.contains("errors")) << json::serialize(t);
  EXPECT_EQ(str(t["errors"].as_array().at(0).as_object(), "field"), "number");
  EXPECT_EQ(str(t["errors"].as_array().at(0).as_object(), "code"), "E_LENGTH");

  EXPECT_EQ(at_service_xml(too_long), "E_LENGTH");
  auto j = at_service_json(too_long);
  EXPECT_EQ(j.status, 400);
  EXPECT_EQ(str(parse(j.body), "code"), "E_LENGTH") << j.body;
  EXPECT_EQ(str(parse(j.body), "field"), "InsuredIdentificationNumber") << j.body;

  std::string report = at_import(too_long, "too-long");
  EXPECT_NE(report.find("\"rejected\":1"), std::string::npos) << report;
  EXPECT_NE(report.find("\"field\":\"InsuredIdentificationNumber\",\"code\":\"E_LENGTH\""),
            std::string::npos)
      << report;

  // Full-width digits count as the characters they are after normalisation, everywhere.
  std::string wide;
  for (size_t i = 0; i <= max; ++i) wide += "７";
  auto tw = parse(at_terminal("1234", wide).body);
  ASSERT_TRUE(tw.contains("errors"));
  EXPECT_EQ(str(tw["errors"].as_array().at(0).as_object(), "code"), "E_LENGTH");
  EXPECT_EQ(at_service_xml(wide), "E_LENGTH");
}

// issue 14, point 5: a value at the limit is no error anywhere (a 記号 of 20 characters too).
TEST_F(OneShapeTest, AValueAtTheLimitPassesEverywhere) {
  const std::string at_limit(core::kInsuredIdentificationNumberLimit.max, '8');
  auto t = at_terminal(std::string(core::kInsuredCardSymbolLimit.max, '1'), at_limit);
  EXPECT_EQ(t.status, 200) << t.body;  // read and judged: 該当資格なし
  EXPECT_EQ(at_service_xml(at_limit), "");
  EXPECT_EQ(at_service_json(at_limit).status, 200);
  std::string report = at_import(at_limit, "at-limit");
  EXPECT_NE(report.find("\"rejected\":0"), std::string::npos) << report;
}

}  // namespace
}  // namespace onshi::terminal
