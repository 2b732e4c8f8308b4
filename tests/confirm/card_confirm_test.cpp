// Confirmation by My Number card (Confirmer::confirm_person) on a real SQLite store: the
// face-file shape (ReferenceClassification 1, no search echo, a service-made file
// identifier, one result), the choice of the qualification by date (validity 1 / 3 / 2 / 4),
// consent gating and times (R-CONF-4, R-CONF-5), and the audit entry with method and serial.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "confirm/confirm.h"
#include "confirm/confirm_fixture.h"
#include "core/date.h"
#include "oqs/messages.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::confirm {
namespace {

namespace fs = std::filesystem;
const char* kInstitution = "1310112345";
const std::string kLink(32, '\x42');

class CardConfirmTest : public ConfirmerFixture {
 protected:
  static core::Qualification member(std::string number, std::string from, std::string until = "") {
    core::Qualification q;
    q.insurer_number = "06130488";
    q.insured_card_symbol = "7";
    q.insured_identification_number = std::move(number);
    q.insured_branch_number = "00";
    q.insurer_name = "試験健康保険組合";
    q.insured_card_classification = "01";
    q.personal_family_classification = "1";
    q.name = "試験　二郎";
    q.name_kana = "シケン　ジロウ";
    q.sex1 = "1";
    q.birthdate = "19700101";
    q.qualification_date = std::move(from);
    q.disqualification_date = std::move(until);
    return q;
  }
  void put(const core::Qualification& q, const std::string& link = kLink) {
    ConfirmerFixture::put(q, link);
  }
  oqs::ConfirmResult confirm(const std::string& date, CardOptions o = {}) {
    if (o.method.empty()) o.method = "pin";
    if (o.card_serial.empty()) o.card_serial = "5A5A5A5A5A5A";
    return confirmer_->confirm_person(kLink, date, Caller{kInstitution}, o);
  }

};

// R-CONF-1: the face-file shape.
TEST_F(CardConfirmTest, ResultHasTheFaceFileShape) {
  put(member("1", "20200401"));
  auto r = confirm("20250415");
  EXPECT_EQ(r.header.segment_of_result, "1");
  EXPECT_EQ(r.header.reference_classification, "1");
  EXPECT_EQ(r.header.medical_institution_code, kInstitution);
  EXPECT_EQ(r.header.qualification_confirmation_date, "20250415");
  EXPECT_FALSE(r.search_echo.has_value());
  EXPECT_FALSE(r.header.arbitrary_file_identifier.empty());
  EXPECT_LE(r.header.arbitrary_file_identifier.size(), 50u);
  EXPECT_NE(confirm("20250415").header.arbitrary_file_identifier,
            r.header.arbitrary_file_identifier);
  EXPECT_EQ(r.qualification_validity, "1");
  ASSERT_EQ(r.results.size(), 1u);
  auto xml = oqs::write_confirm_result_xml(r);
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->find("<ReferenceClassification>1</ReferenceClassification>"), std::string::npos);
  EXPECT_EQ(xml->find("QualificationConfirmSearchInfo"), std::string::npos);
}

// Several qualifications cover the date: the newest QualificationDate, and only it.
TEST_F(CardConfirmTest, NewestCoveringQualificationOnly) {
  put(member("1", "20100401"));
  put(member("2", "20230401"));
  put(member("3", "20150401", "20230401"));
  auto r = confirm("20250415");
  EXPECT_EQ(r.qualification_validity, "1");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].qualification.insured_identification_number, "2");
  // On a date only the older one covers, that one.
  auto past = confirm("20160101");
  ASSERT_EQ(past.results.size(), 1u);
  EXPECT_EQ(past.results[0].qualification.insured_identification_number, "3");
}

// Nothing covers the date: 3 when one starts later, 2 with the latest lost one, 4 when the
// person has nothing at all.
TEST_F(CardConfirmTest, ValidityWhenNothingCovers) {
  EXPECT_EQ(confirm("20250415").qualification_validity, "4");
  EXPECT_TRUE(confirm("20250415").results.empty());
  put(member("1", "20100401", "20180401"));
  put(member("2", "20180401", "20240401"));
  auto lost = confirm("20250415");
  EXPECT_EQ(lost.qualification_validity, "2");
  ASSERT_EQ(lost.results.size(), 1u);
  EXPECT_EQ(lost.results[0].qualification.insured_identification_number, "2");
  put(member("3", "20250501"));
  put(member("4", "20260101"));
  auto later = confirm("20250415");
  EXPECT_EQ(later.qualification_validity, "3");
  ASSERT_EQ(later.results.size(), 1u);
  EXPECT_EQ(later.results[0].qualification.insured_identification_number, "3");
  EXPECT_EQ(confirm("20250501").qualification_validity, "1");
}

