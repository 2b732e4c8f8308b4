// The yearly 医療費通知情報 statement (issue 17 point 2, R-CARD-2), on every backend: a year's
// rows per month and institution with the totals, only the person's and only the year's; the
// CSV (BOM, header, 合計) and the PDF (read back with pdftotext) carry them; the XML is signed
// with the service's document-signing certificate (issued by its CA on first use, not the CA
// key), verifies against the CA certificate, and one changed byte fails the check, as does a
// statement checked against another data directory's CA.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sys/wait.h>

#include "clinical/clinical_test_util.h"
#include "expenses/expenses.h"
#include "security/ca.h"

namespace onshi::expenses {
namespace {

namespace fs = std::filesystem;
using clinical::testing::ClinicalDatabase;

class StatementTest : public ClinicalDatabase {
 protected:
  void SetUp() override {
    ClinicalDatabase::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(security::ca_init(tdb_.dir()).ok());
    const std::string yamada = "06139992,1234,5678,00,19800515,山田 太郎";
    const std::string csv =
        "MedicalTreatmentMonth,InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,"
        "InsuredBranchNumber,Birthdate,Name,MedicalInstitutionCode,MedicalInstitutionName,"
        "Category,Days,TotalCost,PatientShare\n"
        "202402," + yamada + ",1310112345,さくら内科,医科,2,12340,3700\n" +
        "202401," + yamada + ",1340140126,\"さくら薬局, 駅前店\",調剤,1,4560,1370\n" +
        "202401," + yamada + ",1310112345,さくら内科,医科,1,5000,1500\n" +
        "202312," + yamada + ",1310112345,さくら内科,医科,1,9990,3000\n" +
        "202401,131045,01,234567,00,19800515,山田 太郎,1310112345,さくら内科,医科,1,8000,2400\n";
    clinical::LoadOptions load;
    load.source = "test";
    auto r = clinical::import_csv(*db_, store::ClinicalKind::kExpense, write("e.csv", csv), load);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->accepted, 5) << r->to_json();
    link_ = link_of("06139992", "1234", "5678", "00");
  }
  Statement year(const char* y) {
    auto s = statement_of(*db_, link_, y, core::Date::from_ymd(2025, 3, 1));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? *s : Statement{};
  }
  std::string link_;
};

// R-CARD-2: the person's lines of the year, in month and institution order, with totals.
TEST_P(StatementTest, YearPerMonthAndInstitution) {
  Statement s = year("2024");
  ASSERT_EQ(s.lines.size(), 3u);
  EXPECT_EQ(s.lines[0].month, "202401");
  EXPECT_EQ(s.lines[0].institution_code, "1310112345");
  EXPECT_EQ(s.lines[1].category, "4");
  EXPECT_EQ(s.lines[2].month, "202402");
  EXPECT_EQ(s.total_cost, 12340 + 4560 + 5000);
  EXPECT_EQ(s.patient_share, 3700 + 1370 + 1500);
  EXPECT_EQ(s.days, 4);
  EXPECT_EQ(s.name, "山田 太郎");
  EXPECT_EQ(year("2023").lines.size(), 1u);
  EXPECT_TRUE(year("2025").lines.empty());
  auto bad = statement_of(*db_, link_, "24", core::Date::from_ymd(2025, 3, 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_EXPENSE_YEAR");
  EXPECT_EQ(statement_of(*db_, link_, "2026", core::Date::from_ymd(2025, 3, 1)).error().code,
            "E_EXPENSE_YEAR");
  // outside the 5-year window: nothing, though the rows are stored
  auto late = statement_of(*db_, link_, "2024", core::Date::from_ymd(2030, 1, 1));
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->lines.empty());
  EXPECT_EQ(late->from, "20250101");
}

// R-CARD-2: the CSV (UTF-8 with BOM, CRLF) and the PDF carry the lines and the totals.
TEST_P(StatementTest, CsvAndPdf) {
  Statement s = year("2024");
  const std::string csv = to_csv(s);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("診療年月,医療機関コード,医療機関名,区分,日数,医療費の総額（円）,窓口負担額（円）\r\n"),
            std::string::npos);
  EXPECT_NE(csv.find("202401,1340140126,\"さくら薬局, 駅前店\",調剤,1,4560,1370\r\n"),
            std::string::npos) << csv;
  EXPECT_NE(csv.find("合計,,,,4,21900,6570\r\n"), std::string::npos) << csv;
  auto pdf = to_pdf(s);
  ASSERT_TRUE(pdf.ok()) << pdf.error().message;
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) GTEST_SKIP() << "no pdftotext";
  const fs::path p = tdb_.dir() / "s.pdf";
  std::ofstream(p, std::ios::binary) << *pdf;
  ASSERT_EQ(std::system(("pdftotext -enc UTF-8 '" + p.string() + "' '" + p.string() + ".txt'").c_str()), 0);
  std::ifstream in(p.string() + ".txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* want : {"医療費通知情報（2024年分）", "山田 太郎", "さくら内科", "21,900円", "6,570円"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
}

// R-CARD-2: the signed XML verifies against the CA; a changed byte, a removed signature and
// another CA fail; the signing certificate is not the CA's and is made once.
TEST_P(StatementTest, SignedXmlVerifiesAndAChangedByteFails) {
  auto xml = to_signed_xml(year("2024"), tdb_.dir());
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  ASSERT_TRUE(fs::exists(tdb_.dir() / "ca" / "statement.pem"));
  EXPECT_NE(xml->find("<TotalCost>21900</TotalCost>"), std::string::npos) << *xml;
  EXPECT_NE(xml->find("http://www.w3.org/2000/09/xmldsig#enveloped-signature"), std::string::npos);
  auto v = verify_statement(*xml, tdb_.dir());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->year, 2024);
  EXPECT_EQ(v->lines, 3);
  EXPECT_NE(v->signer.find("OU=statement"), std::string::npos) << v->signer;

