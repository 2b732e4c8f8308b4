// The 医療扶助 ticket store's contract (store/tickets.h), written once and run on every
// backend: versions decided against the current one, as-of reads, ordering, the month and
// institution filter of the bulk inquiry, scans by office, history, the verbatim copy with
// its conflict, recorded_at strictly increasing under concurrent puts from several threads
// and two Database objects, a failing batch that writes nothing (issue 15 §3, §5, §6), and
// the bulk load of a ticket file into an empty store, finished or cut short.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/date.h"
#include "store/database.h"
#include "store/test_database.h"
#include "store/ticket_load.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

constexpr const char* kOffice = "12131015";  // 法別 12, 東京都
constexpr const char* kOtherOffice = "12141014";
constexpr const char* kClinic = "1310112345";
constexpr const char* kPharmacy = "1340112348";

core::MedicalTicket ticket(const std::string& recipient, const std::string& issue,
                           const std::string& month = "202405",
                           const std::string& designated = kClinic,
                           const std::string& office = kOffice) {
  core::MedicalTicket t;
  t.insurer_number = office;
  t.insured_identification_number = recipient;
  t.ticket_type = "01";
  t.valid_date = month + "01";
  t.expiration_date = month + "31";
  t.issue_number = issue;
  t.medical_treatment_month = month;
  t.designated_code = designated;
  t.designated_name = "オン資クリニック";
  t.injury_name1 = "高血圧症";
  t.medical_treatment_type = "1";
  t.self_pay_amount = "0";
  t.district_contact_name = "福祉　太郎";
  t.single_or_combined_use = "1";
  return t;
}

TicketPut put(const core::MedicalTicket& t, const std::string& source = "import:tickets.csv") {
  return {t, source};
}

std::vector<std::string> issues(const std::vector<TicketVersion>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.ticket.issue_number);
  return out;
}

class TicketsContractTest : public ::testing::TestWithParam<std::string> {
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
  TicketStore& s() { return db_->tickets(); }
  // Puts `items` and expects success; returns the outcomes.
  std::vector<PutOutcome> put_all(const std::vector<TicketPut>& items) {
    auto r = s().put_tickets(items);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<PutOutcome>{};
  }

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// issue 15 §3: keyed by (公費負担者番号, 受給者番号, IssueNumber); a changed row is a new
// version, an equal one (whatever its source) changes nothing, and a key named twice in a
// batch compares with its earlier item.
TEST_P(TicketsContractTest, PutDecidesAgainstTheCurrentVersion) {
  core::MedicalTicket a = ticket("1234567", "0001");
  EXPECT_EQ(put_all({put(a)}), std::vector{PutOutcome::kAdded});
  EXPECT_EQ(put_all({put(a, "welfare-office:12131015")}), std::vector{PutOutcome::kUnchanged});
  core::MedicalTicket changed = a;
  changed.self_pay_amount = "1200";
  core::MedicalTicket b = ticket("1234567", "0002");
  EXPECT_EQ(put_all({put(changed), put(b), put(b), put(a)}),
            (std::vector{PutOutcome::kChanged, PutOutcome::kAdded, PutOutcome::kUnchanged,
                         PutOutcome::kChanged}));
  EXPECT_EQ(*s().count_versions(), 4);

  auto h = s().history(a.ticket_key());
  ASSERT_TRUE(h.ok()) << h.error().message;
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].ticket, a);
  EXPECT_EQ((*h)[0].source, "import:tickets.csv");
  EXPECT_EQ((*h)[1].ticket, changed);
  EXPECT_EQ((*h)[2].ticket, a);
  EXPECT_LT((*h)[0].recorded_at_us, (*h)[1].recorded_at_us);
  EXPECT_LT((*h)[1].recorded_at_us, (*h)[2].recorded_at_us);
  EXPECT_LT((*h)[0].version_id, (*h)[1].version_id);
  EXPECT_TRUE(s().history(ticket("1234567", "9999").ticket_key())->empty());
}

// Every field of MedicalTicketInfo (§3.5) comes back as it went in, control characters and
// Japanese text included (the stored payload escapes its separators).
TEST_P(TicketsContractTest, EveryFieldRoundTrips) {
  core::MedicalTicket t = ticket("7654321", "A-01");
  t.ticket_type = "02";
  t.prescription_issuer_code = "1310198765";
  t.prescription_issuer_name = "霞が関病院";
  t.injury_name2 = "糖尿病";
  t.injury_name3 = "腰痛症\x1f\x1e\x1b末尾";
  t.handling_contact_name = "取扱　花子";
  t.status_of_social_insurance = "2";
  t.consistency_flag = "1";
  t.status_of_infection = "1";
  t.status_of_elderly_medical_care = "1";
  t.status_of_prefectural_expenses = "2";
  t.remarks1 = "備考1";
  t.remarks2 = "";
  t.remarks3 = "備考3\x1b";
  put_all({put(t)});
  auto got = s().tickets_of(kOffice, "7654321", core::now_unix_us());
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].ticket, t);
  EXPECT_EQ(put_all({put(t)}), std::vector{PutOutcome::kUnchanged});
}

