// The simulated My Number card and its check by the central service, on real files: the
// card file (PIN lockout, 0600), the J-LIS CA and register in a data directory, and the
// verifier's refusals — wrong CA, revoked, unknown, expired, tampered signature, stale
// challenges, 初回登録 missing — plus where the My Number must never be written.
#include "card/card.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "card/detail.h"
#include "card_helpers.h"
#include "security/temp_dir.h"

namespace onshi::card {
namespace {

using onshi::testing::TempDir;
using testing::files_containing;
using testing::my_number;
using testing::open_db;
using testing::qualification;
using testing::register_person;
using testing::slurp;

const char* kClinic = "1310112345";
const char* kOtherClinic = "3410712362";

class CardTest : public ::testing::Test {
 protected:
  TempDir tmp_{"card"};
  std::filesystem::path dir_ = tmp_.path() / "data";
  std::filesystem::path card_file_ = tmp_.path() / "hanako.card";
  std::string number_ = my_number("12345678901");
  std::map<std::filesystem::path, std::unique_ptr<store::Database>> dbs_;

  // The database of a data directory (its SQLite files), opened once.
  store::Database& db(const std::filesystem::path& dir) {
    auto& d = dbs_[dir];
    if (!d) d = open_db(dir);
    return *d;
  }

  // Issues a card for number_ with PIN 1234.
  std::string issue_card(const std::filesystem::path& dir, const std::filesystem::path& file,
                         const std::string& number, int days = 365) {
    IssueOptions o;
    o.my_number = number;
    o.pin = "1234";
    o.label = "試験 花子";
    o.validity_days = days;
    auto r = issue(dir, db(dir), o, file);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + " " + r.error().message);
    return r.ok() ? r->serial : "";
  }
  // A card for a registered, linked person.
  std::string linked_card() {
    std::string serial = issue_card(dir_, card_file_, number_);
    register_person(dir_, number_, qualification("100", "20200401"));
    EXPECT_TRUE(link(dir_, db(dir_), card_file_, "1234").ok());
    return serial;
  }
  std::unique_ptr<Verifier> verifier(VerifierOptions o = {}) {
    auto v = Verifier::open(dir_, db(dir_).cards(), o);
    EXPECT_TRUE(v.ok());
    return std::move(*v);
  }
  Presentation present(Verifier& v, Method m = Method::kFace, const char* institution = kClinic,
                       const std::filesystem::path& file = {}) {
    auto card = Card::load(file.empty() ? card_file_ : file);
    EXPECT_TRUE(card.ok());
    auto p = card->present(*v.challenge(institution), m, m == Method::kPin ? "1234" : "");
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().code);
    return p.ok() ? *p : Presentation{};
  }
};

// R-CONF-1: three wrong PINs lock the card; the right PIN is then refused too; the lock is
// in the card file, so a fresh load sees it. Face and visual checks still work.
TEST_F(CardTest, ThreeWrongPinsLockTheCardEvenForTheRightPin) {
  linked_card();
  auto card = Card::load(card_file_);
  ASSERT_TRUE(card.ok());
  EXPECT_EQ(card->pin_retries_left(), 3);
  auto s1 = card->verify_pin("0000");
  ASSERT_FALSE(s1.ok());
  EXPECT_EQ(s1.error().code, "E_CARD_PIN");
  EXPECT_NE(s1.error().message.find("あと2回"), std::string::npos) << s1.error().message;
  auto s2 = card->verify_pin("1111");
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().code, "E_CARD_PIN");
  EXPECT_EQ(Card::load(card_file_)->pin_retries_left(), 1);  // counted in the file
  auto s3 = card->verify_pin("2222");
  ASSERT_FALSE(s3.ok());
  EXPECT_EQ(s3.error().code, "E_CARD_LOCKED");
  auto right = card->verify_pin("1234");
  ASSERT_FALSE(right.ok());
  EXPECT_EQ(right.error().code, "E_CARD_LOCKED");

  auto reloaded = Card::load(card_file_);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_TRUE(reloaded->locked());
  EXPECT_EQ(reloaded->pin_retries_left(), 0);
  auto v = verifier();
  auto by_pin = reloaded->present(*v->challenge(kClinic), Method::kPin, "1234");
  ASSERT_FALSE(by_pin.ok());
  EXPECT_EQ(by_pin.error().code, "E_CARD_LOCKED");
  // A PIN-locked card still signs after a face check at the reader.
  auto face = reloaded->present(*v->challenge(kClinic), Method::kFace, "");
  ASSERT_TRUE(face.ok());
  auto verified = v->verify(*face, kClinic);
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  EXPECT_EQ(verified->method, Method::kFace);
}

