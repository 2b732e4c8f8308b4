// The JSON of a clinical view written straight from the stored rows (Viewer::open_json, what
// GET /v1/clinical/views/{kind} answers) is the JSON of the grouped View (view_json, what the
// XML and PDF paths group from the same rows) byte for byte: several institutions on one day
// in any order, values that need escaping, empty values, no rows, and the other kinds.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "clinical/views_detail.h"

namespace onshi::clinical {
namespace {

// A stored payload of `kind`: the named values in payload_columns order, the rest empty.
std::string payload(ClinicalKind kind, const std::map<std::string, std::string>& values) {
  std::string out;
  bool first = true;
  for (const auto& name : payload_columns(kind)) {
    if (!first) out.push_back('\x1f');
    first = false;
    if (auto it = values.find(name); it != values.end()) out += it->second;
  }
  return out;
}

store::ClinicalViewRow medication(std::string date, std::string institution, std::string drug,
                                  std::string drug_name) {
  return {date, payload(ClinicalKind::kMedication,
                        {{"MedicalInstitutionCode", institution},
                         {"MedicalInstitutionName", "薬局 \"" + institution + "\" \\ 本店"},
                         {"InstitutionClassification", "4"},
                         {"DrugC", drug},
                         {"DrugN", drug_name},
                         {"Qua1", "1.5"},
                         {"Unit", "錠"},
                         {"UsageN", "1日2回\t朝夕"},
                         {"Times", "14"}})};
}

View header(ClinicalKind kind, int64_t rows) {
  View v;
  v.kind = kind;
  v.category = "YZK";
  v.basis = "consent";
  v.as_of = "20261206";
  v.from = "20231206";
  v.window = "3y";
  v.rows = rows;
  v.person = PersonInfo{"試験　花子", "シケン　ハナコ", "19800101", "2", "06139992", "12",
                        "100",        "00",            "A1"};
  return v;
}

void expect_same(ClinicalKind kind, const std::vector<store::ClinicalViewRow>& rows) {
  View grouped = header(kind, static_cast<int64_t>(rows.size()));
  View direct = grouped;
  detail::group(grouped, rows);
  EXPECT_EQ(detail::view_json_from_rows(direct, rows), view_json(grouped));
}

// R-CONF-5: the medication list (dispensings by day and institution, newest first, drugs in
// stored order) is the same from the rows as from the grouped view.
TEST(ViewJsonFromRows, MedicationIsTheGroupedViewsJson) {
  // Newest first: on 20261201 three institutions interleaved (A, B, A, C, B), on 20261115 one
  // row, on 20261101 two institutions; an empty drug name and odd characters in the values.
  const std::vector<store::ClinicalViewRow> rows = {
      medication("20261201", "1340140126", "622083601", "アムロジピン錠5mg"),
      medication("20261201", "1310112345", "622224801", "ロスバスタチン錠2.5mg"),
      medication("20261201", "1340140126", "610406079", ""),
      medication("20261201", "1340140999", "620000001", "ctl\x01char"),
      medication("20261201", "1310112345", "620000002", "B の2剤目"),
      medication("20261115", "1340140126", "622083601", "アムロジピン錠5mg"),
      medication("20261101", "1310112345", "622083601", "アムロジピン錠5mg"),
      medication("20261101", "1340140126", "622224801", "ロスバスタチン錠2.5mg"),
  };
  expect_same(ClinicalKind::kMedication, rows);
  expect_same(ClinicalKind::kMedication, {rows[0]});
  expect_same(ClinicalKind::kMedication, {});
}

// R-CONF-5: the other kinds answer the grouped view's JSON as well.
TEST(ViewJsonFromRows, OtherKindsAreTheGroupedViewsJson) {
  expect_same(ClinicalKind::kCheckup,
              {{"20250610", payload(ClinicalKind::kCheckup,
                                    {{"HealthCheckupInstitutionCode", "1310112345"},
                                     {"ItemCode", "3D046000001906202"},
                                     {"ItemName", "HbA1c"},
                                     {"DataType", "PQ"},
                                     {"DataValue", "6.1"}})}});
  expect_same(ClinicalKind::kTreatment,
              {{"20261101", payload(ClinicalKind::kTreatment,
                                    {{"MedicalInstitutionCode", "1310112345"},
                                     {"ProcedureC", "170011810"},
                                     {"DiagnosisNames", "白内障；骨折"}})}});
  expect_same(ClinicalKind::kPrescription,
              {{"20261101", payload(ClinicalKind::kPrescription,
                                    {{"PrescriptionId", "RX-1"}, {"RpNumber", "1"}})}});
}

}  // namespace
}  // namespace onshi::clinical
