// J-LIS's side of the simulated My Number card (R-CARD-1): the J-LIS CA in DIR/jlis/, the card
// register in the database (store/cards.h), and the three things done with them — issue a
// card, link it for use as a health insurance card (初回登録), revoke it.
//
// The register knows a card by its certificate serial and the person by the keyed hash of
// the My Number (security/crypto.h person_link). The My Number is checked (check digit) at
// issue, hashed, and then forgotten: it is written nowhere and never part of a message.
// Certificates are made by security/ca.h's helpers, so the J-LIS CA and onshi's own CA are
// built the same way (ECDSA P-256, X.509 v3).
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "card/detail.h"
#include "core/date.h"
#include "core/numbers.h"
#include "core/text.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "store/database.h"

namespace onshi::card {
namespace fs = std::filesystem;

JlisPaths jlis_paths(const fs::path& data_dir) {
  return {data_dir / "jlis" / "ca.pem", data_dir / "jlis" / "ca.key"};
}

namespace detail {
namespace {

Status io_fail(const fs::path& p, const std::string& what) {
  return Status::Fail("E_IO", "", what + ": " + p.string() + " (" + std::strerror(errno) + ")");
}

Result<std::string> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return io_fail(p, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const security::SubjectEntries kCaSubject = {{"O", "J-LIS (simulated)"},
                                             {"CN", "onshi J-LIS card CA"}};

}  // namespace

// A random positive 63-bit serial: unpredictable, so serials say nothing about how many
// cards exist or when one was made.
uint64_t random_serial() {
  for (;;) {
    std::string b = security::random_bytes(8);
    uint64_t v = 0;
    for (unsigned char c : b) v = v << 8 | c;
    v &= 0x7fffffffffffffffULL;
    if (v >= (1ULL << 32)) return v;
  }
}

X509Ptr parse_cert(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  ERR_clear_error();
  return X509Ptr(cert);
}

PkeyPtr parse_key(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  ERR_clear_error();
  return PkeyPtr(key);
}

std::string serial_hex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (!bn) return "";
  char* h = BN_bn2hex(bn);
  std::string out = h ? h : "";
  OPENSSL_free(h);
  BN_free(bn);
  return out;
}

bool pin_format_ok(std::string_view pin) {
  return pin.size() == 4 && core::all_digits(pin);
}

// ---- the J-LIS CA ----

Result<std::optional<std::string>> read_ca_cert(const fs::path& data_dir) {
  const fs::path p = jlis_paths(data_dir).ca_cert;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::optional<std::string>();
  auto pem = slurp(p);
  if (!pem) return Error{"E_CARD_CERT", "", "J-LISの認証局証明書を読めません: " + p.string()};
  return std::optional<std::string>(std::move(*pem));
}

Result<CaPem> load_or_create_ca(const fs::path& data_dir) {
  const JlisPaths paths = jlis_paths(data_dir);
  const fs::path dir = paths.ca_cert.parent_path();
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_fail(dir, "cannot create");
  // One creator at a time; the others then read what it wrote.
  const fs::path lock_file = dir / "lock";
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_fail(lock_file, "cannot open");
  if (::flock(fd, LOCK_EX) != 0) {
    Status s = io_fail(lock_file, "cannot lock");
    ::close(fd);
    return s;
  }
  auto finish = [fd](Result<CaPem> r) {
    ::close(fd);
    return r;
  };
  if (fs::exists(paths.ca_cert, ec)) {
    auto cert = slurp(paths.ca_cert);
    if (!cert) return finish(cert.error());
    auto key = slurp(paths.ca_key);
    if (!key) return finish(key.error());
    return finish(CaPem{std::move(*cert), std::move(*key)});
  }
  auto ca = security::make_ca_pem(kCaSubject, random_serial(), 20 * 365);
  if (!ca) return finish(ca.error());
  // Key first, certificate last: ca.pem is what marks a finished CA.
  if (auto s = security::write_file_atomic(paths.ca_key, ca->key_pem, 0600); !s)
    return finish(s.error());
  if (auto s = security::write_file_atomic(paths.ca_cert, ca->cert_pem, 0644); !s)
    return finish(s.error());
  return finish(CaPem{std::move(ca->cert_pem), std::move(ca->key_pem)});
}

}  // namespace detail

// ---- issue, link, revoke ----

namespace {

// The keyring of the data directory. A store that already holds people but has lost its
// key must not get a new one silently (the person links would no longer match).
Result<security::Keyring> keyring_of(const fs::path& data_dir, store::Database& db) {
  if (!security::Keyring::exists(data_dir)) {
    auto n = db.members().count_versions();
    if (!n) return n.error();
    if (*n > 0)
      return Error{"E_KEY_MISSING", "data-dir",
                   "the store holds members but keys/master.key is missing — restore it from "
                   "the backup"};
  }
  return security::Keyring::load_or_create(data_dir);
}

}  // namespace

Result<IssuedCard> issue(const fs::path& data_dir, store::Database& db, const IssueOptions& o,
                         const fs::path& out) {
  // ---- input (the My Number is only checked, hashed and forgotten) ----
  if (auto st = core::check_my_number(o.my_number); !st)
    return Error{st.error().code, "myNumber", st.error().message};
  if (!detail::pin_format_ok(o.pin))
    return Error{"E_CARD_PIN_FORMAT", "pin", "暗証番号は4桁の数字です"};
  if (core::codepoint_count(o.label) > 64)
    return Error{"E_CARD_LABEL", "label", "表示名は64文字以内です"};
  for (char c : o.label) {
    if (static_cast<unsigned char>(c) < 0x20)
      return Error{"E_CARD_LABEL", "label", "表示名に制御文字は使えません"};
  }
  {
    // A label must never carry the number, even with spaces or full-width digits in it.
    std::string digits;
    for (char c : core::normalize_card_field(o.label))
      if (c >= '0' && c <= '9') digits += c;
    if (digits.find(o.my_number) != std::string::npos)
      return Error{"E_CARD_LABEL", "label", "表示名に個人番号を含めることはできません"};
  }
  std::error_code ec;
  if (fs::exists(out, ec) || fs::is_symlink(out, ec))
    return Error{"E_CARD_FILE", "out", "カードファイルが既にあります（上書きしません）: " + out.string()};

  auto keyring = keyring_of(data_dir, db);
  if (!keyring) return keyring.error();
  const std::string person_link = keyring->person_link(o.my_number);

  auto ca = detail::load_or_create_ca(data_dir);
  if (!ca) return ca.error();

  // ---- key and certificate ----
  const uint64_t serial_value = detail::random_serial();
  char cn[32];
  std::snprintf(cn, sizeof cn, "%016llX", static_cast<unsigned long long>(serial_value));
  auto leaf = security::issue_leaf_pem(ca->cert_pem, ca->key_pem,
                                       {{"O", "J-LIS (simulated)"},
                                        {"OU", "利用者証明用電子証明書"},
                                        {"CN", cn}},
                                       serial_value, o.validity_days);
  if (!leaf) return leaf.error();
  auto cert = detail::parse_cert(leaf->cert_pem);
  if (!cert) return Error{"E_CRYPTO", "", "cannot read the card certificate just made"};
  const std::string serial = detail::serial_hex(cert.get());

  // The card file first: a card that cannot be written is never registered.
  if (auto st = detail::write_new_card_file(out, serial, o.label, leaf->cert_pem, leaf->key_pem, o.pin);
      !st)
    return st.error();
  store::CardRow row;
  row.serial = serial;
  row.person_link = person_link;
  row.label = o.label;
  row.issued_at_us = core::now_unix_us();
  if (auto st = db.cards().insert(row); !st) {
    ::unlink(out.c_str());
    return st.error();
  }
  return IssuedCard{serial};
}

Status revoke(store::Database& db, std::string_view serial) {
  auto row = db.cards().find(serial);
  if (!row) return row.error();
  if (!*row)
    return Status::Fail("E_CARD_UNKNOWN", "serial", "このシリアル番号のカードは発行されていません");
  return db.cards().set_revoked(serial, core::now_unix_us());
}

Status link(const fs::path& data_dir, store::Database& db, const fs::path& card_file,
            std::string_view pin) {
  auto card = Card::load(card_file);
  if (!card) return card.error();
  // The same proof and the same rules as at a reader (Verifier::link): the card answers a
  // fresh challenge after the PIN, the J-LIS side checks the certificate, the signature and
  // the register, the holder must have a qualification.
  auto verifier = Verifier::open(data_dir, db.cards());
  if (!verifier) return verifier.error();
  const std::string institution = "link";
  auto challenge = (*verifier)->challenge(institution);
  if (!challenge) return challenge.error();
  auto presented = card->present(*challenge, Method::kPin, pin);
  if (!presented) return presented.error();
  auto linked = (*verifier)->link(*presented, institution, db.members());
  if (!linked) return linked.error();
  return Status::Ok();
}

}  // namespace onshi::card