// R-CONF-1: a right PIN gives the tries back.
TEST_F(CardTest, RightPinResetsTheCount) {
  issue_card(dir_, card_file_, number_);
  auto card = Card::load(card_file_);
  ASSERT_TRUE(card.ok());
  EXPECT_FALSE(card->verify_pin("9999").ok());
  EXPECT_FALSE(card->verify_pin("9998").ok());
  EXPECT_EQ(card->pin_retries_left(), 1);
  EXPECT_TRUE(card->verify_pin("1234").ok());
  EXPECT_EQ(card->pin_retries_left(), 3);
  EXPECT_EQ(Card::load(card_file_)->pin_retries_left(), 3);
  EXPECT_FALSE(card->verify_pin("9999").ok());
  EXPECT_FALSE(card->verify_pin("9998").ok());
  EXPECT_FALSE(card->locked());
  EXPECT_TRUE(card->verify_pin("1234").ok());
}

// A PIN of the wrong form is refused and not counted.
TEST_F(CardTest, PinOfTheWrongFormIsNotCounted) {
  issue_card(dir_, card_file_, number_);
  auto card = Card::load(card_file_);
  for (const char* pin : {"123", "12345", "12a4", "", "１２３４"}) {
    auto s = card->verify_pin(pin);
    ASSERT_FALSE(s.ok()) << pin;
    EXPECT_EQ(s.error().code, "E_CARD_PIN_FORMAT") << pin;
  }
  EXPECT_EQ(card->pin_retries_left(), 3);
  IssueOptions o;
  o.my_number = number_;
  o.pin = "12345";
  auto r = issue(dir_, db(dir_), o, tmp_.path() / "other.card");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_PIN_FORMAT");
}

// The card file: 0600, the format tag, no PIN in clear, never overwritten by another issue.
TEST_F(CardTest, CardFileIsPrivateAndNeverOverwritten) {
  std::string serial = issue_card(dir_, card_file_, number_);
  struct stat st {};
  ASSERT_EQ(::stat(card_file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = slurp(card_file_);
  EXPECT_NE(text.find("\"format\":\"onshi-card/1\""), std::string::npos);
  EXPECT_NE(text.find(serial), std::string::npos);
  EXPECT_NE(text.find("pbkdf2-sha256"), std::string::npos);
  IssueOptions o;
  o.my_number = number_;
  o.pin = "1234";
  auto again = issue(dir_, db(dir_), o, card_file_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "E_CARD_FILE");
  EXPECT_EQ(slurp(card_file_), text);
  auto bad = Card::load(tmp_.path() / "missing.card");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "E_CARD_FILE");
}

// R-CARD-1: the My Number is checked at issue and written nowhere — not in the card file,
// not in cards.db, not in the J-LIS CA, not in any error message.
TEST_F(CardTest, MyNumberIsCheckedAndStoredNowhere) {
  linked_card();
  EXPECT_TRUE(files_containing(tmp_.path(), number_).empty());
  EXPECT_EQ(slurp(card_file_).find(number_), std::string::npos);
  EXPECT_EQ(slurp(dir_ / "cards.db").find(number_), std::string::npos);

  std::string wrong = number_;
  wrong[11] = wrong[11] == '9' ? '0' : static_cast<char>(wrong[11] + 1);
  IssueOptions o;
  o.my_number = wrong;
  o.pin = "1234";
  auto r = issue(dir_, db(dir_), o, tmp_.path() / "wrong.card");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CHECK_DIGIT");
  EXPECT_EQ(r.error().field, "myNumber");
  EXPECT_EQ(r.error().message.find(wrong), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "wrong.card"));

  o.my_number = number_;
  o.label = "番号 " + number_.substr(0, 4) + " " + number_.substr(4);
  auto labelled = issue(dir_, db(dir_), o, tmp_.path() / "labelled.card");
  ASSERT_FALSE(labelled.ok());
  EXPECT_EQ(labelled.error().code, "E_CARD_LABEL");
  EXPECT_TRUE(files_containing(tmp_.path(), number_).empty());
}

