// The PDF renderer (print/pdf.h): a Document becomes a real PDF — the bytes start with %PDF,
// poppler's pdftotext (Debian poppler-utils) reads it back, the Japanese text is there in the
// embedded font, long tables break across pages with 「n / N ページ」, and nothing of the
// header is left out. R-CONF-5 (the print of each clinical view).
#include "print/pdf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace onshi::print {
namespace {

namespace fs = std::filesystem;

Document sample(int rows) {
  Document d;
  d.title = "薬剤情報";
  d.fields = {{"患者氏名", "山田　太郎"},
              {"医療機関", "1310112345 さくら内科クリニック"},
              {"閲覧者", "dr.yamada（医師）"},
              {"印刷日時", "令和7年6月1日 10:15"},
              {"対象期間", "令和4年6月1日〜令和7年6月1日"}};
  d.notes = {"患者の同意に基づく閲覧（同意の期限 令和7年6月2日 10:15）"};
  Table t;
  t.columns = {{"調剤日", 1.2},     {"医療機関", 2.4}, {"医薬品名", 3},
               {"用量", 0.8, true}, {"用法", 2},       {"日数", 0.7, true}};
  for (int i = 0; i < rows; ++i) {
    if (i % 4 == 0)
      t.rows.push_back(Row{{"2025年" + std::to_string(12 - i / 4 % 12) + "月"}, true});
    t.rows.push_back(
        Row{{"20250301", "さくら薬局 港店", "アムロジピン錠5mg", "1錠", "1日1回朝食後", "28"}});
  }
  d.tables.push_back(t);
  return d;
}

bool have_pdftotext() {
  return std::system("command -v pdftotext >/dev/null 2>&1") == 0;
}

// The text pdftotext reads from `pdf`.
std::string text_of(const std::string& pdf) {
  const fs::path dir =
      fs::temp_directory_path() / ("onshi-pdf-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  { std::ofstream(dir / "out.pdf", std::ios::binary) << pdf; }
  const std::string cmd = "pdftotext -enc UTF-8 '" + (dir / "out.pdf").string() + "' '" +
                          (dir / "out.txt").string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "pdftotext could not read the PDF";
  std::ifstream in(dir / "out.txt", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return text;
}

// R-CONF-5: a Japanese font is found through fontconfig (scripts/deps.sh installs one).
TEST(Pdf, FindsAJapaneseFont) {
  auto f = japanese_font();
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->empty());
}

// Without a Japanese font the print fails with a clear code, not a PDF of empty boxes. Run in
// a fresh process (the font is looked up once per process) whose fontconfig knows no font.
TEST(PdfDeathTest, NoJapaneseFontIsEPdfFont) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path conf = fs::temp_directory_path() / "onshi-no-fonts.conf";
  std::ofstream(conf) << "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n";
  EXPECT_EXIT(
      {
        setenv("FONTCONFIG_FILE", conf.c_str(), 1);
        auto pdf = render_pdf(sample(1));
        std::exit(!pdf.ok() && pdf.error().code == "E_PDF_FONT" ? 3 : 4);
      },
      ::testing::ExitedWithCode(3), "");
}

// R-CONF-5: the output is a PDF with the header and the rows in Japanese.
TEST(Pdf, MedicationTableReadsBackInJapanese) {
  auto pdf = render_pdf(sample(6));
  ASSERT_TRUE(pdf.ok()) << pdf.error().message;
  ASSERT_GT(pdf->size(), 1000u);
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  EXPECT_NE(pdf->find("%%EOF"), std::string::npos);
  if (!have_pdftotext()) GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  const std::string text = text_of(*pdf);
  for (const char* s :
       {"薬剤情報", "山田", "太郎", "さくら内科クリニック", "dr.yamada", "令和7年6月1日",
        "アムロジピン錠5mg", "1日1回朝食後", "患者の同意に基づく閲覧", "1 / 1 ページ"})
    EXPECT_NE(text.find(s), std::string::npos) << s << " missing in:\n" << text;
}

// A long table goes on over pages, each with the header and its page number.
TEST(Pdf, LongTablesBreakAcrossPages) {
  auto pdf = render_pdf(sample(150));
  ASSERT_TRUE(pdf.ok()) << pdf.error().message;
  if (!have_pdftotext()) GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  const std::string text = text_of(*pdf);
  const size_t pages = std::count(text.begin(), text.end(), '\f');
  ASSERT_GE(pages, 3u);
  const std::string last = std::to_string(pages) + " / " + std::to_string(pages) + " ページ";
  EXPECT_NE(text.find("1 / " + std::to_string(pages) + " ページ"), std::string::npos);
  EXPECT_NE(text.find(last), std::string::npos);
  size_t headers = 0;
  for (size_t at = text.find("患者氏名"); at != std::string::npos;
       at = text.find("患者氏名", at + 1))
    ++headers;
  EXPECT_EQ(headers, pages);  // the header on every page
  size_t titles = 0;
  for (size_t at = text.find("医薬品名"); at != std::string::npos;
       at = text.find("医薬品名", at + 1))
    ++titles;
  EXPECT_EQ(titles, pages);  // the column titles too
}

// Charts and an empty table: values over the years, the empty table's text.
TEST(Pdf, ChartsAndEmptyTables) {
  Document d;
  d.title = "健診情報";
  d.fields = {{"患者氏名", "鈴木　一郎"}};
  Table empty;
  empty.columns = {{"項目"}, {"2023"}, {"2024"}};
  d.tables.push_back(empty);
  Chart c;
  c.title = "HbA1c";
  c.unit = "%";
  c.points = {{"2021", 7.4}, {"2022", 6.9}, {"2023", 6.3}};
  c.high = 5.5;
  d.charts = {c, c, c};
  auto pdf = render_pdf(d);
  ASSERT_TRUE(pdf.ok()) << pdf.error().message;
  if (!have_pdftotext()) GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  const std::string text = text_of(*pdf);
  EXPECT_NE(text.find("該当する情報はありません"), std::string::npos) << text;
  EXPECT_NE(text.find("HbA1c（%）"), std::string::npos) << text;
  EXPECT_NE(text.find("6.9"), std::string::npos) << text;
  EXPECT_NE(text.find("2022"), std::string::npos) << text;
}

}  // namespace
}  // namespace onshi::print
