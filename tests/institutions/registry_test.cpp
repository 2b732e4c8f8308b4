// The onboarding state machine on every backend of the registry's store (a real
// DIR/institutions.db, and a database on the PostgreSQL test cluster): every transition, every
// refusal (and that a refusal writes nothing), the numbers the bureau hands out (check digit,
// ranges, 欠番, the newest-number rule), the bulk designation file, the weekly and monthly
// lists and the statistics. Run once per backend, it proves the registry behaves the same on
// both (issue 12 §1, §3).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "core/numbers.h"
#include "core/text.h"
#include "institutions/institutions.h"
#include "institutions/test_util.h"
#include "security/ca.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::institutions {
namespace {

using core::Date;

Date D(int y, int m, int d) {
  return Date::from_ymd(y, m, d);
}
const char* kActor = "operator";

class RegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(db_);
    ASSERT_TRUE(security::ca_init(db_.dir()).ok());
    reopen();
  }
  // Opens the database and the registry over it (again: as a restarted process would).
  void reopen() {
    reg_.reset();
    database_.reset();
    auto d = store::open_store(db_.url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    database_ = std::move(*d);
    auto r = Registry::open(database_->institutions(), db_.dir());
    ASSERT_TRUE(r.ok()) << r.error().message;
    reg_ = std::move(*r);
  }

  Institution provisional(const std::string& kind = "clinic",
                          const std::string& name = "オン資クリニック",
                          const std::string& prefecture = "13",
                          const std::string& district = "01") {
    auto i = reg_->issue_provisional(
        {kind, prefecture, name, "東京都千代田区霞が関1-2-2", district}, kActor);
    EXPECT_TRUE(i.ok()) << i.error().message;
    return *i;
  }
  NumberRequest request(const Institution& i, Date designation = D(2027, 4, 1)) {
    return NumberRequest{i.provisional_code, designation, D(2027, 1, 20), false};
  }
  Institution answered(const std::string& kind = "clinic", Date designation = D(2027, 4, 1)) {
    auto p = provisional(kind);
    auto i = reg_->request_reception_number(request(p, designation), kActor);
    EXPECT_TRUE(i.ok()) << i.error().message;
    return *i;
  }
  Institution in_use(const std::string& kind, Date designation, Date applied) {
    auto i = answered(kind, designation);
    EXPECT_TRUE(reg_->designate(i.reception_number, kActor).ok());
    auto u = reg_->apply_usage(i.medical_institution_code, applied,
                               db_.dir() / ("cert-" + i.provisional_code), kActor);
    EXPECT_TRUE(u.ok()) << u.error().message;
    return *u;
  }
  size_t history_size(const std::string& key) {
    auto h = reg_->history(key);
    return h ? h->size() : 0;
  }

  onshi::testing::TestDatabase db_{GetParam()};
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<Registry> reg_;
};

// R-INST-2 ①: 仮コード are 7 digits starting 00, one per department.
TEST_P(RegistryTest, ProvisionalCodes) {
  auto a = provisional("clinic");
  auto b = provisional("dental");
  EXPECT_EQ(a.provisional_code, "0000001");
  EXPECT_EQ(b.provisional_code, "0000002");
  EXPECT_TRUE(core::check_provisional_code(a.provisional_code).ok());
  EXPECT_EQ(a.stage, Stage::kProvisional);
  EXPECT_EQ(a.kind, Kind::kClinic);
  EXPECT_EQ(b.kind, Kind::kDental);
}

// Bad input: stable code and field, nothing written.
TEST_P(RegistryTest, ProvisionalRefusesBadInput) {
  struct Case {
    NewInstitution n;
    const char* code;
    const char* field;
  } cases[] = {
      {{"clinc", "13", "名", "所"}, "E_KIND", "kind"},
      {{"clinic", "48", "名", "所"}, "E_PREFECTURE", "prefecture"},
      {{"clinic", "13", "", "所"}, "E_NAME", "name"},
      {{"clinic", "13", "名", ""}, "E_ADDRESS", "address"},
      {{"clinic", "13", "名", "所", "00"}, "E_DISTRICT", "district"},
      {{"clinic", "13", "🏥クリニック", "所"}, "E_NAME", "name"},
  };
  for (const auto& c : cases) {
    auto r = reg_->issue_provisional(c.n, kActor);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_EQ(r.error().field, c.field);
  }
  EXPECT_TRUE(reg_->all()->empty());
  EXPECT_EQ(provisional().provisional_code, "0000001");  // no number was consumed
}

