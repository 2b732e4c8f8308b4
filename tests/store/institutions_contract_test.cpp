// The contract of the institutions registry's store (store/institutions.h), written once and
// run on every backend: SQLite (DIR/institutions.db) and PostgreSQL (the test cluster).
// Entries, keys and uniqueness, units of work that commit whole or not at all and that
// serialise across processes (two Databases on one URL stand for two servers), the history,
// counters and high-water marks, schedule overrides, the lists and the statistics counts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/database.h"
#include "store/institutions.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

InstitutionRow entry(const std::string& code, const std::string& kind = "clinic",
                     const std::string& prefecture = "13") {
  InstitutionRow r;
  r.provisional_code = code;
  r.kind = kind;
  r.prefecture = prefecture;
  r.district = "01";
  r.name = "オン資クリニック " + code;
  r.address = "東京都千代田区霞が関1-2-2";
  return r;
}

// An entry in use since `start` with its 10-digit code.
InstitutionRow in_use(const std::string& code, const std::string& mic, const std::string& start,
                      const std::string& kind = "clinic", const std::string& prefecture = "13") {
  InstitutionRow r = entry(code, kind, prefecture);
  r.stage = "inUse";
  r.reception_number = mic.substr(3, 7);
  r.medical_institution_code = mic;
  r.usage_start = start;
  return r;
}

class InstitutionStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(db_);
    auto d = open_store(db_.url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    database_ = std::move(*d);
  }
  InstitutionStore& store() { return database_->institutions(); }

  // Inserts `rows` in one unit of work and returns them with their ids.
  std::vector<InstitutionRow> insert(std::vector<InstitutionRow> rows) {
    Status st = store().transact([&](InstitutionTx& tx) -> Status {
      for (auto& r : rows) {
        auto in = tx.insert(r);
        if (!in) return in.error();
        r = *in;
      }
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.error().message;
    return rows;
  }
  std::vector<InstitutionRow> find(InstitutionKey by, const std::string& v) {
    auto f = store().find(by, v);
    EXPECT_TRUE(f.ok()) << f.error().message;
    return f ? *f : std::vector<InstitutionRow>{};
  }

  TestDatabase db_{GetParam()};
  std::unique_ptr<Database> database_;
};

// Issue 12 §1: an entry is kept field for field and found by each of its three keys.
TEST_P(InstitutionStoreTest, InsertUpdateFindByEveryKey) {
  auto rows = insert({entry("0000001")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(rows[0].id, 0);
  InstitutionRow r = rows[0];
  r.stage = "numberAnswered";
  r.portal_account = true;
  r.reader = "shipped";
  r.reader_model = "A社 KR-1";
  r.reader_applied_on = "20270105";
  r.reader_shipped_on = "20270310";
  r.reception_number = "0110002";
  r.medical_institution_code = "1310110002";
  r.designation_date = "20270401";
  r.request_date = "20270120";
  r.bureau_answer_date = "20270310";
  r.agency_deadline = "20270315";
  r.presented_on = "20270310";
  r.medical_aid = true;
  ASSERT_TRUE(store().transact([&](InstitutionTx& tx) { return tx.update(r); }).ok());
  for (auto [by, key] : {std::pair{InstitutionKey::kProvisionalCode, "0000001"},
                         std::pair{InstitutionKey::kReceptionNumber, "0110002"},
                         std::pair{InstitutionKey::kMedicalInstitutionCode, "1310110002"}}) {
    auto found = find(by, key);
    ASSERT_EQ(found.size(), 1u) << key;
    EXPECT_EQ(found[0], r) << key;
  }
  EXPECT_TRUE(find(InstitutionKey::kProvisionalCode, "0000009").empty());
  auto all = store().all();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, std::vector<InstitutionRow>{r});
}

// Issue 12 §1 (R-INST-2 ④): a 7-digit 受付番号 may be held in several prefectures; every
// holder is returned, in id order. 仮コード and 医療機関コード are unique.
TEST_P(InstitutionStoreTest, SeveralHoldersOfOneReceptionNumberAndUniqueCodes) {
  auto a = in_use("0000001", "1310110002", "20270401");
  auto b = in_use("0000002", "2710110002", "20270401", "clinic", "27");
  insert({a, b});
  auto found = find(InstitutionKey::kReceptionNumber, "0110002");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].prefecture, "13");
  EXPECT_EQ(found[1].prefecture, "27");
  Status dup =
      store().transact([&](InstitutionTx& tx) { return tx.insert(entry("0000001")).status(); });
  EXPECT_EQ(dup.error().code, "E_STORE");
  Status dup_code = store().transact([&](InstitutionTx& tx) -> Status {
    auto c = tx.insert(entry("0000003"));
    if (!c) return c.error();
    c->medical_institution_code = "1310110002";
    return tx.update(*c);
  });
  EXPECT_EQ(dup_code.error().code, "E_STORE");
  EXPECT_EQ(store().all()->size(), 2u);  // the failed units left nothing
}

