// The terminal's professional accounts (R-CONF-5): who may sign in on the reception screen and
// with which role — 受付 (reception), 医師 (doctor), 歯科医師 (dentist), 薬剤師 (pharmacist).
//
// The accounts live in FOLDER/users.json (mode 0600) beside the OQS folders; the passwords
// never leave it and are kept only as scrypt hashes (OpenSSL EVP_PBE_scrypt, N = 2^15, r = 8,
// p = 1, a 16-byte random salt, a 32-byte key: about 32 MiB and a tenth of a second per
// check, so a stolen file does not give passwords away cheaply). Each account is also known
// to the central service: add_user registers it there with the institution's certificate
// (POST /v1/institution/accounts) before it is written here, remove_user removes it there
// first, so the service can check the role of the account every clinical request names.
//
// Errors (docs/errors.md): E_ACCOUNT_ID (field "id"), E_ACCOUNT_ROLE (field "role"),
// E_PASSWORD (field "password": 8–128 characters), E_ACCOUNT_EXISTS, E_ACCOUNT_UNKNOWN,
// E_TERMINAL_IO (the file), the central service's refusal (its code) or E_CONNECT / E_TLS.
// The file is replaced by rename, so a running terminal reading it never sees half of it; it
// reads it again at every sign-in, so an account added or removed counts at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/client.h"

namespace onshi::terminal {

// The roles (codes exchanged with the central service, labels shown on the screen).
inline constexpr std::string_view kUserRoles[] = {"reception", "doctor", "dentist", "pharmacist"};
// The Japanese label of a role code, or "" for an unknown code.
std::string_view user_role_label(std::string_view role);
// A role code from the code or the Japanese label. Errors: E_ACCOUNT_ROLE.
Result<std::string> parse_user_role(std::string_view text);

struct User {
  std::string id;          // 1–32 of A–Z a–z 0–9 . _ -
  std::string name;        // shown on the screen (staff name), may be ""
  std::string role;        // a code of kUserRoles
  std::string salt, hash;  // hex
  int64_t created_at_us = 0;
};

// scrypt(password, salt) as hex, with the documented cost. Errors: E_CRYPTO.
Result<std::string> password_hash(std::string_view password, std::string_view salt_hex);

// The accounts of one terminal folder.
class UsersFile {
 public:
  explicit UsersFile(std::filesystem::path folder);
  // Every account (empty when the file does not exist yet). Errors: E_TERMINAL_IO.
  Result<std::vector<User>> load() const;
  // The account when `password` is its password, else nullopt (unknown id or wrong password;
  // the same time is spent either way). Errors: E_TERMINAL_IO, E_CRYPTO.
  Result<std::optional<User>> check(std::string_view id, std::string_view password) const;

  // Adds an account: validates, registers it at the central service through `central`, then
  // writes the file. Nothing is written when any step fails.
  Status add(const http::ClientOptions& central, std::string_view id, std::string_view name,
             std::string_view role, std::string_view password);
  // Removes it at the central service, then here.
  Status remove(const http::ClientOptions& central, std::string_view id);

 private:
  Status save(const std::vector<User>& users) const;
  std::filesystem::path file_;
};

}  // namespace onshi::terminal
