// The print of each clinical view (print/views.h): the header names the patient, the
// institution, the account, the time printed and the period, never a My Number; each kind's
// rows are in the PDF as pdftotext reads them back. R-CONF-5 (issue 16 point 5: a PDF print of
// 薬剤情報, 健診情報, 診療情報 and 処方・調剤情報).
#include "print/views.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace onshi::print {
namespace {

namespace fs = std::filesystem;
using clinical::View;

View base(store::ClinicalKind kind) {
  View v;
  v.kind = kind;
  v.basis = "consent";
  v.as_of = "20250601";
  v.from = "20220601";
  v.window = "3y";
  v.person = {"山田　太郎", "ヤマダ　タロウ", "19700401", "1", "06139992",
              "1234",       "5678",           "00",       "01"};
  return v;
}

const PrintInfo kInfo{"1310112345", "dr.yamada（医師）", "20250601101500"};

std::string text_of(const std::string& pdf) {
  const fs::path dir =
      fs::temp_directory_path() / ("onshi-views-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "v.pdf", std::ios::binary) << pdf;
  const std::string cmd =
      "pdftotext -enc UTF-8 '" + (dir / "v.pdf").string() + "' '" + (dir / "v.txt").string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir / "v.txt", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return text;
}

void expect_text(const View& v, std::initializer_list<const char*> wanted) {
  auto pdf = render_pdf(v, kInfo);
  ASSERT_TRUE(pdf.ok()) << pdf.error().message;
  ASSERT_EQ(pdf->substr(0, 5), "%PDF-");
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  const std::string text = text_of(*pdf);
  for (const char* s : wanted) EXPECT_NE(text.find(s), std::string::npos) << s << " in:\n" << text;
  // The header: patient, institution, account, time printed, period.
  for (const char* s : {"山田", "1310112345", "dr.yamada", "令和7年6月1日 10:15", "令和4年6月1日"})
    EXPECT_NE(text.find(s), std::string::npos) << s << " in:\n" << text;
}

// R-CONF-5: 薬剤情報 by month, newest first, with institution and days.
TEST(PrintViews, Medication) {
  View v = base(store::ClinicalKind::kMedication);
  v.medication = {{"20250510",
                   "1340140126",
                   "さくら薬局 港店",
                   "4",
                   {{"622083601", "アムロジピン錠5mg", "1", "錠", "1日1回朝食後", "28", ""},
                    {"622224801", "ロスバスタチン錠2.5mg", "1", "錠", "1日1回朝食後", "28", ""}}},
                  {"20250412",
                   "1340140126",
                   "さくら薬局 港店",
                   "4",
                   {{"622083601", "アムロジピン錠5mg", "1", "錠", "1日1回朝食後", "28", ""}}}};
  expect_text(v, {"薬剤情報", "最大3年分", "2025年5月", "2025年4月", "2025/05/10",
                  "さくら薬局 港店（調剤）", "ロスバスタチン錠2.5mg", "1錠", "28"});
}

// R-CONF-5: 健診情報, the values by 年度 and a chart of each numeric item.
TEST(PrintViews, CheckupsByYearWithCharts) {
  View v = base(store::ClinicalKind::kCheckup);
  v.window = "5y";
  clinical::CheckupItem hba1c{"3D046000001906202", "HbA1c", "PQ", "6.1", "%", "", "", "5.5", "H"};
  clinical::CheckupItem older = hba1c;
  older.value = "6.8";
  v.checkups = {{2024, {{"20240610", "1310199999", "港健診センター", {hba1c}}}},
                {2023, {{"20230612", "1310199999", "港健診センター", {older}}}}};
  v.series = {{"3D046000001906202",
               "HbA1c",
               "%",
               "",
               "5.5",
               {{"20230612", "6.8", "H"}, {"20240610", "6.1", "H"}}}};
  expect_text(v, {"特定健診情報", "2023年度", "2024年度", "6.8 H", "6.1 H", "港健診センター",
                  "HbA1c（%）", "最大5年分"});
}

// R-CONF-5: 診療情報, operations marked; the note when operations are left out.
TEST(PrintViews, TreatmentsAndHiddenOperations) {
  View v = base(store::ClinicalKind::kTreatment);
  v.operations_hidden = true;
  v.treatments = {{"20250301",
                   "1310112345",
                   "みなと整形外科",
                   "1",
                   {{"170000410", "単純撮影（デジタル撮影）", false, "1", {"右足関節捻挫"}}}}};
  expect_text(v, {"診療情報", "単純撮影（デジタル撮影）", "右足関節捻挫", "みなと整形外科（医科）",
                  "手術の行為は表示していません"});
}

// R-CONF-5: 処方・調剤情報, one group per prescription; not yet dispensed said so; the
// disaster basis said under the header.
TEST(PrintViews, PrescriptionsAndDisasterNote) {
  View v = base(store::ClinicalKind::kPrescription);
  v.window = "100d";
  v.basis = "disaster";
  v.prescriptions = {{"A1B2-C3",
                      "20250520",
                      "1310112345",
                      "さくら内科",
                      "",
                      "",
                      "",
                      {{"622083601", "アムロジピン錠5mg", "1", "錠", "1日1回朝食後", "28", "1"}}}};
  expect_text(v, {"処方・調剤情報", "処方箋ID A1B2-C3", "未調剤", "アムロジピン錠5mg",
                  "最大100日分", "災害時の閲覧"});
}

}  // namespace
}  // namespace onshi::print
