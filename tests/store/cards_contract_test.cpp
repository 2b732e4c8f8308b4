// The card store's contract (store/cards.h), written once and run on every backend: the
// register's rows and its first-time-kept rules, and the one-time challenges — taken exactly
// once even when threads of two Database objects (two processes' worth of connections) race
// for them, expired ones purged, the cap on open ones (issue 12 §1, §3; R-CONF-1, R-CARD-1).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/date.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

class CardsContractTest : public ::testing::TestWithParam<std::string> {
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
  static CardRow row(const std::string& serial, std::string link = std::string("\0\x01\xff", 3)) {
    CardRow r;
    r.serial = serial;
    r.person_link = std::move(link);
    r.label = "試験 花子";
    r.issued_at_us = 1700000000000000;
    return r;
  }

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// R-CARD-1, issue 12 §1: a card row reads back as written (the person link is raw bytes);
// an unknown serial is nullopt; a serial registered twice is refused and the first row stays.
TEST_P(CardsContractTest, RegisterKeepsRowsAsWritten) {
  CardStore& cards = db_->cards();
  ASSERT_TRUE(cards.insert(row("1A2B3C")).ok());
  auto found = cards.find("1A2B3C");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->serial, "1A2B3C");
  EXPECT_EQ((*found)->person_link, std::string("\0\x01\xff", 3));
  EXPECT_EQ((*found)->label, "試験 花子");
  EXPECT_EQ((*found)->issued_at_us, 1700000000000000);
  EXPECT_FALSE((*found)->linked_at_us.has_value());
  EXPECT_FALSE((*found)->revoked_at_us.has_value());

  auto unknown = cards.find("FFFF");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  auto twice = cards.insert(row("1A2B3C", "other"));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "E_STORE");
  EXPECT_EQ((*cards.find("1A2B3C"))->person_link, std::string("\0\x01\xff", 3));

  // Another Database on the same URL sees the row.
  auto other = open();
  auto seen = other->cards().find("1A2B3C");
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->has_value());
}

// R-CARD-1: linking and revoking keep the first time; an unknown serial changes nothing.
TEST_P(CardsContractTest, LinkedAndRevokedKeepTheFirstTime) {
  CardStore& cards = db_->cards();
  ASSERT_TRUE(cards.insert(row("AA01")).ok());
  ASSERT_TRUE(cards.set_linked("AA01", 100).ok());
  ASSERT_TRUE(cards.set_linked("AA01", 200).ok());
  ASSERT_TRUE(cards.set_revoked("AA01", 300).ok());
  ASSERT_TRUE(cards.set_revoked("AA01", 400).ok());
  auto r = cards.find("AA01");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->linked_at_us, 100);
  EXPECT_EQ((*r)->revoked_at_us, 300);
  EXPECT_TRUE(cards.set_linked("NONE", 1).ok());
  EXPECT_TRUE(cards.set_revoked("NONE", 1).ok());
  EXPECT_FALSE(cards.find("NONE")->has_value());
}

// R-CONF-1: a challenge is taken once, with its institution and expiry; a challenge never
// put is not there.
TEST_P(CardsContractTest, ChallengeIsTakenOnce) {
  CardStore& cards = db_->cards();
  const int64_t now = core::now_unix_us();
  ASSERT_TRUE(cards.put_challenge("c-1", "1310112345", now, now + 120000000, 100).ok());
  auto taken = cards.take_challenge("c-1");
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->institution, "1310112345");
  EXPECT_EQ((*taken)->expires_at_us, now + 120000000);
  auto again = cards.take_challenge("c-1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto never = cards.take_challenge("never-put");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->has_value());
}

// Issue 12 §1, §6: a challenge put through one Database (one server) is taken through
// another, and then it is gone for both.
TEST_P(CardsContractTest, ChallengePutByOneServerIsTakenByAnother) {
  auto other = open();
  const int64_t now = core::now_unix_us();
  ASSERT_TRUE(db_->cards().put_challenge("shared", "1310112345", now, now + 60000000, 100).ok());
  auto taken = other->cards().take_challenge("shared");
  ASSERT_TRUE(taken.ok());
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->institution, "1310112345");
  EXPECT_FALSE(db_->cards().take_challenge("shared")->has_value());
}

// Issue 12 §1 ("single use must hold across servers"): threads of two Database objects race
// to take the same challenges; each one is taken by exactly one of them.
TEST_P(CardsContractTest, ChallengeIsTakenExactlyOnceUnderRaces) {
  auto other = open();
  const int64_t now = core::now_unix_us();
  constexpr int kChallenges = 40;
  for (int i = 0; i < kChallenges; ++i)
    ASSERT_TRUE(db_->cards()
                    .put_challenge("race-" + std::to_string(i), "X", now, now + 600000000, 1000)
                    .ok());
  std::vector<std::atomic<int>> wins(kChallenges);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    CardStore& cards = (t % 2 == 0 ? db_ : other)->cards();
    threads.emplace_back([&cards, &wins, &errors] {
      for (int i = 0; i < kChallenges; ++i) {
        auto r = cards.take_challenge("race-" + std::to_string(i));
        if (!r.ok())
          ++errors;
        else if (r->has_value())
          ++wins[i];
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  for (int i = 0; i < kChallenges; ++i) EXPECT_EQ(wins[i].load(), 1) << "challenge " << i;
}

// R-CONF-1: an expired challenge is purged by the next put; one not purged yet comes back
// with its expiry, so the caller can refuse it.
TEST_P(CardsContractTest, ExpiredChallengesArePurged) {
  CardStore& cards = db_->cards();
  const int64_t now = core::now_unix_us();
  ASSERT_TRUE(cards.put_challenge("old", "X", now - 200, now - 100, 100).ok());
  ASSERT_TRUE(cards.put_challenge("fresh", "X", now, now + 60000000, 100).ok());
  EXPECT_FALSE(cards.take_challenge("old")->has_value());
  ASSERT_TRUE(cards.put_challenge("late", "X", now, now, 100).ok());  // expires as it is made
  auto late = cards.take_challenge("late");
  ASSERT_TRUE(late.ok());
  if (late->has_value()) {
    EXPECT_LE((*late)->expires_at_us, now);
  }
  EXPECT_TRUE(cards.take_challenge("fresh")->has_value());
}

// R-CONF-1: beyond the cap the oldest open challenges are dropped; putting one that is open
// already is an error.
TEST_P(CardsContractTest, OldestChallengesAreDroppedBeyondTheCap) {
  CardStore& cards = db_->cards();
  const int64_t now = core::now_unix_us();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(cards.put_challenge("cap-" + std::to_string(i), "X", now, now + 60000000, 3).ok());
  EXPECT_FALSE(cards.take_challenge("cap-0")->has_value());
  EXPECT_FALSE(cards.take_challenge("cap-1")->has_value());
  for (int i = 2; i < 5; ++i)
    EXPECT_TRUE(cards.take_challenge("cap-" + std::to_string(i))->has_value()) << i;

  ASSERT_TRUE(cards.put_challenge("only", "X", now, now + 60000000, 0).ok());
  EXPECT_TRUE(cards.take_challenge("only")->has_value());  // a cap of 0 keeps the new one

  ASSERT_TRUE(cards.put_challenge("dup", "X", now, now + 60000000, 3).ok());
  auto dup = cards.put_challenge("dup", "Y", now, now + 60000000, 3);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "E_STORE");
  auto kept = cards.take_challenge("dup");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->institution, "X");
}

INSTANTIATE_TEST_SUITE_P(Backends, CardsContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
