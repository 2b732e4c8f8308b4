// The published list's formats: CSV in UTF-8 and Shift_JIS (RFC 4180 quoting), the Excel
// workbook (a real zip whose first sheet holds the codes as text) and the web page.
#include <gtest/gtest.h>

#include "core/text.h"
#include "institutions/institutions.h"
#include "institutions/test_util.h"

namespace onshi::institutions {
namespace {

std::vector<Institution> sample() {
  Institution a;
  a.medical_institution_code = "0110113719";  // leading zero kept as text
  a.name = "札幌内科クリニック";
  a.kind = Kind::kClinic;
  a.prefecture = "01";
  a.address = "北海道札幌市中央区北1条西2丁目";
  a.usage_start = "20270401";
  a.medical_aid = true;
  Institution b;
  b.medical_institution_code = "3410712362";
  b.name = "広島\"中央\",薬局";
  b.kind = Kind::kPharmacy;
  b.prefecture = "34";
  b.address = "広島県広島市";
  b.usage_start = "20270405";
  return {a, b};
}

// R-INST-4: CSV UTF-8 with the MedicalInstitutionCode column, quoting where needed.
TEST(ListFormats, CsvUtf8) {
  auto csv = list_csv(sample());
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(
      csv->substr(0, csv->find("\r\n")),
      "MedicalInstitutionCode,InstitutionName,Kind,Prefecture,Address,UsageStartDate,MedicalAid");
  EXPECT_NE(csv->find("0110113719,札幌内科クリニック,診療所,北海道,"), std::string::npos);
  EXPECT_NE(csv->find(",20270401,利用する\r\n"), std::string::npos);
  EXPECT_NE(csv->find("\"広島\"\"中央\"\",薬局\""), std::string::npos);
}

// R-INST-4: the Shift_JIS file decodes back to the UTF-8 one.
TEST(ListFormats, CsvShiftJis) {
  auto utf8 = list_csv(sample());
  auto sjis = list_csv(sample(), true);
  ASSERT_TRUE(sjis.ok());
  EXPECT_NE(*sjis, *utf8);
  EXPECT_EQ(core::detect_encoding(*sjis), core::Encoding::kShiftJis);
  EXPECT_EQ(*core::shift_jis_to_utf8(*sjis), *utf8);
}

// R-INST-4: the workbook is a valid zip with xl/worksheets/sheet1.xml holding the codes.
TEST(ListFormats, Xlsx) {
  auto x = list_xlsx(sample(), "導入医療機関等一覧");
  ASSERT_TRUE(x.ok()) << x.error().message;
  ASSERT_GT(x->size(), 100u);
  EXPECT_EQ(x->substr(0, 2), "PK");
  auto sheet = testing::zip_member(*x, "xl/worksheets/sheet1.xml");
  ASSERT_TRUE(sheet.has_value());
  EXPECT_NE(sheet->find("0110113719"), std::string::npos);
  EXPECT_NE(sheet->find("3410712362"), std::string::npos);
  EXPECT_NE(sheet->find("MedicalInstitutionCode"), std::string::npos);
  EXPECT_NE(sheet->find("札幌内科クリニック"), std::string::npos);
  EXPECT_TRUE(testing::zip_member(*x, "[Content_Types].xml").has_value());
  auto workbook = testing::zip_member(*x, "xl/workbook.xml");
  ASSERT_TRUE(workbook.has_value());
  EXPECT_NE(workbook->find("導入医療機関等"), std::string::npos);
}

// R-INST-4: the page shows the Monday of the list in 和暦, the search form, escaped names.
TEST(ListFormats, HtmlPage) {
  ListFilter f;
  f.prefecture = "34";
  f.name = "<b>";
  auto as_of = core::Date::from_ymd(2027, 4, 14);
  std::string html = list_html(sample(), as_of, f, "/institutions/list.csv" + list_query(as_of, f));
  EXPECT_NE(html.find("令和9年4月12日（月曜日）更新分"), std::string::npos);
  EXPECT_NE(html.find("<option value=\"34\" selected>広島県</option>"), std::string::npos);
  EXPECT_NE(html.find("value=\"&lt;b&gt;\""), std::string::npos);
  EXPECT_NE(html.find("広島&quot;中央&quot;,薬局"), std::string::npos);
  EXPECT_NE(html.find("/institutions/list.xlsx?asOf=20270414&amp;prefecture=34&amp;name=%3Cb%3E"),
            std::string::npos);
  EXPECT_NE(html.find("令和9年4月1日"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace onshi::institutions
