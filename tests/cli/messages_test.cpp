// What operators read: every command prints its errors through cli::print_error, with the
// code, the Japanese message and an English summary of the code (cli/messages.h). Checks the
// line's shape, that every summarised code is one docs/errors.md explains, and a real
// command's refusal on stderr in both languages.
// issue 14: one language per audience — operators read Japanese and English
#include "cli/messages.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

using onshi::Error;
using onshi::cli::english_summary;
using onshi::cli::print_error;

TEST(CliMessages, LineCarriesCodeJapaneseAndEnglish) {
  std::ostringstream out;
  print_error(out, "onshi import", Error{"E_FILE", "file", "ファイル x.csv がありません"});
  EXPECT_EQ(
      out.str(),
      "onshi import: E_FILE: ファイル x.csv がありません — a file cannot be read or written\n");
}

TEST(CliMessages, FieldOnlyWhenAskedAndNoSummaryForUnknownCode) {
  std::ostringstream with, without;
  print_error(with, "onshi institutions", Error{"E_KEY", "key", "不正です"}, true);
  EXPECT_EQ(with.str(), "onshi institutions: E_KEY (key): 不正です — invalid key\n");
  print_error(without, "", Error{"E_SOMETHING_ELSE", "x", "メッセージ"});
  EXPECT_EQ(without.str(), "E_SOMETHING_ELSE: メッセージ\n");
}

TEST(CliMessages, EverySummarisedCodeIsInErrorsDoc) {
  std::ifstream in(std::string(ONSHI_SOURCE_DIR) + "/docs/errors.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  for (const char* code : {"E_FILE", "E_FLAG", "E_STORE", "E_STORE_OPEN", "E_DB_URL", "E_LOCKED",
                           "E_CSV_HEADER", "E_ENCODING", "E_CA_MISSING", "E_KEY_MISSING"}) {
    ASSERT_FALSE(english_summary(code).empty()) << code;
    EXPECT_NE(text.find(std::string("`") + code + "`"), std::string::npos) << code;
  }
}

TEST(CliMessages, ImportOfMissingFileSaysItInBothLanguages) {
  const std::string dir = testing::TempDir() + "onshi-messages-" + std::to_string(getpid());
  const std::string cmd = std::string(ONSHI_BINARY) + " import --data-dir " + dir +
                          "/data --report " + dir + "-report.json /nonexistent-onshi.csv 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 512> buf{};
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_TRUE(std::regex_search(out, std::regex("onshi import: E_FILE: .*ありません"))) << out;
  EXPECT_NE(out.find("a file cannot be read or written"), std::string::npos) << out;
}

}  // namespace