// issue 15 §4, §6: the tickets of a recipient as known at T — the latest version of each
// key recorded by then — in (MedicalTreatmentMonth, IssueNumber) order; other recipients
// and other offices' recipients with the same number are not among them.
TEST_P(TicketsContractTest, TicketsOfARecipientAsKnownAtT) {
  put_all({put(ticket("1234567", "0009", "202405")), put(ticket("1234567", "0001", "202406")),
           put(ticket("1234567", "0002", "202405")), put(ticket("1234568", "0001", "202405")),
           put(ticket("1234567", "0001", "202405", kClinic, kOtherOffice))});
  auto before = s().history(ticket("1234567", "0002").ticket_key());
  ASSERT_TRUE(before.ok() && before->size() == 1);
  const int64_t t1 = (*before)[0].recorded_at_us;
  core::MedicalTicket moved = ticket("1234567", "0002", "202405", kPharmacy);
  put_all({put(moved), put(ticket("1234567", "0003", "202404"))});

  auto now = s().tickets_of(kOffice, "1234567", core::now_unix_us());
  ASSERT_TRUE(now.ok()) << now.error().message;
  EXPECT_EQ(issues(*now), (std::vector<std::string>{"0003", "0002", "0009", "0001"}));
  EXPECT_EQ((*now)[1].ticket.designated_code, kPharmacy);
  auto then = s().tickets_of(kOffice, "1234567", t1);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(issues(*then), (std::vector<std::string>{"0002", "0009", "0001"}));
  EXPECT_EQ((*then)[0].ticket.designated_code, kClinic);
  EXPECT_TRUE(s().tickets_of(kOffice, "1234567", 1)->empty());
  EXPECT_TRUE(s().tickets_of(kOffice, "123456", core::now_unix_us())->empty());
  EXPECT_EQ(s().tickets_of(kOtherOffice, "1234567", core::now_unix_us())->size(), 1u);
}