// R-INST-2 ②③: portal account, then a card reader; 機種未定 is cancelled at its deadline.
TEST_P(RegistryTest, PortalAccountAndCardReader) {
  auto p = provisional();
  auto no_account = reg_->apply_card_reader(p.provisional_code, "A社 KR-1", D(2027, 1, 5), kActor);
  ASSERT_FALSE(no_account.ok());
  EXPECT_EQ(no_account.error().code, "E_NO_PORTAL_ACCOUNT");
  ASSERT_TRUE(reg_->register_portal_account(p.provisional_code, kActor).ok());
  EXPECT_EQ(reg_->register_portal_account(p.provisional_code, kActor).error().code, "E_STATE");

  auto undecided = reg_->apply_card_reader(p.provisional_code, "機種未定", D(2021, 3, 24), kActor);
  ASSERT_TRUE(undecided.ok());
  EXPECT_EQ(undecided->reader, ReaderState::kUndecided);
  EXPECT_EQ(undecided->reader_model_deadline, "20210630");  // seed 003: 3月申込 → 6月末
  EXPECT_EQ(reg_->apply_card_reader(p.provisional_code, "A社", D(2021, 3, 25), kActor).error().code,
            "E_STATE");

  // Choosing after the deadline is refused; the sweep cancels; a new application is allowed.
  auto late = reg_->choose_reader_model(p.provisional_code, "A社 KR-1", D(2021, 7, 1), kActor);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "E_READER_CANCELLED");
  EXPECT_TRUE(reg_->cancel_undecided_readers(D(2021, 6, 30), kActor)->empty());
  auto cancelled = reg_->cancel_undecided_readers(D(2021, 7, 1), kActor);
  ASSERT_TRUE(cancelled.ok());
  ASSERT_EQ(cancelled->size(), 1u);
  EXPECT_EQ(reg_->find(p.provisional_code)->reader, ReaderState::kCancelled);
  auto again = reg_->apply_card_reader(p.provisional_code, "B社 FR-2", D(2021, 7, 2), kActor);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->reader, ReaderState::kApplied);
  EXPECT_EQ(again->reader_model, "B社 FR-2");
}

// R-INST-2 ③: a model chosen in time turns 機種未定 into an application. (機種未定 exists only
// under a programme — seed 003's 2021 one here, chosen on its last day, 令和3年6月末.)
TEST_P(RegistryTest, UndecidedModelChosenInTime) {
  auto p = provisional();
  ASSERT_TRUE(reg_->register_portal_account(p.provisional_code, kActor).ok());
  ASSERT_TRUE(reg_->apply_card_reader(p.provisional_code, "", D(2021, 4, 10), kActor).ok());
  auto chosen = reg_->choose_reader_model(p.provisional_code, "A社 KR-1", D(2021, 6, 30), kActor);
  ASSERT_TRUE(chosen.ok()) << chosen.error().message;
  EXPECT_EQ(chosen->reader, ReaderState::kApplied);
  EXPECT_EQ(
      reg_->choose_reader_model(p.provisional_code, "A社", D(2021, 6, 30), kActor).error().code,
      "E_STATE");
}

// R-INST-2 ④, R-INST-3: the 受付番号 is the code designation will assign, with the
// schedule's dates; 医科 and 歯科 of one institution get separate numbers in their ranges.
TEST_P(RegistryTest, ReceptionNumberIsTheFutureCode) {
  auto medical = provisional("clinic", "オン資クリニック");
  auto dental = provisional("dental", "オン資クリニック");
  auto m = reg_->request_reception_number(request(medical), kActor);
  auto d = reg_->request_reception_number(request(dental), kActor);
  ASSERT_TRUE(m.ok() && d.ok());
  EXPECT_EQ(m->medical_institution_code, "1310110000");
  EXPECT_EQ(m->reception_number, "0110000");
  EXPECT_EQ(d->medical_institution_code.substr(0, 9), "133013000");
  EXPECT_NE(m->reception_number, d->reception_number);
  for (const auto& i : {*m, *d}) {
    EXPECT_TRUE(core::check_medical_institution_code(i.medical_institution_code).ok())
        << i.medical_institution_code;
    EXPECT_EQ(i.medical_institution_code.substr(3), i.reception_number);
    EXPECT_EQ(i.stage, Stage::kNumberAnswered);
    EXPECT_EQ(i.bureau_answer_date, "20270310");
    EXPECT_EQ(i.agency_deadline, "20270315");
  }
  // A pharmacy in another prefecture and district.
  auto ph = reg_->issue_provisional({"pharmacy", "34", "広島薬局", "広島県広島市", "07"}, kActor);
  auto pn = reg_->request_reception_number(request(*ph), kActor);
  ASSERT_TRUE(pn.ok());
  EXPECT_EQ(pn->medical_institution_code.substr(0, 9), "344074000");
  EXPECT_TRUE(core::check_medical_institution_code(pn->medical_institution_code).ok());
  // A second request for the same entry is an illegal transition.
  EXPECT_EQ(reg_->request_reception_number(request(medical), kActor).error().code, "E_STATE");
}

