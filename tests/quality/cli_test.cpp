// `onshi quality report | overlaps` through the real binary: output files, the summary
// line, exit codes and error codes for bad flags (R-REG-4, R-REG-6).
#include <gtest/gtest.h>

#include "core/text.h"
#include "quality_test_util.h"

namespace onshi::qtest {
namespace {

std::string bin() { return ONSHI_BINARY; }
std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

class QualityCli : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    reg({member(kKokuho, "01", "100", "00", "髙田　一郎", "タカダ　イチロウ", "19800515", "1", "20200401",
                {{"MyNumber", kMyNumberA}}),
         member(kKenpo, "1234", "500", "00", "高田　一郎", "タカダ　イチロウ", "19800515", "1", "20241001",
                {{"MyNumber", kMyNumberA}})});
    store.reset();  // the binary opens the store itself
  }
  int onshi(const std::string& args, const std::string& tag) {
    return run(bin() + " " + args + " >" + q(dir / (tag + ".out")) + " 2>" + q(dir / (tag + ".err")));
  }
  std::string err(const std::string& tag) { return read_file(dir / (tag + ".err")); }
  std::string out(const std::string& tag) { return read_file(dir / (tag + ".out")); }
};

// R-REG-4: the report file and its summary on stdout.
TEST_F(QualityCli, Report) {
  ASSERT_EQ(onshi("quality report --data-dir " + q(dir.path()) + " --insurer 131045 --out " +
                      q(dir / "report.json"),
                  "r"),
            0)
      << err("r");
  auto v = parse(read_file(dir / "report.json"));
  EXPECT_EQ(v.as_object().at("summary").as_object().at("kanjiConversions").as_int64(), 1);
  EXPECT_EQ(read_file(dir / "report.json").find(kMyNumberA), std::string::npos);
  auto line = parse(out("r"));
  EXPECT_EQ(line.as_object().at("members").as_int64(), 1);
  EXPECT_TRUE(line.as_object().contains("seconds"));
}

// R-REG-6: the list in both encodings.
TEST_F(QualityCli, Overlaps) {
  ASSERT_EQ(onshi("quality overlaps --data-dir " + q(dir.path()) + " --insurer 131045 --out " +
                      q(dir / "o.csv"),
                  "o"),
            0)
      << err("o");
  std::string utf8 = read_file(dir / "o.csv");
  EXPECT_NE(utf8.find("131045,01,100,00,高田　一郎"), std::string::npos) << utf8;
  EXPECT_NE(utf8.find(",20241001,,20241001,\n"), std::string::npos) << utf8;
  EXPECT_EQ(parse(out("o")).as_object().at("overlaps").as_int64(), 1);
  ASSERT_EQ(onshi("quality overlaps --data-dir " + q(dir.path()) + " --insurer 131045 --encoding shift_jis --out " +
                      q(dir / "s.csv"),
                  "s"),
            0)
      << err("s");
  auto back = core::shift_jis_to_utf8(read_file(dir / "s.csv"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, utf8);
}

// Bad flags exit 2 with a code and a message; nothing is written.
TEST_F(QualityCli, BadFlags) {
  const std::string d = " --data-dir " + q(dir.path());
  EXPECT_EQ(onshi("quality report" + d + " --out " + q(dir / "x.json"), "a"), 2);  // no --insurer
  EXPECT_EQ(onshi("quality report" + d + " --insurer 0613999 --out " + q(dir / "x.json"), "b"), 2);
  EXPECT_NE(err("b").find("E_INSURER_NUMBER"), std::string::npos) << err("b");
  EXPECT_EQ(onshi("quality report" + d + " --insurer 131045 --since 2025-01-01 --out " + q(dir / "x.json"), "c"), 2);
  EXPECT_NE(err("c").find("E_FLAG"), std::string::npos);
  EXPECT_EQ(onshi("quality overlaps" + d + " --insurer 131045 --encoding latin1 --out " + q(dir / "x.csv"), "e"), 2);
  EXPECT_NE(err("e").find("E_FLAG"), std::string::npos);
  EXPECT_EQ(onshi("quality overlaps --data-dir " + q(dir / "nowhere") + " --insurer 131045 --out " + q(dir / "x.csv"), "f"), 2);
  EXPECT_NE(err("f").find("E_DATA_DIR"), std::string::npos);
  EXPECT_EQ(onshi("quality overlaps" + d + " --insurer 131045 --out " + q(dir / "no" / "x.csv"), "g"), 2);
  EXPECT_NE(err("g").find("E_FILE"), std::string::npos);
  EXPECT_EQ(onshi("quality frobnicate" + d, "h"), 2);
  EXPECT_FALSE(fs::exists(dir / "x.json"));
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
  EXPECT_FALSE(fs::exists(dir / "nowhere"));
}

TEST_F(QualityCli, Help) {
  EXPECT_EQ(onshi("quality --help", "h1"), 0);
  EXPECT_NE(out("h1").find("report"), std::string::npos);
  EXPECT_EQ(onshi("quality report --help", "h2"), 0);
  EXPECT_NE(out("h2").find("--late-days"), std::string::npos);
  EXPECT_EQ(onshi("quality overlaps --help", "h3"), 0);
  EXPECT_NE(out("h3").find("--encoding"), std::string::npos);
}

}  // namespace
}  // namespace onshi::qtest
