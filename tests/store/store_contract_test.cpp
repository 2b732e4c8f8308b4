// The member store's contract (store/store.h), written once and run on every backend
// (issue 12 §3): bitemporal versions ("as known at T"), unchanged detection, lookups without
// 枝番 and by person link, scans, import runs, and the audit chain assigned inside the
// database — including by two Database objects (two processes' worth of connections) writing
// to one database at the same time. SQLite-only matters (file layout, old files, migrations
// of its files) stay in sqlite_store_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/date.h"
#include "store/database.h"
#include "store/store.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<onshi::testing::TestDatabase>(GetParam());
    ONSHI_REQUIRE_DATABASE(*db_);
    database_ = open();
    ASSERT_TRUE(database_);
    store_ = &database_->members();
  }

  std::unique_ptr<Database> open() {
    auto d = open_store(db_->url());
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(*d) : nullptr;
  }

  static core::Qualification member(std::string number, std::string branch = "00") {
    core::Qualification q;
    q.insurer_number = "06139999";
    q.insured_card_symbol = "123";
    q.insured_identification_number = std::move(number);
    q.insured_branch_number = std::move(branch);
    q.insurer_name = "試験健康保険組合";
    q.insured_card_classification = "01";
    q.personal_family_classification = "1";
    q.name = "試験　一郎";
    q.name_kana = "シケン　イチロウ";
    q.sex1 = "1";
    q.birthdate = "19800101";
    q.qualification_date = "20200401";
    return q;
  }
  static PutItem item(core::Qualification q, std::string link = "") {
    std::string sealed = link.empty() ? "" : "sealed";
    return PutItem{std::move(q), std::move(link), std::move(sealed), "test", ""};
  }
  static AuditEntry event(std::string subject, std::string detail = "{}") {
    AuditEntry e;
    e.time_us = core::now_unix_us();
    e.actor = "institution:1310112345";
    e.action = "confirm";
    e.subject = std::move(subject);
    e.detail = std::move(detail);
    return e;
  }
  static std::string chain_hash(const AuditEntry& e) {
    return e.prev_hash + "|" + std::to_string(e.seq) + "|" + e.detail;
  }
  std::vector<AuditEntry> all_audit(Store& s) {
    std::vector<AuditEntry> out;
    EXPECT_TRUE(s.scan_audit(1, [&](const AuditEntry& e) { return out.push_back(e), true; }).ok());
    return out;
  }

  std::unique_ptr<onshi::testing::TestDatabase> db_;
  std::unique_ptr<Database> database_;
  Store* store_ = nullptr;
};

// R-REG-1: a registration that changes something creates a new version; identical → unchanged.
TEST_P(StoreContract, AddedChangedUnchanged) {
  auto q = member("4567");
  auto r1 = store_->put_qualifications(std::vector<PutItem>{item(q)});
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  EXPECT_EQ((*r1)[0], PutOutcome::kAdded);
  auto r2 = store_->put_qualifications(std::vector<PutItem>{item(q)});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)[0], PutOutcome::kUnchanged);
  q.disqualification_date = "20250501";
  q.reason_of_loss = "99";
  auto r3 = store_->put_qualifications(std::vector<PutItem>{item(q)});
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ((*r3)[0], PutOutcome::kChanged);
  EXPECT_EQ(*store_->count_versions(), 2);
  EXPECT_EQ(*store_->count_card_keys(), 1);
  auto h = store_->history(q.card_key());
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_TRUE((*h)[0].qualification.disqualification_date.empty());  // nothing overwritten
  EXPECT_EQ((*h)[1].qualification.disqualification_date, "20250501");
  EXPECT_LT((*h)[0].recorded_at_us, (*h)[1].recorded_at_us);
  EXPECT_TRUE(store_->put_qualifications({}).ok());  // an empty batch is no error
}

// DESIGN bitemporal: "coverage on date D as known at time T" — a claim is judged by what
// reception saw (R-CONF-6, R-CLM-1).
TEST_P(StoreContract, AsKnownAtTime) {
  auto q = member("1000");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q)}).ok());
  int64_t t_before_loss = core::now_unix_us();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  q.disqualification_date = "20250101";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q)}).ok());

  auto then = store_->qualification_as_of(q.card_key(), t_before_loss);
  ASSERT_TRUE(then.ok());
  ASSERT_TRUE(then->has_value());
  EXPECT_TRUE((*then)->qualification.covers("20250301"));  // reception saw coverage

  auto now = store_->qualification_as_of(q.card_key(), core::now_unix_us());
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_FALSE((*now)->qualification.covers("20250301"));  // now known to be lost
  EXPECT_TRUE((*now)->qualification.covers("20241231"));   // last covered day

  auto before_any = store_->qualification_as_of(q.card_key(), 1);
  ASSERT_TRUE(before_any.ok());
  EXPECT_FALSE(before_any->has_value());
  auto unknown = store_->qualification_as_of(member("1001").card_key(), core::now_unix_us());
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

