// What only the PostgreSQL backend has (issue 12 "Bad input and faults", §5): a database that
// cannot be reached, refuses the credentials or holds a newer schema fails open_store with
// E_STORE_OPEN / E_STORE_SCHEMA and a message that names the URL but never its password; a
// read replica answers the confirmation lookups, and the primary does while the replica is
// down; a server that goes away while in use makes the store's calls fail promptly with
// E_STORE, and the pool recovers by itself when it returns. Stopping and restarting run on
// private clusters of their own (scripts/pg-test.sh), so other tests on the shared one are
// not disturbed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/date.h"
#include "store/database.h"
#include "store/pg.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

using onshi::testing::pg_url_with_db;
using onshi::testing::test_pg_base_url;
using onshi::testing::TestDatabase;

constexpr const char* kSecret = "s3cret-pw";

// The URL `url` with user:password@ in place of its user.
std::string with_credentials(const std::string& url, const std::string& user) {
  size_t auth = url.find("://") + 3;
  size_t at = url.find('@', auth);
  return url.substr(0, auth) + user + ":" + kSecret + url.substr(at);
}

core::Qualification member(const std::string& number, const std::string& address = "") {
  core::Qualification q;
  q.insurer_number = "06139999";
  q.insured_card_symbol = "123";
  q.insured_identification_number = number;
  q.insured_branch_number = "00";
  q.insurer_name = "試験健康保険組合";
  q.name = "試験　一郎";
  q.birthdate = "19800101";
  q.qualification_date = "20200401";
  q.address = address;
  return q;
}

Status put(Store& s, const core::Qualification& q) {
  return s.put_qualifications(std::vector<PutItem>{PutItem{q, "", "", "test", ""}}).status();
}

// Runs scripts/pg-test.sh; returns its first output line.
std::string pg_test(const std::string& args) {
  std::string cmd = std::string(ONSHI_SOURCE_DIR) + "/scripts/pg-test.sh " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[512] = {0};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  if (pclose(p) != 0) return "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.empty() ? "ok" : out;
}

// Issue 12 bad input: nothing listens there → E_STORE_OPEN naming the URL, not the password.
TEST(PgDatabase, UnreachableIsStoreOpenWithoutPassword) {
  std::string url = std::string("postgresql://onshi:") + kSecret + "@127.0.0.1:1/onshi";
  auto t0 = std::chrono::steady_clock::now();
  auto d = open_store(url);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "E_STORE_OPEN");
  EXPECT_NE(d.error().message.find("postgresql://onshi@127.0.0.1:1/onshi"), std::string::npos)
      << d.error().message;
  EXPECT_EQ(d.error().message.find(kSecret), std::string::npos) << d.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

// Issue 12 bad input: wrong credentials → E_STORE_OPEN without the password.
TEST(PgDatabase, WrongCredentialsAreStoreOpenWithoutPassword) {
  if (test_pg_base_url().empty()) GTEST_SKIP() << "no PostgreSQL test cluster";
  auto d = open_store(with_credentials(test_pg_base_url(), "no_such_role"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "E_STORE_OPEN");
  EXPECT_NE(d.error().message.find("no_such_role@"), std::string::npos) << d.error().message;
  EXPECT_EQ(d.error().message.find(kSecret), std::string::npos) << d.error().message;
}

// Issue 12 bad input: a schema written by a newer onshi is refused (E_STORE_SCHEMA), naming
// the URL without its password; without `create` an empty database is refused and left empty.
TEST(PgDatabase, NewerOrMissingSchemaIsRefused) {
  TestDatabase db("postgresql");
  ONSHI_REQUIRE_DATABASE(db);
  DatabaseOptions no_create;
  no_create.create = false;
  auto empty = open_store(db.url(), no_create);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "E_STORE_SCHEMA");
  auto c = pg::connect(db.url(), "test");
  ASSERT_TRUE(c.ok());
  auto tables = (*c)->exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->i64(0, 0), 0);  // nothing written

  ASSERT_TRUE(open_store(db.url()).ok());
  ASSERT_TRUE(
      (*c)->exec_script("UPDATE onshi_schema SET version = 99 WHERE component = 'members'"));
  std::string url = with_credentials(db.url(), "postgres");  // trust auth ignores the password
  auto newer = open_store(url);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, "E_STORE_SCHEMA");
  EXPECT_NE(newer.error().message.find(redact_url(url)), std::string::npos)
      << newer.error().message;
  EXPECT_EQ(newer.error().message.find(kSecret), std::string::npos) << newer.error().message;
}