// R-INST-3: retroactive designations and late requests are refused, and write nothing.
TEST_P(RegistryTest, RetroactiveAndLateRequestsRefused) {
  auto p = provisional();
  auto r = request(p);
  r.retroactive = true;
  EXPECT_EQ(reg_->request_reception_number(r, kActor).error().code, "E_RETROACTIVE");
  r = request(p, D(2027, 1, 1));  // designation before the request date
  EXPECT_EQ(reg_->request_reception_number(r, kActor).error().code, "E_RETROACTIVE");
  r = request(p, D(2027, 3, 1));  // deadline 2027-01-31 is fine for 2027-01-20 …
  EXPECT_TRUE(reg_->find(p.provisional_code)->stage == Stage::kProvisional);
  r.request_date = D(2027, 2, 1);  // … but not on 2027-02-01 (返戻)
  auto late = reg_->request_reception_number(r, kActor);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "E_SUBMISSION_DEADLINE");
  EXPECT_EQ(reg_->find(p.provisional_code)->stage, Stage::kProvisional);
  EXPECT_EQ(history_size(p.provisional_code), 1u);
  r.request_date = D(2027, 1, 31);
  EXPECT_TRUE(reg_->request_reception_number(r, kActor).ok());
}

// R-INST-3: an operator's override of the submission deadline is applied.
TEST_P(RegistryTest, SubmissionDeadlineOverride) {
  ScheduleOverride o;
  o.year = 2027;
  o.month = 3;
  o.submission_deadline = D(2027, 2, 5);
  o.agency_deadline = D(2027, 2, 19);
  ASSERT_TRUE(reg_->set_schedule_override(o, kActor).ok());
  auto p = provisional();
  auto r = request(p, D(2027, 3, 1));
  r.request_date = D(2027, 2, 3);
  auto i = reg_->request_reception_number(r, kActor);
  ASSERT_TRUE(i.ok()) << i.error().message;
  EXPECT_EQ(i->agency_deadline, "20270219");
  EXPECT_EQ(reg_->schedule(D(2027, 3, 1))->source, "override");
  ASSERT_TRUE(reg_->clear_schedule_override(2027, 3, kActor).ok());
  EXPECT_EQ(reg_->schedule(D(2027, 3, 1))->source, "rule");
  EXPECT_EQ(reg_->clear_schedule_override(2027, 3, kActor).error().code, "E_NOT_FOUND");
}

// R-INST-2 ⑤: presentation by the agency's deadline ships a reader with a model.
TEST_P(RegistryTest, PresentationShipsReader) {
  auto p = provisional();
  ASSERT_TRUE(reg_->register_portal_account(p.provisional_code, kActor).ok());
  ASSERT_TRUE(reg_->apply_card_reader(p.provisional_code, "A社 KR-1", D(2026, 12, 1), kActor).ok());
  EXPECT_EQ(
      reg_->present_reception_number(p.provisional_code, D(2027, 3, 1), false, kActor).error().code,
      "E_STATE");
  auto i = reg_->request_reception_number(request(p), kActor);
  ASSERT_TRUE(i.ok());
  auto late = reg_->present_reception_number(i->reception_number, D(2027, 3, 16), false, kActor);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "E_PRESENTATION_DEADLINE");
  auto presented =
      reg_->present_reception_number(i->reception_number, D(2027, 3, 15), false, kActor);
  ASSERT_TRUE(presented.ok()) << presented.error().message;
  EXPECT_EQ(presented->reader, ReaderState::kShipped);
  EXPECT_EQ(presented->reader_shipped_on, "20270315");
  EXPECT_EQ(reg_->present_reception_number(i->reception_number, D(2027, 3, 15), false, kActor)
                .error()
                .code,
            "E_STATE");
}

