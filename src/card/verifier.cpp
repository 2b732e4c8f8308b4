// The central service's check of a card presentation (R-CONF-1): one-time challenges, then
// certificate chain, validity, signature and the card register, in that order. The same check
// precedes 初回登録 (R-CARD-1, Verifier::link), which then links the card in the register.
//
// Challenges are 32 random bytes (base64url), kept in the card store (store/cards.h) with the
// institution that asked and a deadline, so any server on the same database can accept the
// answer; a challenge is taken from the store when it is answered, whatever the outcome, and
// the store lets exactly one taker have it, so it can never be answered twice. The signature is checked before the
// register is consulted, so only the holder of a card's key learns whether that card is
// revoked or linked. The J-LIS CA is read when the first presentation arrives after it
// exists (a service may start before the first card is issued).
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <mutex>

#include "card/detail.h"
#include "core/date.h"
#include "security/crypto.h"
#include "store/cards.h"
#include "store/store.h"

namespace onshi::card {
namespace fs = std::filesystem;

struct Verifier::Impl {
  fs::path data_dir;
  VerifierOptions options;
  store::CardStore* cards = nullptr;

  std::mutex ca_mu;
  X509_STORE* trust = nullptr;  // the J-LIS CA, once it exists

  ~Impl() {
    if (trust) X509_STORE_free(trust);
  }

  // The trust store, loading the CA when it has appeared. nullptr when there is no CA.
  Result<X509_STORE*> trust_store() {
    std::lock_guard lock(ca_mu);
    if (trust) return trust;
    auto pem = detail::read_ca_cert(data_dir);
    if (!pem) return pem.error();
    if (!*pem) return static_cast<X509_STORE*>(nullptr);
    auto ca = detail::parse_cert(**pem);
    if (!ca) return Error{"E_CARD_CERT", "", "J-LISの認証局証明書が壊れています"};
    X509_STORE* s = X509_STORE_new();
    if (!s || X509_STORE_add_cert(s, ca.get()) != 1) {
      if (s) X509_STORE_free(s);
      ERR_clear_error();
      return Error{"E_CRYPTO", "", "J-LIS の認証局を検証に使えません"};
    }
    trust = s;
    return trust;
  }
};

Verifier::Verifier() : impl_(std::make_unique<Impl>()) {}
Verifier::~Verifier() = default;

Result<std::unique_ptr<Verifier>> Verifier::open(const fs::path& data_dir,
                                                 store::CardStore& cards,
                                                 const VerifierOptions& options) {
  std::unique_ptr<Verifier> v(new Verifier());
  v->impl_->data_dir = data_dir;
  v->impl_->options = options;
  v->impl_->cards = &cards;
  return v;
}

int Verifier::challenge_ttl_seconds() const { return impl_->options.challenge_ttl_seconds; }

Result<std::string> Verifier::challenge(std::string_view institution) {
  std::string c = security::base64url(security::random_bytes(32));
  const int64_t now = core::now_unix_us();
  const int64_t ttl_us = int64_t{impl_->options.challenge_ttl_seconds} * 1000000;
  if (auto st = impl_->cards->put_challenge(c, institution, now, now + ttl_us,
                                            impl_->options.max_open_challenges);
      !st)
    return st.error();
  return c;
}

Result<Verified> Verifier::verify(const Presentation& p, std::string_view institution) {
  return check(p, institution, /*require_linked=*/true);
}

// R-CARD-2: the portal's sign-in (Sessions::sign_in).
Result<Verified> Verifier::identify(const Presentation& p, std::string_view party,
                                    bool* linked) {
  return check(p, party, /*require_linked=*/false, linked);
}

// R-CARD-1: 初回登録, at a card reader (routes_card.cpp) or where the data directory is
// (card::link in jlis.cpp).
Result<Linked> Verifier::link(const Presentation& p, std::string_view institution,
                              store::Store& store) {
  if (p.method != Method::kPin) {
    if (security::base64url_decode(p.challenge))  // spent whatever the outcome, as in check()
      (void)impl_->cards->take_challenge(p.challenge);
    return Error{"E_CODE", "method",
                 "初回登録には暗証番号の入力が必要です（顔認証・目視確認では登録できません）"};
  }
  bool was_linked = false;
  auto verified = check(p, institution, /*require_linked=*/false, &was_linked);
  if (!verified) return verified.error();
  auto found = store.find_by_person_link(verified->person_link, core::now_unix_us());
  if (!found) return found.error();
  if (found->empty())
    return Error{"E_CARD_NO_QUALIFICATION", "",
                 "このカードの持ち主の資格情報が登録されていません。加入している保険者に"
                 "お問い合わせください。"};
  if (!was_linked) {
    if (auto st = impl_->cards->set_linked(verified->serial, core::now_unix_us()); !st)
      return st.error();
  }
  return Linked{verified->serial, was_linked};
}

Result<Verified> Verifier::check(const Presentation& p, std::string_view institution,
                                 bool require_linked, bool* linked) {
  auto& m = *impl_;
  // ---- the challenge: known, unused, in time, asked by this institution; spent now ----
  // One that is not base64url was never issued: refused before the store sees it.
  auto challenge_bytes = security::base64url_decode(p.challenge);
  if (!challenge_bytes)
    return Error{"E_CARD_CHALLENGE", "challenge", "チャレンジの形式が不正です"};
  auto open = m.cards->take_challenge(p.challenge);
  if (!open) return open.error();
  if (!*open || (*open)->expires_at_us <= core::now_unix_us() ||
      (*open)->institution != institution)
    return Error{"E_CARD_CHALLENGE", "challenge",
                 "チャレンジが無効です（未発行・使用済み・期限切れ・別の医療機関のもの）。"
                 "もう一度カードを読み取ってください。"};

  // ---- the certificate: parses, chains to the J-LIS CA, within its validity ----
  auto cert = detail::parse_cert(p.certificate_pem);
  if (!cert) return Error{"E_CARD_CERT", "certificate", "カードの電子証明書を読めません"};
  auto trust = m.trust_store();
  if (!trust) return trust.error();
  if (!*trust)
    return Error{"E_CARD_CERT", "certificate", "J-LISの認証局がまだありません（カード未発行）"};
  {
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    if (!ctx || X509_STORE_CTX_init(ctx.get(), *trust, cert.get(), nullptr) != 1)
      return Error{"E_CRYPTO", "", "カードの電子証明書を検証できません"};
    const int ok = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    if (ok != 1) {
      if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID)
        return Error{"E_CARD_EXPIRED", "certificate",
                     "カードの電子証明書の有効期限が切れています。市区町村の窓口で更新してください。"};
      return Error{"E_CARD_CERT", "certificate",
                   std::string("カードの電子証明書を検証できません（J-LISの発行ではありません: ") +
                       X509_verify_cert_error_string(err) + "）"};
    }
  }

