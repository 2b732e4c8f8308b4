// The card store (store/cards.h) on PostgreSQL: the tables `cards`, `card_challenges` and
// `person_sessions` (version 2) of component "cards", shared by every `onshi serve` on the
// database.
//
// A challenge is taken by `DELETE … RETURNING`: of concurrent takers on any server, the
// first delete removes the row and returns it, the others wait for it and find nothing, so
// a challenge is accepted once. Putting one is a single statement (purge of the expired,
// insert, drop of the oldest beyond the cap by id) and so atomic without a transaction.
#include <map>
#include <vector>

#include "store/cards.h"
#include "store/pg_backend.h"

namespace onshi::store::detail {
namespace {

const char* const kMigrations[] = {R"sql(
CREATE TABLE cards(
  serial TEXT PRIMARY KEY,
  person_link BYTEA NOT NULL,
  label TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  linked_at BIGINT,
  revoked_at BIGINT);
CREATE INDEX cards_person ON cards(person_link);
CREATE TABLE card_challenges(
  id BIGSERIAL PRIMARY KEY,
  challenge TEXT NOT NULL UNIQUE,
  institution TEXT NOT NULL,
  expires_us BIGINT NOT NULL);
CREATE INDEX card_challenges_expiry ON card_challenges(expires_us);
)sql",
                                   R"sql(
CREATE TABLE person_sessions(
  token_hash BYTEA PRIMARY KEY,
  person_link BYTEA NOT NULL,
  serial TEXT NOT NULL,
  portal TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL);
CREATE INDEX person_sessions_used ON person_sessions(last_used_at);
)sql"};

class PgCards final : public CardStore {
 public:
  explicit PgCards(pg::Pool& pool) : pool_(pool) {}

  Status insert(const CardRow& row) override {
    return exec("INSERT INTO cards(serial, person_link, label, issued_at) VALUES($1,$2,$3,$4)",
                pg::Params()
                    .text(row.serial)
                    .bytea(row.person_link)
                    .text(row.label)
                    .i64(row.issued_at_us))
        .status();
  }

  Result<std::optional<CardRow>> find(std::string_view serial) override {
    auto rows = exec(
        "SELECT serial, person_link, label, issued_at, linked_at, revoked_at FROM cards "
        "WHERE serial = $1",
        pg::Params().text(serial));
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<CardRow>();
    return std::optional<CardRow>(read_card(*rows, 0));
  }

  Status scan(std::string_view after, size_t limit,
              const std::function<bool(const CardRow&)>& fn) override {
    auto rows = exec(
        "SELECT serial, person_link, label, issued_at, linked_at, revoked_at FROM cards "
        "WHERE serial COLLATE \"C\" > $1 ORDER BY serial COLLATE \"C\" LIMIT $2",
        pg::Params().text(after).i64(static_cast<int64_t>(limit)));
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i)
      if (!fn(read_card(*rows, i))) break;
    return Status::Ok();
  }

  // One transaction: the rows stored under the batch's serials are compared, the others
  // inserted with one statement.
  Result<int64_t> put_verbatim(std::span<const CardRow> rows) override {
    if (rows.empty()) return int64_t{0};
    auto c = pool_.acquire();
    if (!c) return c.error();
    int64_t inserted = 0;
    Status st = (*c)->transaction([&](pg::Conn& conn) -> Status {
      auto absent = absent_rows(conn, rows);
      if (!absent) return absent.status();
      inserted = static_cast<int64_t>(absent->size());
      return insert_rows(conn, *absent);
    });
    if (!st) return st.error();
    return inserted;
  }

  Status set_linked(std::string_view serial, int64_t now_us) override {
    return exec("UPDATE cards SET linked_at = COALESCE(linked_at, $1) WHERE serial = $2",
                pg::Params().i64(now_us).text(serial))
        .status();
  }
  Status set_revoked(std::string_view serial, int64_t now_us) override {
    return exec("UPDATE cards SET revoked_at = COALESCE(revoked_at, $1) WHERE serial = $2",
                pg::Params().i64(now_us).text(serial))
        .status();
  }

  Status put_challenge(std::string_view challenge, std::string_view institution, int64_t now_us,
                       int64_t expires_at_us, size_t max_open) override {
    const int64_t keep = max_open < 1 ? 1 : static_cast<int64_t>(max_open);
    return exec(
               "WITH purged AS (DELETE FROM card_challenges WHERE expires_us <= $4), "
               "added AS (INSERT INTO card_challenges(challenge, institution, expires_us) "
               "VALUES($1, $2, $3) RETURNING id) "
               "DELETE FROM card_challenges WHERE id <= (SELECT id FROM added) - $5",
               pg::Params()
                   .text(challenge)
                   .text(institution)
                   .i64(expires_at_us)
                   .i64(now_us)
                   .i64(keep))
        .status();
  }

  Result<std::optional<CardChallenge>> take_challenge(std::string_view challenge) override {
    auto rows =
        exec("DELETE FROM card_challenges WHERE challenge = $1 RETURNING institution, expires_us",
             pg::Params().text(challenge));
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<CardChallenge>();
    return std::optional<CardChallenge>(CardChallenge{rows->str(0, 0), rows->i64(0, 1)});
  }

