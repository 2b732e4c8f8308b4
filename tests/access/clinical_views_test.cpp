// The clinical views end to end on a running service over real HTTPS (R-CONF-5, issue 16
// point 4 and "Bad input and privacy"): GET /v1/clinical/views/{kind} and the XML requests
// YZK/TKK/SRJ/SCJsiquc01 answer a professional with a live consent — the rows of the kind's
// window, grouped — and refuse every way round the gate (reception account, no account,
// another institution's consent, a numbers-only confirmation, an expired consent), each
// refusal and view audited; the 2024 rules of seed 004 (電子処方箋 setting, 医療扶助 checks
// from 2024-04) hold; the My Number is in no answer.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "access/access.h"
#include "card/card.h"
#include "card/card_helpers.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "core/text.h"
#include "oqs/clinical.h"
#include "serve/service_fixture.h"

namespace onshi::access {
namespace {

using serve::testing::kClinic;
using serve::testing::kInsurer;
using serve::testing::RunningService;
namespace json = boost::json;
namespace ct = onshi::card::testing;

constexpr const char* kPharmacy = "1340140126";  // 点数表 4: a pharmacy
constexpr int64_t kHour = 3600LL * 1000000;

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

std::string day(int days_back) {
  return core::Date::today_jst().add_days(-days_back).yyyymmdd();
}

json::object qual(const std::string& number) {
  return {{"insurerNumber", kInsurer},
          {"insuredCardSymbol", "12"},
          {"insuredIdentificationNumber", number},
          {"insuredBranchNumber", "00"}};
}

// Three years and more of medication every 28 days (two drugs each), checks, treatments with
// an operation, and prescriptions, for the person with card number `number`.
void load_history(store::Database& db, const std::string& number) {
  json::array med, checks, treat, rx;
  for (int back = 0; back < 3 * 365 + 60; back += 28)
    for (auto [code, name] :
         {std::pair{"622083601", "アムロジピン錠5mg"}, {"622224801", "ロスバスタチン錠2.5mg"}}) {
      json::object r = qual(number);
      r.insert({{"dispensingDate", day(back)},
                {"medicalInstitutionCode", kPharmacy},
                {"medicalInstitutionName", "さくら薬局"},
                {"institutionClassification", "4"},
                {"drugC", code},
                {"drugN", name},
                {"qua1", "1"},
                {"unit", "錠"},
                {"usageN", "1日1回朝食後"},
                {"times", "28"}});
      med.push_back(r);
    }
  for (const char* date : {"20230610", "20240610", "20250610"}) {
    json::object r = qual(number);
    r.insert({{"effectiveTime", date},
              {"itemCode", "3D046000001906202"},
              {"itemName", "HbA1c"},
              {"dataType", "PQ"},
              {"dataValue", "6.1"},
              {"unit", "%"},
              {"referenceRangeLow", "4.6"},
              {"referenceRangeHigh", "5.9"},
              {"judgement", "H"}});
    checks.push_back(r);
  }
  for (auto [code, name, op] :
       {std::tuple{"150000410", "水晶体再建術", "1"}, {"170011810", "単純撮影", "0"}}) {
    json::object r = qual(number);
    r.insert({{"treatmentDate", day(30)},
              {"medicalInstitutionCode", kClinic},
              {"medicalInstitutionName", "試験クリニック"},
              {"institutionClassification", "1"},
              {"procedureC", code},
              {"procedureN", name},
              {"operationFlg", op},
              {"diagnosisNames", "白内障；骨折"}});
    treat.push_back(r);
  }
  json::object p = qual(number);
  p.insert({{"prescriptionId", "RX-1"},
            {"prescriptionDate", day(10)},
            {"prescribingInstitutionCode", kClinic},
            {"prescribingInstitutionName", "試験クリニック"},
            {"rpNumber", "1"},
            {"drugC", "622083601"},
            {"drugN", "アムロジピン錠5mg"},
            {"qua1", "1"},
            {"unit", "錠"},
            {"times", "28"}});
  rx.push_back(p);
  clinical::LoadOptions o;
  o.source = "test";
  for (auto [kind, rows] : {std::pair{store::ClinicalKind::kMedication, &med},
                            {store::ClinicalKind::kCheckup, &checks},
                            {store::ClinicalKind::kTreatment, &treat},
                            {store::ClinicalKind::kPrescription, &rx}}) {
    auto r = clinical::load_records(db, kind, *rows, o);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->rejected, 0) << r->to_json();
  }
}

class ClinicalViewsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new RunningService("clinical-views");
    ASSERT_TRUE(service_->ok());
    ASSERT_TRUE(security::issue_client(service_->dir(), security::Role::kInstitution, kPharmacy,
                                       service_->dir() / "pharmacy")
                    .ok());
    auto db = ct::open_db(service_->dir());
    ASSERT_TRUE(db);
    card::IssueOptions o;
    o.my_number = number();
    o.pin = "1234";
    o.label = "試験 花子";
    ASSERT_TRUE(card::issue(service_->dir(), *db, o, card_file()).ok());
    ct::register_person(service_->dir(), number(), ct::qualification("100", "20200401"));
    ASSERT_TRUE(card::link(service_->dir(), *db, card_file(), "1234").ok());
    ct::register_person(service_->dir(), ct::my_number("33333333333"),
                        ct::qualification("300", "20200401"));
    core::Qualification aid = ct::qualification("500", "20200401");
    aid.insured_card_classification = "A1";
    ct::register_person(service_->dir(), ct::my_number("55555555555"), aid);
    for (const char* n : {"100", "300", "500"}) load_history(*db, n);
    for (auto [who, id, role] : {std::tuple{"clinic", "dr", "doctor"},
                                 {"clinic", "desk", "reception"},
                                 {"other", "dr2", "doctor"},
                                 {"pharmacy", "ph", "pharmacist"}}) {
      auto r =
          service_->client(who).request("POST", "/v1/institution/accounts",
                                        json::serialize(json::object{{"id", id}, {"role", role}}));
      ASSERT_TRUE(r.ok() && r->status == 201);
    }
    confirm_by_card("clinic", {{"medication", true}, {"healthCheckup", true}, {"treatment", true}});
    // The recipient's and the pharmacy's consents, as a card confirmation records them.
    auto keyring = security::Keyring::load_or_create(service_->dir());
    ASSERT_TRUE(keyring.ok());
    const int64_t now = core::now_unix_us();
    std::vector<store::ConsentRow> rows;
    const std::string aid_link = keyring->person_link(ct::my_number("55555555555"));
    const std::string link = keyring->person_link(number());
    rows.push_back({0, aid_link, kClinic, "TKK", "1", "S", now, now + 24 * kHour, {}, ""});
    rows.push_back({0, link, kPharmacy, "YZK", "1", "S", now, now + 24 * kHour, {}, ""});
    // An expired consent of the person confirmed by numbers only.
    const std::string b = keyring->person_link(ct::my_number("33333333333"));
    rows.push_back({0, b, kClinic, "SRJ", "1", "S", now - 48 * kHour, now - 24 * kHour, {}, ""});
    ASSERT_TRUE(db->access().put_consents(rows).ok());
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  static std::string number() { return ct::my_number("12345678901"); }
  static std::filesystem::path card_file() { return service_->dir() / "hanako.card"; }

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

