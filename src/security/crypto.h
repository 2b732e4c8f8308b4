// Secrets of a data directory and the two things done with them: sealing a My Number
// (AES-256-GCM) and linking the same person across insurers (HMAC-SHA256 keyed hash).
//
// A data directory holds one 32-byte master key in DIR/keys/master.key (mode 0600), made
// on first use. Two sub-keys are derived from it with HKDF-SHA256 (info "onshi seal v1" and
// "onshi link v1"), so the sealing key and the linking key are independent. The My Number
// itself is never written anywhere else and never logged.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::security {

class Keyring {
 public:
  // Loads DIR/keys/master.key, creating it (and DIR/keys) when absent.
  // Errors: E_KEY_IO (unreadable or wrong length).
  static Result<Keyring> load_or_create(const std::filesystem::path& data_dir);
  // Whether DIR/keys/master.key exists. A store that already holds data but has no key must
  // not get a new one silently (its sealed numbers would become unreadable and its person
  // links would change): callers check this and refuse with E_KEY_MISSING.
  static bool exists(const std::filesystem::path& data_dir);
  // A keyring from raw key material (tests).
  static Keyring from_master_key(std::string_view master32);

  // AES-256-GCM: returns nonce(12) ‖ ciphertext ‖ tag(16), raw bytes. Randomised.
  std::string seal(std::string_view plaintext) const;
  // Inverse of seal. Errors: E_SEAL (tampered or wrong key).
  Result<std::string> open(std::string_view sealed) const;
  // HMAC-SHA256(link key, my_number): 32 raw bytes; equal numbers give equal links.
  std::string person_link(std::string_view my_number) const;

 private:
  std::string seal_key_;
  std::string link_key_;
};

// Helpers.
std::string sha256(std::string_view data);          // 32 raw bytes
std::string hex(std::string_view raw);              // lower-case hex
std::string random_bytes(size_t n);                 // from the OS CSPRNG
std::string base64url(std::string_view raw);        // no padding
// Inverse of base64url: the URL-safe alphabet, padding not allowed, nothing else accepted
// (no whitespace, no '+' or '/', no impossible trailing bits). nullopt when not base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace onshi::security