// R-CONF-1: the happy path — the verifier gives the person link and the method.
TEST_F(CardTest, LinkedCardIsVerified) {
  std::string serial = linked_card();
  auto v = verifier();
  auto p = present(*v, Method::kPin);
  auto ok = v->verify(p, kClinic);
  ASSERT_TRUE(ok.ok()) << ok.error().code << " " << ok.error().message;
  EXPECT_EQ(ok->serial, serial);
  EXPECT_EQ(ok->method, Method::kPin);
  auto keyring = security::Keyring::load_or_create(dir_);
  EXPECT_EQ(ok->person_link, keyring->person_link(number_));
}

// R-CONF-1: a revoked certificate is refused.
TEST_F(CardTest, RevokedCardIsRefused) {
  std::string serial = linked_card();
  ASSERT_TRUE(revoke(db(dir_), serial).ok());
  auto v = verifier();
  auto r = v->verify(present(*v), kClinic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_REVOKED");
  auto unknown = revoke(db(dir_), "ABCDEF");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "E_CARD_UNKNOWN");
}

// R-CONF-1: a card whose certificate was made by another data directory's J-LIS CA (same
// names, other key) does not chain.
TEST_F(CardTest, CardFromAnotherJlisCaIsRefused) {
  linked_card();
  const auto other_dir = tmp_.path() / "elsewhere";
  const auto other_card = tmp_.path() / "forged.card";
  issue_card(other_dir, other_card, number_);
  register_person(other_dir, number_, qualification("100", "20200401"));
  ASSERT_TRUE(link(other_dir, db(other_dir), other_card, "1234").ok());
  auto v = verifier();
  auto r = v->verify(present(*v, Method::kFace, kClinic, other_card), kClinic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_CERT");
}

// A certificate that chains but is not in the register: a verifier over this J-LIS CA and
// another database's (empty) register.
TEST_F(CardTest, CardMissingFromTheRegisterIsUnknown) {
  linked_card();
  auto empty = open_db(tmp_.path() / "empty");
  auto v = Verifier::open(dir_, empty->cards());
  ASSERT_TRUE(v.ok());
  auto r = (*v)->verify(present(**v), kClinic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_UNKNOWN");
}

// An expired certificate is refused with its own code.
TEST_F(CardTest, ExpiredCardIsRefused) {
  issue_card(dir_, card_file_, number_, /*days=*/-1);
  register_person(dir_, number_, qualification("100", "20200401"));
  auto v = verifier();
  auto r = v->verify(present(*v), kClinic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_EXPIRED");
}

// R-CONF-1: a challenge is single use, expires, and belongs to the institution that asked.
TEST_F(CardTest, StaleChallengesAreRefused) {
  linked_card();
  auto v = verifier();
  auto p = present(*v);
  ASSERT_TRUE(v->verify(p, kClinic).ok());
  auto reused = v->verify(p, kClinic);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.error().code, "E_CARD_CHALLENGE");

  auto elsewhere = v->verify(present(*v, Method::kFace, kOtherClinic), kClinic);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, "E_CARD_CHALLENGE");

  // A challenge the service never made, signed properly by the card.
  auto card = Card::load(card_file_);
  auto invented = card->present(security::base64url(security::random_bytes(32)), Method::kFace, "");
  ASSERT_TRUE(invented.ok());
  auto never = v->verify(*invented, kClinic);
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().code, "E_CARD_CHALLENGE");

  VerifierOptions short_lived;
  short_lived.challenge_ttl_seconds = 0;  // expired as soon as it is made
  auto quick = verifier(short_lived);
  auto late = quick->verify(present(*quick), kClinic);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "E_CARD_CHALLENGE");
}