// R-INST-2 ⑤: after the deadline only as the agency's 個別対応.
TEST_P(RegistryTest, LatePresentationAcceptedIndividually) {
  auto i = answered();
  auto p = reg_->present_reception_number(i.reception_number, D(2027, 3, 20), true, kActor);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->presented_on, "20270320");
}

// R-INST-2 ⑥, R-INST-1: usage and the certificate only after designation; the certificate
// is bound to the 10-digit code.
TEST_P(RegistryTest, UsageOnlyWhenDesignated) {
  auto p = provisional();
  auto out = db_.dir() / "cert";
  EXPECT_EQ(reg_->apply_usage(p.provisional_code, D(2027, 3, 1), out, kActor).error().code,
            "E_NOT_DESIGNATED");
  auto i = reg_->request_reception_number(request(p), kActor);
  auto refused = reg_->apply_usage(i->medical_institution_code, D(2027, 3, 1), out, kActor);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "E_NOT_DESIGNATED");
  EXPECT_FALSE(std::filesystem::exists(out / "cert.pem"));
  EXPECT_EQ(reg_->designate(p.provisional_code, kActor)->stage, Stage::kDesignated);
  EXPECT_EQ(reg_->designate(p.provisional_code, kActor).error().code, "E_STATE");
  auto used = reg_->apply_usage(i->medical_institution_code, D(2027, 3, 1), out, kActor);
  ASSERT_TRUE(used.ok()) << used.error().message;
  EXPECT_EQ(used->stage, Stage::kInUse);
  EXPECT_EQ(used->usage_start, "20270401");  // not before the code is live
  std::ifstream in(out / "cert.pem");
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto who = security::identity_of_pem(pem);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, security::Role::kInstitution);
  EXPECT_EQ(who->id, i->medical_institution_code);
  EXPECT_EQ(reg_->apply_usage(i->medical_institution_code, D(2027, 3, 1), out, kActor).error().code,
            "E_STATE");
  EXPECT_EQ(reg_->report_not_designated(i->reception_number, kActor).error().code, "E_STATE");
}

