// The card store (store/cards.h) on PostgreSQL: the tables `cards` and `card_challenges` of
// component "cards", shared by every `onshi serve` on the database.
//
// A challenge is taken by `DELETE … RETURNING`: of concurrent takers on any server, the
// first delete removes the row and returns it, the others wait for it and find nothing, so
// a challenge is accepted once. Putting one is a single statement (purge of the expired,
// insert, drop of the oldest beyond the cap by id) and so atomic without a transaction.
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
    CardRow r;
    r.serial = rows->str(0, 0);
    r.person_link = rows->bytea(0, 1);
    r.label = rows->str(0, 2);
    r.issued_at_us = rows->i64(0, 3);
    if (!rows->null(0, 4)) r.linked_at_us = rows->i64(0, 4);
    if (!rows->null(0, 5)) r.revoked_at_us = rows->i64(0, 5);
    return std::optional<CardRow>(std::move(r));
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

 private:
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
