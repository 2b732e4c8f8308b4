// The card store (store/cards.h) on SQLite: DIR/cards.db, the file the card register has
// always had. Schema version 1 is the register as it was; version 2 adds the open challenges,
// version 3 the portal's person sessions, so an existing data directory is upgraded in place
// the first time the store is used.
//
// One connection per store, opened on first use and serialised by a mutex; several stores
// (several `Database` objects or processes) on one file coordinate through SQLite's own
// locks. A challenge is taken by SELECT then DELETE: the DELETE's change count (1 for exactly
// one connection) decides who took it, so two takers can never both succeed.
#include <filesystem>
#include <mutex>

#include "store/backends.h"
#include "store/cards.h"
#include "store/sqlite.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

const char* const kMigrations[] = {
    R"sql(
CREATE TABLE IF NOT EXISTS cards(
  serial TEXT PRIMARY KEY,
  person_link BLOB NOT NULL,
  label TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  linked_at INTEGER,
  revoked_at INTEGER);
CREATE INDEX IF NOT EXISTS cards_person ON cards(person_link);
)sql",
    R"sql(
CREATE TABLE IF NOT EXISTS card_challenges(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  challenge TEXT NOT NULL UNIQUE,
  institution TEXT NOT NULL,
  expires_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS card_challenges_expiry ON card_challenges(expires_us);
)sql",
    R"sql(
CREATE TABLE IF NOT EXISTS person_sessions(
  token_hash BLOB PRIMARY KEY,
  person_link BLOB NOT NULL,
  serial TEXT NOT NULL,
  portal TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS person_sessions_used ON person_sessions(last_used_at);
)sql"};

class SqliteCards final : public SqliteCardStore {
 public:
  SqliteCards(fs::path dir, bool create) : dir_(std::move(dir)), create_(create) {}
  ~SqliteCards() override {
    if (db_) sqlite3_close(db_);
  }

  Status open_now() override {
    std::lock_guard lock(mu_);
    return open_locked().status();
  }

