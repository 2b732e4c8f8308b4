// The keyring of a data directory: one master key on disk, two derived keys in memory.
//
// The master key is the only secret onshi writes; everything else is derived with HKDF so
// the key that seals My Numbers (AES-256-GCM) and the key that links people across insurers
// (HMAC-SHA256) can never be confused or used for each other's job. The file is made once,
// atomically: the key is written to a private temporary file and hard-linked into place, so
// two processes starting on a fresh directory agree on one key and nobody ever reads half a
// key. All primitives come from OpenSSL 3 (EVP); nothing here logs key material.
#include "security/crypto.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace onshi::security {
namespace {

constexpr size_t kMasterKeyLen = 32;
constexpr size_t kNonceLen = 12;
constexpr size_t kTagLen = 16;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

[[noreturn]] void crypto_failure(const char* what) {
  // Only reached when OpenSSL itself is broken (no CSPRNG, no AES). Continuing would risk
  // writing unsealed or predictable data, so stop.
  std::fprintf(stderr, "onshi: fatal cryptographic failure: %s\n", what);
  std::abort();
}

// What seal and person_link keep per thread: OpenSSL 3's one-shot calls look the algorithm
// up, allocate a context, expand the key and lock the random generator (and ask the kernel
// for the process id) on every call — more than the sealing itself costs, when an import
// seals a million numbers on its worker threads. So each thread keeps a cipher context and a
// MAC context set up once for its key (a call then only sets the nonce, or restarts the MAC
// on its precomputed key), and draws nonces from the CSPRNG 64 at a time. A forked child
// draws fresh nonces: the buffer copied from the parent is dropped (fork_generation).
std::atomic<uint64_t> fork_generation{0};

struct ThreadCrypto {
  static constexpr size_t kNonces = 64;
  std::string seal_key, link_key;
  EVP_CIPHER_CTX* seal = nullptr;
  EVP_MAC_CTX* link = nullptr;
  unsigned char nonces[kNonceLen * kNonces];
  size_t next_nonce = kNonces;  // all used
  uint64_t generation = 0;
  ~ThreadCrypto() {
    EVP_CIPHER_CTX_free(seal);
    EVP_MAC_CTX_free(link);
    OPENSSL_cleanse(seal_key.data(), seal_key.size());
    OPENSSL_cleanse(link_key.data(), link_key.size());
  }

  static ThreadCrypto& get() {
    static std::once_flag once;
    std::call_once(once, [] {
      pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });
    });
    thread_local ThreadCrypto state;
    return state;
  }

  // The cipher context with `key` set, a nonce to be given per call.
  EVP_CIPHER_CTX* cipher(const std::string& key) {
    if (seal && seal_key == key) return seal;
    EVP_CIPHER_CTX_free(seal);
    seal = EVP_CIPHER_CTX_new();
    if (!seal || EVP_EncryptInit_ex(seal, EVP_aes_256_gcm(), nullptr, bytes(key), nullptr) != 1)
      crypto_failure("AES-GCM init");
    seal_key = key;
    return seal;
  }

  // The HMAC-SHA256 context ready for a message under `key`.
  EVP_MAC_CTX* mac(const std::string& key) {
    if (link && link_key == key) {
      if (EVP_MAC_init(link, nullptr, 0, nullptr) != 1) crypto_failure("HMAC-SHA256 init");
      return link;
    }
    EVP_MAC_CTX_free(link);
    std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                           &EVP_MAC_free);
    link = hmac ? EVP_MAC_CTX_new(hmac.get()) : nullptr;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!link || EVP_MAC_init(link, bytes(key), key.size(), params) != 1)
      crypto_failure("HMAC-SHA256 init");
    link_key = key;
    return link;
  }

  // A fresh random nonce (kNonceLen bytes).
  const unsigned char* nonce() {
    const uint64_t g = fork_generation.load(std::memory_order_relaxed);
    if (next_nonce == kNonces || generation != g) {
      if (RAND_bytes(nonces, static_cast<int>(sizeof nonces)) != 1) crypto_failure("RAND_bytes");
      next_nonce = 0;
      generation = g;
    }
    return nonces + kNonceLen * next_nonce++;
  }
};

// HKDF-SHA256(master, info) → 32 bytes. No salt: the master key is already uniform.
std::string derive(std::string_view master, std::string_view info) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                        &EVP_KDF_free);
  if (!kdf) crypto_failure("HKDF unavailable");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                                &EVP_KDF_CTX_free);
  if (!ctx) crypto_failure("HKDF context");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(master.data()),
                                        master.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string out(32, '\0');
  if (EVP_KDF_derive(ctx.get(), bytes(out), out.size(), params) != 1) {
    crypto_failure("HKDF derive");
  }
  return out;
}

Status io_error(const std::filesystem::path& p, const char* what) {
  return Status::Fail("E_KEY_IO", "",
                      std::string(what) + ": " + p.string() + " (" + std::strerror(errno) + ")");
}

