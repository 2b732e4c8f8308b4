// Confirmation rules on a real SQLite store: every QualificationValidity, consent gating of
// the limit certificate, normalisation of typed card data, past dates, "as known at", invalid
// requests (SegmentOfResult 9, nothing read) and the audit of every read.
#include "confirm/confirm.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "confirm/confirm_fixture.h"
#include "core/date.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::confirm {
namespace {

namespace fs = std::filesystem;
const char* kInstitution = "1310112345";

class ConfirmTest : public ConfirmerFixture {
 protected:
  static core::Qualification member(std::string insurer, std::string symbol, std::string number,
                                    std::string branch, std::string birth) {
    core::Qualification q;
    q.insurer_number = std::move(insurer);
    q.insured_card_symbol = std::move(symbol);
    q.insured_identification_number = std::move(number);
    q.insured_branch_number = std::move(branch);
    q.insurer_name = "試験健康保険組合";
    q.insured_card_classification = "01";
    q.personal_family_classification = "1";
    q.name = "試験　一郎";
    q.name_kana = "シケン　イチロウ";
    q.sex1 = "1";
    q.birthdate = std::move(birth);
    q.qualification_date = "20180401";
    return q;
  }
  static oqs::ConfirmRequest request(std::string insurer, std::string symbol, std::string number,
                                     std::string branch, std::string birth,
                                     std::string date = "20250415", std::string consent = "0") {
    oqs::ConfirmRequest r;
    r.header.qualification_confirmation_date = std::move(date);
    r.header.medical_institution_code = kInstitution;
    r.header.arbitrary_file_identifier = "file-1";
    r.search.insurer_number = std::move(insurer);
    r.search.insured_card_symbol = std::move(symbol);
    r.search.insured_identification_number = std::move(number);
    r.search.insured_branch_number = std::move(branch);
    r.search.birthdate = std::move(birth);
    r.search.limit_application_certificate_related_cons_flg = std::move(consent);
    r.search.arbitrary_identifier = "patient-7";
    return r;
  }
  oqs::ConfirmResult confirm(const oqs::ConfirmRequest& r, const Options& o = {}) {
    return confirmer_->confirm(r, Caller{kInstitution}, o);
  }
};

// R-CONF-2, R-CONF-3: typed card data → 有効 with the registered data and echoes.
TEST_F(ConfirmTest, ValidQualification) {
  put(member("06130488", "123", "4567", "01", "19530718"));
  auto r = confirm(request("06130488", "123", "4567", "01", "19530718"));
  EXPECT_EQ(r.header.segment_of_result, "1");
  EXPECT_EQ(r.processing_result_status, "1");
  EXPECT_EQ(r.qualification_validity, "1");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].qualification.name, "試験　一郎");
  EXPECT_EQ(r.results[0].arbitrary_identifier, "patient-7");
  EXPECT_EQ(r.header.arbitrary_file_identifier, "file-1");
  EXPECT_EQ(r.header.medical_institution_code, kInstitution);
  ASSERT_TRUE(r.search_echo.has_value());
}

// R-CONF-2: full-width digits, hyphen variants and the interface's space padding still match.
TEST_F(ConfirmTest, TypedDataIsNormalised) {
  put(member("131045", "AB-1", "0012", "00", "19800101"));
  auto r = confirm(request("  １３１０４５", "ＡＢ－１", "００１２", "００", "19800101"));
  EXPECT_EQ(r.qualification_validity, "1") << r.header.error_code << r.header.error_message;
  // Leading zeros are significant: "12" is another number.
  auto r2 = confirm(request("131045", "AB-1", "12", "00", "19800101"));
  EXPECT_EQ(r2.qualification_validity, "4");
}

// R-CONF-2: the birth date must match too.
TEST_F(ConfirmTest, NotFoundAndBirthdateMismatch) {
  put(member("06130488", "123", "4567", "01", "19530718"));
  EXPECT_EQ(confirm(request("06130488", "123", "9999", "01", "19530718")).qualification_validity,
            "4");
  auto r = confirm(request("06130488", "123", "4567", "01", "19530719"));
  EXPECT_EQ(r.qualification_validity, "4");
  EXPECT_TRUE(r.results.empty());
}