  // ---- the signature over the challenge bytes ----
  {
    auto sig = security::base64url_decode(p.signature);
    EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                &EVP_MD_CTX_free);
    const bool good =
        sig && !sig->empty() && pub && ctx &&
        EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                         sig->size(),
                         reinterpret_cast<const unsigned char*>(challenge_bytes->data()),
                         challenge_bytes->size()) == 1;
    ERR_clear_error();
    if (!good)
      return Error{"E_CARD_SIGNATURE", "signature", "カードの署名を確認できません"};
  }

  // ---- the register ----
  const std::string serial = detail::serial_hex(cert.get());
  auto row = m.cards->find(serial);
  if (!row) return row.error();
  if (!*row)
    return Error{"E_CARD_UNKNOWN", "certificate", "このカードはJ-LISの台帳にありません"};
  if ((*row)->revoked_at_us)
    return Error{"E_CARD_REVOKED", "certificate",
                 "このカードの電子証明書は失効しています。市区町村の窓口にお問い合わせください。"};
  if (linked) *linked = (*row)->linked_at_us.has_value();
  if (require_linked && !(*row)->linked_at_us)
    return Error{"E_CARD_NOT_LINKED", "",
                 "このカードは健康保険証としての利用登録（初回登録）がされていません。"
                 "マイナポータルかカードリーダーで初回登録をしてください。"};
  return Verified{serial, std::move((*row)->person_link), p.method};
}

}  // namespace onshi::card
