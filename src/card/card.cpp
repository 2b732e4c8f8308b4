// The chip of the simulated My Number card: a card file and what the card does with it —
// check the PIN (counting wrong ones, locking at the third), and sign a challenge.
//
// The card file is JSON, mode 0600, always rewritten whole and atomically (temporary file,
// fsync, rename), so a crash never leaves half a card:
//   {"format":"onshi-card/1","serial":"…","label":"…","certificate":"<PEM>",
//    "privateKey":"<PEM>","pin":{"kdf":"pbkdf2-sha256","iterations":N,"salt":"…",
//    "hash":"…"},"pinRetriesLeft":3}
// The PIN is never stored: only a salted PBKDF2-SHA256 hash of it. The private key is not
// sealed under the PIN because, as with the real chip, the card also signs after a face or
// visual check at the reader without any PIN; the file's mode is its protection. A wrong PIN
// is counted in the file before the answer is given (the count is written first, then
// restored on a right PIN), so stopping the process mid-check never saves a try.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include <fstream>
#include <mutex>
#include <sstream>

#include "card/detail.h"
#include "security/ca.h"
#include "security/crypto.h"

namespace onshi::card {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kFormat = "onshi-card/1";
constexpr int kMaxTries = 3;
constexpr int kPinIterations = 100000;

std::string pin_hash(std::string_view pin, std::string_view salt, int iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return "";
  }
  return out;
}

Error file_error(const fs::path& p, const std::string& why) {
  return Error{"E_CARD_FILE", "card", "カードファイルを読めません（" + why + "）: " + p.string()};
}

}  // namespace

std::string_view method_name(Method m) {
  return m == Method::kPin ? "pin" : m == Method::kFace ? "face" : "visual";
}

std::optional<Method> parse_method(std::string_view n) {
  if (n == "pin") return Method::kPin;
  if (n == "face") return Method::kFace;
  if (n == "visual") return Method::kVisual;
  return std::nullopt;
}

struct Card::State {
  std::mutex mu;
  fs::path file;
  std::string serial, label, cert_pem, key_pem;
  std::string pin_salt, pin_hash;  // raw bytes
  int iterations = kPinIterations;
  int retries = kMaxTries;

  std::string to_json() const {
    json::object pin{{"kdf", "pbkdf2-sha256"},
                     {"iterations", iterations},
                     {"salt", security::base64url(pin_salt)},
                     {"hash", security::base64url(pin_hash)}};
    json::object o{{"format", kFormat},
                   {"serial", serial},
                   {"label", label},
                   {"certificate", cert_pem},
                   {"privateKey", key_pem},
                   {"pin", std::move(pin)},
                   {"pinRetriesLeft", retries}};
    return json::serialize(o) + "\n";
  }
  Status save() const {
    auto st = security::write_file_atomic(file, to_json(), 0600);
    if (!st) return Status::Fail("E_CARD_FILE", "card", "カードファイルを更新できません: " + st.error().message);
    return Status::Ok();
  }
};

namespace detail {

Status write_new_card_file(const fs::path& out, const std::string& serial,
                           const std::string& label, const std::string& cert_pem,
                           const std::string& key_pem, std::string_view pin) {
  Card::State s;
  s.file = out;
  s.serial = serial;
  s.label = label;
  s.cert_pem = cert_pem;
  s.key_pem = key_pem;
  s.pin_salt = security::random_bytes(16);
  s.pin_hash = pin_hash(pin, s.pin_salt, s.iterations);
  if (s.pin_hash.empty()) return Status::Fail("E_CRYPTO", "", "暗証番号の照合値を作れませんでした（PBKDF2）");
  s.retries = kMaxTries;
  std::error_code ec;
  if (out.has_parent_path()) fs::create_directories(out.parent_path(), ec);
  return s.save();
}

}  // namespace detail