// R-REG-3: a members schema written before the narrow person index (version 1, an index on
// the whole link) is migrated at open: the index on the link's first 8 bytes replaces it, the
// lookup can use it, and the persons registered before are still found, each by its own link.
TEST(PgDatabase, PersonIndexMigratesFromVersion1) {
  TestDatabase db("postgresql");
  ONSHI_REQUIRE_DATABASE(db);
  const std::string a(32, '\x11'), b = std::string(8, '\x11') + std::string(24, '\x22');
  {
    auto d = open_store(db.url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    std::vector<PutItem> items{PutItem{member("1"), a, "s", "test", ""},
                               PutItem{member("2"), b, "s", "test", ""}};
    ASSERT_TRUE((*d)->members().put_qualifications(items).ok());
  }
  auto c = pg::connect(db.url(), "test");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->exec_script(
      "DROP INDEX qualification_version_person8; "
      "CREATE INDEX qualification_version_person ON qualification_version(person_link) "
      "WHERE person_link IS NOT NULL; "
      "UPDATE onshi_schema SET version = 1 WHERE component = 'members'"));
  auto d = open_store(db.url());
  ASSERT_TRUE(d.ok()) << d.error().message;
  for (const auto& [link, number] : {std::pair{a, "1"}, std::pair{b, "2"}}) {
    auto r = (*d)->members().find_by_person_link(link, core::now_unix_us());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].qualification.insured_identification_number, number);
  }
  auto idx = (*c)->exec(
      "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
      "WHERE tablename = 'qualification_version'");
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->str(0, 0),
            "qualification_version_card,qualification_version_person8,qualification_version_pkey");
  ASSERT_TRUE((*c)->exec_script("SET enable_seqscan = off"));
  auto plan = (*c)->exec(
      "EXPLAIN SELECT card_key FROM qualification_version WHERE substring(person_link FROM 1 "
      "FOR 8) = substring('\\x1111111111111111'::bytea FROM 1 FOR 8) AND person_link = "
      "'\\x11'::bytea");
  ASSERT_TRUE(plan.ok());
  std::string text;
  for (int i = 0; i < plan->size(); ++i) text += plan->str(i, 0) + "\n";
  EXPECT_NE(text.find("qualification_version_person8"), std::string::npos) << text;
}

// Issue 12 §5: confirmation lookups read from the replica; history and writes use the
// primary. (Two independent databases stand in for primary and replica, so the test can
// tell from the answer which one was read.)
TEST(PgDatabase, ReadReplicaAnswersConfirmationLookups) {
  TestDatabase primary_db("postgresql"), replica_db("postgresql");
  ONSHI_REQUIRE_DATABASE(primary_db);
  {
    auto replica = open_store(replica_db.url());
    ASSERT_TRUE(replica.ok()) << replica.error().message;
    ASSERT_TRUE(put((*replica)->members(), member("1", "replica")));
  }
  DatabaseOptions o;
  o.read_url = replica_db.url();
  auto d = open_store(primary_db.url(), o);
  ASSERT_TRUE(d.ok()) << d.error().message;
  Store& s = (*d)->members();
  ASSERT_TRUE(put(s, member("1", "primary")));
  int64_t now = core::now_unix_us();
  auto v = s.qualification_as_of(member("1").card_key(), now);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification.address, "replica");
  auto card = s.find_by_card("06139999", "123", "1", now);
  ASSERT_TRUE(card.ok());
  ASSERT_EQ(card->size(), 1u);
  EXPECT_EQ((*card)[0].qualification.address, "replica");
  auto h = s.history(member("1").card_key());
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0].qualification.address, "primary");

  o.read_url = "sqlite:/tmp/x";
  auto bad = open_store(primary_db.url(), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_DB_URL");
}

