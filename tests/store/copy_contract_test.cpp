// The copy methods of the store interfaces (Store::put_versions_verbatim,
// InstitutionStore::export_tables/import_tables, CardStore::scan/put_verbatim,
// BulkStore::scan/put_verbatim; TicketStore's are in tickets_contract_test.cpp), written
// once and run on every backend, and copy_database (store/copy.h) from each backend to the other: rows keep their identity, a second copy
// writes nothing, different data under the same key is E_COPY_CONFLICT and writes nothing
// more, and normal writes after a copy get fresh ids, times and numbers (issue 12 §4).
#include <gtest/gtest.h>

#include "core/date.h"
#include "store/copy.h"
#include "store/database.h"
#include "store/dump_database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

core::Qualification member(const std::string& number, const std::string& name = "試験　一郎") {
  core::Qualification q;
  q.insurer_number = "06139999";
  q.insured_card_symbol = "123";
  q.insured_identification_number = number;
  q.insured_branch_number = "00";
  q.insurer_name = "試験健康保険組合";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.name = name;
  q.name_kana = "シケン　イチロウ";
  q.sex1 = "1";
  q.birthdate = "19800101";
  q.qualification_date = "20200401";
  return q;
}

QualificationVersion version(int64_t id, int64_t at, const std::string& number,
                             const std::string& name = "試験　一郎") {
  QualificationVersion v;
  v.version_id = id;
  v.recorded_at_us = at;
  v.qualification = member(number, name);
  v.person_link = std::string("link\0\x01", 6) + number;
  v.my_number_sealed = std::string("sealed\0\xff", 8) + number;
  v.source = "import:members.csv";
  v.conversions = id % 2 ? "[{\"from\":\"髙\",\"to\":\"高\"}]" : "";
  return v;
}

std::string hasher(const AuditEntry& e) {
  return e.prev_hash + "|" + std::to_string(e.seq) + "|" + e.detail;
}

class CopyContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    auto d = open_store(tdb_.url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    db_ = std::move(*d);
  }
  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// issue 12 §4: versions keep version_id and recorded_at; present and equal → skipped;
// present and different → E_COPY_CONFLICT with nothing of the batch written; the next
// registration gets a fresh id and a later recorded_at.
TEST_P(CopyContract, VersionsVerbatim) {
  Store& s = db_->members();
  const int64_t t0 = 1'700'000'000'000'000;
  std::vector<QualificationVersion> batch{version(5, t0, "1001"), version(9, t0 + 7, "1001"),
                                          version(12, t0 + 9, "1002")};
  batch[1].qualification.name = "試験　二郎";
  batch[2].conversions = "";
  auto n = s.put_versions_verbatim(batch);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 3);
  auto h = s.history(batch[0].qualification.card_key());
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].version_id, 5);
  EXPECT_EQ((*h)[0].recorded_at_us, t0);
  EXPECT_EQ((*h)[0].person_link, batch[0].person_link);
  EXPECT_EQ((*h)[0].my_number_sealed, batch[0].my_number_sealed);
  EXPECT_EQ((*h)[0].conversions, batch[0].conversions);
  EXPECT_EQ((*h)[1].qualification.name, "試験　二郎");
  EXPECT_EQ((*h)[1].conversions, batch[1].conversions);
  auto as_of = s.qualification_as_of(batch[0].qualification.card_key(), t0 + 3);
  ASSERT_TRUE(as_of.ok() && as_of->has_value());
  EXPECT_EQ((*as_of)->version_id, 5);

  auto again = s.put_versions_verbatim(batch);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 0);
  auto other = s.history(batch[2].qualification.card_key());
  ASSERT_TRUE(other.ok() && other->size() == 1);
  EXPECT_EQ((*other)[0].conversions, "");

  std::vector<QualificationVersion> clash{version(20, t0 + 20, "1003"),
                                          version(12, t0 + 9, "1002", "別人　三郎")};
  auto c = s.put_versions_verbatim(clash);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "E_COPY_CONFLICT");
  EXPECT_NE(c.error().message.find("12"), std::string::npos);
  EXPECT_EQ(*s.count_versions(), 3);

  PutItem next{member("1004"), "", "", "test", ""};
  ASSERT_TRUE(s.put_qualifications(std::span(&next, 1)).ok());
  auto fresh = s.history(next.qualification.card_key());
  ASSERT_TRUE(fresh.ok() && fresh->size() == 1);
  EXPECT_GT((*fresh)[0].version_id, 12);
  EXPECT_GT((*fresh)[0].recorded_at_us, t0 + 9);
}