// Issue 12 §2 "the same atomicity": a unit of work that fails writes nothing at all.
TEST_P(InstitutionStoreTest, FailedUnitOfWorkWritesNothing) {
  Status st = store().transact([&](InstitutionTx& tx) -> Status {
    auto r = tx.insert(entry("0000001"));
    if (!r) return r.error();
    if (Status s = tx.append_event({0, 0, "0000001", "provisional", "operator", "{}"}); !s)
      return s;
    if (auto c = tx.next_counter("provisional"); !c) return c.error();
    if (Status s = tx.set_high_water("13", "1", "01", 1000); !s) return s;
    if (Status s = tx.put_schedule_override({"202705", "20270409", "", ""}); !s) return s;
    if (Status s = tx.set_population("clinic", "13", 100); !s) return s;
    return Error{"E_STATE", "", "refused"};
  });
  EXPECT_EQ(st.error().code, "E_STATE");
  EXPECT_TRUE(store().all()->empty());
  EXPECT_TRUE(store().history("0000001")->empty());
  EXPECT_FALSE(store().counter("provisional")->has_value());
  EXPECT_TRUE(store().schedule_overrides()->empty());
  EXPECT_TRUE(store().population()->empty());
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    auto hw = tx.high_water("13", "1", "01");
                    if (!hw) return hw.error();
                    EXPECT_EQ(*hw, 0);
                    auto c = tx.next_counter("provisional");
                    if (!c) return c.error();
                    EXPECT_EQ(*c, 1);  // the rolled-back increment is gone
                    return {};
                  })
                  .ok());
}

// Issue 12 §1: counters count from 1; high-water marks are kept per (都道府県, 点数表, 郡市区).
TEST_P(InstitutionStoreTest, CountersAndHighWaterMarks) {
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    for (int64_t want : {1, 2, 3}) EXPECT_EQ(*tx.next_counter("provisional"), want);
                    EXPECT_TRUE(tx.set_counter("cards_issued", 90000000).ok());
                    EXPECT_TRUE(tx.set_counter("cards_issued", 91000000).ok());
                    EXPECT_EQ(*tx.high_water("13", "1", "01"), 0);
                    EXPECT_TRUE(tx.set_high_water("13", "1", "01", 1000).ok());
                    EXPECT_TRUE(tx.set_high_water("13", "1", "01", 1001).ok());
                    EXPECT_TRUE(tx.set_high_water("13", "3", "01", 3000).ok());
                    return {};
                  })
                  .ok());
  EXPECT_EQ(**store().counter("provisional"), 3);
  EXPECT_EQ(**store().counter("cards_issued"), 91000000);
  EXPECT_FALSE(store().counter("card_registrations")->has_value());
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    EXPECT_EQ(*tx.high_water("13", "1", "01"), 1001);
                    EXPECT_EQ(*tx.high_water("13", "3", "01"), 3000);
                    EXPECT_EQ(*tx.high_water("13", "1", "02"), 0);
                    EXPECT_EQ(*tx.high_water("27", "1", "01"), 0);
                    return {};
                  })
                  .ok());
}

// Issue 12 §1: the history is kept in order, with its time, and outlives a deleted entry;
// deleting an entry deletes its medical-aid settings.
TEST_P(InstitutionStoreTest, HistoryOutlivesTheEntry) {
  auto rows = insert({in_use("0000001", "1310110002", "20270401")});
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    if (Status s = tx.append_event({0, 1700000000000000, "0000001", "provisional",
                                                    "operator", "{\"a\":1}"});
                        !s)
                      return s;
                    if (Status s = tx.append_event(
                            {0, 0, "0000001", "notDesignated", "bureau:13", "{\"deleted\":true}"});
                        !s)
                      return s;
                    if (Status s = tx.add_medical_aid_setting(rows[0].id, "20270401", true); !s)
                      return s;
                    return tx.remove(rows[0].id);
                  })
                  .ok());
  EXPECT_TRUE(find(InstitutionKey::kProvisionalCode, "0000001").empty());
  auto h = store().history("0000001");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_LT((*h)[0].seq, (*h)[1].seq);
  EXPECT_EQ((*h)[0].time_us, 1700000000000000);
  EXPECT_GT((*h)[1].time_us, 1700000000000000);
  EXPECT_EQ((*h)[1].action, "notDesignated");
  EXPECT_EQ((*h)[1].actor, "bureau:13");
  EXPECT_EQ((*h)[1].detail, "{\"deleted\":true}");
  EXPECT_TRUE(store().history("0000002")->empty());
}

