// Loading clinical information (R-CONF-5; issue 16 point 1), on every backend: each kind
// filed under the person of the qualification it names and read back newest first, a re-run
// that changes nothing, bad rows reported with row, field, code and a Japanese message while
// nothing of them is stored, a file of another kind refused whole, Shift_JIS files, an insurer
// limited to its own members, and a prescription's dispensing replacing the earlier row.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

#include "clinical/clinical.h"
#include "clinical/clinical_test_util.h"
#include "core/text.h"

namespace onshi::clinical {
namespace {

using testing::ClinicalDatabase;

const std::string kMedicationHeader =
    "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
    "DispensingDate,MedicalInstitutionCode,MedicalInstitutionName,InstitutionClassification,"
    "DrugC,DrugN,Qua1,Unit,UsageN,Times\n";
// A pharmacy (点数表 4) and a clinic (1) with valid check digits.
const std::string kPharmacy = "1340140126";
const std::string kClinic = "1310112345";

std::string medication_row(const std::string& qual, const std::string& date,
                           const std::string& drug = "622083601",
                           const std::string& place = kPharmacy, const std::string& cls = "4") {
  return qual + "," + date + "," + place + ",さくら薬局," + cls + "," + drug +
         ",アムロジピン錠5mg,1,錠,1日1回朝食後,28\n";
}

class ImportTest : public ClinicalDatabase {
 protected:
  Result<Report> import(store::ClinicalKind kind, const std::string& name, const std::string& csv,
                        batch::Options opt = {}) {
    LoadOptions load;
    load.source = "import:" + name;
    return import_csv(*db_, kind, write(name, csv), load, opt);
  }
};

// R-CONF-5: a medication file lands under the person; full-width digits and an omitted 枝番
// find the qualification; the rows read back newest first; running the file again changes
// nothing.
TEST_P(ImportTest, MedicationLoadsAndRerunChangesNothing) {
  const std::string csv = kMedicationHeader + medication_row("06139992,1234,5678,00", "20250301") +
                          medication_row("０６１３９９９２,１２３４,５６７８,００", "20250329") +
                          medication_row("131045,01,234567,", "20250310", "2171022F1020") +
                          medication_row("06139992,1234,5678,00", "20240105", "622243201",
                                         kClinic, "1");
  auto r = import(store::ClinicalKind::kMedication, "medication.csv", csv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 4) << r->to_json();
  EXPECT_EQ(r->rejected, 0) << r->to_json();

  const std::string yamada = link_of("06139992", "1234", "5678", "00");
  auto rows = db_->clinical().records_of(yamada, store::ClinicalKind::kMedication, "20240601", "");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].record_date, "20250329");
  EXPECT_EQ((*rows)[0].card_key, core::make_card_key("06139992", "1234", "5678", "00"));
  EXPECT_EQ((*rows)[0].source, "import:medication.csv");
  auto fields = decode_payload(store::ClinicalKind::kMedication, (*rows)[0].payload);
  ASSERT_EQ(fields.size(), payload_columns(store::ClinicalKind::kMedication).size());
  EXPECT_EQ(fields[4], (std::pair<std::string, std::string>{"DrugC", "622083601"}));
  EXPECT_EQ(fields[5].second, "アムロジピン錠5mg");
  EXPECT_EQ(fields[9], (std::pair<std::string, std::string>{"Times", "28"}));

