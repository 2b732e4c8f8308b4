// A report or result written to a device or pipe (e.g. `--report /dev/null`) is written in
// place: writers that write beside their target and rename must not replace the device
// with a regular file (as root, that would replace /dev/null for the whole machine).
// Tested with a FIFO in a temporary directory, read by `cat`, never with /dev/null itself.
// R-REG-1: the member import writes its report; it changes nothing outside its own output
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

TEST(ReportTarget, ImportReportToAPipeKeepsThePipe) {
  fs::path dir = fs::temp_directory_path() / ("onshi-fifo-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path fifo = dir / "report.pipe", got = dir / "got.json", csv = dir / "m.csv";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::ofstream(csv) << "InsurerNumber,InsuredIdentificationNumber\n";
  // The import writes its report twice (a "running" one at the start, the final one at the
  // end), so the reader opens the pipe again after each writer; `timeout` bounds every step.
  const std::string cmd =
      "cd " + dir.string() +
      " && (timeout 60 sh -c 'while cat report.pipe; do :; done' > got.json &)" +
      " && timeout 60 " + std::string(ONSHI_BINARY) + " import --data-dir " +
      (dir / "data").string() + " --report " + fifo.string() + " " + csv.string() +
      " >/dev/null 2>&1; sleep 0.3; pkill -f \"cat report.pipe\" ; true";
  int rc = std::system(cmd.c_str());
  (void)rc;
  struct stat st {};
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the pipe was replaced by a file";
  EXPECT_FALSE(fs::exists(dir / "report.pipe.tmp"));
  std::stringstream text;
  text << std::ifstream(got).rdbuf();
  EXPECT_NE(text.str().find("\"code\""), std::string::npos) << text.str();
  fs::remove_all(dir);
}

}  // namespace
