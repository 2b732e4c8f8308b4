// Issue 12 §1: open_store is the only place that knows backends. No source file outside
// src/store/ names SQLite or libpq — not their headers, not their functions, not onshi's
// own toolkits for them (store/sqlite.h, store/pg.h) — so every other module reaches state
// through the store interfaces alone, and a third backend would touch src/store/ only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;

TEST(BackendNames, OnlySrcStoreNamesSqliteOrLibpq) {
  const std::regex names(
      R"((#include\s*[<"](sqlite3\.h|libpq-fe\.h|store/sqlite\.h|store/pg\.h|store/backends\.h)[>"])|\bsqlite3_\w+|\bPQ[a-z]\w*\(|\bPGconn\b|\bPGresult\b)");
  std::vector<std::string> offenders;
  fs::path src = fs::path(ONSHI_SOURCE_DIR) / "src";
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    auto ext = e.path().extension();
    if (ext != ".cpp" && ext != ".h") continue;
    auto rel = fs::relative(e.path(), src).generic_string();
    if (rel.rfind("store/", 0) == 0) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    std::smatch m;
    if (std::regex_search(text, m, names)) offenders.push_back(rel + ": " + m.str());
  }
  EXPECT_TRUE(offenders.empty()) << ::testing::PrintToString(offenders);
}

}  // namespace