  auto again = import(store::ClinicalKind::kMedication, "medication.csv", csv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(again->unchanged, 4);
  EXPECT_EQ(*db_->clinical().count_records(store::ClinicalKind::kMedication), 4);
}

// R-CONF-5 (issue 16, import of 10 M rows): the person cache keys a qualification by a hash of
// its four card columns, never by their concatenation — 1234/5678 and 12345/678 are two
// people —, and codes are trimmed and upper-cased in place (a lower-case YJ code with blanks
// around it is the upper-case one).
TEST_P(ImportTest, CardColumnsKeepTheirBoundariesInTheBulkLoad) {
  registry::Registrar reg(db_->members(), *keys_);
  auto added = reg.register_records({testing::member("06139992", "12345", "678", "00", "555666777885")},
                                    "test");
  ASSERT_TRUE(added.ok());
  ASSERT_EQ(added->accepted, 1) << added->to_json();
  std::string csv = kMedicationHeader;
  for (const char* day : {"20250301", "20250302", "20250303"}) {
    csv += medication_row("06139992,1234,5678,00", day);
    csv += medication_row("06139992,12345,678,00", day, " 2171022f1020\t");
  }
  auto r = import(store::ClinicalKind::kMedication, "boundaries.csv", csv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 6) << r->to_json();
  auto first = db_->clinical().records_of(link_of("06139992", "1234", "5678", "00"),
                                          store::ClinicalKind::kMedication, "", "");
  auto second = db_->clinical().records_of(link_of("06139992", "12345", "678", "00"),
                                           store::ClinicalKind::kMedication, "", "");
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(first->size(), 3u);
  ASSERT_EQ(second->size(), 3u);
  for (const auto& row : *second) {
    EXPECT_EQ(row.card_key, core::make_card_key("06139992", "12345", "678", "00"));
    EXPECT_EQ(decode_payload(store::ClinicalKind::kMedication, row.payload)[4].second,
              "2171022F1020");
  }
  EXPECT_EQ((*first)[0].card_key, core::make_card_key("06139992", "1234", "5678", "00"));
  auto again = import(store::ClinicalKind::kMedication, "boundaries.csv", csv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 6) << again->to_json();
}

// Issue 16 "Bad input": each bad row gets its row, field, stable code and a Japanese message,
// and nothing of it is stored.
TEST_P(ImportTest, BadRowsAreReportedAndStoreNothing) {
  const std::string q = "06139992,1234,5678,00";
  const std::string csv =
      kMedicationHeader + medication_row("06139992,1234,9999,00", "20250301") +  // 1 unknown
      medication_row("06139992,1234,5678,01", "20250301") +                     // 2 no person
      medication_row(q, "20251340") +                                           // 3 bad date
      medication_row(q, "29990101") +                                           // 4 future
      medication_row(q, "20250301", "12345") +                                  // 5 drug code
      medication_row(q, "20250301", "622083601", kPharmacy, "1") +              // 6 kind
      medication_row(q, "20250301", "622083601", "1340140127") +                // 7 check digit
      medication_row("06139993,1234,5678,00", "20250301") +                     // 8 insurer
      q + ",20250301," + kPharmacy + ",さくら薬局,4,622083601,,abc,錠,,28\n" +   // 9 name, qty
      medication_row(q, "20250302") + medication_row(q, "20250302");            // 10 ok, 11 dup
  auto r = import(store::ClinicalKind::kMedication, "bad.csv", csv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  EXPECT_EQ(r->rejected, 10) << r->to_json();
  const std::set<std::tuple<int64_t, std::string, std::string>> expected = {
      {1, "InsuredIdentificationNumber", "E_CLINICAL_QUALIFICATION"},
      {2, "InsuredIdentificationNumber", "E_CLINICAL_PERSON"},
      {3, "DispensingDate", "E_DATE_INVALID"},
      {4, "DispensingDate", "E_DATE_FUTURE"},
      {5, "DrugC", "E_CLINICAL_DRUG_CODE"},
      {6, "InstitutionClassification", "E_CLINICAL_INSTITUTION_KIND"},
      {7, "MedicalInstitutionCode", "E_CHECK_DIGIT"},
      {8, "InsurerNumber", "E_CHECK_DIGIT"},
      {9, "DrugN", "E_MISSING"},
      {9, "Qua1", "E_CLINICAL_VALUE"},
      {11, "", "E_CLINICAL_DUPLICATE"}};
  std::set<std::tuple<int64_t, std::string, std::string>> got;
  for (const auto& e : r->errors) {
    got.insert({e.row, e.field, e.code});
    EXPECT_FALSE(e.message.empty());
    EXPECT_GE(static_cast<unsigned char>(e.message[0]), 0x80) << e.code << ": " << e.message;
  }
  EXPECT_EQ(got, expected) << r->to_json();
  EXPECT_EQ(*db_->clinical().count_records(store::ClinicalKind::kMedication), 1);
}

// Issue 16 point 1: a file of another kind is refused whole by its header (E_CSV_HEADER), and
// nothing is stored.
TEST_P(ImportTest, FileOfAnotherKindIsRefused) {
  const std::string csv = kMedicationHeader + medication_row("06139992,1234,5678,00", "20250301");
  auto r = import(store::ClinicalKind::kCheckup, "medication.csv", csv);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CSV_HEADER");
  EXPECT_EQ(*db_->clinical().count_records(store::ClinicalKind::kCheckup), 0);
  EXPECT_EQ(*db_->clinical().count_records(store::ClinicalKind::kMedication), 0);
}

// Issue 16 point 1: Shift_JIS files load like UTF-8 ones (detected).
TEST_P(ImportTest, ShiftJisFile) {
  auto sjis = core::utf8_to_shift_jis(kMedicationHeader +
                                      medication_row("06139992,1234,5678,00", "20250301"));
  ASSERT_TRUE(sjis.ok());
  auto r = import(store::ClinicalKind::kMedication, "sjis.csv", *sjis);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  auto rows = db_->clinical().records_of(link_of("06139992", "1234", "5678", "00"),
                                         store::ClinicalKind::kMedication, "", "");
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(decode_payload(store::ClinicalKind::kMedication, (*rows)[0].payload)[5].second,
            "アムロジピン錠5mg");
}

// Issue 16 point 1: an insurer loads checkups of its own members only; a record of another
// insurer's member is refused and nothing of it stored; JSON records of the wrong shape are
// rejected with their index.
TEST_P(ImportTest, InsurerLoadsOnlyItsOwnMembersCheckups) {
  auto records = boost::json::parse(R"([
    {"insurerNumber":"06139992","insuredCardSymbol":"1234","insuredIdentificationNumber":"5678",
     "insuredBranchNumber":"00","effectiveTime":"20240610","itemCode":"3D046000001906202",
     "itemName":"HbA1c（NGSP）","dataType":"PQ","dataValue":5.6,"unit":"%",
     "referenceRangeHigh":"5.5","judgement":"H"},
    {"insurerNumber":"131045","insuredCardSymbol":"01","insuredIdentificationNumber":"234567",
     "insuredBranchNumber":"00","effectiveTime":"20240610","itemCode":"3D046000001906202",
     "itemName":"HbA1c（NGSP）","dataType":"PQ","dataValue":"6.1","unit":"%"},
    "not an object",
    {"insurerNumber":"06139992","drugC":"622083601"},
    {"insurerNumber":"06139992","insuredCardSymbol":"1234","insuredIdentificationNumber":"5678",
     "insuredBranchNumber":"00","effectiveTime":"20240610","itemCode":"9A751000000000001",
     "itemName":"収縮期血圧","dataType":"PQ","dataValue":"高い","unit":"mmHg"}
  ])").as_array();
  LoadOptions load;
  load.source = "insurer:06139992";
  load.only_insurer = "06139992";
  auto r = load_records(*db_, store::ClinicalKind::kCheckup, records, load);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  EXPECT_EQ(r->rejected, 4) << r->to_json();
  ASSERT_EQ(r->errors.size(), 4u) << r->to_json();
  EXPECT_EQ(r->errors[0].row, 1);
  EXPECT_EQ(r->errors[0].code, "E_FORBIDDEN_INSURER");
  EXPECT_EQ(r->errors[0].field, "InsurerNumber");
  EXPECT_EQ(r->errors[1].code, "E_JSON_TYPE");
  EXPECT_EQ(r->errors[2].code, "E_JSON_UNKNOWN_FIELD");
  EXPECT_EQ(r->errors[2].field, "drugC");
  EXPECT_EQ(r->errors[3].field, "DataValue");
  EXPECT_EQ(r->errors[3].code, "E_CLINICAL_VALUE");
  EXPECT_TRUE(db_->clinical()
                  .records_of(link_of("131045", "01", "234567", "00"),
                              store::ClinicalKind::kCheckup, "", "")
                  ->empty());
  auto mine = db_->clinical().records_of(link_of("06139992", "1234", "5678", "00"),
                                         store::ClinicalKind::kCheckup, "", "");
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(decode_payload(store::ClinicalKind::kCheckup, (*mine)[0].payload)[6].second, "5.6");
}

// Issue 16 point 1: a prescription sent again once dispensed replaces the earlier row (its
// key is the prescription, RP and drug) and counts from the dispensing day; dispensing before
// prescribing is refused.
TEST_P(ImportTest, PrescriptionDispensedLaterReplacesTheRow) {
  const std::string head =
      "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
      "PrescriptionId,PrescriptionDate,PrescribingInstitutionCode,PrescribingInstitutionName,"
      "DispensingDate,DispensingInstitutionCode,DispensingInstitutionName,RpNumber,DrugC,DrugN,"
      "Qua1,Unit,UsageN,Times\n";
  const std::string q = "06139992,1234,5678,00,5e1f0c2a-0001-4d3b-9a6e-000000020001,20250401," +
                        kClinic + ",オンシ内科クリニック,";
  const std::string drug = ",1,622083601,アムロジピン錠5mg,1,錠,1日1回朝食後,28\n";
  auto first = import(store::ClinicalKind::kPrescription, "rx.csv", head + q + ",," + drug);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->accepted, 1) << first->to_json();
  auto later = import(store::ClinicalKind::kPrescription, "rx2.csv",
                      head + q + "20250402," + kPharmacy + ",さくら薬局" + drug);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->accepted, 1) << later->to_json();
  EXPECT_EQ(later->unchanged, 0);
  auto rows = db_->clinical().records_of(link_of("06139992", "1234", "5678", "00"),
                                         store::ClinicalKind::kPrescription, "", "");
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].record_date, "20250402");
  auto early = import(store::ClinicalKind::kPrescription, "rx3.csv",
                      head + q + "20250331," + kPharmacy + ",さくら薬局" + drug);
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->errors.size(), 1u);
  EXPECT_EQ(early->errors[0].code, "E_DATE_ORDER");
  EXPECT_EQ(early->errors[0].field, "DispensingDate");
}

