// The card store: J-LIS's card register (serial → person link, linked, revoked), the
// central service's one-time card challenges (R-CONF-1, R-CARD-1, card/card.h), and the
// person sessions of the patient's portal opened with a card (R-CARD-2).
//
// The one decision: a challenge lives in the database, not in one process's memory, and is
// taken by a single delete whose outcome decides who got it (PostgreSQL `DELETE … RETURNING`,
// SQLite the change count of the DELETE). So a challenge issued by one `onshi serve` can be
// answered through another, and no two servers (or threads) can both accept one answer.
//
// Backends: sqlite:DIR keeps both in DIR/cards.db (the table `cards` as it always was; the
// table `card_challenges` came with schema version 2, `person_sessions` with version 3);
// postgresql:// keeps them in the tables `cards`, `card_challenges` and `person_sessions`
// (component "cards" in onshi_schema, version 2 added the sessions). A session is known only
// by the hash of its token: the token itself is never stored. Implementations are safe
// for concurrent use from many threads and processes; every write is atomic; values are only
// ever bound. Errors: E_STORE (E_STORE_OPEN / E_STORE_SCHEMA when the file or schema cannot be
// opened — a store opens lazily, so these come from its first call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::store {

// One card in the register. The My Number is never part of it: only its keyed hash.
struct CardRow {
  std::string serial;       // certificate serial, upper-case hex
  std::string person_link;  // raw bytes (security/crypto.h person_link)
  std::string label;        // shown by a card picker; never the number
  int64_t issued_at_us = 0;
  std::optional<int64_t> linked_at_us;   // 初回登録 (first time kept)
  std::optional<int64_t> revoked_at_us;  // revocation (first time kept)
  bool operator==(const CardRow&) const = default;
};

// An open challenge as it was put: who asked and until when it may be answered.
struct CardChallenge {
  std::string institution;
  int64_t expires_at_us = 0;
};

// A person session of the portal as stored under the hash of its token.
struct PersonSession {
  std::string person_link;  // raw bytes: whose data the session may read
  std::string serial;       // the card that signed in
  std::string portal;       // the id of the portal certificate that opened it
  int64_t created_at_us = 0;
  int64_t last_used_at_us = 0;
  bool operator==(const PersonSession&) const = default;
};

class CardStore {
 public:
  virtual ~CardStore() = default;

  // ---- the register ----
  // Adds a card. A serial already registered is E_STORE and changes nothing.
  virtual Status insert(const CardRow& row) = 0;
  // The card with `serial`, or nullopt when it is not registered.
  virtual Result<std::optional<CardRow>> find(std::string_view serial) = 0;
  // Marks the card linked at `now_us`; a linked card keeps its first time. An unknown serial
  // changes nothing and is no error (callers check with find first).
  virtual Status set_linked(std::string_view serial, int64_t now_us) = 0;
  // Marks the card revoked at `now_us`; a revoked card keeps its first time. Unknown serial:
  // as set_linked.
  virtual Status set_revoked(std::string_view serial, int64_t now_us) = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Calls `fn` for every card with a serial greater than `after` (all: ""), in serial order
  // (bytes), at most `limit` of them; stop early by returning false. Resuming from the last
  // serial seen walks the register in batches without holding it in memory.
  virtual Status scan(std::string_view after, size_t limit,
                      const std::function<bool(const CardRow&)>& fn) = 0;
  // Stores `rows` exactly as given (linked and revoked times included) in one transaction and
  // returns how many were inserted. A serial already present with the same fields is skipped;
  // one present with other fields is E_COPY_CONFLICT naming the serial, and nothing of the
  // batch is written.
  virtual Result<int64_t> put_verbatim(std::span<const CardRow> rows) = 0;

  // ---- one-time challenges ----
  // Records `challenge` (an opaque string, e.g. base64url of random bytes) for `institution`,
  // answerable until `expires_at_us`. In the same transaction, challenges expired at `now_us`
  // are removed, and so are the oldest ones beyond the newest `max_open` (the new one always
  // stays): a flood of unanswered challenges cannot grow the table without bound; across
  // several servers the cap counts every server's challenges. Putting a challenge that is
  // open already is E_STORE.
  virtual Status put_challenge(std::string_view challenge, std::string_view institution,
                               int64_t now_us, int64_t expires_at_us, size_t max_open) = 0;
  // Removes `challenge` and returns what was put with it, or nullopt when it is not open
  // (never put, taken already, dropped by the cap or purged after expiry). Exactly one of any
  // number of concurrent takers — threads or processes — gets it. An expired challenge that
  // was not purged yet is returned too: the caller checks `expires_at_us`.
  virtual Result<std::optional<CardChallenge>> take_challenge(std::string_view challenge) = 0;

  // ---- person sessions (the portal) ----
  // Records a session under `token_hash` (opaque bytes, e.g. SHA-256 of the token). In the
  // same transaction, sessions idle since before `idle_before_us` are removed. A hash already
  // present is E_STORE.
  virtual Status put_session(std::string_view token_hash, const PersonSession& session,
                             int64_t idle_before_us) = 0;
  // The session under `token_hash` when it was last used at or after `idle_before_us`, marked
  // used at `now_us` in the same statement; nullopt when there is none or it is idle too long
  // (an idle one is removed). Any server on the database sees a use at once.
  virtual Result<std::optional<PersonSession>> use_session(std::string_view token_hash,
                                                           int64_t now_us,
                                                           int64_t idle_before_us) = 0;
  // Removes the session; false when there was none.
  virtual Result<bool> end_session(std::string_view token_hash) = 0;
};

}  // namespace onshi::store