// R-REG-1: a batch that names one key twice compares the second with the first.
TEST_P(StoreContract, SameKeyTwiceInOneBatch) {
  auto a = member("2000");
  auto b = a;
  b.address = "東京都千代田区";
  auto r = store_->put_qualifications(std::vector<PutItem>{item(a), item(a), item(b)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0], PutOutcome::kAdded);
  EXPECT_EQ((*r)[1], PutOutcome::kUnchanged);
  EXPECT_EQ((*r)[2], PutOutcome::kChanged);
  EXPECT_EQ(*store_->count_versions(), 2);
  auto h = store_->history(a.card_key());
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_LT((*h)[0].recorded_at_us, (*h)[1].recorded_at_us);
}

// R-CONF-2: a request without 枝番 finds every branch of the card (family members).
TEST_P(StoreContract, FindByCardAnyBranch) {
  ASSERT_TRUE(store_
                  ->put_qualifications(
                      std::vector<PutItem>{item(member("3000", "00")), item(member("3000", "01")),
                                           item(member("30001", "00")), item(member("300", "00"))})
                  .ok());
  auto r = store_->find_by_card("06139999", "123", "3000", core::now_unix_us());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].qualification.insured_branch_number, "00");
  EXPECT_EQ((*r)[1].qualification.insured_branch_number, "01");
  auto before = store_->find_by_card("06139999", "123", "3000", 1);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->empty());
}

// R-CONF-2, R-REG-2: without 枝番, each branch as known at the time asked — its latest version
// recorded by then, whole (id, time, source), also when a branch changed later.
TEST_P(StoreContract, FindByCardEachBranchAsKnownThen) {
  auto a = member("3100", "00"), b = member("3100", "01");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(a), item(b)}).ok());
  auto first = store_->history(b.card_key());
  ASSERT_TRUE(first.ok() && first->size() == 1u);
  const int64_t between = (*first)[0].recorded_at_us;
  b.address = "東京都千代田区千代田2-2";
  PutItem changed = item(b);
  changed.source = "second";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{changed}).ok());
  auto then = store_->find_by_card("06139999", "123", "3100", between);
  ASSERT_TRUE(then.ok()) << then.error().message;
  ASSERT_EQ(then->size(), 2u);
  EXPECT_EQ((*then)[1].version_id, (*first)[0].version_id);
  EXPECT_EQ((*then)[1].recorded_at_us, between);
  EXPECT_EQ((*then)[1].source, "test");
  EXPECT_EQ((*then)[1].qualification, (*first)[0].qualification);
  auto now = store_->find_by_card("06139999", "123", "3100", core::now_unix_us());
  ASSERT_TRUE(now.ok());
  ASSERT_EQ(now->size(), 2u);
  auto h = store_->history(b.card_key());
  ASSERT_TRUE(h.ok() && h->size() == 2u);
  EXPECT_EQ((*now)[1].version_id, (*h)[1].version_id);
  EXPECT_EQ((*now)[1].recorded_at_us, (*h)[1].recorded_at_us);
  EXPECT_EQ((*now)[1].source, "second");
  EXPECT_EQ((*now)[1].qualification.address, "東京都千代田区千代田2-2");
  EXPECT_EQ((*now)[0].qualification, a);
}

// R-REG-3: the same person across insurers is found through the keyed hash only.
TEST_P(StoreContract, FindByPersonLink) {
  auto old_q = member("4000");
  old_q.disqualification_date = "20240401";
  auto new_q = member("9999");
  new_q.insurer_number = "01130012";
  new_q.qualification_date = "20240401";
  ASSERT_TRUE(store_
                  ->put_qualifications(std::vector<PutItem>{
                      item(old_q, "LINK-A"), item(new_q, "LINK-A"), item(member("5000"), "LINK-B")})
                  .ok());
  auto r = store_->find_by_person_link("LINK-A", core::now_unix_us());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 2u);
  // A link that changed later no longer matches the old one as of now, but did before.
  int64_t before_move = core::now_unix_us();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto moved = member("5000");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(moved, "LINK-C")}).ok());
  auto b = store_->find_by_person_link("LINK-B", core::now_unix_us());
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->empty());
  auto then = store_->find_by_person_link("LINK-B", before_move);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->size(), 1u);
  EXPECT_EQ(store_->find_by_person_link("", core::now_unix_us())->size(), 0u);
}