  // GET /v1/clinical/views/{kind} for `account` at `who` about card number `number`.
  static http::ClientResponse get(const std::string& who, const std::string& kind,
                                  const std::string& account, const std::string& number = "100",
                                  const std::string& extra = "") {
    auto r = service_->client(who).request(
        "GET", "/v1/clinical/views/" + kind + "?account=" + account + "&insurerNumber=" + kInsurer +
                   "&symbol=12&number=" + number + "&branch=00" + extra);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    EXPECT_EQ(r->body.find(ClinicalViewsTest::number()), std::string::npos);
    return *r;
  }
  static std::string code(const http::ClientResponse& r) {
    const json::value v = json::parse(r.body);
    return v.as_object().contains("code") ? std::string(v.at("code").as_string()) : "";
  }
  // `onshi audit show` for this clinic until `needle` appears (the log commits in groups).
  static std::string audit_until(const std::string& needle) {
    std::string out;
    for (int i = 0; i < 100; ++i) {
      run("audit show --data-dir " + service_->dir().string() + " --institution " + kClinic, &out);
      if (out.find(needle) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return out;
  }

  static RunningService* service_;
};
RunningService* ClinicalViewsTest::service_ = nullptr;

// R-CONF-5: a doctor with the patient's consent sees the medication of the last three years
// (the window is data: 3y), by dispensing, newest first, with the drugs in stored order.
TEST_F(ClinicalViewsTest, MedicationOfTheWindowNewestFirst) {
  auto r = get("clinic", "medication", "dr");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = json::parse(r.body);
  EXPECT_EQ(v.at("basis").as_string(), "consent");
  EXPECT_EQ(v.at("window").as_string(), "3y");
  const std::string from(v.at("from").as_string());
  EXPECT_EQ(from, core::Date::today_jst().add_years(-3).yyyymmdd());
  const auto& list = v.at("dispensings").as_array();
  ASSERT_FALSE(list.empty());
  std::string previous = "99999999";
  for (const auto& d : list) {
    const std::string date(d.at("date").as_string());
    EXPECT_GE(date, from);
    EXPECT_LT(date, previous);
    previous = date;
    ASSERT_EQ(d.at("drugs").as_array().size(), 2u);
    EXPECT_EQ(d.at("drugs").as_array()[0].at("name").as_string(), "アムロジピン錠5mg");
  }
  EXPECT_EQ(list[0].at("date").as_string(), day(0));
  EXPECT_EQ(v.at("person").at("name").as_string(), "試験　花子");
  // As of a year ago the window moves with the day; a month range narrows it.
  auto past = json::parse(get("clinic", "medication", "dr", "100", "&asOf=" + day(365)).body);
  EXPECT_EQ(past.at("from").as_string(),
            core::Date::today_jst().add_days(-365).add_years(-3).yyyymmdd());
  auto month = json::parse(
      get("clinic", "medication", "dr", "100", "&fromMonth=" + day(0).substr(0, 6)).body);
  for (const auto& d : month.at("dispensings").as_array())
    EXPECT_EQ(std::string(d.at("date").as_string()).substr(0, 6), day(0).substr(0, 6));
}

// R-CONF-5 "Bad input and privacy": every way round the gate is refused with its code, and
// every refusal is in the audit log with the institution and the account.
TEST_F(ClinicalViewsTest, EveryWayRoundTheGateIsRefusedAndAudited) {
  auto desk = get("clinic", "medication", "desk");
  EXPECT_EQ(desk.status, 403);
  EXPECT_EQ(code(desk), "E_ACCOUNT_ROLE");
  EXPECT_EQ(code(get("clinic", "medication", "")), "E_ACCOUNT_MISSING");
  EXPECT_EQ(code(get("clinic", "medication", "nobody")), "E_ACCOUNT_UNKNOWN");
  EXPECT_EQ(code(get("other", "medication", "dr2")), "E_CONSENT_NONE");         // another's consent
  EXPECT_EQ(code(get("clinic", "medication", "dr", "300")), "E_CONSENT_NONE");  // numbers only
  auto expired = get("clinic", "treatments", "dr", "300");
  EXPECT_EQ(expired.status, 403);
  EXPECT_EQ(code(expired), "E_CONSENT_EXPIRED");
  EXPECT_EQ(json::parse(expired.body).at("expiryReason").as_string(), "0");
  EXPECT_EQ(code(get("clinic", "medication", "dr", "999")), "E_CONSENT_NONE");  // nobody
  const std::string out = audit_until("\"account\":\"desk\"");
  EXPECT_NE(out.find("\"code\":\"E_ACCOUNT_ROLE\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"code\":\"E_ACCOUNT_MISSING\""), std::string::npos);
  EXPECT_NE(out.find("\"code\":\"E_CONSENT_EXPIRED\""), std::string::npos);
  EXPECT_NE(out.find("\"view\":\"medication\""), std::string::npos);
  EXPECT_EQ(out.find(number()), std::string::npos);
}

// Bad input: a malformed date or month, a future day, missing numbers → 400 with the field.
TEST_F(ClinicalViewsTest, BadInputNamesTheField) {
  for (auto [extra, field] : {std::pair{"&asOf=2025", "asOf"},
                              {"&asOf=29991231", "asOf"},
                              {"&fromMonth=202513", "fromMonth"},
                              {"&toMonth=x", "toMonth"}}) {
    auto r = get("clinic", "medication", "dr", "100", extra);
    EXPECT_EQ(r.status, 400) << extra;
    EXPECT_EQ(json::parse(r.body).at("field").as_string(), field) << r.body;
  }
  EXPECT_EQ(get("clinic", "medication", "dr", "").status, 400);
}

// R-CONF-5: operations (OperationFlg 1) need the surgery consent too; without it they are left
// out and the view says so.
TEST_F(ClinicalViewsTest, OperationsNeedTheSurgeryConsent) {
  auto r = get("clinic", "treatments", "dr");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = json::parse(r.body);
  EXPECT_TRUE(v.at("operationsHidden").as_bool());
  const auto& procs = v.at("treatments").as_array().at(0).at("procedures").as_array();
  ASSERT_EQ(procs.size(), 1u);
  EXPECT_EQ(procs[0].at("name").as_string(), "単純撮影");
  EXPECT_EQ(procs[0].at("diagnoses").as_array().size(), 2u);
}

// Seed 004 §2: for a 医療扶助 recipient (A1) health checks are viewable from 2024-04 on only;
// others see their five years.
TEST_F(ClinicalViewsTest, MedicalAidRecipientsSeeChecksFromApril2024) {
  auto aid = get("clinic", "checkups", "dr", "500");
  ASSERT_EQ(aid.status, 200) << aid.body;
  const json::value a = json::parse(aid.body);
  EXPECT_TRUE(a.at("medicalAidRule").as_bool());
  EXPECT_EQ(a.at("from").as_string(), "20240401");
  EXPECT_EQ(a.at("checkupYears").as_array().size(), 2u);
  const json::value p = json::parse(get("clinic", "checkups", "dr").body);
  EXPECT_FALSE(p.at("medicalAidRule").as_bool());
  EXPECT_EQ(p.at("checkupYears").as_array().size(), 3u);
  EXPECT_EQ(p.at("checkupYears").as_array()[0].at("fiscalYear").as_int64(), 2025);
  const auto& series = p.at("series").as_array();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].at("points").as_array().size(), 3u);
  EXPECT_EQ(series[0].at("points").as_array()[0].at("date").as_string(), "20230610");
}