// issue 15 §4 (R-AID-2): a confirmation reads only the month it asks for — the recipient's
// tickets whose version as known at T is of that month; a ticket moved to another month since
// is found under its new month only, and under the old one as known before the move.
TEST_P(TicketsContractTest, TicketsOfARecipientForOneMonth) {
  put_all({put(ticket("1234567", "0002", "202405")), put(ticket("1234567", "0001", "202405")),
           put(ticket("1234567", "0003", "202406")), put(ticket("1234568", "0001", "202405"))});
  auto h = s().history(ticket("1234567", "0001").ticket_key());
  ASSERT_TRUE(h.ok() && h->size() == 1);
  const int64_t t1 = (*h)[0].recorded_at_us;
  put_all({put(ticket("1234567", "0001", "202406"))});  // moved to June

  const int64_t now = core::now_unix_us();
  auto may = s().tickets_of_month(kOffice, "1234567", "202405", now);
  ASSERT_TRUE(may.ok()) << may.error().message;
  EXPECT_EQ(issues(*may), (std::vector<std::string>{"0002"}));
  auto june = s().tickets_of_month(kOffice, "1234567", "202406", now);
  ASSERT_TRUE(june.ok());
  EXPECT_EQ(issues(*june), (std::vector<std::string>{"0001", "0003"}));
  auto may_then = s().tickets_of_month(kOffice, "1234567", "202405", t1);
  ASSERT_TRUE(may_then.ok());
  EXPECT_EQ(issues(*may_then), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_TRUE(s().tickets_of_month(kOffice, "1234567", "202407", now)->empty());
  EXPECT_TRUE(s().tickets_of_month(kOtherOffice, "1234567", "202405", now)->empty());
}

// issue 15 §5 (OQSmutic01): the tickets that designate an institution for a month as known
// at T, ordered by (office, 受給者番号, IssueNumber); a ticket re-designated since is found
// under its new institution only, and under the old one as known before the change.
TEST_P(TicketsContractTest, TicketsForAnInstitutionAndMonth) {
  put_all({put(ticket("2000002", "0001", "202405", kClinic, kOtherOffice)),
           put(ticket("2000001", "0002", "202405")), put(ticket("2000001", "0001", "202405")),
           put(ticket("2000003", "0001", "202406")),
           put(ticket("2000004", "0001", "202405", kPharmacy))});
  auto h = s().history(ticket("2000001", "0001").ticket_key());
  ASSERT_TRUE(h.ok() && h->size() == 1);
  const int64_t t1 = (*h)[0].recorded_at_us;
  put_all({put(ticket("2000001", "0001", "202405", kPharmacy))});

  auto clinic = s().tickets_for_institution(kClinic, "202405", core::now_unix_us());
  ASSERT_TRUE(clinic.ok()) << clinic.error().message;
  ASSERT_EQ(clinic->size(), 2u);
  EXPECT_EQ((*clinic)[0].ticket.insured_identification_number, "2000001");
  EXPECT_EQ((*clinic)[0].ticket.issue_number, "0002");
  EXPECT_EQ((*clinic)[1].ticket.insurer_number, kOtherOffice);
  auto earlier = s().tickets_for_institution(kClinic, "202405", t1);
  ASSERT_TRUE(earlier.ok());
  EXPECT_EQ(issues(*earlier), (std::vector<std::string>{"0001", "0002", "0001"}));
  auto pharmacy = s().tickets_for_institution(kPharmacy, "202405", core::now_unix_us());
  ASSERT_TRUE(pharmacy.ok());
  ASSERT_EQ(pharmacy->size(), 2u);
  EXPECT_EQ((*pharmacy)[0].ticket.insured_identification_number, "2000001");
  EXPECT_EQ((*pharmacy)[1].ticket.insured_identification_number, "2000004");
  EXPECT_TRUE(s().tickets_for_institution(kPharmacy, "202405", t1)->empty());  // 2000004 later
  EXPECT_EQ(s().tickets_for_institution(kClinic, "202406", core::now_unix_us())->size(), 1u);
  EXPECT_TRUE(s().tickets_for_institution(kClinic, "202407", core::now_unix_us())->empty());
}

// issue 15 §7: the welfare office's view reads the current version of each of its tickets
// in ticket-key order; all offices with an empty number; returning false stops the scan.
TEST_P(TicketsContractTest, ScanCurrentByOffice) {
  put_all({put(ticket("3000002", "0001")), put(ticket("3000001", "0002")),
           put(ticket("3000001", "0001")), put(ticket("3000001", "0001", "202406")),
           put(ticket("3000001", "0001", "202405", kClinic, kOtherOffice))});
  std::vector<TicketVersion> mine;
  ASSERT_TRUE(s().scan_current(kOffice,
                               [&](const TicketVersion& v) {
                                 mine.push_back(v);
                                 return true;
                               })
                  .ok());
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].ticket.ticket_key(), ticket("3000001", "0001").ticket_key());
  EXPECT_EQ(mine[0].ticket.medical_treatment_month, "202406");  // the current version
  EXPECT_EQ(mine[1].ticket.issue_number, "0002");
  EXPECT_EQ(mine[2].ticket.insured_identification_number, "3000002");
  std::vector<std::string> every;
  ASSERT_TRUE(s().scan_current("",
                               [&](const TicketVersion& v) {
                                 every.push_back(v.ticket.insurer_number);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(every, (std::vector<std::string>{kOffice, kOffice, kOffice, kOtherOffice}));
  int seen = 0;
  ASSERT_TRUE(s().scan_current("", [&](const TicketVersion&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2);
  int none = 0;
  ASSERT_TRUE(s().scan_current("12999999", [&](const TicketVersion&) { return ++none, true; }));
  EXPECT_EQ(none, 0);
}

// issue 15 "Bad input": a batch that fails part way writes nothing — not its earlier items,
// not a version of a key it changed — and the store stays usable.
TEST_P(TicketsContractTest, FailingBatchWritesNothing) {
  core::MedicalTicket a = ticket("4000001", "0001");
  put_all({put(a)});
  core::MedicalTicket changed = a;
  changed.remarks1 = "変更";
  core::MedicalTicket keyless = ticket("4000002", "");
  auto r = s().put_tickets(std::vector{put(changed), put(ticket("4000003", "0001")), put(keyless)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_STORE");
  EXPECT_EQ(r.error().field, "ticket");
  EXPECT_EQ(*s().count_versions(), 1);
  EXPECT_EQ(s().history(a.ticket_key())->size(), 1u);
  EXPECT_TRUE(s().tickets_of(kOffice, "4000003", core::now_unix_us())->empty());
  EXPECT_EQ(put_all({put(changed)}), std::vector{PutOutcome::kChanged});
}

// Two servers (two Database objects), three threads each, putting at once: every version
// gets its own recorded_at, and each thread's later puts are recorded later.
TEST_P(TicketsContractTest, ConcurrentPutsKeepRecordedAtStrictlyIncreasing) {
  auto other = open();
  ASSERT_TRUE(other);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  constexpr int kThreads = 6, kRounds = 8;
  for (int t = 0; t < kThreads; ++t) {
    TicketStore& store = (t % 2 == 0 ? db_ : other)->tickets();
    threads.emplace_back([&, t, &store = store] {
      for (int i = 0; i < kRounds; ++i) {
        // Each round changes the thread's ticket and adds one more.
        core::MedicalTicket mine = ticket("50000" + std::to_string(10 + t), "0001");
        mine.remarks1 = std::to_string(i);
        std::vector<TicketPut> batch{
            put(mine), put(ticket("50000" + std::to_string(10 + t), std::to_string(100 + i)))};
        auto r = store.put_tickets(batch);
        if (!r.ok()) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  std::vector<TicketVersion> all;
  ASSERT_TRUE(s().scan_versions(0, 100000,
                                [&](const TicketVersion& v) {
                                  all.push_back(v);
                                  return true;
                                })
                  .ok());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kRounds * 2));
  std::set<int64_t> times;
  for (const auto& v : all) times.insert(v.recorded_at_us);
  EXPECT_EQ(times.size(), all.size()) << "two versions share a recorded_at";
  for (int t = 0; t < kThreads; ++t) {
    auto h = s().history(ticket("50000" + std::to_string(10 + t), "0001").ticket_key());
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), static_cast<size_t>(kRounds));
    for (int i = 0; i < kRounds; ++i) EXPECT_EQ((*h)[i].ticket.remarks1, std::to_string(i));
  }
}

// `onshi db copy`: versions in version_id order a page at a time, written verbatim with
// their ids and times; equal ones skipped, a different one E_COPY_CONFLICT with nothing of
// its batch written; a put afterwards gets a fresh id and a later recorded_at.
TEST_P(TicketsContractTest, VersionsVerbatim) {
  const int64_t t0 = core::now_unix_us() + 3'600'000'000;  // ahead of the clock
  std::vector<TicketVersion> batch{{4, t0, ticket("6000001", "0001"), "import:a.csv"},
                                   {9, t0 + 5, ticket("6000001", "0002"), "import:a.csv"},
                                   {12, t0 + 7, ticket("6000001", "0001"), "welfare-office:x"}};
  batch[2].ticket.remarks1 = "二版";
  auto n = s().put_versions_verbatim(batch);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 3);
  auto h = s().history(batch[0].ticket.ticket_key());
  ASSERT_TRUE(h.ok() && h->size() == 2);
  EXPECT_EQ((*h)[0], batch[0]);
  EXPECT_EQ((*h)[1], batch[2]);
  auto as_of = s().tickets_of(kOffice, "6000001", t0 + 6);
  ASSERT_TRUE(as_of.ok());
  ASSERT_EQ(as_of->size(), 2u);
  EXPECT_EQ((*as_of)[0], batch[0]);

  std::vector<TicketVersion> first, rest;
  ASSERT_TRUE(s().scan_versions(0, 2,
                                [&](const TicketVersion& v) {
                                  first.push_back(v);
                                  return true;
                                })
                  .ok());
  ASSERT_TRUE(s().scan_versions(9, 2,
                                [&](const TicketVersion& v) {
                                  rest.push_back(v);
                                  return true;
                                })
                  .ok());
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1], batch[1]);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0], batch[2]);

  EXPECT_EQ(*s().put_versions_verbatim(batch), 0);
  TicketVersion clash = batch[1];
  clash.ticket.designated_code = kPharmacy;
  auto c = s().put_versions_verbatim(
      std::vector<TicketVersion>{{20, t0 + 9, ticket("6000002", "0001"), "x"}, clash});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "E_COPY_CONFLICT");
  EXPECT_EQ(c.error().field, "medical_aid_tickets");
  EXPECT_NE(c.error().message.find("9"), std::string::npos);
  EXPECT_EQ(*s().count_versions(), 3);

  put_all({put(ticket("6000003", "0001"))});
  auto fresh = s().history(ticket("6000003", "0001").ticket_key());
  ASSERT_TRUE(fresh.ok() && fresh->size() == 1);
  EXPECT_GT((*fresh)[0].version_id, 12);
  EXPECT_GT((*fresh)[0].recorded_at_us, t0 + 7);
}