namespace {

// Checks the bytes of a card file and takes them into `s` (s.file names it in errors).
Status parse_state(std::string_view bytes, Card::State& s) {
  boost::system::error_code ec;
  json::value doc = json::parse(bytes, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  if (!o) return file_error(s.file, "カードファイルの形式ではありません");
  auto str = [&](const json::object& obj, const char* key) -> const json::string* {
    const json::value* v = obj.if_contains(key);
    return v ? v->if_string() : nullptr;
  };
  const json::string* format = str(*o, "format");
  if (!format || *format != kFormat) return file_error(s.file, "カードファイルの形式ではありません");
  const json::string *serial = str(*o, "serial"), *label = str(*o, "label"),
                     *cert = str(*o, "certificate"), *key = str(*o, "privateKey");
  const json::value* pin = o->if_contains("pin");
  const json::value* retries = o->if_contains("pinRetriesLeft");
  if (!serial || serial->empty() || !label || !cert || !key || !pin || !pin->is_object() ||
      !retries || !retries->is_int64())
    return file_error(s.file, "必要な項目がありません");
  const json::object& p = pin->as_object();
  const json::string *salt = str(p, "salt"), *hash = str(p, "hash"), *kdf = str(p, "kdf");
  const json::value* iterations = p.if_contains("iterations");
  if (!salt || !hash || !kdf || *kdf != "pbkdf2-sha256" || !iterations ||
      !iterations->is_int64() || iterations->as_int64() < 1000 ||
      iterations->as_int64() > 10000000)
    return file_error(s.file, "暗証番号の情報が不正です");
  auto salt_raw = security::base64url_decode(*salt);
  auto hash_raw = security::base64url_decode(*hash);
  if (!salt_raw || !hash_raw || hash_raw->size() != 32)
    return file_error(s.file, "暗証番号の情報が不正です");
  int64_t r = retries->as_int64();
  if (r < 0 || r > kMaxTries) return file_error(s.file, "暗証番号の残り回数が不正です");
  s.serial = std::string(*serial);
  s.label = std::string(*label);
  s.cert_pem = std::string(*cert);
  s.key_pem = std::string(*key);
  s.pin_salt = std::move(*salt_raw);
  s.pin_hash = std::move(*hash_raw);
  s.iterations = static_cast<int>(iterations->as_int64());
  s.retries = static_cast<int>(r);
  return Status::Ok();
}

// Reads and checks a card file into `s` (file must be set).
Status read_state(Card::State& s) {
  std::ifstream in(s.file, std::ios::binary);
  if (!in) return file_error(s.file, "ファイルがないか読めません");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_state(buf.str(), s);
}

}  // namespace

Status detail::check_card_file(std::string_view bytes, const fs::path& file) {
  Card::State s;
  s.file = file;
  return parse_state(bytes, s);
}

Card::Card() : state_(std::make_shared<State>()) {}

Result<Card> Card::load(const fs::path& file) {
  Card c;
  c.state_->file = file;
  if (auto st = read_state(*c.state_); !st) return st.error();
  return c;
}

const std::string& Card::serial() const { return state_->serial; }
const std::string& Card::label() const { return state_->label; }
const std::string& Card::certificate_pem() const { return state_->cert_pem; }
const fs::path& Card::file() const { return state_->file; }
int Card::pin_retries_left() const {
  std::lock_guard lock(state_->mu);
  return state_->retries;
}
bool Card::locked() const { return pin_retries_left() <= 0; }

namespace {

// The PIN check, with the state's mutex held.
Status check_pin(Card::State& s, std::string_view pin) {
  // The file is the chip: another process may have counted tries since this was loaded.
  {
    Card::State fresh;
    fresh.file = s.file;
    if (auto st = read_state(fresh); !st) return st;
    if (fresh.serial != s.serial) return file_error(s.file, "別のカードに置き換えられています");
    s.retries = fresh.retries;
  }
  if (s.retries <= 0)
    return Status::Fail("E_CARD_LOCKED", "pin",
                        "暗証番号を3回続けて間違えたため、カードがロックされています。"
                        "市区町村の窓口でロックを解除してください（顔認証・目視確認は使えます）。");
  if (!detail::pin_format_ok(pin))
    return Status::Fail("E_CARD_PIN_FORMAT", "pin", "暗証番号は4桁の数字です");
  // Count the try first; give it back when the PIN is right.
  s.retries -= 1;
  if (auto st = s.save(); !st) {
    s.retries += 1;
    return st;
  }
  const std::string h = pin_hash(pin, s.pin_salt, s.iterations);
  const bool right = h.size() == s.pin_hash.size() && !h.empty() &&
                     CRYPTO_memcmp(h.data(), s.pin_hash.data(), h.size()) == 0;
  if (right) {
    s.retries = kMaxTries;
    return s.save();
  }
  if (s.retries <= 0)
    return Status::Fail("E_CARD_LOCKED", "pin",
                        "暗証番号を3回続けて間違えたため、カードがロックされました。"
                        "市区町村の窓口でロックを解除してください（顔認証・目視確認は使えます）。");
  return Status::Fail("E_CARD_PIN", "pin",
                      "暗証番号が違います。あと" + std::to_string(s.retries) +
                          "回間違えるとカードがロックされます。");
}

}  // namespace

Status Card::verify_pin(std::string_view pin) {
  std::lock_guard lock(state_->mu);
  return check_pin(*state_, pin);
}

Result<Presentation> Card::present(std::string_view challenge, Method method,
                                   std::string_view pin) {
  std::lock_guard lock(state_->mu);
  auto bytes = security::base64url_decode(challenge);
  if (!bytes || bytes->empty() || bytes->size() > 1024)
    return Error{"E_CARD_CHALLENGE", "challenge", "チャレンジの形式が不正です"};
  if (method == Method::kPin) {
    if (auto st = check_pin(*state_, pin); !st) return st.error();
  }
  auto key = detail::parse_key(state_->key_pem);
  if (!key) return file_error(state_->file, "秘密鍵が壊れています");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size()) != 1)
    return Error{"E_CRYPTO", "", "署名できません"};
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size()) != 1)
    return Error{"E_CRYPTO", "", "署名できません"};
  sig.resize(len);
  Presentation p;
  p.certificate_pem = state_->cert_pem;
  p.challenge = std::string(challenge);
  p.signature = security::base64url(sig);
  p.method = method;
  return p;
}

}  // namespace onshi::card