// R-REG-3: links are found by their whole value, even when a backend indexes only their first
// bytes: two persons whose 32-byte links share the first 8 bytes stay two persons.
TEST_P(StoreContract, PersonLinksSharingTheirFirstBytesStayApart) {
  const std::string a(32, '\x11');
  const std::string b = std::string(8, '\x11') + std::string(24, '\x22');
  ASSERT_TRUE(store_
                  ->put_qualifications(std::vector<PutItem>{item(member("8100"), a),
                                                            item(member("8200"), b)})
                  .ok());
  for (const auto& [link, number] : {std::pair{a, "8100"}, std::pair{b, "8200"}}) {
    auto r = store_->find_by_person_link(link, core::now_unix_us());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].qualification.insured_identification_number, number);
  }
  EXPECT_TRUE(store_->find_by_person_link(std::string(8, '\x11'), core::now_unix_us())->empty());
}

// R-REG-2: the store keeps certificates and every field exactly, binary links included.
TEST_P(StoreContract, RoundTripsCertificates) {
  auto q = member("6000");
  q.elderly_recipient =
      core::ElderlyRecipientCertificate{"20240715", "20240801", "20250731", "020"};
  q.limit_application =
      core::LimitApplicationCertificate{"02", "B05", "20240801", "20240801", "20250731", ""};
  q.specific_diseases.push_back({"1", "20240501", "20240501", "", "10000"});
  q.address = std::string("quote\" backslash\\ unit\x1f end");
  std::string link("\x00\x01\xff\"\\{}", 7);
  PutItem it = item(q, link);
  it.my_number_sealed = std::string("\x00sealed\x80", 8);
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{it}).ok());
  auto v = store_->qualification_as_of(q.card_key(), core::now_unix_us());
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification, q);
  EXPECT_EQ((*v)->person_link, link);
  EXPECT_EQ((*v)->my_number_sealed, it.my_number_sealed);
  EXPECT_EQ((*v)->source, "test");
  EXPECT_GT((*v)->version_id, 0);
  auto found = store_->find_by_person_link(link, core::now_unix_us());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 1u);
  // The same state again is unchanged even with binary bytes in the link.
  auto again = store_->put_qualifications(std::vector<PutItem>{it});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0], PutOutcome::kUnchanged);
}

// Issue 12 §3: the insurer's report walks its current members only, in card-key order.
TEST_P(StoreContract, ScanCurrentByInsurer) {
  auto other = member("7000");
  other.insurer_number = "01130012";
  auto q = member("7001");
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q), item(other)}).ok());
  q.address = "changed";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q)}).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->scan_current("06139999",
                                 [&](const QualificationVersion& v) {
                                   seen.push_back(v.qualification.address);
                                   return true;
                                 })
                  .ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "changed");
  int all = 0;
  ASSERT_TRUE(
      store_->scan_current("", [&](const QualificationVersion&) { return ++all, true; }).ok());
  EXPECT_EQ(all, 2);
  int stopped = 0;
  ASSERT_TRUE(
      store_->scan_current("", [&](const QualificationVersion&) { return ++stopped, false; }).ok());
  EXPECT_EQ(stopped, 1);
}

