// The compact member rows of the SQLite store (store/sqlite_member_rows.h) against the same
// population stored as text: a generated population of 100,000 (every kind of member the
// generator makes: certificates, family members, branch numbers, members with and without a
// My Number) imported into a store that compresses and one that does not, every version and
// every lookup compared; then a store of text rows rewritten by compact_versions, as
// `onshi db migrate` does for a store written before schema 5.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>

#include "demo/generator.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/legacy_rows.h"
#include "store/payload.h"
#include "test_util.h"

namespace onshi::registry {
namespace {

using testutil::TempDir;
constexpr int64_t kMembers = 100000;

std::unique_ptr<store::Store> open(const std::filesystem::path& dir, bool compress) {
  store::SqliteOptions o;
  o.compress_payloads = compress;
  auto s = store::open_sqlite(store::store_path(dir), o);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

std::vector<store::QualificationVersion> all_versions(store::Store& s) {
  std::vector<store::QualificationVersion> out;
  EXPECT_TRUE(s.scan_versions([&](const store::QualificationVersion& v) {
    out.push_back(v);
    return true;
  }));
  return out;
}

// Every field of two versions, the qualification as its payload text.
void expect_same(const store::QualificationVersion& a, const store::QualificationVersion& b) {
  ASSERT_EQ(store::encode_payload(a.qualification), store::encode_payload(b.qualification));
  EXPECT_EQ(a.version_id, b.version_id);
  EXPECT_EQ(a.person_link, b.person_link);
  EXPECT_EQ(a.my_number_sealed.empty(), b.my_number_sealed.empty());
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.conversions, b.conversions);
}

// One SQL answer of the store file in `dir` as text ("" when none).
std::string query(const std::filesystem::path& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(store::store_path(dir).c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

class CompactStore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    demo::GeneratorOptions g;
    g.count = kMembers;
    g.seed = 19;
    ASSERT_TRUE(demo::write_members_csv(g, *dir_ / "m.csv", core::Encoding::kUtf8, false));
  }
  static void TearDownTestSuite() { delete dir_; }
  static Report import(store::Store& s) {
    auto r = import_csv(s, keyring_, *dir_ / "m.csv");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : Report{};
  }
  // Compares every version of `a` and `b`, and for a sample of members every lookup.
  static void expect_same_stores(store::Store& a, store::Store& b) {
    auto va = all_versions(a), vb = all_versions(b);
    ASSERT_EQ(va.size(), static_cast<size_t>(kMembers));
    ASSERT_EQ(va.size(), vb.size());
    for (size_t i = 0; i < va.size(); ++i) expect_same(va[i], vb[i]);
    std::mt19937 rng(7);
    for (int n = 0; n < 2000; ++n) {
      const auto& v = va[rng() % va.size()];
      auto x = a.qualification_as_of(v.qualification.card_key(), INT64_MAX);
      auto y = b.qualification_as_of(v.qualification.card_key(), INT64_MAX);
      ASSERT_TRUE(x.ok() && y.ok() && x->has_value() && y->has_value());
      expect_same(**x, **y);
      if (v.person_link.empty()) continue;
      auto px = a.find_by_person_link(v.person_link, INT64_MAX);
      auto py = b.find_by_person_link(v.person_link, INT64_MAX);
      ASSERT_TRUE(px.ok() && py.ok());
      ASSERT_EQ(px->size(), py->size());
      for (size_t i = 0; i < px->size(); ++i) expect_same((*px)[i], (*py)[i]);
    }
  }

  static TempDir* dir_;
  static security::Keyring keyring_;
};
TempDir* CompactStore::dir_ = nullptr;
security::Keyring CompactStore::keyring_ =
    security::Keyring::from_master_key(std::string(32, 'k'));

// R-REG-1, R-CONF-1: the compact rows answer exactly what text rows answer; a process that
// opened the store before the dictionary existed reads rows compressed by another; the file
// is smaller; running the file again finds every member unchanged.
TEST_F(CompactStore, AnswersEqualThoseOfTextRows) {
  TempDir text_dir, compact_dir;
  auto text = open(text_dir.path(), false);
  auto early = open(compact_dir.path(), true);  // opened before any row
  auto compact = open(compact_dir.path(), true);
  ASSERT_TRUE(text && early && compact);
  EXPECT_EQ(import(*text).accepted, kMembers);
  EXPECT_EQ(import(*compact).accepted, kMembers);
  expect_same_stores(*text, *early);

  EXPECT_EQ(query(compact_dir.path(), "SELECT count(*) FROM payload_dictionary"), "1");
  EXPECT_EQ(query(compact_dir.path(),
                  "SELECT count(*) FROM qualification_version WHERE typeof(payload) <> 'blob' "
                  "OR source <> '' OR insurer_number <> '' OR source_id IS NULL"),
            "0");
  EXPECT_EQ(query(text_dir.path(), "SELECT count(*) FROM payload_dictionary"), "0");
  const auto text_bytes = std::filesystem::file_size(store::store_path(text_dir.path()));
  const auto compact_bytes = std::filesystem::file_size(store::store_path(compact_dir.path()));
  EXPECT_LT(compact_bytes * 10, text_bytes * 7) << compact_bytes << " against " << text_bytes;

  Report again = import(*compact);
  EXPECT_EQ(again.accepted, 0);
  EXPECT_EQ(again.unchanged, kMembers);
}

// R-REG-1: a store of text rows (as written before schema 5: the source as text, no source
// number, insurer_number filled) is rewritten by compact_versions: the same versions, every
// row compact, the file smaller; a second run rewrites nothing, and the file run again finds
// every member unchanged.
TEST_F(CompactStore, LegacyRowsAreRewrittenWithoutChange) {
  TempDir reference_dir, legacy_dir;
  auto reference = open(reference_dir.path(), false);
  auto legacy = open(legacy_dir.path(), false);
  ASSERT_TRUE(reference && legacy);
  import(*reference);
  import(*legacy);
  legacy.reset();
  ASSERT_NO_FATAL_FAILURE(
      testing::make_rows_as_before_schema5(store::store_path(legacy_dir.path())));
  const auto before = std::filesystem::file_size(store::store_path(legacy_dir.path()));

  legacy = open(legacy_dir.path(), true);
  int64_t reported = 0;
  auto n = legacy->compact_versions([&](int64_t rows) { reported = rows; });
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, kMembers);
  EXPECT_EQ(reported, kMembers);
  expect_same_stores(*reference, *legacy);
  EXPECT_EQ(query(legacy_dir.path(),
                  "SELECT count(*) FROM qualification_version WHERE typeof(payload) <> 'blob' "
                  "OR source_id IS NULL"),
            "0");
  const auto after = std::filesystem::file_size(store::store_path(legacy_dir.path()));
  EXPECT_LT(after * 10, before * 7) << after << " against " << before;

  auto again = legacy->compact_versions(nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(import(*legacy).unchanged, kMembers);
}

}  // namespace
}  // namespace onshi::registry
