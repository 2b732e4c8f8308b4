// The insurer's quality report over a real SQLite store (R-REG-4, R-REG-5, R-REG-1): each
// finding, each naming the member by 記号・番号・枝番 and never by the My Number.
#include <gtest/gtest.h>

#include <set>

#include "quality/quality.h"
#include "quality_test_util.h"

namespace onshi::qtest {
namespace {

namespace json = boost::json;

class Report : public StoreFixture {
 protected:
  json::value report(quality::ReportOptions o) {
    if (o.insurer_number.empty()) o.insurer_number = kKenpo;
    auto r = quality::build_report(*store, o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    for (const char* n : {kMyNumberA, kMyNumberB, kMyNumberC, kMyNumberD})
      EXPECT_EQ(r->find(n), std::string::npos) << "a My Number in the report";
    last_text = *r;
    return parse(*r);
  }
  static const json::array& list(const json::value& v, const char* key) {
    return v.as_object().at(key).as_array();
  }
  static std::string number_of(const json::value& finding, const char* which = "member") {
    return str(finding.as_object().at(which), "insuredIdentificationNumber");
  }
  std::string last_text;
};

registry::FieldMap with_my_number(registry::FieldMap m, const char* n) {
  m.emplace_back("MyNumber", n);
  return m;
}

// R-REG-4: a My Number registered to two different people is a 取り違い suspect; the same
// person at two insurers (a change of job) is not.
TEST_F(Report, SharedMyNumberWithADifferentPerson) {
  reg({with_my_number(member(kKenpo, "1234", "1", "00", "山田　太郎", "ヤマダ　タロウ", "19800515", "1", "20100401"), kMyNumberA),
       with_my_number(member(kKenpo2, "88", "5", "00", "佐藤　花子", "サトウ　ハナコ", "19750101", "2", "20150401"), kMyNumberA),
       with_my_number(member(kKenpo, "1234", "2", "00", "田中　誠", "タナカ　マコト", "19850125", "1", "20080401",
                             {{"DisqualificationDate", "20230401"}, {"ReasonOfLoss", "03"}}), kMyNumberB),
       with_my_number(member(kKenpo2, "88", "6", "00", "田中 誠", "タナカ　マコト", "19850125", "1", "20230401"), kMyNumberB),
       with_my_number(member(kKenpo, "1234", "3", "00", "鈴木　一郎", "スズキ　イチロウ", "19700101", "1", "20100401"), kMyNumberC),
       with_my_number(member(kKenpo, "1234", "4", "01", "鈴木　一朗", "スズキ　イチロウ", "19700101", "1", "20100401"), kMyNumberC)});
  auto r = report({});
  const auto& shared = list(r, "sharedMyNumber");
  ASSERT_EQ(shared.size(), 3u) << last_text;
  // Sorted by link, so find by member number.
  int seen = 0;
  for (const auto& f : shared) {
    const std::string n = number_of(f);
    const auto& other = f.as_object().at("other");
    if (n == "1") {
      ++seen;
      // Another insurer's member is named by its insurer number only.
      EXPECT_EQ(str(other, "insurerNumber"), kKenpo2);
      EXPECT_EQ(other.as_object().if_contains("insuredIdentificationNumber"), nullptr);
      EXPECT_EQ(json::serialize(f.as_object().at("differs")),
                R"(["Name","NameKana","Birthdate","Sex1"])");
      EXPECT_EQ(str(f, "suspicion"), "high");
    } else {
      // Two of this insurer's members: both named, the name alone differs.
      ++seen;
      EXPECT_TRUE(n == "3" || n == "4");
      EXPECT_EQ(str(other, "insuredIdentificationNumber"), n == "3" ? "4" : "3");
      EXPECT_EQ(json::serialize(f.as_object().at("differs")), R"(["Name"])");
      EXPECT_EQ(str(f, "suspicion"), "name");
    }
  }
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(r.as_object().at("summary").as_object().at("sharedMyNumber").as_int64(), 3);
}

// R-REG-3/R-REG-4: members without a My Number (listed when covered today).
TEST_F(Report, MembersWithoutMyNumber) {
  reg({with_my_number(member(kKenpo, "1234", "1", "00", "山田　太郎", "ヤマダ　タロウ", "19800515", "1", "20100401"), kMyNumberA),
       member(kKenpo, "1234", "2", "00", "山田　花子", "ヤマダ　ハナコ", "19820903", "2", "20100401"),
       member(kKenpo, "1234", "3", "00", "山田　次郎", "ヤマダ　ジロウ", "19820903", "1", "20100401",
              {{"DisqualificationDate", "20200401"}}),
       member(kKokuho, "01", "9", "00", "他　人", "タ　ニン", "19820903", "1", "20100401")});
  auto r = report({});
  const auto& w = r.as_object().at("withoutMyNumber").as_object();
  EXPECT_EQ(w.at("total").as_int64(), 2);
  EXPECT_EQ(w.at("coveredToday").as_int64(), 1);
  ASSERT_EQ(w.at("members").as_array().size(), 1u);
  EXPECT_EQ(str(w.at("members").as_array()[0], "insuredIdentificationNumber"), "2");
  EXPECT_EQ(str(w.at("members").as_array()[0], "insuredCardSymbol"), "1234");
  EXPECT_EQ(str(w.at("members").as_array()[0], "insuredBranchNumber"), "00");
  EXPECT_EQ(r.as_object().at("summary").as_object().at("members").as_int64(), 3);
}

// R-REG-5 and R-REG-4: recorded kanji conversions, and "●" that arrived in the data.
TEST_F(Report, KanjiConversionsAndBullets) {
  reg({member(kKenpo, "1234", "1", "00", "髙橋　一郎", "タカハシ　イチロウ", "19800515", "1", "20100401"),
       member(kKenpo, "1234", "2", "00", "北●　次郎", "キタ　ジロウ", "19800515", "1", "20100401"),
       member(kKenpo, "1234", "3", "00", "山田　三郎", "ヤマダ　サブロウ", "19800515", "1", "20100401")});
  auto r = report({});
  const auto& conv = list(r, "kanjiConversions");
  ASSERT_EQ(conv.size(), 1u);
  EXPECT_EQ(number_of(conv[0]), "1");
  const auto& c0 = conv[0].as_object().at("conversions").as_array().at(0);
  EXPECT_EQ(str(c0, "original"), "髙");
  EXPECT_EQ(str(c0, "replacement"), "高");
  EXPECT_EQ(c0.as_object().at("position").as_int64(), 0);
  const auto& bullets = list(r, "bulletInName");
  ASSERT_EQ(bullets.size(), 1u);
  EXPECT_EQ(number_of(bullets[0]), "2");
  EXPECT_EQ(json::serialize(bullets[0].as_object().at("fields")), R"(["Name"])");
}

// R-REG-4 (research §6): 高齢受給者証 × 限度額適用区分 × age, judged on the report's day.
// Registered consistent at 69 (A03 ウ); by 2027-01-15 the member is 70 — a 70+ person with an
// under-70 区分 and no 高齢受給者証.
TEST_F(Report, ContradictoryCertificatesAsPeopleAge) {
  reg({member(kKenpo, "1234", "1", "00", "高橋　茂", "タカハシ　シゲル", "19560915", "1", "20100401",
              {{"LimitApplicationCertificateClassification", "01"},
               {"LimitApplicationCertificateClassificationFlag", "A03"},
               {"LimitApplicationCertificateValidStartDate", "20260801"},
               {"LimitApplicationCertificateValidEndDate", "20270731"}}),
       member(kKenpo, "1234", "2", "00", "高橋　和子", "タカハシ　カズコ", "19800101", "2", "20100401",
              {{"LimitApplicationCertificateClassification", "01"},
               {"LimitApplicationCertificateClassificationFlag", "A03"},
               {"LimitApplicationCertificateValidStartDate", "20260801"},
               {"LimitApplicationCertificateValidEndDate", "20270731"}})});
  quality::ReportOptions o;
  o.today = core::Date::from_ymd(2026, 8, 15);
  auto before = report(o);
  EXPECT_TRUE(list(before, "contradictoryCertificates").empty()) << last_text;
  o.today = core::Date::from_ymd(2027, 1, 15);
  auto r = report(o);
  const auto& c = list(r, "contradictoryCertificates");
  ASSERT_EQ(c.size(), 2u) << last_text;
  std::set<std::string> reasons;
  for (const auto& f : c) {
    EXPECT_EQ(number_of(f), "1");
    EXPECT_EQ(str(f, "ageBand"), "elderly");
    EXPECT_EQ(f.as_object().at("age").as_int64(), 70);
    reasons.insert(str(f, "reason"));
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"ELDERLY_CERTIFICATE_MISSING", "LIMIT_CLASSIFICATION_AGE_RATIO"}));
}

// R-REG-4: a 高齢受給者証 still valid for someone no longer 70–74, and a 減額 区分 on a
// certificate kind 01 (written straight to the store: registration refuses both).
TEST_F(Report, ContradictionsTheRegistryWouldRefuse) {
  core::Qualification q;
  q.insurer_number = kKenpo;
  q.insurer_name = "オンシ健康保険組合";
  q.insured_card_symbol = "1234";
  q.insured_identification_number = "9";
  q.insured_branch_number = "00";
  q.name = "老　人";
  q.name_kana = "ロウ　ジン";
  q.sex1 = "1";
  q.birthdate = "19500301";  // 75 on 2025-03-01
  q.qualification_date = "20100401";
  q.elderly_recipient = core::ElderlyRecipientCertificate{"", "20240801", "20250731", "020"};
  q.limit_application = core::LimitApplicationCertificate{"01", "B06", "", "20240801", "20250731", ""};
  store::PutItem item;
  item.qualification = q;
  item.source = "test";
  ASSERT_TRUE(store->put_qualifications(std::span(&item, 1)).ok());
  quality::ReportOptions o;
  o.today = core::Date::from_ymd(2025, 4, 1);
  auto r = report(o);
  std::set<std::string> reasons;
  for (const auto& f : list(r, "contradictoryCertificates")) reasons.insert(str(f, "reason"));
  EXPECT_TRUE(reasons.count("ELDERLY_CERTIFICATE_AGE")) << last_text;
  EXPECT_TRUE(reasons.count("LIMIT_CERTIFICATE_KIND")) << last_text;
}

// R-REG-1: registration lag = recorded date − 資格取得日/喪失日; late ones listed. Events
// before `since` (or, by default, before the insurer's first registration) are backlog.
TEST_F(Report, RegistrationLag) {
  const core::Date today = core::Date::today_jst();
  reg({member(kKenpo, "1234", "1", "00", "遅延　一", "チエン　ハジメ", "19800515", "1",
              today.add_days(-60).yyyymmdd()),
       member(kKenpo, "1234", "2", "00", "即日　二", "ソクジツ　ニ", "19800515", "1", today.yyyymmdd()),
       member(kKenpo, "1234", "3", "00", "喪失　三", "ソウシツ　サン", "19800515", "1", "20100401")});
  // The loss of member 3, registered a month after the fact.
  reg({member(kKenpo, "1234", "3", "00", "喪失　三", "ソウシツ　サン", "19800515", "1", "20100401",
              {{"DisqualificationDate", today.add_days(-30).yyyymmdd()}, {"ReasonOfLoss", "03"}})});

  quality::ReportOptions o;
  o.today = today;
  auto by_default = report(o);
  const auto& lag0 = by_default.as_object().at("registrationLag").as_object();
  EXPECT_EQ(str(json::value(lag0), "since"), today.iso());
  EXPECT_EQ(lag0.at("backlog").as_int64(), 3);  // three events before the first registration day
  EXPECT_EQ(lag0.at("events").as_int64(), 1);   // member 2, same day

  o.lag_since = today.add_days(-90);
  auto r = report(o);
  const auto& lag = r.as_object().at("registrationLag").as_object();
  EXPECT_EQ(lag.at("events").as_int64(), 3);
  EXPECT_EQ(lag.at("backlog").as_int64(), 1);  // member 3's acquisition in 2010
  EXPECT_EQ(lag.at("buckets").as_object().at("sameDay").as_int64(), 1);
  const auto& late = lag.at("late").as_array();
  ASSERT_EQ(late.size(), 2u) << last_text;
  // Longest first.
  EXPECT_EQ(number_of(late[0]), "1");
  EXPECT_EQ(str(late[0], "event"), "QualificationDate");
  EXPECT_GE(late[0].as_object().at("lagDays").as_int64(), 59);
  EXPECT_NE(str(late[0], "recordedAt").find("+09:00"), std::string::npos);
  EXPECT_EQ(number_of(late[1]), "3");
  EXPECT_EQ(str(late[1], "event"), "DisqualificationDate");
  EXPECT_EQ(str(late[1], "effectiveDate"), today.add_days(-30).yyyymmdd());
  EXPECT_GE(lag.at("max").as_int64(), 59);
  EXPECT_EQ(r.as_object().at("summary").as_object().at("lateRegistrations").as_int64(), 2);
}

// R-REG-4: rows rejected at import, by reason (a wrong My Number check digit, "●" in a number).
TEST_F(Report, RejectedRowsAtImportByReason) {
  std::string csv =
      "InsurerNumber,InsurerName,InsuredCardClassification,InsuredCardSymbol,"
      "InsuredIdentificationNumber,InsuredBranchNumber,PersonalFamilyClassification,Name,"
      "NameKana,Sex1,Birthdate,QualificationDate,MyNumber\n"
      "06139992,オンシ健康保険組合,01,1234,1,00,1,山田　太郎,ヤマダ　タロウ,1,19800515,20100401,987654321018\n"
      "06139992,オンシ健康保険組合,01,1234,2,00,1,山田　花子,ヤマダ　ハナコ,2,19800515,20100401,987654321019\n"
      "06139992,オンシ健康保険組合,01,1234,●3,00,1,山田　次郎,ヤマダ　ジロウ,1,19800515,20100401,\n";
  write_file(dir / "members.csv", csv);
  auto imp = registry::import_csv(*store, *keyring, dir / "members.csv");
  ASSERT_TRUE(imp.ok()) << imp.error().message;
  ASSERT_EQ(imp->rejected, 2);
  auto r = report({});
  const auto& rej = r.as_object().at("rejectedAtImport").as_object();
  EXPECT_EQ(rej.at("total").as_int64(), 2);
  ASSERT_EQ(rej.at("runs").as_array().size(), 1u);
  const auto& run = rej.at("runs").as_array()[0].as_object();
  EXPECT_NE(str(json::value(run), "source").find("members.csv"), std::string::npos);
  EXPECT_EQ(run.at("rejected").as_int64(), 2);
  // The counts by code are what the store kept for the run (store::ImportRun).
  auto stored = store->import_runs();
  ASSERT_TRUE(stored.ok());
  boost::system::error_code ec;
  json::parse(stored->at(0).rejected_by_code_json, ec);
  ASSERT_FALSE(ec) << "the store returned an unreadable rejected_by_code for the run";
  EXPECT_EQ(rej.at("byCode").as_object().at("E_CHECK_DIGIT").as_int64(), 1);
  EXPECT_EQ(rej.at("byCode").as_object().at("E_BAD_CHARACTER").as_int64(), 1);
  EXPECT_EQ(run.at("byCode").as_object().at("E_CHECK_DIGIT").as_int64(), 1);
}

// Bad input: a malformed insurer number is an error with a code, not a crash.
TEST_F(Report, BadInsurerNumber) {
  quality::ReportOptions o;
  o.insurer_number = "0613999X";
  auto r = quality::build_report(*store, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_INSURER_NUMBER");
  EXPECT_EQ(r.error().field, "insurerNumber");
}

// R-CONF-9 (seed 000 §6 「該当する保険者は、本内容を確認の上、適切な対応を取るようお願いします」): the
// report lists the members whose printed 記号・番号 are a re-split of another member's — 記号
// 0123 番号 4567 and 記号 01 番号 234567 read the same when run together — but not a family
// sharing 記号・番号 with other 枝番, nor a member with no such twin.
TEST_F(Report, MembersWhoseNumbersAreAReSplitOfAnothersAreListed) {
  reg({member(kKenpo, "0123", "4567", "00", "券面　一", "ケンメン　イチ", "19800101", "1", "20100401"),
         member(kKenpo, "01", "234567", "00", "券面　二", "ケンメン　ニ", "19810101", "1", "20100401"),
         member(kKenpo, "55", "66", "00", "家族　一", "カゾク　イチ", "19700101", "1", "20100401"),
         member(kKenpo, "55", "66", "01", "家族　二", "カゾク　ニ", "20000101", "2", "20100401"),
         member(kKenpo, "77", "8888", "00", "単独　一", "タンドク　イチ", "19650101", "1", "20100401")});
  auto doc = report({}).as_object();
  EXPECT_EQ(doc["summary"].as_object()["ambiguousCardNumbers"].as_int64(), 2);
  const auto& list = doc["ambiguousCardNumbers"].as_array();
  ASSERT_EQ(list.size(), 2u) << last_text;
  std::set<std::string> members;
  for (const auto& e : list) {
    const auto& m = e.as_object().at("member").as_object();
    members.insert(std::string(m.at("insuredCardSymbol").as_string()) + "/" +
                   std::string(m.at("insuredIdentificationNumber").as_string()));
    ASSERT_EQ(e.as_object().at("resplitOf").as_array().size(), 1u);
  }
  EXPECT_EQ(members, (std::set<std::string>{"0123/4567", "01/234567"}));
}

}  // namespace
}  // namespace onshi::qtest
