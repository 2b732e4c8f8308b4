// 医療扶助 data quality over a real store (quality/medical_aid.h): the insurer's report lists
// its 国保/後期 members also covered by 医療扶助 (R-AID-1, domain-rules §3); the welfare office's
// report finds recipients without this month's ticket, tickets outside coverage, duplicates,
// recipients also in 国保 and those without My Number; the office's views are audited. Run on
// SQLite and on PostgreSQL (when the test cluster is there).
#include "quality/medical_aid.h"

#include <gtest/gtest.h>

#include "quality/quality.h"
#include "quality_test_util.h"
#include "registry/medical_aid.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::qtest {
namespace {

namespace json = boost::json;

constexpr const char* kOffice = "12131017";

registry::FieldMap with_my_number(registry::FieldMap m, const char* n) {
  m.emplace_back("MyNumber", n);
  return m;
}

registry::FieldMap recipient(const std::string& number, const std::string& my_number,
                             const std::string& start = "20240101", const std::string& end = "") {
  registry::FieldMap m = {{"InsurerNumber", kOffice}, {"InsuredIdentificationNumber", number},
                          {"Name", "扶助　太郎"},     {"Sex1", "1"},
                          {"Birthdate", "19600505"},  {"QualificationDate", start}};
  if (!end.empty()) m.emplace_back("DisqualificationDate", end);
  if (!my_number.empty()) m.emplace_back("MyNumber", my_number);
  return m;
}

registry::FieldMap ticket(const std::string& number, const std::string& issue,
                          const std::string& month = "202504") {
  return {{"InsurerNumber", kOffice},
          {"InsuredIdentificationNumber", number},
          {"TicketType", "01"},
          {"MedicalTicketValidDate", month + "01"},
          {"MedicalTicketExpirationDate", month + "20"},
          {"IssueNumber", issue},
          {"MedicalTreatmentMonth", month},
          {"DesignatedMedicalInstitutionCode", "1310112345"}};
}

class MedicalAidQuality : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<onshi::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (ONSHI_TEST_PG_URL)";
    auto d = store::open_store(db_->url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    database_ = std::move(*d);
    keyring_ = std::make_unique<security::Keyring>(
        security::Keyring::from_master_key(std::string(32, 'q')));
    audit_ = std::make_unique<security::AuditLog>(members());
  }
  store::Store& members() { return database_->members(); }
  void reg(const std::vector<registry::FieldMap>& records, registry::RecordKind kind) {
    registry::Registrar r(members(), *keyring_);
    auto rep = r.register_records(records, "test", std::nullopt, 0, kind);
    ASSERT_TRUE(rep.ok());
    ASSERT_EQ(rep->rejected, 0) << rep->to_json();
  }
  void tickets(const std::vector<registry::FieldMap>& records) {
    auto rep = registry::register_tickets(members(), database_->tickets(), records, "test");
    ASSERT_TRUE(rep.ok());
    ASSERT_EQ(rep->rejected, 0) << rep->to_json();
  }
  quality::AidQuery query() {
    quality::AidQuery q;
    q.actor = security::Actor{core::Role::kWelfareOffice, kOffice};
    q.insurer_number = kOffice;
    q.today = *core::Date::parse("20250415");
    return q;
  }
  std::unique_ptr<onshi::testing::TestDatabase> db_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<security::Keyring> keyring_;
  std::unique_ptr<security::AuditLog> audit_;
};

// R-AID-1 / domain-rules §3: recipients leave 国保 and 後期, so a 国保 member covered by 医療扶助
// over the same days is a finding of the 国保 insurer's report (MEDICAL_AID_OVERLAP); a 健保
// member (被用者保険, 併用) is not.
TEST_P(MedicalAidQuality, InsurerReportListsNationalInsuranceMembersOnMedicalAid) {
  reg({with_my_number(member(kKokuho, "", "100", "", "扶助　太郎", "フジョ　タロウ", "19600505",
                             "1", "20200401"),
                      kMyNumberA),
       with_my_number(member(kKenpo, "1234", "7", "00", "扶助　太郎", "フジョ　タロウ", "19600505",
                             "1", "20200401"),
                      kMyNumberA),
       with_my_number(
           member(kKokuho, "", "101", "", "別人　次郎", "ベツジン　ジロウ", "19700101", "1",
                  "20200401", {{"DisqualificationDate", "20240101"}, {"ReasonOfLoss", "02"}}),
           kMyNumberB)},
      registry::RecordKind::kMember);
  reg({recipient("1234566", kMyNumberA), recipient("0000018", kMyNumberB)},
      registry::RecordKind::kRecipient);

  quality::ReportOptions o;
  o.insurer_number = kKokuho;
  auto kokuho = quality::build_report(members(), o);
  ASSERT_TRUE(kokuho.ok()) << kokuho.error().message;
  auto doc = json::parse(*kokuho).as_object();
  EXPECT_EQ(doc.at("summary").as_object().at("medicalAidOverlap").as_int64(), 1);
  const auto& list = doc.at("medicalAidOverlap").as_array();
  ASSERT_EQ(list.size(), 1u) << *kokuho;  // 101 left 国保 the day 保護 began: no overlap
  const auto& f = list[0].as_object();
  EXPECT_EQ(f.at("code").as_string(), "MEDICAL_AID_OVERLAP");
  EXPECT_EQ(f.at("member").as_object().at("insuredIdentificationNumber").as_string(), "100");
  EXPECT_EQ(f.at("medicalAidInsurerNumber").as_string(), kOffice);
  EXPECT_EQ(f.at("sharedFrom").as_string(), "20240101");
  EXPECT_EQ(kokuho->find(kMyNumberA), std::string::npos);

  o.insurer_number = kKenpo;
  auto kenpo = quality::build_report(members(), o);
  ASSERT_TRUE(kenpo.ok());
  EXPECT_EQ(json::parse(*kenpo).as_object().at("medicalAidOverlap").as_array().size(), 0u);
}

