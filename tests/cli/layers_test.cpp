// The layer check (scripts/check-layers.py against src/DEPS): the real tree passes, and a
// fixture tree with each kind of violation fails, naming the file and line — a folder
// including one its rules do not allow, another module's private header, a folder without a
// rule, and a CMake link the rules do not allow. issue 14: layers.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = ONSHI_SOURCE_DIR;

struct LayersRun {
  int exit = -1;
  std::string out;
};

LayersRun check_layers(const fs::path& root) {
  const std::string cmd = "python3 " + (kRoot / "scripts" / "check-layers.py").string() +
                          " --root " + root.string() + " 2>&1";
  LayersRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class LayersFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("onshi-layers-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    write(root_ / "src" / "DEPS",
          "include_rules = {\n"
          "    \"core\": [],\n"
          "    \"store\": [\"+core\"],\n"
          "    \"terminal\": [\"+core\"],\n"
          "}\n"
          "private_headers = [\"store/sqlite.h\"]\n");
    write(root_ / "src" / "core" / "status.h", "#pragma once\n");
    write(root_ / "src" / "store" / "store.h", "#pragma once\n#include \"core/status.h\"\n");
    write(root_ / "src" / "store" / "sqlite.h", "#pragma once\n");
    write(root_ / "src" / "store" / "detail.h", "#pragma once\n");
    write(root_ / "src" / "store" / "store.cpp",
          "#include \"store/detail.h\"\n#include \"store/sqlite.h\"\n");
    write(root_ / "src" / "terminal" / "terminal.cpp",
          "#include \"core/status.h\"\n#include <vector>\n");
    write(root_ / "CMakeLists.txt",
          "onshi_module(core Boost::json)\nonshi_module(store onshi_core)\nonshi_module(terminal "
          "onshi_core)\n");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST(LayersTest, TheRealTreeKeepsItsLayers) {
  LayersRun r = check_layers(kRoot);
  EXPECT_EQ(r.exit, 0) << r.out;
}

TEST_F(LayersFixture, AFixtureThatKeepsTheRulesPasses) {
  LayersRun r = check_layers(root_);
  EXPECT_EQ(r.exit, 0) << r.out;
}

TEST_F(LayersFixture, AFolderIncludingOneItMustNotFails) {
  write(root_ / "src" / "terminal" / "terminal.cpp",
        "#include \"core/status.h\"\n#include \"store/store.h\"\n");
  LayersRun r = check_layers(root_);
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("src/terminal/terminal.cpp:2: terminal may not include 'store/store.h'"),
            std::string::npos)
      << r.out;
}

TEST_F(LayersFixture, AnotherModulesPrivateHeaderFailsEvenWhenTheFolderIsAllowed) {
  write(root_ / "src" / "terminal" / "terminal.cpp", "#include \"core/status.h\"\n");
  write(root_ / "src" / "DEPS",
        "include_rules = {\"core\": [], \"store\": [\"+core\"], \"terminal\": [\"+core\", "
        "\"+store\"]}\n"
        "private_headers = [\"store/sqlite.h\"]\n");
  write(root_ / "src" / "terminal" / "a.cpp", "#include \"store/detail.h\"\n");
  write(root_ / "src" / "terminal" / "b.cpp", "\n#include \"store/sqlite.h\"\n");
  LayersRun r = check_layers(root_);
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("src/terminal/a.cpp:1: 'store/detail.h' is private to store/"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("src/terminal/b.cpp:2: 'store/sqlite.h' is private to store/"),
            std::string::npos)
      << r.out;
  // The folder's own files may include it.
  EXPECT_EQ(r.out.find("src/store/store.cpp"), std::string::npos) << r.out;
}

TEST_F(LayersFixture, AFolderWithoutARuleFails) {
  write(root_ / "src" / "portal" / "portal.cpp", "#include \"core/status.h\"\n");
  LayersRun r = check_layers(root_);
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("folder 'portal' has no rule"), std::string::npos) << r.out;
}

TEST_F(LayersFixture, ACMakeLinkTheRulesDoNotAllowFails) {
  write(root_ / "CMakeLists.txt",
        "onshi_module(core Boost::json)\nonshi_module(store onshi_core)\nonshi_module(terminal "
        "onshi_store onshi_core)\n");
  LayersRun r = check_layers(root_);
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("terminal links onshi_store"), std::string::npos) << r.out;
}

}  // namespace
