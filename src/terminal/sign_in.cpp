// Sign-in on the reception screen and the clinical requests made for the signed-in account
// (R-CONF-5, terminal/users.h): a professional signs in with the id and password of
// FOLDER/users.json; the session is a random token in an HttpOnly, SameSite=Strict cookie,
// kept in this process's memory and ended after `session_minutes` without use (or by
// 「サインアウト」, or when the terminal restarts). Coverage stays open to the front desk as
// before; what is clinical needs a session, and the request to the central service names its
// account — the service decides from that account's role and the patient's consent.

#include "core/log.h"
#include "http/local.h"
#include "security/crypto.h"
#include "terminal/detail.h"

namespace onshi::terminal {
namespace {

constexpr std::string_view kCookie = "onshi_session";

std::string new_token() { return security::hex(security::random_bytes(24)); }

// A query value, percent-encoded (UTF-8 bytes other than unreserved characters).
std::string percent(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

json::object session_json(const Session& s) {
  return json::object{{"signedIn", true},
                      {"id", s.id},
                      {"name", s.name},
                      {"role", s.role},
                      {"roleLabel", user_role_label(s.role)}};
}

}  // namespace

std::string Sessions::open(const User& user, std::chrono::minutes lifetime) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(open_, [&](const auto& kv) { return kv.second.expires <= now; });
  std::string token = new_token();
  open_[token] = Session{user.id, user.name, user.role, now + lifetime, lifetime};
  return token;
}

std::optional<Session> Sessions::find(const std::string& token) {
  std::lock_guard lock(mu_);
  auto it = open_.find(token);
  if (it == open_.end()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (it->second.expires <= now) {
    open_.erase(it);
    return std::nullopt;
  }
  it->second.expires = now + it->second.lifetime;  // idle timeout: each use extends it
  return it->second;
}

void Sessions::close(const std::string& token) {
  std::lock_guard lock(mu_);
  open_.erase(token);
}

std::optional<Session> Terminal::Impl::session_of(const http::Request& req) {
  const std::string token = http::cookie_value(req.cookie, kCookie);
  if (token.empty()) return std::nullopt;
  return sessions.find(token);
}

http::Response Terminal::Impl::sign_in(const http::Request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_json();
  const std::string id = member(*body, "id"), password = member(*body, "password");
  if (id.empty() || password.empty())
    return api_error(400, "E_MISSING", id.empty() ? "id" : "password",
                     "アカウントIDとパスワードを入力してください");
  auto user = UsersFile(options.bridge.folder).check(id, password);
  if (!user) return api_error(500, user.error().code, "", "アカウントを確認できませんでした");
  if (!*user) {
    core::log_info("terminal.sign_in_refused", {});
    return api_error(401, "E_SIGNIN", "password", "アカウントIDかパスワードが違います");
  }
  const std::string token = sessions.open(**user, std::chrono::minutes(options.session_minutes));
  core::log_info("terminal.signed_in", {{"role", (*user)->role}});
  json::object o = session_json(Session{(*user)->id, (*user)->name, (*user)->role, {}, {}});
  o["expiresInSeconds"] = options.session_minutes * 60;
  http::Response r = json_response(200, json::serialize(o));
  r.headers.emplace_back(
      "Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
  return r;
}

http::Response Terminal::Impl::sign_out(const http::Request& req) {
  sessions.close(http::cookie_value(req.cookie, kCookie));
  http::Response r = json_response(200, R"({"signedIn":false})");
  r.headers.emplace_back("Set-Cookie",
                         std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

http::Response Terminal::Impl::session(const http::Request& req) {
  auto s = session_of(req);
  if (!s) return json_response(200, R"({"signedIn":false})");
  return json_response(200, json::serialize(session_json(*s)));
}

// GET /api/clinical/consent-status?insurerNumber=…&symbol=…&number=…&branch=… for the
// signed-in account: the central service's decision per category, as it answered it.
http::Response Terminal::Impl::clinical_consent_status(const http::Request& req) {
  auto s = session_of(req);
  if (!s)
    return api_error(401, "E_SESSION", "",
                     "診療情報の閲覧にはサインインが必要です（時間が経つとサインアウトされます）");
  std::string target = "/v1/clinical/consent-status?account=" + percent(s->id);
  for (const char* k : {"insurerNumber", "symbol", "number", "branch"})
    target += std::string("&") + k + "=" + percent(req.query_param(k));
  auto r = central->request("GET", target, "", "");
  if (!r) return central_unreachable(r.error());
  http::Response out = json_response(r->status, r->body);
  if (r->status / 100 != 2) out.content_type = "application/problem+json";
  return out;
}

}  // namespace onshi::terminal
