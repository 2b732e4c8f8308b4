// 医療扶助 over real HTTPS on 127.0.0.1 (issue 15 points 4 and 5): a recipient confirmed by
// numbers in XML and JSON by a contracted institution (PublicExpenseResultList) and by one
// whose setting is off (該当資格なし, the 受給者番号 nowhere in the answer); the bulk inquiry
// OQSmutic01 answered with a ReceptionNumber and fetched through OQSmuquc02; its refusals.
// Recipients, tickets and the setting are written through the stores of the same database,
// as the welfare office's import and the institutions registry would.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/text.h"
#include "http/client.h"
#include "oqs/messages.h"
#include "serve/service_fixture.h"
#include "store/database.h"

namespace onshi::serve {
namespace {

using testing::kClinic;
using testing::kOther;

constexpr const char* kOffice = "12131017";
constexpr const char* kRecipient = "1234566";

class MedicalAidServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    svc_ = new testing::RunningService("medical-aid");
    ASSERT_TRUE(svc_->ok());
    auto db = store::open_store("sqlite:" + svc_->dir().string());
    ASSERT_TRUE(db) << db.error().message;
    core::Qualification q;
    q.insurer_number = kOffice;
    q.insured_identification_number = kRecipient;
    q.insurer_name = "千代田区福祉事務所";
    q.insured_card_classification = "A1";
    q.name = "扶助　太郎";
    q.name_kana = "フジョ　タロウ";
    q.sex1 = "1";
    q.birthdate = "19600505";
    q.qualification_date = "20240101";
    std::vector<store::PutItem> members{{q, "", "", "test", ""}};
    ASSERT_TRUE((*db)->members().put_qualifications(members).ok());
    core::MedicalTicket t;
    t.insurer_number = kOffice;
    t.insured_identification_number = kRecipient;
    t.ticket_type = "01";
    t.valid_date = "20250401";
    t.expiration_date = "20250430";
    t.issue_number = "0000123";
    t.medical_treatment_month = "202504";
    t.designated_code = kClinic;
    t.designated_name = "試験クリニック";
    t.injury_name1 = "高血圧症";
    std::vector<store::TicketPut> tickets{{t, "test"}};
    ASSERT_TRUE((*db)->tickets().put_tickets(tickets).ok());
    ASSERT_TRUE((*db)
                    ->institutions()
                    .transact([](store::InstitutionTx& tx) -> Status {
                      store::InstitutionRow row;
                      row.provisional_code = "0000001";
                      row.kind = "clinic";
                      row.prefecture = "13";
                      row.name = "試験クリニック";
                      row.stage = "inUse";
                      row.medical_institution_code = kClinic;
                      auto r = tx.insert(row);
                      if (!r) return r.error();
                      return tx.add_medical_aid_setting(r->id, "20240301", true);
                    })
                    .ok());
  }
  static void TearDownTestSuite() {
    delete svc_;
    svc_ = nullptr;
  }
  static std::string confirm_xml(const std::string& institution) {
    oqs::ConfirmRequest req;
    req.header.qualification_confirmation_date = "20250415";
    req.header.medical_institution_code = institution;
    req.search.insurer_number = kOffice;
    req.search.insured_identification_number = kRecipient;
    req.search.birthdate = "19600505";
    req.search.limit_application_certificate_related_cons_flg = "0";
    return *oqs::write_confirm_request_xml(req, core::Encoding::kShiftJis);
  }
  static std::string month_xml(const std::string& institution, const std::string& month) {
    oqs::MedicalAidBulkRequest req;
    req.header.medical_institution_code = institution;
    req.header.arbitrary_file_identifier = "AID-1";
    req.medical_treatment_month = month;
    return *oqs::write_medical_aid_bulk_request_xml(req, core::Encoding::kShiftJis);
  }
  static inline testing::RunningService* svc_ = nullptr;
};

