// The seeds' rules of the institutions registry that came last, on every backend: 機種未定 as
// the notice of seed 003 says (the 2021 programme's dates as data), and the statistics of
// R-INST-5 counted from the card register, with the seed's own figures on the page.
#include <gtest/gtest.h>

#include "institutions/institutions.h"
#include "security/ca.h"
#include "store/cards.h"
#include "store/database.h"
#include "store/store.h"
#include "store/test_database.h"

namespace onshi::institutions {
namespace {

using core::Date;

Date D(int y, int m, int d) { return Date::from_ymd(y, m, d); }
const char* kActor = "operator";

class SeedRulesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(db_);
    ASSERT_TRUE(security::ca_init(db_.dir()).ok());
    auto d = store::open_store(db_.url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    database_ = std::move(*d);
    auto r = Registry::open(database_->institutions(), db_.dir());
    ASSERT_TRUE(r.ok()) << r.error().message;
    reg_ = std::move(*r);
  }
  // A provisional entry with its portal account and a card reader applied for on `on`.
  std::string applied(const std::string& model, Date on) {
    auto i = reg_->issue_provisional({"clinic", "13", "機種クリニック", "東京都港区1-1", "01"}, kActor);
    EXPECT_TRUE(i.ok());
    EXPECT_TRUE(reg_->register_portal_account(i->provisional_code, kActor).ok());
    auto a = reg_->apply_card_reader(i->provisional_code, model, on, kActor);
    EXPECT_TRUE(a.ok()) << a.error().message;
    return i->provisional_code;
  }
  std::string change(const std::string& key, ChangeChannel via, Date on) {
    auto r = reg_->change_reader_to_undecided(key, via, on, kActor);
    return r.ok() ? std::string(reader_state_name(r->reader)) + " " + r->reader_model_deadline
                  : r.error().code;
  }