  Status insert(const CardRow& row) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, "INSERT INTO cards(serial,person_link,label,issued_at) VALUES(?,?,?,?)");
    q.text(1, row.serial).blob(2, row.person_link).text(3, row.label).i64(4, row.issued_at_us);
    if (q.step() != SQLITE_DONE) return sqlite::error(*db, "cards.db insert");
    return Status::Ok();
  }

  Result<std::optional<CardRow>> find(std::string_view serial) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db,
           "SELECT serial,person_link,label,issued_at,linked_at,revoked_at FROM cards "
           "WHERE serial=?");
    q.text(1, serial);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<CardRow>();
    if (rc != SQLITE_ROW) return sqlite::error(*db, "cards.db read");
    return std::optional<CardRow>(read_card(q));
  }

  Status set_linked(std::string_view serial, int64_t now_us) override {
    return set_first_time("UPDATE cards SET linked_at=COALESCE(linked_at,?) WHERE serial=?", serial,
                          now_us);
  }
  Status set_revoked(std::string_view serial, int64_t now_us) override {
    return set_first_time("UPDATE cards SET revoked_at=COALESCE(revoked_at,?) WHERE serial=?",
                          serial, now_us);
  }

  Status scan(std::string_view after, size_t limit,
              const std::function<bool(const CardRow&)>& fn) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db,
           "SELECT serial,person_link,label,issued_at,linked_at,revoked_at FROM cards "
           "WHERE serial > ? ORDER BY serial LIMIT ?");
    q.text(1, after).i64(2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      if (!fn(read_card(q))) return Status::Ok();
    if (rc != SQLITE_DONE) return sqlite::error(*db, "cards.db scan");
    return Status::Ok();
  }

  Result<int64_t> put_verbatim(std::span<const CardRow> rows) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(
        *db, [&](sqlite3* d) { return put_verbatim_in_transaction(d, rows); });
  }

  Status put_challenge(std::string_view challenge, std::string_view institution, int64_t now_us,
                       int64_t expires_at_us, size_t max_open) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(*db, [&](sqlite3* d) {
      return put_in_transaction(d, challenge, institution, now_us, expires_at_us, max_open);
    });
  }

  Result<std::optional<CardChallenge>> take_challenge(std::string_view challenge) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    CardChallenge found;
    {
      Stmt q(*db, "SELECT institution,expires_us FROM card_challenges WHERE challenge=?");
      q.text(1, challenge);
      int rc = q.step();
      if (rc == SQLITE_DONE) return std::optional<CardChallenge>();
      if (rc != SQLITE_ROW) return sqlite::error(*db, "cards.db challenge");
      found.institution = q.col_text(0);
      found.expires_at_us = q.col_i64(1);
    }
    Stmt del(*db, "DELETE FROM card_challenges WHERE challenge=?");
    del.text(1, challenge);
    if (del.step() != SQLITE_DONE) return sqlite::error(*db, "cards.db challenge");
    // Another connection may have deleted it between the two statements: only the one whose
    // DELETE removed the row has taken it.
    if (sqlite3_changes(*db) != 1) return std::optional<CardChallenge>();
    return std::optional<CardChallenge>(std::move(found));
  }

  Status put_session(std::string_view token_hash, const PersonSession& session,
                     int64_t idle_before_us) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(*db, [&](sqlite3* d) -> Status {
      Stmt purge(d, "DELETE FROM person_sessions WHERE last_used_at < ?");
      if (purge.i64(1, idle_before_us).step() != SQLITE_DONE)
        return sqlite::error(d, "cards.db sessions");
      Stmt ins(d,
               "INSERT INTO person_sessions(token_hash,person_link,serial,portal,created_at,"
               "last_used_at) VALUES(?,?,?,?,?,?)");
      ins.blob(1, token_hash)
          .blob(2, session.person_link)
          .text(3, session.serial)
          .text(4, session.portal)
          .i64(5, session.created_at_us)
          .i64(6, session.last_used_at_us);
      if (ins.step() != SQLITE_DONE) return sqlite::error(d, "cards.db session");
      return Status::Ok();
    });
  }

  Result<std::optional<PersonSession>> use_session(std::string_view token_hash, int64_t now_us,
                                                   int64_t idle_before_us) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db,
           "UPDATE person_sessions SET last_used_at=MAX(last_used_at,?) "
           "WHERE token_hash=? AND last_used_at >= ? "
           "RETURNING person_link,serial,portal,created_at,last_used_at");
    q.i64(1, now_us).blob(2, token_hash).i64(3, idle_before_us);
    int rc = q.step();
    if (rc == SQLITE_ROW) {
      PersonSession s{q.col_blob(0), q.col_text(1), q.col_text(2), q.col_i64(3), q.col_i64(4)};
      while (rc == SQLITE_ROW) rc = q.step();
      if (rc != SQLITE_DONE) return sqlite::error(*db, "cards.db session");
      return std::optional<PersonSession>(std::move(s));
    }
    if (rc != SQLITE_DONE) return sqlite::error(*db, "cards.db session");
    // Absent or idle too long: an idle one is removed now.
    Stmt del(*db, "DELETE FROM person_sessions WHERE token_hash=? AND last_used_at < ?");
    del.blob(1, token_hash).i64(2, idle_before_us);
    if (del.step() != SQLITE_DONE) return sqlite::error(*db, "cards.db session");
    return std::optional<PersonSession>();
  }

  Result<bool> end_session(std::string_view token_hash) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt del(*db, "DELETE FROM person_sessions WHERE token_hash=?");
    del.blob(1, token_hash);
    if (del.step() != SQLITE_DONE) return sqlite::error(*db, "cards.db session");
    return sqlite3_changes(*db) == 1;
  }

 private:
  // The connection, opened (creating and migrating the file) the first time. Caller holds mu_.
  Result<sqlite3*> open_locked() {
    if (db_) return db_;
    sqlite::OpenOptions oo;
    oo.create = create_;
    oo.busy_timeout_ms = 10000;
    auto db = sqlite::open_migrated(dir_ / "cards.db", oo, kMigrations, "cards.db");
    if (!db) return db.error();
    db_ = *db;
    return db_;
  }

  Status set_first_time(const char* sql, std::string_view serial, int64_t now_us) {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, sql);
    q.i64(1, now_us).text(2, serial);
    if (q.step() != SQLITE_DONE) return sqlite::error(*db, "cards.db update");
    return Status::Ok();
  }

  // One row selected as serial, person_link, label, issued_at, linked_at, revoked_at.
  static CardRow read_card(Stmt& q) {
    CardRow r;
    r.serial = q.col_text(0);
    r.person_link = q.col_blob(1);
    r.label = q.col_text(2);
    r.issued_at_us = q.col_i64(3);
    if (!q.col_null(4)) r.linked_at_us = q.col_i64(4);
    if (!q.col_null(5)) r.revoked_at_us = q.col_i64(5);
    return r;
  }

  // Compares each row with the one stored under its serial, inserts the absent ones.
  static Result<int64_t> put_verbatim_in_transaction(sqlite3* db, std::span<const CardRow> rows) {
    Stmt find(db,
              "SELECT serial,person_link,label,issued_at,linked_at,revoked_at FROM cards "
              "WHERE serial=?");
    Stmt ins(db,
             "INSERT INTO cards(serial,person_link,label,issued_at,linked_at,revoked_at) "
             "VALUES(?,?,?,?,?,?)");
    int64_t inserted = 0;
    for (const auto& r : rows) {
      find.reset();
      find.text(1, r.serial);
      int rc = find.step();
      if (rc == SQLITE_ROW) {
        if (read_card(find) != r)
          return Error{"E_COPY_CONFLICT", "cards",
                       "card " + r.serial + " differs between the source and the target"};
        continue;
      }
      if (rc != SQLITE_DONE) return sqlite::error(db, "cards.db copy");
      ins.reset();
      ins.text(1, r.serial).blob(2, r.person_link).text(3, r.label).i64(4, r.issued_at_us);
      if (r.linked_at_us)
        ins.i64(5, *r.linked_at_us);
      else
        sqlite3_bind_null(ins.get(), 5);
      if (r.revoked_at_us)
        ins.i64(6, *r.revoked_at_us);
      else
        sqlite3_bind_null(ins.get(), 6);
      if (ins.step() != SQLITE_DONE) return sqlite::error(db, "cards.db copy");
      ++inserted;
    }
    return inserted;
  }

  // Purges the expired, inserts, drops the oldest beyond `max_open` (ids only grow).
  static Status put_in_transaction(sqlite3* db, std::string_view challenge,
                                   std::string_view institution, int64_t now_us,
                                   int64_t expires_at_us, size_t max_open) {
    Stmt purge(db, "DELETE FROM card_challenges WHERE expires_us <= ?");
    if (purge.i64(1, now_us).step() != SQLITE_DONE) return sqlite::error(db, "cards.db purge");
    Stmt ins(db, "INSERT INTO card_challenges(challenge,institution,expires_us) VALUES(?,?,?)");
    ins.text(1, challenge).text(2, institution).i64(3, expires_at_us);
    if (ins.step() != SQLITE_DONE) return sqlite::error(db, "cards.db challenge");
    const int64_t id = sqlite3_last_insert_rowid(db);
    Stmt cap(db, "DELETE FROM card_challenges WHERE id <= ?");
    const int64_t keep = max_open < 1 ? 1 : static_cast<int64_t>(max_open);
    if (cap.i64(1, id - keep).step() != SQLITE_DONE)
      return sqlite::error(db, "cards.db cap");
    return Status::Ok();
  }

  const fs::path dir_;
  const bool create_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<SqliteCardStore> make_sqlite_cards(const std::filesystem::path& dir, bool create) {
  return std::make_unique<SqliteCards>(dir, create);
}

}  // namespace onshi::store::detail
