// The institutions routes over real HTTPS (127.0.0.1, port 0) with certificates from onshi's
// CA: each role does its own steps and is refused the others'; the certificate an agency
// obtains for an institution then works as that institution; the public pages answer.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "http/client.h"
#include "institutions/institutions.h"
#include "institutions/test_util.h"
#include "security/ca.h"
#include "serve/service.h"

namespace onshi::institutions {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

class RoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir("routes");
    const auto& d = dir_->path();
    ASSERT_TRUE(security::ca_init(d).ok());
    ASSERT_TRUE(security::issue_client(d, security::Role::kAgency, "agency", d / "agency").ok());
    ASSERT_TRUE(security::issue_client(d, security::Role::kBureau, "kanto", d / "bureau").ok());
    ASSERT_TRUE(
        security::issue_client(d, security::Role::kInstitution, "1310112345", d / "other").ok());
    serve::ServiceOptions o;
    o.data_dir = d;
    auto s = serve::Service::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    svc_ = s->release();
    ASSERT_TRUE(svc_->start().ok());
  }
  static void TearDownTestSuite() {
    svc_->stop();
    delete svc_;
    delete dir_;
  }

  static http::Client client(const std::string& who) {
    http::ClientOptions o;
    o.port = svc_->port();
    const auto& d = dir_->path();
    o.ca_file = (d / "agency" / "ca.pem").string();
    o.cert_file = (d / who / "cert.pem").string();
    o.key_file = (d / who / "key.pem").string();
    return http::Client(o);
  }
  static json::object post(const std::string& who, const std::string& path, const std::string& body,
                           int expected_status = 200) {
    auto c = client(who);
    auto r = c.request("POST", path, body);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, expected_status) << path << " " << r->body;
    boost::system::error_code ec;
    auto v = json::parse(r->body, ec);
    return v.is_object() ? v.as_object() : json::object{};
  }
  static http::ClientResponse get(const std::string& who, const std::string& target) {
    auto c = client(who);
    auto r = c.request("GET", target);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::ClientResponse{};
  }
  static std::string s(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : "";
  }

  static testing::ScratchDir* dir_;
  static serve::Service* svc_;
};
testing::ScratchDir* RoutesTest::dir_ = nullptr;
serve::Service* RoutesTest::svc_ = nullptr;