  // One statement: purge of the idle, insert.
  Status put_session(std::string_view token_hash, const PersonSession& session,
                     int64_t idle_before_us) override {
    return exec(
               "WITH purged AS (DELETE FROM person_sessions WHERE last_used_at < $7) "
               "INSERT INTO person_sessions(token_hash, person_link, serial, portal, created_at, "
               "last_used_at) VALUES($1, $2, $3, $4, $5, $6)",
               pg::Params()
                   .bytea(token_hash)
                   .bytea(session.person_link)
                   .text(session.serial)
                   .text(session.portal)
                   .i64(session.created_at_us)
                   .i64(session.last_used_at_us)
                   .i64(idle_before_us))
        .status();
  }

  Result<std::optional<PersonSession>> use_session(std::string_view token_hash, int64_t now_us,
                                                   int64_t idle_before_us) override {
    auto rows = exec(
        "UPDATE person_sessions SET last_used_at = GREATEST(last_used_at, $1) "
        "WHERE token_hash = $2 AND last_used_at >= $3 "
        "RETURNING person_link, serial, portal, created_at, last_used_at",
        pg::Params().i64(now_us).bytea(token_hash).i64(idle_before_us));
    if (!rows) return rows.error();
    if (rows->size() > 0)
      return std::optional<PersonSession>(PersonSession{rows->bytea(0, 0), rows->str(0, 1),
                                                        rows->str(0, 2), rows->i64(0, 3),
                                                        rows->i64(0, 4)});
    auto del = exec("DELETE FROM person_sessions WHERE token_hash = $1 AND last_used_at < $2",
                    pg::Params().bytea(token_hash).i64(idle_before_us));
    if (!del) return del.error();
    return std::optional<PersonSession>();
  }

  Result<bool> end_session(std::string_view token_hash) override {
    auto rows = exec("DELETE FROM person_sessions WHERE token_hash = $1 RETURNING serial",
                     pg::Params().bytea(token_hash));
    if (!rows) return rows.error();
    return rows->size() > 0;
  }

 private:
  static CardRow read_card(const pg::Rows& rows, int i) {
    CardRow r;
    r.serial = rows.str(i, 0);
    r.person_link = rows.bytea(i, 1);
    r.label = rows.str(i, 2);
    r.issued_at_us = rows.i64(i, 3);
    if (!rows.null(i, 4)) r.linked_at_us = rows.i64(i, 4);
    if (!rows.null(i, 5)) r.revoked_at_us = rows.i64(i, 5);
    return r;
  }

  // The rows of `rows` whose serial is not stored yet; E_COPY_CONFLICT when one is stored
  // with other fields.
  static Result<std::vector<CardRow>> absent_rows(pg::Conn& c, std::span<const CardRow> rows) {
    pg::ArrayParam serials;
    for (const auto& r : rows) serials.text(r.serial);
    auto stored = c.exec(
        "SELECT serial, person_link, label, issued_at, linked_at, revoked_at FROM cards "
        "WHERE serial = ANY($1::text[])",
        pg::Params().text(serials.str()));
    if (!stored) return stored.error();
    std::map<std::string, CardRow> present;
    for (int i = 0; i < stored->size(); ++i) {
      CardRow r = read_card(*stored, i);
      present.emplace(r.serial, std::move(r));
    }
    std::vector<CardRow> out;
    for (const auto& r : rows) {
      auto it = present.find(r.serial);
      if (it == present.end()) {
        out.push_back(r);
        present.emplace(r.serial, r);  // a serial twice in one batch is inserted once
      } else if (it->second != r) {
        return Error{"E_COPY_CONFLICT", "cards",
                     "card " + r.serial + " differs between the source and the target"};
      }
    }
    return out;
  }

  static Status insert_rows(pg::Conn& c, const std::vector<CardRow>& rows) {
    if (rows.empty()) return Status::Ok();
    pg::ArrayParam serial, link, label, issued, linked, revoked;
    for (const auto& r : rows) {
      serial.text(r.serial);
      link.bytea_or_null(r.person_link);
      label.text(r.label);
      issued.i64(r.issued_at_us);
      if (r.linked_at_us)
        linked.i64(*r.linked_at_us);
      else
        linked.null();
      if (r.revoked_at_us)
        revoked.i64(*r.revoked_at_us);
      else
        revoked.null();
    }
    pg::Params p;
    for (const pg::ArrayParam* a : {&serial, &link, &label, &issued, &linked, &revoked})
      p.text(a->str());
    return c
        .exec(
            "INSERT INTO cards(serial, person_link, label, issued_at, linked_at, revoked_at) "
            "SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bigint[], "
            "$5::bigint[], $6::bigint[])",
            p)
        .status();
  }

  Result<pg::Rows> exec(const char* sql, const pg::Params& params) {
    auto c = pool_.acquire();
    if (!c) return c.error();
    return (*c)->exec(sql, params);
  }

  pg::Pool& pool_;
};

}  // namespace

Result<std::unique_ptr<CardStore>> open_pg_cards(pg::Pool& pool, bool create) {
  auto c = pool.acquire();
  if (!c) return c.error();
  if (auto st = pg::migrate(**c, "cards", kMigrations, pool.display(), create); !st)
    return st.error();
  return std::unique_ptr<CardStore>(new PgCards(pool));
}

}  // namespace onshi::store::detail