// Issue 12 §1 (R-INST-3): overrides are replaced per month, listed in month order, and an
// unset date reads back as "".
TEST_P(InstitutionStoreTest, ScheduleOverrides) {
  ASSERT_TRUE(
      store()
          .transact([&](InstitutionTx& tx) -> Status {
            EXPECT_TRUE(tx.put_schedule_override({"202706", "", "20270517", ""}).ok());
            EXPECT_TRUE(tx.put_schedule_override({"202705", "20270409", "", ""}).ok());
            EXPECT_TRUE(tx.put_schedule_override({"202705", "", "20270416", "20270228"}).ok());
            EXPECT_EQ(tx.schedule_overrides()->size(), 2u);
            return {};
          })
          .ok());
  auto o = store().schedule_overrides();
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, (std::vector<StoredScheduleOverride>{{"202705", "", "20270416", "20270228"},
                                                     {"202706", "", "20270517", ""}}));
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    EXPECT_TRUE(*tx.delete_schedule_override("202706"));
                    EXPECT_FALSE(*tx.delete_schedule_override("202712"));
                    return {};
                  })
                  .ok());
  EXPECT_EQ(store().schedule_overrides()->size(), 1u);
}

// Issue 12 §1 (R-INST-4, R-AID-3): the published list (in use before a day, filters, by
// code) and the medical-aid list (the latest setting effective before the day wins).
TEST_P(InstitutionStoreTest, PublishedAndMedicalAidLists) {
  auto rows = insert({in_use("0000001", "1310110002", "20270401"),
                      in_use("0000002", "1330130008", "20270405", "dental"),
                      in_use("0000003", "2710110002", "20270401", "clinic", "27"),
                      in_use("0000004", "1310110010", "20270412"), entry("0000005")});
  auto codes = [](const Result<std::vector<InstitutionRow>>& r) {
    std::vector<std::string> out;
    for (const auto& i : *r) out.push_back(i.medical_institution_code);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(codes(store().in_use_before("20270412", {})),
            (V{"1310110002", "1330130008", "2710110002"}));
  EXPECT_EQ(codes(store().in_use_before("20270412", {"13", "", ""})),
            (V{"1310110002", "1330130008"}));
  EXPECT_EQ(codes(store().in_use_before("20270412", {"", "dental", ""})), (V{"1330130008"}));
  EXPECT_EQ(codes(store().in_use_before("20270413", {"13", "clinic", "0000004"})),
            (V{"1310110010"}));
  EXPECT_TRUE(store().in_use_before("20270401", {})->empty());

  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    EXPECT_TRUE(tx.add_medical_aid_setting(rows[0].id, "20270401", true).ok());
                    EXPECT_TRUE(tx.add_medical_aid_setting(rows[1].id, "20270401", true).ok());
                    EXPECT_TRUE(tx.add_medical_aid_setting(rows[1].id, "20270420", false).ok());
                    EXPECT_TRUE(tx.add_medical_aid_setting(rows[2].id, "20270501", true).ok());
                    return {};
                  })
                  .ok());
  EXPECT_EQ(codes(store().medical_aid_users("20270415")), (V{"1310110002", "1330130008"}));
  EXPECT_EQ(codes(store().medical_aid_users("20270501")), (V{"1310110002"}));
  EXPECT_EQ(codes(store().medical_aid_users("20270601")), (V{"1310110002", "2710110002"}));

  // R-AID-3: the setting on the date a confirmation asks about — effective from its own day,
  // the latest one winning; unknown codes and entries without a setting are off.
  auto on = [&](const char* code, const char* day) { return *store().medical_aid_on(code, day); };
  EXPECT_FALSE(on("1310110002", "20270331"));
  EXPECT_TRUE(on("1310110002", "20270401"));
  EXPECT_TRUE(on("1330130008", "20270419"));
  EXPECT_FALSE(on("1330130008", "20270420"));
  EXPECT_FALSE(on("2710110002", "20270430"));
  EXPECT_TRUE(on("2710110002", "20270501"));
  EXPECT_FALSE(on("1310110010", "20270601"));
  EXPECT_FALSE(on("9999999999", "20270601"));
}

