// Existing data directories keep working (issue 12 §1): a DIR/cards.db written before the
// challenges moved into the store (schema version 1, the register only) is upgraded in
// place the first time the card store is used, and its cards are still there.
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/sqlite.h"
#include "store/test_database.h"

namespace onshi::store {
namespace {

TEST(SqliteCardsTest, RegisterOfAnOlderOnshiIsUpgradedInPlace) {
  onshi::testing::TestDatabase tdb("sqlite");
  {
    auto db = sqlite::open(tdb.dir() / "cards.db", {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(sqlite::exec(*db, R"sql(
CREATE TABLE cards(serial TEXT PRIMARY KEY, person_link BLOB NOT NULL, label TEXT NOT NULL,
  issued_at INTEGER NOT NULL, linked_at INTEGER, revoked_at INTEGER);
CREATE INDEX cards_person ON cards(person_link);
INSERT INTO cards VALUES('0ABC', X'0102', '古い カード', 5, 6, NULL);
PRAGMA user_version=1;)sql")
                    .ok());
    sqlite3_close(*db);
  }
  auto db = open_store(tdb.url());
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto row = (*db)->cards().find("0ABC");
  ASSERT_TRUE(row.ok()) << row.error().message;
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->person_link, "\x01\x02");
  EXPECT_EQ((*row)->linked_at_us, 6);
  ASSERT_TRUE((*db)->cards().put_challenge("c", "X", 0, INT64_MAX, 10).ok());
  EXPECT_TRUE((*db)->cards().take_challenge("c")->has_value());
}

}  // namespace
}  // namespace onshi::store
