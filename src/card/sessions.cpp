// The person sessions of the patient's portal (R-CARD-2, card::Sessions in card/card.h).
//
// The one decision: a session is a random token whose SHA-256 is the key of a row in the
// card store, not a signed value the server could check alone — so it is revocable at once
// (sign-out deletes the row, on every server), its idle time is counted by the database
// that every server shares, and a copy of the database holds nothing a client could present.
// The card is looked up on every use, so a revocation ends its sessions at the next request.
#include <utility>

#include "card/card.h"
#include "card/detail.h"
#include "core/date.h"
#include "security/crypto.h"
#include "store/cards.h"

namespace onshi::card {
namespace {

Error no_session() {
  return Error{"E_SESSION", "session",
               "サインインの有効期限が切れたか、サインアウトされています。もう一度カードで"
               "サインインしてください。"};
}

}  // namespace

Sessions::Sessions(Verifier& verifier, store::CardStore& cards, SessionOptions options)
    : verifier_(verifier), cards_(cards), options_(options) {}

int64_t Sessions::idle_seconds() const { return options_.idle_seconds; }

Result<SignedIn> Sessions::sign_in(const Presentation& p, std::string_view portal) {
  if (p.method != Method::kPin) {
    if (security::base64url_decode(p.challenge))  // spent whatever the outcome
      (void)cards_.take_challenge(p.challenge);
    return Error{"E_CODE", "method",
                 "サインインには暗証番号の入力が必要です（顔認証・目視確認ではサインインできません）"};
  }
  bool linked = false;
  auto verified = verifier_.identify(p, portal, &linked);
  if (!verified) return verified.error();
  SignedIn out;
  out.token = security::base64url(security::random_bytes(32));
  out.serial = verified->serial;
  out.person_link = verified->person_link;
  out.linked = linked;
  const int64_t now = core::now_unix_us();
  store::PersonSession s{verified->person_link, verified->serial, std::string(portal), now, now};
  if (auto st = cards_.put_session(security::sha256(out.token), s,
                                   now - options_.idle_seconds * 1000000);
      !st)
    return st.error();
  return out;
}

Result<SessionHolder> Sessions::use(std::string_view token, std::string_view portal) {
  auto raw = security::base64url_decode(token);
  if (!raw || raw->size() != 32) return no_session();
  const std::string hash = security::sha256(token);
  const int64_t now = core::now_unix_us();
  auto s = cards_.use_session(hash, now, now - options_.idle_seconds * 1000000);
  if (!s) return s.error();
  if (!*s || (*s)->portal != portal) return no_session();
  auto card = cards_.find((*s)->serial);
  if (!card) return card.error();
  if (!*card || (*card)->revoked_at_us) {
    (void)cards_.end_session(hash);
    return Error{"E_CARD_REVOKED", "session",
                 "このカードの電子証明書は失効しています。市区町村の窓口にお問い合わせください。"};
  }
  return SessionHolder{std::move((*s)->person_link), std::move((*s)->serial)};
}

Result<Linked> Sessions::link(const SessionHolder& holder, const Presentation& p,
                              std::string_view portal, store::Store& store) {
  auto cert = detail::parse_cert(p.certificate_pem);
  if (cert && detail::serial_hex(cert.get()) != holder.serial) {
    // Not spent: the presentation was never checked, and the card is someone else's.
    return Error{"E_SESSION_CARD", "certificate",
                 "サインインしたカードと違うカードです。サインインしたカードで登録してください。"};
  }
  return verifier_.link(p, portal, store);
}

Result<bool> Sessions::sign_out(std::string_view token) {
  auto raw = security::base64url_decode(token);
  if (!raw || raw->size() != 32) return false;
  return cards_.end_session(security::sha256(token));
}

}  // namespace onshi::card