// A copied chain with recorded_at in the future of the clock: the next registration is
// still later than every stored version (the clock follows the copied rows).
TEST_P(CopyContract, ClockFollowsCopiedVersions) {
  Store& s = db_->members();
  const int64_t future = core::now_unix_us() + 3'600'000'000;
  ASSERT_TRUE(s.put_versions_verbatim(std::vector{version(1, future, "2001")}).ok());
  PutItem next{member("2002"), "", "", "test", ""};
  ASSERT_TRUE(s.put_qualifications(std::span(&next, 1)).ok());
  auto h = s.history(next.qualification.card_key());
  ASSERT_TRUE(h.ok() && h->size() == 1);
  EXPECT_GT((*h)[0].recorded_at_us, future);
  EXPECT_GT((*h)[0].version_id, 1);
}

InstitutionTables sample_tables() {
  InstitutionTables t;
  InstitutionRow a;
  a.id = 3;
  a.provisional_code = "P0000003";
  a.kind = "clinic";
  a.prefecture = "13";
  a.district = "01";
  a.name = "オン資クリニック";
  a.address = "東京都千代田区霞が関1-2-2";
  a.stage = "inUse";
  a.reception_number = "1234567";
  a.medical_institution_code = "1310112345";
  a.usage_start = "20240401";
  a.medical_aid = true;
  InstitutionRow b = a;
  b.id = 8;
  b.provisional_code = "P0000008";
  b.stage = "provisional";
  b.reception_number = "";
  b.medical_institution_code = "";
  b.usage_start = "";
  b.medical_aid = false;
  t.entries = {a, b};
  t.events = {{4, 1'700'000'000'000'000, "P0000003", "register", "operator", "{}"},
              {11, 1'700'000'000'000'100, "P0000008", "register", "operator", "{\"x\":1}"}};
  t.medical_aid = {{6, 3, "20240401", true}};
  t.high_water = {{"13", "1", "01", 12345}};
  t.counters = {{"provisional", 8}};
  t.schedule_overrides = {{"202405", "20240420", "", "20240425"}};
  t.population = {{"clinic", "13", 12000}};
  return t;
}

// issue 12 §4: every table out and in again with ids and seqs kept; a key present already
// fails the whole import; inserts after the import get fresh ids and seqs.
TEST_P(CopyContract, InstitutionTables) {
  InstitutionStore& s = db_->institutions();
  const InstitutionTables t = sample_tables();
  ASSERT_TRUE(s.import_tables(t).ok());
  auto out = s.export_tables();
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(out->entries == t.entries);
  EXPECT_TRUE(out->events == t.events);
  EXPECT_TRUE(out->medical_aid == t.medical_aid);
  EXPECT_TRUE(out->high_water == t.high_water);
  EXPECT_TRUE(out->counters == t.counters);
  EXPECT_TRUE(out->schedule_overrides == t.schedule_overrides);
  EXPECT_TRUE(out->population == t.population);
  auto aid = s.medical_aid_users("20240501");
  ASSERT_TRUE(aid.ok());
  ASSERT_EQ(aid->size(), 1u);

  InstitutionTables twice;
  twice.entries = {t.entries[1]};
  twice.counters = {{"other", 1}};
  EXPECT_FALSE(s.import_tables(twice).ok());
  EXPECT_FALSE(s.counter("other")->has_value());  // nothing of the failed import stayed

  Status st = s.transact([&](InstitutionTx& tx) -> Status {
    InstitutionRow c = t.entries[1];
    c.provisional_code = "P0000009";
    auto in = tx.insert(c);
    if (!in) return in.error();
    EXPECT_GT(in->id, 8);
    if (Status e = tx.append_event({0, 0, "P0000009", "register", "operator", "{}"}); !e) return e;
    return tx.add_medical_aid_setting(in->id, "20240501", true);
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto h = s.history("P0000009");
  ASSERT_TRUE(h.ok() && h->size() == 1);
  EXPECT_GT((*h)[0].seq, 11);
  auto after = s.export_tables();
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->medical_aid.back().seq, 6);
}

// issue 12 §4: the card register in serial order, in batches, and written verbatim.
TEST_P(CopyContract, CardsScanAndPutVerbatim) {
  CardStore& s = db_->cards();
  std::vector<CardRow> rows{{"0A", "link-a", "カードA", 100, 150, std::nullopt},
                            {"0B", "link-b", "カードB", 200, std::nullopt, std::nullopt},
                            {"1C", "link-c", "カードC", 300, 310, 320}};
  auto n = s.put_verbatim(rows);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 3);
  auto found = s.find("1C");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE(**found == rows[2]);
  std::vector<CardRow> first, rest;
  ASSERT_TRUE(s.scan("", 2, [&](const CardRow& r) { return first.push_back(r), true; }).ok());
  ASSERT_TRUE(s.scan("0B", 2, [&](const CardRow& r) { return rest.push_back(r), true; }).ok());
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].serial, "0A");
  EXPECT_EQ(first[1].serial, "0B");
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_TRUE(rest[0] == rows[2]);

  EXPECT_EQ(*s.put_verbatim(rows), 0);
  std::vector<CardRow> clash{{"2D", "link-d", "カードD", 400, std::nullopt, std::nullopt},
                             {"0B", "link-b", "カードB", 200, 250, std::nullopt}};
  auto c = s.put_verbatim(clash);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "E_COPY_CONFLICT");
  EXPECT_NE(c.error().message.find("0B"), std::string::npos);
  EXPECT_FALSE(s.find("2D")->has_value());
}