// issue 15 Speed (R-AID-1): a ticket file loaded into an empty store (store/ticket_load.h)
// ends in the versions and outcomes of put_tickets — every ticket then unchanged, read by
// recipient and by institution, recorded_at strictly increasing. On SQLite it is a bulk
// load: while it runs another writer is refused with E_LOCKED, a second load goes batch by
// batch and readers see the batches written; a store that is not empty is not bulk-loaded.
TEST_P(TicketsContractTest, LoadIntoEmptyStore) {
  std::vector<TicketPut> items{put(ticket("1234567", "0001", "202404")),
                               put(ticket("1234567", "0002", "202405")),
                               put(ticket("7654321", "0003", "202405", kPharmacy))};
  auto load = begin_ticket_load(s());
  ASSERT_TRUE(load.ok()) << load.error().message;
  EXPECT_EQ((*load)->bulk(), GetParam() == "sqlite");
  auto first = (*load)->put(std::span(items).first(2));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, (std::vector{PutOutcome::kAdded, PutOutcome::kAdded}));
  auto other = open();  // another process's store
  ASSERT_TRUE(other);
  auto seen = other->tickets().tickets_of(kOffice, "1234567", core::now_unix_us());
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(issues(*seen), (std::vector<std::string>{"0001", "0002"}));
  if ((*load)->bulk()) {
    auto refused = other->tickets().put_tickets(std::vector<TicketPut>{items[0]});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "E_LOCKED");
    auto second = begin_ticket_load(other->tickets());
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_FALSE((*second)->bulk());
  }
  ASSERT_TRUE((*load)->put(std::span(items).subspan(2)).ok());
  ASSERT_TRUE((*load)->finish().ok());

  auto again = other->tickets().put_tickets(items);
  ASSERT_TRUE(again.ok()) << again.error().message;
  for (auto o : *again) EXPECT_EQ(o, PutOutcome::kUnchanged);
  EXPECT_EQ(*s().count_versions(), 3);
  auto at = s().tickets_for_institution(kPharmacy, "202405", core::now_unix_us());
  ASSERT_TRUE(at.ok()) << at.error().message;
  EXPECT_EQ(issues(*at), std::vector<std::string>{"0003"});
  std::vector<int64_t> recorded;
  ASSERT_TRUE(s().scan_versions(0, 10, [&](const TicketVersion& v) {
                   recorded.push_back(v.recorded_at_us);
                   return true;
                 }).ok());
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_LT(recorded[0], recorded[1]);
  EXPECT_LT(recorded[1], recorded[2]);
  auto not_empty = begin_ticket_load(s());
  ASSERT_TRUE(not_empty.ok());
  EXPECT_FALSE((*not_empty)->bulk());
}

