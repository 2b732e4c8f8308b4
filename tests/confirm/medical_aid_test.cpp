// Confirmation of 医療扶助 recipients (confirm/medical_aid.h, issue 15 points 4 and 5) on a
// real database of every backend: the setting on the date asked (R-AID-3), the four
// branches by numbers and by card (R-AID-1, R-AID-2), the person with insurance and medical
// aid, the 受給者番号 never in an answer to a non-contracted institution (the result, its
// XML in both encodings and its JSON), the audit entries with their branch, bad numbers
// refused, and the month's bulk inquiry.
#include "confirm/medical_aid.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "confirm/confirm.h"
#include "core/date.h"
#include "oqs/messages.h"
#include "security/audit.h"
#include "security/audit_events.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::confirm {
namespace {

using onshi::testing::TestDatabase;

constexpr const char* kOffice = "12131017";         // 公費負担者番号, 法別 12
constexpr const char* kRecipient = "1234566";       // 受給者番号 with its check digit
constexpr const char* kClinic = "1310112345";       // setting on from 2025-04-01
constexpr const char* kOtherClinic = "1310112352";  // setting on, no tickets of its own
constexpr const char* kPharmacy = "1340141231";     // setting on; 調剤券
constexpr const char* kOffClinic = "1310120017";    // setting never on
constexpr const char* kEarlyClinic = "1310112360";  // setting on from 2024-01-01
const std::string kLink(32, '\x61');

core::Qualification recipient(std::string from = "20240101", std::string until = "") {
  core::Qualification q;
  q.insurer_number = kOffice;
  q.insured_identification_number = kRecipient;
  q.insurer_name = "千代田区福祉事務所";
  q.insured_card_classification = "A1";
  q.name = "扶助　太郎";
  q.name_kana = "フジョ　タロウ";
  q.sex1 = "1";
  q.birthdate = "19600505";
  q.address = "東京都千代田区九段南1-2-1";
  q.post_number = "102-0074";
  q.qualification_date = std::move(from);
  q.disqualification_date = std::move(until);
  return q;
}

core::Qualification insured() {
  core::Qualification q;
  q.insurer_number = "06130488";
  q.insured_card_symbol = "7";
  q.insured_identification_number = "88";
  q.insured_branch_number = "00";
  q.insurer_name = "試験健康保険組合";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.name = "扶助　太郎";
  q.name_kana = "フジョ　タロウ";
  q.sex1 = "1";
  q.birthdate = "19600505";
  q.qualification_date = "20200401";
  return q;
}

core::MedicalTicket ticket(std::string issue, std::string month, std::string designated,
                           std::string type = "01") {
  core::MedicalTicket t;
  t.insurer_number = kOffice;
  t.insured_identification_number = kRecipient;
  t.ticket_type = std::move(type);
  t.valid_date = month + "01";
  t.expiration_date = month + "28";
  t.issue_number = std::move(issue);
  t.medical_treatment_month = month;
  t.designated_code = std::move(designated);
  t.designated_name = "試験クリニック";
  t.injury_name1 = "高血圧症";
  t.medical_treatment_type = "02";
  t.self_pay_amount = "0";
  t.district_contact_name = "地区　担当";
  t.single_or_combined_use = "01";
  t.status_of_social_insurance = "02";
  return t;
}

class MedicalAidConfirmTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ONSHI_REQUIRE_DATABASE(*db_);
    auto opened = store::open_store(db_->url());
    ASSERT_TRUE(opened) << opened.error().message;
    database_ = std::move(*opened);
    audit_ = std::make_unique<security::AuditLog>(database_->members());
    confirmer_ = std::make_unique<Confirmer>(
        database_->members(), *audit_,
        MedicalAidSources{&database_->institutions(), &database_->tickets()});
    setting(kClinic, "0000001", "20250401", true);
    setting(kOtherClinic, "0000002", "20250401", true);
    setting(kPharmacy, "0000003", "20250401", true);
    setting(kOffClinic, "0000004", "20250401", false);
    setting(kEarlyClinic, "0000005", "20240101", true);
  }
  void TearDown() override {
    confirmer_.reset();
    audit_.reset();
    database_.reset();
    db_.reset();
  }
  // An institution in use with one 医療扶助情報 setting effective from `on`.
  void setting(const std::string& code, const std::string& provisional, const std::string& on,
               bool use) {
    ASSERT_TRUE(database_->institutions()
                    .transact([&](store::InstitutionTx& tx) -> Status {
                      store::InstitutionRow row;
                      row.provisional_code = provisional;
                      row.kind = "clinic";
                      row.prefecture = "13";
                      row.name = "試験医療機関" + provisional;
                      row.stage = "inUse";
                      row.medical_institution_code = code;
                      row.usage_start = "20250101";
                      auto r = tx.insert(row);
                      if (!r) return r.error();
                      return tx.add_medical_aid_setting(r->id, on, use);
                    })
                    .ok());
  }
  void put(const core::Qualification& q, const std::string& link = kLink) {
    std::vector<store::PutItem> items{{q, link, "", "test", ""}};
    ASSERT_TRUE(database_->members().put_qualifications(items).ok());
  }
  void put(const std::vector<core::MedicalTicket>& tickets) {
    std::vector<store::TicketPut> items;
    for (const auto& t : tickets) items.push_back({t, "test"});
    ASSERT_TRUE(database_->tickets().put_tickets(items).ok());
  }
  oqs::ConfirmResult by_numbers(const std::string& code, const std::string& date,
                                std::string number = kRecipient) {
    oqs::ConfirmRequest req;
    req.header.qualification_confirmation_date = date;
    req.header.medical_institution_code = code;
    req.search.insurer_number = kOffice;
    req.search.insured_identification_number = std::move(number);
    req.search.birthdate = "19600505";
    req.search.limit_application_certificate_related_cons_flg = "0";
    return confirmer_->confirm(req, Caller{code});
  }
  oqs::ConfirmResult by_card(const std::string& code, const std::string& date) {
    CardOptions o;
    o.method = "pin";
    o.card_serial = "5A5A5A5A";
    return confirmer_->confirm_person(kLink, date, Caller{code}, o);
  }
  // The 受給者番号 appears nowhere in the answer: the result, its XML (UTF-8 and Shift_JIS)
  // and its JSON.
  void expect_withheld(const oqs::ConfirmResult& r) {
    if (r.search_echo) {
      EXPECT_TRUE(r.search_echo->insured_identification_number.empty());
    }
    for (const auto& item : r.results)
      EXPECT_NE(item.qualification.insured_identification_number, kRecipient);
    auto utf8 = oqs::write_confirm_result_xml(r, core::Encoding::kUtf8);
    ASSERT_TRUE(utf8);
    EXPECT_EQ(utf8->find(kRecipient), std::string::npos) << *utf8;
    auto sjis = oqs::write_confirm_result_xml(r, core::Encoding::kShiftJis);
    ASSERT_TRUE(sjis);
    EXPECT_EQ(sjis->find(kRecipient), std::string::npos);
    EXPECT_EQ(oqs::write_confirm_result_json(r).find(kRecipient), std::string::npos);
  }
  std::vector<security::Confirmation> confirmations() {
    EXPECT_TRUE(audit_->flush().ok());
    std::vector<security::Confirmation> out;
    EXPECT_TRUE(database_->members()
                    .scan_audit(1,
                                [&](const store::AuditEntry& e) {
                                  if (auto c = security::decode_confirmation(e)) out.push_back(*c);
                                  return true;
                                })
                    .ok());
    return out;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<security::AuditLog> audit_;
  std::unique_ptr<Confirmer> confirmer_;
};

