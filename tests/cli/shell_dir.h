// A test fixture for running the real `onshi` binary through the shell in a temporary
// directory of its own (named by the test's prefix and the process id), removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace onshi::testing {

class ShellDir : public ::testing::Test {
 protected:
  explicit ShellDir(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / (prefix_ + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `command` in the directory; its exit code.
  int sh(const std::string& command) {
    const std::string line = "cd " + dir_.string() + " && " + command;
    const int rc = std::system(line.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  // The bytes of the directory's file `name` ("" when missing).
  std::string slurp(const std::string& name) {
    std::stringstream text;
    text << std::ifstream(dir_ / name).rdbuf();
    return text.str();
  }
  static std::string bin() { return std::string(ONSHI_BINARY); }

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace onshi::testing
