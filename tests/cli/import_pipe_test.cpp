// `onshi import -`: a member file read from standard input, as `generate | import -` or
// `zcat members.csv.gz | onshi import -` send it (issue 19: the nation loaded without its CSV on
// disk). The real binary in a temporary directory: the piped run ends in the state of the same
// file imported from disk (running the file again finds every row unchanged), Shift_JIS is
// detected on the stream, and a standard input that is not a pipe is refused with E_FILE.
// R-REG-1: an insurer's member file, UTF-8 or Shift_JIS, into the registry
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/shell_dir.h"

namespace fs = std::filesystem;

namespace {

class ImportPipe : public onshi::testing::ShellDir {
 protected:
  ImportPipe() : ShellDir("onshi-import-pipe-") {}
};

TEST_F(ImportPipe, APipedFileEndsInTheStateOfTheFileOnDisk) {
  ASSERT_EQ(sh(bin() + " generate members --count 3000 --seed 7 --as-of 20261201 --out m.csv"
                       " >/dev/null"),
            0);
  ASSERT_EQ(sh("cat m.csv | " + bin() + " import --data-dir piped --report piped.json - > out"),
            0);
  EXPECT_NE(slurp("out").find("accepted 3000, unchanged 0, rejected 0"), std::string::npos)
      << slurp("out") << slurp("piped.json");
  // The same file from disk into the piped store: every row is already there, unchanged.
  ASSERT_EQ(sh(bin() + " import --data-dir piped --report again.json m.csv > out"), 0);
  EXPECT_NE(slurp("out").find("accepted 0, unchanged 3000, rejected 0"), std::string::npos)
      << slurp("out");
}

TEST_F(ImportPipe, ShiftJisIsDetectedOnTheStream) {
  ASSERT_EQ(sh(bin() + " generate members --count 500 --seed 9 --encoding shift_jis"
                       " --as-of 20261201 --out s.csv >/dev/null"),
            0);
  ASSERT_EQ(sh(bin() + " import --data-dir d --report r.json - < s.csv > out"), 0);  // a file
  ASSERT_EQ(sh("cat s.csv | " + bin() + " import --data-dir p --report p.json - > out2"), 0);
  EXPECT_NE(slurp("out").find("accepted 500, unchanged 0, rejected 0"), std::string::npos);
  EXPECT_NE(slurp("out2").find("accepted 500, unchanged 0, rejected 0"), std::string::npos)
      << slurp("out2") << slurp("p.json");
}

TEST_F(ImportPipe, AStandardInputThatIsNoPipeIsRefused) {  // R-REG-1: clear error, no change
  EXPECT_EQ(sh(bin() + " import --data-dir d --report r.json - < /dev/null 2> err"), 2);
  EXPECT_NE(slurp("err").find("E_FILE"), std::string::npos) << slurp("err");
  EXPECT_NE(slurp("r.json").find("\"refused\""), std::string::npos) << slurp("r.json");
  EXPECT_FALSE(fs::exists(dir_ / "d" / "onshi.db"));
}

}  // namespace
