// Tests for gzip of pieces (core/gzip.h): a piece compressed once and joined with different
// heads and tails reads back, through zlib's own inflate, as head + text + tail; empty and
// large pieces (past the 32 KB window) join too; a damaged or truncated member is refused,
// and so is one whose text passes the size asked.
#include "core/gzip.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace onshi::core {
namespace {

// Text like a view's dispensings: repeated names with varying numbers.
std::string dispensings(int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += "{\"date\":\"2026" + std::to_string(1000 + i % 97) +
         "\",\"name\":\"アムロジピン錠5mg\",\"times\":\"" + std::to_string(i % 31) + "\"},";
  return s;
}

std::string gunzipped(const std::string& gz) {
  std::string text;
  EXPECT_TRUE(gunzip(gz, text));
  return text;
}

// issue 16 "Speed": the view's dispensings are compressed once and sent with each view's head.
TEST(Gzip, APieceJoinsWithAnyHeadAndTail) {
  const std::string body = dispensings(157);
  const DeflatePiece piece = deflate_piece(body);
  EXPECT_EQ(piece.size, body.size());
  EXPECT_LT(piece.data.size(), body.size() / 4);
  for (const std::string head : {"", "{\"basis\":\"consent\",\"dispensings\":[",
                                 "{\"basis\":\"disaster\",\"person\":{\"name\":\"記憶　花子\"},["}) {
    for (const std::string tail : {"", "]}"}) {
      const std::string gz = gzip_join(head, piece, tail);
      EXPECT_EQ(gz.substr(0, 3), std::string("\x1f\x8b\x08", 3));
      EXPECT_EQ(gunzipped(gz), head + body + tail);
    }
  }
}

TEST(Gzip, EmptyAndLargePiecesJoin) {
  EXPECT_EQ(gunzipped(gzip_join("[", deflate_piece(""), "]")), "[]");
  EXPECT_EQ(gunzipped(gzip("")), "");
  std::mt19937 rng(7);
  std::string large;  // 300 KB, half of it random: back-references and stored blocks
  for (int i = 0; i < 150000; ++i) large.push_back(static_cast<char>(rng() & 0xff));
  large += dispensings(1500);
  EXPECT_EQ(gunzipped(gzip_join(std::string(5000, 'h'), deflate_piece(large), "t")),
            std::string(5000, 'h') + large + "t");
  EXPECT_EQ(gunzipped(gzip(large)), large);
}

TEST(Gzip, ADamagedOrTruncatedMemberIsRefused) {
  const std::string gz = gzip(dispensings(50));
  std::string text;
  EXPECT_FALSE(gunzip(gz.substr(0, gz.size() - 1), text));   // no whole trailer
  EXPECT_FALSE(gunzip(gz.substr(0, gz.size() / 2), text));   // cut in the blocks
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 1;
  EXPECT_FALSE(gunzip(bad_crc, text));
  EXPECT_FALSE(gunzip("not gzip", text));
  EXPECT_FALSE(gunzip(gz + "trailing", text));
  EXPECT_TRUE(gunzip(gz, text));
  EXPECT_FALSE(gunzip(gz, text, 100));  // the text passes the size asked
}

}  // namespace
}  // namespace onshi::core