// R-AID-1: contracted — the ticket of the month designates this institution.
TEST_P(MedicalAidConfirmTest, ContractedInstitutionGetsTheNumberAndItsTickets) {
  put(recipient());
  put({ticket("0000123", "202504", kClinic), ticket("0000124", "202504", kOtherClinic),
       ticket("0000100", "202503", kClinic)});
  auto r = by_numbers(kClinic, "20250415");
  ASSERT_EQ(r.header.segment_of_result, "1") << r.header.error_message;
  EXPECT_EQ(r.qualification_validity, "1");
  ASSERT_EQ(r.results.size(), 1u);
  const auto& item = r.results[0];
  EXPECT_EQ(item.qualification.insured_card_classification, "A1");
  EXPECT_EQ(item.qualification.insured_identification_number, kRecipient);
  EXPECT_EQ(r.search_echo->insured_identification_number, kRecipient);
  ASSERT_EQ(item.medical_tickets.size(), 1u);  // that month's, for this institution only
  EXPECT_EQ(item.medical_tickets[0].ticket.issue_number, "0000123");
  EXPECT_EQ(item.medical_tickets[0].designated_medical_institution_flag, "0");
  auto xml = oqs::write_confirm_result_xml(r, core::Encoding::kShiftJis);
  ASSERT_TRUE(xml);
  auto back = oqs::parse_confirm_result_xml(*xml);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->results.at(0).medical_tickets.size(), 1u);
  EXPECT_EQ(back->results[0].medical_tickets[0].ticket.injury_name1, "高血圧症");
}