// Issue 12 §5: two servers on one database (two Databases, two Registries) issuing 仮コード
// and answering 受付番号 at the same time never hand out one code or number twice.
TEST_P(RegistryTest, TwoServersNeverHandOutOneNumberTwice) {
  auto other_db = store::open_store(db_.url());
  ASSERT_TRUE(other_db.ok()) << other_db.error().message;
  auto other = Registry::open((*other_db)->institutions(), db_.dir());
  ASSERT_TRUE(other.ok()) << other.error().message;
  Registry* servers[] = {reg_.get(), other->get()};
  constexpr int kThreads = 4, kEach = 6;
  std::mutex mu;
  std::vector<Institution> answered;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Registry& r = *servers[t % 2];
      for (int k = 0; k < kEach; ++k) {
        auto p = r.issue_provisional(
            {"clinic", "13", "オン資クリニック", "東京都千代田区霞が関1-2-2"}, kActor);
        ASSERT_TRUE(p.ok()) << p.error().message;
        auto n = r.request_reception_number(request(*p), kActor);
        ASSERT_TRUE(n.ok()) << n.error().message;
        std::lock_guard lock(mu);
        answered.push_back(*n);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> codes, numbers;
  for (const auto& i : answered) {
    codes.insert(i.provisional_code);
    numbers.insert(i.medical_institution_code);
  }
  EXPECT_EQ(codes.size(), size_t{kThreads * kEach});
  EXPECT_EQ(numbers.size(), size_t{kThreads * kEach});
  EXPECT_EQ(reg_->all()->size(), size_t{kThreads * kEach});
}

// R-INST-3: not designated → the entry is deleted, and the newest number is never handed
// to another institution; the history stays.
TEST_P(RegistryTest, NotDesignatedNewestNumberNeverReused) {
  auto first = answered();
  auto newest = answered();
  EXPECT_EQ(first.medical_institution_code.substr(5, 4), "1000");
  EXPECT_EQ(newest.medical_institution_code.substr(5, 4), "1001");
  EXPECT_EQ(reg_->report_not_designated(provisional().provisional_code, kActor).error().code,
            "E_STATE");
  auto gone = reg_->report_not_designated(newest.reception_number, kActor);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(reg_->find(newest.reception_number).error().code, "E_NOT_FOUND");
  EXPECT_EQ(reg_->find(newest.provisional_code).error().code, "E_NOT_FOUND");
  EXPECT_EQ(history_size(newest.provisional_code), 3u);  // provisional, number, not designated
  auto next = answered();
  EXPECT_EQ(next.medical_institution_code.substr(5, 4), "1002");
  EXPECT_NE(next.reception_number, newest.reception_number);
  // Reopening the file keeps the mark.
  reopen();
  EXPECT_EQ(answered().medical_institution_code.substr(5, 4), "1003");
}

// Numbers whose middle or last two digits are 90 are 欠番; ranges end.
TEST(Numbering, SkipsMissingNumbersAndStopsAtRangeEnd) {
  EXPECT_EQ(next_number('1', 0), 1000);
  EXPECT_EQ(next_number('1', 1089), 1091);  // 1090 skipped
  EXPECT_EQ(next_number('1', 1899), 1910);  // 1900–1909 have 90 in the middle
  EXPECT_EQ(next_number('1', 1189), 1191);
  EXPECT_EQ(next_number('1', 2899), 2910);
  EXPECT_TRUE(is_skipped_number(1901));  // middle two digits 90
  EXPECT_TRUE(is_skipped_number(2990));
  EXPECT_EQ(next_number('1', 2989), 2991);
  EXPECT_EQ(next_number('1', 2999), -1);
  EXPECT_EQ(next_number('3', 0), 3000);
  EXPECT_EQ(next_number('4', 4999), -1);
  auto n = make_institution_number("34", '1', "07", 1236);
  EXPECT_EQ(n.medical_institution_code, "3410712362");  // 別添２ worked example
  EXPECT_EQ(n.reception_number, "0712362");
}

// R-INST-3: the bureau's 新規指定医療機関一覧表 (Shift_JIS CSV) designates in bulk; rows that
// do not match are reported.
TEST_P(RegistryTest, BulkDesignationFromBureauList) {
  auto a = answered();
  auto b = answered("pharmacy");
  auto c = provisional();
  std::string csv = "医療機関コード,医療機関名称,指定年月日\r\n" + a.medical_institution_code +
                    ",オン資クリニック,令和9年4月1日\r\n" + b.medical_institution_code +
                    ",オン資薬局,令和9年4月1日\r\n1310112346,誤り,令和9年4月1日\r\n1310112345,"
                    "未登録,令和9年4月1日\r\n";
  auto sjis = core::utf8_to_shift_jis(csv);
  ASSERT_TRUE(sjis.ok());
  auto report = reg_->designate_from_list(*sjis, "bureau:kanto");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->designated, 2);
  EXPECT_EQ(report->rejected, 2);
  ASSERT_EQ(report->errors.size(), 2u);
  EXPECT_EQ(report->errors[0].code, "E_CHECK_DIGIT");
  EXPECT_EQ(report->errors[0].row, 3);
  EXPECT_EQ(report->errors[1].code, "E_NOT_FOUND");
  EXPECT_EQ(reg_->find(a.reception_number)->stage, Stage::kDesignated);
  EXPECT_EQ(reg_->find(c.provisional_code)->stage, Stage::kProvisional);
  EXPECT_EQ(reg_->designate_from_list("名称\r\nx\r\n", kActor).error().code, "E_HEADER");
}