// R-INST-1, R-INST-2, R-INST-3, R-AID-3: the whole onboarding over HTTPS, role by role.
TEST_F(RoutesTest, OnboardingByRole) {
  const std::string clinic =
      R"({"kind":"clinic","prefecture":"14","district":"03","name":"横浜オン資クリニック","address":"神奈川県横浜市中区1-1"})";
  // Only the agency issues 仮コード.
  auto refused = post("bureau", "/v1/institutions/provisional-codes", clinic, 403);
  EXPECT_EQ(s(refused, "code"), "E_FORBIDDEN_ROLE");
  auto p = post("agency", "/v1/institutions/provisional-codes", clinic);
  std::string code = s(p, "provisionalCode");
  ASSERT_EQ(code.substr(0, 2), "00");
  auto bad = post("agency", "/v1/institutions/provisional-codes",
                  R"({"kind":"x","prefecture":"14","name":"a","address":"b"})", 400);
  EXPECT_EQ(s(bad, "code"), "E_KIND");
  EXPECT_EQ(s(bad, "field"), "kind");

  post("agency", "/v1/institutions/portal-accounts", R"({"provisionalCode":")" + code + "\"}");
  auto reader =
      post("agency", "/v1/institutions/card-reader-applications",
           R"({"provisionalCode":")" + code + R"(","model":"A社 KR-1","date":"20261201"})");
  EXPECT_EQ(s(reader, "cardReader"), "applied");

  // The bureau answers the 受付番号; retroactive requests are refused.
  post("agency", "/v1/institutions/reception-numbers", "{}", 403);
  auto retro =
      post("bureau", "/v1/institutions/reception-numbers",
           R"({"provisionalCode":")" + code +
               R"(","designationDate":"20270401","requestDate":"20270120","retroactive":true})",
           400);
  EXPECT_EQ(s(retro, "code"), "E_RETROACTIVE");
  auto answer = post("bureau", "/v1/institutions/reception-numbers",
                     R"({"provisionalCode":")" + code +
                         R"(","designationDate":"20270401","requestDate":"20270120"})");
  std::string number = s(answer, "receptionNumber");
  std::string mic = s(answer, "medicalInstitutionCode");
  EXPECT_EQ(mic.substr(0, 5), "14103");
  EXPECT_EQ(s(answer, "bureauAnswerDate"), "20270310");

  // Usage before designation is refused (409).
  auto early = post("agency", "/v1/institutions/usage-applications",
                    R"({"medicalInstitutionCode":")" + mic + "\"}", 409);
  EXPECT_EQ(s(early, "code"), "E_NOT_DESIGNATED");

  auto presented = post("agency", "/v1/institutions/presentations",
                        R"({"receptionNumber":")" + number + R"(","date":"20270312"})");
  EXPECT_EQ(s(presented, "cardReader"), "shipped");
  auto designated = post("bureau", "/v1/institutions/designations",
                         R"({"receptionNumber":")" + number + R"(","designated":true})");
  EXPECT_EQ(s(designated, "stage"), "designated");

  auto usage = post("agency", "/v1/institutions/usage-applications",
                    R"({"medicalInstitutionCode":")" + mic + R"(","date":"20270320"})");
  EXPECT_EQ(s(usage, "stage"), "inUse");
  std::string pem = s(usage, "certificatePem");
  auto who = security::identity_of_pem(pem);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->id, mic);

  // The institution acts with the certificate it was given.
  fs::path inst = dir_->path() / "issued";
  fs::create_directories(inst);
  std::ofstream(inst / "cert.pem") << pem;
  std::ofstream(inst / "key.pem") << s(usage, "keyPem");
  std::ofstream(inst / "ca.pem") << s(usage, "caPem");
  auto me = get("issued", "/v1/institutions/me");
  EXPECT_EQ(me.status, 200);
  EXPECT_NE(me.body.find(mic), std::string::npos);
  auto aid =
      post("issued", "/v1/institutions/medical-aid-setting", R"({"use":true,"date":"20270410"})");
  EXPECT_EQ(aid["medicalAid"], json::value(true));
  // Another institution has no entry of its own; it cannot act on this one.
  EXPECT_EQ(get("other", "/v1/institutions/me").status, 404);
  post("issued", "/v1/institutions/designations", "{}", 403);

  // The lists: the page, CSV, Shift_JIS CSV, Excel; and the monthly medical-aid list.
  auto page = get("agency", "/institutions/list?asOf=2027-04-12&prefecture=14");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.content_type.find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find(mic), std::string::npos);
  EXPECT_NE(page.body.find("横浜オン資クリニック"), std::string::npos);
  EXPECT_EQ(get("agency", "/institutions/list?asOf=20270404").body.find(mic),
            std::string::npos);  // Monday rule: list of 3/29
  EXPECT_EQ(get("agency", "/institutions/list?asOf=20270412&kind=dental").body.find(mic),
            std::string::npos);
  EXPECT_EQ(get("agency", "/institutions/list?asOf=20270412&prefecture=99").status, 400);
  auto csv = get("other", "/institutions/list.csv?asOf=20270412");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.rfind("MedicalInstitutionCode,", 0), 0u);
  EXPECT_NE(csv.body.find(mic), std::string::npos);
  auto sjis = get("bureau", "/institutions/list.csv?asOf=20270412&encoding=shift_jis");
  EXPECT_NE(sjis.content_type.find("Shift_JIS"), std::string::npos);
  auto xlsx = get("bureau", "/institutions/list.xlsx?asOf=20270412");
  auto sheet = testing::zip_member(xlsx.body, "xl/worksheets/sheet1.xml");
  ASSERT_TRUE(sheet.has_value());
  EXPECT_NE(sheet->find(mic), std::string::npos);
  EXPECT_NE(get("agency", "/institutions/medical-aid-list.csv?month=202705").body.find(mic),
            std::string::npos);
  EXPECT_EQ(get("agency", "/institutions/medical-aid-list.csv?month=202704").body.find(mic),
            std::string::npos);

  // Statistics: numbers and an SVG chart, no external assets.
  auto stats = get("other", "/institutions/statistics?asOf=20270501");
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("<svg"), std::string::npos);
  EXPECT_NE(stats.body.find("神奈川県"), std::string::npos);
  EXPECT_EQ(stats.body.find("<script"), std::string::npos);
  EXPECT_EQ(stats.body.find("<link"), std::string::npos);
  auto sj = get("agency", "/v1/institutions/statistics?asOf=20270501");
  EXPECT_NE(sj.body.find("\"inUse\":1"), std::string::npos);
}

// R-INST-3: not designated over HTTPS deletes the entry; the schedule is served with its source.
TEST_F(RoutesTest, NotDesignatedAndSchedule) {
  auto p = post(
      "agency", "/v1/institutions/provisional-codes",
      R"({"kind":"dental","prefecture":"27","name":"大阪歯科","address":"大阪府大阪市北区1-1"})");
  auto a = post("bureau", "/v1/institutions/reception-numbers",
                R"({"provisionalCode":")" + s(p, "provisionalCode") +
                    R"(","designationDate":"20270501","requestDate":"20270301"})");
  auto gone =
      post("bureau", "/v1/institutions/designations",
           R"({"receptionNumber":")" + s(a, "medicalInstitutionCode") + R"(","designated":false})");
  EXPECT_EQ(s(gone, "receptionNumber"), s(a, "receptionNumber"));
  auto again = post(
      "bureau", "/v1/institutions/designations",
      R"({"receptionNumber":")" + s(a, "medicalInstitutionCode") + R"(","designated":true})", 404);
  EXPECT_EQ(s(again, "code"), "E_NOT_FOUND");
  auto sched = get("other", "/v1/institutions/schedule?designation=20210501");
  EXPECT_NE(sched.body.find("\"agencyDeadline\":\"20210416\""), std::string::npos);
  EXPECT_NE(sched.body.find("\"source\":\"published\""), std::string::npos);
  EXPECT_EQ(get("other", "/v1/institutions/schedule?designation=2021").status, 400);
}

}  // namespace
}  // namespace onshi::institutions
