// The access store's contract (store/access.h), written once and run on every backend:
// consents (latest per person, institution and category; withdrawal by scope, seen at once by
// a second Database — a second server), disaster periods (declare, end early, list) and
// professional accounts (register, remove, register again), the gate's one read of an account
// and a consent, and the verbatim puts of a copy.
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

constexpr int64_t kHour = 3600LL * 1000000;
const std::string kPerson(32, '\x07');
const std::string kOther(32, '\x09');

ConsentRow consent(const std::string& person, const std::string& institution,
                   const std::string& category, int64_t at) {
  ConsentRow r;
  r.person_link = person;
  r.institution = institution;
  r.category = category;
  r.care_setting = "1";
  r.card_serial = "0A1B";
  r.consented_at_us = at;
  r.available_until_us = at + 24 * kHour;
  return r;
}

class AccessContractTest : public ::testing::TestWithParam<std::string> {
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
  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// R-CONF-5: the latest consent of (person, institution, category) is the one that counts;
// other institutions' and other people's consents are apart.
TEST_P(AccessContractTest, LatestConsentPerPersonInstitutionCategory) {
  AccessStore& s = db_->access();
  const int64_t t = 1'700'000'000'000'000;
  auto ids = s.put_consents(std::vector<ConsentRow>{
      consent(kPerson, "1310112345", "YZK", t), consent(kPerson, "1310112345", "YZK", t + kHour),
      consent(kPerson, "1310112345", "TKK", t), consent(kOther, "1310112345", "YZK", t + 2 * kHour),
      consent(kPerson, "2710154321", "YZK", t + 3 * kHour)});
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  ASSERT_EQ(ids->size(), 5u);
  EXPECT_LT((*ids)[0], (*ids)[1]);

  auto latest = s.latest_consent(kPerson, "1310112345", "YZK");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, (*ids)[1]);
  EXPECT_EQ((*latest)->consented_at_us, t + kHour);
  EXPECT_EQ((*latest)->available_until_us, t + 25 * kHour);
  EXPECT_EQ((*latest)->person_link, kPerson);
  EXPECT_FALSE((*latest)->withdrawn_at_us);

  auto none = s.latest_consent(kPerson, "1310112345", "SRJ");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto all = s.consents_of(kPerson);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
}

// R-CONF-5 (OQSCD031 2): a withdrawal ends the live consents in its scope at once, for a
// second Database on the same store too; ended ones are not touched.
TEST_P(AccessContractTest, WithdrawalIsImmediateEverywhere) {
  AccessStore& s = db_->access();
  const int64_t now = 1'700'000'000'000'000;
  ASSERT_TRUE(s.put_consents(
                   std::vector<ConsentRow>{consent(kPerson, "1310112345", "YZK", now - kHour),
                                           consent(kPerson, "1310112345", "TKK", now - kHour),
                                           consent(kPerson, "2710154321", "YZK", now - kHour),
                                           consent(kPerson, "1310112345", "SRJ", now - 48 * kHour)})
                  .ok());
  auto second = open();
  ASSERT_TRUE(second);
  auto n = second->access().withdraw_consents(kPerson, "1310112345", "YZK", "2", now);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1);
  auto c = s.latest_consent(kPerson, "1310112345", "YZK");
  ASSERT_TRUE(c.ok() && c->has_value());
  ASSERT_TRUE((*c)->withdrawn_at_us);
  EXPECT_EQ(*(*c)->withdrawn_at_us, now);
  EXPECT_EQ((*c)->withdrawn_reason, "2");
  // Every institution, every category: the two still live; the expired SRJ stays as it was.
  auto rest = s.withdraw_consents(kPerson, "", "", "2", now + 1);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, 2);
  auto srj = s.latest_consent(kPerson, "1310112345", "SRJ");
  ASSERT_TRUE(srj.ok() && srj->has_value());
  EXPECT_FALSE((*srj)->withdrawn_at_us);
  auto again = s.withdraw_consents(kPerson, "", "", "2", now + 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

// R-CONF-5 (災害時): periods are listed by id; ending one shortens it once.
TEST_P(AccessContractTest, DisasterPeriods) {
  AccessStore& s = db_->access();
  DisasterPeriod p{0, {"13", "14"}, 1000, 5000, 900, std::nullopt, "首都直下地震"};
  auto id = s.declare_disaster(p);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto id2 = s.declare_disaster(DisasterPeriod{0, {"27"}, 2000, 3000, 950, std::nullopt, ""});
  ASSERT_TRUE(id2.ok());
  EXPECT_GT(*id2, *id);
  auto ended = open()->access().end_disaster(*id, 2500);
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(*ended);
  auto twice = s.end_disaster(*id, 2600);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  auto unknown = s.end_disaster(*id2 + 100, 2600);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(*unknown);
  auto all = s.disasters();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].prefectures, (std::vector<std::string>{"13", "14"}));
  EXPECT_EQ((*all)[0].to_us, 2500);
  EXPECT_EQ((*all)[0].ended_at_us, std::optional<int64_t>(2500));
  EXPECT_EQ((*all)[0].note, "首都直下地震");
  EXPECT_EQ((*all)[1].to_us, 3000);
}