// Issue 12 §1 (R-INST-5): the statistics counts per kind and prefecture as of a day, and the
// operator's population totals.
TEST_P(InstitutionStoreTest, StatisticsCountsAndPopulation) {
  auto a = in_use("0000001", "1310110002", "20270401");
  a.reader = "shipped";
  a.reader_applied_on = "20270105";
  a.medical_aid = true;
  auto b = entry("0000002");
  b.reader = "undecided";
  b.reader_applied_on = "20270301";
  b.reader_model_deadline = "20270630";
  auto c = entry("0000003");
  c.reader = "cancelled";
  c.reader_applied_on = "20270101";
  insert({a, b, c, in_use("0000004", "2740140003", "20270501", "pharmacy", "27")});
  ASSERT_TRUE(
      store()
          .transact([&](InstitutionTx& tx) { return tx.set_population("clinic", "13", 12000); })
          .ok());
  auto counts = store().counts("20270401");
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 2u);
  const auto& clinic = (*counts)[0];
  EXPECT_EQ(clinic.kind, "clinic");
  EXPECT_EQ(clinic.prefecture, "13");
  EXPECT_EQ(clinic.total, 3);
  EXPECT_EQ(clinic.reader_applications, 2);  // shipped and undecided, not cancelled
  EXPECT_EQ(clinic.in_use, 1);
  EXPECT_EQ(clinic.medical_aid, 1);
  EXPECT_EQ((*counts)[1].kind, "pharmacy");
  EXPECT_EQ((*counts)[1].in_use, 0);  // not yet on 20270401
  EXPECT_EQ(store().counts("20270501")->at(1).in_use, 1);
  auto pop = store().population();
  ASSERT_TRUE(pop.ok());
  ASSERT_EQ(pop->size(), 1u);
  EXPECT_EQ((*pop)[0].total, 12000);
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    EXPECT_TRUE(tx.undecided_readers_before("20270630")->empty());
                    auto due = tx.undecided_readers_before("20270701");
                    EXPECT_EQ(due->size(), 1u);
                    EXPECT_EQ(due->at(0).provisional_code, "0000002");
                    return {};
                  })
                  .ok());
}

// Issue 12 §5: units of work of two servers on one database never interleave: every
// read-then-write of a high-water mark sees the previous one, so none is lost.
TEST_P(InstitutionStoreTest, UnitsOfWorkSerialiseAcrossProcesses) {
  auto second = open_store(db_.url());
  ASSERT_TRUE(second.ok()) << second.error().message;
  InstitutionStore* stores[] = {&store(), &(*second)->institutions()};
  constexpr int kThreads = 4, kRounds = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        Status st = stores[t % 2]->transact([&](InstitutionTx& tx) -> Status {
          auto hw = tx.high_water("13", "1", "01");
          if (!hw) return hw.error();
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          return tx.set_high_water("13", "1", "01", *hw + 1);
        });
        if (!st) {
          failures++;
          ADD_FAILURE() << st.error().code << ": " << st.error().message;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  ASSERT_TRUE(store()
                  .transact([&](InstitutionTx& tx) -> Status {
                    EXPECT_EQ(*tx.high_water("13", "1", "01"), kThreads * kRounds);
                    return {};
                  })
                  .ok());
}

// Issue 12 "Bad input and faults": without `create`, a database without the registry's
// tables is refused with E_STORE_OPEN / E_STORE_SCHEMA and nothing is created.
TEST_P(InstitutionStoreTest, WithoutCreateAMissingSchemaIsRefused) {
  TestDatabase empty(GetParam());
  DatabaseOptions o;
  o.create = false;
  auto d = open_store(empty.url(), o);
  if (!d) {
    EXPECT_TRUE(d.error().code == "E_STORE_OPEN" || d.error().code == "E_STORE_SCHEMA")
        << d.error().code;
    return;
  }
  Status st = (*d)->institutions().migrate();
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().code == "E_STORE_OPEN" || st.error().code == "E_STORE_SCHEMA")
      << st.error().code;
  EXPECT_EQ((*d)->institutions().all().error().code, st.error().code);
}

INSTANTIATE_TEST_SUITE_P(Backends, InstitutionStoreTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
