// CSV records and fields (core/csv.h), the reader under the member import and the claims
// check (R-REG-1 member files, R-CLM-2 claim files: a malformed record is refused, never guessed).
#include "core/csv.h"

#include <gtest/gtest.h>

namespace onshi::core {
namespace {

TEST(Csv, RecordEndsAtTheFirstLfOutsideQuotes) {
  const std::string text = "a,\"b\nc\",d\r\nnext\n";
  bool in_quotes = false;
  const char* end = csv_record_end(text.data(), text.data() + text.size(), in_quotes);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(std::string_view(text.data(), end - text.data()), "a,\"b\nc\",d\r");
  // A record cut in the middle of a quoted field resumes with the carried state.
  in_quotes = false;
  EXPECT_EQ(csv_record_end(text.data(), text.data() + 4, in_quotes), nullptr);
  EXPECT_TRUE(in_quotes);
  EXPECT_EQ(csv_record_end(text.data() + 4, text.data() + text.size(), in_quotes), end);
}

TEST(Csv, SplitsQuotedDoubledAndEmptyFields) {
  std::vector<std::string_view> out;
  std::deque<std::string> scratch;
  ASSERT_TRUE(csv_split("1,\"山田, 太郎\",\"say \"\"hi\"\"\",,", out, scratch));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0], "1");
  EXPECT_EQ(out[1], "山田, 太郎");
  EXPECT_EQ(out[2], "say \"hi\"");
  EXPECT_EQ(out[3], "");
  EXPECT_EQ(out[4], "");
  EXPECT_EQ(csv_fields("a,b\r"), (std::vector<std::string>{"a", "b"}));
}

TEST(Csv, MalformedRecordsAreRefused) {
  std::vector<std::string_view> out;
  std::deque<std::string> scratch;
  EXPECT_FALSE(csv_split("a,\"open", out, scratch));      // unterminated
  EXPECT_FALSE(csv_split("\"a\"b,c", out, scratch));      // text after the closing quote
  EXPECT_TRUE(csv_split("a\"b,c", out, scratch));         // a bare quote is text …
  EXPECT_EQ(out[0], "a\"b");
  EXPECT_FALSE(csv_split("a\"b,c", out, scratch, true));  // … unless strict
}

}  // namespace
}  // namespace onshi::core