// R-REG-1: 資格喪失日 is the first day without coverage.
TEST_F(ConfirmTest, LostQualificationIsInvalidFromTheLossDate) {
  auto q = member("06130488", "123", "4567", "01", "19530718");
  q.disqualification_date = "20250401";
  q.reason_of_loss = "99";
  put(q);
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "01", "19530718", "20250331"))
                .qualification_validity,
            "1");
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "01", "19530718", "20250401"))
                .qualification_validity,
            "2");
  // Before the acquisition date: not covered either.
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "01", "19530718", "20180331"))
                .qualification_validity,
            "2");
}

// R-CONF-7: just after changing insurer — 無効（新しい資格あり） through the My Number link.
TEST_F(ConfirmTest, NewerQualificationOfTheSamePerson) {
  auto old_q = member("06130488", "123", "4567", "01", "19530718");
  old_q.disqualification_date = "20250401";
  put(old_q, "PERSON-1");
  auto new_q = member("01130012", "7654321", "88", "00", "19530718");
  new_q.qualification_date = "20250401";
  put(new_q, "PERSON-1");
  auto r = confirm(request("06130488", "123", "4567", "01", "19530718", "20250415"));
  EXPECT_EQ(r.qualification_validity, "3");
  // Someone else with a lost qualification and no link → plain 無効.
  auto other = member("06130488", "123", "5000", "00", "19600101");
  other.disqualification_date = "20250401";
  put(other, "PERSON-2");
  EXPECT_EQ(confirm(request("06130488", "123", "5000", "00", "19600101")).qualification_validity,
            "2");
}

// OQSCD006 5 複数該当: 枝番 omitted and two members (twins) share card number and birth date.
TEST_F(ConfirmTest, MultipleMatchesWithoutBranchNumber) {
  put(member("06130488", "123", "4567", "02", "20100505"));
  put(member("06130488", "123", "4567", "03", "20100505"));
  put(member("06130488", "123", "4567", "00", "19800101"));
  auto r = confirm(request("06130488", "123", "4567", "", "20100505"));
  EXPECT_EQ(r.qualification_validity, "5");
  EXPECT_EQ(r.results.size(), 2u);
  // Without 枝番 but only one match → 有効.
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "", "19800101")).qualification_validity,
            "1");
}

// R-CONF-4: the limit certificate only with consent.
TEST_F(ConfirmTest, LimitCertificateOnlyWithConsent) {
  auto q = member("06130488", "123", "4567", "01", "19530718");
  q.limit_application =
      core::LimitApplicationCertificate{"02", "B05", "20240801", "20240801", "20250731", ""};
  put(q);
  auto without = confirm(request("06130488", "123", "4567", "01", "19530718", "20250415", "0"));
  ASSERT_EQ(without.results.size(), 1u);
  EXPECT_FALSE(without.results[0].include_limit);
  EXPECT_EQ(without.results[0].consents.limit_flg, "0");
  EXPECT_TRUE(without.results[0].consents.limit_time.empty());
  auto with = confirm(request("06130488", "123", "4567", "01", "19530718", "20250415", "1"));
  ASSERT_EQ(with.results.size(), 1u);
  EXPECT_TRUE(with.results[0].include_limit);
  EXPECT_EQ(with.results[0].consents.limit_flg, "1");
  EXPECT_EQ(with.results[0].consents.limit_time.size(), 14u);
}

// R-CONF-4 from full operation only: 「本格運用開始に伴い、限度額適用認定証情報…及び特定疾病療養受療証
// 情報の閲覧が開始となります」(seed 000 §2, core/rule_dates.h). An answer as of 2021-10-19 carries
// neither block even with consent; as of 2021-10-20 it carries both.
TEST_F(ConfirmTest, LimitInformationNotShownBeforeFullOperation) {
  auto q = member("06130488", "123", "4568", "01", "19530718");
  q.qualification_date = "20180401";
  q.limit_application =
      core::LimitApplicationCertificate{"02", "B05", "20210801", "20210801", "20220731", ""};
  q.specific_diseases.push_back({"02", "20210801", "20210801", "", "10000"});
  put(q);
  auto pre = confirm(request("06130488", "123", "4568", "01", "19530718", "20211019", "1"));
  ASSERT_EQ(pre.results.size(), 1u);
  EXPECT_FALSE(pre.results[0].include_limit);
  EXPECT_FALSE(pre.results[0].include_specific_diseases);
  EXPECT_NE(pre.results[0].consents.specific_diseases_flg, "1");
  auto full = confirm(request("06130488", "123", "4568", "01", "19530718", "20211020", "1"));
  ASSERT_EQ(full.results.size(), 1u);
  EXPECT_TRUE(full.results[0].include_limit);
  EXPECT_TRUE(full.results[0].include_specific_diseases);
}