  onshi::testing::TestDatabase db_{GetParam()};
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<Registry> reg_;
};

// R-INST-2 ③ 機種未定 (seed 003): 「令和3年6月末までに機種を選んでいただきます（仮に令和3年6月末までに
// 機種選定をされない場合には、申込みのキャンセルとして扱わせていただきます）」— the deadline is the
// programme's, whatever the month of application; outside a programme there is no 機種未定.
TEST_P(SeedRulesTest, UndecidedDeadlineIsTheProgrammes) {
  ASSERT_EQ(reader_programmes().size(), 1u);
  EXPECT_EQ(reader_programmes()[0].model_deadline.yyyymmdd(), "20210630");
  for (Date on : {D(2021, 2, 1), D(2021, 3, 24), D(2021, 5, 31)}) {
    auto key = applied("機種未定", on);
    EXPECT_EQ(reg_->find(key)->reader_model_deadline, "20210630") << on.yyyymmdd();
  }
  auto i = reg_->issue_provisional({"clinic", "13", "後年クリニック", "東京都港区1-2", "01"}, kActor);
  ASSERT_TRUE(reg_->register_portal_account(i->provisional_code, kActor).ok());
  EXPECT_EQ(reg_->apply_card_reader(i->provisional_code, "", D(2027, 1, 10), kActor).error().code,
            "E_MODEL");
  EXPECT_EQ(reg_->cancel_undecided_readers(D(2021, 7, 1), kActor)->size(), 3u);
}

// R-INST-2 ③ 機種未定への変更 (seed 003): 「令和3年2月1日から2月28日までの間に…申込みをされた方で…
// 4月10日（土）までに、下記コールセンターまでご連絡下さい（ポータルサイトでの変更手続きはできません）」;
// 「令和3年3月1日以降に申し込まれた方は、4月30日（金）までに…3月31日までであれば、ポータルサイトでの
// 変更手続きが可能です。4月1日以降は、下記問い合わせ先までご連絡ください」.
TEST_P(SeedRulesTest, ChangeToUndecidedFollowsTheNotice) {
  auto january = applied("A社 KR-1", D(2021, 1, 29));
  EXPECT_EQ(change(january, ChangeChannel::kCallCentre, D(2021, 3, 5)), "E_MODEL");

  auto february = applied("A社 KR-1", D(2021, 2, 15));
  EXPECT_EQ(change(february, ChangeChannel::kPortal, D(2021, 3, 5)), "E_CHANGE_CHANNEL");
  auto february_late = applied("A社 KR-1", D(2021, 2, 28));
  EXPECT_EQ(change(february_late, ChangeChannel::kCallCentre, D(2021, 4, 11)),
            "E_CHANGE_DEADLINE");
  EXPECT_EQ(change(february, ChangeChannel::kCallCentre, D(2021, 4, 10)), "undecided 20210630");

  auto march = applied("B社 FR-2", D(2021, 3, 1));
  EXPECT_EQ(change(march, ChangeChannel::kPortal, D(2021, 3, 31)), "undecided 20210630");
  auto march_late = applied("B社 FR-2", D(2021, 3, 20));
  EXPECT_EQ(change(march_late, ChangeChannel::kPortal, D(2021, 4, 1)), "E_CHANGE_CHANNEL");
  auto march_call = applied("B社 FR-2", D(2021, 3, 21));
  EXPECT_EQ(change(march_call, ChangeChannel::kCallCentre, D(2021, 4, 30)), "undecided 20210630");
  EXPECT_EQ(change(march_late, ChangeChannel::kCallCentre, D(2021, 5, 1)), "E_CHANGE_DEADLINE");
  // Already 機種未定: nothing to change; a refused change wrote nothing.
  EXPECT_EQ(change(march, ChangeChannel::kCallCentre, D(2021, 4, 2)), "E_STATE");
  EXPECT_EQ(reg_->find(march_late)->reader, ReaderState::kApplied);
  EXPECT_EQ(reg_->find(march_late)->reader_model, "B社 FR-2");
}

// R-INST-5 counted, not typed: cards issued and registered (初回登録) from the card register and
// its links, per month and per prefecture of the holder's insurer; the statistics use them.
TEST_P(SeedRulesTest, CardUseIsCountedFromTheRegister) {
  auto member = [&](const std::string& insurer, const std::string& number, const std::string& link) {
    store::PutItem item;
    item.qualification.insurer_number = insurer;
    item.qualification.insured_identification_number = number;
    item.qualification.name = "登録　太郎";
    item.qualification.birthdate = "19800101";
    item.qualification.qualification_date = "20200401";
    item.person_link = std::string(32, link[0]);
    item.source = "test";
    ASSERT_TRUE(database_->members().put_qualifications({&item, 1}).ok());
  };
  member("06130488", "1", "a");  // 東京都 (法別 06, 都道府県 13)
  member("270017", "2", "b");    // 大阪府 (国保, 都道府県 27)
  auto us = [](Date d) { return (static_cast<int64_t>(d.days()) * 86400 + 3600) * 1000000; };
  std::vector<store::CardRow> register_rows;  // the register as J-LIS wrote it, times kept
  auto card = [&](const std::string& serial, char link, Date issued, std::optional<Date> linked) {
    store::CardRow r{serial, std::string(32, link), "", us(issued), {}, {}};
    if (linked) r.linked_at_us = us(*linked);
    register_rows.push_back(r);
  };
  card("01", 'a', D(2021, 3, 2), D(2021, 3, 10));
  card("02", 'a', D(2021, 3, 5), std::nullopt);
  card("03", 'b', D(2021, 3, 8), D(2021, 4, 1));
  card("04", 'b', D(2021, 4, 2), std::nullopt);
  card("05", 'z', D(2021, 4, 3), std::nullopt);  // a holder with no qualification
  ASSERT_EQ(*database_->cards().put_verbatim(register_rows), 5);
  ASSERT_TRUE(reg_->set_card_figures(999, 1, kActor).ok());  // typed: replaced by the count
  auto rows = reg_->count_card_use(database_->cards(), database_->members(), kActor);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  auto march = reg_->statistics(D(2021, 3, 31));
  ASSERT_TRUE(march.ok());
  EXPECT_EQ(march->card_figures_source, "register");
  EXPECT_EQ(march->cards_issued, 3);
  EXPECT_EQ(march->card_registrations, 1);
  auto april = reg_->statistics(D(2021, 4, 30));
  EXPECT_EQ(april->cards_issued, 5);
  EXPECT_EQ(april->card_registrations, 2);
  std::string json = april->to_json();
  EXPECT_NE(json.find(R"({"month":"202104","prefecture":"27","name":"大阪府","issued":1,"registrations":1})"),
            std::string::npos) << json;
  std::string html = statistics_html(*april);
  EXPECT_NE(html.find("id=\"card-use-prefecture\""), std::string::npos);
  EXPECT_NE(html.find("<td>東京都</td><td>2</td><td>1</td><td>50.0%</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>2021年4月</td><td>2</td><td>1</td><td>40.0%</td>"), std::string::npos);
}

// R-INST-5 with the seed's own numbers (seed 003: 「カードリーダーの申込数は約10.3万機関（44.9%）（全体
// 約22.8万機関に対する割合） うち、病院は約5,000（全体約8,000病院の60.4%）、薬局は約4.0万（全体約6万薬局の
// 66.5%）」, 「311万件（8.9%） ※マイナンバーカード交付実施済数3,491万件」): the registry loaded with
// the 102,550 institutions that applied for a reader, the ministry's totals of all 228,400
// institutions as the denominators (set-total), and a card register at 1/10,000 of the
// seed's cards, show the seed's figures on the page.
TEST_P(SeedRulesTest, StatisticsPageShowsTheSeedsFigures) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "the bulk load runs once, on SQLite";
  store::InstitutionTables t;
  int64_t id = 0;
  auto add = [&](const std::string& kind, int64_t total, int64_t applied) {
    ASSERT_TRUE(reg_->set_total(*parse_kind(kind), "13", total, kActor).ok());
    for (int64_t n = 0; n < applied; ++n) {
      store::InstitutionRow r;
      r.id = ++id;
      char code[8];
      std::snprintf(code, sizeof code, "%07lld", static_cast<long long>(id));
      r.provisional_code = code;
      r.kind = kind;
      r.prefecture = "13";
      r.district = "01";
      r.name = "統計";
      r.address = "東京都";
      r.portal_account = true;
      r.reader = "applied";
      r.reader_applied_on = "20210301";
      t.entries.push_back(std::move(r));
    }
  };
  add("hospital", 8000, 4832);
  add("pharmacy", 60000, 39900);
  add("clinic", 160400, 57818);
  ASSERT_TRUE(database_->institutions().import_tables(t).ok());
  std::vector<store::CardRow> cards;
  for (int n = 0; n < 3491; ++n) {
    char serial[8];
    std::snprintf(serial, sizeof serial, "%05d", n);
    store::CardRow r{serial, "", "", (static_cast<int64_t>(D(2021, 3, 1).days()) * 86400) * 1000000,
                     {}, {}};
    if (n < 311) r.linked_at_us = r.issued_at_us + 3600LL * 1000000;
    cards.push_back(r);
  }
  ASSERT_EQ(*database_->cards().put_verbatim(cards), 3491);
  ASSERT_TRUE(reg_->count_card_use(database_->cards(), database_->members(), kActor).ok());
  auto s = reg_->statistics(D(2021, 3, 21));
  ASSERT_TRUE(s.ok());
  std::string html = statistics_html(*s);
  EXPECT_NE(html.find("カードリーダーの申込数は約10.3万機関（44.9%）（全体約22.8万機関に対する割合）"),
            std::string::npos);
  EXPECT_NE(html.find("<td>病院</td><td>8000</td><td>4832</td><td>60.4%</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>薬局</td><td>60000</td><td>39900</td><td>66.5%</td>"),
            std::string::npos);
  EXPECT_NE(html.find("311件（8.9%）※交付実施済数3,491件"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, SeedRulesTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::institutions
