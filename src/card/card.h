// The simulated My Number card (マイナンバーカード) and the J-LIS side that issues, links and
// revokes it (R-CONF-1, R-CARD-1).
//
// Three parties, three parts of this module:
//  * J-LIS: a CA in the central service's data directory, DIR/jlis/ (ca.pem, ca.key 0600),
//    that certifies each card's key (the 利用者証明用電子証明書, ECDSA P-256), and the card
//    register in the database (store/cards.h; DIR/cards.db on SQLite): serial → person link
//    (the keyed hash of the My Number from security/crypto.h), linked for use as a health
//    insurance card (初回登録) or not, revoked or not. The My Number itself is in none of: the
//    register, the certificate, the card file.
//  * The card (the chip): a file (JSON, mode 0600) holding the certificate, the private key
//    and the PIN state. The PIN is checked on the card side; 3 wrong PINs in a row lock it
//    (E_CARD_LOCKED), a right PIN resets the count. The key signs after the PIN was verified,
//    or after the reader reports a face / visual check (the method travels with the signature
//    and is recorded by the central service; a PIN-locked card still works by face or visual
//    check, as at a real reader).
//  * The verifier, in the central service: one-time challenges (random, single use, valid for
//    a short time, bound to the institution that asked; kept in the database, so a challenge
//    issued by one server can be answered through another), and the check of a presentation:
//    the certificate chains to the J-LIS CA and is within its validity, its serial is not
//    revoked, the signature is over that challenge, the card is linked → the person link.
//
// Files and flow in docs/card.md. Error codes (docs/errors.md): E_EMPTY / E_NOT_DIGIT /
// E_LENGTH / E_CHECK_DIGIT with field "myNumber" and E_CARD_LABEL (issue), E_CARD_PIN_FORMAT, E_CARD_PIN (wrong PIN,
// the message says how many tries are left), E_CARD_LOCKED, E_CARD_FILE, E_CARD_UNKNOWN,
// E_CARD_REVOKED, E_CARD_NO_QUALIFICATION (link: nobody registered under this person),
// E_CODE (link: a method other than the PIN),
// E_CARD_NOT_LINKED, E_CARD_CHALLENGE, E_CARD_CERT, E_CARD_EXPIRED, E_CARD_SIGNATURE;
// the portal's person sessions (Sessions, sessions.cpp): E_SESSION, E_SESSION_CARD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::store {
class Store;
class CardStore;
class Database;
}  // namespace onshi::store

namespace onshi::card {

// How the holder was identified at the reader.
enum class Method { kPin, kFace, kVisual };
std::string_view method_name(Method m);  // "pin", "face", "visual"
std::optional<Method> parse_method(std::string_view name);

// ---- J-LIS (the CA in the central service's data directory, the register in its database) ----

struct IssueOptions {
  std::string my_number;  // 12 digits with check digit
  std::string pin;        // 4 digits
  std::string label;      // shown by a terminal's card picker, e.g. "山田 太郎"; never the number
  int validity_days = 5 * 365;  // negative: a card already expired (tests of E_CARD_EXPIRED)
};
struct IssuedCard {
  std::string serial;  // certificate serial, hex
};
// Creates the J-LIS CA in `data_dir` on first use, a key pair and certificate for the card,
// registers the serial with the person link in `db` (the person link made with the keyring of
// `data_dir`), and writes the card file `out_card` (0600).
Result<IssuedCard> issue(const std::filesystem::path& data_dir, store::Database& db,
                         const IssueOptions& options, const std::filesystem::path& out_card);

// 初回登録 where the data directory is: the holder enters the PIN (checked by the card, counted
// like any PIN entry), the card answers a fresh challenge, and Verifier::link does the rest
// (the same code as 初回登録 at an institution's card reader) against `db`.
Status link(const std::filesystem::path& data_dir, store::Database& db,
            const std::filesystem::path& card_file, std::string_view pin);

// Revokes a card's certificate (lost card, reissue) in `db`'s register. Errors:
// E_CARD_UNKNOWN. Revoking a revoked card again is not an error (the first revocation time
// stays).
Status revoke(store::Database& db, std::string_view serial);

// Where J-LIS keeps its files in a data directory.
struct JlisPaths {
  std::filesystem::path ca_cert, ca_key;  // DIR/jlis/ca.pem, ca.key
};
JlisPaths jlis_paths(const std::filesystem::path& data_dir);

// ---- the card ----

// What the card hands the reader for one confirmation.
struct Presentation {
  std::string certificate_pem;
  std::string challenge;  // base64url, as received from the central service
  std::string signature;  // base64url of the DER ECDSA signature over the challenge bytes
  Method method = Method::kPin;
};

class Card {
 public:
  // Errors: E_CARD_FILE (missing, unreadable, not a card).
  static Result<Card> load(const std::filesystem::path& file);

  const std::string& serial() const;
  const std::string& label() const;
  const std::string& certificate_pem() const;
  const std::filesystem::path& file() const;
  int pin_retries_left() const;  // 3 … 0
  bool locked() const;           // no PIN tries left

  // Method kPin: verifies `pin` (a wrong one is counted in the file before this returns:
  // E_CARD_PIN, or E_CARD_LOCKED at the third), then signs. kFace / kVisual: signs without
  // the PIN. Errors also: E_CARD_PIN_FORMAT, E_CARD_FILE (cannot update the file).
  Result<Presentation> present(std::string_view challenge, Method method, std::string_view pin);