// Issue 16 point 1: treatments — a pharmacy has none, and a procedure code has its shape.
TEST_P(ImportTest, TreatmentRules) {
  const std::string head =
      "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
      "TreatmentDate,MedicalInstitutionCode,MedicalInstitutionName,InstitutionClassification,"
      "ProcedureC,ProcedureN,OperationFlg,Times,DiagnosisNames\n";
  const std::string q = "06139992,1234,5678,00,20250110,";
  auto r = import(store::ClinicalKind::kTreatment, "t.csv",
                  head + q + kClinic + ",内科,1,150263310,水晶体再建術,1,1,白内障\n" + q +
                      kPharmacy + ",薬局,4,160068410,心電図,0,1,\n" + q + kClinic +
                      ",内科,1,260068410,心電図,0,1,\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  ASSERT_EQ(r->errors.size(), 2u) << r->to_json();
  EXPECT_EQ(r->errors[0].code, "E_CLINICAL_INSTITUTION_KIND");
  EXPECT_EQ(r->errors[1].code, "E_CLINICAL_PROCEDURE_CODE");
}

INSTANTIATE_TEST_SUITE_P(Backends, ImportTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

// Issue 16 point 1: windows step back on the calendar; the store's window is what counts.
TEST(Windows, StartOfAView) {
  const core::Date today = *core::Date::parse("20250601");
  EXPECT_EQ(window_start({store::ClinicalKind::kMedication, 3, 'Y', ""}, today).yyyymmdd(),
            "20220601");
  EXPECT_EQ(window_start({store::ClinicalKind::kPrescription, 100, 'D', ""}, today).yyyymmdd(),
            "20250221");
  EXPECT_EQ(window_start({store::ClinicalKind::kCheckup, 1, 'M', ""}, *core::Date::parse("20250331"))
                .yyyymmdd(),
            "20250228");
  auto w = parse_window(store::ClinicalKind::kCheckup, "5Y");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->amount, 5);
  EXPECT_EQ(w->unit, 'Y');
  for (const char* bad : {"", "y", "0d", "3w", "-3y", "12345678d"}) {
    auto b = parse_window(store::ClinicalKind::kCheckup, bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().code, "E_CLINICAL_WINDOW");
  }
}

}  // namespace
}  // namespace onshi::clinical
