// Card challenges across servers (issue 12 §1, §6; R-CONF-1): two verifiers — two servers'
// worth of card::Verifier, each over its own Database object on one database — share the
// J-LIS CA files of one data directory and the register and challenges of the database. A
// challenge issued by one is answered through the other, once: a replay through either is
// refused, and when both race to accept the same answer exactly one does. Run on every
// backend.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "card/card.h"
#include "card_helpers.h"
#include "core/date.h"
#include "security/crypto.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::card {
namespace {

const char* kClinic = "1310112345";

class CardAcrossServersTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    a_ = testing::open_db(dir(), tdb_.url());
    b_ = testing::open_db(dir(), tdb_.url());
    ASSERT_TRUE(a_ && b_);
    // The keyring first: issuing then needs nothing of the member store.
    ASSERT_TRUE(security::Keyring::load_or_create(dir()).ok());
    IssueOptions o;
    o.my_number = number();
    o.pin = "1234";
    o.label = "試験 花子";
    auto issued = issue(dir(), *a_, o, card_file());
    ASSERT_TRUE(issued.ok()) << issued.error().code << " " << issued.error().message;
    // 初回登録 as the register records it.
    ASSERT_TRUE(b_->cards().set_linked(issued->serial, core::now_unix_us()).ok());
    auto va = Verifier::open(dir(), a_->cards());
    auto vb = Verifier::open(dir(), b_->cards());
    ASSERT_TRUE(va.ok() && vb.ok());
    va_ = std::move(*va);
    vb_ = std::move(*vb);
  }
  const std::filesystem::path& dir() const { return tdb_.dir(); }
  std::filesystem::path card_file() const { return dir() / "hanako.card"; }
  static std::string number() { return testing::my_number("12345678901"); }

  // The card's answer to a challenge made by `v`.
  Presentation present(Verifier& v) {
    auto challenge = v.challenge(kClinic);
    EXPECT_TRUE(challenge.ok());
    auto card = Card::load(card_file());
    EXPECT_TRUE(card.ok());
    auto p = card->present(challenge.ok() ? *challenge : "", Method::kFace, "");
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : Presentation{};
  }

  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<store::Database> a_, b_;
  std::unique_ptr<Verifier> va_, vb_;
};

// Issue 12 §6: "a card challenge issued by one server is answered through the other".
TEST_P(CardAcrossServersTest, ChallengeIssuedByOneServerIsAnsweredThroughTheOther) {
  Presentation p = present(*va_);
  auto verified = vb_->verify(p, kClinic);
  ASSERT_TRUE(verified.ok()) << verified.error().code << " " << verified.error().message;
  auto keyring = security::Keyring::load_or_create(dir());
  EXPECT_EQ(verified->person_link, keyring->person_link(number()));
  for (Verifier* v : {va_.get(), vb_.get()}) {
    auto replay = v->verify(p, kClinic);
    ASSERT_FALSE(replay.ok());
    EXPECT_EQ(replay.error().code, "E_CARD_CHALLENGE");
  }
  // Garbage where the challenge goes (a NUL, not base64url) is refused as a challenge, never
  // passed to the database as a store error.
  Presentation garbage = present(*va_);
  garbage.challenge = std::string("a\0b\xff", 4);
  auto refused = vb_->verify(garbage, kClinic);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "E_CARD_CHALLENGE");
  // Bound to the institution that asked, whichever server checks it.
  Presentation q = present(*vb_);
  auto elsewhere = va_->verify(q, "3410712362");
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, "E_CARD_CHALLENGE");
}

// Issue 12 §1 ("single use must hold across servers"): both servers, two threads each, try
// to accept the same answers; each answer is accepted exactly once.
TEST_P(CardAcrossServersTest, AnAnswerIsAcceptedOnceWhenServersRace) {
  constexpr int kAnswers = 8;
  std::vector<Presentation> answers;
  for (int i = 0; i < kAnswers; ++i) answers.push_back(present(i % 2 ? *va_ : *vb_));
  std::vector<std::atomic<int>> accepted(kAnswers);
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Verifier* v = t % 2 ? va_.get() : vb_.get();
    threads.emplace_back([&, v] {
      for (int i = 0; i < kAnswers; ++i) {
        auto r = v->verify(answers[i], kClinic);
        if (r.ok())
          ++accepted[i];
        else if (r.error().code != "E_CARD_CHALLENGE")
          ++other_errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other_errors.load(), 0);
  for (int i = 0; i < kAnswers; ++i) EXPECT_EQ(accepted[i].load(), 1) << "answer " << i;
}

INSTANTIATE_TEST_SUITE_P(Backends, CardAcrossServersTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::card