// Issue 12 §6: a replica that stops mid-load → confirmation lookups answer from the primary
// at once, instead of failing until the replica returns.
TEST(PgDatabase, StoppedReplicaFallsBackToPrimary) {
  TestDatabase primary_db("postgresql");
  ONSHI_REQUIRE_DATABASE(primary_db);
  char tmpl[] = "/tmp/onshi-pg-replica.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, replica_url = pg_test("start " + dir);
  ASSERT_FALSE(replica_url.empty()) << "could not start a private cluster";
  {
    {
      auto replica = open_store(replica_url);
      ASSERT_TRUE(replica.ok()) << replica.error().message;
      ASSERT_TRUE(put((*replica)->members(), member("1", "replica")));
    }
    DatabaseOptions o;
    o.read_url = replica_url;
    auto d = open_store(primary_db.url(), o);
    ASSERT_TRUE(d.ok()) << d.error().message;
    Store& s = (*d)->members();
    ASSERT_TRUE(put(s, member("1", "primary")));
    auto key = member("1").card_key();
    auto before = s.qualification_as_of(key, core::now_unix_us());
    ASSERT_TRUE(before.ok() && before->has_value());
    EXPECT_EQ((*before)->qualification.address, "replica");

    ASSERT_EQ(pg_test("halt " + dir), "ok");
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
      auto v = s.qualification_as_of(key, core::now_unix_us());
      ASSERT_TRUE(v.ok()) << v.error().message;
      ASSERT_TRUE(v->has_value());
      EXPECT_EQ((*v)->qualification.address, "primary");
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  }
  pg_test("stop " + dir);
}

// Issue 12 faults: the database goes away while in use → calls answer E_STORE promptly (no
// hang); it comes back → the same store works again without being reopened.
TEST(PgDatabase, ServerGoesAwayAndComesBack) {
  if (test_pg_base_url().empty()) GTEST_SKIP() << "no PostgreSQL test cluster";
  char tmpl[] = "/tmp/onshi-pg-restart.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string url = pg_test("start " + dir);
  ASSERT_FALSE(url.empty()) << "could not start a private cluster";
  {
    auto d = open_store(url);
    ASSERT_TRUE(d.ok()) << d.error().message;
    Store& s = (*d)->members();
    ASSERT_TRUE(put(s, member("1")));
    ASSERT_TRUE(s.qualification_as_of(member("1").card_key(), core::now_unix_us()).ok());

    ASSERT_EQ(pg_test("halt " + dir), "ok");
    auto t0 = std::chrono::steady_clock::now();
    auto read = s.qualification_as_of(member("1").card_key(), core::now_unix_us());
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, "E_STORE") << read.error().message;
    Status write = put(s, member("2"));
    ASSERT_FALSE(write.ok());
    EXPECT_EQ(write.error().code, "E_STORE") << write.error().message;
    auto audit = s.chain_audit(std::vector<AuditEntry>{AuditEntry{}},
                               [](const AuditEntry&) { return std::string("h"); });
    EXPECT_FALSE(audit.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));

    ASSERT_EQ(pg_test("resume " + dir), "ok");
    auto again = s.qualification_as_of(member("1").card_key(), core::now_unix_us());
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again->has_value());
    EXPECT_TRUE(put(s, member("2")));
    EXPECT_EQ(*s.count_versions(), 2);
  }
  pg_test("stop " + dir);
}

}  // namespace
}  // namespace onshi::store
