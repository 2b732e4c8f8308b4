// The recipients' ticket cache of the SQLite ticket store (src/store/ticket_cache.h): a read
// after a write by another process — or another store object on the same files — answers the
// new versions, on every backend (PostgreSQL keeps no cache and must answer the same); a read
// as known before a cached version still answers the older one; and the shared change counter
// closes the gap a writer killed between its two moves leaves, serving nothing from the cache
// while it is open.
#include "store/ticket_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/date.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::TestDatabase;

constexpr const char* kOffice = "12131015";
constexpr const char* kClinic = "1310112345";
constexpr const char* kPharmacy = "1340112348";

core::MedicalTicket ticket(const std::string& issue, const std::string& designated = kClinic) {
  core::MedicalTicket t;
  t.insurer_number = kOffice;
  t.insured_identification_number = "1234567";
  t.ticket_type = "01";
  t.valid_date = "20240501";
  t.expiration_date = "20240531";
  t.issue_number = issue;
  t.medical_treatment_month = "202405";
  t.designated_code = designated;
  t.designated_name = "オン資クリニック";
  t.medical_treatment_type = "1";
  t.self_pay_amount = "0";
  t.single_or_combined_use = "1";
  return t;
}

std::vector<std::string> designated(const Result<std::vector<TicketVersion>>& r) {
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& v : *r) out.push_back(v.ticket.issue_number + "@" + v.ticket.designated_code);
  return out;
}

class TicketCacheTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    auto db = open_store(tdb_.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }
  Result<std::vector<TicketVersion>> may() {
    return db_->tickets().tickets_of_month(kOffice, "1234567", "202405", core::now_unix_us());
  }
  // Puts `items` from a child process with its own store, as `onshi import` beside a server.
  void put_from_another_process(const std::vector<TicketPut>& items) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto db = open_store(tdb_.url());
      _exit(db.ok() && (*db)->tickets().put_tickets(items).ok() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  TestDatabase tdb_{GetParam()};
  std::unique_ptr<Database> db_;
};

// R-AID-2, issue 15 §4: a confirmation answers the tickets as known now, whoever wrote them.
TEST_P(TicketCacheTest, AWriteByAnotherProcessIsReadAtOnce) {
  ASSERT_TRUE(
      db_->tickets().put_tickets(std::vector<TicketPut>{{ticket("0001"), "import:a.csv"}}).ok());
  EXPECT_EQ(designated(may()), (std::vector<std::string>{"0001@1310112345"}));
  EXPECT_EQ(designated(may()), (std::vector<std::string>{"0001@1310112345"}));  // cached
  put_from_another_process(
      {{ticket("0001", kPharmacy), "import:b.csv"}, {ticket("0002"), "import:b.csv"}});
  EXPECT_EQ(designated(may()), (std::vector<std::string>{"0001@1340112348", "0002@1310112345"}));
  // And a write by another store object of this process.
  auto other = open_store(tdb_.url());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)
                  ->tickets()
                  .put_tickets(std::vector<TicketPut>{{ticket("0002", kPharmacy), "api"}})
                  .ok());
  EXPECT_EQ(designated(may()), (std::vector<std::string>{"0001@1340112348", "0002@1340112348"}));
}

// Bitemporal reads stay exact: as known before the newest version, the cache does not answer.
TEST_P(TicketCacheTest, AReadAsKnownBeforeACachedVersionAnswersTheOlderOne) {
  ASSERT_TRUE(
      db_->tickets().put_tickets(std::vector<TicketPut>{{ticket("0001"), "import:a.csv"}}).ok());
  const int64_t t1 = core::now_unix_us();
  ASSERT_TRUE(db_->tickets()
                  .put_tickets(std::vector<TicketPut>{{ticket("0001", kPharmacy), "import:b.csv"}})
                  .ok());
  EXPECT_EQ(designated(may()), (std::vector<std::string>{"0001@1340112348"}));
  EXPECT_EQ(designated(db_->tickets().tickets_of_month(kOffice, "1234567", "202405", t1)),
            (std::vector<std::string>{"0001@1310112345"}));
  EXPECT_EQ(designated(db_->tickets().tickets_of(kOffice, "1234567", t1)),
            (std::vector<std::string>{"0001@1310112345"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketCacheTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

// A writer killed between begin_write and end_write: nothing is stable until the next writer
// (holding the write lock, so alone) closes the gap; every move is seen by a second mapping.
TEST(ChangeCounter, AGapLeftByADeadWriterIsClosedByTheNextOne) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("onshi-counter-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    auto a = detail::ChangeCounter::open(dir / "medical_aid.gen");
    auto b = detail::ChangeCounter::open(dir / "medical_aid.gen");
    ASSERT_TRUE(a.mapped() && b.mapped());
    ASSERT_EQ(b.stable(), std::optional<uint64_t>(0));
    a.begin_write();
    EXPECT_EQ(b.stable(), std::nullopt);  // a write under way
    a.end_write();
    EXPECT_EQ(b.stable(), std::optional<uint64_t>(1));
    a.begin_write();  // … and the writer dies here
    EXPECT_EQ(b.stable(), std::nullopt);
    b.begin_write();
    EXPECT_EQ(a.stable(), std::nullopt);
    b.end_write();
    EXPECT_EQ(a.stable(), std::optional<uint64_t>(3));
  }
  EXPECT_FALSE(detail::ChangeCounter::open(dir / "absent" / "medical_aid.gen").mapped());
  std::filesystem::remove_all(dir);
}

// The cache answers only an entry of the counter value it was filled under.
TEST(RecipientTicketCache, AnEntryOfAnotherGenerationIsNotAnswered) {
  detail::RecipientTicketCache cache(2);
  TicketVersion v;
  v.recorded_at_us = 100;
  v.ticket = ticket("0001");
  cache.put("r1", 7, {v});
  EXPECT_TRUE(cache.find("r1", 7, 100, "202405").has_value());
  EXPECT_EQ(cache.find("r1", 7, 100, "202406")->size(), 0u);
  EXPECT_FALSE(cache.find("r1", 8, 100, "202405").has_value());
  EXPECT_FALSE(cache.find("r1", 7, 99, "202405").has_value());  // known before the version
  cache.put("r2", 7, {v});
  cache.put("r3", 7, {v});  // over the bound: emptied first
  EXPECT_FALSE(cache.find("r1", 7, 100, "").has_value());
  EXPECT_TRUE(cache.find("r3", 7, 100, "").has_value());
}

}  // namespace
}  // namespace onshi::store
