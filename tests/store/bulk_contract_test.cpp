// The bulk-reception store's contract (store/bulk.h), written once and run on every backend:
// the number's form, the document under its number for its institution only, nothing stored
// when rendering fails, numbers unique under concurrent adds from two Database objects (two
// servers), and the 7-day retention (issue 12 §1, §3, §5; research onshi-interface §2.2).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/date.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

class BulkContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    db_ = open();
  }
  std::unique_ptr<Database> open() {
    auto db = open_store(tdb_.url());
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(*db) : nullptr;
  }
  // Adds a document "<doc n=NUMBER>body</doc>" for `institution` at `now`.
  static Result<std::string> add(BulkStore& bulk, const std::string& institution, int64_t now,
                                 const std::string& body = "受付") {
    return bulk.add(institution, now, [&](const std::string& n) -> Result<std::string> {
      return "<doc n=\"" + n + "\">" + body + "</doc>";
    });
  }

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// Issue 12 §1: a reception number is YYYYMMDD (JST) + 8 digits; the document is handed back
// byte for byte to the institution that made it, and to no other.
TEST_P(BulkContractTest, DocumentBelongsToItsInstitution) {
  BulkStore& bulk = db_->bulk();
  const int64_t now = core::now_unix_us();
  auto number = add(bulk, "1310112345", now);
  ASSERT_TRUE(number.ok()) << number.error().message;
  ASSERT_EQ(number->size(), 16u);
  EXPECT_EQ(number->substr(0, 8), core::timestamp_jst(now).substr(0, 8));
  EXPECT_EQ(number->find_first_not_of("0123456789"), std::string::npos);

  auto doc = bulk.get(*number, "1310112345");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  ASSERT_TRUE(doc->has_value());
  EXPECT_EQ(**doc, "<doc n=\"" + *number + "\">受付</doc>");
  auto other = bulk.get(*number, "3410712362");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  EXPECT_FALSE(bulk.get("2099010100000001", "1310112345")->has_value());

  auto elsewhere = open();  // another server on the same database
  auto seen = elsewhere->bulk().get(*number, "1310112345");
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ(**seen, **doc);
}

// A document that cannot be rendered is not stored; the store stays usable.
TEST_P(BulkContractTest, FailedRenderStoresNothing) {
  BulkStore& bulk = db_->bulk();
  std::string offered;
  auto failed =
      bulk.add("1310112345", core::now_unix_us(), [&](const std::string& n) -> Result<std::string> {
        offered = n;
        return Error{"E_XML", "", "cannot render"};
      });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "E_XML");
  EXPECT_FALSE(bulk.get(offered, "1310112345")->has_value());
  EXPECT_TRUE(add(bulk, "1310112345", core::now_unix_us()).ok());
}

// Issue 12 §5: two servers (two Database objects), two threads each, adding at once: every
// number is unique and every document is found under its own number.
TEST_P(BulkContractTest, NumbersAreUniqueAcrossServers) {
  auto other = open();
  std::mutex mu;
  std::set<std::string> numbers;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  constexpr int kEach = 15;
  for (int t = 0; t < 4; ++t) {
    BulkStore& bulk = (t % 2 == 0 ? db_ : other)->bulk();
    threads.emplace_back([&, t, &bulk = bulk] {
      for (int i = 0; i < kEach; ++i) {
        auto n = add(bulk, "1310112345", core::now_unix_us(), std::to_string(t));
        if (!n.ok()) {
          ++errors;
          ADD_FAILURE() << n.error().code << " " << n.error().message;
          continue;
        }
        std::lock_guard lock(mu);
        EXPECT_TRUE(numbers.insert(*n).second) << "number handed out twice: " << *n;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(numbers.size(), 4u * kEach);
  for (const std::string& n : numbers) {
    auto doc = db_->bulk().get(n, "1310112345");
    ASSERT_TRUE(doc.ok() && doc->has_value()) << n;
    EXPECT_NE((*doc)->find("n=\"" + n + "\""), std::string::npos);
  }
}

// Research onshi-interface §2.2: results are kept for 7 days; older ones go when a new
// reception arrives.
TEST_P(BulkContractTest, ReceptionsAreKeptSevenDays) {
  BulkStore& bulk = db_->bulk();
  const int64_t now = core::now_unix_us();
  const int64_t day = 24LL * 3600 * 1000000;
  auto old = add(bulk, "1310112345", now - 8 * day);
  auto recent = add(bulk, "1310112345", now - 6 * day);
  ASSERT_TRUE(old.ok() && recent.ok());
  EXPECT_TRUE(bulk.get(*old, "1310112345")->has_value());  // nothing removed it yet
  ASSERT_TRUE(add(bulk, "1310112345", now).ok());
  EXPECT_FALSE(bulk.get(*old, "1310112345")->has_value());
  EXPECT_TRUE(bulk.get(*recent, "1310112345")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, BulkContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
