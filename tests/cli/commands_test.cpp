// The subcommands' work returns the exit code main() exits with (cli/commands.h): only the
// subcommand given on the command line runs, its code is returned as is, and a command line
// that names no subcommand with work runs nothing. Also runs scripts/check-size.py, which
// keeps every function of src/ within 80 lines and every file within 600 or with a reason.
// issue 14: small functions, the CLI commands return their exit codes (no global)
#include "cli/commands.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using onshi::cli::Commands;

// Parses `args` (after the program name) on an app with `a` (exit 3), `b x` (exit 4) and
// `b y` (exit 0); returns the code run_given() returns and which work ran.
int run_line(std::vector<std::string> args, std::string& ran) {
  CLI::App app{"test"};
  Commands commands;
  CLI::App* a = app.add_subcommand("a", "");
  CLI::App* b = app.add_subcommand("b", "");
  CLI::App* bx = b->add_subcommand("x", "");
  CLI::App* by = b->add_subcommand("y", "");
  commands.on_run(a, [&] {
    ran += "a";
    return 3;
  });
  commands.on_run(bx, [&] {
    ran += "bx";
    return 4;
  });
  commands.on_run(by, [&] {
    ran += "by";
    return 0;
  });
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  app.parse(reversed);
  return commands.run_given();
}

TEST(Commands, RunsOnlyTheSubcommandGivenAndReturnsItsCode) {
  std::string ran;
  EXPECT_EQ(run_line({"a"}, ran), 3);
  EXPECT_EQ(ran, "a");
  ran.clear();
  EXPECT_EQ(run_line({"b", "x"}, ran), 4);
  EXPECT_EQ(ran, "bx");
  ran.clear();
  EXPECT_EQ(run_line({"b", "y"}, ran), 0);
  EXPECT_EQ(ran, "by");
}

TEST(Commands, NoWorkGivenRunsNothingAndIsZero) {
  std::string ran;
  EXPECT_EQ(run_line({}, ran), 0);
  EXPECT_EQ(run_line({"b"}, ran), 0);
  EXPECT_EQ(ran, "");
}

int shell(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CheckSize, HeuristicSelfTestPasses) {
  EXPECT_EQ(shell("python3 " ONSHI_SOURCE_DIR "/scripts/check-size.py --self-test >/dev/null"), 0);
}

TEST(CheckSize, SourceTreeKeepsItsFunctionsAndFilesSmall) {
  EXPECT_EQ(shell("python3 " ONSHI_SOURCE_DIR "/scripts/check-size.py " ONSHI_SOURCE_DIR), 0);
}

}  // namespace
