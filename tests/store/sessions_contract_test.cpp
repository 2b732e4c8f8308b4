// The person sessions of the card store (store/cards.h), written once and run on every
// backend: a session reads back by the hash of its token, each use moves its idle clock, an
// idle one is gone (and purged), sign-out removes it, and another Database on the same URL
// (another server) sees the same sessions (issue 17 point 1; R-CARD-2).
#include <gtest/gtest.h>

#include <string>

#include "store/database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

class SessionsContractTest : public ::testing::TestWithParam<std::string> {
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
  static PersonSession session(int64_t at) {
    return PersonSession{std::string("\0\x02\xfe", 3), "5F3A", "portal-1", at, at};
  }
  static constexpr int64_t kT = 1700000000000000;
  static constexpr int64_t kIdle = 30LL * 60 * 1000000;

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// R-CARD-2: a session is found by its token's hash (raw bytes), on this and on another
// Database; each use records the time; a hash put twice is refused.
TEST_P(SessionsContractTest, SessionReadsBackAndRecordsUse) {
  CardStore& cards = db_->cards();
  const std::string hash("\x01\x00\xff\x10", 4);
  ASSERT_TRUE(cards.put_session(hash, session(kT), kT - kIdle).ok());
  auto used = cards.use_session(hash, kT + 1000, kT + 1000 - kIdle);
  ASSERT_TRUE(used.ok()) << used.error().message;
  ASSERT_TRUE(used->has_value());
  EXPECT_EQ((*used)->person_link, std::string("\0\x02\xfe", 3));
  EXPECT_EQ((*used)->serial, "5F3A");
  EXPECT_EQ((*used)->portal, "portal-1");
  EXPECT_EQ((*used)->created_at_us, kT);
  EXPECT_EQ((*used)->last_used_at_us, kT + 1000);

  auto other = open();
  auto seen = other->cards().use_session(hash, kT + 2000, kT + 2000 - kIdle);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->last_used_at_us, kT + 2000);

  auto twice = cards.put_session(hash, session(kT), kT - kIdle);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "E_STORE");

  auto unknown = cards.use_session(std::string("\x02", 1), kT, kT - kIdle);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

// R-CARD-2: 30 minutes idle end a session — measured from its last use, not its start — and
// an idle session stays gone even if asked with a longer window afterwards.
TEST_P(SessionsContractTest, IdleSessionEnds) {
  CardStore& cards = db_->cards();
  const std::string hash("idle-hash");
  ASSERT_TRUE(cards.put_session(hash, session(kT), kT - kIdle).ok());
  const int64_t later = kT + kIdle - 1;  // used just inside the window
  auto kept = cards.use_session(hash, later, later - kIdle);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  const int64_t gone_at = later + kIdle + 1;
  auto gone = cards.use_session(hash, gone_at, gone_at - kIdle);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto still_gone = cards.use_session(hash, gone_at, 0);
  ASSERT_TRUE(still_gone.ok());
  EXPECT_FALSE(still_gone->has_value());
}

// R-CARD-2: sign-out removes the session at once for every server; ending it twice is false.
// Putting a session purges the idle ones of others.
TEST_P(SessionsContractTest, EndAndPurge) {
  CardStore& cards = db_->cards();
  ASSERT_TRUE(cards.put_session("a", session(kT), kT - kIdle).ok());
  ASSERT_TRUE(cards.put_session("old", session(kT - 2 * kIdle), kT - 3 * kIdle).ok());
  auto other = open();
  auto ended = cards.end_session("a");
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(*ended);
  auto again = other->cards().end_session("a");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto after = other->cards().use_session("a", kT, kT - kIdle);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());

  ASSERT_TRUE(cards.put_session("new", session(kT), kT - kIdle).ok());
  auto purged = cards.end_session("old");
  ASSERT_TRUE(purged.ok());
  EXPECT_FALSE(*purged);  // removed by the put above, as idle
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionsContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