// R-CONF-5: an account is registered, removed, and registered again with another role.
TEST_P(AccessContractTest, ProfessionalAccounts) {
  AccessStore& s = db_->access();
  ASSERT_TRUE(s.put_account({"1310112345", "dr.yamada", "doctor", 100, std::nullopt}).ok());
  ASSERT_TRUE(s.put_account({"1310112345", "uketsuke", "reception", 110, std::nullopt}).ok());
  ASSERT_TRUE(s.put_account({"1340112345", "yakuzai", "pharmacist", 120, std::nullopt}).ok());
  auto removed = s.remove_account("1310112345", "dr.yamada", 200);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  auto twice = s.remove_account("1310112345", "dr.yamada", 300);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  auto a = s.find_account("1310112345", "dr.yamada");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->removed_at_us, std::optional<int64_t>(200));
  ASSERT_TRUE(s.put_account({"1310112345", "dr.yamada", "dentist", 400, std::nullopt}).ok());
  a = s.find_account("1310112345", "dr.yamada");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->role, "dentist");
  EXPECT_EQ((*a)->registered_at_us, 400);
  EXPECT_FALSE((*a)->removed_at_us);
  auto mine = s.accounts("1310112345");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].account_id, "dr.yamada");
  auto everyone = s.accounts("");
  ASSERT_TRUE(everyone.ok());
  EXPECT_EQ(everyone->size(), 3u);
  auto none = s.find_account("1310112345", "nobody");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// R-CONF-5 (the gate's read): gate_facts is find_account and latest_consent in one read —
// each part present or not on its own, no consent read without a person — and sees a
// withdrawal and a removed account made after an earlier call.
TEST_P(AccessContractTest, GateFactsAreTheAccountAndTheLatestConsent) {
  AccessStore& s = db_->access();
  const int64_t t = 1'700'000'000'000'000;
  ASSERT_TRUE(s.put_account({"1310112345", "dr", "doctor", 100, std::nullopt}).ok());
  ASSERT_TRUE(s.put_consents(std::vector<ConsentRow>{consent(kPerson, "1310112345", "YZK", t),
                                                     consent(kPerson, "1310112345", "YZK", t + kHour),
                                                     consent(kPerson, "2710154321", "TKK", t)})
                  .ok());
  auto both = s.gate_facts("1310112345", "dr", kPerson, "YZK");
  ASSERT_TRUE(both.ok()) << both.error().message;
  ASSERT_TRUE(both->account.has_value());
  EXPECT_EQ(*both->account, **s.find_account("1310112345", "dr"));
  ASSERT_TRUE(both->consent.has_value());
  EXPECT_EQ(*both->consent, **s.latest_consent(kPerson, "1310112345", "YZK"));
  EXPECT_EQ(both->consent->consented_at_us, t + kHour);

  auto no_person = s.gate_facts("1310112345", "dr", "", "YZK");
  ASSERT_TRUE(no_person.ok());
  EXPECT_TRUE(no_person->account.has_value());
  EXPECT_FALSE(no_person->consent.has_value());
  auto no_account = s.gate_facts("1310112345", "nobody", kPerson, "YZK");
  ASSERT_TRUE(no_account.ok());
  EXPECT_FALSE(no_account->account.has_value());
  EXPECT_TRUE(no_account->consent.has_value());
  auto other_category = s.gate_facts("1310112345", "dr", kPerson, "TKK");
  ASSERT_TRUE(other_category.ok());
  EXPECT_FALSE(other_category->consent.has_value());

  ASSERT_TRUE(s.withdraw_consents(kPerson, "1310112345", "YZK", "2", t + 2 * kHour).ok());
  ASSERT_TRUE(s.remove_account("1310112345", "dr", 500).ok());
  auto after = s.gate_facts("1310112345", "dr", kPerson, "YZK");
  ASSERT_TRUE(after.ok());
  ASSERT_TRUE(after->account && after->consent);
  EXPECT_EQ(after->account->removed_at_us, std::optional<int64_t>(500));
  EXPECT_EQ(after->consent->withdrawn_reason, "2");
}

// The verbatim puts of `onshi db copy`: identical rows are skipped, different ones refused
// whole, and later ids continue after the copied ones.
TEST_P(AccessContractTest, VerbatimPuts) {
  AccessStore& s = db_->access();
  ConsentRow c = consent(kPerson, "1310112345", "YZK", 1000);
  c.id = 41;
  auto n = s.put_consents_verbatim(std::vector<ConsentRow>{c});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1);
  n = s.put_consents_verbatim(std::vector<ConsentRow>{c});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  ConsentRow changed = c;
  changed.category = "TKK";
  auto refused = s.put_consents_verbatim(std::vector<ConsentRow>{changed});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "E_COPY_CONFLICT");
  auto next = s.put_consents(std::vector<ConsentRow>{consent(kPerson, "1310112345", "SRJ", 2000)});
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->front(), 41);
  std::vector<ConsentRow> seen;
  ASSERT_TRUE(s.scan_consents(0, 10, [&](const ConsentRow& r) {
    seen.push_back(r);
    return true;
  }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0] == c);

  DisasterPeriod d{7, {"13"}, 1, 2, 0, std::nullopt, "x"};
  auto dn = s.put_disasters_verbatim(std::vector<DisasterPeriod>{d, d});
  ASSERT_TRUE(dn.ok()) << dn.error().message;
  EXPECT_EQ(*dn, 1);
  auto did = s.declare_disaster(DisasterPeriod{0, {"14"}, 1, 2, 0, std::nullopt, ""});
  ASSERT_TRUE(did.ok());
  EXPECT_GT(*did, 7);
  ProfessionalAccount a{"1310112345", "dr", "doctor", 5, 6};
  auto an = s.put_accounts_verbatim(std::vector<ProfessionalAccount>{a});
  ASSERT_TRUE(an.ok());
  EXPECT_EQ(*an, 1);
  a.role = "dentist";
  auto aconf = s.put_accounts_verbatim(std::vector<ProfessionalAccount>{a});
  ASSERT_FALSE(aconf.ok());
  EXPECT_EQ(aconf.error().code, "E_COPY_CONFLICT");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
