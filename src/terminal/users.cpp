// The terminal's accounts file and its password hashes (terminal/users.h): JSON in
// FOLDER/users.json, written to a temporary file and renamed; scrypt from OpenSSL; the
// registration of each account at the central service with the institution's certificate.
#include "terminal/users.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/date.h"

namespace onshi::terminal {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr uint64_t kScryptN = 1u << 15, kScryptR = 8, kScryptP = 1;

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

Status check_id(std::string_view id) {
  const bool ok = !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (!ok)
    return Status::Fail("E_ACCOUNT_ID", "id", "アカウントIDは英数字と . _ - の1〜32文字です");
  return {};
}

// The central service's answer as an error: its problem+json code and detail when it has one.
Error central_error(const http::ClientResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    auto text = [&](const char* k) {
      const json::value* x = o.if_contains(k);
      return x && x->is_string() ? std::string(x->as_string()) : std::string();
    };
    if (!text("code").empty()) return Error{text("code"), text("field"), text("detail")};
  }
  return Error{"E_TERMINAL_HTTP", "",
               "中央サービスが HTTP " + std::to_string(r.status) + " を返しました"};
}

Status call_central(const http::ClientOptions& central, const std::string& target,
                    const json::object& body) {
  http::Client client(central);
  auto r = client.request("POST", target, json::serialize(body), "application/json");
  if (!r) return r.error();
  if (r->status / 100 != 2) return central_error(*r);
  return {};
}

}  // namespace

std::string_view user_role_label(std::string_view role) {
  if (role == "reception") return "受付";
  if (role == "doctor") return "医師";
  if (role == "dentist") return "歯科医師";
  if (role == "pharmacist") return "薬剤師";
  return "";
}

Result<std::string> parse_user_role(std::string_view text) {
  for (std::string_view r : kUserRoles)
    if (text == r || text == user_role_label(r)) return std::string(r);
  return Error{"E_ACCOUNT_ROLE", "role",
               "役割は reception (受付), doctor (医師), dentist (歯科医師), pharmacist (薬剤師) "
               "のいずれかです"};
}

Result<std::string> password_hash(std::string_view password, std::string_view salt_hex) {
  unsigned char key[32];
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt_hex.data()), salt_hex.size(),
                     kScryptN, kScryptR, kScryptP, 64ull << 20, key, sizeof key) != 1)
    return Error{"E_CRYPTO", "", "scrypt failed"};
  return hex(key, sizeof key);
}

UsersFile::UsersFile(fs::path folder) : file_(std::move(folder) / "users.json") {}

Result<std::vector<User>> UsersFile::load() const {
  std::vector<User> users;
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(file_, ec)) return users;
    return Error{"E_TERMINAL_IO", "users.json", file_.string() + " を読めません"};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  const json::array* list = nullptr;
  if (!ec && v.is_object())
    if (const json::value* u = v.as_object().if_contains("users")) list = u->if_array();
  if (!list)
    return Error{"E_TERMINAL_IO", "users.json", file_.string() + " の形式が正しくありません"};
  for (const auto& e : *list) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    auto text = [&](const char* k) {
      const json::value* x = o.if_contains(k);
      return x && x->is_string() ? std::string(x->as_string()) : std::string();
    };
    User u{text("id"), text("name"), text("role"), text("salt"), text("hash"), 0};
    if (const json::value* c = o.if_contains("createdAtUs"); c && c->is_int64())
      u.created_at_us = c->as_int64();
    users.push_back(std::move(u));
  }
  return users;
}

Status UsersFile::save(const std::vector<User>& users) const {
  json::array list;
  for (const auto& u : users)
    list.push_back(json::object{{"id", u.id},
                                {"name", u.name},
                                {"role", u.role},
                                {"kdf", "scrypt N=32768 r=8 p=1"},
                                {"salt", u.salt},
                                {"hash", u.hash},
                                {"createdAtUs", u.created_at_us}});
  const fs::path tmp = file_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json::serialize(json::object{{"users", std::move(list)}}) << "\n";
    if (!out.flush())
      return Status::Fail("E_TERMINAL_IO", "users.json", tmp.string() + " に書けません");
  }
  ::chmod(tmp.c_str(), 0600);
  std::error_code ec;
  fs::rename(tmp, file_, ec);
  if (ec) return Status::Fail("E_TERMINAL_IO", "users.json", file_.string() + " に書けません");
  return {};
}

Result<std::optional<User>> UsersFile::check(std::string_view id, std::string_view password) const {
  auto users = load();
  if (!users) return users.error();
  auto it = std::find_if(users->begin(), users->end(), [&](const User& u) { return u.id == id; });
  // An unknown id costs one hash as well, so the time does not tell which ids exist.
  const std::string salt = it != users->end() ? it->salt : std::string(32, '0');
  auto h = password_hash(password, salt);
  if (!h) return h.error();
  if (it == users->end() || h->size() != it->hash.size() ||
      CRYPTO_memcmp(h->data(), it->hash.data(), h->size()) != 0)
    return std::optional<User>();
  return std::optional<User>(*it);
}

Status UsersFile::add(const http::ClientOptions& central, std::string_view id,
                      std::string_view name, std::string_view role, std::string_view password) {
  if (auto st = check_id(id); !st) return st;
  auto code = parse_user_role(role);
  if (!code) return code.error();
  if (password.size() < 8 || password.size() > 128)
    return Status::Fail("E_PASSWORD", "password", "パスワードは8〜128文字にしてください");
  auto users = load();
  if (!users) return users.status();
  for (const auto& u : *users)
    if (u.id == id)
      return Status::Fail("E_ACCOUNT_EXISTS", "id",
                          "アカウント " + std::string(id) + " はすでにあります");
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) return Status::Fail("E_CRYPTO", "", "RAND_bytes failed");
  User u{std::string(id),    std::string(name), *code, hex(salt, sizeof salt), "",
         core::now_unix_us()};
  auto h = password_hash(password, u.salt);
  if (!h) return h.status();
  u.hash = std::move(*h);
  if (auto st = call_central(central, "/v1/institution/accounts",
                             json::object{{"id", u.id}, {"role", u.role}});
      !st)
    return st;
  users->push_back(std::move(u));
  return save(*users);
}

Status UsersFile::remove(const http::ClientOptions& central, std::string_view id) {
  if (auto st = check_id(id); !st) return st;
  auto users = load();
  if (!users) return users.status();
  auto it = std::find_if(users->begin(), users->end(), [&](const User& u) { return u.id == id; });
  if (it == users->end())
    return Status::Fail("E_ACCOUNT_UNKNOWN", "id",
                        "アカウント " + std::string(id) + " はありません");
  if (auto st = call_central(central, "/v1/institution/accounts/remove",
                             json::object{{"id", std::string(id)}});
      !st)
    return st;
  users->erase(it);
  return save(*users);
}

}  // namespace onshi::terminal