// R-AID-2: tickets of the month exist, none for this institution — flag 1, number withheld.
TEST_P(MedicalAidConfirmTest, NotContractedInstitutionIsToldSoWithoutTheNumber) {
  put(recipient());
  put({ticket("0000123", "202504", kClinic)});
  auto r = by_numbers(kOtherClinic, "20250415");
  EXPECT_EQ(r.qualification_validity, "1");
  ASSERT_EQ(r.results.size(), 1u);
  const auto& q = r.results[0].qualification;
  EXPECT_EQ(q.insured_card_classification, "A1");
  EXPECT_EQ(q.insurer_number, kOffice);  // the office, so reception can call it
  EXPECT_EQ(q.insurer_name, "千代田区福祉事務所");
  EXPECT_TRUE(q.address.empty());
  ASSERT_EQ(r.results[0].medical_tickets.size(), 1u);
  const auto& t = r.results[0].medical_tickets[0];
  EXPECT_EQ(t.designated_medical_institution_flag, "1");
  EXPECT_EQ(t.ticket.medical_treatment_month, "202504");
  EXPECT_TRUE(t.ticket.designated_code.empty());
  EXPECT_TRUE(t.ticket.injury_name1.empty());
  EXPECT_TRUE(t.ticket.issue_number.empty());
  expect_withheld(r);
}

// A pharmacy is contracted by its 調剤券 (TicketType 02), not by a 医療券 naming it.
TEST_P(MedicalAidConfirmTest, PharmacyIsContractedByItsDispensingTicket) {
  put(recipient());
  put({ticket("0000200", "202504", kPharmacy, "01")});
  EXPECT_EQ(by_numbers(kPharmacy, "20250415")
                .results.at(0)
                .medical_tickets.at(0)
                .designated_medical_institution_flag,
            "1");
  put({ticket("0000201", "202504", kPharmacy, "02")});
  auto r = by_numbers(kPharmacy, "20250415");
  ASSERT_EQ(r.results.at(0).medical_tickets.size(), 1u);
  EXPECT_EQ(r.results[0].medical_tickets[0].ticket.ticket_type, "02");
  EXPECT_EQ(r.results[0].qualification.insured_identification_number, kRecipient);
}