// R-AID-1, R-AID-3: by numbers, the contracted clinic gets the ticket; a clinic whose setting
// is off gets 該当資格なし and never the 受給者番号 (R-AID-2), in XML and JSON.
TEST_F(MedicalAidServeTest, ConfirmationByNumbersFollowsTheSetting) {
  auto c = svc_->client("clinic");
  auto r = c.request("POST", "/xml/OQSsiquc01", confirm_xml(kClinic), "application/xml");
  ASSERT_TRUE(r.ok());
  auto result = oqs::parse_confirm_result_xml(r->body);
  ASSERT_TRUE(result) << r->body;
  EXPECT_EQ(result->qualification_validity, "1") << r->body;
  ASSERT_EQ(result->results.size(), 1u);
  ASSERT_EQ(result->results[0].medical_tickets.size(), 1u);
  EXPECT_NE(r->body.find("<PublicExpenseResultList>"), std::string::npos);
  EXPECT_NE(r->body.find("<DesignatedMedicalInstitutionFlag>0<"), std::string::npos);

  auto other = svc_->client("other");
  auto off = other.request("POST", "/xml/OQSsiquc01", confirm_xml(kOther), "application/xml");
  ASSERT_TRUE(off.ok());
  EXPECT_NE(off->body.find("<QualificationValidity>4<"), std::string::npos) << off->body;
  EXPECT_EQ(off->body.find(kRecipient), std::string::npos) << off->body;
  const std::string json = std::string("{\"qualificationConfirmationDate\":\"20250415\",") +
                           "\"medicalInstitutionCode\":\"" + kOther + "\",\"insurerNumber\":\"" +
                           kOffice + "\",\"insuredIdentificationNumber\":\"" + kRecipient +
                           "\",\"birthdate\":\"19600505\","
                           "\"limitApplicationCertificateRelatedConsFlg\":\"0\"}";
  auto off_json = other.request("POST", "/v1/qualification-confirmations", json);
  ASSERT_TRUE(off_json.ok());
  EXPECT_EQ(off_json->status, 200);
  EXPECT_NE(off_json->body.find("\"qualificationValidity\":\"4\""), std::string::npos);
  EXPECT_EQ(off_json->body.find(kRecipient), std::string::npos) << off_json->body;
}

// Point 5: OQSmutic01 → ReceptionNumber → OQSmuquc02 with the month's recipients.
TEST_F(MedicalAidServeTest, MonthlyBulkInquiryThroughTheTwoStepFlow) {
  auto c = svc_->client("clinic");
  auto r = c.request("POST", "/xml/OQSmutic01", month_xml(kClinic, "202504"), "application/xml");
  ASSERT_TRUE(r.ok());
  auto receipt = oqs::parse_bulk_receipt_xml(r->body);
  ASSERT_TRUE(receipt) << r->body;
  ASSERT_EQ(receipt->header.segment_of_result, "1") << r->body;
  ASSERT_FALSE(receipt->reception_number.empty());
  auto fetch = oqs::write_bulk_result_request_xml({kClinic, receipt->reception_number});
  auto got = c.request("POST", "/xml/OQSmuquc02", *fetch, "application/xml");
  ASSERT_TRUE(got.ok());
  auto result = oqs::parse_bulk_result_xml(got->body);
  ASSERT_TRUE(result) << got->body;
  EXPECT_EQ(result->header.number_of_processing_result, "1");
  ASSERT_EQ(result->units.size(), 1u);
  const auto& u = result->units[0];
  EXPECT_EQ(u.search.insured_identification_number, kRecipient);
  EXPECT_EQ(u.qualification_validity, "1");
  ASSERT_EQ(u.results.size(), 1u);
  EXPECT_EQ(u.results[0].medical_tickets.at(0).ticket.issue_number, "0000123");

  auto none = c.request("POST", "/xml/OQSmutic01", month_xml(kClinic, "202505"), "application/xml");
  ASSERT_TRUE(none.ok());
  auto empty = oqs::parse_bulk_receipt_xml(none->body);
  ASSERT_TRUE(empty);
  auto got_empty = c.request(
      "POST", "/xml/OQSmuquc02",
      *oqs::write_bulk_result_request_xml({kClinic, empty->reception_number}), "application/xml");
  EXPECT_NE(got_empty->body.find("<NumberOfProcessingResult>0<"), std::string::npos);
}

// Bad input: the setting off, a bad month, a missing month, another institution's code.
TEST_F(MedicalAidServeTest, MonthlyBulkInquiryRefusals) {
  auto other = svc_->client("other");
  auto off =
      other.request("POST", "/xml/OQSmutic01", month_xml(kOther, "202504"), "application/xml");
  ASSERT_TRUE(off.ok());
  EXPECT_NE(off->body.find("<ErrorCode>E_MEDICAL_AID_NOT_ENABLED</ErrorCode>"), std::string::npos)
      << off->body;
  auto c = svc_->client("clinic");
  auto bad = c.request("POST", "/xml/OQSmutic01", month_xml(kClinic, "2025-4"), "application/xml");
  EXPECT_NE(bad->body.find("<ErrorCode>E_DATE</ErrorCode>"), std::string::npos) << bad->body;
  auto missing = c.request("POST", "/xml/OQSmutic01", month_xml(kClinic, ""), "application/xml");
  EXPECT_NE(missing->body.find("<ErrorCode>E_XML_MISSING</ErrorCode>"), std::string::npos);
  auto mismatch =
      c.request("POST", "/xml/OQSmutic01", month_xml(kOther, "202504"), "application/xml");
  EXPECT_NE(mismatch->body.find("<ErrorCode>E_INSTITUTION_MISMATCH</ErrorCode>"),
            std::string::npos);
}

}  // namespace
}  // namespace onshi::serve