// 未就学 is derived from the birth date and the date asked.
TEST_F(ConfirmTest, PreschoolClassificationDerived) {
  put(member("06130488", "123", "4567", "03", "20190401"));
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "03", "20190401", "20250331"))
                .results.at(0)
                .preschool_classification,
            "1");
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "03", "20190401", "20250401"))
                .results.at(0)
                .preschool_classification,
            "");
}

// R-CONF-6 / R-CLM-1: confirmation as known at an earlier time sees what reception saw then.
TEST_F(ConfirmTest, AsKnownAtEarlierTime) {
  auto q = member("06130488", "123", "4567", "01", "19530718");
  put(q);
  int64_t t = core::now_unix_us();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  q.disqualification_date = "20250101";
  put(q);
  Options o;
  o.known_at_us = t;
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "01", "19530718"), o).qualification_validity,
            "1");
  EXPECT_EQ(confirm(request("06130488", "123", "4567", "01", "19530718")).qualification_validity,
            "2");
}

// Invalid requests: SegmentOfResult 9 with a stable ErrorCode, and nothing looked up.
TEST_F(ConfirmTest, InvalidRequestsAreErrors) {
  put(member("06130488", "123", "4567", "01", "19530718"));
  struct Case {
    oqs::ConfirmRequest req;
    std::string code;
  };
  std::vector<Case> cases;
  cases.push_back({request("06130487", "123", "4567", "01", "19530718"), "E_CHECK_DIGIT"});
  cases.push_back({request("06130488", "123", "4567", "1", "19530718"), "E_BRANCH_NUMBER"});
  cases.push_back({request("06130488", "123", "4567", "01", "19530230"), "E_DATE_INVALID"});
  cases.push_back({request("06130488", "123", "4567", "01", "19530718", "2025-04-15"),
                   "E_DATE_FORMAT"});
  cases.push_back({request("06130488", "123", "4567", "01", "19530718", "20250415", "2"), "E_CODE"});
  cases.push_back({request("06130488", "123", "", "01", "19530718"), "E_MISSING"});
  auto other = request("06130488", "123", "4567", "01", "19530718");
  other.header.medical_institution_code = "3410712362";  // valid, but not the caller's
  cases.push_back({other, "E_INSTITUTION_MISMATCH"});
  for (const auto& c : cases) {
    auto r = confirm(c.req);
    EXPECT_EQ(r.header.segment_of_result, "9") << c.code;
    EXPECT_EQ(r.header.error_code, c.code);
    EXPECT_FALSE(r.header.error_message.empty());
    EXPECT_TRUE(r.results.empty());
  }
  ASSERT_TRUE(audit_->flush().ok());
  EXPECT_EQ(audit_->committed(), 0);  // nothing was read, so nothing was audited
}

// DESIGN security: every read of a person's data is audited, in a verifiable chain.
TEST_F(ConfirmTest, EveryConfirmationIsAudited) {
  put(member("06130488", "123", "4567", "01", "19530718"));
  for (int i = 0; i < 5; ++i) confirm(request("06130488", "123", "4567", "01", "19530718"));
  confirm(request("06130488", "123", "0000", "01", "19530718"));  // 該当なし is audited too
  ASSERT_TRUE(audit_->flush().ok());
  int n = 0;
  std::string subject, detail;
  ASSERT_TRUE(store_
                  ->scan_audit(1,
                               [&](const store::AuditEntry& e) {
                                 ++n;
                                 if (n == 1) {
                                   subject = e.subject;
                                   detail = e.detail;
                                   EXPECT_EQ(e.actor, std::string("institution:") + kInstitution);
                                   EXPECT_EQ(e.action, "confirm");
                                 }
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(n, 6);
  EXPECT_EQ(subject, core::make_card_key("06130488", "123", "4567", "01"));
  EXPECT_NE(detail.find("\"validity\":\"1\""), std::string::npos);
  auto v = security::verify_audit(*store_);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->entries, 6);
}

}  // namespace
}  // namespace onshi::confirm