// R-INST-4: the weekly list holds what was in use before the latest Monday; search filters.
TEST_P(RegistryTest, WeeklyListMondayRule) {
  auto clinic = in_use("clinic", D(2027, 4, 1), D(2027, 4, 1));      // Thursday
  auto pharmacy = in_use("pharmacy", D(2027, 4, 1), D(2027, 4, 5));  // Monday
  auto list_on = [&](Date d, ListFilter f = {}) {
    std::vector<std::string> codes;
    auto list = reg_->published_list(d, f);  // kept: a range over *temporary would dangle
    if (list.ok())
      for (const auto& i : *list) codes.push_back(i.medical_institution_code);
    return codes;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list_on(D(2027, 4, 4)), V{});  // list of Mon 3/29
  EXPECT_EQ(list_on(D(2027, 4, 5)), V{clinic.medical_institution_code});
  EXPECT_EQ(list_on(D(2027, 4, 11)), V{clinic.medical_institution_code});  // same week
  EXPECT_EQ(list_on(D(2027, 4, 12)),
            (V{clinic.medical_institution_code, pharmacy.medical_institution_code}));
  ListFilter f;
  f.kind = Kind::kPharmacy;
  EXPECT_EQ(list_on(D(2027, 4, 12), f), V{pharmacy.medical_institution_code});
  f = {};
  f.prefecture = "27";
  EXPECT_EQ(list_on(D(2027, 4, 12), f), V{});
  f = {};
  f.name = "資クリ";
  EXPECT_EQ(list_on(D(2027, 4, 12), f).size(), 2u);
  f.name = "病院";
  EXPECT_EQ(list_on(D(2027, 4, 12), f), V{});
}

// R-AID-3, R-INST-4: 医療扶助情報：利用する puts an institution on the next monthly list.
TEST_P(RegistryTest, MedicalAidMonthlyList) {
  auto a = in_use("clinic", D(2027, 4, 1), D(2027, 3, 20));
  auto b = in_use("pharmacy", D(2027, 4, 1), D(2027, 3, 20));
  EXPECT_EQ(reg_->set_medical_aid(provisional().provisional_code, true, D(2027, 4, 1), kActor)
                .error()
                .code,
            "E_STATE");
  ASSERT_TRUE(reg_->set_medical_aid(a.medical_institution_code, true, D(2027, 4, 10), kActor).ok());
  ASSERT_TRUE(reg_->set_medical_aid(b.medical_institution_code, true, D(2027, 4, 12), kActor).ok());
  ASSERT_TRUE(
      reg_->set_medical_aid(b.medical_institution_code, false, D(2027, 5, 20), kActor).ok());
  EXPECT_TRUE(reg_->medical_aid_list(2027, 4)->empty());
  EXPECT_EQ(reg_->medical_aid_list(2027, 5)->size(), 2u);
  auto june = reg_->medical_aid_list(2027, 6);
  ASSERT_EQ(june->size(), 1u);
  EXPECT_EQ(june->front().medical_institution_code, a.medical_institution_code);
  EXPECT_TRUE(reg_->find(a.medical_institution_code)->medical_aid);
}

// R-INST-5: applications and usage by kind and prefecture against all institutions.
TEST_P(RegistryTest, Statistics) {
  auto with_reader = provisional("hospital", "国立病院");
  ASSERT_TRUE(reg_->register_portal_account(with_reader.provisional_code, kActor).ok());
  ASSERT_TRUE(
      reg_->apply_card_reader(with_reader.provisional_code, "A社", D(2027, 1, 5), kActor).ok());
  auto used = in_use("pharmacy", D(2027, 4, 1), D(2027, 3, 20));
  ASSERT_TRUE(reg_->set_total(Kind::kHospital, "13", 4, kActor).ok());
  ASSERT_TRUE(reg_->set_card_figures(34910000, 3110000, kActor).ok());
  EXPECT_EQ(reg_->set_total(Kind::kHospital, "99", 4, kActor).error().code, "E_PREFECTURE");
  auto s = reg_->statistics(D(2027, 4, 30));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->total, 5);  // 4 hospitals (operator total) + 1 pharmacy (registry)
  EXPECT_EQ(s->reader_applications, 1);
  EXPECT_EQ(s->in_use, 1);
  EXPECT_EQ(s->by_kind[0].kind, Kind::kHospital);
  EXPECT_EQ(s->by_kind[0].total, 4);
  EXPECT_EQ(s->by_kind[0].reader_applications, 1);
  EXPECT_EQ(s->by_kind[3].in_use, 1);
  EXPECT_EQ(s->by_prefecture[12].prefecture, "13");
  EXPECT_EQ(s->by_prefecture[12].total, 5);
  EXPECT_EQ(s->card_registrations, 3110000);
  EXPECT_EQ(reg_->statistics(D(2027, 3, 1))->in_use, 0);  // usage starts on the designation date
  std::string html = statistics_html(*s);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("20.0%"), std::string::npos);  // 1 of 5 applied
  EXPECT_NE(html.find("8.9%"), std::string::npos);   // 311万 of 3,491万 (seed 003)
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::institutions