// Issue 15 point 7: the office's report — each finding with its code.
TEST_P(MedicalAidQuality, OfficeReportFindings) {
  reg({with_my_number(member(kKokuho, "", "100", "", "扶助　太郎", "フジョ　タロウ", "19600505",
                             "1", "20200401"),
                      kMyNumberA)},
      registry::RecordKind::kMember);
  reg({recipient("1234566", kMyNumberA), recipient("0000018", ""), recipient("9999996", kMyNumberC),
       recipient("1000009", kMyNumberC)},
      registry::RecordKind::kRecipient);
  tickets({ticket("1234566", "1"), ticket("1234566", "2"), ticket("9999996", "3")});
  // 保護 of 9999996 ends on 2025-04-10, after its April ticket was issued.
  reg({recipient("9999996", kMyNumberC, "20240101", "20250410")}, registry::RecordKind::kRecipient);

  auto r = quality::medical_aid_report(members(), database_->tickets(), *audit_, query());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto doc = json::parse(*r).as_object();
  auto codes = [&](const char* key) {
    std::vector<std::string> out;
    for (const auto& f : doc.at(key).as_array()) {
      const auto& o = f.as_object();
      out.push_back(std::string(o.at("code").as_string()));
    }
    return out;
  };
  // Covered today without an April ticket: 0000018 and 1000009.
  EXPECT_EQ(codes("recipientsWithoutTicket"),
            (std::vector<std::string>{"NO_TICKET_THIS_MONTH", "NO_TICKET_THIS_MONTH"}));
  EXPECT_EQ(codes("ticketsOutsideCoverage"), std::vector<std::string>{"TICKET_OUTSIDE_COVERAGE"});
  EXPECT_EQ(codes("duplicateTickets"), std::vector<std::string>{"DUPLICATE_TICKET"});
  EXPECT_EQ(codes("duplicateRecipients"), std::vector<std::string>{"DUPLICATE_RECIPIENT"});
  EXPECT_EQ(codes("alsoInNationalInsurance"), std::vector<std::string>{"MEDICAL_AID_OVERLAP"});
  EXPECT_EQ(codes("withoutMyNumber"), std::vector<std::string>{"NO_MY_NUMBER"});
  EXPECT_EQ(doc.at("summary").as_object().at("recipients").as_int64(), 4);
  EXPECT_EQ(r->find(kMyNumberA), std::string::npos);
}

// Issue 15 point 7: the views; each read is one durable medicalAid.view entry.
TEST_P(MedicalAidQuality, ViewsAreAudited) {
  reg({recipient("1234566", kMyNumberA)}, registry::RecordKind::kRecipient);
  tickets({ticket("1234566", "1")});
  auto q = query();
  auto list = quality::recipients_view(members(), database_->tickets(), *audit_, q);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(json::parse(*list).as_object().at("recipients").as_array().size(), 1u);
  q.recipient_number = "1234566";
  auto one = quality::recipients_view(members(), database_->tickets(), *audit_, q);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(json::parse(*one).at("recipient").at("tickets").as_array().size(), 1u);
  q.month = "202505";
  auto none = quality::tickets_view(members(), database_->tickets(), *audit_, q);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(json::parse(*none).at("tickets").as_array().size(), 0u);
  q.recipient_number = "1234567";
  auto bad = quality::recipients_view(members(), database_->tickets(), *audit_, q);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_BENEFICIARY_NUMBER");
  q.insurer_number = "06139992";
  auto insurer = quality::recipients_view(members(), database_->tickets(), *audit_, q);
  ASSERT_FALSE(insurer.ok());
  EXPECT_EQ(insurer.error().code, "E_INSURER_NUMBER");
  ASSERT_TRUE(audit_->flush().ok());
  int views = 0;
  ASSERT_TRUE(members().scan_audit(1, [&](const store::AuditEntry& e) {
    if (e.action == "medicalAid.view") ++views;
    return true;
  }));
  EXPECT_EQ(views, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, MedicalAidQuality,
                         ::testing::ValuesIn(onshi::testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace onshi::qtest