// No ticket registered for the month: 有効（未登録）, number withheld.
TEST_P(MedicalAidConfirmTest, NoTicketOfTheMonthIsValidUnregistered) {
  put(recipient());
  put({ticket("0000100", "202503", kClinic)});
  auto r = by_numbers(kClinic, "20250415");
  EXPECT_EQ(r.qualification_validity, "6");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_TRUE(r.results[0].medical_tickets.empty());
  expect_withheld(r);
}

// R-AID-2: not registered, or not covered on the date — 該当資格なし.
TEST_P(MedicalAidConfirmTest, NotCoveredOrNotRegisteredIsNotFound) {
  put(recipient("20240101", "20250420"));  // 廃止 from 2025-04-20
  put({ticket("0000123", "202504", kClinic)});
  auto ended = by_numbers(kClinic, "20250420");
  EXPECT_EQ(ended.qualification_validity, "4");
  EXPECT_TRUE(ended.results.empty());
  expect_withheld(ended);
  EXPECT_EQ(by_numbers(kClinic, "20250419").qualification_validity, "1");
  auto unknown = by_numbers(kClinic, "20250415", "7654320");
  EXPECT_EQ(unknown.qualification_validity, "4");
  EXPECT_TRUE(unknown.results.empty());
}

// R-AID-3: an institution whose setting is off on the date does not see recipients at all.
TEST_P(MedicalAidConfirmTest, SettingOffOnTheDateHidesRecipients) {
  put(recipient());
  put({ticket("0000123", "202503", kClinic), ticket("0000124", "202504", kOffClinic)});
  auto before = by_numbers(kClinic, "20250331");  // its setting starts 2025-04-01
  EXPECT_EQ(before.qualification_validity, "4");
  EXPECT_TRUE(before.results.empty());
  expect_withheld(before);
  auto off = by_numbers(kOffClinic, "20250415");
  EXPECT_EQ(off.qualification_validity, "4");
  EXPECT_TRUE(off.results.empty());
  expect_withheld(off);
  // R-AID-1: online confirmation of 医療扶助 begins 2024-03-01 (seed 004), whatever the setting.
  put({ticket("0000125", "202402", kEarlyClinic), ticket("0000126", "202403", kEarlyClinic)});
  EXPECT_EQ(by_numbers(kEarlyClinic, "20240229").qualification_validity, "4");
  EXPECT_EQ(by_numbers(kEarlyClinic, "20240301").qualification_validity, "1");
  auto card = by_card(kOffClinic, "20250415");  // a person with only medical aid
  EXPECT_EQ(card.qualification_validity, "4");
  EXPECT_TRUE(card.results.empty());
}

// R-AID-1: by card the person link finds the recipient; with 被用者保険 too, both results,
// insurance first.
TEST_P(MedicalAidConfirmTest, CardFindsRecipientAfterInsurance) {
  put(recipient());
  put({ticket("0000123", "202504", kClinic)});
  auto only_aid = by_card(kClinic, "20250415");
  EXPECT_EQ(only_aid.qualification_validity, "1");
  ASSERT_EQ(only_aid.results.size(), 1u);
  EXPECT_EQ(only_aid.results[0].qualification.insured_identification_number, kRecipient);
  EXPECT_EQ(only_aid.results[0].consents.pharmacists_flg, "0");
  put(insured());
  auto both = by_card(kClinic, "20250415");
  EXPECT_EQ(both.qualification_validity, "1");
  ASSERT_EQ(both.results.size(), 2u);
  EXPECT_EQ(both.results[0].qualification.insured_card_classification, "01");
  EXPECT_EQ(both.results[1].qualification.insured_card_classification, "A1");
  ASSERT_EQ(both.results[1].medical_tickets.size(), 1u);
  auto elsewhere = by_card(kOtherClinic, "20250415");
  ASSERT_EQ(elsewhere.results.size(), 2u);
  expect_withheld(elsewhere);
  auto off = by_card(kOffClinic, "20250415");
  ASSERT_EQ(off.results.size(), 1u);  // insurance alone
  EXPECT_EQ(off.results[0].qualification.insured_card_classification, "01");
}