// issue 12 §4: receptions in seq order and written verbatim; `add` continues after them.
TEST_P(CopyContract, BulkScanAndPutVerbatim) {
  BulkStore& s = db_->bulk();
  const int64_t now = core::now_unix_us();
  const std::string day = core::timestamp_jst(now).substr(0, 8);
  std::vector<BulkReception> rows{
      {3, day + "00000003", "1310112345", now, "<a/>"},
      {41, day + "00000041", "1310112345", now, std::string("b\0c", 3)}};
  auto n = s.put_verbatim(rows);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2);
  auto doc = s.get(day + "00000041", "1310112345");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ(**doc, rows[1].document);
  std::vector<BulkReception> seen;
  ASSERT_TRUE(s.scan(3, 10, [&](const BulkReception& r) { return seen.push_back(r), true; }).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0] == rows[1]);
  EXPECT_EQ(*s.put_verbatim(rows), 0);

  std::vector<BulkReception> clash{{3, day + "00000003", "3410712362", now, "<a/>"}};
  auto c = s.put_verbatim(clash);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "E_COPY_CONFLICT");

  auto next = s.add("1310112345", now, [](const std::string& number) -> Result<std::string> {
    return "<doc>" + number + "</doc>";
  });
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_GT(std::stoll(next->substr(8)), 41);
}

