// 資格重複状況結果一覧 over a real SQLite store, in UTF-8 and Shift_JIS (R-REG-6).
#include <gtest/gtest.h>

#include "core/text.h"
#include "quality/quality.h"
#include "quality_test_util.h"

namespace onshi::qtest {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t e = text.find('\n', start);
    out.push_back(text.substr(start, e - start));
    if (e == std::string::npos) break;
    start = e + 1;
  }
  return out;
}

class Overlaps : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    auto with = [](registry::FieldMap m, const char* n) {
      m.emplace_back("MyNumber", n);
      return m;
    };
    reg({// 1: 国保 since 2020, and an employer's 健保 since 2024-10-01 — never reported to 国保.
         with(member(kKokuho, "01", "100", "00", "国保　一郎", "コクホ　イチロウ", "19800515", "1", "20200401"), kMyNumberA),
         with(member(kKenpo, "1234", "500", "00", "国保　一郎", "コクホ　イチロウ", "19800515", "1", "20241001"), kMyNumberA),
         // 2: left 国保 on the day the new qualification started: no overlap (half-open).
         with(member(kKokuho, "01", "200", "00", "転職　二郎", "テンショク　ジロウ", "19810101", "1", "20150401",
                     {{"DisqualificationDate", "20230401"}, {"ReasonOfLoss", "03"}}), kMyNumberB),
         with(member(kKenpo, "1234", "600", "01", "転職　二郎", "テンショク　ジロウ", "19810101", "1", "20230401",
                     {{"PersonalFamilyClassification", "2"}}), kMyNumberB),
         // 3: a past overlap of one month with a closed 健保 qualification.
         with(member(kKokuho, "01", "300", "00", "重複　三郎", "チョウフク　サブロウ", "19820202", "1", "20190301"), kMyNumberC),
         with(member(kKenpo2, "88", "7", "00", "重複　三郎", "チョウフク　サブロウ", "19820202", "1", "20180401",
                     {{"DisqualificationDate", "20190401"}, {"ReasonOfLoss", "03"}}), kMyNumberC),
         // 4: no My Number: cannot be linked, never listed.
         member(kKokuho, "01", "400", "00", "番号　無", "バンゴウ　ナシ", "19830303", "1", "20200401"),
         member(kKenpo, "1234", "700", "00", "番号　無", "バンゴウ　ナシ", "19830303", "1", "20240401")});
  }
};

// R-REG-6: both qualifications, the overlap's start (and end), no My Number, in UTF-8.
TEST_F(Overlaps, ListsOverlappingQualificationsInUtf8) {
  quality::OverlapOptions o;
  o.insurer_number = kKokuho;
  auto out = dir / "overlaps.csv";
  auto s = quality::write_overlaps(*store, o, out);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->members, 4);
  EXPECT_EQ(s->overlaps, 2);
  std::string text = read_file(out);
  EXPECT_FALSE(fs::exists(dir / "overlaps.csv.tmp"));
  for (const char* n : {kMyNumberA, kMyNumberB, kMyNumberC}) EXPECT_EQ(text.find(n), std::string::npos);
  auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_EQ(lines[0].substr(0, 45), "InsurerNumber,InsuredCardSymbol,InsuredIdenti");
  EXPECT_EQ(lines[1],
            "131045,01,100,00,国保　一郎,コクホ　イチロウ,19800515,1,20200401,,06139992,"
            "オンシ健康保険組合,1234,500,00,1,20241001,,20241001,");
  EXPECT_EQ(lines[2],
            "131045,01,300,00,重複　三郎,チョウフク　サブロウ,19820202,1,20190301,,06270011,"
            "オンシ健康保険組合,88,7,00,1,20180401,20190401,20190301,20190401");
  // The 健保 side sees the same overlap from its end.
  o.insurer_number = kKenpo;
  auto k = quality::overlaps_csv(*store, o);
  ASSERT_TRUE(k.ok());
  auto kl = lines_of(*k);
  ASSERT_EQ(kl.size(), 2u) << *k;
  EXPECT_EQ(kl[1].rfind("06139992,1234,500,00,国保", 0), 0u) << kl[1];
}

// R-REG-6: the same list in Shift_JIS, byte for byte the UTF-8 one converted.
TEST_F(Overlaps, ShiftJis) {
  quality::OverlapOptions o;
  o.insurer_number = kKokuho;
  auto utf8 = quality::overlaps_csv(*store, o);
  ASSERT_TRUE(utf8.ok());
  o.encoding = core::Encoding::kShiftJis;
  auto out = dir / "overlaps-sjis.csv";
  auto s = quality::write_overlaps(*store, o, out);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->substituted, 0);
  std::string bytes = read_file(out);
  EXPECT_FALSE(core::is_valid_utf8(bytes));
  auto back = core::shift_jis_to_utf8(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *utf8);
}

// Bad input: a wrong insurer number, an unwritable output — an error, no file.
TEST_F(Overlaps, BadInput) {
  quality::OverlapOptions o;
  o.insurer_number = "12345";
  auto s = quality::write_overlaps(*store, o, dir / "x.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_INSURER_NUMBER");
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
  o.insurer_number = kKokuho;
  s = quality::write_overlaps(*store, o, dir / "no-such-dir" / "x.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_FILE");
}

}  // namespace
}  // namespace onshi::qtest