  // Verifies the PIN only (初回登録), counting a wrong one like present().
  Status verify_pin(std::string_view pin);

  struct State;  // opaque: the file's contents and its path (card.cpp)

 private:
  Card();
  std::shared_ptr<State> state_;
};

// ---- the verifier (central service) ----

struct Verified {
  std::string serial;
  std::string person_link;  // raw bytes, as store::QualificationVersion::person_link
  Method method = Method::kPin;
};

// The answer of 初回登録 (Verifier::link).
struct Linked {
  std::string serial;
  bool already_linked = false;  // the card was linked before; nothing changed
};

struct VerifierOptions {
  int challenge_ttl_seconds = 120;  // how long a challenge may be answered (0: never; tests)
  size_t max_open_challenges = 100000;  // the oldest unanswered ones are dropped beyond this
};

class Verifier {
 public:
  // A verifier over the J-LIS CA of `data_dir` and the register and challenges of `cards`,
  // which must outlive it. Without a CA every presentation is refused with E_CARD_CERT; a CA
  // made later by the first `issue` is picked up then. Several verifiers (several servers)
  // may share one database: a challenge made by one is answered through any.
  static Result<std::unique_ptr<Verifier>> open(const std::filesystem::path& data_dir,
                                                store::CardStore& cards,
                                                const VerifierOptions& options = {});
  ~Verifier();

  int challenge_ttl_seconds() const;

  // A new one-time challenge for `institution` (base64url), recorded in the card store.
  // Errors: E_STORE. Thread-safe.
  Result<std::string> challenge(std::string_view institution);

  // Checks a presentation made for `institution`; the challenge is spent whatever the outcome.
  // Errors: the E_CARD_… refusals, E_STORE. Thread-safe.
  Result<Verified> verify(const Presentation& presentation, std::string_view institution);

  // 初回登録 (R-CARD-1): the presentation is checked like verify() except that the card need
  // not be linked yet; the method must be the PIN (E_CODE, field "method" — the challenge is
  // spent all the same); the holder must have at least one qualification in `store`
  // (E_CARD_NO_QUALIFICATION); then the card is linked in the register. Linking a linked
  // card again is no error (already_linked, the first time stays). Thread-safe.
  Result<Linked> link(const Presentation& presentation, std::string_view institution,
                      store::Store& store);

  // The holder's check of the portal's sign-in: as verify() (the challenge must have been
  // asked by `party`) except that the card need not be linked yet — the portal is where
  // 初回登録 is done; `linked` says whether it is. Thread-safe.
  Result<Verified> identify(const Presentation& presentation, std::string_view party,
                            bool* linked);

 private:
  Verifier();
  // verify() with or without the 初回登録 check; `linked` (when given) says whether the card
  // was linked.
  Result<Verified> check(const Presentation& presentation, std::string_view institution,
                         bool require_linked, bool* linked = nullptr);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- person sessions: the patient's own portal (R-CARD-2) ----
// A session lets one portal (a `portal` certificate) read one person's data at /v1/me/….
// It is made only after the card proved itself with the PIN (Verifier::identify: the same
// challenge, PIN rules and lockout as at a reader; a face or visual check is refused), is
// bound to the card's person link, ends after `idle_seconds` without use or at sign-out, and
// is refused as soon as the card is revoked. The token is 32 random bytes (256 bits,
// base64url); the store keeps only its SHA-256 (store/cards.h), so every server on the
// database accepts it and a copy of the database opens no session.

struct SessionOptions {
  int64_t idle_seconds = 30 * 60;
};
struct SignedIn {
  std::string token;  // base64url; given to the portal once, never stored
  std::string serial;
  std::string person_link;  // raw bytes
  bool linked = false;      // the card was registered for insurance use (初回登録)
};
struct SessionHolder {
  std::string person_link;  // raw bytes
  std::string serial;
};

class Sessions {
 public:
  // Over `verifier` and `cards`, which must outlive it. Thread-safe.
  Sessions(Verifier& verifier, store::CardStore& cards, SessionOptions options = {});
  int64_t idle_seconds() const;

  // Sign-in at `portal` (the certificate id): the method must be the PIN (E_CODE, field
  // "method"; the challenge is spent all the same), then Verifier::identify, then a new
  // session. Errors: the E_CARD_… refusals, E_STORE.
  Result<SignedIn> sign_in(const Presentation& presentation, std::string_view portal);
  // The live session of `token` opened by the same `portal`, its idle clock reset. Errors:
  // E_SESSION (malformed, unknown, idle too long, signed out, or another portal's), and
  // E_CARD_REVOKED when the card was revoked since (the session ends then), E_STORE.
  Result<SessionHolder> use(std::string_view token, std::string_view portal);
  // 初回登録 from the portal: the presentation must be of the session's own card
  // (E_SESSION_CARD, checked before the challenge is spent), then Verifier::link.
  Result<Linked> link(const SessionHolder& holder, const Presentation& presentation,
                      std::string_view portal, store::Store& store);
  // Ends the session; false when it was not live. Errors: E_STORE.
  Result<bool> sign_out(std::string_view token);

 private:
  Verifier& verifier_;
  store::CardStore& cards_;
  SessionOptions options_;
};

}  // namespace onshi::card