// R-REG-5: the kanji conversions made at registration are kept with the version; the full
// history scan runs in (card key, recorded) order.
TEST_P(StoreContract, ConversionsAndFullHistoryScan) {
  auto q = member("9100");
  PutItem it = item(q);
  it.conversions = R"([{"field":"Name","position":0,"original":"髙","replacement":"高"}])";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{it}).ok());
  q.address = "moved";
  ASSERT_TRUE(store_->put_qualifications(std::vector<PutItem>{item(q), item(member("9000"))}).ok());
  std::vector<std::pair<std::string, std::string>> seen;  // (number, conversions)
  ASSERT_TRUE(store_
                  ->scan_versions([&](const QualificationVersion& v) {
                    seen.emplace_back(v.qualification.insured_identification_number, v.conversions);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, "9000");  // card-key order, then recorded order
  EXPECT_EQ(seen[1].first, "9100");
  EXPECT_NE(seen[1].second.find("髙"), std::string::npos);
  EXPECT_EQ(seen[2].second, "");
}

// Scans stream: more versions than one fetch holds arrive complete and in order, and the
// callback may use the store while the scan runs.
TEST_P(StoreContract, LargeScanStreamsInOrder) {
  std::vector<PutItem> batch;
  for (int i = 0; i < 4500; ++i) batch.push_back(item(member(std::to_string(100000 + i))));
  ASSERT_TRUE(store_->put_qualifications(batch).ok());
  int n = 0;
  std::string prev;
  bool ordered = true, nested_ok = true;
  ASSERT_TRUE(store_
                  ->scan_versions([&](const QualificationVersion& v) {
                    std::string k = v.qualification.card_key();
                    ordered = ordered && prev < k;
                    prev = k;
                    if (++n == 2500) nested_ok = store_->count_versions().ok();
                    return true;
                  })
                  .ok());
  EXPECT_EQ(n, 4500);
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(nested_ok);
}

// Issue 12 §3: import runs are kept for the insurer's data-quality report, in order.
TEST_P(StoreContract, ImportRuns) {
  ASSERT_TRUE(
      store_->record_import(ImportRun{100, "members.csv", 10, 2, 1, R"({"E_CHECK_DIGIT":1})"})
          .ok());
  ASSERT_TRUE(store_->record_import(ImportRun{200, "https:06139999", 1, 0, 0, ""}).ok());
  auto runs = store_->import_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].source, "members.csv");
  EXPECT_EQ((*runs)[0].accepted, 10);
  EXPECT_EQ((*runs)[0].unchanged, 2);
  EXPECT_EQ((*runs)[0].rejected, 1);
  EXPECT_EQ((*runs)[0].rejected_by_code_json, R"({"E_CHECK_DIGIT":1})");
  EXPECT_EQ((*runs)[1].started_at_us, 200);
  EXPECT_EQ((*runs)[1].rejected_by_code_json, "{}");
}

// Readers on several threads while a writer commits (the service's situation).
TEST_P(StoreContract, ParallelReadersDuringWrites) {
  std::vector<PutItem> batch;
  for (int i = 0; i < 500; ++i) batch.push_back(item(member(std::to_string(10000 + i))));
  ASSERT_TRUE(store_->put_qualifications(batch).ok());
  std::atomic<int> found{0}, failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto v = store_->qualification_as_of(member(std::to_string(10000 + i)).card_key(),
                                             core::now_unix_us());
        if (!v.ok())
          ++failures;
        else if (v->has_value())
          ++found;
      }
    });
  std::vector<PutItem> more;
  for (int i = 0; i < 500; ++i) more.push_back(item(member(std::to_string(20000 + i))));
  EXPECT_TRUE(store_->put_qualifications(more).ok());
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(found.load(), 2000);
}

