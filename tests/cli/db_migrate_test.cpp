// `onshi db migrate` on a data directory whose members were stored before SQLite schema 5
// (text payloads, the source as text, insurer_number filled), the real binary: it rewrites
// every version into the compact rows, says how many on stdout and shows the count on stderr,
// a second run finds nothing left, the file is smaller, and `onshi import` of the same file
// then finds every member unchanged (the versions are the same).
// R-REG-1: the registry's versions kept unchanged across an upgrade of the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/shell_dir.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/legacy_rows.h"
#include "store/store.h"

namespace fs = std::filesystem;

namespace onshi {
namespace {

class DbMigrate : public testing::ShellDir {
 protected:
  DbMigrate() : ShellDir("onshi-db-migrate-") {}

  // The members of m.csv in DIR/d as an onshi before schema 5 left them.
  void make_legacy_store() {
    store::SqliteOptions o;
    o.compress_payloads = false;
    auto s = store::open_sqlite(store::store_path(dir_ / "d"), o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto keyring = security::Keyring::load_or_create(dir_ / "d");  // the binary's keys too
    ASSERT_TRUE(keyring.ok());
    auto r = registry::import_csv(**s, *keyring, dir_ / "m.csv");
    ASSERT_TRUE(r.ok() && r->accepted == 3000);
    s->reset();
    ASSERT_NO_FATAL_FAILURE(testing::make_rows_as_before_schema5(store::store_path(dir_ / "d")));
  }
};

TEST_F(DbMigrate, OlderRowsAreRewrittenOnceAndKeepTheirVersions) {
  const std::string onshi = bin();
  ASSERT_EQ(sh(onshi + " generate members --count 3000 --seed 5 --out m.csv > /dev/null"), 0);
  ASSERT_NO_FATAL_FAILURE(make_legacy_store());
  const auto before = fs::file_size(store::store_path(dir_ / "d"));

  ASSERT_EQ(sh(onshi + " db migrate --db sqlite:d > out1.json 2> err1.txt"), 0);
  EXPECT_NE(slurp("out1.json").find("\"migrated\":true,\"compacted_versions\":3000"),
            std::string::npos)
      << slurp("out1.json");
  EXPECT_NE(slurp("err1.txt").find("compact rows: 3,000 行"), std::string::npos)
      << slurp("err1.txt");
  EXPECT_LT(fs::file_size(store::store_path(dir_ / "d")), before);

  ASSERT_EQ(sh(onshi + " db migrate --db sqlite:d > out2.json 2> err2.txt"), 0);
  EXPECT_NE(slurp("out2.json").find("\"compacted_versions\":0"), std::string::npos)
      << slurp("out2.json");
  EXPECT_EQ(slurp("err2.txt"), "");

  ASSERT_EQ(sh(onshi + " import m.csv --data-dir d --report r.json > /dev/null 2>&1"), 0)
      << slurp("r.json");
  EXPECT_NE(slurp("r.json").find("\"unchanged\":3000"), std::string::npos) << slurp("r.json");
}

}  // namespace
}  // namespace onshi