// Seed 004 §2: prescriptions and dispensing only for pharmacies and for clinics whose
// 「電子処方箋：利用する」 is on as of the day (`onshi institutions e-prescription`, dated).
TEST_F(ClinicalViewsTest, PrescriptionsFollowTheEPrescriptionSetting) {
  const std::string dir = service_->dir().string();
  EXPECT_EQ(code(get("clinic", "prescriptions", "dr")), "E_EPRESCRIPTION_OFF");
  auto ph = get("pharmacy", "prescriptions", "ph");
  ASSERT_EQ(ph.status, 200) << ph.body;
  EXPECT_EQ(json::parse(ph.body).at("prescriptions").as_array().size(), 1u);
  const std::string tomorrow = core::Date::today_jst().add_days(1).yyyymmdd();
  ASSERT_EQ(run("institutions e-prescription --data-dir " + dir + " --code " + kClinic +
                " --use --date " + tomorrow),
            0);
  EXPECT_EQ(code(get("clinic", "prescriptions", "dr")), "E_EPRESCRIPTION_OFF");
  std::string out;
  ASSERT_EQ(run("institutions e-prescription --data-dir " + dir + " --code " + kClinic +
                    " --use --date " + day(0),
                &out),
            0);
  EXPECT_NE(out.find("\"use\":true"), std::string::npos) << out;
  auto on = get("clinic", "prescriptions", "dr");
  ASSERT_EQ(on.status, 200) << on.body;
  const json::value onv = json::parse(on.body);
  const auto& rx = onv.at("prescriptions").as_array();
  ASSERT_EQ(rx.size(), 1u);
  EXPECT_EQ(rx[0].at("dispensingDate").as_string(), "");
  // Not in force on a day before the setting.
  EXPECT_EQ(code(get("clinic", "prescriptions", "dr", "100", "&asOf=" + day(1))),
            "E_EPRESCRIPTION_OFF");
  EXPECT_EQ(run("institutions e-prescription --data-dir " + dir + " --code 123 --use"), 2);
  EXPECT_EQ(run("institutions e-prescription --data-dir " + dir + " --code " + kClinic), 2);
  EXPECT_NE(audit_until("E_EPRESCRIPTION_OFF").find("\"code\":\"E_EPRESCRIPTION_OFF\""),
            std::string::npos);
}