// Reads exactly the master key from `p`. Errors: E_KEY_IO.
Result<std::string> read_key_file(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(p, "cannot read the master key");
  std::string buf(kMasterKeyLen + 1, '\0');
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return io_error(p, "cannot read the master key");
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != kMasterKeyLen) {
    return Status::Fail(
        "E_KEY_IO", "",
        "the master key file has the wrong length (expected 32 bytes): " + p.string());
  }
  buf.resize(kMasterKeyLen);
  return buf;
}

// Writes a fresh key to a private temporary file and links it into place. Returns Ok when
// this call created `p`, or when another process won the race (the caller then reads it).
Status create_key_file(const std::filesystem::path& p) {
  std::string tmpl = (p.parent_path() / "master.key.XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return io_error(p.parent_path(), "cannot create a file in the key directory");
  std::filesystem::path tmp = tmpl;
  ::fchmod(fd, 0600);
  std::string key = random_bytes(kMasterKeyLen);
  size_t put = 0;
  bool ok = true;
  while (put < key.size()) {
    ssize_t n = ::write(fd, key.data() + put, key.size() - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    put += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) {
    Status s = io_error(tmp, "cannot write the master key");
    ::unlink(tmp.c_str());
    return s;
  }
  int rc = ::link(tmp.c_str(), p.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return io_error(p, "cannot install the master key");
  }
  // Make the new directory entry durable.
  int dfd = ::open(p.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<Keyring> Keyring::load_or_create(const std::filesystem::path& data_dir) {
  std::filesystem::path dir = data_dir / "keys";
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(data_dir, ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return io_error(dir, "cannot create the key directory");
    }
  }
  std::filesystem::path file = dir / "master.key";
  if (!std::filesystem::exists(file, ec)) {
    Status s = create_key_file(file);
    if (!s.ok()) return s;
  }
  auto key = read_key_file(file);
  if (!key.ok()) return key.error();
  Keyring k = from_master_key(*key);
  OPENSSL_cleanse(key->data(), key->size());
  return k;
}

bool Keyring::exists(const std::filesystem::path& data_dir) {
  std::error_code ec;
  return std::filesystem::exists(data_dir / "keys" / "master.key", ec);
}

Keyring Keyring::from_master_key(std::string_view master32) {
  Keyring k;
  k.seal_key_ = derive(master32, "onshi seal v1");
  k.link_key_ = derive(master32, "onshi link v1");
  return k;
}

std::string Keyring::seal(std::string_view plaintext) const {
  ThreadCrypto& tc = ThreadCrypto::get();
  std::string out(kNonceLen + plaintext.size() + kTagLen, '\0');
  std::memcpy(out.data(), tc.nonce(), kNonceLen);
  EVP_CIPHER_CTX* ctx = tc.cipher(seal_key_);
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, bytes(out)) != 1 ||
      EVP_EncryptUpdate(ctx, bytes(out) + kNonceLen, &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1) {
    crypto_failure("AES-GCM encrypt");
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx, bytes(out) + kNonceLen + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagLen),
                          bytes(out) + kNonceLen + plaintext.size()) != 1) {
    crypto_failure("AES-GCM finish");
  }
  return out;
}

Result<std::string> Keyring::open(std::string_view sealed) const {
  auto fail = [] {
    return Status::Fail("E_SEAL", "", "sealed value is damaged or was sealed with another key");
  };
  if (sealed.size() < kNonceLen + kTagLen) return fail();
  size_t n = sealed.size() - kNonceLen - kTagLen;
  std::string out(n, '\0');
  std::string tag(sealed.substr(kNonceLen + n, kTagLen));
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  int len = 0, tail = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(seal_key_), bytes(sealed)) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), bytes(out), &len, bytes(sealed) + kNonceLen,
                        static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLen), tag.data()) !=
          1 ||
      EVP_DecryptFinal_ex(ctx.get(), bytes(out) + len, &tail) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return fail();
  }
  return out;
}

std::string Keyring::person_link(std::string_view my_number) const {
  std::string out(32, '\0');
  EVP_MAC_CTX* ctx = ThreadCrypto::get().mac(link_key_);
  size_t len = 0;
  if (EVP_MAC_update(ctx, bytes(my_number), my_number.size()) != 1 ||
      EVP_MAC_final(ctx, bytes(out), &len, out.size()) != 1 || len != out.size()) {
    crypto_failure("HMAC-SHA256");
  }
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes(out), &len, EVP_sha256(), nullptr) != 1) {
    crypto_failure("SHA-256");
  }
  return out;
}

std::string hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(bytes(out), static_cast<int>(n)) != 1) crypto_failure("RAND_bytes");
  return out;
}

std::string base64url(std::string_view raw) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((raw.size() * 4 + 2) / 3);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(raw[k])); };
  for (; i + 3 <= raw.size(); i += 3) {
    uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (raw.size() - i == 1) {
    uint32_t v = at(i) << 16;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
  } else if (raw.size() - i == 2) {
    uint32_t v = at(i) << 16 | at(i + 1) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // The leftover bits of the last character must be zero (one encoding per byte string).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace onshi::security