// R-CONF-4, R-CONF-5: flags 0 without consent; with it, the time, and 24 hours for the
// medication and health-check information; the limit block only with the limit consent.
TEST_F(CardConfirmTest, ConsentsGateAndTimeTheBlocks) {
  auto q = member("1", "20200401");
  q.limit_application =
      core::LimitApplicationCertificate{"02", "B05", "20240801", "20240801", "20250731", ""};
  q.specific_diseases.push_back({"1", "20240801", "20240801", "20250731", "10000"});
  put(q);
  auto none = confirm("20250415");
  ASSERT_EQ(none.results.size(), 1u);
  const auto& c0 = none.results[0].consents;
  EXPECT_FALSE(none.results[0].include_limit);
  EXPECT_FALSE(none.results[0].include_specific_diseases);
  EXPECT_EQ(c0.limit_flg, "0");
  EXPECT_EQ(c0.specific_diseases_flg, "0");
  EXPECT_EQ(c0.pharmacists_flg, "0");
  EXPECT_EQ(c0.health_checkups_flg, "0");
  EXPECT_EQ(c0.diagnosis_flg, "0");
  EXPECT_EQ(c0.operation_flg, "0");
  EXPECT_TRUE(c0.limit_time.empty());
  EXPECT_TRUE(c0.pharmacists_available.empty());
  auto xml0 = oqs::write_confirm_result_xml(none);
  ASSERT_TRUE(xml0.ok());
  EXPECT_EQ(xml0->find("LimitApplicationCertificateClassification"), std::string::npos);

  CardOptions all;
  all.limit_consent = all.medication_consent = all.health_checkup_consent = true;
  // 2025-04-15 10:15:10 JST.
  all.now_us = (core::Date::from_ymd(2025, 4, 15).days() * 86400LL + 10 * 3600 + 15 * 60 + 10 -
                9 * 3600) * 1000000LL;
  auto given = confirm("20250415", all);
  ASSERT_EQ(given.results.size(), 1u);
  const auto& c = given.results[0].consents;
  EXPECT_TRUE(given.results[0].include_limit);
  EXPECT_EQ(c.limit_flg, "1");
  EXPECT_EQ(c.limit_time, "20250415101510");
  EXPECT_EQ(c.specific_diseases_flg, "1");
  EXPECT_EQ(c.pharmacists_flg, "1");
  EXPECT_EQ(c.pharmacists_time, "20250415101510");
  EXPECT_EQ(c.pharmacists_available, "20250416101510");
  EXPECT_EQ(c.health_checkups_flg, "1");
  EXPECT_EQ(c.health_checkups_available, "20250416101510");
  EXPECT_EQ(c.diagnosis_flg, "0");
  auto xml = oqs::write_confirm_result_xml(given);
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->find("<PharmacistsInfoAvailableTime>20250416101510</PharmacistsInfoAvailableTime>"),
            std::string::npos);
  EXPECT_NE(xml->find("LimitApplicationCertificateClassification"), std::string::npos);
}

// DESIGN security: the read is audited with the method and the card serial.
TEST_F(CardConfirmTest, ReadIsAuditedWithMethodAndSerial) {
  put(member("1", "20200401"));
  CardOptions o;
  o.method = "face";
  o.card_serial = "1234ABCD5678EF";
  confirm("20250415", o);
  ASSERT_TRUE(audit_->flush().ok());
  int n = 0;
  ASSERT_TRUE(store_
                  ->scan_audit(1,
                               [&](const store::AuditEntry& e) {
                                 ++n;
                                 EXPECT_EQ(e.actor, std::string("institution:") + kInstitution);
                                 EXPECT_EQ(e.action, "confirm");
                                 EXPECT_EQ(e.subject, core::make_card_key("06130488", "7", "1", "00"));
                                 EXPECT_NE(e.detail.find("\"method\":\"face\""), std::string::npos);
                                 EXPECT_NE(e.detail.find("\"cardSerial\":\"1234ABCD5678EF\""),
                                           std::string::npos);
                                 EXPECT_NE(e.detail.find("\"referenceClassification\":\"1\""),
                                           std::string::npos);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(n, 1);
}

// A date that is not one is an error result, and nothing is read or audited.
TEST_F(CardConfirmTest, BadDateIsAnErrorResult) {
  put(member("1", "20200401"));
  auto r = confirm("20250231");
  EXPECT_EQ(r.header.segment_of_result, "9");
  EXPECT_EQ(r.header.error_code, "E_DATE_INVALID");
  ASSERT_TRUE(audit_->flush().ok());
  EXPECT_EQ(audit_->committed(), 0);
}

}  // namespace
}  // namespace onshi::confirm