// The XML interface: YZKsiquc01req in Shift_JIS and UTF-8 → a YZKsiquc01res with the months;
// no account, another institution's code, a PDF request and a malformed document → ResultCode
// 2 with the stable code.
TEST_F(ClinicalViewsTest, XmlRequestsInBothEncodings) {
  oqs::ClinicalRequest q;
  q.medical_institution_code = kClinic;
  q.insurer_number = kInsurer;
  q.insurance_card_symbol = "12";
  q.insured_person_identification_number = "100";
  q.branch_number = "00";
  q.professional_account = "dr";
  q.arbitrary_file_identifier = "F1";
  auto post = [&](const std::string& route, const oqs::ClinicalRequest& r, core::Encoding e) {
    auto doc = oqs::write_clinical_request_xml(r, e);
    EXPECT_TRUE(doc.ok());
    auto res = service_->client("clinic").request("POST", route, *doc, "application/xml");
    EXPECT_TRUE(res.ok() && res->status == 200);
    EXPECT_EQ(res->body.find(number()), std::string::npos);
    auto parsed = oqs::parse_clinical_result_xml(res->body);
    EXPECT_TRUE(parsed.ok()) << res->body;
    return parsed.ok() ? *parsed : oqs::ClinicalResult{};
  };
  for (auto e : {core::Encoding::kShiftJis, core::Encoding::kUtf8}) {
    auto r = post("/xml/YZKsiquc01", q, e);
    EXPECT_EQ(r.result_code, "1") << r.error_code;
    EXPECT_EQ(r.arbitrary_file_identifier, "F1");
    ASSERT_TRUE(r.person.has_value());
    EXPECT_EQ(r.person->find("Name")->text, "試験　花子");
    ASSERT_GE(r.body.size(), 2u);
    EXPECT_EQ(r.body[1].name, "MeTrMonthInf");
  }
  auto tkk = post("/xml/TKKsiquc01", q, core::Encoding::kUtf8);
  EXPECT_EQ(tkk.result_code, "1");
  EXPECT_EQ(tkk.person->name, "QualificationsInfo");
  EXPECT_EQ(tkk.body.back().name, "SpecificHealthCheckupInfo");
  EXPECT_EQ(post("/xml/SRJsiquc01", q, core::Encoding::kUtf8).result_code, "1");
  auto no_account = q;
  no_account.professional_account = "";
  EXPECT_EQ(post("/xml/YZKsiquc01", no_account, core::Encoding::kUtf8).error_code,
            "E_ACCOUNT_MISSING");
  auto other = q;
  other.medical_institution_code = "3410712362";
  EXPECT_EQ(post("/xml/YZKsiquc01", other, core::Encoding::kUtf8).error_code,
            "E_INSTITUTION_MISMATCH");
  auto bad =
      service_->client("clinic").request("POST", "/xml/YZKsiquc01", "<XmlMsg>", "application/xml");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(oqs::parse_clinical_result_xml(bad->body)->error_code, "E_XML_SYNTAX");
}

}  // namespace
}  // namespace onshi::access