  std::string changed = *xml;
  const size_t at = changed.find("<TotalCost>21900</TotalCost>");
  changed[at + 11] = '3';  // 31900
  auto bad = verify_statement(changed, tdb_.dir());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_EXPENSE_SIGNATURE");

  std::string unsigned_xml = *xml;
  unsigned_xml.erase(unsigned_xml.find("<Signature"),
                     unsigned_xml.find("</Signature>") + 12 - unsigned_xml.find("<Signature"));
  EXPECT_EQ(verify_statement(unsigned_xml, tdb_.dir()).error().code, "E_EXPENSE_SIGNATURE");

  const fs::path other = tdb_.dir() / "other";
  ASSERT_TRUE(security::ca_init(other).ok());
  EXPECT_EQ(verify_statement(*xml, other).error().code, "E_EXPENSE_SIGNATURE");

  // `onshi expenses verify`: exit 0 with what the signature vouches for, 1 for a changed file.
  std::ofstream(tdb_.dir() / "good.xml", std::ios::binary) << *xml;
  std::ofstream(tdb_.dir() / "bad.xml", std::ios::binary) << changed;
  const std::string cmd = std::string(ONSHI_BINARY) + " expenses verify --data-dir '" +
                          tdb_.dir().string() + "' '" + tdb_.dir().string();
  EXPECT_EQ(std::system((cmd + "/good.xml' > '" + tdb_.dir().string() + "/out.txt'").c_str()), 0);
  std::ifstream out(tdb_.dir() / "out.txt");
  const std::string line((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_NE(line.find("\"valid\":true,\"year\":2024,\"lines\":3"), std::string::npos) << line;
  const int bad_rc = std::system((cmd + "/bad.xml' 2> '" + tdb_.dir().string() + "/err.txt'").c_str());
  EXPECT_EQ(WEXITSTATUS(bad_rc), 1);
  std::ifstream err(tdb_.dir() / "err.txt");
  const std::string message((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(message.find("E_EXPENSE_SIGNATURE"), std::string::npos) << message;

  auto second = to_signed_xml(year("2023"), tdb_.dir());  // the same signing key again
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(verify_statement(*second, tdb_.dir()).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StatementTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::expenses