// issue 15 Speed (kill -9 during a bulk load of tickets): a load that never finishes — its
// process gone, its lock with it — is completed by the next store that opens the database:
// the tickets written are there, found by recipient, and a second put of them changes
// nothing while a changed one is a new version.
TEST_P(TicketsContractTest, LoadCutShortIsCompletedByTheNextStore) {
  std::vector<TicketPut> items{put(ticket("1234567", "0001")), put(ticket("1234567", "0002"))};
  {
    auto first = open();
    ASSERT_TRUE(first);
    auto load = begin_ticket_load(first->tickets());
    ASSERT_TRUE(load.ok());
    ASSERT_TRUE((*load)->put(items).ok());
    db_.reset();
  }  // gone without finish(), as after kill -9
  db_ = open();
  ASSERT_TRUE(db_);
  auto seen = s().tickets_of(kOffice, "1234567", core::now_unix_us());
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(issues(*seen), (std::vector<std::string>{"0001", "0002"}));
  items[1].ticket.self_pay_amount = "1200";
  auto again = s().put_tickets(items);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, (std::vector{PutOutcome::kUnchanged, PutOutcome::kChanged}));
  EXPECT_EQ(*s().count_versions(), 3);
}

// SQLite opens DIR/medical_aid.db on first use like cards.db and bulk.db, or at migrate().
TEST_P(TicketsContractTest, SqliteFileIsOpenedOnFirstUseOrMigrate) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "SQLite's own file";
  const auto file = tdb_.dir() / "medical_aid.db";
  EXPECT_FALSE(std::filesystem::exists(file));
  ASSERT_TRUE(db_->migrate().ok());
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(*s().count_versions(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketsContractTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