INSTANTIATE_TEST_SUITE_P(Backends, CopyContract,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

// ---- copy_database from one backend to the other ----------------------------------------

core::MedicalTicket aid_ticket(const std::string& recipient) {
  core::MedicalTicket t;
  t.insurer_number = "12131015";
  t.insured_identification_number = recipient;
  t.ticket_type = "01";
  t.issue_number = "0001";
  t.medical_treatment_month = "202405";
  t.designated_code = "1310112345";
  t.injury_name1 = "高血圧症";
  return t;
}

// Fills `db` with a bit of everything: versions (two per member, My Numbers), an audit
// chain, an import run, a registry, cards, a reception, 医療扶助 tickets.
void fill(Database& db) {
  Store& m = db.members();
  for (int round = 0; round < 2; ++round) {
    std::vector<PutItem> items;
    for (int i = 0; i < 25; ++i) {
      auto q = member(std::to_string(3000 + i), round ? "変更　後" : "試験　一郎");
      items.push_back({q, "link" + std::to_string(i), "sealed" + std::to_string(i), "test", ""});
    }
    ASSERT_TRUE(m.put_qualifications(items).ok());
  }
  std::vector<AuditEntry> entries(30);
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].time_us = 1'700'000'000'000'000 + static_cast<int64_t>(i);
    entries[i].actor = "institution:1310112345";
    entries[i].action = "confirm";
    entries[i].detail = "{\"n\":" + std::to_string(i) + "}";
  }
  ASSERT_TRUE(m.chain_audit(entries, hasher).ok());
  ASSERT_TRUE(
      m.record_import({1'700'000'000'000'000, "members.csv", 25, 0, 1, "{\"E_X\":1}"}).ok());
  ASSERT_TRUE(db.institutions().import_tables(sample_tables()).ok());
  ASSERT_TRUE(db.cards().insert({"0A", "link1", "カード", 100, std::nullopt, std::nullopt}).ok());
  ASSERT_TRUE(db.cards().set_linked("0A", 200).ok());
  ASSERT_TRUE(
      db.bulk()
          .add("1310112345", core::now_unix_us(),
               [](const std::string& n) -> Result<std::string> { return "<r>" + n + "</r>"; })
          .ok());
  // 医療扶助 tickets: three keys, one of them changed (four versions).
  std::vector<TicketPut> tickets;
  for (int i = 0; i < 3; ++i) tickets.push_back({aid_ticket(std::to_string(7000001 + i)), "test"});
  ASSERT_TRUE(db.tickets().put_tickets(tickets).ok());
  tickets[1].ticket.remarks1 = "変更";
  ASSERT_TRUE(db.tickets().put_tickets(std::span(&tickets[1], 1)).ok());
  // R-CONF-5: clinical rows and a changed viewing window travel too.
  std::vector<ClinicalPut> clinical;
  for (int i = 0; i < 5; ++i)
    clinical.push_back({ClinicalKind::kMedication, "key" + std::to_string(i), "link1",
                        "card", "2025010" + std::to_string(i), std::string("p\0q", 3), "test"});
  ASSERT_TRUE(db.clinical().put_records(clinical).ok());
  ASSERT_TRUE(db.clinical().set_window({ClinicalKind::kCheckup, 6, 'Y', "changed"}).ok());
  // The access store: a consent, a disaster period, a professional account (R-CONF-5).
  ConsentRow c{0, "link1", "1310112345", "YZK", "1", "0A", 100, 200, std::nullopt, ""};
  ASSERT_TRUE(db.access().put_consents(std::vector<ConsentRow>{c}).ok());
  ASSERT_TRUE(db.access().declare_disaster({0, {"13"}, 1, 2, 0, std::nullopt, "test"}).ok());
  ASSERT_TRUE(db.access().put_account({"1310112345", "dr", "doctor", 5, std::nullopt}).ok());
}

class CopyDatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  static std::string other(const std::string& b) { return b == "sqlite" ? "postgresql" : "sqlite"; }
  TestDatabase src_{GetParam()};
  TestDatabase dst_{other(GetParam())};
};

// issue 12 §4: everything arrives field by field; a second copy writes nothing.
TEST_P(CopyDatabaseTest, CopiesEverythingOnceAndAgainNothing) {
  ONSHI_REQUIRE_DATABASE(src_);
  ONSHI_REQUIRE_DATABASE(dst_);
  auto from = open_store(src_.url());
  auto to = open_store(dst_.url());
  ASSERT_TRUE(from.ok() && to.ok());
  fill(**from);
  int calls = 0;
  auto report = copy_database(**from, **to, [&](const CopyStep&) { ++calls; });
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_GT(calls, 6);
  EXPECT_EQ(report->stores.size(), 9u);  // … with clinical and access before the tickets
  EXPECT_EQ(report->stores.back().store, "medical_aid_tickets");
  EXPECT_EQ(report->copied(), 50 + 30 + 1 + 9 + 1 + 1 + 5 + 4 + 3);
  onshi::testing::expect_same_database(onshi::testing::dump_database(**from),
                                       onshi::testing::dump_database(**to));
  auto again = copy_database(**from, **to, {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->copied(), 0);
}

// issue 12 §4: a copy interrupted part way (some versions, the start of the audit chain, some
// cards in the target) completes when run again, and the result is the same.
TEST_P(CopyDatabaseTest, InterruptedCopyCompletes) {
  ONSHI_REQUIRE_DATABASE(src_);
  ONSHI_REQUIRE_DATABASE(dst_);
  auto from = open_store(src_.url());
  auto to = open_store(dst_.url());
  ASSERT_TRUE(from.ok() && to.ok());
  fill(**from);
  std::vector<QualificationVersion> some;
  ASSERT_TRUE((*from)->members().scan_versions([&](const QualificationVersion& v) {
    some.push_back(v);
    return some.size() < 17;
  }));
  ASSERT_TRUE((*to)->members().put_versions_verbatim(some).ok());
  std::vector<AuditEntry> head;
  ASSERT_TRUE((*from)->members().scan_audit(1, [&](const AuditEntry& e) {
    head.push_back(e);
    return head.size() < 12;
  }));
  ASSERT_TRUE((*to)->members().append_audit(head).ok());
  std::vector<TicketVersion> tickets;
  ASSERT_TRUE((*from)->tickets().scan_versions(0, 2, [&](const TicketVersion& v) {
    tickets.push_back(v);
    return true;
  }));
  ASSERT_TRUE((*to)->tickets().put_versions_verbatim(tickets).ok());
  auto report = copy_database(**from, **to, {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->copied(), 50 + 30 + 1 + 9 + 1 + 1 + 5 + 4 + 3 - 17 - 12 - 2);
  onshi::testing::expect_same_database(onshi::testing::dump_database(**from),
                                       onshi::testing::dump_database(**to));
}

// issue 12 §4: a target holding another installation is refused before anything is written.
TEST_P(CopyDatabaseTest, DifferentDataIsAConflict) {
  ONSHI_REQUIRE_DATABASE(src_);
  ONSHI_REQUIRE_DATABASE(dst_);
  auto from = open_store(src_.url());
  auto to = open_store(dst_.url());
  ASSERT_TRUE(from.ok() && to.ok());
  fill(**from);
  std::vector<AuditEntry> mine(1);
  mine[0].time_us = 1;
  mine[0].actor = "operator";
  mine[0].action = "other";
  mine[0].detail = "{}";
  ASSERT_TRUE((*to)->members().chain_audit(mine, hasher).ok());
  auto report = copy_database(**from, **to, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, "E_COPY_CONFLICT");
  EXPECT_EQ(report.error().field, "audit");
  EXPECT_EQ(*(*to)->members().count_versions(), 0);
  EXPECT_TRUE((*to)->members().import_runs()->empty());
}

// issue 15 §3: the target holding another ticket under a copied version_id is a conflict of
// the tickets' step; nothing of that batch is written.
TEST_P(CopyDatabaseTest, DifferentTicketIsAConflict) {
  ONSHI_REQUIRE_DATABASE(src_);
  ONSHI_REQUIRE_DATABASE(dst_);
  auto from = open_store(src_.url());
  auto to = open_store(dst_.url());
  ASSERT_TRUE(from.ok() && to.ok());
  fill(**from);
  std::vector<TicketVersion> first;
  ASSERT_TRUE((*from)->tickets().scan_versions(0, 1, [&](const TicketVersion& v) {
    first.push_back(v);
    return true;
  }));
  ASSERT_EQ(first.size(), 1u);
  first[0].ticket.designated_code = "1340112348";
  ASSERT_TRUE((*to)->tickets().put_versions_verbatim(first).ok());
  auto report = copy_database(**from, **to, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, "E_COPY_CONFLICT");
  EXPECT_EQ(report.error().field, "medical_aid_tickets");
  EXPECT_EQ(*(*to)->tickets().count_versions(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, CopyDatabaseTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::store