// R-CONF-1: a signature that is not the card's over this challenge is refused, and the
// challenge is spent by the failed attempt.
TEST_F(CardTest, TamperedSignatureIsRefused) {
  linked_card();
  auto v = verifier();
  auto p = present(*v);
  auto sig = security::base64url_decode(p.signature);
  ASSERT_TRUE(sig.has_value());
  (*sig)[sig->size() / 2] ^= 0x01;
  Presentation tampered = p;
  tampered.signature = security::base64url(*sig);
  auto r = v->verify(tampered, kClinic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_SIGNATURE");
  auto retry = v->verify(p, kClinic);  // the genuine one, too late
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.error().code, "E_CARD_CHALLENGE");

  // A genuine signature over another challenge.
  auto a = present(*v);
  auto b = present(*v);
  a.signature = b.signature;
  auto swapped = v->verify(a, kClinic);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().code, "E_CARD_SIGNATURE");
}

// R-CARD-1: a card without 初回登録 cannot be used for confirmation.
TEST_F(CardTest, UnlinkedCardIsRefused) {
  issue_card(dir_, card_file_, number_);
  register_person(dir_, number_, qualification("100", "20200401"));
  auto v = verifier();
  auto r = v->verify(present(*v), kClinic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CARD_NOT_LINKED");
  EXPECT_NE(r.error().message.find("初回登録"), std::string::npos);
  ASSERT_TRUE(link(dir_, db(dir_), card_file_, "1234").ok());
  EXPECT_TRUE(v->verify(present(*v), kClinic).ok());
}

// R-CARD-1: 初回登録 needs a registered qualification; it is idempotent; a wrong PIN at
// 初回登録 is counted like any other.
TEST_F(CardTest, LinkNeedsAQualificationAndThePin) {
  issue_card(dir_, card_file_, number_);
  register_person(dir_, my_number("99999999999"), qualification("200", "20200401"));
  auto none = link(dir_, db(dir_), card_file_, "1234");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "E_CARD_NO_QUALIFICATION");
  auto v = verifier();
  auto still = v->verify(present(*v), kClinic);
  ASSERT_FALSE(still.ok());
  EXPECT_EQ(still.error().code, "E_CARD_NOT_LINKED");

  register_person(dir_, number_, qualification("100", "20200401"));
  auto wrong = link(dir_, db(dir_), card_file_, "4321");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "E_CARD_PIN");
  EXPECT_EQ(Card::load(card_file_)->pin_retries_left(), 2);
  EXPECT_TRUE(link(dir_, db(dir_), card_file_, "1234").ok());
  EXPECT_TRUE(link(dir_, db(dir_), card_file_, "1234").ok());
  EXPECT_TRUE(v->verify(present(*v), kClinic).ok());
}

TEST(CardMethodTest, NamesRoundTrip) {
  for (Method m : {Method::kPin, Method::kFace, Method::kVisual})
    EXPECT_EQ(parse_method(method_name(m)), m);
  EXPECT_FALSE(parse_method("PIN").has_value());
  EXPECT_FALSE(parse_method("").has_value());
}

TEST(Base64UrlTest, DecodesWhatItEncodesAndNothingElse) {
  for (size_t n = 0; n < 40; ++n) {
    std::string raw = security::random_bytes(n);
    auto back = security::base64url_decode(security::base64url(raw));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, raw);
  }
  EXPECT_FALSE(security::base64url_decode("ab+/").has_value());
  EXPECT_FALSE(security::base64url_decode("abc=").has_value());
  EXPECT_FALSE(security::base64url_decode("a").has_value());
  EXPECT_FALSE(security::base64url_decode("AB").has_value());  // non-zero trailing bits
  EXPECT_TRUE(security::base64url_decode("AA").has_value());
}

}  // namespace
}  // namespace onshi::card
