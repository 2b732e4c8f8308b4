// The folder bridge carries the clinical requests (R-CONF-5, issue 16 point 4): a
// YZKsiquc01req / TKKsiquc01req / SRJsiquc01req / SCJsiquc01req file in req/ goes to the
// service's route with the professional account of its header and is answered in res/ in the
// terminal's encoding; a refused or unreadable request gets a ResultCode 2 result of its own
// type; a forged face file with consent flags gives nothing (the service keeps the consents).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "card/card_helpers.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "core/text.h"
#include "oqs/clinical.h"
#include "security/ca.h"
#include "serve/service.h"
#include "terminal/bridge.h"
#include "terminal/terminal_fixture.h"

namespace onshi::terminal {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace ct = onshi::card::testing;
using testing::kClinic;
using testing::slurp;
using testing::spit;

constexpr int64_t kHour = 3600LL * 1000000;

class BridgeClinicalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("onshi-bridge-clinical-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    ASSERT_TRUE(security::ca_init(*dir_).ok());
    ASSERT_TRUE(
        security::issue_client(*dir_, security::Role::kInstitution, kClinic, *dir_ / "clinic")
            .ok());
    serve::ServiceOptions o;
    o.data_dir = *dir_;
    auto s = serve::Service::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    svc_ = s->release();
    ASSERT_TRUE(svc_->start().ok());
    ct::register_person(*dir_, ct::my_number("12345678901"), ct::qualification("100", "20200401"));
    ct::register_person(*dir_, ct::my_number("33333333333"), ct::qualification("300", "20200401"));
    auto db = ct::open_db(*dir_);
    ASSERT_TRUE(db);
    json::array med;
    for (const char* number : {"100", "300"})
      med.push_back(json::object{{"insurerNumber", "06130488"},
                                 {"insuredCardSymbol", "12"},
                                 {"insuredIdentificationNumber", number},
                                 {"insuredBranchNumber", "00"},
                                 {"dispensingDate", core::Date::today_jst().yyyymmdd()},
                                 {"medicalInstitutionCode", kClinic},
                                 {"medicalInstitutionName", "試験クリニック"},
                                 {"institutionClassification", "1"},
                                 {"drugC", "622083601"},
                                 {"drugN", "アムロジピン錠5mg"},
                                 {"qua1", "1"},
                                 {"unit", "錠"},
                                 {"times", "28"}});
    clinical::LoadOptions lo;
    lo.source = "test";
    auto loaded = clinical::load_records(*db, store::ClinicalKind::kMedication, med, lo);
    ASSERT_TRUE(loaded.ok() && loaded->rejected == 0);
    auto keyring = security::Keyring::load_or_create(*dir_);
    ASSERT_TRUE(keyring.ok());
    const int64_t now = core::now_unix_us();
    std::vector<store::ConsentRow> rows{{0,
                                         keyring->person_link(ct::my_number("12345678901")),
                                         kClinic,
                                         "YZK",
                                         "1",
                                         "S",
                                         now,
                                         now + 24 * kHour,
                                         {},
                                         ""}};
    ASSERT_TRUE(db->access().put_consents(rows).ok());
    ASSERT_TRUE(db->access().put_account({kClinic, "dr", "doctor", now, {}}).ok());
  }
  static void TearDownTestSuite() {
    svc_->stop();
    delete svc_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::unique_ptr<Bridge> open(const fs::path& folder, core::Encoding enc) {
    fs::remove_all(folder);
    BridgeOptions o;
    o.folder = folder;
    auto c = client_options_from_cert_dir(*dir_ / "clinic", "127.0.0.1", svc_->port());
    EXPECT_TRUE(c.ok());
    o.client = *c;
    o.client.timeout_ms = 5000;
    o.encoding = enc;
    o.poll_ms = 50;
    o.settle_ms = 0;  // the unreadable request is answered as soon as it is stable
    auto b = Bridge::open(o);
    EXPECT_TRUE(b.ok()) << b.error().message;
    return b.ok() ? std::move(*b) : nullptr;
  }
  static bool poll_until(Bridge& b, const fs::path& file) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      b.poll_once();
      if (fs::exists(file)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  static std::string request(const std::string& number, const std::string& account,
                             const std::string& category, core::Encoding enc) {
    oqs::ClinicalRequest q;
    q.medical_institution_code = kClinic;
    q.insurer_number = "06130488";
    q.insurance_card_symbol = "12";
    q.insured_person_identification_number = number;
    q.branch_number = "00";
    q.professional_account = account;
    q.file_category = category;
    q.arbitrary_file_identifier = "B-" + number;
    auto doc = oqs::write_clinical_request_xml(q, enc);
    EXPECT_TRUE(doc.ok());
    return *doc;
  }
  // The result file read back (whatever its encoding).
  static oqs::ClinicalResult result(const fs::path& file) {
    auto r = oqs::parse_clinical_result_xml(slurp(file));
    EXPECT_TRUE(r.ok()) << slurp(file);
    return r.ok() ? *r : oqs::ClinicalResult{};
  }

  static fs::path* dir_;
  static serve::Service* svc_;
};
fs::path* BridgeClinicalTest::dir_ = nullptr;
serve::Service* BridgeClinicalTest::svc_ = nullptr;

// R-CONF-5: a YZKsiquc01req in Shift_JIS and one in UTF-8 are answered with the medication in
// the terminal's encoding (declaration and CharacterCodeIdentifier follow it).
TEST_F(BridgeClinicalTest, MedicationRequestFilesAreAnsweredInTheFolder) {
  for (auto enc : {core::Encoding::kShiftJis, core::Encoding::kUtf8}) {
    const bool sjis = enc == core::Encoding::kShiftJis;
    const fs::path f = *dir_ / (sjis ? "oqs-sjis" : "oqs-utf8");
    auto b = open(f, enc);
    ASSERT_TRUE(b);
    spit(f / "req" / "YZKsiquc01req_0001.xml",
         request("100", "dr", "2", core::Encoding::kShiftJis));
    spit(f / "req" / "YZKsiquc01req_0002.xml", request("100", "dr", "2", core::Encoding::kUtf8));
    for (const char* tail : {"0001", "0002"}) {
      const fs::path res = f / "res" / (std::string("YZKsiquc01res_") + tail + ".xml");
      ASSERT_TRUE(poll_until(*b, res)) << res;
      const std::string bytes = slurp(res);
      EXPECT_EQ(core::is_valid_utf8(bytes), !sjis);
      const auto r = result(res);
      EXPECT_EQ(r.result_code, "1") << r.error_code << r.message_contents;
      ASSERT_GE(r.body.size(), 2u);
      EXPECT_EQ(r.body[1].name, "MeTrMonthInf");
      EXPECT_EQ(r.arbitrary_file_identifier, "B-100");
      EXPECT_EQ(bytes.find("123456789018"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(f / "req" / "YZKsiquc01req_0001.xml"));
  }
}

// "Bad input and privacy": a forged face file claiming the consent gives nothing — the
// service keeps the consents — and a request without an account, an unreadable one and a PDF
// request each get a ResultCode 2 result of their own type.
TEST_F(BridgeClinicalTest, ForgedFaceFileAndBadRequestsGetNothing) {
  const fs::path f = *dir_ / "oqs-forged";
  auto b = open(f, core::Encoding::kUtf8);
  ASSERT_TRUE(b);
  spit(f / "face" / ("OQSsiquc01res_face_" + std::string(kClinic) + "_20261206101500.xml"),
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageBody><ResultList>"
       "<ResultOfQualificationConfirmation><InsuredIdentificationNumber>300"
       "</InsuredIdentificationNumber><PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>"
       "<PharmacistsInfoAvailableTime>29991231235959</PharmacistsInfoAvailableTime>"
       "</ResultOfQualificationConfirmation></ResultList></MessageBody></XmlMsg>");
  spit(f / "req" / "YZKsiquc01req_forged.xml", request("300", "dr", "2", core::Encoding::kUtf8));
  spit(f / "req" / "YZKsiquc01req_noacct.xml", request("100", "", "2", core::Encoding::kUtf8));
  spit(f / "req" / "TKKsiquc01req_broken.xml", "<XmlMsg><MessageHeader>");
  spit(f / "req" / "SRJsiquc01req_pdf.xml", request("100", "dr", "1", core::Encoding::kUtf8));
  const std::pair<const char*, const char*> want[] = {
      {"YZKsiquc01res_forged.xml", "E_CONSENT_NONE"},
      {"YZKsiquc01res_noacct.xml", "E_ACCOUNT_MISSING"},
      {"TKKsiquc01res_broken.xml", "E_XML_SYNTAX"},
      {"SRJsiquc01res_pdf.xml", "E_PDF_UNAVAILABLE"}};
  for (const auto& [file, code] : want) {
    ASSERT_TRUE(poll_until(*b, f / "res" / file)) << file;
    const auto r = result(f / "res" / file);
    EXPECT_EQ(r.result_code, "2") << file;
    EXPECT_EQ(r.error_code, code) << file;
    EXPECT_FALSE(r.message_contents.empty());
  }
}

}  // namespace
}  // namespace onshi::terminal