// Every confirmation is audited with the branch taken, never a My Number.
TEST_P(MedicalAidConfirmTest, AuditNamesTheBranch) {
  put(recipient());
  put({ticket("0000123", "202504", kClinic)});
  put(insured());
  by_numbers(kClinic, "20250415");
  by_numbers(kOtherClinic, "20250415");
  by_numbers(kClinic, "20250515");
  by_numbers(kOffClinic, "20250415");
  by_card(kClinic, "20250415");
  auto c = confirmations();
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0].medical_aid, "contracted");
  EXPECT_EQ(c[1].medical_aid, "not-contracted");
  EXPECT_EQ(c[2].medical_aid, "unregistered");
  EXPECT_EQ(c[2].validity, core::QualificationValidity::kValidUnregistered);
  EXPECT_EQ(c[3].medical_aid, "not-enabled");
  EXPECT_TRUE(c[3].card_key.empty());
  EXPECT_EQ(c[4].medical_aid, "");  // the card's insurance part
  EXPECT_EQ(c[5].medical_aid, "contracted");
  EXPECT_EQ(c[5].method, security::IdentityCheck::kPin);
  EXPECT_EQ(c[5].card_key, recipient().card_key());
}

// Bad input: the numbers of medical aid are checked, and nothing is read or audited.
TEST_P(MedicalAidConfirmTest, MalformedNumbersAreRefused) {
  auto bad_digit = by_numbers(kClinic, "20250415", "1234567");
  EXPECT_EQ(bad_digit.header.segment_of_result, "9");
  EXPECT_EQ(bad_digit.header.error_code, "E_CHECK_DIGIT");
  oqs::ConfirmRequest req;
  req.header.qualification_confirmation_date = "20250415";
  req.header.medical_institution_code = kClinic;
  req.search.insurer_number = kOffice;
  req.search.insured_card_symbol = "1";
  req.search.insured_identification_number = kRecipient;
  req.search.birthdate = "19600505";
  req.search.limit_application_certificate_related_cons_flg = "0";
  auto with_symbol = confirmer_->confirm(req, Caller{kClinic});
  EXPECT_EQ(with_symbol.header.error_code, "E_STRUCTURE");
  req.search.insured_card_symbol.clear();
  req.search.insurer_number = "12131018";  // wrong check digit
  EXPECT_EQ(confirmer_->confirm(req, Caller{kClinic}).header.error_code, "E_CHECK_DIGIT");
  EXPECT_TRUE(confirmations().empty());
}

// Point 5: the month's bulk inquiry lists the recipients whose ticket designates the caller.
TEST_P(MedicalAidConfirmTest, MonthlyRecipientsOfAnInstitution) {
  put(recipient());
  put({ticket("0000123", "202504", kClinic)});
  auto today = *core::Date::parse("20250510");
  auto month = confirmer_->recipients_of_month(Caller{kClinic}, "202504", today);
  ASSERT_TRUE(month) << month.error().message;
  EXPECT_EQ(month->date.yyyymmdd(), "20250430");
  ASSERT_EQ(month->units.size(), 1u);
  EXPECT_EQ(month->units[0].search.insured_identification_number, kRecipient);
  EXPECT_EQ(month->units[0].qualification_validity, "1");
  EXPECT_TRUE(
      confirmer_->recipients_of_month(Caller{kOtherClinic}, "202504", today)->units.empty());
  auto off = confirmer_->recipients_of_month(Caller{kOffClinic}, "202504", today);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, "E_MEDICAL_AID_NOT_ENABLED");
  auto bad = confirmer_->recipients_of_month(Caller{kClinic}, "2025-4", today);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "MedicalTreatmentMonth");
}

INSTANTIATE_TEST_SUITE_P(Backends, MedicalAidConfirmTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::confirm
