// Loading 医療費通知情報 (issue 17 point 2, R-CARD-2), on every backend: the columns of the
// issue in its order (a header in any order works), 医科/歯科/調剤 read as their codes, the row
// filed under the person of its qualification, a re-run that changes nothing, Shift_JIS, each
// bad row with its field, stable code and Japanese message and nothing of it stored, Name and
// Birthdate checked against the qualification, and an insurer limited to its own members.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>
#include <set>
#include <tuple>

#include "clinical/clinical.h"
#include "clinical/clinical_test_util.h"
#include "core/text.h"

namespace onshi::clinical {
namespace {

using store::ClinicalKind;
using testing::ClinicalDatabase;

const std::string kHeader =
    "MedicalTreatmentMonth,InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,"
    "InsuredBranchNumber,Birthdate,Name,MedicalInstitutionCode,MedicalInstitutionName,Category,"
    "Days,TotalCost,PatientShare\n";
const std::string kYamada = "06139992,1234,5678,00,19800515,山田 太郎";

class ExpensesImportTest : public ClinicalDatabase {
 protected:
  Result<Report> import(const std::string& name, const std::string& csv) {
    LoadOptions load;
    load.source = "import:" + name;
    load.today = core::Date::from_ymd(2025, 6, 30);
    return import_csv(*db_, ClinicalKind::kExpense, write(name, csv), load);
  }
};

// R-CARD-2: a good file lands under the person (month → its first day), category names
// become codes, "1,234" yen and a kana name are accepted; running it again changes nothing.
TEST_P(ExpensesImportTest, GoodFileLoadsAndRerunChangesNothing) {
  const std::string csv =
      kHeader + "202501," + kYamada + ",1310112345,さくら内科,医科,2,12340,3700\n" +
      "202501," + kYamada + ",1340140126,さくら薬局,調剤,1,\"4,560\",1370\n" +
      "202503,06139992,1234,5678,00,19800515,ﾔﾏﾀﾞ,1310112345,さくら内科,1,1,2500,750\n";
  auto r = import("expenses.csv", csv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 3) << r->to_json();
  EXPECT_EQ(r->rejected, 0) << r->to_json();
  auto rows = db_->clinical().records_of(link_of("06139992", "1234", "5678", "00"),
                                         ClinicalKind::kExpense, "", "");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].record_date, "20250301");
  auto fields = decode_payload(ClinicalKind::kExpense, (*rows)[1].payload);
  std::map<std::string, std::string> f(fields.begin(), fields.end());
  EXPECT_TRUE(f["Category"] == "1" || f["Category"] == "4");
  auto again = import("expenses.csv", csv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(again->unchanged, 3);
  EXPECT_EQ(*db_->clinical().count_records(ClinicalKind::kExpense), 3);
  // the professional kinds see none of it
  EXPECT_EQ(*db_->clinical().count_records(ClinicalKind::kTreatment), 0);
}

// Issue 17 "Bad input": each bad row with its field, code and a Japanese message; none stored.
TEST_P(ExpensesImportTest, EachBadRowHasItsCode) {
  const std::string ok = ",1310112345,さくら内科,医科,2,12340,3700\n";
  const std::string csv =
      kHeader + "2025-1," + kYamada + ok +                                       // 1
      "202507," + kYamada + ok +                                                 // 2
      "202501," + kYamada + ",1310112345,さくら内科,医科,32,12340,3700\n" +      // 3
      "202501," + kYamada + ",1310112345,さくら内科,医科,2,12.5,3700\n" +        // 4
      "202501," + kYamada + ",1310112345,さくら内科,医科,2,3000,3700\n" +        // 5
      "202501," + kYamada + ",1310112345,さくら内科,眼科,2,12340,3700\n" +       // 6
      "202501," + kYamada + ",1310112345,さくら内科,調剤,2,12340,3700\n" +       // 7
      "202502,06139992,1234,5678,00,19800515,山田 次郎" + ok +                    // 8
      "202502,06139992,1234,5678,00,19800516,山田 太郎" + ok +                    // 9
      "202502,06139992,1234,9999,00,19800515,山田 太郎" + ok +                    // 10
      "202502,06139992,1234,5678,01,19800515,山田 太郎" + ok +                    // 11
      "202504," + kYamada + ok + "202504," + kYamada + ok;                       // 12, 13
  auto r = import("bad.csv", csv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  EXPECT_EQ(r->rejected, 12) << r->to_json();
  std::set<std::tuple<int64_t, std::string, std::string>> got;
  for (const auto& e : r->errors) {
    got.insert({e.row, e.field, e.code});
    EXPECT_FALSE(e.message.empty());
  }
  const std::set<std::tuple<int64_t, std::string, std::string>> want = {
      {1, "MedicalTreatmentMonth", "E_DATE"},
      {2, "MedicalTreatmentMonth", "E_DATE_FUTURE"},
      {3, "Days", "E_CLINICAL_VALUE"},
      {4, "TotalCost", "E_CLINICAL_VALUE"},
      {5, "PatientShare", "E_EXPENSE_SHARE"},
      {6, "Category", "E_CODE"},
      {7, "Category", "E_CLINICAL_INSTITUTION_KIND"},
      {8, "Name", "E_EXPENSE_PERSON"},
      {9, "Birthdate", "E_EXPENSE_PERSON"},
      {10, "InsuredIdentificationNumber", "E_CLINICAL_QUALIFICATION"},
      {11, "InsuredIdentificationNumber", "E_CLINICAL_PERSON"},
      {13, "", "E_CLINICAL_DUPLICATE"}};
  EXPECT_EQ(got, want) << r->to_json();
  EXPECT_EQ(*db_->clinical().count_records(ClinicalKind::kExpense), 1);
}

// R-CARD-2: a Shift_JIS file from an insurer's system loads the same.
TEST_P(ExpensesImportTest, ShiftJisFile) {
  auto sjis = core::utf8_to_shift_jis(kHeader + "202502," + kYamada +
                                      ",1310112345,さくら内科,医科,3,21000,6300\n");
  ASSERT_TRUE(sjis.ok());
  auto r = import("sjis.csv", *sjis);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  auto rows = db_->clinical().records_of(link_of("06139992", "1234", "5678", "00"),
                                         ClinicalKind::kExpense, "", "");
  ASSERT_TRUE(rows.ok() && rows->size() == 1u);
  EXPECT_NE((*rows)[0].payload.find("さくら内科"), std::string::npos);
}

// R-CARD-2: an insurer loads its own members only (the JSON twin of the file).
TEST_P(ExpensesImportTest, InsurerLoadsItsOwnMembersOnly) {
  auto records = boost::json::parse(
      R"([{"medicalTreatmentMonth":"202501","insurerNumber":"06139992","insuredCardSymbol":"1234",
           "insuredIdentificationNumber":"5678","insuredBranchNumber":"00","birthdate":"19800515",
           "name":"山田 太郎","medicalInstitutionCode":"1310112345","medicalInstitutionName":"さくら内科",
           "category":"1","days":2,"totalCost":12340,"patientShare":3700}])");
  LoadOptions load;
  load.source = "insurer:131045";
  load.only_insurer = "131045";
  auto r = load_records(*db_, ClinicalKind::kExpense, records.as_array(), load);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "E_FORBIDDEN_INSURER");
  load.only_insurer = "06139992";
  auto own = load_records(*db_, ClinicalKind::kExpense, records.as_array(), load);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->accepted, 1) << own->to_json();
}

INSTANTIATE_TEST_SUITE_P(Backends, ExpensesImportTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::clinical