// Issue 12 §5: two processes' stores on one database register at once; recorded_at stays
// strictly increasing across both, and every version lands.
TEST_P(StoreContract, TwoWritersKeepRecordedAtStrictlyIncreasing) {
  auto second = open();
  ASSERT_TRUE(second);
  std::atomic<int> failures{0};
  auto writer = [&](Store* s, int base) {
    for (int b = 0; b < 20; ++b) {
      std::vector<PutItem> batch;
      for (int i = 0; i < 10; ++i) {
        auto q = member(std::to_string(50000 + i));
        q.address = std::to_string(base + b);  // both writers change the same keys
        batch.push_back(item(q));
      }
      if (!s->put_qualifications(batch).ok()) ++failures;
    }
  };
  std::thread a(writer, store_, 0), b(writer, &second->members(), 1000);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> times;
  int64_t versions = 0;
  ASSERT_TRUE(store_
                  ->scan_versions([&](const QualificationVersion& v) {
                    times.insert(v.recorded_at_us);
                    ++versions;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(versions, 400);
  EXPECT_EQ(times.size(), 400u);  // no two versions share a recorded time
}

// DESIGN security: the audit log as stored — verbatim appends (a chain copied from another
// database), the tail, scans from a seq, and a duplicate seq refused with nothing written.
TEST_P(StoreContract, AuditAppendAndScan) {
  std::vector<AuditEntry> es(3);
  for (int i = 0; i < 3; ++i) {
    es[i].seq = i + 1;
    es[i].time_us = 100 + i;
    es[i].actor = "institution:1310112345";
    es[i].action = "confirm";
    es[i].detail = "{}";
    es[i].hash = "h" + std::to_string(i);
  }
  ASSERT_TRUE(store_->append_audit(es).ok());
  auto last = store_->last_audit();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->seq, 3);
  EXPECT_EQ((*last)->hash, "h2");
  int n = 0;
  ASSERT_TRUE(store_->scan_audit(2, [&](const AuditEntry& e) { return ++n, true; }).ok());
  EXPECT_EQ(n, 2);
  // A duplicate seq is refused and the whole batch is rolled back (nothing half-written).
  std::vector<AuditEntry> dup{es[2]};
  dup[0].seq = 4;
  dup.push_back(es[0]);
  EXPECT_FALSE(store_->append_audit(dup).ok());
  EXPECT_EQ((*store_->last_audit())->seq, 3);
}

// DESIGN security: the audit entries about one member are found by subject, in seq order.
TEST_P(StoreContract, AuditBySubject) {
  std::vector<AuditEntry> es{event("key-B"), event("key-A"), event("key-B"), event("")};
  ASSERT_TRUE(store_->chain_audit(es, chain_hash).ok());
  std::vector<int64_t> seqs;
  ASSERT_TRUE(store_
                  ->scan_audit_by_subject("key-A",
                                          [&](const AuditEntry& e) {
                                            seqs.push_back(e.seq);
                                            return true;
                                          })
                  .ok());
  EXPECT_EQ(seqs, (std::vector<int64_t>{2}));
  seqs.clear();
  ASSERT_TRUE(store_
                  ->scan_audit_by_subject("key-B",
                                          [&](const AuditEntry& e) {
                                            seqs.push_back(e.seq);
                                            return true;
                                          })
                  .ok());
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 3}));
  seqs.clear();
  ASSERT_TRUE(store_
                  ->scan_audit_by_subject("",
                                          [&](const AuditEntry& e) {
                                            seqs.push_back(e.seq);
                                            return true;
                                          })
                  .ok());
  EXPECT_TRUE(seqs.empty());
}

// Issue 12 §2: the store numbers and links audit entries itself, continuing from the tail,
// and returns them as stored; the caller's seq and hashes are ignored.
TEST_P(StoreContract, ChainAuditAssignsSeqAndPrevHash) {
  EXPECT_FALSE(store_->last_audit()->has_value());
  std::vector<AuditEntry> first{event("a"), event("b")};
  first[0].seq = 77;
  first[0].prev_hash = "forged";
  auto r1 = store_->chain_audit(first, chain_hash);
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  ASSERT_EQ(r1->size(), 2u);
  EXPECT_EQ((*r1)[0].seq, 1);
  EXPECT_EQ((*r1)[0].prev_hash, "");
  EXPECT_EQ((*r1)[0].hash, "|1|{}");
  EXPECT_EQ((*r1)[1].seq, 2);
  EXPECT_EQ((*r1)[1].prev_hash, (*r1)[0].hash);
  auto r2 = store_->chain_audit(std::vector<AuditEntry>{event("c", R"({"x":1})")}, chain_hash);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)[0].seq, 3);
  EXPECT_EQ((*r2)[0].hash, (*r1)[1].hash + "|3|{\"x\":1}");
  auto stored = all_audit(*store_);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[2].hash, (*r2)[0].hash);
  EXPECT_EQ(stored[1].subject, "b");
  EXPECT_TRUE(store_->chain_audit({}, chain_hash)->empty());
}

// Issue 12 §2: two Database objects (two processes' pools) appending to one database at the
// same time extend one gap-free chain: every entry links to the one before it.
TEST_P(StoreContract, ChainAuditFromTwoDatabasesIsOneChain) {
  auto second = open();
  ASSERT_TRUE(second);
  std::atomic<int> failures{0};
  auto appender = [&](Store* s, const std::string& who) {
    for (int b = 0; b < 40; ++b) {
      std::vector<AuditEntry> batch;
      for (int i = 0; i < 5; ++i) batch.push_back(event(who, std::to_string(b * 5 + i)));
      if (!s->chain_audit(batch, chain_hash).ok()) ++failures;
    }
  };
  std::thread a(appender, store_, "A"), b(appender, &second->members(), "B");
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  auto entries = all_audit(*store_);
  ASSERT_EQ(entries.size(), 400u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(entries[i].prev_hash, i ? entries[i - 1].hash : "");
    EXPECT_EQ(entries[i].hash, chain_hash(entries[i]));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::ValuesIn(onshi::testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace onshi::store
